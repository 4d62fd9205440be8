/**
 * Fleet placement (docs/placement.md, "Fleet"). Each host is first solved exactly with its own workloads
 * (fleet-host.ts: a pure, serialisable unit, so the solves can run in worker threads — jobs/placement/pool.ts
 * — or as queued jobs on other machines and be handed in as `initial`). Then a local search looks for
 * cross-host moves: in fleets of up to 8 hosts every workload is offered to every other host; in larger
 * fleets only a distributed workload whose host plan cannot give it its best ring, and only to the
 * TARGETS_PER_WORKLOAD hosts with free GPUs for it that have the best bound. Each round ranks the candidates by an optimistic bound on the gain they can reach (fleet-bound.ts)
 * and evaluates them exactly in that order until the next bound cannot beat the best improving move found;
 * the best move is taken, and the search repeats (at most 8 rounds) until none improves. Host solutions are
 * cached by (host, its set of workloads): a host is re-solved only when a move gives it a workload set it
 * has not had, so a round after a move re-solves only candidates that touch the two hosts the move changed.
 * The number of host solves is capped by a count (never the clock); the plan says when the cap was reached.
 *
 * Fleet objective: the mean of the host objectives (score − MOVE_COST × moves) weighted by each host's GPU
 * count; a workload moved to another host is a move there (it has no GPUs on that host yet). The report
 * gives the gap to an upper bound: every host scoring as if all its allocated capacity reached the best unit
 * score any workload of the fleet reaches, with perfect NUMA and I/O, and no move cost.
 */
import { buildContext, type HostContext } from '../context.ts';
import { round } from '../findings.ts';
import type { Snapshot, Workload } from '../snapshot.ts';
import {
  arrivalTerms,
  type BoundProfile,
  boundProfile,
  objectiveBound,
  type Terms,
  termsOf,
  withTerms,
} from './fleet-bound.ts';
import {
  type HostSolution,
  type HostSolveTask,
  hostSolveOptions,
  indexedGpus,
  solveHost,
} from './fleet-host.ts';
import {
  type Arrival,
  buildJobs,
  type Job,
  MOVE_COST,
  PlacementError,
  type PlacementOptions,
  type Solution,
  unitScore,
} from './solve.ts';

export type { HostSolution, HostSolveTask } from './fleet-host.ts';

/** Fleets up to this many hosts offer every workload to every host. */
export const THOROUGH_HOSTS = 8;

export interface FleetSearchOptions {
  /** rounds of the local search (one move each); default 8. */
  maxRounds?: number;
  /**
   * the host solutions of the snapshots as they are (one per snapshot, in order), computed elsewhere — a
   * worker pool or queued jobs (`hostSolveTasks`); without them they are solved here.
   */
  initial?: readonly HostSolution[];
  /** host solves the cross-host search may run after the initial ones (default `searchBudget`). */
  solveBudget?: number;
}

export interface FleetSearchStats {
  /** host solves run by this call: the initial ones (0 when handed in) and the search's. */
  solves: number;
  /** of which the initial solves of the hosts as they are. */
  initialSolves: number;
  /** host solutions the search took from its cache instead of solving. */
  cacheHits: number;
  /** candidate moves considered, evaluated exactly, and left out by their bound. */
  candidates: number;
  evaluated: number;
  pruned: number;
  rounds: number;
  /** the cap on the search's solves, and whether it stopped the search. */
  budget: number;
  budgetReached: boolean;
}

export interface FleetPlan {
  /** the snapshots as the plan leaves them assigned (workloads possibly moved between hosts). */
  hosts: {
    host: string | null;
    snapshot: Snapshot;
    solved: { jobs: Job[]; solution: Solution } | null;
    arrivals: Record<string, Arrival>;
    score: number | null;
    objective: number;
    moves: number;
  }[];
  migrations: { workload: string; from: string | null; to: string | null }[];
  objective: number;
  bound: number;
  gap: number;
  search: FleetSearchStats;
  /** what the reader should know about the search (its cap reached). */
  notes: string[];
}

/** The default cap on the search's host solves: a count, so the same fleet gives the same plan anywhere. */
export function searchBudget(hosts: number): number {
  return hosts <= THOROUGH_HOSTS ? 32 + 8 * hosts : 32 + Math.ceil(hosts / 2);
}

/** In fleets past THOROUGH_HOSTS, the targets offered each candidate workload: the best by their bound. */
export const TARGETS_PER_WORKLOAD = 4;

