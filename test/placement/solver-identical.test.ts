/**
 * Identical jobs (same GPU count, kind, load, need and candidates, not pinned) are searched as
 * interchangeable: only one assignment per multiset of placements, each placement given to a job for which
 * it is a stay when there is one. On seeded random hosts full of identical inference jobs (and identical
 * training pairs) the grouped search finds the same objective and moves as the search without grouping,
 * every job gets one of its own candidates, and the moves it reports are the moves of the plan.
 */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../scoring/context.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { buildJobs, countMoves, evaluate, solve } from '../../scoring/placement/solve.ts';
import { Snapshot } from '../../scoring/snapshot.ts';
import { randomHost, rng } from '../helpers/random-host.ts';

const MODELS = [
  { name: 'NVIDIA H100 80GB HBM3', family: 'H100-SXM', totalMiB: 81559, gen: 5 },
  { name: 'NVIDIA L40S', family: 'L40S', totalMiB: 46068, gen: 4 },
  { name: 'NVIDIA A100-SXM4-80GB', family: 'A100-SXM', totalMiB: 81920, gen: 4 },
];

/** 3–6 GPUs of one model; a group of identical inference jobs, sometimes a second group or a training pair. */
function identicalHost(seed: number): Snapshot {
  const r = rng(seed * 31 + 7);
  const base = randomHost(seed);
  const s = structuredClone(base);
  const model = MODELS[Math.floor(r() * MODELS.length)]!;
  const n = 3 + Math.floor(r() * 4);
  s.gpus = Array.from({ length: n }, (_, i) => ({
    ...structuredClone(base.gpus[0]!),
    index: i,
    busId: `0000:${(0x10 + i * 0x10).toString(16)}:00.0`,
    name: model.name,
    family: model.family,
    memory: { totalMiB: model.totalMiB, usedMiB: 0 },
    utilization: { gpuPct: 0, memoryPct: 0 },
    pcie: { genCurrent: model.gen, genMax: model.gen, widthCurrent: 16, widthMax: 16 },
    numaNode: i < Math.ceil(n / 2) ? 0 : 1,
    cpuAffinity: Array.from({ length: 8 }, (_, k) => (i < Math.ceil(n / 2) ? 0 : 8) + k),
  }));
  s.links = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const kind = s.gpus[a]!.numaNode === s.gpus[b]!.numaNode ? 'NODE' : 'SYS';
      s.links.push({ a: `GPU${a}`, b: `GPU${b}`, kind, nvlinks: null, raw: kind });
    }
  const free = [...Array(n).keys()];
  const take = () => free.splice(Math.floor(r() * free.length), 1)[0]!;
  const workloads: Snapshot['workloads'] = [];
  const add = (name: string, kind: 'inference' | 'training', gpus: number[], util: number, used: number) => {
    for (const g of gpus) {
      s.gpus[g]!.utilization.gpuPct = util;
      s.gpus[g]!.memory.usedMiB = used;
    }
    const node = s.gpus[gpus[0]!]!.numaNode!;
    workloads.push({
      name,
      kind,
      gpus: [...gpus].sort((a, b) => a - b),
      unresolvedGpus: [],
      cpus: [node * 8 + workloads.length],
      distributed: kind === 'training' && gpus.length > 1,
      memoryGiB: null,
      source: { file: 'synthetic', format: 'workloads' },
      vm: null,
    });
  };
  const groupSize = 2 + Math.floor(r() * Math.min(3, n - 1));
  const util = 2 + Math.floor(r() * 20);
  const used = Math.round(model.totalMiB * (0.03 + r() * 0.12));
  for (let k = 0; k < groupSize && free.length > 0; k++) add(`svc-a${k}`, 'inference', [take()], util, used);
  if (free.length >= 4 && r() < 0.5) {
    // two identical 2-GPU training jobs
    const u = 50 + Math.floor(r() * 40);
    const m = Math.round(model.totalMiB * 0.6);
    add('train-0', 'training', [take(), take()], u, m);
    add('train-1', 'training', [take(), take()], u, m);
  } else if (free.length >= 2) {
    const u = 2 + Math.floor(r() * 20);
    const m = Math.round(model.totalMiB * (0.03 + r() * 0.12));
    for (let k = 0; k < 2; k++) add(`svc-b${k}`, 'inference', [take()], u, m);
  }
  s.workloads = workloads;
  s.host = `identical-${seed}`;
  return Snapshot.parse(s);
}

describe('identical jobs are interchangeable', () => {
  it('on 60 seeded hosts the grouped search equals the search without grouping', () => {
    let grouped = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const ctx = buildContext(identicalHost(seed));
      const jobs = buildJobs(ctx);
      const a = solve(ctx, jobs);
      const b = solve(ctx, jobs, {}, { groupIdentical: false });
      expect(a.exact && b.exact, `seed ${seed}`).toBe(true);
      expect(a.objective, `seed ${seed}`).toBeCloseTo(b.objective, 9);
      expect(a.moves, `seed ${seed}`).toBe(b.moves);
      // the names come out right: each job has one of its own candidates, and the plan's moves and score
      // are the reported ones
      for (const [j, c] of a.choices.entries()) expect(jobs[j]!.choices, `seed ${seed}`).toContainEqual(c);
      expect(countMoves(ctx, jobs, a.choices), `seed ${seed}`).toBe(a.moves);
      expect(evaluate(ctx, jobs, a.choices), `seed ${seed}`).toBe(a.score);
      if (a.nodes < b.nodes) grouped++;
    }
    // grouping visits fewer nodes on many of these hosts
    expect(grouped).toBeGreaterThan(20);
  });

  it('planHost reports the min-move plan: no job takes the home of an identical job that leaves it', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const snap = identicalHost(seed);
      const ctx = buildContext(snap);
      const jobs = buildJobs(ctx);
      const sol = solve(ctx, jobs);
      const plan = planHost(snap);
      expect(plan.moves.length, `seed ${seed}`).toBe(sol.moves);
      for (const m of plan.moves) expect(jobs.some((j) => j.workload.name === m.workload)).toBe(true);
    }
  });
});
