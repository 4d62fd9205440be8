/**
 * The solver's budget is a number of search nodes, never the clock (issue: "the solver reads the clock":
 * it cut off after 5 s wall-clock, so the plan depended on the machine). The same input gives the same
 * plan anywhere; when the budget ends the plan says so (`exact: false`, the bound, a note).
 * Also: a plan without utilisation data says what is missing instead of "score after ?".
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildContext } from '../../scoring/context.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { buildJobs, NODE_BUDGET, solve } from '../../scoring/placement/solve.ts';
import { host, L40S_TOPO, scenario, topoText, workloads } from '../helpers/placement.ts';
import { randomHost } from '../helpers/random-host.ts';

afterEach(() => vi.restoreAllMocks());

describe('search budget', () => {
  it('never reads the clock', () => {
    const boom = () => {
      throw new Error('the solver read the clock');
    };
    vi.spyOn(Date, 'now').mockImplementation(boom);
    vi.spyOn(performance, 'now').mockImplementation(boom);
    const snap = scenario('h200');
    const ctx = buildContext(snap);
    const sol = solve(ctx, buildJobs(ctx));
    expect(sol.exact).toBe(true);
    expect(planHost(snap).search.exact).toBe(true);
  });

  it('counts nodes: the demo solves exactly, well inside the budget', () => {
    const plan = planHost(scenario('h200'));
    expect(plan.search).toMatchObject({ exact: true, budget: NODE_BUDGET });
    expect(plan.search.nodes).toBeGreaterThan(plan.search.explored);
    expect(plan.search.nodes).toBeLessThan(NODE_BUDGET / 100);
  });

  it('a budget that runs out gives the same plan every time, marked inexact with its bound', () => {
    const snap = scenario('h200');
    const full = planHost(snap);
    const runs = [1, 2, 3].map(() => planHost(snap, { nodeBudget: 15 }));
    for (const r of runs) {
      expect(r.search).toMatchObject({ exact: false, nodes: 15, budget: 15 });
      expect(r.targets).toEqual(runs[0]!.targets);
      expect(r.commands).toEqual(runs[0]!.commands);
      expect(r.objective.value).toBeLessThanOrEqual(full.objective.value + 1e-9);
      expect(r.search.bound).toBeGreaterThanOrEqual(full.objective.value - 1e-9);
      expect(
        r.notes.some((n) => n.includes('search budget (15 nodes) ran out') && n.includes('upper bound')),
      ).toBe(true);
    }
  });

  it('on random hosts a cut search is a deterministic function of the budget', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const ctx = buildContext(randomHost(seed));
      const jobs = buildJobs(ctx);
      if (jobs.length === 0) continue;
      const full = solve(ctx, jobs);
      // enough nodes to reach a first complete plan (depth-first: one node per job, plus the root)
      for (const budget of [jobs.length + 1, jobs.length + 9]) {
        const a = solve(ctx, jobs, { nodeBudget: budget });
        const b = solve(ctx, jobs, { nodeBudget: budget });
        expect(a, `seed ${seed}`).toEqual(b);
        expect(a.exact).toBe(full.nodes <= budget);
        expect(a.objective).toBeLessThanOrEqual(full.objective + 1e-9);
      }
    }
  });

  it('a budget too small for any complete plan says so (not "infeasible")', () => {
    const ctx = buildContext(scenario('h200'));
    expect(() => solve(ctx, buildJobs(ctx), { nodeBudget: 1 })).toThrow(
      /within the search budget \(1 nodes\)/,
    );
  });
});

describe('a plan without utilisation data', () => {
  // topology and workloads only: the engine gives no score
  const snap = host([
    { name: 'topo.txt', content: topoText(L40S_TOPO) },
    workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-15' }]),
  ]);
  const plan = planHost(snap);

  it('says what is missing instead of a score after', () => {
    expect(plan.objective.scoreAfter).toBeNull();
    expect(plan.objective.scoreAfterReason?.en).toMatch(/^no score after: the inputs carry no utilisation/);
    expect(plan.objective.scoreAfterReason?.en).toContain('nvidia-smi -q -x');
    expect(plan.objective.scoreAfterReason?.ko).toContain('nvidia-smi -q -x');
    expect(plan.notes.some((n) => n.startsWith('no score after: the inputs carry no utilisation'))).toBe(
      true,
    );
    // still a plan: the job is moved onto one socket
    expect(plan.moves.map((m) => m.workload)).toEqual(['ddp']);
  });

  it('a plan with utilisation has no such reason', () => {
    const p = planHost(scenario('h200'));
    expect(p.objective.scoreAfter).not.toBeNull();
    expect(p.objective.scoreAfterReason).toBeNull();
    expect(p.notes.some((n) => n.startsWith('no score after'))).toBe(false);
  });
});
