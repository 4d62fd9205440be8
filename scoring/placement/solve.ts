/**
 * The placement solver for one host (docs/placement.md).
 *
 * Decision per workload: a set of whole GPUs (training, other, multi-GPU inference), or — for a
 * single-GPU inference workload — its whole GPU, a MIG instance of the smallest fitting profile on a
 * MIG-capable GPU, or a time-sliced vGPU share on a GPU without MIG. CPU affinity follows the GPUs (CPUs
 * local to each of them, cpus.ts), so it is not a search variable.
 *
 * Objective: J = S − MOVE_COST × moves, where S is the efficiency score the analysis engine gives the
 * planned state (score.ts), and a move is a workload whose GPUs, GPU form or CPUs change (each needs a
 * VM restart). The search is exact: depth-first over workloads, every candidate of each, pruned only by
 * an upper bound that no completion can beat (branch and bound), so the plan is the optimum of J over
 * the candidate space; `evaluate` reproduces the engine's score from running sums so that a leaf costs
 * O(GPUs), and tests check it, and the optimum, against brute force scored by `analyzeHost`. The search
 * is bounded by a number of nodes, not by the clock: the same input gives the same plan on any machine.
 */

import type { HostContext } from '../context.ts';
import type { GpuModel, MigProfileSpec } from '../gpu-models.ts';
import { pcieGBs } from '../interconnect.ts';
import { inferenceNeed, MEMORY_HEADROOM, type Need } from '../rules/sharing.ts';
import { NUMA_MISMATCH_SCORE, numaAligned, perGpuScores, ringRatio, WEIGHTS } from '../score.ts';
import type { Gpu, Snapshot, Workload } from '../snapshot.ts';
import { cpuGroups, keepsCpus } from './cpus.ts';
import { hardwareFaults } from './faults.ts';
import { computeSlicesOf, instanceMemoryMiB, layout } from './mig-layout.ts';

/** Score points one move must gain to be worth a VM restart. */
export const MOVE_COST = 0.5;
/** vGPU frame-buffer sizes (GB) of time-sliced profiles; the same table as share-candidate (S51). */
export const VGPU_SIZES_GB = [1, 2, 3, 4, 6, 8, 12, 16, 24, 48, 96];

export interface PlacementOptions {
  /** workloads that must stay where they are. */
  pin?: readonly string[];
  /** GPUs (indexes) that must stay free. */
  reserve?: readonly number[];
  moveCost?: number;
  /**
   * Workloads arriving from another host (fleet planning): they hold no GPU here yet (any placement is a
   * move) and bring their per-GPU load with them.
   */
  arrivals?: Readonly<Record<string, Arrival>>;
  /** search nodes before settling for the best plan found (default NODE_BUDGET); no clock is read. */
  nodeBudget?: number;
}

export interface Arrival {
  k: number;
  util: number | null;
  memMiB: number | null;
  need: Need | null;
}

export type Choice =
  | { type: 'whole'; gpus: number[] }
  | { type: 'mig'; gpu: number; profile: MigProfileSpec }
  | { type: 'share'; gpu: number; sizeGB: number };

export interface Job {
  workload: Workload;
  /** GPUs the workload needs (its current count). */
  k: number;
  pinned: boolean;
  /** mean utilisation (%) and memory (MiB) per GPU today (MIG / vGPU shares and fleet arrivals use them). */
  util: number | null;
  memMiB: number | null;
  /**
   * the load of each of its GPUs today, in the order of their indexes: it travels with the workload, the
   * k-th of its GPUs today to the k-th of its planned GPUs (the same GPU when it stays).
   */
  loads: { util: number | null; memMiB: number | null }[];
  need: Need | null;
  current: number[];
  choices: Choice[];
}

export interface Solution {
  choices: Choice[];
  /** engine score of the planned state (0–100) and the objective J. */
  score: number | null;
  objective: number;
  moves: number;
  /** leaves evaluated (for the benchmark and the docs). */
  explored: number;
  /** search nodes visited, and the node budget the search ran under. */
  nodes: number;
  budget: number;
  /** false when the search budget ran out before the search space was exhausted (best found so far). */
  exact: boolean;
  /** upper bound on the objective (the root bound); equals `objective` in spirit when exact. */
  bound: number;
}

/**
 * Search budget: nodes visited before the solver settles for the best plan found so far. A node count, not
 * a time, so that the plan does not depend on the machine (docs/placement.md, "Optimality").
 */
export const NODE_BUDGET = 4_000_000;

export class PlacementError extends Error {
  override name = 'PlacementError';
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const sb = [...b].sort((x, y) => x - y);
  return [...a].sort((x, y) => x - y).every((x, i) => x === sb[i]);
}

