/**
 * GPUs shared today (MIG instances, or several workloads on one GPU) are kept as they are: the planner
 * places the other workloads around them and the after-state keeps them untouched.
 */
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { applyPlan } from '../../scoring/placement/apply.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { buildJobs, evaluate, solve } from '../../scoring/placement/solve.ts';
import { host, smiCsv, workloads } from '../helpers/placement.ts';

describe('GPUs shared today', () => {
  const snap = host([
    smiCsv([
      ['NVIDIA H100 80GB HBM3', 20000, 81559, 30],
      ['NVIDIA H100 80GB HBM3', 60000, 81559, 85],
      ['NVIDIA H100 80GB HBM3', 1000, 81559, 0],
    ]),
    workloads([
      { name: 'svc-a', kind: 'inference', gpus: [0] },
      { name: 'svc-b', kind: 'inference', gpus: [0] },
      { name: 'train', kind: 'training', gpus: [1] },
    ]),
  ]);

  it('keeps two workloads sharing GPU0 where they are and plans the rest', () => {
    const p = planHost(snap);
    expect(p.notes.join(' ')).toMatch(/kept as they are: svc-a, svc-b .*GPU0/);
    expect(Object.keys(p.targets)).toEqual(['train']);
    expect(p.moves.every((m) => m.workload === 'train')).toBe(true);
    expect(p.commands.some((c) => c.command.includes('-mig'))).toBe(false);
  });

  it("the solver's score counts the kept GPU exactly as the engine does", () => {
    const ctx = buildContext(snap);
    const jobs = buildJobs(ctx);
    const sol = solve(ctx, jobs);
    const engine = analyzeHost(applyPlan(ctx, jobs, sol.choices).snapshot).score?.value ?? null;
    expect(evaluate(ctx, jobs, sol.choices)).toBe(engine);
    expect(sol.score).toBe(engine);
    // GPU0 keeps its load in the planned state
    const planned = applyPlan(ctx, jobs, sol.choices).snapshot;
    expect(planned.gpus[0]!.utilization.gpuPct).toBe(30);
  });
});