/** What `w` brings to another host: its GPU count and its per-GPU load on its current host. */
export function arrivalOf(source: Snapshot, w: Workload): Arrival {
  const ctx = buildContext(source);
  const job = buildJobs(ctx).find((j) => j.workload.name === w.name);
  return { k: w.gpus.length, util: job?.util ?? null, memMiB: job?.memMiB ?? null, need: job?.need ?? null };
}

/** `w` arriving on `target`: it holds no GPU there yet, so any placement counts as a move. Shallow. */
export function withWorkload(target: Snapshot, w: Workload): Snapshot {
  return {
    ...target,
    workloads: [
      ...target.workloads,
      { ...w, gpus: [], cpus: null, vm: w.vm ? { ...w.vm, affinity: null } : null },
    ],
  };
}

/** `source` without the workload `name`. Shallow. */
export function withoutWorkload(source: Snapshot, name: string): Snapshot {
  return { ...source, workloads: source.workloads.filter((w) => w.name !== name) };
}

/** The initial solve of each host as a plain task (for a worker pool or a queue). */
export function hostSolveTasks(
  snapshots: readonly Snapshot[],
  options: PlacementOptions = {},
): HostSolveTask[] {
  const opts = hostSolveOptions(options);
  return snapshots.map((snapshot) => ({ snapshot, options: opts, arrivals: {} }));
}

interface HostState {
  snapshot: Snapshot;
  arrivals: Record<string, Arrival>;
  sol: HostSolution;
  key: string;
  gpus: number;
  minTotalMiB: number | null;
  profile: BoundProfile;
  ctx?: HostContext;
}

function minTotalOf(s: Snapshot): number | null {
  let min: number | null = null;
  for (const g of s.gpus) {
    if (g.index === null) continue;
    const t = g.memory.totalMiB;
    if (t === null || t <= 0) return null;
    min = min === null ? t : Math.min(min, t);
  }
  return min;
}

const keyOf = (h: number, s: Snapshot) =>
  `${h}\u0000${s.workloads
    .map((w) => w.name)
    .sort()
    .join('\u0001')}`;

function stateOf(
  h: number,
  snapshot: Snapshot,
  arrivals: Record<string, Arrival>,
  sol: HostSolution,
): HostState {
  const minTotalMiB = minTotalOf(snapshot);
  const names = snapshot.workloads.filter((w) => w.gpus.length > 0 || arrivals[w.name]).map((w) => w.name);
  return {
    snapshot,
    arrivals,
    sol,
    key: keyOf(h, snapshot),
    gpus: indexedGpus(snapshot),
    minTotalMiB,
    profile: boundProfile(sol, names, Object.keys(arrivals).length, minTotalMiB),
  };
}

