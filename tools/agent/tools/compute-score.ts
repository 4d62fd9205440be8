import type { z } from 'zod';
import { GRADE_TEXT, WEIGHTS } from '../../../scoring/score.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { forModel, HostArg } from './common.ts';

async function run(input: z.infer<typeof HostArg>, ctx: ToolContext) {
  const h = ctx.session.hostAnalysis(input.host);
  return {
    data: forModel(ctx, {
      host: h.host,
      score: h.score,
      gradeMeaning: h.score ? GRADE_TEXT[h.score.grade] : null,
      reason: h.scoreReason,
      /** the weights of the components (docs/scoring.md); a null component's weight goes to the others. */
      weights: WEIGHTS,
      gradeScale: { A: 90, B: 75, C: 60, D: 40, F: 0 },
      gpus: h.gpus.map((g) => ({
        index: g.index,
        workloads: g.workloads,
        allocated: g.score.allocated,
        utilizationPct: g.utilizationPct,
        memoryUsedMiB: g.memoryUsedMiB,
        memoryTotalMiB: g.memoryTotalMiB,
        gpuPart: g.score.gpuScore,
        numaPart: g.score.numa,
        ioPart: g.score.io,
      })),
    }),
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type ComputeScoreResult = Awaited<ReturnType<typeof run>>['data'];

export const computeScore: ToolDef<z.infer<typeof HostArg>, ComputeScoreResult> = {
  name: 'compute_score',
  description:
    'The Resource Efficiency Score of one host: `score.value` 0–100 and `score.grade` A–F (A ≥ 90 optimal, B ≥ 75 good, C ≥ 60 inefficient, D ≥ 40 serious waste, F critical), its three components 0–100 (`gpu`: utilisation and memory use of allocated GPUs, weight 0.6; `numa`: CPU pinning on the GPUs\' NUMA node, 0.2; `io`: interconnect of distributed jobs and PCIe link health, 0.2) with the number of GPUs each was computed over, and every GPU\'s parts (0–1), utilisation (%) and memory (MiB). Use for "how efficient / what grade / why this score". `score` is null with `reason` when utilisation data is missing.',
  input: HostArg,
  run,
};
