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
 *
 * A job's load is read as the score reads it (GpuLoad): over its GPUs' windows (scoring/window.ts) where
 * they have them, else the sample; apply.ts moves the windows with it.
 */

import type { HostContext } from '../context.ts';
import type { GpuModel, MigProfileSpec } from '../gpu-models.ts';
import { pcieGBs } from '../interconnect.ts';
import { windowFacts, windowNeed } from '../rules/readings.ts';
import { inferenceNeed, MEMORY_HEADROOM, type Need } from '../rules/sharing.ts';
import { NUMA_MISMATCH_SCORE, numaAligned, perGpuScores, ringRatio } from '../score.ts';
import type { Gpu, Snapshot, Workload } from '../snapshot.ts';
import { cpuGroups, keepsCpus } from './cpus.ts';
import { hardwareFaults } from './faults.ts';
import { computeSlicesOf, instanceMemoryMiB } from './mig-layout.ts';
import { finalScoreOf, type GpuInfo, type SearchJob, type SearchOption, search } from './search.ts';

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
  need: JobNeed | null;
}

/**
 * What a single-GPU inference job needs of a GPU (a MIG profile or a vGPU share must hold it): over its
 * GPU's window where it has one (readings.ts `windowNeed`, as mig-candidate reads it), else its sample
 * (sharing.ts `inferenceNeed`).
 */
export type JobNeed = Pick<Need, 'memoryGiB' | 'compute'>;

/**
 * The load of one of a job's GPUs today: what the score reads of it, which moves with the job.
 * `util` / `memMiB` are the score's utilisation (%) and memory used (MiB): over the GPU's window where it
 * has one (readings.ts `windowedReadings`: mean utilisation, mean framebuffer used), else the sample's.
 */
export interface GpuLoad {
  util: number | null;
  memMiB: number | null;
  /**
   * Only for a GPU with a window: its one-second sample, which travels with the window (it says whether
   * the GPU is under load, context.ts `isLoaded`, for its PCIe term). Absent: the sample is util / memMiB.
   */
  sample?: { util: number | null; memMiB: number | null };
  /**
   * Only for a GPU with a window: the memory the window says it can hold (mean used + mean free), the total
   * the score takes on a GPU whose inputs give none (readings.ts `windowedReadings`).
   */
  windowTotalMiB?: number | null;
}

/** Whether a load keeps its GPU under load in the planned state (as apply.ts sets its P-state). */
export const busyLoad = (load: GpuLoad): boolean => {
  const u = (load.sample ?? load).util;
  return u === null || u >= 10;
};

/** The memory total the score takes for a load on a GPU of `totalMiB`: its own, else the window's. */
export const totalFor = (totalMiB: number | null | undefined, load: GpuLoad): number | null =>
  load.windowTotalMiB != null && !(totalMiB != null && totalMiB > 0)
    ? load.windowTotalMiB
    : (totalMiB ?? null);

