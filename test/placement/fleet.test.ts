/**
 * Fleet placement is a heuristic (cross-host moves); it is checked against exhaustive search on small
 * fleets: every assignment of workloads to hosts, each host then solved exactly.
 */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../scoring/context.ts';
import {
  arrivalOf,
  fleetBound,
  planFleet,
  withoutWorkload,
  withWorkload,
} from '../../scoring/placement/fleet.ts';
import { type Arrival, buildJobs, solve } from '../../scoring/placement/solve.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { randomHost } from '../helpers/random-host.ts';

const gpusOf = (s: Snapshot) => s.gpus.length;

function hostObjective(s: Snapshot, arrivals: Record<string, Arrival>): number {
  const ctx = buildContext(s);
  if (!s.workloads.some((w) => w.gpus.length > 0 || arrivals[w.name])) return 0;
  return solve(ctx, buildJobs(ctx, { arrivals }), { arrivals }).objective;
}

/** Best fleet objective over every assignment of workloads to hosts (each host solved exactly). */
function exhaustive(hosts: Snapshot[]): number {
  const all = hosts.flatMap((h, i) => h.workloads.map((w) => ({ w, home: i, arrival: arrivalOf(h, w) })));
  let best = -Infinity;
  const total = hosts.reduce((a, h) => a + gpusOf(h), 0);
  type State = { snapshot: Snapshot; arrivals: Record<string, Arrival> };
  const rec = (k: number, assigned: State[]) => {
    if (k === all.length) {
      try {
        const v =
          assigned.reduce((a, h) => a + hostObjective(h.snapshot, h.arrivals) * gpusOf(h.snapshot), 0) /
          total;
        best = Math.max(best, v);
      } catch {
        // more GPUs wanted than a host has: infeasible
      }
      return;
    }
    const { w, home, arrival } = all[k]!;
    for (let t = 0; t < assigned.length; t++) {
      if (t === home) rec(k + 1, assigned);
      else
        rec(
          k + 1,
          assigned.map((h, i) =>
            i === home
              ? { ...h, snapshot: withoutWorkload(h.snapshot, w.name) }
              : i === t
                ? { snapshot: withWorkload(h.snapshot, w), arrivals: { ...h.arrivals, [w.name]: arrival } }
                : h,
          ),
        );
    }
  };
  rec(
    0,
    hosts.map((snapshot) => ({ snapshot, arrivals: {} })),
  );
  return best;
}

describe('fleet placement vs exhaustive search', () => {
  it('never beats the optimum, never exceeds its bound, and reports a gap that covers the distance to the optimum', () => {
    let equal = 0;
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const a = randomHost(seed * 2);
      const b = randomHost(seed * 2 + 1);
      b.host = 'other';
      b.workloads = b.workloads.map((w) => ({ ...w, name: `b-${w.name}` }));
      const plan = planFleet([a, b]);
      const opt = exhaustive([a, b]);
      expect(plan.objective, `seed ${seed}`).toBeLessThanOrEqual(opt + 0.01);
      expect(opt, `seed ${seed}`).toBeLessThanOrEqual(fleetBound([a, b]) + 0.01);
      expect(plan.objective + plan.gap, `seed ${seed}`).toBeGreaterThanOrEqual(opt - 0.01);
      compared++;
      if (Math.abs(plan.objective - opt) < 0.01) equal++;
    }
    // the heuristic only moves jobs the hosts cannot place well themselves: most small fleets are optimal
    expect(equal / compared).toBeGreaterThan(0.7);
  });
});