function combinations(items: readonly number[], k: number): number[][] {
  const out: number[][] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i <= items.length - (k - acc.length); i++) {
      acc.push(items[i]!);
      rec(i + 1, acc);
      acc.pop();
    }
  };
  rec(0, []);
  return out;
}

/** The unit score of the GPU-part formula, 0–1 (score.ts). */
export const unitScore = (utilPct: number, usedMiB: number, totalMiB: number) =>
  ((Math.min(100, utilPct) / 100) * 0.4 + Math.min(1, usedMiB / totalMiB) * 0.3) / 0.7;

/** Smallest MIG profile of `model` that holds the need (same fit as mig-candidate), or null. */
export function fittingProfile(model: GpuModel, g: Gpu, need: Need): MigProfileSpec | null {
  if (!model.migCapable || model.migProfiles.length === 0) return null;
  const slices = computeSlicesOf(model);
  return (
    model.migProfiles.find(
      (p) =>
        p.compute < slices &&
        instanceMemoryMiB(g, p) >= need.memoryGiB * 1024 &&
        p.compute / slices >= need.compute,
    ) ?? null
  );
}

/** Smallest vGPU share that holds the need on a card of `cardGB` (at most half the card), or null. */
export function fittingShare(cardGB: number, need: Need): number | null {
  if (need.compute > 0.5) return null;
  return (
    VGPU_SIZES_GB.find(
      (s) => s <= cardGB / 2 && Math.round(cardGB) % s === 0 && s * MEMORY_HEADROOM >= need.memoryGiB,
    ) ?? null
  );
}

export const cardGBOf = (ctx: HostContext, g: Gpu) =>
  ctx.model(g)?.memoryGiB ?? (g.memory.totalMiB === null ? null : Math.round(g.memory.totalMiB / 1024));

/**
 * Check `--pin` / `--reserve` against a fleet: each pin names a workload of some host, each reserved index
 * is a GPU of some host, and no pinned workload holds a reserved GPU. Throws PlacementError.
 */
export function checkOptions(snapshots: readonly Snapshot[], options: PlacementOptions): void {
  const many = snapshots.length > 1;
  for (const name of options.pin ?? [])
    if (!snapshots.some((s) => s.workloads.some((w) => w.name === name)))
      throw new PlacementError(`--pin: no workload named '${name}'${many ? ' on any host' : ''}`);
  for (const r of options.reserve ?? [])
    if (!snapshots.some((s) => s.gpus.some((g) => g.index === r)))
      throw new PlacementError(
        many ? `--reserve: no host has a GPU${r}` : `--reserve: this host has no GPU${r}`,
      );
  for (const s of snapshots)
    for (const w of s.workloads)
      if ((options.pin ?? []).includes(w.name))
        for (const i of w.gpus)
          if ((options.reserve ?? []).includes(i))
            throw new PlacementError(`--pin ${w.name}: it holds GPU${i}, which --reserve keeps free`);
}

/**
 * `options` as they apply to one host of a fleet: the pins that name its workloads and the reserved GPUs
 * it has (checkOptions has checked that each holds on some host).
 */
export function hostOptions(snapshot: Snapshot, options: PlacementOptions): PlacementOptions {
  const names = new Set(snapshot.workloads.map((w) => w.name));
  const gpus = new Set(snapshot.gpus.map((g) => g.index));
  return {
    ...options,
    ...(options.pin ? { pin: options.pin.filter((n) => names.has(n)) } : {}),
    ...(options.reserve ? { reserve: options.reserve.filter((i) => gpus.has(i)) } : {}),
  };
}

/** The workloads of a host as jobs with their candidate placements. */
/**
 * GPUs shared today — held by several workloads, or in MIG mode with instances — are kept as they are:
 * the planner does not re-plan existing MIG / vGPU layouts yet (docs/placement.md, Known limits). Their
 * workloads are not placed and their GPUs are not offered to others.
 */
export function keptShared(ctx: HostContext): { gpus: Set<number>; workloads: Set<string> } {
  const count = new Map<number, number>();
  for (const w of ctx.snapshot.workloads) for (const g of w.gpus) count.set(g, (count.get(g) ?? 0) + 1);
  const gpus = new Set<number>();
  for (const g of ctx.snapshot.gpus)
    if (
      g.index !== null &&
      ((count.get(g.index) ?? 0) > 1 || (g.mig.mode === 'enabled' && g.mig.devices.length > 0))
    )
      gpus.add(g.index);
  // a workload on a kept GPU keeps all its GPUs
  const workloads = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const w of ctx.snapshot.workloads)
      if (!workloads.has(w.name) && w.gpus.some((g) => gpus.has(g))) {
        workloads.add(w.name);
        for (const g of w.gpus)
          if (!gpus.has(g)) {
            gpus.add(g);
            grew = true;
          }
      }
  }
  return { gpus, workloads };
}

