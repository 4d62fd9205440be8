/**
 * The upper bound of the one-host branch and bound (docs/placement.md, "Optimality"): no completion of a
 * partial plan can beat it, so a node whose bound is below the best plan found is cut.
 *
 * The score is 100 × (0.6·G + 0.2·N + 0.2·I) / W (W renormalises when NUMA or I/O is absent) and the
 * objective subtracts MOVE_COST per move. N and I can only move toward 1 as at most the remaining GPUs
 * join (every renormalisation case is bounded). The GPU part G is a ratio, (A + Σa_j) / (B + Σb_j): A, B
 * the units placed so far, a_j, b_j what job j adds. For any λ, writing X = A − λB + Σ(a_j − λb_j),
 *
 *     c·G − cost·moves ≤ c·λ + max(0, c·X / Dmin − cost·moves)        (c = 100·0.6 / W)
 *
 * where Dmin ≤ B + Σb_j is a lower bound on the final denominator (when X > 0, dividing by less only
 * raises it; when X ≤ 0, G ≤ λ). The right side separates per job — each picks the option maximising
 * (c/Dmin)(a − λb) − cost·move, ignoring the other jobs (a relaxation) — and is minimised over λ
 * (convex, piecewise linear: a golden-section search; any λ gives a valid bound, so its precision only
 * costs tightness).
 *
 * vGPU shares aggregate tenants into one unit per GPU: unitScore(Σu, Σmem, total) ≤ Σ_t of the linear
 * terms (0.4·u_t/100 + 0.3·mem_t/total)/0.7, so a tenant adds at most that to A. A shared GPU counts 1 in
 * B however many tenants it has, and its tenants' compute fractions sum to at most 1 (the share rule), so
 * the GPUs new tenants open number at least max(1, Σ compute − room left on the shares already open)
 * (without the 1 when a share is open). The jobs that join shares are the set S; the gain over each job's
 * best non-share option is δ_j, and the best S is bounded by a fractional knapsack (Σ compute ≤ room)
 * and by Σ max(0, δ_j − λ·compute_j) when S overflows the room.
 */

import type { GpuInfo, SearchJob } from './search.ts';

export interface BoundState {
  gNum: number;
  gDen: number;
  nNum: number;
  nDen: number;
  iNum: number;
  iDen: number;
  wholeMask: number;
  tenantMask: number;
  /** shared (vGPU) GPUs open, and the compute their tenants hold. */
  openShares: number;
  openCompute: number;
  /** the frame buffer the open shares hold, in cards (tenants × size / card, summed). */
  openSize: number;
  /** tenants the open shares can still take (per GPU: card / the size its tenants share − tenants). */
  openSlots: number;
}

export interface BoundInput {
  jobs: readonly SearchJob[];
  posJob: readonly number[];
  gpus: readonly GpuInfo[];
  cost: number;
  state: BoundState;
}

const BIG = 1e6;
const GOLD = (Math.sqrt(5) - 1) / 2;
const ALPHAS = [1, 0.5, 0];
/** the λ search: this far either side of the warm start, in this many golden-section steps. */
const LAMBDA_SPAN = 0.15;
const LAMBDA_STEPS = 7;

/** Per job: its distinct bound terms, dominated ones dropped; scratch space for the knapsack. */
export class BoundScratch {
  /** per job: non-share terms (a, b, move, mask that must be free — stays only — or 0). */
  a: Float64Array[];
  b: Float64Array[];
  m: Float64Array[];
  need: Int32Array[];
  /** per job: its best vGPU share term (a), its compute and its smallest size in cards, or NaN. */
  shareA: Float64Array;
  shareB: Float64Array;
  shareS: Float64Array;
  /** suffix over positions: Σ of each job's smallest non-share b, of its largest b; whether any may share. */
  minNS: Float64Array;
  maxB: Float64Array;
  anyShare: Uint8Array;
  /** suffix over positions: the most and the fewest NUMA / I-O entries the jobs still to place can add. */
  maxN: Float64Array;
  minN: Float64Array;
  maxI: Float64Array;
  minI: Float64Array;
  /** a share on a GPU of unknown memory adds no unit: the bound then lets G reach 1. */
  weak: boolean;
  /** the λ last found best per depth and renormalisation case (a warm start; any λ is valid). */
  lam: Float64Array;
  private delta: Float64Array;
  private weight: Float64Array;
  private wc: Float64Array;
  private ws: Float64Array;
  private order: Int32Array;
  /**
   * per position p and number of GPUs g: the most of the jobs from p on that g new share GPUs can hold
   * (a GPU's tenants × the size they share ≤ the card, each tenant's size at least its smallest), and the
   * row in use; the best Σ δ of the tenants then is at most the sum of the largest δ of that many.
   */
  private kmax: Int32Array;
  private kRow = 0;
  private kSlots = 0;
  private top: Float64Array;
  private rat: Float64Array;
  /** partBoth: each share-capable job's best term at both denominators, its job, and the two results. */
  vA: Float64Array;
  vB: Float64Array;
  shareJob: Int32Array;
  /** part / partBoth results (a typed array: storing a double there allocates nothing). */
  out = new Float64Array(2);
  /** the arguments of part / partBoth that are doubles: cost, c, λ, and the two denominators. */
  arg = new Float64Array(5);

