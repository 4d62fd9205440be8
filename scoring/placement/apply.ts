/**
 * The planned state: the snapshot as it would look after the plan, for the analysis engine to re-score.
 *
 * Assumptions (docs/placement.md, "The planned state"): the load moves with the workload — the k-th of its
 * GPUs today hands its utilisation, memory, DCGM activity and processes to the k-th of its planned GPUs
 * (no speed-up is claimed); a MIG instance runs the workload's load on its share of the compute slices; a
 * GPU that becomes loaded trains its PCIe link back to its max generation (an idle link drops its gen;
 * the width is physical and stays); a GPU no workload holds in the plan is idle (no utilisation, memory,
 * activity or process). CPU affinity: cpus.ts (CPUs local to each of its GPUs, disjoint between workloads
 * of one node while the node has CPUs left); a VM's virtual NUMA nodes: vm-numa.ts.
 *
 * Windows (scoring/window.ts) are the tenant's too: the window of the k-th GPU today moves, with its sample,
 * to the k-th planned GPU. A GPU no workload holds has none (it has no activity to report: the sample's
 * idle state stands, as without windows), and neither has a GPU rebuilt to be shared (MIG or vGPU) nor its
 * instances: what several tenants do together over a day is not known. Their sample readings are then the
 * tenants' loads as the solver took them — its windowed means and p95 need (solve.ts) — so the plan's
 * score and the score of this state agree.
 */

import type { HostContext } from '../context.ts';
import { formatCpuList } from '../cpuset.ts';
import { emptyMigDevice, type Gpu, type HostPci, type Snapshot } from '../snapshot.ts';
import { type CpuGroup, cpuGroups, pickCpus, takeCpus } from './cpus.ts';
import { isHardwareClockReason } from './faults.ts';
import { computeSlicesOf, instanceMemoryMiB, layout } from './mig-layout.ts';
import { busyLoad, type Choice, type Job, keptShared } from './solve.ts';
import { vmNumaLayout } from './vm-numa.ts';

export interface Planned {
  snapshot: Snapshot;
  /** the CPUs chosen per workload. */
  cpus: Map<string, number[] | null>;
  /** per workload, its planned GPUs grouped by NUMA node (the groups its CPUs were taken from). */
  groups: Map<string, CpuGroup[]>;
  /** per MIG GPU, the instances in creation order with their GI placements. */
  migLayouts: Map<number, { profileId: number; profile: string; start: number; workload: string }[]>;
}

/** What a GPU's reading says about its tenant (it moves with the workload). */
type Load = Pick<Gpu, 'utilization' | 'metrics' | 'window'>;

const ACTIVITY = [
  'smActive',
  'smOccupancy',
  'tensorActive',
  'dramActive',
  'pcieTxBytesPerSec',
  'pcieRxBytesPerSec',
] as const;

function idle(g: Gpu): void {
  g.utilization = { gpuPct: 0, memoryPct: 0 };
  g.memory.usedMiB = 0;
  g.pstate = 'P8';
  // heat, power brakes and hardware slowdowns belong to the GPU, not to its tenant: they stay
  g.clockEventReasons = ['gpu_idle', ...(g.clockEventReasons ?? []).filter(isHardwareClockReason)];
  g.power.drawW = null;
  g.mig.devices = [];
  if (g.mig.mode === 'enabled') g.mig.mode = 'disabled';
  // the window was the previous tenant's (it moves with it); an empty GPU has no activity to report
  g.window = null;
  // DCGM activity was the previous tenant's; the health counters (xidLast) stay with the GPU
  for (const k of ACTIVITY) if (g.metrics[k] !== null) g.metrics[k] = 0;
}

function loadOf(g: Gpu): Load {
  return { utilization: { ...g.utilization }, metrics: { ...g.metrics }, window: g.window };
}

