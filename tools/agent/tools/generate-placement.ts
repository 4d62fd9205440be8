import { z } from 'zod';
import { planHost } from '../../../scoring/placement/index.ts';
import { type ToolContext, type ToolDef, ToolFailure } from '../types.ts';
import { forModel, hostField } from './common.ts';

const Input = z.strictObject({
  host: hostField,
  pin: z.array(z.string().max(200)).max(64).optional().describe('workloads that must stay where they are'),
  reserve: z
    .array(z.number().int().min(0).max(1023))
    .max(64)
    .optional()
    .describe('GPU indexes that must stay free'),
});

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const h = ctx.session.hostAnalysis(input.host);
  let p = h.placement;
  if (input.pin?.length || input.reserve?.length) {
    try {
      p = planHost(
        ctx.session.snapshot(input.host),
        { pin: input.pin ?? [], reserve: input.reserve ?? [] },
        h,
      );
    } catch (e) {
      throw new ToolFailure((e as Error).message);
    }
  }
  if (!p) throw new ToolFailure(h.placementReason ?? 'no placement for this host');
  return {
    data: forModel(ctx, {
      host: h.host,
      objective: p.objective,
      moves: p.moves.map((m) => ({
        workload: m.workload,
        vmid: h.workloads.find((w) => w.name === m.workload)?.vm?.vmid ?? null,
        from: m.from,
        to: m.to,
        resolves: m.resolves.map((r) => r.rule),
        reason: m.reason,
      })),
      scoreBefore: h.score ? { value: h.score.value, grade: h.score.grade } : null,
      scoreAfter: p.after.score ? { value: p.after.score.value, grade: p.after.score.grade } : null,
      remainingFindings: p.after.findings.map((f) => ({ rule: f.rule, gpus: f.gpus, title: f.title })),
      expected: p.expected.map((g) => ({
        model: g.model,
        summary: g.summary,
        before: g.before,
        after: g.after,
        unit: g.unit,
      })),
      commands: p.commands.map((c) => ({
        step: c.step,
        command: c.command,
        what: c.what,
        downtime: c.downtime,
        manual: c.manual,
      })),
      notes: p.notes,
      search: p.search,
    }),
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type GeneratePlacementResult = Awaited<ReturnType<typeof run>>['data'];

export const generatePlacement: ToolDef<z.infer<typeof Input>, GeneratePlacementResult> = {
  name: 'generate_placement',
  description:
    'The optimal placement of one host\'s workloads (NVLink-, NUMA- and MIG-aware; computed, never guessed): the moves (workload, from/to GPUs, MIG profile or vGPU share, CPUs and NUMA node, the findings each resolves, why), the score before and after, the findings that remain, the expected gains (each with before/after values and unit: score points, all-reduce ms, GPUs freed, NUMA copy bandwidth), and the commands in order (qm set / nvidia-smi mig / numactl), each with what it does and whether it needs downtime. InfraLens never runs them: an operator reviews and runs them. Use for "how do I fix it", "what should I change", "how much faster", "give me the commands". `pin` keeps workloads where they are; `reserve` keeps GPUs free.',
  input: Input,
  run,
};