/** The engine's sums of the kept GPUs (constant in every plan). */
export function keptSums(ctx: HostContext, kept: Set<number>): Sums {
  const s: Sums = { gNum: 0, gDen: 0, nNum: 0, nDen: 0, iNum: 0, iDen: 0 };
  for (const p of perGpuScores(ctx)) {
    if (!kept.has(p.gpu) || !p.allocated) continue;
    if (p.gpuScore !== null) {
      s.gNum += p.weight * p.gpuScore;
      s.gDen += p.weight;
    }
    if (p.numa !== null) {
      s.nNum += p.numa;
      s.nDen += 1;
    }
    if (p.io !== null) {
      s.iNum += p.io;
      s.iDen += 1;
    }
  }
  return s;
}

export function buildJobs(ctx: HostContext, options: PlacementOptions = {}): Job[] {
  const pins = new Set(options.pin ?? []);
  const reserved = new Set(options.reserve ?? []);
  for (const name of pins)
    if (!ctx.snapshot.workloads.some((w) => w.name === name))
      throw new PlacementError(`--pin: no workload named '${name}'`);
  const gpus = ctx.snapshot.gpus.filter((g) => g.index !== null);
  for (const r of reserved)
    if (!gpus.some((g) => g.index === r)) throw new PlacementError(`--reserve: this host has no GPU${r}`);
  const kept = keptShared(ctx);
  const free = gpus.map((g) => g.index!).filter((i) => !reserved.has(i) && !kept.gpus.has(i));
  const faulty = hardwareFaults(ctx);
  const jobs: Job[] = [];
  for (const w of ctx.snapshot.workloads) {
    if (kept.workloads.has(w.name) && !options.arrivals?.[w.name]) continue;
    const arrival = options.arrivals?.[w.name];
    if (w.gpus.length === 0 && !arrival) continue;
    const cur = [...w.gpus]
      .sort((a, b) => a - b)
      .map((i) => ctx.gpu(i))
      .filter((g): g is Gpu => g !== undefined);
    const utils = cur.map((g) => g.utilization.gpuPct);
    const mems = cur.map((g) => g.memory.usedMiB);
    const util = arrival
      ? arrival.util
      : utils.every((u) => u !== null)
        ? utils.reduce((a, b) => a + b!, 0) / utils.length
        : null;
    const memMiB = arrival
      ? arrival.memMiB
      : mems.every((m) => m !== null)
        ? mems.reduce((a, b) => a + b!, 0) / mems.length
        : null;
    const pinned = pins.has(w.name) && !arrival;
    const k = arrival ? arrival.k : w.gpus.length;
    const needGiB = w.memoryGiB;
    if (pinned)
      for (const i of w.gpus)
        if (reserved.has(i))
          throw new PlacementError(`--pin ${w.name}: it holds GPU${i}, which --reserve keeps free`);
    // memory it needs per GPU: as declared, else the most it uses on one of its GPUs today
    const peakMiB = arrival
      ? arrival.memMiB
      : mems.length > 0 && mems.every((m) => m !== null)
        ? Math.max(...(mems as number[]))
        : null;
    const needMiB = needGiB !== null ? needGiB * 1024 : peakMiB;
    const fits = (g: Gpu) => needMiB === null || g.memory.totalMiB === null || needMiB <= g.memory.totalMiB;
    let choices: Choice[];
    // a GPU with memory faults is a target only for the workload already on it
    const open = free.filter((i) => !faulty.get(i)?.exclude || w.gpus.includes(i));
    if (pinned) choices = [{ type: 'whole', gpus: [...w.gpus] }];
    else {
      choices = combinations(
        open.filter((i) => fits(ctx.gpu(i)!)),
        k,
      ).map((set) => ({ type: 'whole', gpus: set }) as Choice);
    }
    const first = cur[0];
    const need = arrival
      ? arrival.need
      : k === 1 && w.kind === 'inference' && first
        ? inferenceNeed(ctx, w, first)
        : null;
    if (!pinned && need) {
      for (const i of open) {
        const g = ctx.gpu(i)!;
        const model = ctx.model(g);
        if (model?.migCapable) {
          const p = fittingProfile(model, g, need);
          if (p) choices.push({ type: 'mig', gpu: i, profile: p });
        } else {
          // every frame-buffer size from the smallest that fits up to half the card: tenants of one GPU
          // must share one size (time-sliced vGPU types are homogeneous per GPU)
          const card = cardGBOf(ctx, g);
          const smallest = card === null ? null : fittingShare(card, need);
          if (card !== null && smallest !== null)
            for (const size of VGPU_SIZES_GB)
              if (size >= smallest && size <= card / 2 && Math.round(card) % size === 0)
                choices.push({ type: 'share', gpu: i, sizeGB: size });
        }
      }
    }
    if (choices.length === 0)
      throw new PlacementError(
        `no placement for ${w.name}: it needs ${k} GPU(s)${needGiB !== null ? ` with ${needGiB} GiB` : ''} and ${free.length} GPU(s) are not reserved`,
      );
    // the current placement first: ties then resolve to "stay"
    choices.sort((a, b) => Number(isCurrent(b, w.gpus)) - Number(isCurrent(a, w.gpus)));
    const loads = arrival
      ? Array.from({ length: k }, () => ({ util: arrival.util, memMiB: arrival.memMiB }))
      : cur.map((g) => ({ util: g.utilization.gpuPct, memMiB: g.memory.usedMiB }));
    jobs.push({ workload: w, k, pinned, util, memMiB, loads, need, current: [...w.gpus], choices });
  }
  // large, constrained jobs first: fewer branches near the root
  return jobs.sort(
    (a, b) => Number(b.pinned) - Number(a.pinned) || b.k - a.k || a.choices.length - b.choices.length,
  );
}

