/**
 * Fleet placement (docs/placement.md). Each host is first solved exactly with its own workloads. Then a
 * local search looks for cross-host moves: in fleets of up to 8 hosts every workload is offered to every
 * other host; in larger fleets only a distributed workload its host cannot give its best ring, and only to
 * hosts with free GPUs. Both hosts are re-solved exactly; the best improving move is taken, and the search
 * repeats (at most 8 rounds) until none improves.
 *
 * Fleet objective: the mean of the host objectives (score − MOVE_COST × moves) weighted by each host's GPU
 * count; a workload moved to another host is a move there (it has no GPUs on that host yet). The report gives the gap to an upper bound: every host scoring as if
 * all its allocated capacity reached the best unit score any workload of the fleet reaches, with perfect
 * NUMA and I/O, and no move cost.
 */
import { buildContext } from '../context.ts';
import { round } from '../findings.ts';
import type { Snapshot, Workload } from '../snapshot.ts';
import {
  type Arrival,
  buildJobs,
  hostOptions,
  type Job,
  PlacementError,
  type PlacementOptions,
  type Solution,
  solve,
  unitScore,
} from './solve.ts';

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
}

interface HostState {
  snapshot: Snapshot;
  /** workloads moved here from other hosts. */
  arrivals: Record<string, Arrival>;
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
  if (!snapshot.workloads.some((w) => w.gpus.length > 0 || options.arrivals?.[w.name]))
    return {
      snapshot,
      arrivals: options.arrivals ?? {},
      solved: null,
      score: null,
      objective: 0,
      moves: 0,
      free: gpuCount,
    };
  const jobs = buildJobs(ctx, hostOptions(snapshot, options));
  const sol = solve(ctx, jobs, options);
  const used = new Set<number>();
  for (const c of sol.choices) for (const i of c.type === 'whole' ? c.gpus : [c.gpu]) used.add(i);
  return {
    snapshot,
    arrivals: { ...(options.arrivals ?? {}) },
    solved: { jobs, solution: sol },
    score: sol.score,
    objective: sol.objective,
    moves: sol.moves,
    free: gpuCount - used.size,
  };
}

const gpusOf = (s: Snapshot) => s.gpus.filter((g) => g.index !== null).length;

function fleetObjective(states: readonly HostState[]): number {
  const w = states.reduce((a, s) => a + gpusOf(s.snapshot), 0);
  if (w === 0) return 0;
  return states.reduce((a, s) => a + s.objective * gpusOf(s.snapshot), 0) / w;
}

/** What `w` brings to another host: its GPU count and its per-GPU load on its current host. */
export function arrivalOf(source: Snapshot, w: Workload): Arrival {
  const ctx = buildContext(source);
  const job = buildJobs(ctx).find((j) => j.workload.name === w.name);
  return { k: w.gpus.length, util: job?.util ?? null, memMiB: job?.memMiB ?? null, need: job?.need ?? null };
}

/** `w` arriving on `target`: it holds no GPU there yet, so any placement counts as a move. */
export function withWorkload(target: Snapshot, w: Workload): Snapshot {
  const s = structuredClone(target);
  s.workloads.push({
    ...structuredClone(w),
    gpus: [],
    cpus: null,
    vm: w.vm ? { ...structuredClone(w.vm), affinity: null } : null,
  });
  return s;
}

export function withoutWorkload(source: Snapshot, name: string): Snapshot {
  const s = structuredClone(source);
  s.workloads = s.workloads.filter((w) => w.name !== name);
  return s;
}

export function planFleet(
  snapshots: readonly Snapshot[],
  options: PlacementOptions = {},
  maxRounds = 8,
): FleetPlan {
  let states = snapshots.map((s) => solveHost(s, options));
  const migrations: FleetPlan['migrations'] = [];
  // small fleets: every workload is offered to every host; large ones: only workloads their host cannot
  // place well, and only to hosts with room
  const thorough = states.length <= 8;
  for (let round = 0; round < maxRounds && states.length > 1; round++) {
    let best: { objective: number; states: HostState[]; move: FleetPlan['migrations'][number] } | null = null;
    const current = fleetObjective(states);
    for (let a = 0; a < states.length; a++) {
      const src = states[a]!;
      // candidates: workloads the host cannot place well on its own
      const plan = buildContext(src.snapshot);
      for (const w of src.snapshot.workloads) {
        if (w.gpus.length === 0 || src.arrivals[w.name] || (options.pin ?? []).includes(w.name)) continue;
        const needy =
          w.distributed &&
          w.gpus.length > 1 &&
          (plan.ringGBs(w.gpus) ?? 0) < (plan.bestRingGBsFor(w.gpus.length) ?? 0) - 1e-9 &&
          src.free < w.gpus.length;
        if (!thorough && !needy) continue;
        for (let b = 0; b < states.length; b++) {
          if (b === a || (!thorough && states[b]!.free < w.gpus.length)) continue;
          const arrival = src.arrivals[w.name] ?? arrivalOf(src.snapshot, w);
          const srcArrivals = { ...src.arrivals };
          delete srcArrivals[w.name];
          let nextA: HostState;
          let nextB: HostState;
          try {
            nextA = solveHost(withoutWorkload(src.snapshot, w.name), { ...options, arrivals: srcArrivals });
            nextB = solveHost(withWorkload(states[b]!.snapshot, w), {
              ...options,
              arrivals: { ...states[b]!.arrivals, [w.name]: arrival },
            });
          } catch (e) {
            if (e instanceof PlacementError) continue; // it does not fit there
            throw e;
          }
          const next = states.map((s, i) => (i === a ? nextA : i === b ? nextB : s));
          const objective = fleetObjective(next);
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
  const objective = fleetObjective(states);
  const bound = fleetBound(snapshots);
  return {
    hosts: states.map((s) => ({
      host: s.snapshot.host,
      snapshot: s.snapshot,
      solved: s.solved,
      arrivals: s.arrivals,
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