  constructor(
    positions: number,
    jobs: readonly SearchJob[],
    gpus?: readonly GpuInfo[],
    posJob?: readonly number[],
  ) {
    this.a = [];
    this.b = [];
    this.m = [];
    this.need = [];
    this.shareA = new Float64Array(jobs.length).fill(Number.NaN);
    this.shareB = new Float64Array(jobs.length);
    this.shareS = new Float64Array(jobs.length).fill(Number.POSITIVE_INFINITY);
    this.weak = false;
    jobs.forEach((job, j) => {
      const terms: { a: number; b: number; m: number; need: number }[] = [];
      for (const o of job.options) {
        if (o.type === 2) {
          const info = gpus?.[o.gpu];
          if (!info || info.total <= 0) {
            this.weak = true;
            continue;
          }
          const a = ((Math.min(100, o.util) / 100) * 0.4 + Math.min(1, o.memMiB / info.total) * 0.3) / 0.7;
          if (!(this.shareA[j]! >= a)) this.shareA[j] = a;
          this.shareB[j] = o.compute;
          const size = info.cardGB > 0 ? info.sizes[o.sizeIdx]! / info.cardGB : 0;
          if (size < this.shareS[j]!) this.shareS[j] = size;
          continue;
        }
        terms.push({ a: o.gNum, b: o.gDen, m: o.move ? 1 : 0, need: o.move ? 0 : o.mask });
        // a class of GPU sets that holds the job's GPUs today: when one of them is taken, the same class
        // gives other GPUs, as a move
        if (o.cells && !o.move) terms.push({ a: o.gNum, b: o.gDen, m: 1, need: 0 });
      }
      // drop duplicates, then dominated terms (an always-available term with ≥ a, ≤ b, ≤ move)
      // (by value: a bucket per a, then b, move and need compared; the first of equal terms is kept)
      const unique: typeof terms = [];
      const byA = new Map<number, typeof terms>();
      for (const t of terms) {
        const bucket = byA.get(t.a);
        if (bucket === undefined) byA.set(t.a, [t]);
        else if (bucket.some((u) => u.b === t.b && u.m === t.m && u.need === t.need)) continue;
        else bucket.push(t);
        unique.push(t);
      }
      const kept = unique.filter(
        (t, i) =>
          !unique.some(
            (u, k) =>
              k !== i &&
              u.need === 0 &&
              u.a >= t.a - 1e-12 &&
              u.b <= t.b + 1e-12 &&
              u.m <= t.m &&
              (u.a > t.a + 1e-12 || u.b < t.b - 1e-12 || u.m < t.m || t.need !== 0 || k < i),
          ),
      );
      this.a.push(Float64Array.from(kept, (t) => t.a));
      this.b.push(Float64Array.from(kept, (t) => t.b));
      this.m.push(Float64Array.from(kept, (t) => t.m));
      this.need.push(Int32Array.from(kept, (t) => t.need));
    });
    this.minNS = new Float64Array(positions + 1);
    this.maxB = new Float64Array(positions + 1);
    this.anyShare = new Uint8Array(positions + 1);
    for (let p = positions - 1; p >= 0; p--) {
      const j = posJob ? posJob[p]! : p;
      const bs = this.b[j]!;
      let mn = Number.POSITIVE_INFINITY;
      for (let k = 0; k < bs.length; k++) if (bs[k]! < mn) mn = bs[k]!;
      this.minNS[p] = this.minNS[p + 1]! + mn;
      let mx = Number.isNaN(this.shareA[j]!) ? 0 : 1;
      for (let k = 0; k < bs.length; k++) if (bs[k]! > mx) mx = bs[k]!;
      this.maxB[p] = this.maxB[p + 1]! + mx;
      this.anyShare[p] = this.anyShare[p + 1]! | (Number.isNaN(this.shareA[j]!) ? 0 : 1);
    }
    this.maxN = new Float64Array(positions + 1);
    this.minN = new Float64Array(positions + 1);
    this.maxI = new Float64Array(positions + 1);
    this.minI = new Float64Array(positions + 1);
    for (let p = positions - 1; p >= 0; p--) {
      const job = jobs[posJob ? posJob[p]! : p]!;
      let mxN = 0;
      let mnN = Number.POSITIVE_INFINITY;
      let mxI = 0;
      let mnI = Number.POSITIVE_INFINITY;
      for (const o of job.options) {
        // a shared GPU adds its entries with its first tenant only (and I/O for a share only when loaded)
        const info = o.type === 0 ? null : gpus?.[o.gpu];
        const n = o.type === 0 ? o.nDen : info?.numa ? 1 : 0;
        const i = o.type === 0 ? o.iDen : info && info.width !== null ? 1 : 0;
        mxN = Math.max(mxN, n);
        mxI = Math.max(mxI, i);
        mnN = Math.min(mnN, o.type === 0 ? n : 0);
        mnI = Math.min(mnI, o.type === 0 ? i : 0);
      }
      this.maxN[p] = this.maxN[p + 1]! + mxN;
      this.maxI[p] = this.maxI[p + 1]! + mxI;
      this.minN[p] = this.minN[p + 1]! + (Number.isFinite(mnN) ? mnN : 0);
      this.minI[p] = this.minI[p + 1]! + (Number.isFinite(mnI) ? mnI : 0);
    }
    this.lam = new Float64Array((positions + 1) * 4).fill(Number.NaN);
    this.delta = new Float64Array(positions);
    this.weight = new Float64Array(positions);
    this.wc = new Float64Array(positions);
    this.ws = new Float64Array(positions);
    this.order = new Int32Array(positions);
    this.top = new Float64Array(positions + 1);
    this.rat = new Float64Array(positions);
    this.vA = new Float64Array(positions);
    this.vB = new Float64Array(positions);
    this.shareJob = new Int32Array(positions);
    this.kmax = new Int32Array((positions + 1) * (positions + 1));
    for (let p = 0; p <= positions; p++) {
      // the smallest size (in cards) of each share-capable job from p on, ascending
      const f: number[] = [];
      for (let q = p; q < positions; q++) {
        const j = posJob ? posJob[q]! : q;
        if (!Number.isNaN(this.shareA[j]!)) f.push(this.shareS[j]!);
      }
      f.sort((x, y) => x - y);
      // fewest GPUs for the m smallest: the largest first, each GPU as many as its largest allows
      // (putting the largest together is optimal: an exchange never raises a GPU's largest size)
      const row = p * (positions + 1);
      let m = 0;
      for (let g = 0; g <= positions; g++) {
        while (m < f.length && binsFor(f, m + 1) <= g) m++;
        this.kmax[row + g] = m;
      }
    }
  }

