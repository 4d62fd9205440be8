/**
 * Fleet placement (docs/placement.md). Each host is first solved exactly with its own workloads. Then a
 * heuristic looks for cross-host moves: a workload whose host plan still leaves it on a split, cross-socket
 * or NUMA-mismatched placement is offered to every other host with enough free GPUs (that host re-solved
 * exactly with it added); the best improving move is taken, and the search repeats until none improves.
 *
 * Fleet objective: the mean of the host scores weighted by each host's GPU count, minus MOVE_COST per move
 * (a cross-host move counts as one). The report gives the gap to an upper bound: every host scoring as if
 * all its allocated capacity reached the best unit score any workload of the fleet reaches, with perfect
 * NUMA and I/O, and no move cost.
 */
import { buildContext } from '../context.ts';
import { round } from '../findings.ts';
import type { Snapshot, Workload } from '../snapshot.ts';
import { buildJobs, type Job, type PlacementOptions, type Solution, solve, unitScore } from './solve.ts';

export interface FleetPlan {
  /** the snapshots as the plan leaves them assigned (workloads possibly moved between hosts). */
  hosts: {
    host: string | null;
    snapshot: Snapshot;
    solved: { jobs: Job[]; solution: Solution } | null;
    score: number | null;
    objective: number;
    moves: number;
  }[];
  migrations: { workload: string; from: string | null; to: string | null }[];
  objective: number;
  bound: number;
  gap: number;
}

interface HostState {
  snapshot: Snapshot;
  /** the exact host solution, reused by planHost. */
  solved: { jobs: Job[]; solution: Solution } | null;
  score: number | null;
  objective: number;
  moves: number;
  free: number;
}

function solveHost(snapshot: Snapshot, options: PlacementOptions): HostState {
  const ctx = buildContext(snapshot);
  const gpuCount = snapshot.gpus.filter((g) => g.index !== null).length;
  if (!snapshot.workloads.some((w) => w.gpus.length > 0))
    return { snapshot, solved: null, score: null, objective: 0, moves: 0, free: gpuCount };
  const jobs = buildJobs(ctx, options);
  const sol = solve(ctx, jobs, options);
  const used = new Set<number>();
  for (const c of sol.choices) for (const i of c.type === 'whole' ? c.gpus : [c.gpu]) used.add(i);
  return {
    snapshot,
    solved: { jobs, solution: sol },
    score: sol.score,
    objective: sol.objective,
    moves: sol.moves,
    free: gpuCount - used.size,
  };
}

const gpusOf = (s: Snapshot) => s.gpus.filter((g) => g.index !== null).length;

function fleetObjective(states: readonly HostState[], migrations: number, cost: number): number {
  const w = states.reduce((a, s) => a + gpusOf(s.snapshot), 0);
  if (w === 0) return 0;
  const score = states.reduce((a, s) => a + (s.score ?? 0) * gpusOf(s.snapshot), 0) / w;
  const moves = states.reduce((a, s) => a + s.moves, 0) + migrations;
  return score - cost * moves;
}

/** `w` arriving on `target`: it has no current GPUs there, so any placement counts as a move. */
function withWorkload(target: Snapshot, w: Workload): Snapshot {
  const s = structuredClone(target);
  const free = s.gpus.filter((g) => g.index !== null && !s.workloads.some((x) => x.gpus.includes(g.index!)));
  const arrival: Workload = {
    ...structuredClone(w),
    gpus: free.slice(0, w.gpus.length).map((g) => g.index!),
    cpus: null,
    vm: w.vm ? { ...structuredClone(w.vm), affinity: null } : null,
  };
  s.workloads.push(arrival);
  return s;
}

function withoutWorkload(source: Snapshot, name: string): Snapshot {
  const s = structuredClone(source);
  s.workloads = s.workloads.filter((w) => w.name !== name);
  return s;
}

export function planFleet(
  snapshots: readonly Snapshot[],
  options: PlacementOptions = {},
  maxRounds = 8,
): FleetPlan {
  const cost = options.moveCost ?? 0.5;
  let states = snapshots.map((s) => solveHost(s, options));
  const migrations: FleetPlan['migrations'] = [];
  for (let round = 0; round < maxRounds && states.length > 1; round++) {
    let best: { objective: number; states: HostState[]; move: FleetPlan['migrations'][number] } | null = null;
    const current = fleetObjective(states, migrations.length, cost);
    for (let a = 0; a < states.length; a++) {
      const src = states[a]!;
      // candidates: workloads the host cannot place well on its own
      const plan = buildContext(src.snapshot);
      for (const w of src.snapshot.workloads) {
        if (w.gpus.length === 0 || (options.pin ?? []).includes(w.name)) continue;
        const needy =
          w.distributed &&
          w.gpus.length > 1 &&
          (plan.ringGBs(w.gpus) ?? 0) < (plan.bestRingGBsFor(w.gpus.length) ?? 0) - 1e-9 &&
          src.free < w.gpus.length;
        if (!needy) continue;
        for (let b = 0; b < states.length; b++) {
          if (b === a || states[b]!.free < w.gpus.length) continue;
          const nextA = solveHost(withoutWorkload(src.snapshot, w.name), options);
          const nextB = solveHost(withWorkload(states[b]!.snapshot, w), options);
          const next = states.map((s, i) => (i === a ? nextA : i === b ? nextB : s));
          const objective = fleetObjective(next, migrations.length + 1, cost);
          if (objective > current + 1e-9 && (best === null || objective > best.objective))
            best = {
              objective,
              states: next,
              move: { workload: w.name, from: src.snapshot.host, to: states[b]!.snapshot.host },
            };
        }
      }
    }
    if (!best) break;
    states = best.states;
    migrations.push(best.move);
  }
  const objective = fleetObjective(states, migrations.length, cost);
  const bound = fleetBound(snapshots);
  return {
    hosts: states.map((s) => ({
      host: s.snapshot.host,
      snapshot: s.snapshot,
      solved: s.solved,
      score: s.score,
      objective: s.objective,
      moves: s.moves,
    })),
    migrations,
    objective: round(objective, 2),
    bound: round(bound, 2),
    gap: round(Math.max(0, bound - objective), 2),
  };
}

/**
 * Upper bound on the fleet objective (see the header): no placement can beat it. A whole-GPU workload
 * keeps its utilisation and memory per GPU wherever it goes, so its unit score is fixed; a single-GPU
 * inference workload may share a GPU, whose unit can reach 1.
 */
export function fleetBound(snapshots: readonly Snapshot[]): number {
  let best = 0;
  for (const s of snapshots)
    for (const w of s.workloads) {
      if (w.kind === 'inference' && w.gpus.length === 1) {
        best = 1;
        continue;
      }
      for (const i of w.gpus) {
        const g = s.gpus.find((x) => x.index === i);
        const u = g?.utilization.gpuPct;
        const m = g?.memory.usedMiB;
        if (u == null || m == null || !g?.memory.totalMiB) {
          best = 1;
          continue;
        }
        best = Math.max(best, unitScore(u, m, g.memory.totalMiB));
      }
    }
  return 100 * (0.6 * best + 0.2 + 0.2);
}
