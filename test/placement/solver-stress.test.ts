/**
 * The one-host stress cases of issue 12 (bench/placement-host.ts: inference hosts that pack into vGPU
 * shares or MIG, 16-GPU training hosts, the real 10-GPU Quadro table) solve exactly — the search space
 * exhausted — well inside the node budget. Counts of search nodes, never timings: the budget is a node
 * count, so these hold on any machine. The counts are those of seed 1 with some room.
 */
import { describe, expect, it } from 'vitest';
import { hostStressCases } from '../../bench/placement-host.ts';
import { buildContext } from '../../scoring/context.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { buildJobs, NODE_BUDGET, solve } from '../../scoring/placement/solve.ts';

/** nodes each case may take (seed 1 takes about half). */
const CEILING: Record<string, number> = {
  '8× L40S, 8 inference jobs (vGPU shares)': 1_000,
  '12× L40S, 12 inference jobs (vGPU shares)': 40_000,
  '16× L40S, 16 inference jobs (vGPU shares)': 50_000,
  '12× H100, 12 inference jobs (MIG)': 200,
  '16× H100, 16 inference jobs (MIG)': 200,
  '16× H100, two 8-GPU training jobs': 100,
  '16× A100, two 4-GPU training + 8 inference jobs': 1_000,
  '10× Quadro RTX 8000, 10 inference jobs (vGPU shares)': 200,
};

describe('one-host stress cases solve exactly within the node budget', () => {
  const cases = hostStressCases(1);

  it('has the cases of issue 12', () => {
    expect(cases.map((c) => c.name)).toEqual(Object.keys(CEILING));
  });

  for (const c of cases)
    it(c.name, () => {
      const ctx = buildContext(c.snapshot);
      const jobs = buildJobs(ctx);
      const sol = solve(ctx, jobs);
      expect(sol.exact).toBe(true);
      expect(sol.gap).toBe(0);
      expect(sol.nodes).toBeLessThan(CEILING[c.name]!);
      expect(sol.nodes).toBeLessThan(NODE_BUDGET / 50);
      // the bound is an upper bound, and every workload gets a placement of its own
      expect(sol.bound).toBeGreaterThanOrEqual(sol.objective - 1e-9);
      expect(sol.choices).toHaveLength(jobs.length);
      for (const [j, choice] of sol.choices.entries()) expect(jobs[j]!.choices).toContainEqual(choice);
    });

  it('the same input gives the same plan (no clock), and the plan reports an exact search', () => {
    const c = cases.find((x) => x.name.startsWith('12× L40S'))!;
    const a = planHost(c.snapshot);
    const b = planHost(c.snapshot);
    expect(a.targets).toEqual(b.targets);
    expect(a.search).toEqual(b.search);
    expect(a.search.exact).toBe(true);
  });

  it('a cut search reports its gap to the bound', () => {
    const c = cases.find((x) => x.name.startsWith('16× L40S'))!;
    const ctx = buildContext(c.snapshot);
    const jobs = buildJobs(ctx);
    const full = solve(ctx, jobs);
    const cut = solve(ctx, jobs, { nodeBudget: 200 });
    expect(cut.exact).toBe(false);
    expect(cut.objective).toBeLessThanOrEqual(full.objective + 1e-9);
    expect(cut.bound).toBeGreaterThanOrEqual(full.objective - 1e-9);
    expect(cut.gap).toBeCloseTo(Math.max(0, cut.bound - cut.objective), 2);
    const plan = planHost(c.snapshot, { nodeBudget: 200 });
    expect(plan.notes.some((n) => n.includes('ran out') && n.includes(`gap ${cut.gap}`))).toBe(true);
  });
});