  /** Use the tenant-count limits of position p with `slots` left on the open shares. */
  useCounts(p: number, slots: number): void {
    this.kRow = p * this.top.length;
    this.kSlots = Math.max(0, slots);
  }

  /**
   * max over S of Σ_S δ − λ'·(GPUs S opens), 0 for S = ∅: if S opens n GPUs its compute is at most the room
   * left on open shares + n, so the value is at most LP(room + n) − λ'·n (a fractional knapsack), over n.
   */
  shareTerm(n: number, lam: number, open: boolean, room: number): number {
    const { delta, weight, order, rat } = this;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (delta[i]! <= 0) continue;
      // insertion by ratio δ/b, descending (b = 0 first)
      let at = cnt++;
      const ri = ratio(delta, weight, i);
      rat[i] = ri;
      while (at > 0 && rat[order[at - 1]!]! < ri) {
        order[at] = order[at - 1]!;
        at--;
      }
      order[at] = i;
    }
    if (cnt === 0) return 0;
    let best = 0;
    // walk the items once, reading LP(cap) at each cap = room + n
    let gpusOpened = open ? 0 : 1;
    let cap = (open ? room : 0) + gpusOpened;
    let used = 0;
    let value = 0;
    let k = 0;
    for (;;) {
      // fill up to cap
      let partial = 0;
      while (k < cnt) {
        const i = order[k]!;
        const w = weight[i]!;
        if (used + w <= cap + 1e-12) {
          used += w;
          value += delta[i]!;
          k++;
        } else {
          partial = (delta[i]! * (cap - used)) / w;
          break;
        }
      }
      const cardinal = Math.min(cnt, this.kmax[this.kRow + gpusOpened]! + this.kSlots);
      const v = Math.min(value + partial, this.top[cardinal]!) - lam * gpusOpened;
      if (v > best) best = v;
      if ((k >= cnt && cardinal >= cnt) || gpusOpened >= cnt) break;
      gpusOpened++;
      cap += 1;
    }
    return best;
  }

  setItem(i: number, d: number, compute: number, size: number): void {
    this.delta[i] = d;
    this.wc[i] = compute;
    this.ws[i] = size;
  }

  /**
   * The share term under the tightest of a few capacities: a GPU's tenants hold at most 1 of compute and
   * at most one card of frame buffer (tenants × the size they share ≥ Σ each one's smallest size), so any
   * mix α·compute + (1 − α)·size has capacity 1 per GPU; each α gives a valid bound.
   */
  shareTermMin(n: number, lam: number, open: boolean, roomC: number, roomS: number): number {
    // the sums of the largest positive δ (for the tenant-count limit)
    const { top, delta, order } = this;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (delta[i]! <= 0) continue;
      let at = cnt++;
      while (at > 0 && delta[order[at - 1]!]! < delta[i]!) {
        order[at] = order[at - 1]!;
        at--;
      }
      order[at] = i;
    }
    if (cnt === 0) return 0;
    top[0] = 0;
    for (let k = 0; k < cnt; k++) top[k + 1] = top[k]! + delta[order[k]!]!;
    let best = Number.POSITIVE_INFINITY;
    for (const alpha of ALPHAS) {
      for (let i = 0; i < n; i++) this.weight[i] = alpha * this.wc[i]! + (1 - alpha) * this.ws[i]!;
      const v = this.shareTerm(n, lam, open, alpha * roomC + (1 - alpha) * roomS);
      if (v < best) best = v;
      if (best <= 0) break; // the term is never below 0 (S empty)
    }
    return best;
  }
}

