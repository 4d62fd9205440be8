/**
 * One host of a fleet, solved: the unit of work of fleet placement (docs/placement.md, "Fleet"). It is a pure
 * function of plain data — the host's snapshot (with the workloads the fleet plan gives it), the placement
 * options and the workloads arriving from other hosts — to plain data (`HostSolution`, no class instances,
 * no functions, an infeasible host as a message rather than a thrown error), so the same call runs in this
 * thread, in a worker thread (jobs/placement/pool.ts) or as a BullMQ job on another machine: the payload is
 * `{ snapshot, options, arrivals }`, the result is the `HostSolution`, both survive `structuredClone` and JSON.
 */
import { buildContext } from '../context.ts';
import type { Snapshot } from '../snapshot.ts';
import {
  type Arrival,
  buildJobs,
  hostOptions,
  type Job,
  PlacementError,
  type PlacementOptions,
  type Solution,
  solve,
} from './solve.ts';

export interface HostSolution {
  /** the exact host solution (reused by planHost), null when the host has nothing to place. */
  solved: { jobs: Job[]; solution: Solution } | null;
  score: number | null;
  objective: number;
  moves: number;
  /** GPUs the plan leaves free. */
  free: number;
  /** the PlacementError's message when the host cannot hold these workloads, else null. */
  infeasible: string | null;
}

/** The options a host solve needs from the fleet's (what a worker or a queued job is given). */
export type HostSolveOptions = Pick<PlacementOptions, 'pin' | 'reserve' | 'moveCost' | 'nodeBudget'>;

export const indexedGpus = (s: Snapshot) => s.gpus.filter((g) => g.index !== null).length;

/** Solve one host exactly with its workloads and its arrivals (see the header). */
export function solveHost(
  snapshot: Snapshot,
  options: HostSolveOptions,
  arrivals: Readonly<Record<string, Arrival>>,
): HostSolution {
  const gpuCount = indexedGpus(snapshot);
  if (!snapshot.workloads.some((w) => w.gpus.length > 0 || arrivals[w.name]))
    return { solved: null, score: null, objective: 0, moves: 0, free: gpuCount, infeasible: null };
  const opts: PlacementOptions = { ...options, arrivals };
  try {
    const ctx = buildContext(snapshot);
    const jobs = buildJobs(ctx, hostOptions(snapshot, opts));
    const sol = solve(ctx, jobs, opts);
    const used = new Set<number>();
    for (const c of sol.choices) for (const i of c.type === 'whole' ? c.gpus : [c.gpu]) used.add(i);
    return {
      solved: { jobs, solution: sol },
      score: sol.score,
      objective: sol.objective,
      moves: sol.moves,
      free: gpuCount - used.size,
      infeasible: null,
    };
  } catch (e) {
    if (!(e instanceof PlacementError)) throw e;
    return { solved: null, score: null, objective: 0, moves: 0, free: 0, infeasible: e.message };
  }
}

/** A solve request as plain data: what a worker thread or a BullMQ job receives. */
export interface HostSolveTask {
  snapshot: Snapshot;
  options: HostSolveOptions;
  arrivals: Record<string, Arrival>;
}

export const runHostSolveTask = (t: HostSolveTask): HostSolution =>
  solveHost(t.snapshot, t.options, t.arrivals);

/** The fleet options a host solve uses (arrivals are per host). */
export function hostSolveOptions(options: PlacementOptions): HostSolveOptions {
  const out: HostSolveOptions = {};
  if (options.pin !== undefined) out.pin = options.pin;
  if (options.reserve !== undefined) out.reserve = options.reserve;
  if (options.moveCost !== undefined) out.moveCost = options.moveCost;
  if (options.nodeBudget !== undefined) out.nodeBudget = options.nodeBudget;
  return out;
}