function loaded(g: Gpu): void {
  g.pstate = 'P0';
  if (g.pcie.genMax !== null) g.pcie.genCurrent = g.pcie.genMax;
  if (g.clockEventReasons) g.clockEventReasons = g.clockEventReasons.filter((r) => r !== 'gpu_idle');
}

export function applyPlan(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): Planned {
  const snap: Snapshot = structuredClone(ctx.snapshot);
  const byIndex = new Map(snap.gpus.filter((g) => g.index !== null).map((g) => [g.index!, g]));
  const before = new Map(jobs.map((j) => [j.workload.name, j.current]));
  // each GPU's load today, before the GPUs are rebuilt
  const today = new Map(ctx.snapshot.gpus.filter((g) => g.index !== null).map((g) => [g.index!, loadOf(g)]));

  // GPUs that host a workload in the plan are rebuilt; the rest idle
  // GPUs kept as they are (shared today) stay untouched with their processes; the rest are rebuilt
  const kept = keptShared(ctx);
  for (const [i, g] of byIndex) if (!kept.gpus.has(i)) idle(g);
  snap.processes = snap.processes.filter((p) => p.gpuIndex !== null && kept.gpus.has(p.gpuIndex));
  const cpus = new Map<string, number[] | null>();
  const groupsOf = new Map<string, CpuGroup[]>();
  const usedCpus = new Map<string, Set<number>>();
  // every node's CPUs, to record what each workload (a pinned one too, wherever its CPUs are) takes
  const hostGroups = cpuGroups(ctx, [...byIndex.keys()]);
  const migLayouts: Planned['migLayouts'] = new Map();
  const shared = new Map<number, { util: number; mem: number; choice: Choice; jobs: Job[] }>();

  choices.forEach((c, j) => {
    const job = jobs[j]!;
    const w = snap.workloads.find((x) => x.name === job.workload.name)!;
    const gpus = c.type === 'whole' ? c.gpus : [c.gpu];
    // CPUs local to each of its GPUs, disjoint from what the workloads before it took where possible;
    // a pinned job keeps its CPUs (it is not restarted)
    const groups = cpuGroups(ctx, gpus);
    const mine = job.pinned ? job.workload.cpus : pickCpus(job.workload, groups, usedCpus);
    if (mine) takeCpus(usedCpus, hostGroups, mine);
    cpus.set(w.name, mine);
    groupsOf.set(w.name, groups);
    w.cpus = mine;
    w.gpus = [...gpus].sort((a, b) => a - b);
    w.unresolvedGpus = [];
    if (w.vm) {
      w.vm.affinity = mine ? formatCpuList(mine) : w.vm.affinity;
      if (mine && !job.pinned) {
        const numa = vmNumaLayout(w.vm, groups, mine);
        if (numa.nodes.length > 0) {
          w.vm.numa = true;
          w.vm.numaNodes = numa.nodes.map((n) => ({
            id: n.id,
            cpus: n.vcpus[0] === n.vcpus[1] ? `${n.vcpus[0]}` : `${n.vcpus[0]}-${n.vcpus[1]}`,
            hostnodes: n.hostnodes ? n.hostnodes.join(';') : null,
            memoryMiB: n.memoryMiB,
            policy: 'bind',
          }));
        }
      }
      const gpuPci: HostPci[] = w.gpus.map((i, k) => ({
        slot: `hostpci${k}`,
        busId: byIndex.get(i)?.busId ?? null,
        mapping: null,
        mdev: c.type === 'whole' ? null : c.type === 'mig' ? `MIG ${c.profile.name}` : `vGPU ${c.sizeGB}GB`,
        pcie: true,
        raw: '',
      }));
      w.vm.hostpci = gpuPci;
    }
    // processes travel with the workload: the k-th of its GPUs today (by index) to the k-th planned one
    const from = [...(before.get(w.name) ?? [])].sort((a, b) => a - b);
    for (const p of ctx.snapshot.processes) {
      const k = p.gpuIndex === null ? -1 : from.indexOf(p.gpuIndex);
      if (k < 0) continue;
      snap.processes.push({
        ...p,
        gpuIndex: w.gpus[Math.min(k, w.gpus.length - 1)] ?? null,
        gpuUuid: null,
        gi: null,
        ci: null,
      });
    }
    if (c.type === 'whole') {
      w.gpus.forEach((i, k) => {
        const g = byIndex.get(i)!;
        const src = from[k] === undefined ? undefined : today.get(from[k]!);
        const load = job.loads[k] ?? { util: job.util, memMiB: job.memMiB };
        // with a window, the sample travels beside it (the score reads the window, the P-state the sample)
        const sample = load.sample ?? load;
        loaded(g);
        g.utilization = {
          gpuPct: sample.util,
          memoryPct: src ? src.utilization.memoryPct : null,
        };
        g.memory.usedMiB = sample.memMiB;
        // DCGM activity and the window of the workload's GPU move with it (an arrival from another host
        // brings none: its load is taken as a sample)
        if (src) for (const m of ACTIVITY) g.metrics[m] = src.metrics[m];
        else for (const m of ACTIVITY) g.metrics[m] = null;
        g.window = src?.window ? structuredClone(src.window) : null;
        if (!busyLoad(load)) g.pstate = 'P8';
      });
      return;
    }
    const agg = shared.get(c.gpu) ?? { util: 0, mem: 0, choice: c, jobs: [] };
    agg.util += job.util ?? (job.need?.compute ?? 0) * 100;
    agg.mem += (job.need?.memoryGiB ?? 0) * 1024;
    agg.jobs.push(job);
    shared.set(c.gpu, agg);
  });

  for (const [i, agg] of shared) {
    const g = byIndex.get(i)!;
    loaded(g);
    g.memory.usedMiB = Math.round(agg.mem);
    // the tenants' DCGM activity on a shared GPU is not modelled, nor their window together (see the header)
    for (const m of ACTIVITY) g.metrics[m] = null;
    g.window = null;
    if (agg.choice.type === 'share') {
      g.utilization.gpuPct = Math.min(100, Math.round(agg.util * 10) / 10);
      continue;
    }
    // MIG: instances in creation order with the placements the driver gives them
    const model = ctx.model(g)!;
    const slices = computeSlicesOf(model);
    const tenants = agg.jobs.map((job) => ({
      job,
      profile: (choices[jobs.indexOf(job)] as Extract<Choice, { type: 'mig' }>).profile,
    }));
    const placed = layout(
      model,
      tenants.map((t) => t.profile),
    )!;
    const remaining = [...tenants];
    const list: { profileId: number; profile: string; start: number; workload: string }[] = [];
    g.mig.mode = 'enabled';
    g.utilization = { gpuPct: null, memoryPct: null };
    g.mig.devices = placed.map((p, gi) => {
      const t = remaining.splice(
        remaining.findIndex((x) => x.profile === p.profile),
        1,
      )[0]!;
      const u = t.job.util ?? (t.job.need?.compute ?? 0) * 100;
      list.push({
        profileId: p.profile.id,
        profile: p.profile.name,
        start: p.start,
        workload: t.job.workload.name,
      });
      return {
        ...emptyMigDevice(),
        gi: gi + 1,
        ci: 0,
        device: gi,
        profile: p.profile.name,
        profileId: p.profile.id,
        memoryTotalMiB: instanceMemoryMiB(g, p.profile),
        memoryUsedMiB: (t.job.need?.memoryGiB ?? 0) * 1024,
        utilizationPct: Math.round(((u * slices) / p.profile.compute) * 10) / 10,
        placement: { start: p.start, size: p.profile.memorySlices },
      };
    });
    migLayouts.set(i, list);
  }
  return { snapshot: snap, cpus, groups: groupsOf, migLayouts };
}
