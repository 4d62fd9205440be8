import type { z } from 'zod';
import type { ToolDef } from '../types.ts';
import { compactFinding, HostArg } from './common.ts';

export const findNumaMismatch: ToolDef<z.infer<typeof HostArg>> = {
  name: 'find_numa_mismatch',
  description:
    'Workloads whose CPU affinity has no CPU local to one of their GPUs (NUMA mismatch), with evidence and the computed copy-bandwidth impact.',
  input: HostArg,
  async run(input, ctx) {
    const h = ctx.session.hostAnalysis(input.host);
    const found = h.findings.filter((f) => f.rule === 'numa-mismatch');
    ctx.session.artifacts.findings.push(...found);
    return { host: h.host, findings: found.map(compactFinding) };
  },
};