export function planFleet(
  snapshots: readonly Snapshot[],
  options: PlacementOptions = {},
  search: FleetSearchOptions = {},
): FleetPlan {
  const maxRounds = search.maxRounds ?? 8;
  const budget = search.solveBudget ?? searchBudget(snapshots.length);
  const cost = options.moveCost ?? MOVE_COST;
  const hostOpts = hostSolveOptions(options);
  const stats: FleetSearchStats = {
    solves: 0,
    initialSolves: 0,
    cacheHits: 0,
    candidates: 0,
    evaluated: 0,
    pruned: 0,
    rounds: 0,
    budget,
    budgetReached: false,
  };
  if (search.initial && search.initial.length !== snapshots.length)
    throw new Error('planFleet: one initial host solution per snapshot');
  const cache = new Map<string, HostSolution>();
  let states = snapshots.map((s, h) => {
    let sol = search.initial?.[h];
    if (!sol) {
      sol = solveHost(s, hostOpts, {});
      stats.solves++;
      stats.initialSolves++;
    }
    if (sol.infeasible !== null) throw new PlacementError(sol.infeasible);
    const st = stateOf(h, s, {}, sol);
    cache.set(st.key, sol);
    return st;
  });
  // what each workload brings to another host, from its home host's jobs
  const arrivalsByName = new Map<string, Arrival>();
  const termsAtHome = new Map<string, Terms>();
  states.forEach((st) => {
    for (const j of st.sol.solved?.jobs ?? []) termsAtHome.set(j.workload.name, termsOf(j, st.minTotalMiB));
  });
  const arrivalFor = (st: HostState, w: Workload): Arrival => {
    let a = arrivalsByName.get(w.name);
    if (!a) {
      const job = st.sol.solved?.jobs.find((j) => j.workload.name === w.name && !st.arrivals[w.name]);
      a = job
        ? { k: w.gpus.length, util: job.util, memMiB: job.memMiB, need: job.need }
        : arrivalOf(st.snapshot, w);
      arrivalsByName.set(w.name, a);
    }
    return a;
  };
  /** the solution of host h with this snapshot and arrivals: from the cache, else solved (null: over budget). */
  const solutionOf = (
    h: number,
    snapshot: Snapshot,
    arrivals: Record<string, Arrival>,
  ): HostSolution | null => {
    const key = keyOf(h, snapshot);
    const hit = cache.get(key);
    if (hit) {
      stats.cacheHits++;
      return hit;
    }
    if (stats.solves - stats.initialSolves >= budget) {
      stats.budgetReached = true;
      return null;
    }
    stats.solves++;
    const sol = solveHost(snapshot, hostOpts, arrivals);
    cache.set(key, sol);
    return sol;
  };

  const migrations: FleetPlan['migrations'] = [];
  const totalGpus = states.reduce((a, s) => a + s.gpus, 0);
  const thorough = states.length <= THOROUGH_HOSTS;
  const pins = new Set(options.pin ?? []);
  const eps = 1e-9 * Math.max(1, totalGpus);
  for (let r = 0; r < maxRounds && states.length > 1 && !stats.budgetReached; r++) {
    stats.rounds++;
    type Candidate = { a: number; w: Workload; wi: number; b: number; gain: number; tgtUB: number };
    const candidates: Candidate[] = [];
    for (let a = 0; a < states.length; a++) {
      const src = states[a]!;
      src.snapshot.workloads.forEach((w, wi) => {
        if (w.gpus.length === 0 || src.arrivals[w.name] || pins.has(w.name)) return;
        if (!thorough) {
          // only workloads the host cannot place well on its own
          // (a distributed one whose planned GPUs give it a slower ring than the host's best for its size)
          if (!w.distributed || w.gpus.length < 2 || src.sol.free >= w.gpus.length) return;
          const jobs = src.sol.solved?.jobs ?? [];
          const j = jobs.findIndex((x) => x.workload.name === w.name);
          const choice = j < 0 ? undefined : src.sol.solved?.solution.choices[j];
          const planned = choice?.type === 'whole' ? choice.gpus : w.gpus;
          src.ctx ??= buildContext(src.snapshot);
          if ((src.ctx.ringGBs(planned) ?? 0) >= (src.ctx.bestRingGBsFor(w.gpus.length) ?? 0) - 1e-9) return;
        }
        const arrival = arrivalFor(src, w);
        const home = termsAtHome.get(w.name) ?? { k: w.gpus.length, units: null };
        const srcUB = objectiveBound(withTerms(src.profile, home, -1, 0), cost);
        const srcGain = (srcUB - src.sol.objective) * src.gpus;
        const mine: Candidate[] = [];
        for (let b = 0; b < states.length; b++) {
          if (b === a) continue;
          const tgt = states[b]!;
          if (!thorough && tgt.sol.free < w.gpus.length) continue;
          stats.candidates++;
          const tgtUB = objectiveBound(
            withTerms(tgt.profile, arrivalTerms(arrival, tgt.minTotalMiB), 1, 1),
            cost,
          );
          const gain = srcGain + (tgtUB - tgt.sol.objective) * tgt.gpus;
          if (gain <= eps) {
            stats.pruned++;
            continue;
          }
          mine.push({ a, w, wi, b, gain, tgtUB });
        }
        if (!thorough && mine.length > TARGETS_PER_WORKLOAD) {
          mine.sort((x, y) => y.gain - x.gain || x.b - y.b);
          stats.pruned += mine.length - TARGETS_PER_WORKLOAD;
          mine.length = TARGETS_PER_WORKLOAD;
        }
        candidates.push(...mine);
      });
    }
    candidates.sort((x, y) => y.gain - x.gain || x.a - y.a || x.wi - y.wi || x.b - y.b);
    let best: { gain: number; a: number; b: number; w: Workload; src: HostState; tgt: HostState } | null =
      null;
    let bestGain = eps;
    for (let c = 0; c < candidates.length; c++) {
      const cand = candidates[c]!;
      if (cand.gain <= bestGain) {
        stats.pruned += candidates.length - c;
        break;
      }
      const src = states[cand.a]!;
      const tgt = states[cand.b]!;
      const srcSnap = withoutWorkload(src.snapshot, cand.w.name);
      const srcSol = solutionOf(cand.a, srcSnap, src.arrivals);
      if (!srcSol) break;
      stats.evaluated++;
      if (srcSol.infeasible !== null) continue;
      const srcGain = (srcSol.objective - src.sol.objective) * src.gpus;
      if (srcGain + (cand.tgtUB - tgt.sol.objective) * tgt.gpus <= bestGain) continue;
      const tgtSnap = withWorkload(tgt.snapshot, cand.w);
      const tgtArrivals = { ...tgt.arrivals, [cand.w.name]: arrivalFor(src, cand.w) };
      const tgtSol = solutionOf(cand.b, tgtSnap, tgtArrivals);
      if (!tgtSol) break;
      if (tgtSol.infeasible !== null) continue; // it does not fit there
      const gain = srcGain + (tgtSol.objective - tgt.sol.objective) * tgt.gpus;
      if (gain > bestGain) {
        bestGain = gain;
        best = {
          gain,
          a: cand.a,
          b: cand.b,
          w: cand.w,
          src: stateOf(cand.a, srcSnap, src.arrivals, srcSol),
          tgt: stateOf(cand.b, tgtSnap, tgtArrivals, tgtSol),
        };
      }
    }
    if (!best) break;
    const move = best;
    states = states.map((s, i) => (i === move.a ? move.src : i === move.b ? move.tgt : s));
    migrations.push({ workload: move.w.name, from: snapshots[move.a]!.host, to: snapshots[move.b]!.host });
  }
  const objective =
    totalGpus === 0 ? 0 : states.reduce((a, s) => a + s.sol.objective * s.gpus, 0) / totalGpus;
  const bound = fleetBound(snapshots);
  const notes: string[] = [];
  if (stats.budgetReached)
    notes.push(
      `the fleet search stopped at its cap of ${budget.toLocaleString('en-US')} host solves: this is the best plan found (objective ${round(objective, 2)}, upper bound ${round(bound, 2)})`,
    );
  return {
    hosts: states.map((s) => ({
      host: s.snapshot.host,
      snapshot: s.snapshot,
      solved: s.sol.solved,
      arrivals: s.arrivals,
      score: s.sol.score,
      objective: s.sol.objective,
      moves: s.sol.moves,
    })),
    migrations,
    objective: round(objective, 2),
    bound: round(bound, 2),
    gap: round(Math.max(0, bound - objective), 2),
    search: stats,
    notes,
  };
}