export function isCurrent(c: Choice, current: readonly number[]): boolean {
  return c.type === 'whole' && sameSet(c.gpus, current);
}

/** Whether a job's CPUs change on `gpus` (a restart): never for a pinned job. */
export function cpusChange(ctx: HostContext, job: Job, gpus: readonly number[]): boolean {
  return !job.pinned && !keepsCpus(job.workload, cpuGroups(ctx, gpus));
}

export interface Sums {
  gNum: number;
  gDen: number;
  nNum: number;
  nDen: number;
  iNum: number;
  iDen: number;
}

/** PCIe ratio of a GPU under load in the planned state: the link gen recovers, the width is physical. */
function widthRatio(g: Gpu): number | null {
  const { genMax, widthCurrent, widthMax } = g.pcie;
  if (genMax === null || widthCurrent === null || widthMax === null) return null;
  return Math.min(1, pcieGBs(genMax, widthCurrent) / pcieGBs(genMax, widthMax));
}

/** The engine's score of a plan (same formulas as score.ts), or null when it has no GPU part. */
export function evaluate(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): number | null {
  const base = keptSums(ctx, keptShared(ctx).gpus);
  const own = evaluateSums(ctx, jobs, choices).sums;
  const sum: Sums = {
    gNum: base.gNum + own.gNum,
    gDen: base.gDen + own.gDen,
    nNum: base.nNum + own.nNum,
    nDen: base.nDen + own.nDen,
    iNum: base.iNum + own.iNum,
    iDen: base.iDen + own.iDen,
  };
  return finalScore(sum, evaluateShared(ctx, jobs, choices));
}

function finalScore(a: Sums, b: Sums): number | null {
  const gNum = a.gNum + b.gNum;
  const gDen = a.gDen + b.gDen;
  const nNum = a.nNum + b.nNum;
  const nDen = a.nDen + b.nDen;
  const iNum = a.iNum + b.iNum;
  const iDen = a.iDen + b.iDen;
  if (gDen <= 1e-12) return null;
  let weight = WEIGHTS.gpu;
  let total = WEIGHTS.gpu * (gNum / gDen);
  if (nDen > 0) {
    weight += WEIGHTS.numa;
    total += WEIGHTS.numa * (nNum / nDen);
  }
  if (iDen > 0) {
    weight += WEIGHTS.io;
    total += WEIGHTS.io * (iNum / iDen);
  }
  return Math.round(((100 * total) / weight) * 10) / 10;
}