/** Fewest GPUs that hold the m smallest of `f` (sizes in cards, ascending): largest first, 1/size each. */
function binsFor(f: readonly number[], m: number): number {
  let bins = 0;
  for (let i = m - 1; i >= 0; ) {
    const fit = f[i]! > 0 ? Math.floor(1 / f[i]! + 1e-9) : m;
    i -= Math.max(1, fit);
    bins++;
  }
  return bins;
}

const ratio = (d: Float64Array, w: Float64Array, i: number) =>
  w[i]! > 0 ? d[i]! / w[i]! : Number.POSITIVE_INFINITY;

/** Upper bound on the score − cost × (moves still to come) of any completion from position p. */
/** Σ over the jobs still to place of their best term at (λ, D), plus the share term (X of the header). */
/** (cost, c, λ and the denominator D in sc.arg[0..3]; the result in sc.out[0]) */
function part(input: BoundInput, sc: BoundScratch, p: number): void {
  const cost = sc.arg[0]!;
  const c = sc.arg[1]!;
  const lam = sc.arg[2]!;
  const d = sc.arg[3]!;
  const { state: s, posJob } = input;
  const P = posJob.length;
  const busy = s.wholeMask | s.tenantMask;
  const scale = c / d;
  let x = scale * (s.gNum - lam * s.gDen);
  let n = 0;
  for (let q = p; q < P; q++) {
    const j = posJob[q]!;
    const as = sc.a[j]!;
    const bs = sc.b[j]!;
    const ms = sc.m[j]!;
    const need = sc.need[j]!;
    let v = -BIG;
    for (let k = 0; k < as.length; k++) {
      if (need[k]! !== 0 && (need[k]! & busy) !== 0) continue;
      const t = scale * (as[k]! - lam * bs[k]!) - cost * ms[k]!;
      if (t > v) v = t;
    }
    x += v;
    const sa = sc.shareA[j]!;
    if (!Number.isNaN(sa)) sc.setItem(n++, scale * sa - cost - v, sc.shareB[j]!, sc.shareS[j]!);
  }
  if (n > 0) {
    sc.useCounts(p, s.openSlots);
    x += sc.shareTermMin(
      n,
      scale * lam,
      s.openShares > 0,
      s.openShares - s.openCompute,
      s.openShares - s.openSize,
    );
  }
  // into scratch space, not returned: a returned double is boxed on every call
  sc.out[0] = x;
}

