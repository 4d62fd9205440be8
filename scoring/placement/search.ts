/**
 * The branch-and-bound core of the one-host solver (solve.ts, docs/placement.md "Optimality").
 *
 * Every candidate of every job is turned once into flat, precomputed data (bitmasks of whole GPUs, the
 * engine's running sums it adds, its move flag, its vGPU / MIG tenant terms), so that a search node
 * allocates nothing and checks feasibility in O(1) per candidate:
 * - **vGPU share sizes** are not branched on: a share's frame-buffer size changes no score, only which
 *   tenants fit together; the tenants of one GPU take the smallest size that holds all of them, which is
 *   what the first plan in candidate order takes, so one share candidate per GPU stands for all sizes.
 * - **identical jobs** (same GPU count, kind, load, need and candidates, not pinned) are interchangeable:
 *   only assignments with non-decreasing candidate index inside a group are searched, and each chosen
 *   placement goes to a member for which it is a stay when there is one (the min-move matching).
 * - **symmetry**: a single-GPU job placed on a GPU (whole, or the first tenant) is only tried on the
 *   lowest-numbered free GPU of its class that no later job calls home (as before).
 * - **a greedy incumbent** first (a dive that follows the bound), so pruning starts at once.
 * - **the ratio bound** (bound.ts) at every node.
 * The search is bounded by a number of nodes, never the clock.
 */

import type { HostContext } from '../context.ts';
import type { GpuModel, MigProfileSpec } from '../gpu-models.ts';
import { WEIGHTS } from '../score.ts';
import { type BoundInput, BoundScratch, ratioBound } from './bound.ts';
import { layout } from './mig-layout.ts';

/** What solve.ts hands over per job and candidate (everything precomputed). */
export interface SearchOption {
  /** 0 whole, 1 MIG instance, 2 vGPU share. */
  type: 0 | 1 | 2;
  /** whole: its GPUs as a bitmask; shared: the bit of its GPU. */
  mask: number;
  /** shared: its GPU; whole single-GPU: that GPU; else -1. */
  gpu: number;
  /** the engine's sums it adds on its own (whole GPUs, MIG instance units). */
  gNum: number;
  gDen: number;
  nNum: number;
  nDen: number;
  iNum: number;
  iDen: number;
  /** a move (GPUs, form or CPUs change). */
  move: boolean;
  /** the whole-GPU choice a member of the job's group stays on (its current GPUs, CPUs kept): member index. */
  stayOf: number;
  /** index into the job's Choice list (for shares: the first size on that GPU). */
  choice: number;
  /** MIG: profile index within the model's list, and the model. */
  profile: number;
  model: GpuModel | null;
  /** shared tenants: utilisation (%) and memory (MiB) they add, compute fraction, smallest size index. */
  util: number;
  memMiB: number;
  compute: number;
  sizeIdx: number;
  /** symmetry: lower GPUs of the same class on which the job has the same candidate. */
  twins: readonly number[];
  /** whether a stay-like candidate (never pruned by symmetry). */
  stay: boolean;
  /**
   * a distributed job's ring ratio is costly to compute; until it is needed `iNum` is an upper bound
   * (the ratio is at most 1) and this computes the exact one (then null).
   */
  exactINum: (() => number) | null;
  /**
   * a class of GPU sets (a multi-GPU job whose sets stand in classes, solve.ts): the classes of
   * interchangeable GPUs it draws from and how many of each; the search takes the lowest free GPUs of
   * each (then `mask` and `move` are set per node). null for a plain candidate.
   */
  cells: readonly Int32Array[] | null;
  counts: readonly number[] | null;
  /** a class: the job's GPUs today as a bitmask, and whether the set equal to them is still a move. */
  home: number;
  homeMove: boolean;
}

export interface GpuInfo {
  /** total memory (MiB) or 0 when unknown. */
  total: number;
  numa: boolean;
  width: number | null;
  /** vGPU sizes (GB) offered on this card, ascending, and the card size (GB). */
  sizes: number[];
  cardGB: number;
}

