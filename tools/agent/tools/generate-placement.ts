import { z } from 'zod';
import { planHost } from '../../../scoring/placement/index.ts';
import { type ToolContext, type ToolDef, ToolFailure } from '../types.ts';

const Input = z.object({
  host: z
    .string()
    .optional()
    .describe('host name from list_hosts; may be omitted when only one host is loaded'),
  pin: z.array(z.string()).optional().describe('workloads that must stay where they are'),
  reserve: z.array(z.number().int().min(0)).optional().describe('GPU indexes that must stay free'),
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
    host: h.host,
    objective: p.objective,
    moves: p.moves.map((m) => ({
      workload: m.workload,
      from: m.from,
      to: m.to,
      resolves: m.resolves.map((r) => r.rule),
    })),
    scoreBefore: h.score ? { value: h.score.value, grade: h.score.grade } : null,
    scoreAfter: p.after.score ? { value: p.after.score.value, grade: p.after.score.grade } : null,
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
      downtime: c.downtime,
      manual: c.manual,
    })),
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type GeneratePlacementResult = Awaited<ReturnType<typeof run>>;

export const generatePlacement: ToolDef<z.infer<typeof Input>> = {
  name: 'generate_placement',
  description:
    'The optimal placement of the host’s workloads (NVLink/NUMA/MIG-aware): moves with the findings they resolve, the score after, computed gains and the commands in order (InfraLens never runs them).',
  input: Input,
  run,
};
