/**
 * The per-host solver returns the optimum: on hundreds of seeded random hosts, its objective equals the
 * best found by brute force over every combination of candidate placements, each one scored by building
 * the planned snapshot and running the real analysis engine (not the solver's own evaluator).
 */
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext, type HostContext } from '../../scoring/context.ts';
import { applyPlan } from '../../scoring/placement/apply.ts';
import { layout } from '../../scoring/placement/mig-layout.ts';
import {
  buildJobs,
  type Choice,
  evaluate,
  type Job,
  MOVE_COST,
  solve,
} from '../../scoring/placement/solve.ts';
import { Snapshot } from '../../scoring/snapshot.ts';
import { randomHost } from '../helpers/random-host.ts';

/** Feasibility, written independently of the solver. */
function feasible(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): boolean {
  const whole = new Set<number>();
  const shared = new Map<number, Choice[]>();
  for (const c of choices) {
    if (c.type === 'whole') {
      for (const i of c.gpus) {
        if (whole.has(i) || shared.has(i)) return false;
        whole.add(i);
      }
    } else {
      if (whole.has(c.gpu)) return false;
      shared.set(c.gpu, [...(shared.get(c.gpu) ?? []), c]);
    }
  }
  for (const [gpu, list] of shared) {
    if (new Set(list.map((c) => c.type)).size > 1) return false;
    const g = ctx.gpu(gpu)!;
    if (list[0]!.type === 'mig') {
      if (
        !layout(
          ctx.model(g)!,
          list.map((c) => (c as Extract<Choice, { type: 'mig' }>).profile),
        )
      )
        return false;
    } else {
      const sizes = new Set(list.map((c) => (c as Extract<Choice, { type: 'share' }>).sizeGB));
      const card = ctx.model(g)?.memoryGiB ?? 0;
      if (sizes.size > 1 || list.length * [...sizes][0]! > card) return false;
      const compute = list.reduce((a, c) => a + (jobs[choices.indexOf(c)]!.need?.compute ?? 0), 0);
      if (compute > 1) return false;
    }
  }
  return true;
}

function bruteForce(snapshot: Snapshot) {
  const ctx = buildContext(snapshot);
  const jobs = buildJobs(ctx);
  let best = -Infinity;
  let leaves = 0;
  const rec = (j: number, acc: Choice[]) => {
    if (j === jobs.length) {
      if (!feasible(ctx, jobs, acc)) return;
      leaves++;
      const planned = applyPlan(ctx, jobs, acc);
      const score = analyzeHost(planned.snapshot).score?.value ?? 0;
      const moves = jobs.filter((job, k) => {
        const w = planned.snapshot.workloads.find((x) => x.name === job.workload.name)!;
        const c = acc[k]!;
        const sameGpus =
          c.type === 'whole' &&
          [...job.current].sort((a, b) => a - b).join() === [...c.gpus].sort((a, b) => a - b).join();
        const sameCpus = (w.cpus ?? []).join() === (job.workload.cpus ?? []).join();
        return !(sameGpus && sameCpus);
      }).length;
      best = Math.max(best, score - MOVE_COST * moves);
      return;
    }
    for (const c of jobs[j]!.choices) rec(j + 1, [...acc, c]);
  };
  rec(0, []);
  return { best, leaves, ctx, jobs };
}

