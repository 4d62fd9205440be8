import type { z } from 'zod';
import type { ToolContext, ToolDef } from '../types.ts';
import { compactFinding, forModel, HostArg } from './common.ts';

async function run(input: z.infer<typeof HostArg>, ctx: ToolContext) {
  const h = ctx.session.hostAnalysis(input.host);
  const found = h.findings.filter((f) => f.rule === 'numa-mismatch');
  const pinned = h.workloads.filter((w) => w.cpus !== null && w.gpus.length > 0).map((w) => w.name);
  return {
    data: forModel(ctx, {
      host: h.host,
      count: found.length,
      findings: found.map(compactFinding),
      /** workloads whose CPU pinning is known (the others cannot be checked). */
      checked: pinned,
    }),
    findings: found,
  };
}

export type FindNumaMismatchResult = Awaited<ReturnType<typeof run>>['data'];

export const findNumaMismatch: ToolDef<z.infer<typeof HostArg>, FindNumaMismatchResult> = {
  name: 'find_numa_mismatch',
  description:
    'NUMA affinity check of one host: which workloads run on CPUs of a different NUMA node (CPU socket) than their GPUs, so every host↔GPU copy crosses the socket link. Use for questions about CPU pinning, NUMA, affinity or slow data loading. Returns `findings` (rule numa-mismatch, with evidence and the computed copy bandwidth in GB/s, local vs remote) and `checked` (the workloads whose CPU pinning is known; an empty `findings` with those names means they are aligned).',
  input: HostArg,
  run,
};