/** Sums of the whole-GPU choices. */
function evaluateSums(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): { sums: Sums } {
  const s: Sums = { gNum: 0, gDen: 0, nNum: 0, nDen: 0, iNum: 0, iDen: 0 };
  choices.forEach((c, j) => {
    const job = jobs[j]!;
    if (c.type === 'whole') {
      const ring =
        job.workload.distributed && c.gpus.length > 1
          ? ringRatio(ctx, { ...job.workload, gpus: c.gpus })
          : null;
      const gpus = [...c.gpus].sort((a, b) => a - b);
      gpus.forEach((i, k) => {
        const g = ctx.gpu(i)!;
        const load = job.loads[k] ?? { util: job.util, memMiB: job.memMiB };
        const loaded = load.util === null || load.util >= 10;
        if (load.util !== null && load.memMiB !== null && g.memory.totalMiB) {
          s.gNum += unitScore(load.util, load.memMiB, g.memory.totalMiB);
          s.gDen += 1;
        }
        // a pinned job keeps its CPUs; the others get CPUs local to each of their GPUs (cpus.ts)
        const aligned = job.pinned
          ? numaAligned(ctx, job.workload, g)
          : ctx.localCpus(g) !== null
            ? true
            : null;
        if (aligned !== null) {
          s.nNum += aligned ? 1 : NUMA_MISMATCH_SCORE;
          s.nDen += 1;
        }
        const parts = [ring, loaded ? widthRatio(g) : null].filter((x): x is number => x !== null);
        if (parts.length > 0) {
          s.iNum += Math.min(...parts);
          s.iDen += 1;
        }
      });
    }
  });
  return { sums: s };
}

/** Sums of the shared GPUs (MIG instances, vGPU shares): they depend on all tenants together. */
function evaluateShared(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): Sums {
  const s: Sums = { gNum: 0, gDen: 0, nNum: 0, nDen: 0, iNum: 0, iDen: 0 };
  const shared = new Map<number, { mig: boolean; util: number; mem: number; units: [number, number][] }>();
  choices.forEach((c, j) => {
    if (c.type === 'whole') return;
    const job = jobs[j]!;
    const agg = shared.get(c.gpu) ?? { mig: c.type === 'mig', util: 0, mem: 0, units: [] };
    const need = job.need!;
    const u = job.util ?? need.compute * 100;
    if (c.type === 'mig') {
      const slices = computeSlicesOf(ctx.model(ctx.gpu(c.gpu)!)!);
      const w = c.profile.compute / slices;
      agg.units.push([
        w,
        unitScore(
          (u * slices) / c.profile.compute,
          need.memoryGiB * 1024,
          instanceMemoryMiB(ctx.gpu(c.gpu)!, c.profile),
        ),
      ]);
    }
    agg.util += u;
    agg.mem += need.memoryGiB * 1024;
    shared.set(c.gpu, agg);
  });
  for (const [i, agg] of shared) {
    const g = ctx.gpu(i)!;
    if (agg.mig)
      for (const [w, sc] of agg.units) {
        s.gNum += w * sc;
        s.gDen += w;
      }
    else if (g.memory.totalMiB) {
      s.gNum += unitScore(agg.util, agg.mem, g.memory.totalMiB);
      s.gDen += 1;
    }
    if (ctx.localCpus(g) !== null) {
      s.nNum += 1;
      s.nDen += 1;
    }
    const r = agg.mig || agg.util >= 10 ? widthRatio(g) : null;
    if (r !== null) {
      s.iNum += r;
      s.iDen += 1;
    }
  }
  return s;
}

/** Whether a multiset of MIG profiles fits one GPU of a model (pure, so memoised across solves). */
const LAYOUT_FITS = new Map<string, boolean>();

/** Can `choice` join the GPUs already taken? Whole GPUs are exclusive; MIG/share GPUs are shared. */
function compatible(
  ctx: HostContext,
  jobs: readonly Job[],
  taken: readonly Choice[],
  choice: Choice,
): boolean {
  if (choice.type === 'whole') {
    for (const t of taken) {
      const used = t.type === 'whole' ? t.gpus : [t.gpu];
      if (choice.gpus.some((i) => used.includes(i))) return false;
    }
    return true;
  }
  const tenants: Choice[] = [];
  for (const t of taken) {
    if (t.type === 'whole') {
      if (t.gpus.includes(choice.gpu)) return false;
    } else if (t.gpu === choice.gpu) tenants.push(t);
  }
  if (tenants.some((t) => t.type !== choice.type)) return false;
  const g = ctx.gpu(choice.gpu)!;
  if (choice.type === 'mig') {
    const model = ctx.model(g)!;
    const profiles = [...tenants.map((t) => (t as Extract<Choice, { type: 'mig' }>).profile), choice.profile];
    const key = `${model.family}:${profiles
      .map((p) => p.id)
      .sort((a, b) => a - b)
      .join(',')}`;
    let ok = LAYOUT_FITS.get(key);
    if (ok === undefined) {
      ok = layout(model, profiles) !== null;
      LAYOUT_FITS.set(key, ok);
    }
    return ok;
  }
  // time-sliced vGPU: one frame-buffer size per GPU, within the card, compute within the GPU
  const card = cardGBOf(ctx, g) ?? 0;
  const shares = tenants as Extract<Choice, { type: 'share' }>[];
  if (shares.some((t) => t.sizeGB !== choice.sizeGB)) return false;
  if ((shares.length + 1) * choice.sizeGB > card) return false;
  const computeUsed = taken
    .map((t, j) => (t.type === 'share' && t.gpu === choice.gpu ? (jobs[j]!.need?.compute ?? 0) : 0))
    .reduce((a, b) => a + b, 0);
  return computeUsed <= 1;
}

