import { basename } from 'node:path';
import { z } from 'zod';
import { formatCpuList } from '../../../scoring/cpuset.ts';
import { gpuModelByFamily } from '../../../scoring/gpu-models.ts';
import { type ToolContext, type ToolDef, ToolFailure } from '../types.ts';
import { collectionOf, forModel, hostField } from './common.ts';

const Input = z.strictObject({
  host: hostField,
  refresh: z
    .boolean()
    .optional()
    .describe(
      'inventory hosts only: true collects the host again now over SSH (a few seconds; recorded in its score history) and returns the fresh facts; omitted: the last collection, with its time',
    ),
});

/** An inventory host collected now: the session's snapshot of it is replaced for the rest of the turn. */
async function collectNow(ctx: ToolContext, host: string): Promise<boolean> {
  const fleet = ctx.services.fleet;
  if (!fleet || !ctx.session.isInventoryHost(host)) return false;
  const c = await fleet.collect(host);
  if (c.error || c.bundle === null)
    throw new ToolFailure(
      `collecting ${host} failed (${c.error?.kind ?? 'unknown'}): ${c.error?.message ?? 'no data'}; the last collection is still the one from ${new Date(ctx.session.collectedAt(host) ?? c.at).toISOString()}`,
    );
  if (!ctx.session.refresh(host, c.bundle, c.at))
    throw new ToolFailure(`collecting ${host}: the collector's output could not be read`);
  return true;
}

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const canonical = ctx.session.hostAnalysis(input.host).host ?? input.host ?? '';
  const live = input.refresh === true ? await collectNow(ctx, canonical) : false;
  const s = ctx.session.snapshot(input.host);
  const h = ctx.session.hostAnalysis(input.host);
  const numaOf = new Map(h.gpus.map((g) => [g.index, g.numaNode]));
  return {
    data: forModel(ctx, {
      host: s.host,
      /** where these facts come from: the inventory host's collection (when) or the uploaded files. */
      collection: collectionOf(ctx, s.host ?? canonical, live),
      driverVersion: s.driverVersion,
      cudaVersion: s.cudaVersion,
      /** both versions in one line, as a user would quote them ("driver 570.172.08, CUDA 12.8"). */
      versions:
        s.driverVersion || s.cudaVersion
          ? [
              s.driverVersion ? `driver ${s.driverVersion}` : null,
              s.cudaVersion ? `CUDA ${s.cudaVersion}` : null,
            ]
              .filter((x) => x !== null)
              .join(', ')
          : null,
      /** the host CPUs (lscpu): model, sockets, cores per socket, threads per core, logical CPUs. */
      cpu: {
        model: s.cpu.model,
        sockets: s.cpu.sockets,
        coresPerSocket: s.cpu.coresPerSocket,
        threadsPerCore: s.cpu.threadsPerCore,
        logicalCpus: s.cpu.logicalCpus,
      },
      gpus: s.gpus.map((g) => ({
        index: g.index,
        name: g.name,
        /** the model key (scoring/gpu-models.ts), and whether that model supports MIG (null: unknown model). */
        family: g.family,
        migCapable: gpuModelByFamily(g.family)?.migCapable ?? null,
        busId: g.busId,
        utilizationPct: g.utilization.gpuPct,
        memoryUsedMiB: g.memory.usedMiB,
        memoryTotalMiB: g.memory.totalMiB,
        numaNode: g.index === null ? g.numaNode : (numaOf.get(g.index) ?? g.numaNode),
        pstate: g.pstate,
        temperatureC: g.temperatureC,
        powerDrawW: g.power.drawW,
        powerLimitW: g.power.limitW,
        clockEventReasons: g.clockEventReasons,
        pcie: g.pcie,
        mig: {
          mode: g.mig.mode,
          instances: g.mig.devices.map((d) => ({
            profile: d.profile,
            gi: d.gi,
            memoryUsedMiB: d.memoryUsedMiB,
            memoryTotalMiB: d.memoryTotalMiB,
          })),
          /** the GPU-instance profiles `mig -lgip` lists (null when it was not captured). */
          profiles:
            g.mig.profiles?.map((p) => ({
              name: p.name,
              id: p.id,
              instancesFree: p.instancesFree,
              instancesTotal: p.instancesTotal,
              memoryGiB: p.memoryGiB,
            })) ?? null,
        },
        ecc: {
          mode: g.ecc.mode,
          uncorrectedVolatile: g.ecc.uncorrectedVolatile,
          uncorrectedAggregate: g.ecc.uncorrectedAggregate,
          correctedVolatile: g.ecc.correctedVolatile,
          correctedAggregate: g.ecc.correctedAggregate,
          remappedRowsPending: g.ecc.remappedRows.pending,
          remappedRowsFailure: g.ecc.remappedRows.failure,
          remappedRowsUncorrectable: g.ecc.remappedRows.uncorrectable,
          retiredPagesPending: g.ecc.retiredPagesPending,
        },
      })),
      workloads: s.workloads.map((w) => ({
        name: w.name,
        kind: w.kind,
        gpus: w.gpus,
        distributed: w.distributed,
        cpus: w.cpus ? formatCpuList(w.cpus) : null,
        vmid: w.vm?.vmid ?? null,
        /** the PCI devices the Proxmox VM config passes through (hostpciN: bus id, mapping, mdev). */
        hostpci: (w.vm?.hostpci ?? []).map((h) => ({
          slot: h.slot,
          busId: h.busId,
          mapping: h.mapping,
          mdev: h.mdev,
        })),
        memoryGiB: w.memoryGiB,
        source: basename(w.source.file),
      })),
      processes: s.processes.slice(0, 64).map((p) => ({
        gpu: p.gpuIndex,
        pid: p.pid,
        name: p.name,
        usedMemoryMiB: p.usedMemoryMiB,
      })),
      inputs: s.sources.map((x) => `${basename(x.file)} (${x.format})`),
      warnings: [...s.warnings, ...s.sources.flatMap((x) => x.warnings)].slice(0, 20),
    }),
  };
}

export type CollectResult = Awaited<ReturnType<typeof run>>['data'];

export const collectNvidiaSmi: ToolDef<z.infer<typeof Input>, CollectResult> = {
  name: 'collect_nvidia_smi',
  description:
    "The current state of one host from its nvidia-smi, topology and Proxmox data (read-only): the driver and CUDA versions, the host CPUs (model, sockets, cores, threads). Per GPU: index, model (and whether it supports MIG), bus id, utilisation (%), memory used/total (MiB), NUMA node, P-state, temperature (°C), power draw/limit (W), active clock-event (throttle) reasons, PCIe generation and width (current and max), MIG mode, instances and the profiles `mig -lgip` lists, ECC counters and row-remap state. The workloads (name, kind, GPU indexes, CPU list, Proxmox VM id and the PCI devices it passes through, memory need in GiB, the file it came from), the GPU processes, the input files and their warnings. Use for questions about one GPU or VM, memory, ECC/health, temperature/clocks, PCIe, MIG state, or which VM uses which GPU. `collection` says where the facts come from: an inventory host's last collection (`collectedAt`, `minutesAgo`) or the uploaded files. For an inventory host, `refresh: true` collects it again now (use it when the user asks for the current state or to check again); uploaded files cannot be refreshed.",
  input: Input,
  run,
};
