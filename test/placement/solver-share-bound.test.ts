/**
 * The bound stays valid, and informative, when vGPU shares are possible (before, any open share bounded
 * the GPU part by 1). On seeded share-heavy hosts — 3 to 5 L40S GPUs (no MIG, so time-sliced vGPU shares),
 * one small inference job on each of 3 to 5 of them — the solver's optimum equals brute force over every
 * combination of candidates (every share size too), each scored by the solver's evaluator (which the
 * optimality tests check against the engine), and the root bound is at least that optimum.
 */
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext, type HostContext } from '../../scoring/context.ts';
import { applyPlan } from '../../scoring/placement/apply.ts';
import {
  buildJobs,
  type Choice,
  countMoves,
  evaluate,
  type Job,
  MOVE_COST,
  solve,
} from '../../scoring/placement/solve.ts';
import { Snapshot } from '../../scoring/snapshot.ts';
import { randomHost, rng } from '../helpers/random-host.ts';

function shareHost(seed: number): Snapshot {
  const r = rng(seed * 97 + 3);
  const base = randomHost(seed);
  const s = structuredClone(base);
  const n = 3 + Math.floor(r() * 3);
  const jobs = Math.min(n, 3 + Math.floor(r() * 3));
  s.gpus = Array.from({ length: n }, (_, i) => ({
    ...structuredClone(base.gpus[0]!),
    index: i,
    busId: `0000:${(0x10 + i * 0x10).toString(16)}:00.0`,
    name: 'NVIDIA L40S',
    family: 'L40S',
    memory: { totalMiB: 46068, usedMiB: 0 },
    utilization: { gpuPct: 0, memoryPct: 0 },
    pcie: { genCurrent: 4, genMax: 4, widthCurrent: r() < 0.2 ? 8 : 16, widthMax: 16 },
    numaNode: i < 2 ? 0 : 1,
    cpuAffinity: Array.from({ length: 8 }, (_, k) => (i < 2 ? 0 : 8) + k),
  }));
  s.links = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const kind = s.gpus[a]!.numaNode === s.gpus[b]!.numaNode ? 'NODE' : 'SYS';
      s.links.push({ a: `GPU${a}`, b: `GPU${b}`, kind, nvlinks: null, raw: kind });
    }
  const order = [...Array(n).keys()].sort(() => r() - 0.5);
  s.workloads = order.slice(0, jobs).map((g, k) => {
    s.gpus[g]!.utilization.gpuPct = 1 + Math.floor(r() * 30);
    s.gpus[g]!.memory.usedMiB = Math.round(46068 * (0.05 + r() * 0.2));
    const node = s.gpus[g]!.numaNode!;
    return {
      name: `svc${k}`,
      kind: 'inference' as const,
      gpus: [g],
      unresolvedGpus: [],
      cpus: [node * 8 + k],
      distributed: false,
      memoryGiB: null,
      source: { file: 'synthetic', format: 'workloads' },
      vm: null,
    };
  });
  s.host = `share-${seed}`;
  return Snapshot.parse(s);
}

/** Feasibility of a (partial) plan, written independently of the solver. */
function feasible(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): boolean {
  const whole = new Set<number>();
  const shared = new Map<number, number[]>();
  choices.forEach((c, j) => {
    if (c.type === 'whole') for (const i of c.gpus) whole.add(i);
    else shared.set(c.gpu, [...(shared.get(c.gpu) ?? []), j]);
  });
  const wholeCount = choices.reduce((a, c) => a + (c.type === 'whole' ? c.gpus.length : 0), 0);
  if (wholeCount !== whole.size) return false;
  for (const [gpu, js] of shared) {
    if (whole.has(gpu)) return false;
    const list = js.map((j) => choices[j]!);
    if (list.some((c) => c.type !== 'share')) return false;
    const sizes = new Set(list.map((c) => (c as Extract<Choice, { type: 'share' }>).sizeGB));
    const card = ctx.model(ctx.gpu(gpu)!)?.memoryGiB ?? 0;
    if (sizes.size > 1 || list.length * [...sizes][0]! > card) return false;
    if (js.reduce((a, j) => a + (jobs[j]!.need?.compute ?? 0), 0) > 1) return false;
  }
  return true;
}

function bruteForce(ctx: HostContext, jobs: readonly Job[]) {
  let best = -Infinity;
  let bestChoices: Choice[] = [];
  const acc: Choice[] = [];
  const rec = (j: number) => {
    if (!feasible(ctx, jobs, acc)) return;
    if (j === jobs.length) {
      const value = (evaluate(ctx, jobs, acc) ?? 0) - MOVE_COST * countMoves(ctx, jobs, acc);
      if (value > best + 1e-9) {
        best = value;
        bestChoices = [...acc];
      }
      return;
    }
    for (const c of jobs[j]!.choices) {
      acc.push(c);
      rec(j + 1);
      acc.pop();
    }
  };
  rec(0);
  return { best, bestChoices };
}

describe('the bound with vGPU shares in play', () => {
  it('the optimum equals brute force and the root bound is at least the optimum, on 40 share-heavy hosts', () => {
    let shared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const ctx = buildContext(shareHost(seed));
      const jobs = buildJobs(ctx);
      expect(jobs.some((j) => j.choices.some((c) => c.type === 'share'))).toBe(true);
      const { best, bestChoices } = bruteForce(ctx, jobs);
      const sol = solve(ctx, jobs);
      expect(sol.exact, `seed ${seed}`).toBe(true);
      expect(sol.objective, `seed ${seed}`).toBeCloseTo(best, 6);
      expect(sol.bound, `seed ${seed}`).toBeGreaterThanOrEqual(best - 1e-9);
      // informative: below the 100 that any open share used to give
      expect(sol.bound, `seed ${seed}`).toBeLessThan(100);
      if (sol.choices.some((c) => c.type === 'share')) shared++;
      // the brute-force optimum, scored by the engine itself, agrees with the evaluator
      if (seed <= 10) {
        const engine = analyzeHost(applyPlan(ctx, jobs, bestChoices).snapshot).score?.value ?? 0;
        expect(engine - MOVE_COST * countMoves(ctx, jobs, bestChoices), `seed ${seed}`).toBeCloseTo(best, 6);
      }
    }
    // the optimum packs jobs into shares on many of them
    expect(shared).toBeGreaterThan(10);
  });

  it('the bound at every depth holds: a search cut at any budget stays within its bound', () => {
    for (let seed = 41; seed <= 60; seed++) {
      const ctx = buildContext(shareHost(seed));
      const jobs = buildJobs(ctx);
      const full = solve(ctx, jobs);
      for (const budget of [jobs.length + 1, jobs.length + 5, jobs.length + 20]) {
        const cut = solve(ctx, jobs, { nodeBudget: budget });
        expect(cut.objective, `seed ${seed}`).toBeLessThanOrEqual(full.objective + 1e-9);
        expect(cut.bound, `seed ${seed}`).toBeGreaterThanOrEqual(full.objective - 1e-9);
      }
    }
  });
});