interface Contribution {
  sums: Sums;
  move: boolean;
  /** whole-GPU choices: the GPUs as a bitmask; shared choices: 0. */
  mask: number;
  /** shared choices: what this tenant adds to its GPU. */
  tenant: {
    gpu: number;
    mig: boolean;
    util: number;
    memMiB: number;
    unitWeight: number;
    unitScore: number;
  } | null;
}

function contribution(ctx: HostContext, job: Job, c: Choice): Contribution {
  const gpus = c.type === 'whole' ? c.gpus : [c.gpu];
  const move = !isCurrent(c, job.current) || cpusChange(ctx, job, gpus);
  const zero = { gNum: 0, gDen: 0, nNum: 0, nDen: 0, iNum: 0, iDen: 0 };
  if (c.type === 'whole')
    return {
      sums: evaluateSums(ctx, [job], [c]).sums,
      move,
      mask: c.gpus.reduce((m, i) => m | (1 << i), 0),
      tenant: null,
    };
  const need = job.need!;
  const util = job.util ?? need.compute * 100;
  const memMiB = need.memoryGiB * 1024;
  if (c.type === 'share')
    return {
      sums: zero,
      move,
      mask: 0,
      tenant: { gpu: c.gpu, mig: false, util, memMiB, unitWeight: 0, unitScore: 0 },
    };
  const g = ctx.gpu(c.gpu)!;
  const slices = computeSlicesOf(ctx.model(g)!);
  return {
    sums: zero,
    move,
    mask: 0,
    tenant: {
      gpu: c.gpu,
      mig: true,
      util,
      memMiB,
      unitWeight: c.profile.compute / slices,
      unitScore: unitScore((util * slices) / c.profile.compute, memMiB, instanceMemoryMiB(g, c.profile)),
    },
  };
}

/**
 * Exhaustive depth-first search for the plan with the best objective. Whole-GPU contributions are
 * independent of the other workloads and precomputed; shared GPUs (MIG / vGPU) are summed at each leaf.
 * Ties go to fewer moves, then to the first plan in candidate order (current placements first, then
 * lower GPU indexes).
 */