/** partBoth's share term at one scale (a function of its own: a closure would box partBoth's doubles). */
function sharesAt(
  input: BoundInput,
  sc: BoundScratch,
  p: number,
  n: number,
  scale: number,
  v: Float64Array,
  cost: number,
  lam: number,
): number {
  const s = input.state;
  for (let i = 0; i < n; i++) {
    const j = sc.shareJob[i]!;
    sc.setItem(i, scale * sc.shareA[j]! - cost - v[i]!, sc.shareB[j]!, sc.shareS[j]!);
  }
  sc.useCounts(p, s.openSlots);
  return sc.shareTermMin(
    n,
    scale * lam,
    s.openShares > 0,
    s.openShares - s.openCompute,
    s.openShares - s.openSize,
  );
}

/**
 * part() at two final denominators in one pass over the jobs (the same terms, the same order, so the same
 * values): at dA into sc.out[0], at dB into sc.out[1].
 */
function partBoth(input: BoundInput, sc: BoundScratch, p: number): void {
  const cost = sc.arg[0]!;
  const c = sc.arg[1]!;
  const lam = sc.arg[2]!;
  const dA = sc.arg[3]!;
  const dB = sc.arg[4]!;
  const { state: s, posJob } = input;
  const P = posJob.length;
  const busy = s.wholeMask | s.tenantMask;
  const scaleA = c / dA;
  const scaleB = c / dB;
  let xA = scaleA * (s.gNum - lam * s.gDen);
  let xB = scaleB * (s.gNum - lam * s.gDen);
  let n = 0;
  const { vA, vB, shareJob } = sc;
  for (let q = p; q < P; q++) {
    const j = posJob[q]!;
    const as = sc.a[j]!;
    const bs = sc.b[j]!;
    const ms = sc.m[j]!;
    const need = sc.need[j]!;
    let va = -BIG;
    let vb = -BIG;
    for (let k = 0; k < as.length; k++) {
      if (need[k]! !== 0 && (need[k]! & busy) !== 0) continue;
      const ta = scaleA * (as[k]! - lam * bs[k]!) - cost * ms[k]!;
      const tb = scaleB * (as[k]! - lam * bs[k]!) - cost * ms[k]!;
      if (ta > va) va = ta;
      if (tb > vb) vb = tb;
    }
    xA += va;
    xB += vb;
    if (!Number.isNaN(sc.shareA[j]!)) {
      vA[n] = va;
      vB[n] = vb;
      shareJob[n++] = j;
    }
  }
  if (n > 0) {
    xA += sharesAt(input, sc, p, n, scaleA, vA, cost, lam);
    xB += sharesAt(input, sc, p, n, scaleB, vB, cost, lam);
  }
  sc.out[0] = xA;
  sc.out[1] = xB;
}

/** UB of c·G − cost·(moves to come) at λ: G = λ + X/D, ≤ λ + X/Dmin when X > 0, ≤ λ + X/Dmax when X ≤ 0. */
function atLambda(
  input: BoundInput,
  sc: BoundScratch,
  p: number,
  cost: number,
  c: number,
  lam: number,
  dMin: number,
  dMax: number,
): number {
  // doubles go through scratch space: passed as arguments they are boxed on every call
  const arg = sc.arg;
  arg[0] = cost;
  arg[1] = c;
  arg[2] = lam;
  arg[3] = dMin;
  arg[4] = dMax;
  if (!(dMax > dMin + 1e-12)) {
    part(input, sc, p);
    return c * lam + sc.out[0]!;
  }
  partBoth(input, sc, p);
  return c * lam + Math.max(sc.out[0]!, sc.out[1]!);
}