describe('placement: exact on one host', () => {
  it('matches brute force scored by the analysis engine on 200 seeded random hosts', () => {
    let compared = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const snapshot = randomHost(seed);
      const { best, leaves, ctx, jobs } = bruteForce(snapshot);
      if (jobs.length === 0 || leaves === 0) continue;
      const sol = solve(ctx, jobs);
      expect(sol.objective, `seed ${seed}`).toBeCloseTo(best, 6);
      compared++;
    }
    expect(compared).toBeGreaterThan(150);
    // the instances exercise real decisions: moves, MIG and vGPU shares all occur in optimal plans
    const kinds = new Set<string>();
    let withMoves = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const ctx = buildContext(randomHost(seed));
      const jobs = buildJobs(ctx);
      if (jobs.length === 0) continue;
      const sol = solve(ctx, jobs);
      if (sol.moves > 0) withMoves++;
      for (const c of sol.choices) kinds.add(c.type);
    }
    expect(withMoves).toBeGreaterThan(20);
    expect([...kinds].sort()).toEqual(['mig', 'whole']);
  });

  it('packs two small inference jobs on an L40S host into vGPU shares of one GPU, and matches brute force', () => {
    const base = randomHost(7);
    const s = structuredClone(base);
    const l40s = { name: 'NVIDIA L40S', totalMiB: 46068 };
    s.gpus = s.gpus.slice(0, 2).map((g, i) => ({
      ...g,
      name: l40s.name,
      family: 'L40S',
      memory: { totalMiB: l40s.totalMiB, usedMiB: 5000 + i * 1000 },
      utilization: { gpuPct: 8 + i, memoryPct: 2 },
      pcie: { genCurrent: 4, genMax: 4, widthCurrent: 16, widthMax: 16 },
      numaNode: 0,
      cpuAffinity: [0, 1, 2, 3, 4, 5, 6, 7],
    }));
    s.links = [{ a: 'GPU0', b: 'GPU1', kind: 'NODE', nvlinks: null, raw: 'NODE' }];
    s.workloads = [0, 1].map((i) => ({
      name: `svc${i}`,
      kind: 'inference' as const,
      gpus: [i],
      unresolvedGpus: [],
      cpus: [i * 2, i * 2 + 1],
      distributed: false,
      memoryGiB: null,
      source: { file: 'synthetic', format: 'workloads' },
      vm: null,
    }));
    const snapshot = Snapshot.parse(s);
    const { best, ctx, jobs } = bruteForce(snapshot);
    const sol = solve(ctx, jobs);
    expect(sol.objective).toBeCloseTo(best, 6);
    expect(sol.choices.every((c) => c.type === 'share')).toBe(true);
    expect(new Set(sol.choices.map((c) => (c as Extract<Choice, { type: 'share' }>).gpu)).size).toBe(1);
  });

  it('solves a full 8-GPU host of small inference VMs exactly within the budget (symmetry), packing them into MIG', () => {
    const base = randomHost(3);
    const s = structuredClone(base);
    s.gpus = Array.from({ length: 8 }, (_, i) => ({
      ...structuredClone(base.gpus[0]!),
      index: i,
      busId: `0000:${(0x10 + i * 0x10).toString(16)}:00.0`,
      name: 'NVIDIA H200',
      family: 'H200-SXM',
      memory: { totalMiB: 143771, usedMiB: 9000 + i * 300 },
      utilization: { gpuPct: 4 + (i % 3), memoryPct: 1 },
      pcie: { genCurrent: 5, genMax: 5, widthCurrent: 16, widthMax: 16 },
      numaNode: i < 4 ? 0 : 1,
      cpuAffinity: Array.from({ length: 8 }, (_, k) => (i < 4 ? 0 : 8) + k),
    }));
    s.links = [];
    for (let a = 0; a < 8; a++)
      for (let b = a + 1; b < 8; b++)
        s.links.push({ a: `GPU${a}`, b: `GPU${b}`, kind: 'NV', nvlinks: 18, raw: 'NV18' });
    s.workloads = s.gpus.map((g) => ({
      name: `svc${g.index}`,
      kind: 'inference' as const,
      gpus: [g.index!],
      unresolvedGpus: [],
      cpus: [g.index! < 4 ? g.index! : 8 + g.index!],
      distributed: false,
      memoryGiB: null,
      source: { file: 'synthetic', format: 'workloads' },
      vm: null,
    }));
    const ctx = buildContext(Snapshot.parse(s));
    const t0 = performance.now();
    const sol = solve(ctx, buildJobs(ctx));
    expect(sol.exact).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(sol.choices.every((c) => c.type === 'mig')).toBe(true);
    expect(
      new Set(sol.choices.map((c) => (c as Extract<Choice, { type: 'mig' }>).gpu)).size,
    ).toBeLessThanOrEqual(2);
  });

  it('stops at its search budget with the best plan found, marked inexact, within its bound', () => {
    const ctx = buildContext(randomHost(11));
    const jobs = buildJobs(ctx);
    const full = solve(ctx, jobs);
    const cut = solve(ctx, jobs, { nodeBudget: 2 });
    expect(full.exact).toBe(true);
    expect(cut.exact).toBe(false);
    expect(cut.objective).toBeLessThanOrEqual(full.objective + 1e-9);
    expect(cut.bound).toBeGreaterThanOrEqual(full.objective - 1e-9);
  });

  it("the solver's running-sum evaluator equals the engine's score of the planned snapshot", () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const snapshot = randomHost(seed);
      const ctx = buildContext(snapshot);
      const jobs = buildJobs(ctx);
      if (jobs.length === 0) continue;
      const sol = solve(ctx, jobs);
      const engine = analyzeHost(applyPlan(ctx, jobs, sol.choices).snapshot).score?.value ?? null;
      expect(evaluate(ctx, jobs, sol.choices), `seed ${seed}`).toBe(engine);
      expect(sol.score, `seed ${seed}`).toBe(engine);
    }
  });
});
