/**
 * Multi-GPU jobs whose GPU sets stand in classes (Job.cells): one candidate per class of interchangeable
 * sets, the search taking the lowest free GPUs of each class of GPUs. On seeded hosts with symmetric
 * boards (NVLink or PCIe, two NUMA nodes, several multi-GPU training jobs, inference jobs, free GPUs) the
 * search over classes returns exactly the plan of the search over every GPU set — same choices, objective
 * and moves — with fewer candidates; and the 16-GPU stress host with two 8-GPU training jobs gives the
 * plan of the listed search.
 */
import { describe, expect, it } from 'vitest';
import { hostStressCases } from '../../bench/placement-host.ts';
import { buildContext } from '../../scoring/context.ts';
import { buildJobs, countMoves, evaluate, solve } from '../../scoring/placement/solve.ts';
import { Snapshot } from '../../scoring/snapshot.ts';
import { randomHost, rng } from '../helpers/random-host.ts';

const MODELS = [
  { name: 'NVIDIA H100 80GB HBM3', family: 'H100-SXM', totalMiB: 81559, gen: 5, nv: true },
  { name: 'NVIDIA L40S', family: 'L40S', totalMiB: 46068, gen: 4, nv: false },
  { name: 'NVIDIA A100-SXM4-80GB', family: 'A100-SXM', totalMiB: 81920, gen: 4, nv: true },
];

/** 4–8 GPUs of one model on two boards; 1–3 training jobs of 2–4 GPUs, some inference jobs, loads drawn. */
function boardHost(seed: number): Snapshot {
  const r = rng(seed * 131 + 11);
  const base = randomHost(seed);
  const s = structuredClone(base);
  const model = MODELS[Math.floor(r() * MODELS.length)]!;
  const n = 4 + Math.floor(r() * 5);
  const half = Math.ceil(n / 2);
  const board = (i: number) => (i < half ? 0 : 1);
  s.gpus = Array.from({ length: n }, (_, i) => ({
    ...structuredClone(base.gpus[0]!),
    index: i,
    busId: `0000:${(0x10 + i * 0x10).toString(16)}:00.0`,
    name: model.name,
    family: model.family,
    memory: { totalMiB: model.totalMiB, usedMiB: 0 },
    utilization: { gpuPct: 0, memoryPct: 0 },
    pcie: { genCurrent: model.gen, genMax: model.gen, widthCurrent: 16, widthMax: 16 },
    numaNode: board(i),
    cpuAffinity: Array.from({ length: 8 }, (_, k) => board(i) * 8 + k),
    mig: { ...structuredClone(base.gpus[0]!.mig), mode: 'disabled', pendingMode: 'disabled', devices: [] },
  }));
  s.links = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const same = board(a) === board(b);
      const kind = same ? (model.nv ? 'NV' : 'NODE') : 'SYS';
      s.links.push({
        a: `GPU${a}`,
        b: `GPU${b}`,
        kind,
        nvlinks: kind === 'NV' ? 12 : null,
        raw: kind === 'NV' ? 'NV12' : kind,
      });
    }
  const free = [...Array(n).keys()];
  const take = () => free.splice(Math.floor(r() * free.length), 1)[0]!;
  const workloads: Snapshot['workloads'] = [];
  const add = (kind: 'inference' | 'training', gpus: number[]) => {
    for (const g of gpus) {
      s.gpus[g]!.utilization.gpuPct =
        kind === 'training' ? 40 + Math.floor(r() * 60) : 2 + Math.floor(r() * 20);
      s.gpus[g]!.memory.usedMiB = Math.round(
        model.totalMiB * (kind === 'training' ? 0.3 + r() * 0.6 : 0.03 + r() * 0.12),
      );
    }
    const node = board(gpus[0]!);
    workloads.push({
      name: `${kind === 'training' ? 'train' : 'svc'}-${workloads.length}`,
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
  const trainings = 1 + Math.floor(r() * 3);
  for (let t = 0; t < trainings && free.length >= 2; t++) {
    const k = Math.min(free.length, 2 + Math.floor(r() * 3));
    add('training', Array.from({ length: k }, take));
  }
  const inference = Math.floor(r() * Math.min(3, free.length + 1));
  for (let t = 0; t < inference && free.length > 0; t++) add('inference', [take()]);
  s.workloads = workloads;
  s.host = `boards-${seed}`;
  return Snapshot.parse(s);
}

describe('classes of GPU sets', () => {
  it('on 80 seeded hosts the search over classes gives the plan of the search over every set', () => {
    let classed = 0;
    let fewer = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const snap = boardHost(seed);
      const ctx = buildContext(snap);
      const listed = buildJobs(ctx, {}, { classesFrom: Number.POSITIVE_INFINITY });
      const jobs = buildJobs(ctx, {}, { classesFrom: 0 });
      expect(
        jobs.map((j) => j.workload.name),
        `seed ${seed}`,
      ).toEqual(listed.map((j) => j.workload.name));
      if (jobs.some((j) => j.cells)) classed++;
      if (jobs.reduce((a, j) => a + j.choices.length, 0) < listed.reduce((a, j) => a + j.choices.length, 0))
        fewer++;
      const a = solve(ctx, jobs);
      const b = solve(ctx, listed);
      expect(a.exact && b.exact, `seed ${seed}`).toBe(true);
      expect(a.choices, `seed ${seed}`).toEqual(b.choices);
      expect(a.objective, `seed ${seed}`).toBeCloseTo(b.objective, 9);
      expect(a.moves, `seed ${seed}`).toBe(b.moves);
      expect(countMoves(ctx, jobs, a.choices), `seed ${seed}`).toBe(a.moves);
      expect(evaluate(ctx, jobs, a.choices), `seed ${seed}`).toBe(a.score);
    }
    expect(classed).toBeGreaterThan(50);
    expect(fewer).toBeGreaterThan(30);
  });

  it('the 16-GPU host with two 8-GPU training jobs: two classes of sets instead of 12,870 sets each', () => {
    for (const seed of [1, 2]) {
      const c = hostStressCases(seed).find((x) => x.name === '16× H100, two 8-GPU training jobs')!;
      const ctx = buildContext(c.snapshot);
      const jobs = buildJobs(ctx);
      expect(jobs.every((j) => j.cells !== undefined && j.choices.length < 100)).toBe(true);
      const listed = buildJobs(ctx, {}, { classesFrom: Number.POSITIVE_INFINITY });
      expect(listed[0]!.choices).toHaveLength(12_870);
      const a = solve(ctx, jobs);
      const b = solve(ctx, listed);
      expect(a.exact && b.exact).toBe(true);
      expect(a.choices).toEqual(b.choices);
      expect(a.objective).toBe(b.objective);
      expect(a.moves).toBe(b.moves);
    }
  });
});