/**
 * Upper bound on the score − cost × (moves still to come) of any completion from position p. With a
 * `target`, the search for λ may stop as soon as the bound is below it (all a pruning test needs); it
 * searches near the λ last found best at this depth unless `precise` (the reported root bound).
 */
export function ratioBound(
  input: BoundInput,
  sc: BoundScratch,
  p: number,
  cost = input.cost,
  target = Number.NEGATIVE_INFINITY,
  precise = false,
): number {
  const s = input.state;
  // NUMA and I/O move toward 1 as at most the entries the remaining jobs can add join
  const rN = sc.maxN[p]!;
  const rI = sc.maxI[p]!;
  const nMax = s.nDen + rN > 0 ? (s.nNum + rN) / (s.nDen + rN) : null;
  const iMax = s.iDen + rI > 0 ? (s.iNum + rI) / (s.iDen + rI) : null;
  const nSure = s.nDen + sc.minN[p]! > 0;
  const iSure = s.iDen + sc.minI[p]! > 0;
  const open = s.openShares > 0;
  let dMin = s.gDen + (sc.anyShare[p] ? Math.min(sc.minNS[p]!, open ? 0 : 1) : sc.minNS[p]!);
  if (!Number.isFinite(dMin)) dMin = s.gDen + 1;
  const trivialG = sc.weak || dMin <= 1e-9;
  const dMax = s.gDen + sc.maxB[p]!;

  let ub = Number.NEGATIVE_INFINITY;
  for (let withN = 0; withN < 2; withN++) {
    if (withN === 1 ? nMax === null : nSure) continue;
    for (let withI = 0; withI < 2; withI++) {
      if (withI === 1 ? iMax === null : iSure) continue;
      const w = 0.6 + (withN ? 0.2 : 0) + (withI ? 0.2 : 0);
      const c = (100 * 0.6) / w;
      const rest = (100 * ((withN ? 0.2 * nMax! : 0) + (withI ? 0.2 * iMax! : 0))) / w;
      let g = c; // G ≤ 1, and moves still to come are at least 0
      if (!trivialG && c + rest >= target) {
        const goal = target - rest;
        // warm start: the λ that was best at this depth last time (or at the parent's); one evaluation
        // often settles a pruning test
        const slot = p * 4 + withN * 2 + withI;
        let lam0 = sc.lam[slot]!;
        if (Number.isNaN(lam0)) lam0 = p > 0 && !Number.isNaN(sc.lam[slot - 4]!) ? sc.lam[slot - 4]! : 0.5;
        const f0 = atLambda(input, sc, p, cost, c, lam0, dMin, dMax);
        g = Math.min(g, f0);
        if (f0 >= goal) {
          // golden-section search near it for the λ that minimises the (convex) bound
          let lo = precise ? 0 : Math.max(0, lam0 - LAMBDA_SPAN);
          let hi = precise ? 1 : Math.min(1, lam0 + LAMBDA_SPAN);
          let x1 = hi - GOLD * (hi - lo);
          let x2 = lo + GOLD * (hi - lo);
          let f1 = atLambda(input, sc, p, cost, c, x1, dMin, dMax);
          let f2 = f1 < goal ? f1 : atLambda(input, sc, p, cost, c, x2, dMin, dMax);
          for (let it = 0; it < (precise ? 16 : LAMBDA_STEPS) && f1 >= goal && f2 >= goal; it++) {
            if (f1 <= f2) {
              hi = x2;
              x2 = x1;
              f2 = f1;
              x1 = hi - GOLD * (hi - lo);
              f1 = atLambda(input, sc, p, cost, c, x1, dMin, dMax);
            } else {
              lo = x1;
              x1 = x2;
              f1 = f2;
              x2 = lo + GOLD * (hi - lo);
              f2 = atLambda(input, sc, p, cost, c, x2, dMin, dMax);
            }
          }
          sc.lam[slot] = f1 <= f2 ? x1 : x2;
          g = Math.min(g, f1, f2);
        }
      }
      ub = Math.max(ub, g + rest);
    }
  }
  return ub;
}
