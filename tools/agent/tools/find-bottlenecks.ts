import { z } from 'zod';
import { RuleId } from '../../../scoring/findings.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { compactFinding, forModel, hostField } from './common.ts';

const Input = z.strictObject({
  host: hostField,
  rules: z.array(RuleId).max(20).optional().describe('only findings of these rules (default: all)'),
  gpus: z
    .array(z.number().int().min(0).max(1023))
    .max(64)
    .optional()
    .describe('only findings that involve one of these GPU indexes'),
  workloads: z
    .array(z.string().max(200))
    .max(64)
    .optional()
    .describe('only findings about one of these workloads (VM or job names)'),
});

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const h = ctx.session.hostAnalysis(input.host);
  const found = h.findings.filter(
    (f) =>
      (!input.rules || input.rules.includes(f.rule)) &&
      (!input.gpus || f.gpus.some((g) => input.gpus!.includes(g))) &&
      (!input.workloads || f.workloads.some((w) => input.workloads!.includes(w))),
  );
  const bySeverity = { critical: 0, warning: 0, info: 0 };
  for (const f of found) bySeverity[f.severity]++;
  return {
    data: forModel(ctx, {
      host: h.host,
      count: found.length,
      bySeverity,
      /** the rules that were evaluated (a rule absent from `findings` found nothing). */
      rulesChecked: input.rules ?? RuleId.options,
      findings: found.map(compactFinding),
      notes: h.notes.slice(0, 10),
    }),
    findings: found,
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type FindBottlenecksResult = Awaited<ReturnType<typeof run>>['data'];

export const findBottlenecks: ToolDef<z.infer<typeof Input>, FindBottlenecksResult> = {
  name: 'find_bottlenecks',
  description:
    'Every finding of the analysis rules on one host, most severe first: nvlink-split (a distributed job across GPUs without NVLink), cross-socket, numa-mismatch, mig-candidate / share-candidate (a small inference job holding a whole GPU), gpu-idle, memory-pressure (VRAM ≥ 95 %, OOM risk) / memory-underuse, io-bound (input starvation), pcie-downtrained, clock-throttle (heat, power), ecc-errors, nic-far (GPUDirect RDMA). Each finding has severity, GPUs, workloads, a title and detail in English and Korean, the evidence (raw values with their source) and a computed impact (value, unit, every figure used). Filter with `rules`, `gpus` or `workloads`. A rule listed in `rulesChecked` but absent from `findings` found nothing: that is a "no" you can state.',
  input: Input,
  run,
};
