import { z } from 'zod';
import { RuleId } from '../../../scoring/findings.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { compactFinding } from './common.ts';

const Input = z.object({
  host: z
    .string()
    .optional()
    .describe('host name from list_hosts; may be omitted when only one host is loaded'),
  rules: z.array(RuleId).optional().describe('only these rules (default: all)'),
});

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const h = ctx.session.hostAnalysis(input.host);
  const found = input.rules ? h.findings.filter((f) => input.rules!.includes(f.rule)) : h.findings;
  ctx.session.artifacts.findings.push(...found);
  return {
    host: h.host,
    count: found.length,
    findings: found.map(compactFinding),
    notes: h.notes.slice(0, 10),
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type FindBottlenecksResult = Awaited<ReturnType<typeof run>>;

export const findBottlenecks: ToolDef<z.infer<typeof Input>> = {
  name: 'find_bottlenecks',
  description:
    'Every finding of the analysis rules on a host (NVLink splits, cross-socket jobs, MIG and sharing candidates, idle GPUs, memory pressure, I/O starvation, PCIe downtraining, clock throttling, ECC, NIC distance, NUMA), most severe first, each with evidence and a computed impact.',
  input: Input,
  run,
};