export function solve(ctx: HostContext, jobs: readonly Job[], options: PlacementOptions = {}): Solution {
  const cost = options.moveCost ?? MOVE_COST;
  if (ctx.snapshot.gpus.some((g) => g.index !== null && g.index >= 31))
    throw new PlacementError('the exact solver handles hosts of up to 31 GPUs');
  const contrib = jobs.map((job) => job.choices.map((c) => contribution(ctx, job, c)));
  // Without utilisation data (a topology + workloads upload) no plan has a GPU part and the engine gives
  // no score, so every plan would tie at 0 and the workloads would never move. The GPU part is then the
  // same for every plan (workloads keep their load), so plans are ranked with a constant one standing in
  // for it, i.e. on NUMA and I/O at the usual scale; the reported score stays null and the reported
  // objective stays 0 − MOVE_COST × moves.
  const scoreless = contrib.every((cs) => cs.every((cc) => cc.tenant === null && cc.sums.gDen === 0));
  if (scoreless) for (const cs of contrib) for (const cc of cs) cc.sums = { ...cc.sums, gNum: 1, gDen: 1 };
  // Branch and bound. From job j on, the GPU part can only move toward the best unit score still to come
  // (a weighted mean of new units cannot exceed its largest unit; vGPU shares aggregate tenants, so any
  // share in play bounds it by 1), and NUMA / I/O toward 1 as at most remGpus[j] GPUs join.
  const unitBest = jobs.map((_, j) =>
    Math.max(
      0,
      ...contrib[j]!.map((cc) => {
        if (cc.tenant) return cc.tenant.mig ? cc.tenant.unitScore : 1;
        return cc.sums.gDen > 0 ? cc.sums.gNum / cc.sums.gDen : 0;
      }),
    ),
  );
  const bestUnitFrom = new Float64Array(jobs.length + 1);
  const remGpus = new Float64Array(jobs.length + 1);
  for (let j = jobs.length - 1; j >= 0; j--) {
    bestUnitFrom[j] = Math.max(bestUnitFrom[j + 1]!, unitBest[j]!);
    remGpus[j] = remGpus[j + 1]! + jobs[j]!.k;
  }
  const upperBound = (j: number): number => {
    const sh = sharedLeaf();
    const gNum = acc.gNum + sh.gNum;
    const gDen = acc.gDen + sh.gDen;
    const openShare = tenants.some((t) => !t.mig);
    const gMax = Math.max(gDen > 0 ? gNum / gDen : 0, openShare ? 1 : bestUnitFrom[j]!);
    const r = remGpus[j]!;
    const nDen = acc.nDen + sh.nDen;
    const iDen = acc.iDen + sh.iDen;
    const nMax = nDen + r > 0 ? (acc.nNum + sh.nNum + r) / (nDen + r) : null;
    const iMax = iDen + r > 0 ? (acc.iNum + sh.iNum + r) / (iDen + r) : null;
    let ub = 0;
    // the final score may or may not include NUMA / I/O (weights renormalise): bound every case possible
    for (const withN of nMax === null ? [false] : nDen > 0 ? [true] : [true, false])
      for (const withI of iMax === null ? [false] : iDen > 0 ? [true] : [true, false]) {
        const w = WEIGHTS.gpu + (withN ? WEIGHTS.numa : 0) + (withI ? WEIGHTS.io : 0);
        const t = WEIGHTS.gpu * gMax + (withN ? WEIGHTS.numa * nMax! : 0) + (withI ? WEIGHTS.io * iMax! : 0);
        ub = Math.max(ub, (100 * t) / w);
      }
    return ub + 0.05; // the score is rounded to 0.1
  };
  let best: Solution | null = null;
  let explored = 0;
  const taken: Choice[] = [];
  // GPUs kept as they are (shared today) count in every plan alike
  const acc: Sums = keptSums(ctx, keptShared(ctx).gpus);
  const add = (x: Sums, sign: number) => {
    acc.gNum += sign * x.gNum;
    acc.gDen += sign * x.gDen;
    acc.nNum += sign * x.nNum;
    acc.nDen += sign * x.nDen;
    acc.iNum += sign * x.iNum;
    acc.iDen += sign * x.iDen;
  };
  // shared GPUs: per-GPU aggregates of the tenants on the stack, built at each leaf
  const tenants: NonNullable<Contribution['tenant']>[] = [];
  const gpuFacts = new Map<number, { total: number | null; numa: boolean; width: number | null }>();
  for (const g of ctx.snapshot.gpus)
    if (g.index !== null)
      gpuFacts.set(g.index, {
        total: g.memory.totalMiB,
        numa: ctx.localCpus(g) !== null,
        width: widthRatio(g),
      });
  const aggUtil = new Float64Array(32);
  const aggMem = new Float64Array(32);
  const sharedLeaf = (): Sums => {
    const out: Sums = { gNum: 0, gDen: 0, nNum: 0, nDen: 0, iNum: 0, iDen: 0 };
    if (tenants.length === 0) return out;
    let seen = 0;
    for (const t of tenants) {
      if (!(seen & (1 << t.gpu))) {
        aggUtil[t.gpu] = 0;
        aggMem[t.gpu] = 0;
      }
      seen |= 1 << t.gpu;
      aggUtil[t.gpu]! += t.util;
      aggMem[t.gpu]! += t.memMiB;
      if (t.mig) {
        out.gNum += t.unitWeight * t.unitScore;
        out.gDen += t.unitWeight;
      }
    }
    for (const t of tenants) {
      if (!(seen & (1 << t.gpu))) continue;
      seen &= ~(1 << t.gpu);
      const f = gpuFacts.get(t.gpu)!;
      if (!t.mig && f.total) {
        out.gNum += unitScore(aggUtil[t.gpu]!, aggMem[t.gpu]!, f.total);
        out.gDen += 1;
      }
      if (f.numa) {
        out.nNum += 1;
        out.nDen += 1;
      }
      if (f.width !== null && (t.mig || aggUtil[t.gpu]! >= 10)) {
        out.iNum += f.width;
        out.iDen += 1;
      }
    }
    return out;
  };
  // Symmetry: a single-GPU job placed on GPU g (whole, or the first tenant of a MIG/vGPU GPU) is dominated
  // by the same choice on a lower-numbered GPU h of the same class (model, memory, PCIe width, known local
  // CPUs) that is free, holds no tenants and is nobody's current GPU among the jobs still to place:
  // exchanging g and h in the rest of any plan gives one at least as good (a job whose home is g may then
  // stay). Only h is tried. The optimality tests check this against brute force.
  // (a single-GPU job's CPUs follow its GPU, so the NUMA node does not change what it contributes)
  const facts = (g: number) => {
    const gpu = ctx.gpu(g)!;
    return [
      gpu.memory.totalMiB,
      gpu.family,
      ctx.localCpus(gpu) !== null,
      widthRatio(gpu),
      faults.has(g),
    ].join('|');
  };
  const faults = hardwareFaults(ctx);
  const classOf = new Map<number, string>();
  for (const g of ctx.snapshot.gpus) if (g.index !== null) classOf.set(g.index, facts(g.index));
  const homes = new Map<number, number[]>();
  jobs.forEach((job, idx) => {
    for (const g of job.current) homes.set(g, [...(homes.get(g) ?? []), idx]);
  });
  const sortedGpus = [...classOf.keys()].sort((a, b) => a - b);
  const tenantOn = (g: number) => tenants.some((t) => t.gpu === g);
  const homeAfter = (g: number, j: number) => (homes.get(g) ?? []).some((idx) => idx > j);
  const dominated = (j: number, c: Choice, wholeMask: number): boolean => {
    const job = jobs[j]!;
    let g: number;
    if (c.type === 'whole') {
      if (c.gpus.length !== 1 || job.current.includes(c.gpus[0]!)) return false;
      g = c.gpus[0]!;
    } else {
      g = c.gpu;
      if (tenantOn(g)) return false;
    }
    const cls = classOf.get(g);
    for (const h of sortedGpus) {
      if (h >= g) return false;
      if (classOf.get(h) !== cls || wholeMask & (1 << h) || tenantOn(h) || homeAfter(h, j)) continue;
      const same = job.choices.some((x) =>
        c.type === 'whole'
          ? x.type === 'whole' && x.gpus.length === 1 && x.gpus[0] === h
          : x.type === c.type &&
            x.gpu === h &&
            (x.type !== 'mig' || c.type !== 'mig' || x.profile === c.profile) &&
            (x.type !== 'share' || c.type !== 'share' || x.sizeGB === c.sizeGB),
      );
      if (same) return true;
    }
    return false;
  };
  let nodes = 0;
  let exhausted = true;
  const budget = options.nodeBudget ?? NODE_BUDGET;
  const rootBound = upperBound(0);
  const rec = (j: number, wholeMask: number, moves: number) => {
    if (!exhausted) return;
    if (++nodes > budget) {
      exhausted = false;
      return;
    }
    if (best !== null && j < jobs.length) {
      const b: Solution = best;
      const ub = upperBound(j) - cost * moves;
      if (ub < b.objective - 1e-9 || (ub <= b.objective + 1e-9 && moves >= b.moves)) return;
    }
    if (j === jobs.length) {
      explored++;
      const score = finalScore(acc, sharedLeaf());
      const objective = (score ?? 0) - cost * moves;
      if (
        best === null ||
        objective > best.objective + 1e-9 ||
        (Math.abs(objective - best.objective) <= 1e-9 && moves < best.moves)
      )
        best = {
          choices: [...taken],
          score,
          objective,
          moves,
          explored: 0,
          nodes: 0,
          budget,
          exact: true,
          bound: 0,
        };
      return;
    }
    const job = jobs[j]!;
    job.choices.forEach((c, k) => {
      const cc = contrib[j]![k]!;
      if (dominated(j, c, wholeMask)) return;
      if (c.type === 'whole') {
        if (cc.mask & wholeMask) return;
        if (taken.some((t) => t.type !== 'whole' && c.gpus.includes(t.gpu))) return;
      } else {
        if (wholeMask & (1 << c.gpu)) return;
        if (!compatible(ctx, jobs, taken, c)) return;
      }
      taken.push(c);
      if (cc.tenant) tenants.push(cc.tenant);
      add(cc.sums, 1);
      rec(j + 1, wholeMask | cc.mask, moves + (cc.move ? 1 : 0));
      add(cc.sums, -1);
      if (cc.tenant) tenants.pop();
      taken.pop();
    });
  };
  rec(0, 0, 0);
  if (best === null)
    throw new PlacementError(
      exhausted
        ? 'no feasible placement: the workloads need more GPUs than are free'
        : `no placement found within the search budget (${budget} nodes)`,
    );
  const found: Solution = best;
  const bound = Math.round(Math.max(found.objective, rootBound) * 100) / 100;
  const stats = { explored, nodes: Math.min(nodes, budget), budget, exact: exhausted, bound };
  if (scoreless) return { ...found, score: null, objective: -cost * found.moves, ...stats };
  return { ...found, ...stats };
}

/** Moves of a plan: workloads whose GPUs or CPUs change (either needs a VM restart). */
export function countMoves(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): number {
  return choices.filter((c, j) => contribution(ctx, jobs[j]!, c).move).length;
}
