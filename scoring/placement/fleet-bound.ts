/**
 * Optimistic bounds for the fleet search's pre-filter (docs/placement.md, "Fleet"): an upper bound on a
 * host's best objective with one workload fewer or one more, without solving it.
 *
 * The engine's host score is 100 × (0.6·GPU + 0.2·NUMA + 0.2·I/O) over the assessed parts; with NUMA and
 * I/O at most 1 and GPU at most 1, every renormalisation is at most 100 × (0.6·GPU + 0.4). The GPU part is
 * the mean unit score over the GPU terms of the plan:
 * - a whole-GPU workload adds one term per GPU, each at most the unit of its per-GPU load on the host's
 *   smallest GPU (its memory share is largest there; the unit is concave, so k × the unit of the mean load
 *   bounds the sum of its k units);
 * - a single-GPU workload may share a GPU (MIG or vGPU), whose term is at most 1; counted as a term of 1;
 * so the mean is at most (Σ fixed units + shareable count) / (fixed terms + shareable count). A host with
 * GPUs kept shared today (their terms are not the workloads') or without known memory gets GPU ≤ 1.
 * Every arrival is a move: the objective loses at least MOVE_COST for each. Rounding adds at most 0.05.
 */
import type { HostSolution } from './fleet-host.ts';
import type { Arrival, Job } from './solve.ts';
import { unitScore } from './solve.ts';

/** What a host's bound is made of: sums that a workload more or less changes by its own terms. */
export interface BoundProfile {
  /** Σ of the fixed (whole multi-GPU) unit bounds, and their count. */
  fixed: number;
  fixedTerms: number;
  /** workloads on one GPU (they may share one). */
  shareable: number;
  /** arrivals (each a move). */
  arrivals: number;
  /** GPU part bounded by 1 whatever the workloads (kept shared GPUs, unknown memory). */
  open: boolean;
  /** the smallest GPU memory of the host (MiB), null when unknown. */
  minTotalMiB: number | null;
}

/** The terms of one workload: its k GPUs at a per-GPU load. */
export interface Terms {
  k: number;
  /** Σ of its unit bounds over its GPUs (whole placement), null when its load is unknown. */
  units: number | null;
}

export function termsOf(
  job: Pick<Job, 'k' | 'loads' | 'util' | 'memMiB'>,
  minTotalMiB: number | null,
): Terms {
  if (minTotalMiB === null) return { k: job.k, units: null };
  const loads =
    job.loads.length === job.k ? job.loads : Array(job.k).fill({ util: job.util, memMiB: job.memMiB });
  let units = 0;
  let known = 0;
  for (const l of loads) {
    if (l.util === null || l.memMiB === null) continue;
    units += unitScore(l.util, l.memMiB, minTotalMiB);
    known++;
  }
  // terms with an unknown load add nothing to the GPU part (the engine leaves them out)
  return { k: known, units: known > 0 ? units : null };
}

export function arrivalTerms(a: Arrival, minTotalMiB: number | null): Terms {
  return termsOf({ k: a.k, loads: [], util: a.util, memMiB: a.memMiB }, minTotalMiB);
}

/** The bound profile of a solved host (its jobs are its workloads and arrivals). */
export function boundProfile(
  sol: HostSolution,
  workloadNames: readonly string[],
  arrivalCount: number,
  minTotalMiB: number | null,
): BoundProfile {
  const p: BoundProfile = {
    fixed: 0,
    fixedTerms: 0,
    shareable: 0,
    arrivals: arrivalCount,
    open: minTotalMiB === null,
    minTotalMiB,
  };
  const jobs = sol.solved?.jobs ?? [];
  // a workload with GPUs that is not a job is kept shared today: its terms are not bounded here
  if (sol.solved && jobs.length < workloadNames.length) {
    const placed = new Set(jobs.map((j) => j.workload.name));
    if (workloadNames.some((n) => !placed.has(n))) p.open = true;
  }
  for (const j of jobs) add(p, j.k === 1 ? { k: 1, units: null } : termsOf(j, minTotalMiB), j.k === 1, 1);
  return p;
}

function add(p: BoundProfile, t: Terms, shareable: boolean, sign: 1 | -1): void {
  if (shareable) p.shareable += sign;
  else if (t.units !== null) {
    p.fixed += sign * t.units;
    p.fixedTerms += sign * t.k;
  }
}

/** The profile with a workload's terms added (sign 1) or removed (sign −1). */
export function withTerms(p: BoundProfile, t: Terms, sign: 1 | -1, arrival: 0 | 1 | -1): BoundProfile {
  const q = { ...p, arrivals: p.arrivals + arrival };
  add(q, t.k === 1 ? { k: 1, units: null } : t, t.k === 1, sign);
  return q;
}

/** Upper bound on the objective of a host with this profile. */
export function objectiveBound(p: BoundProfile, moveCost: number): number {
  const terms = p.fixedTerms + p.shareable;
  // no GPU term: the engine gives no score, and the objective is at most 0 (− MOVE_COST × moves)
  if (terms <= 0 && !p.open) return 0;
  const gpu = p.open || terms <= 0 ? 1 : Math.min(1, (p.fixed + p.shareable) / terms);
  return Math.min(100, 100 * (0.6 * gpu + 0.4)) + 0.05 - moveCost * p.arrivals;
}