/** A GPU's load today (GpuLoad): its window's means where it has a window, else its sample. */
export function gpuLoadOf(g: Gpu): GpuLoad {
  const f = windowFacts(g.window);
  if (f === null) return { util: g.utilization.gpuPct, memMiB: g.memory.usedMiB };
  const free = f.fbFree;
  return {
    // the window's statistics are range-checked already (the score clamps the memory to the total it
    // takes on the GPU it lands on, as unitScore does)
    util: f.util !== null ? f.util.mean : g.utilization.gpuPct,
    memMiB: f.fb !== null ? f.fb.mean : g.memory.usedMiB,
    sample: { util: g.utilization.gpuPct, memMiB: g.memory.usedMiB },
    windowTotalMiB:
      f.fb !== null && free !== null && f.fb.mean + free.mean > 0 ? f.fb.mean + free.mean : null,
  };
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
  /**
   * mean utilisation (%) and memory (MiB) per GPU today, over the windows where they have them (MIG / vGPU
   * shares and fleet arrivals use them).
   */
  util: number | null;
  memMiB: number | null;
  /**
   * the load of each of its GPUs today, in the order of their indexes: it travels with the workload, the
   * k-th of its GPUs today to the k-th of its planned GPUs (the same GPU when it stays), its window too.
   */
  loads: GpuLoad[];
  need: JobNeed | null;
  current: number[];
  choices: Choice[];
  /**
   * Set when the whole-GPU candidates are one representative per class of interchangeable GPU sets
   * (docs/placement.md, "Optimality"): the classes of interchangeable GPUs its sets draw from, each
   * ascending. A candidate stands for every set with as many GPUs from each class; the search takes the
   * lowest free GPUs of each class.
   */
  cells?: number[][];
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
  /** bound − objective when the budget ran out (how far the plan may be from the optimum); 0 when exact. */
  gap: number;
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
  // GPU lists hold no repeats: equal as sets when every member of one is in the other
  for (let i = 0; i < a.length; i++) if (!b.includes(a[i]!)) return false;
  for (let i = 0; i < b.length; i++) if (!a.includes(b[i]!)) return false;
  return true;
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

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * Classes of interchangeable GPUs (docs/placement.md, "Optimality"): two GPUs are interchangeable when
 * exchanging them changes no score and no move of any plan — same model, memory, PCIe width, MIG mode,
 * faults, NUMA node and local CPUs, held today by the same workload (or both by none), and the same link
 * to every other GPU (so every ring is the same after the exchange). The relation is an equivalence (the
 * exchanges compose), so a GPU joins the class of the first GPU it is interchangeable with. Returns each
 * GPU's class (an id per host) or null where the GPU has none known.
 */
function gpuClasses(ctx: HostContext, faulty: ReturnType<typeof hardwareFaults>): Map<number, number> {
  const owner = new Map<number, string>();
  for (const w of ctx.snapshot.workloads) for (const i of w.gpus) owner.set(i, w.name);
  const idx = ctx.snapshot.gpus.filter((g) => g.index !== null).map((g) => g.index!);
  const linkOf = (a: number, b: number) => {
    const l = ctx.linkBandwidth(a, b);
    return l === null ? null : `${l.kind}|${l.gbs}`;
  };
  const keyOf = (i: number) => {
    const g = ctx.gpu(i)!;
    const f = faulty.get(i);
    return JSON.stringify([
      g.memory.totalMiB,
      g.family,
      g.name,
      ctx.model(g)?.family ?? null,
      widthRatio(g),
      g.mig.mode,
      f ? [f.exclude, f.why] : null,
      ctx.numaOf(g),
      ctx.numaSource(g),
      ctx.localCpus(g),
      owner.get(i) ?? null,
    ]);
  };
  const twins = (a: number, b: number) =>
    idx.every((x) => x === a || x === b || linkOf(a, x) === linkOf(b, x));
  const out = new Map<number, number>();
  const firsts: { key: string; gpu: number; id: number }[] = [];
  for (const i of idx) {
    const key = keyOf(i);
    const at = firsts.find((f) => f.key === key && twins(f.gpu, i));
    if (at) out.set(i, at.id);
    else {
      firsts.push({ key, gpu: i, id: firsts.length });
      out.set(i, firsts.length - 1);
    }
  }
  return out;
}

/**
 * The classes of a job's GPUs, each ascending (in order of their lowest GPU), or null when its sets must
 * be listed one by one: the load of its k-th GPU today goes to its k-th planned GPU, so a set's score is
 * the same for every set of a class only when its GPUs share memory size and PCIe width.
 */
function cellsOf(ctx: HostContext, classes: Map<number, number>, pool: readonly number[]): number[][] | null {
  const first = ctx.gpu(pool[0]!)!;
  for (const i of pool) {
    const g = ctx.gpu(i)!;
    if (g.memory.totalMiB !== first.memory.totalMiB || widthRatio(g) !== widthRatio(first)) return null;
  }
  const byId = new Map<number, number[]>();
  for (const i of [...pool].sort((a, b) => a - b)) {
    const id = classes.get(i)!;
    const cell = byId.get(id);
    if (cell) cell.push(i);
    else byId.set(id, [i]);
  }
  return [...byId.values()];
}

/** How many ways to take k GPUs counted per class (sets of a class differ only by which GPUs of each). */
function classCount(cells: readonly number[][], k: number): number {
  let ways = new Float64Array(k + 1);
  ways[0] = 1;
  for (const cell of cells) {
    const next = new Float64Array(k + 1);
    for (let t = 0; t <= k; t++)
      if (ways[t]! > 0) for (let c = 0; c <= cell.length && t + c <= k; c++) next[t + c]! += ways[t]!;
    ways = next;
  }
  return ways[k]!;
}

/**
 * One set per class of k-sets, the lowest GPUs of each class it draws from; in the order of combinations
 * (ascending sets, lexicographic). The k-sets of all the classes' GPUs in that order, as indexes advanced
 * in place; a set is its class's representative when it takes a prefix of each class.
 */
function classSets(cells: readonly number[][], k: number): number[][] {
  const out: number[][] = [];
  const gpus = cells.flat().sort((a, b) => a - b);
  const n = gpus.length;
  if (k > n) return out;
  // each GPU's class and its rank in it; a set takes a prefix of a class when the GPU before each of its
  // members in that class is in the set too
  const prev = new Map<number, number>();
  for (const cell of cells) for (let r = 1; r < cell.length; r++) prev.set(cell[r]!, cell[r - 1]!);
  const prevAt = Int32Array.from(gpus, (g) => (prev.has(g) ? gpus.indexOf(prev.get(g)!) : -1));
  const at = Int32Array.from({ length: k }, (_, i) => i);
  const inSet = new Uint8Array(n);
  for (;;) {
    inSet.fill(0);
    for (let i = 0; i < k; i++) inSet[at[i]!] = 1;
    let prefix = true;
    for (let i = 0; i < k && prefix; i++) if (prevAt[at[i]!]! >= 0 && !inSet[prevAt[at[i]!]!]) prefix = false;
    if (prefix) {
      const set = new Array<number>(k);
      for (let i = 0; i < k; i++) set[i] = gpus[at[i]!]!;
      out.push(set);
    }
    // next combination of indexes
    let i = k - 1;
    while (i >= 0 && at[i] === n - k + i) i--;
    if (i < 0) break;
    at[i]!++;
    for (let j = i + 1; j < k; j++) at[j] = at[j - 1]! + 1;
  }
  return out;
}

/** The unit score of the GPU-part formula, 0–1 (score.ts). */
export const unitScore = (utilPct: number, usedMiB: number, totalMiB: number) =>
  ((Math.min(100, utilPct) / 100) * 0.4 + Math.min(1, usedMiB / totalMiB) * 0.3) / 0.7;

/** Smallest MIG profile of `model` that holds the need (same fit as mig-candidate), or null. */
export function fittingProfile(model: GpuModel, g: Gpu, need: JobNeed): MigProfileSpec | null {
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
export function fittingShare(cardGB: number, need: JobNeed): number | null {
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

/**
 * Whole-GPU candidates of a multi-GPU job stand in classes of interchangeable sets (Job.cells) when it
 * would have at least this many GPU sets (below, every set is listed: cheap, and the plain search).
 */
export const CLASSES_FROM = 500;

export interface BuildInternals {
  /** test-only: list GPU sets by class from this many sets on (default CLASSES_FROM). */
  classesFrom?: number;
}

export function buildJobs(
  ctx: HostContext,
  options: PlacementOptions = {},
  internals: BuildInternals = {},
): Job[] {
  const classesFrom = internals.classesFrom ?? CLASSES_FROM;
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
  const size = new Map<Job, number>();
  const waiting: [Job, number[]][] = [];
  for (const w of ctx.snapshot.workloads) {
    if (kept.workloads.has(w.name) && !options.arrivals?.[w.name]) continue;
    const arrival = options.arrivals?.[w.name];
    if (w.gpus.length === 0 && !arrival) continue;
    const cur = [...w.gpus]
      .sort((a, b) => a - b)
      .map((i) => ctx.gpu(i))
      .filter((g): g is Gpu => g !== undefined);
    // over its GPUs' windows where they have them (gpuLoadOf)
    const today = cur.map(gpuLoadOf);
    const utils = today.map((l) => l.util);
    const mems = today.map((l) => l.memMiB);
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
    // memory it needs per GPU: as declared, else the most it uses on one of its GPUs today — on a GPU
    // with a window, its framebuffer p95 if higher (a day's near-peak, as windowNeed; within the GPU's total)
    const peaks = cur.map((g) => {
      const used = g.memory.usedMiB;
      const p95 = windowFacts(g.window)?.fb?.p95 ?? null;
      if (p95 === null || used === null) return used;
      const total = g.memory.totalMiB;
      return Math.max(used, total !== null && total > 0 ? Math.min(p95, total) : p95);
    });
    const peakMiB = arrival
      ? arrival.memMiB
      : peaks.length > 0 && peaks.every((m) => m !== null)
        ? Math.max(...(peaks as number[]))
        : null;
    const needMiB = needGiB !== null ? needGiB * 1024 : peakMiB;
    const fits = (g: Gpu) => needMiB === null || g.memory.totalMiB === null || needMiB <= g.memory.totalMiB;
    let choices: Choice[];
    // a GPU with memory faults is a target only for the workload already on it
    const open = free.filter((i) => !faulty.get(i)?.exclude || w.gpus.includes(i));
    // many GPU sets: listed after every job is known (one per class of interchangeable sets, unless the
    // job has an identical peer)
    let pending: number[] | null = null;
    if (pinned) choices = [{ type: 'whole', gpus: [...w.gpus] }];
    else {
      const pool = open.filter((i) => fits(ctx.gpu(i)!));
      if (k >= 2 && binomial(pool.length, k) >= Math.max(1, classesFrom)) {
        pending = pool;
        choices = [];
      } else choices = combinations(pool, k).map((set) => ({ type: 'whole', gpus: set }) as Choice);
    }
    const first = cur[0];
    const need = arrival
      ? arrival.need
      : k === 1 && w.kind === 'inference' && first
        ? needOf(ctx, w, first)
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
    if (choices.length === 0 && pending === null)
      throw new PlacementError(
        `no placement for ${w.name}: it needs ${k} GPU(s)${needGiB !== null ? ` with ${needGiB} GiB` : ''} and ${free.length} GPU(s) are not reserved`,
      );
    // the current placement first: ties then resolve to "stay"
    const at = choices.findIndex((c) => isCurrent(c, w.gpus));
    if (at > 0) choices.unshift(...choices.splice(at, 1));
    const loads = arrival
      ? Array.from({ length: k }, () => ({ util: arrival.util, memMiB: arrival.memMiB }))
      : today;
    const job: Job = { workload: w, k, pinned, util, memMiB, loads, need, current: [...w.gpus], choices };
    // its number of candidates with every GPU set listed: the search order does not depend on whether its
    // sets are listed or stand in classes
    size.set(job, choices.length + (pending === null ? 0 : binomial(pending.length, k)));
    if (pending !== null) waiting.push([job, pending]);
    jobs.push(job);
  }
  if (waiting.length > 0) {
    const ids = new Map<string, number>();
    for (const job of jobs) {
      const id = identityOf(job);
      if (id !== null) ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    const classes = gpuClasses(ctx, faulty);
    for (const [job, pool] of waiting) {
      const id = identityOf(job);
      let cells = id !== null && ids.get(id)! > 1 ? null : cellsOf(ctx, classes, pool);
      if (cells !== null && classCount(cells, job.k) >= binomial(pool.length, job.k)) cells = null;
      const sets = cells === null ? combinations(pool, job.k) : classSets(cells, job.k);
      job.choices.unshift(...sets.map((set) => ({ type: 'whole', gpus: set }) as Choice));
      if (cells !== null) job.cells = cells;
      const at = job.choices.findIndex((c) => isCurrent(c, job.current));
      if (at > 0) job.choices.unshift(...job.choices.splice(at, 1));
      if (job.choices.length === 0)
        throw new PlacementError(
          `no placement for ${job.workload.name}: it needs ${job.k} GPU(s) and ${free.length} GPU(s) are not reserved`,
        );
    }
  }
  // large, constrained jobs first: fewer branches near the root
  return jobs.sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.k - a.k || size.get(a)! - size.get(b)!);
}

/**
 * A single-GPU inference job's need: over its GPU's window (p95 of the framebuffer used unless declared,
 * p95 of SM active) where the window says both, else from the sample — the need mig-candidate and
 * share-candidate judge it by.
 */
function needOf(ctx: HostContext, w: Workload, g: Gpu): JobNeed | null {
  const over = windowNeed(w, g);
  return over ? { memoryGiB: over.memoryGiB, compute: over.compute } : inferenceNeed(ctx, w, g);
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

/** The engine's score of two sets of sums together (search.ts holds the formula). */
function finalScore(a: Sums, b: Sums): number | null {
  return finalScoreOf(
    a.gNum + b.gNum,
    a.gDen + b.gDen,
    a.nNum + b.nNum,
    a.nDen + b.nDen,
    a.iNum + b.iNum,
    a.iDen + b.iDen,
  );
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
        const load: GpuLoad = job.loads[k] ?? { util: job.util, memMiB: job.memMiB };
        const loaded = busyLoad(load);
        const total = totalFor(g.memory.totalMiB, load);
        if (load.util !== null && load.memMiB !== null && total) {
          s.gNum += unitScore(load.util, load.memMiB, total);
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

/** Test-only switches of the search (the optimality tests compare the reductions against plain search). */
export interface SolveInternals {
  /** treat identical jobs as interchangeable (default true). */
  groupIdentical?: boolean;
}

/** the twins of a candidate that has none (shared: the search only reads them). */
const NO_TWINS: readonly number[] = Object.freeze([]);
const ascending = (xs: readonly number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
const choiceKey = (c: Choice) =>
  c.type === 'whole'
    ? `w${(ascending(c.gpus) ? c.gpus : [...c.gpus].sort((x, y) => x - y)).join(',')}`
    : c.type === 'mig'
      ? `m${c.gpu}:${c.profile.id}`
      : `s${c.gpu}:${c.sizeGB}`;

/** Whether two choices are the same candidate (choiceKey equal), without building the keys. */
function sameChoice(a: Choice, b: Choice): boolean {
  if (a.type === 'whole') return b.type === 'whole' && sameSet(a.gpus, b.gpus);
  if (a.type === 'mig') return b.type === 'mig' && a.gpu === b.gpu && a.profile.id === b.profile.id;
  return b.type === 'share' && a.gpu === b.gpu && a.sizeGB === b.sizeGB;
}

/** Jobs that are interchangeable: same GPU count, kind, load, need and candidates, and not pinned. */
function identityOf(job: Job): string | null {
  if (job.pinned) return null;
  return JSON.stringify([
    job.k,
    job.workload.kind,
    job.workload.distributed,
    job.workload.memoryGiB,
    job.util,
    job.memMiB,
    job.loads,
    job.need,
  ]);
}

/** A job's candidate set (order aside). */
const candidatesOf = (job: Job): string => job.choices.map(choiceKey).sort().join(' ');

/**
 * The plan with the best objective (docs/placement.md, "Optimality"): branch and bound over every
 * candidate of every job (search.ts, bound.ts). Ties go to fewer moves, then to the first plan in
 * candidate order (current placements first, then lower GPU indexes); identical jobs are interchangeable,
 * and a placement that is one of them's current one goes to that one. Bounded by `nodeBudget` search
 * nodes, never the clock; when the budget ends first the best plan found is returned with `exact: false`,
 * the bound and the gap.
 */
export function solve(
  ctx: HostContext,
  jobs: readonly Job[],
  options: PlacementOptions = {},
  internals: SolveInternals = {},
): Solution {
  const cost = options.moveCost ?? MOVE_COST;
  if (ctx.snapshot.gpus.some((g) => g.index !== null && g.index >= 31))
    throw new PlacementError('the exact solver handles hosts of up to 31 GPUs');
  const budget = options.nodeBudget ?? NODE_BUDGET;
  // A distributed job's ring ratio (its I/O part) is costly (a Hamiltonian-cycle test per threshold), so it
  // waits until the search needs it, when every pair of its GPUs has a known link (the ratio then exists).
  // Until then the search uses an upper bound on the ring: the largest bandwidth at which the GPUs stay
  // connected with every GPU on two links (which a ring needs).
  const nIdx = ctx.snapshot.gpus.reduce((m, g) => (g.index === null ? m : Math.max(m, g.index + 1)), 0);
  const bwm = new Float64Array(nIdx * nIdx).fill(Number.NaN);
  for (let a = 0; a < nIdx; a++)
    for (let b = a + 1; b < nIdx; b++) {
      const v = ctx.gpu(a) && ctx.gpu(b) ? (ctx.linkBandwidth(a, b)?.gbs ?? null) : null;
      if (v !== null) bwm[a * nIdx + b] = bwm[b * nIdx + a] = v;
    }
  const ringMemo = new Map<number, number | null>();
  const ringUpper = (set: readonly number[]): number | null => {
    const key = set.reduce((m, i) => m | (1 << i), 0);
    let v = ringMemo.get(key);
    if (v === undefined) {
      v = ringUpperOf(set);
      ringMemo.set(key, v);
    }
    return v;
  };
  const values = new Float64Array((nIdx * (nIdx - 1)) / 2 + 1);
  const ringUpperOf = (set: readonly number[]): number | null => {
    const n = set.length;
    // the distinct bandwidths of its pairs, descending (insertion into scratch space)
    let nv = 0;
    for (let i = 0; i < n; i++)
      for (let k = i + 1; k < n; k++) {
        const v = bwm[set[i]! * nIdx + set[k]!]!;
        if (Number.isNaN(v)) return null;
        let at = 0;
        while (at < nv && values[at]! > v) at++;
        if (at < nv && values[at] === v) continue;
        values.copyWithin(at + 1, at, nv);
        values[at] = v;
        nv++;
      }
    if (n === 2) return values[0]!;
    for (let vi = 0; vi < nv; vi++) {
      const t = values[vi]!;
      let reach = 1;
      let ok = true;
      for (let i = 0; i < n; i++) {
        let deg = 0;
        for (let k = 0; k < n; k++) if (i !== k && bwm[set[i]! * nIdx + set[k]!]! >= t) deg++;
        if (deg < 2) ok = false;
      }
      if (!ok) continue;
      for (let grew = true; grew; ) {
        grew = false;
        for (let i = 0; i < n; i++)
          if (reach & (1 << i))
            for (let k = 0; k < n; k++)
              if (!(reach & (1 << k)) && bwm[set[i]! * nIdx + set[k]!]! >= t) {
                reach |= 1 << k;
                grew = true;
              }
      }
      if (reach === (1 << n) - 1) return t;
    }
    return values[nv - 1]!;
  };
  const lazy: ((() => number) | null)[][] = jobs.map((job) => job.choices.map(() => null));
  const widths = Array.from({ length: nIdx }, (_, i) => {
    const g = ctx.gpu(i);
    return g ? widthRatio(g) : null;
  });
  const totals = Array.from({ length: nIdx }, (_, i) => ctx.gpu(i)?.memory.totalMiB ?? null);
  const local = Array.from({ length: nIdx }, (_, i) => {
    const g = ctx.gpu(i);
    return g ? ctx.localCpus(g) !== null : false;
  });
  /**
   * Per job: each planned position's GPU-part term on each GPU (evaluateSums: the load of the job's n-th
   * GPU today goes to its n-th planned GPU, in index order), NaN where it adds none; and whether the
   * position is loaded (its PCIe width counts).
   */
  const termsOf = (job: Job) => {
    const unit = new Float64Array(job.k * nIdx).fill(Number.NaN);
    const loaded = new Uint8Array(job.k);
    for (let n = 0; n < job.k; n++) {
      const load: GpuLoad = job.loads[n] ?? { util: job.util, memMiB: job.memMiB };
      loaded[n] = busyLoad(load) ? 1 : 0;
      if (load.util === null || load.memMiB === null) continue;
      for (let i = 0; i < nIdx; i++) {
        const total = totalFor(totals[i], load);
        if (total) unit[n * nIdx + i] = unitScore(load.util, load.memMiB, total);
      }
    }
    return { unit, loaded };
  };
  /**
   * A whole-GPU candidate of a job that is not pinned, as evaluateSums scores it (same terms, same order),
   * from the job's precomputed terms; `ring` is the ring ratio, or null. A move unless it is the job's
   * GPUs today (by bitmask) with its CPUs kept (asked only then).
   */
  const wholeFast = (
    job: Job,
    terms: ReturnType<typeof termsOf>,
    home: number,
    c: Extract<Choice, { type: 'whole' }>,
    ring: number | null,
  ): Contribution => {
    const sums: Sums = { gNum: 0, gDen: 0, nNum: 0, nDen: 0, iNum: 0, iDen: 0 };
    let set = c.gpus;
    for (let n = 1; n < set.length; n++)
      if (set[n - 1]! >= set[n]!) {
        set = [...c.gpus].sort((x, y) => x - y);
        break;
      }
    let mask = 0;
    for (let n = 0; n < set.length; n++) {
      const i = set[n]!;
      mask |= 1 << i;
      const u = n < job.k ? terms.unit[n * nIdx + i]! : Number.NaN;
      if (n < job.k ? !Number.isNaN(u) : job.util !== null && job.memMiB !== null && totals[i]) {
        sums.gNum += n < job.k ? u : unitScore(job.util!, job.memMiB!, totals[i]!);
        sums.gDen += 1;
      }
      if (local[i]) {
        sums.nNum += 1;
        sums.nDen += 1;
      }
      const loaded = n < job.k ? terms.loaded[n] === 1 : job.util === null || job.util >= 10;
      const width = loaded ? widths[i]! : null;
      if (ring !== null || width !== null) {
        sums.iNum += ring === null ? width! : width === null ? ring : Math.min(ring, width);
        sums.iDen += 1;
      }
    }
    const move = mask !== home || set.length !== job.current.length || cpusChange(ctx, job, c.gpus);
    return { sums, move, mask, tenant: null };
  };
  const contrib = jobs.map((job, j) => {
    const best = ctx.bestRingGBsFor(job.k);
    const terms = termsOf(job);
    const home = job.current.reduce((m, i) => m | (1 << i), 0);
    return job.choices.map((c, k) => {
      if (c.type !== 'whole' || job.pinned) return contribution(ctx, job, c);
      const ringed = job.workload.distributed && c.gpus.length > 1;
      if (!ringed) return wholeFast(job, terms, home, c, null);
      const up = best !== null && best > 0 ? ringUpper(c.gpus) : null;
      if (up === null) return contribution(ctx, job, c);
      // the exact ring ratio waits; until then it is bounded by the ring's upper bound
      lazy[j]![k] = () => contribution(ctx, job, c).sums.iNum;
      return wholeFast(job, terms, home, c, Math.min(1, up / best!));
    });
  });
  // Without utilisation data (a topology + workloads upload) no plan has a GPU part and the engine gives
  // no score, so every plan would tie at 0 and the workloads would never move. The GPU part is then the
  // same for every plan (workloads keep their load), so plans are ranked with a constant one standing in
  // for it, i.e. on NUMA and I/O at the usual scale; the reported score stays null and the reported
  // objective stays 0 − MOVE_COST × moves.
  const scoreless = contrib.every((cs) => cs.every((cc) => cc.tenant === null && cc.sums.gDen === 0));
  if (scoreless) for (const cs of contrib) for (const cc of cs) cc.sums = { ...cc.sums, gNum: 1, gDen: 1 };

  // GPUs, by index
  const indexed = ctx.snapshot.gpus.filter((g) => g.index !== null);
  const nGpu = indexed.reduce((m, g) => Math.max(m, g.index! + 1), 0);
  const faults = hardwareFaults(ctx);
  const gpus: GpuInfo[] = Array.from({ length: nGpu }, () => ({
    total: 0,
    numa: false,
    width: null,
    sizes: [],
    cardGB: 0,
  }));
  const classOf: (string | null)[] = Array.from({ length: nGpu }, () => null);
  for (const g of indexed) {
    const card = cardGBOf(ctx, g) ?? 0;
    gpus[g.index!] = {
      total: g.memory.totalMiB ?? 0,
      numa: ctx.localCpus(g) !== null,
      width: widthRatio(g),
      sizes: VGPU_SIZES_GB.filter((s) => s <= card / 2 && Math.round(card) % s === 0),
      cardGB: card,
    };
    // symmetry classes: model, memory, PCIe width, known local CPUs, faults
    classOf[g.index!] = [
      g.memory.totalMiB,
      g.family,
      ctx.localCpus(g) !== null,
      widthRatio(g),
      faults.has(g.index!),
    ].join('|');
  }

  // groups of interchangeable jobs, in the order of their first member
  const group = internals.groupIdentical !== false;
  const groups: number[][] = [];
  const byKey = new Map<string, number[]>();
  const identities = jobs.map((job) => (group ? identityOf(job) : null));
  const twice = new Set(identities.filter((key, j) => key !== null && identities.indexOf(key) !== j));
  jobs.forEach((job, j) => {
    const id = identities[j]!;
    const key = id !== null && twice.has(id) ? `${id}|${candidatesOf(job)}` : null;
    const found = key === null ? undefined : byKey.get(key);
    if (found) found.push(j);
    else {
      const members = [j];
      groups.push(members);
      if (key !== null) byKey.set(key, members);
    }
  });
  const bit = (i: number) => 1 << i;
  const maskOf = (gpus: readonly number[]) => {
    let m = 0;
    for (let n = 0; n < gpus.length; n++) m |= bit(gpus[n]!);
    return m;
  };
  const searchJobs: SearchJob[] = groups.map((members) => {
    const rep = jobs[members[0]!]!;
    const cs = contrib[members[0]!]!;
    // each whole-GPU choice as a bitmask (-1 for MIG / vGPU): equal masks are equal GPU sets
    const masks = rep.choices.map((c) => (c.type === 'whole' ? maskOf(c.gpus) : -1));
    // the members' current placements first (ties resolve to "stay"), then the rest in the job's order
    const curMasks = members.map((m) => maskOf(jobs[m]!.current));
    const stays = curMasks.map((cm) => masks.indexOf(cm)).filter((k) => k >= 0);
    const order = [...stays, ...rep.choices.map((_, k) => k).filter((k) => !stays.includes(k))];
    // a class of GPU sets (Job.cells): the classes of GPUs its representative draws from, and how many of
    // each; the classes as typed arrays once per job, each GPU's class by index
    const cellArrays = rep.cells ? rep.cells.map((cell) => Int32Array.from(cell)) : null;
    const cellOfGpu = new Int32Array(nGpu).fill(-1);
    rep.cells?.forEach((cell, ci) => {
      for (const i of cell) cellOfGpu[i] = ci;
    });
    const cellCount = new Int32Array(rep.cells?.length ?? 0);
    const home = rep.cells ? maskOf(rep.current) : 0;
    const homeMove = rep.cells ? cpusChange(ctx, rep, rep.current) : true;
    const seenShare = new Set<number>();
    const opts: SearchOption[] = [];
    for (let oi = 0; oi < order.length; oi++) {
      const k = order[oi]!;
      const c = rep.choices[k]!;
      if (c.type === 'share') {
        // one candidate per GPU stands for every size (the smallest comes first)
        if (seenShare.has(c.gpu)) continue;
        seenShare.add(c.gpu);
      }
      const cc = cs[k]!;
      const gpusOf = c.type === 'whole' ? c.gpus : [c.gpu];
      let stayOf = -1;
      let stay = false;
      if (c.type === 'whole')
        for (let i = 0; i < members.length; i++) {
          const job = jobs[members[i]!]!;
          if (masks[k] === curMasks[i]) {
            stay = true;
            if (stayOf < 0 && !cpusChange(ctx, job, c.gpus)) stayOf = i;
          }
          if (c.gpus.length === 1 && job.current.includes(c.gpus[0]!)) stay = true;
        }
      let cells: Int32Array[] | null = null;
      let counts: number[] | null = null;
      if (cellArrays !== null && c.type === 'whole') {
        cellCount.fill(0);
        for (const i of c.gpus) if (cellOfGpu[i]! >= 0) cellCount[cellOfGpu[i]!]!++;
        // exact-size arrays (pushing onto [] reserves room for 17)
        let used = 0;
        for (let ci = 0; ci < cellCount.length; ci++) if (cellCount[ci]! > 0) used++;
        cells = new Array<Int32Array>(used);
        counts = new Array<number>(used);
        for (let ci = 0, u = 0; ci < cellCount.length; ci++)
          if (cellCount[ci]! > 0) {
            cells[u] = cellArrays[ci]!;
            counts[u++] = cellCount[ci]!;
          }
      }
      const move = members.length === 1 ? cc.move : stayOf < 0;
      const need = rep.need;
      const t = cc.tenant;
      const single = c.type !== 'whole' || c.gpus.length === 1 ? gpusOf[0]! : -1;
      let twins: readonly number[] = NO_TWINS;
      if (single >= 0 && !stay)
        for (let h = 0; h < single; h++) {
          if (classOf[h] === null || classOf[h] !== classOf[single]) continue;
          const same = rep.choices.some((x) =>
            c.type === 'whole'
              ? x.type === 'whole' && x.gpus.length === 1 && x.gpus[0] === h
              : c.type === 'mig'
                ? x.type === 'mig' && x.gpu === h && x.profile === c.profile
                : x.type === 'share' && x.gpu === h && x.sizeGB === c.sizeGB,
          );
          if (same) twins = [...twins, h];
        }
      const model = c.type === 'mig' ? ctx.model(ctx.gpu(c.gpu)!)! : null;
      opts.push({
        type: c.type === 'whole' ? 0 : c.type === 'mig' ? 1 : 2,
        mask: c.type === 'whole' ? masks[k]! : bit(c.gpu),
        gpu: single,
        gNum: cc.sums.gNum + (t?.mig ? t.unitWeight * t.unitScore : 0),
        gDen: cc.sums.gDen + (t?.mig ? t.unitWeight : 0),
        nNum: cc.sums.nNum,
        nDen: cc.sums.nDen,
        iNum: cc.sums.iNum,
        iDen: cc.sums.iDen,
        move,
        stayOf,
        choice: k,
        profile: c.type === 'mig' ? model!.migProfiles.findIndex((p) => p.id === c.profile.id) : -1,
        model,
        util: t ? t.util : 0,
        memMiB: t ? t.memMiB : 0,
        compute: c.type === 'whole' ? 0 : (need?.compute ?? 0),
        sizeIdx: c.type === 'share' ? gpus[c.gpu]!.sizes.indexOf(c.sizeGB) : -1,
        twins,
        stay,
        exactINum: lazy[members[0]!]![k]!,
        cells,
        counts,
        home: cells === null ? 0 : home,
        homeMove: cells === null ? true : homeMove,
      });
    }
    return {
      members,
      options: opts,
      homeMask: members.reduce((m, j) => jobs[j]!.current.reduce((mm, i) => mm | bit(i), m), 0),
      k: rep.k,
    };
  });

  const res = search(ctx, {
    jobs: searchJobs,
    gpus,
    base: keptSums(ctx, keptShared(ctx).gpus),
    cost,
    budget,
  });
  if (res.picks === null)
    throw new PlacementError(
      res.exact
        ? 'no feasible placement: the workloads need more GPUs than are free'
        : `no placement found within the search budget (${budget} nodes)`,
    );
  // choices back to the jobs: a placement goes to the member it is a stay of, the rest in member order
  const choices: Choice[] = new Array(jobs.length);
  searchJobs.forEach((sj, gi) => {
    const picked = [...res.picks![gi]!].map((k) => sj.options[k]!);
    const free = new Set(sj.members.map((_, i) => i));
    const owner: number[] = picked.map(() => -1);
    picked.forEach((o, i) => {
      if (o.stayOf >= 0 && free.has(o.stayOf)) {
        owner[i] = o.stayOf;
        free.delete(o.stayOf);
      }
    });
    const rest = [...free];
    picked.forEach((o, i) => {
      const m = owner[i]! >= 0 ? owner[i]! : rest.shift()!;
      const job = jobs[sj.members[m]!]!;
      const repChoice = jobs[sj.members[0]!]!.choices[o.choice]!;
      const mask = res.masks![gi]![i]!;
      const want: Choice =
        repChoice.type === 'share'
          ? { ...repChoice, sizeGB: res.shareSize[repChoice.gpu]! }
          : o.cells !== null
            ? { type: 'whole', gpus: Array.from({ length: nGpu }, (_, g) => g).filter((g) => mask & bit(g)) }
            : repChoice;
      choices[sj.members[m]!] = job.choices.find((c) => sameChoice(c, want)) ?? want;
    });
  });
  const bound = Math.round(Math.max(res.objective, res.rootBound) * 100) / 100;
  const stats = {
    explored: res.explored,
    nodes: res.nodes,
    budget,
    exact: res.exact,
    bound,
    gap: res.exact ? 0 : Math.round(Math.max(0, bound - res.objective) * 100) / 100,
  };
  if (scoreless) return { choices, score: null, objective: -cost * res.moves, moves: res.moves, ...stats };
  return { choices, score: res.score, objective: res.objective, moves: res.moves, ...stats };
}

/** Moves of a plan: workloads whose GPUs or CPUs change (either needs a VM restart). */
export function countMoves(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): number {
  return choices.filter((c, j) => contribution(ctx, jobs[j]!, c).move).length;
}