export interface SearchJob {
  /** the solve.ts job index of each member (one for a job without identical peers). */
  members: number[];
  options: SearchOption[];
  /** GPUs the members hold today (home bits for symmetry). */
  homeMask: number;
  /** whole GPUs it takes (for the NUMA / I-O bound). */
  k: number;
}

export interface SearchInput {
  jobs: SearchJob[];
  gpus: GpuInfo[];
  /** sums of GPUs kept as they are (constant). */
  base: { gNum: number; gDen: number; nNum: number; nDen: number; iNum: number; iDen: number };
  cost: number;
  budget: number;
}

export interface SearchResult {
  /** per search position (member order within groups), the option index chosen; null when no plan. */
  picks: Int32Array[] | null;
  /** per search position, the GPUs (bitmask) a class of GPU sets took. */
  masks: Int32Array[] | null;
  /** the share size (GB) each shared GPU takes in the best plan. */
  shareSize: Float64Array;
  score: number | null;
  objective: number;
  moves: number;
  explored: number;
  nodes: number;
  exact: boolean;
  rootBound: number;
}

/** Whether a multiset of MIG profiles fits one GPU of a model, keyed by profile counts (memoised). */
const MIG_FITS = new Map<string, Map<number, boolean>>();
const DIGIT = 16;
/** move prices tried by the tie bound. */
const TIE_PRICES = [1, 4, 16];

function migFits(model: GpuModel, code: number): boolean {
  let memo = MIG_FITS.get(model.family);
  if (!memo) {
    memo = new Map();
    MIG_FITS.set(model.family, memo);
  }
  let ok = memo.get(code);
  if (ok === undefined) {
    const profiles: MigProfileSpec[] = [];
    let c = code;
    for (let p = 0; c > 0; p++, c = Math.floor(c / DIGIT))
      for (let n = c % DIGIT; n > 0; n--) profiles.push(model.migProfiles[p]!);
    ok = layout(model, profiles) !== null;
    memo.set(code, ok);
  }
  return ok;
}

const unit = (util: number, mem: number, total: number) =>
  ((Math.min(100, util) / 100) * 0.4 + Math.min(1, mem / total) * 0.3) / 0.7;

