import type { z } from 'zod';
import type { ToolDef } from '../types.ts';
import { HostArg } from './common.ts';

export const collectNvidiaSmi: ToolDef<z.infer<typeof HostArg>> = {
  name: 'collect_nvidia_smi',
  description:
    'The current state of a host from its nvidia-smi, topology and Proxmox data: every GPU (index, model, utilisation %, memory used/total MiB, NUMA node, MIG mode) and the workloads holding them. Read-only.',
  input: HostArg,
  async run(input, ctx) {
    const s = ctx.session.snapshot(input.host);
    return {
      host: s.host,
      driver: s.driverVersion,
      gpus: s.gpus.map((g) => ({
        index: g.index,
        name: g.name,
        utilizationPct: g.utilization.gpuPct,
        memoryUsedMiB: g.memory.usedMiB,
        memoryTotalMiB: g.memory.totalMiB,
        numaNode: g.numaNode,
        migMode: g.mig.mode,
        pcie: g.pcie,
      })),
      workloads: s.workloads.map((w) => ({
        name: w.name,
        kind: w.kind,
        gpus: w.gpus,
        distributed: w.distributed,
      })),
      inputs: s.sources.map((x) => `${x.file} (${x.format})`),
      warnings: [...s.warnings, ...s.sources.flatMap((x) => x.warnings)].slice(0, 20),
    };
  },
};