/**
 * Upper bound on the fleet objective (see the header): no placement can beat it. A whole-GPU workload
 * keeps its utilisation and memory per GPU wherever it goes, but on a smaller GPU of the fleet (one that
 * still holds it) its memory share, hence its unit score, is larger: its unit is bounded with its largest
 * per-GPU load on the smallest such GPU. A single-GPU inference workload may share a GPU, whose unit can
 * reach 1.
 */
export function fleetBound(snapshots: readonly Snapshot[]): number {
  // the best unit any workload of the fleet can reach bounds every host's GPU part
  const totals = snapshots
    .flatMap((s) => s.gpus.map((g) => g.memory.totalMiB))
    .filter((t): t is number => t !== null && t > 0);
  let best = 0;
  for (const s of snapshots)
    for (const w of s.workloads) {
      if (w.kind === 'inference' && w.gpus.length === 1) {
        best = 1;
        continue;
      }
      const gs = w.gpus.map((i) => s.gpus.find((x) => x.index === i));
      const us = gs.map((g) => g?.utilization.gpuPct ?? null);
      const ms = gs.map((g) => g?.memory.usedMiB ?? null);
      if (gs.length === 0 || us.some((u) => u === null) || ms.some((m) => m === null)) {
        if (gs.length > 0) best = 1;
        continue;
      }
      const u = Math.max(...(us as number[]));
      const m = Math.max(...(ms as number[]));
      // the least memory a GPU must have to be offered to it (buildJobs: declared, else its use today)
      const need =
        w.memoryGiB !== null ? w.memoryGiB * 1024 : (ms as number[]).reduce((a, b) => a + b, 0) / ms.length;
      const fitting = totals.filter((t) => t >= need);
      if (fitting.length === 0) continue;
      best = Math.max(best, unitScore(u, m, Math.min(...fitting)));
    }
  return 100 * (0.6 * best + 0.2 + 0.2);
}