export function finalScoreOf(
  gNum: number,
  gDen: number,
  nNum: number,
  nDen: number,
  iNum: number,
  iDen: number,
): number | null {
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

export function search(_ctx: HostContext, input: SearchInput): SearchResult {
  const { jobs, gpus, cost, budget } = input;
  const nGpu = gpus.length;
  // positions: one per member; group members consecutive
  const posJob: number[] = [];
  const posFirst: boolean[] = [];
  for (let g = 0; g < jobs.length; g++)
    jobs[g]!.members.forEach((_, m) => {
      posJob.push(g);
      posFirst.push(m === 0);
    });
  const P = posJob.length;
  // homes of the jobs still to place after position p (a group's homes count while any member is left)
  const homeAfter = new Int32Array(P + 1);
  for (let p = P - 1, acc = 0; p >= 0; p--) {
    homeAfter[p] = acc;
    const job = jobs[posJob[p]!]!;
    acc |= job.homeMask;
  }
  // running state
  let gNum = input.base.gNum;
  let gDen = input.base.gDen;
  let nNum = input.base.nNum;
  let nDen = input.base.nDen;
  let iNum = input.base.iNum;
  let iDen = input.base.iDen;
  let wholeMask = 0;
  let tenantMask = 0;
  const tCount = new Int32Array(nGpu);
  const tType = new Int8Array(nGpu);
  const aggUtil = new Float64Array(nGpu);
  const aggMem = new Float64Array(nGpu);
  const computeUsed = new Float64Array(nGpu);
  const sizeMax = new Int32Array(nGpu).fill(-1);
  const migCode = new Float64Array(nGpu);
  // share GPUs open: their count and the compute they still hold (for the bound)
  let openShares = 0;
  let openCompute = 0;
  let openSize = 0;
  // tenants the open shares can still take: a GPU's tenants × the size they share ≤ the card
  let openSlots = 0;
  const slots = (info: GpuInfo, n: number, idx: number) =>
    Math.floor(info.cardGB / info.sizes[idx]! + 1e-9) - n;
  const pick = new Int32Array(P);
  const pickMask = new Int32Array(P);
  const sizeStack = new Int32Array(P);
  // positions whose job has classes of GPU sets: per node, each class's set and their order
  const classed = posJob.map((j) => jobs[j]!.options.some((o) => o.cells !== null));
  const setOf = posJob.map((j) => new Int32Array(jobs[j]!.options.length));
  const orderOf = posJob.map((j) => new Int32Array(jobs[j]!.options.length));
  /**
   * The sets the classes of position p take now (the lowest free GPUs of each class: exchanging
   * interchangeable GPUs turns any plan into one that does, as good and not later in candidate order),
   * in candidate order: the job's GPUs today first, then by their GPUs (the order of combinations).
   * Returns how many are feasible.
   */
  const arrange = (p: number): number => {
    const opts = jobs[posJob[p]!]!.options;
    const busy = wholeMask | tenantMask;
    const sets = setOf[p]!;
    const order = orderOf[p]!;
    let n = 0;
    for (let k = 0; k < opts.length; k++) {
      const o = opts[k]!;
      let m = 0;
      let ok = true;
      if (o.cells === null) {
        m = o.mask;
        ok = o.type !== 0 || (m & busy) === 0;
      } else
        for (let c = 0; c < o.cells.length && ok; c++) {
          const cell = o.cells[c]!;
          let want = o.counts![c]!;
          for (let t = 0; t < cell.length && want > 0; t++)
            if ((busy & (1 << cell[t]!)) === 0) {
              m |= 1 << cell[t]!;
              want--;
            }
          ok = want === 0;
        }
      if (!ok) continue;
      sets[k] = m;
      // insertion in candidate order
      const cur = o.cells !== null && m === o.home;
      let at = n++;
      while (at > 0) {
        const q = order[at - 1]!;
        const oq = opts[q]!;
        if (cur || !before(oq.cells !== null && sets[q] === oq.home, sets[q]!, oq, m, o)) {
          order[at] = q;
          at--;
        } else break;
      }
      order[at] = k;
    }
    return n;
  };
  const take = (p: number, k: number, o: SearchOption) => {
    if (o.cells === null) return;
    o.mask = setOf[p]![k]!;
    o.move = o.mask === o.home ? o.homeMove : true;
  };
  let moves = 0;

  const onGrid = Math.abs(cost * 10 - Math.round(cost * 10)) < 1e-9;
  const onGridRound = (ub: number) => (onGrid ? Math.floor(ub * 10 + 1e-6) / 10 : ub);
  const scratch = new BoundScratch(P, jobs, gpus, posJob);
  const boundIn: BoundInput = {
    jobs,
    posJob,
    gpus,
    cost,
    state: {
      gNum: 0,
      gDen: 0,
      nNum: 0,
      nDen: 0,
      iNum: 0,
      iDen: 0,
      wholeMask: 0,
      tenantMask: 0,
      openShares: 0,
      openCompute: 0,
      openSize: 0,
      openSlots: 0,
    },
  };
  const load = () => {
    const s = boundIn.state;
    s.gNum = gNum;
    s.gDen = gDen;
    s.nNum = nNum;
    s.nDen = nDen;
    s.iNum = iNum;
    s.iDen = iDen;
    s.wholeMask = wholeMask;
    s.tenantMask = tenantMask;
    s.openShares = openShares;
    s.openCompute = openCompute;
    s.openSize = openSize;
    s.openSlots = openSlots;
  };
  const bound = (p: number, against: number = Number.NEGATIVE_INFINITY): number => {
    load();
    // the score is rounded to 0.1; when moves cost a multiple of 0.1 every objective lies on that grid
    // (a bound below `against` is all a pruning test needs: the λ search may stop there)
    const ub =
      ratioBound(boundIn, scratch, p, cost, against + cost * moves - 0.05 - 1e-6) - cost * moves + 0.05;
    return onGrid ? Math.floor(ub * 10 + 1e-6) / 10 : ub;
  };

  // a bound for completions of at most `limit` moves in all: a Lagrangian price μ per move,
  // J ≤ bound at cost + μ − cost·moves + μ·(limit − moves), the best of a few μ
  const tieBound = (p: number, limit: number, against: number): number => {
    let out = Number.POSITIVE_INFINITY;
    load();
    for (const mu of TIE_PRICES) {
      const shift = -cost * moves + mu * (limit - moves) + 0.05;
      let ub = ratioBound(boundIn, scratch, p, cost + mu, against - shift - 1e-6) + shift;
      if (onGrid) ub = Math.floor(ub * 10 + 1e-6) / 10;
      if (ub < out) out = ub;
      if (out < against - 1e-9) break;
    }
    return out;
  };
  const resolve = (o: SearchOption) => {
    if (o.exactINum === null) return;
    o.iNum = o.exactINum();
    o.exactINum = null;
  };
  const feasible = (o: SearchOption): boolean => {
    if (o.type === 0) return (o.mask & (wholeMask | tenantMask)) === 0;
    const g = o.gpu;
    if (wholeMask & o.mask) return false;
    const n = tCount[g]!;
    if (n === 0) return true;
    if (tType[g] !== o.type) return false;
    if (o.type === 1) return migFits(o.model!, migCode[g]! + DIGIT ** o.profile);
    const info = gpus[g]!;
    const idx = Math.max(o.sizeIdx, sizeMax[g]!);
    if ((n + 1) * info.sizes[idx]! > info.cardGB) return false;
    return computeUsed[g]! + o.compute <= 1;
  };
  const dominated = (p: number, o: SearchOption): boolean => {
    if (o.stay || o.twins.length === 0) return false;
    if (o.type !== 0 && tCount[o.gpu]! > 0) return false;
    const busy = wholeMask | tenantMask | homeAfter[p]!;
    for (let t = 0; t < o.twins.length; t++) if ((busy & (1 << o.twins[t]!)) === 0) return true;
    return false;
  };
  const push = (p: number, o: SearchOption) => {
    pickMask[p] = o.mask;
    gNum += o.gNum;
    gDen += o.gDen;
    nNum += o.nNum;
    nDen += o.nDen;
    iNum += o.iNum;
    iDen += o.iDen;
    if (o.move) moves++;
    if (o.type === 0) {
      wholeMask |= o.mask;
      return;
    }
    const g = o.gpu;
    const info = gpus[g]!;
    const first = tCount[g] === 0;
    if (first) {
      tType[g] = o.type;
      tenantMask |= o.mask;
      if (info.numa) {
        nNum += 1;
        nDen += 1;
      }
    }
    tCount[g]!++;
    if (o.type === 1) {
      migCode[g]! += DIGIT ** o.profile;
      if (first && info.width !== null) {
        iNum += info.width;
        iDen += 1;
      }
      return;
    }
    // vGPU share: the GPU's aggregated unit and I/O change
    const u0 = aggUtil[g]!;
    if (!first) {
      if (info.total > 0) gNum -= unit(u0, aggMem[g]!, info.total);
      if (info.width !== null && u0 >= 10) {
        iNum -= info.width;
        iDen -= 1;
      }
    } else {
      openShares++;
      if (info.total > 0) gDen += 1;
    }
    aggUtil[g] = u0 + o.util;
    aggMem[g]! += o.memMiB;
    if (info.total > 0) gNum += unit(aggUtil[g]!, aggMem[g]!, info.total);
    if (info.width !== null && aggUtil[g]! >= 10) {
      iNum += info.width;
      iDen += 1;
    }
    computeUsed[g]! += o.compute;
    openCompute += o.compute;
    sizeStack[p] = sizeMax[g]!;
    const n0 = tCount[g]! - 1;
    if (n0 > 0) {
      openSize -= (n0 * info.sizes[sizeMax[g]!]!) / info.cardGB;
      openSlots -= slots(info, n0, sizeMax[g]!);
    }
    if (o.sizeIdx > sizeMax[g]!) sizeMax[g] = o.sizeIdx;
    openSize += ((n0 + 1) * info.sizes[sizeMax[g]!]!) / info.cardGB;
    openSlots += slots(info, n0 + 1, sizeMax[g]!);
  };
  const pop = (p: number, o: SearchOption) => {
    gNum -= o.gNum;
    gDen -= o.gDen;
    nNum -= o.nNum;
    nDen -= o.nDen;
    iNum -= o.iNum;
    iDen -= o.iDen;
    if (o.move) moves--;
    if (o.type === 0) {
      wholeMask &= ~o.mask;
      return;
    }
    const g = o.gpu;
    const info = gpus[g]!;
    tCount[g]!--;
    const last = tCount[g] === 0;
    if (last) {
      tType[g] = 0;
      tenantMask &= ~o.mask;
      if (info.numa) {
        nNum -= 1;
        nDen -= 1;
      }
    }
    if (o.type === 1) {
      migCode[g]! -= DIGIT ** o.profile;
      if (last && info.width !== null) {
        iNum -= info.width;
        iDen -= 1;
      }
      return;
    }
    const u1 = aggUtil[g]!;
    if (info.total > 0) gNum -= unit(u1, aggMem[g]!, info.total);
    if (info.width !== null && u1 >= 10) {
      iNum -= info.width;
      iDen -= 1;
    }
    aggUtil[g] = u1 - o.util;
    aggMem[g]! -= o.memMiB;
    if (last) {
      aggUtil[g] = 0;
      aggMem[g] = 0;
      openShares--;
      if (info.total > 0) gDen -= 1;
    } else {
      if (info.total > 0) gNum += unit(aggUtil[g]!, aggMem[g]!, info.total);
      if (info.width !== null && aggUtil[g]! >= 10) {
        iNum += info.width;
        iDen += 1;
      }
    }
    computeUsed[g]! -= o.compute;
    openCompute -= o.compute;
    if (last) computeUsed[g] = 0;
    const n1 = tCount[g]!;
    openSize -= ((n1 + 1) * info.sizes[sizeMax[g]!]!) / info.cardGB;
    openSlots -= slots(info, n1 + 1, sizeMax[g]!);
    sizeMax[g] = sizeStack[p]!;
    if (n1 > 0) {
      openSize += (n1 * info.sizes[sizeMax[g]!]!) / info.cardGB;
      openSlots += slots(info, n1, sizeMax[g]!);
    }
  };

  let best = null as Best | null;
  const record = (score: number | null, objective: number, isVirtual: boolean) => {
    const sizes = new Float64Array(nGpu);
    for (let g = 0; g < nGpu; g++) if (tType[g] === 2) sizes[g] = gpus[g]!.sizes[sizeMax[g]!]!;
    best = {
      picks: pick.slice(),
      masks: pickMask.slice(),
      score,
      objective,
      moves,
      sizes,
      virtual: isVirtual,
    };
  };
  const leafScore = () => finalScoreOf(gNum, gDen, nNum, nDen, iNum, iDen);

  // greedy incumbent: one dive that takes, at each position, the feasible candidate with the best bound
  // (ties to candidate order); it only sets the value to beat — the search below still finds the first
  // optimal plan in candidate order (a tie with the incumbent's moves replaces it).
  let nodes = 0;
  {
    const stack: SearchOption[] = [];
    let ok = true;
    for (let p = 0; p <= P && ok; p++) {
      // one node per step, as in the search (the dive spends the same budget)
      if (++nodes > budget) {
        ok = false;
        break;
      }
      if (p === P) break;
      const job = jobs[posJob[p]!]!;
      const from = posFirst[p] ? 0 : pick[p - 1]!;
      let bestK = -1;
      let bestUb = -Infinity;
      const n = classed[p] ? arrange(p) : -1;
      for (let i = n >= 0 ? 0 : from; i < (n >= 0 ? n : job.options.length); i++) {
        const k = n >= 0 ? orderOf[p]![i]! : i;
        const o = job.options[k]!;
        take(p, k, o);
        if (!feasible(o)) continue;
        push(p, o);
        const ub = bound(p + 1);
        pop(p, o);
        if (ub > bestUb + 1e-9) {
          bestUb = ub;
          bestK = k;
        }
      }
      if (bestK < 0) ok = false;
      else {
        pick[p] = bestK;
        const o = job.options[bestK]!;
        take(p, bestK, o);
        resolve(o);
        push(p, o);
        stack.push(o);
      }
    }
    if (ok) {
      const score = leafScore();
      record(score, (score ?? 0) - cost * moves, true);
    }
    for (let p = stack.length - 1; p >= 0; p--) pop(p, stack[p]!);
  }

  let explored = 0;
  let exhausted = true;
  load();
  const rootBound = onGridRound(
    ratioBound(boundIn, scratch, 0, cost, Number.NEGATIVE_INFINITY, true) - cost * moves + 0.05,
  );
  const rec = (p: number) => {
    if (++nodes > budget) {
      exhausted = false;
      return;
    }
    if (p === P) {
      explored++;
      const score = leafScore();
      const objective = (score ?? 0) - cost * moves;
      const b = best;
      if (
        b === null ||
        objective > b.objective + 1e-9 ||
        (Math.abs(objective - b.objective) <= 1e-9 && (moves < b.moves || (b.virtual && moves === b.moves)))
      )
        record(score, objective, false);
      return;
    }
    if (best !== null) {
      const b = best;
      const ub = bound(p, b.objective);
      if (ub < b.objective - 1e-9) return;
      if (ub <= b.objective + 1e-9) {
        // only a tie with fewer moves (or, against the greedy incumbent, as few) can still win
        const limit = b.virtual ? b.moves : b.moves - 1;
        if (moves > limit || tieBound(p, limit, b.objective) < b.objective - 1e-9) return;
      }
    }
    const job = jobs[posJob[p]!]!;
    const opts = job.options;
    const n = classed[p] ? arrange(p) : -1;
    for (let i = n >= 0 ? 0 : posFirst[p] ? 0 : pick[p - 1]!; i < (n >= 0 ? n : opts.length); i++) {
      const k = n >= 0 ? orderOf[p]![i]! : i;
      const o = opts[k]!;
      take(p, k, o);
      if (!feasible(o) || dominated(p, o)) continue;
      pick[p] = k;
      if (o.exactINum !== null) {
        // with the optimistic ring first: most such candidates are cut without computing it
        if (best !== null) {
          push(p, o);
          const ub = bound(p + 1, best.objective);
          pop(p, o);
          if (ub < best.objective - 1e-9) continue;
        }
        resolve(o);
      }
      push(p, o);
      rec(p + 1);
      pop(p, o);
      if (!exhausted) return;
    }
  };
  rec(0);
  const b = best;
  return {
    picks: b ? splitPicks(b.picks, jobs) : null,
    masks: b ? splitPicks(b.masks, jobs) : null,
    shareSize: b ? b.sizes : new Float64Array(nGpu),
    score: b ? b.score : null,
    objective: b ? b.objective : 0,
    moves: b ? b.moves : 0,
    explored,
    nodes: Math.min(nodes, budget),
    exact: exhausted,
    rootBound,
  };
}

/**
 * Whether candidate a (its GPUs `ma`) comes before candidate b in candidate order: the job's GPUs today
 * first, then whole-GPU sets in the order of combinations (for sets of one size: the one holding the lowest
 * GPU of their difference), then MIG and vGPU candidates in their own order.
 */
function before(aCur: boolean, ma: number, a: SearchOption, mb: number, b: SearchOption): boolean {
  if (aCur) return true;
  if (a.type !== 0 || b.type !== 0) return a.type === 0 || (b.type !== 0 && a.choice < b.choice);
  const x = ma ^ mb;
  return (ma & x & -x) !== 0;
}

interface Best {
  picks: Int32Array;
  masks: Int32Array;
  score: number | null;
  objective: number;
  moves: number;
  sizes: Float64Array;
  /** the greedy incumbent: a later plan of the same objective and moves replaces it (candidate order). */
  virtual: boolean;
}

function splitPicks(flat: Int32Array, jobs: readonly SearchJob[]): Int32Array[] {
  const out: Int32Array[] = [];
  let at = 0;
  for (const job of jobs) {
    out.push(flat.slice(at, at + job.members.length));
    at += job.members.length;
  }
  return out;
}
