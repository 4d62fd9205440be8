import type { z } from 'zod';
import type { ToolContext, ToolDef } from '../types.ts';
import { HostArg } from './common.ts';

async function run(input: z.infer<typeof HostArg>, ctx: ToolContext) {
  const h = ctx.session.hostAnalysis(input.host);
  return {
    host: h.host,
    score: h.score,
    reason: h.scoreReason,
    gpus: h.gpus.map((g) => ({
      index: g.index,
      workloads: g.workloads,
      utilizationPct: g.utilizationPct,
      score: g.score,
    })),
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type ComputeScoreResult = Awaited<ReturnType<typeof run>>;

export const computeScore: ToolDef<z.infer<typeof HostArg>> = {
  name: 'compute_score',
  description:
    'The Resource Efficiency Score of a host (0-100, grade A-F) with its GPU / NUMA / interconnect components and per-GPU parts (docs/scoring.md). Null with the reason when utilisation data is missing.',
  input: HostArg,
  run,
};
