/**
 * Fleet placement at scale (issue 12), by counting, never timing: the pool gives the plan the sequential
 * search gives; the plan is deterministic and reads no clock; host solves grow about linearly with the
 * fleet; three hosts of eight single-GPU inference jobs (698 s in the old exhaustive search) stay within a
 * stated number of solves; the pre-filter's bounds are never below the exact objectives they bound.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { benchFleet } from '../../bench/fleet-gen.ts';
import { HostSolvePool, planFleetParallel } from '../../jobs/placement/pool.ts';
import {
  type FleetPlan,
  planFleet,
  searchBudget,
  withoutWorkload,
  withWorkload,
} from '../../scoring/placement/fleet.ts';
import {
  arrivalTerms,
  boundProfile,
  objectiveBound,
  termsOf,
  withTerms,
} from '../../scoring/placement/fleet-bound.ts';
import { solveHost } from '../../scoring/placement/fleet-host.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { inferenceHosts } from '../helpers/placement.ts';
import { randomHost } from '../helpers/random-host.ts';

afterEach(() => vi.restoreAllMocks());

/** The plan as data (the pool's host solutions are copies: compare values, not references). */
const plain = (p: FleetPlan) => JSON.parse(JSON.stringify(p));

describe('fleet placement: pool and determinism', () => {
  const pool = new HostSolvePool(2);
  afterAll(() => pool.close());

  it('the pool gives the sequential plan (a large fleet and a thorough one)', async () => {
    for (const fleet of [benchFleet(24, 5), benchFleet(4, 6)]) {
      const seq = planFleet(fleet);
      const par = await planFleetParallel(fleet, {}, pool);
      expect(par.migrations).toEqual(seq.migrations);
      expect(par.objective).toBe(seq.objective);
      const { search: s1, ...rest1 } = plain(seq);
      const { search: s2, ...rest2 } = plain(par);
      expect(rest2).toEqual(rest1);
      // the pool solved the hosts as they are; the search ran the same solves after them
      expect(s2.solves).toBe(s1.solves - fleet.length);
      expect(s2.cacheHits).toBe(s1.cacheHits);
    }
  }, 120_000);

  it('is deterministic and reads no clock', () => {
    const fleet = benchFleet(24, 3);
    const first = plain(planFleet(fleet));
    const boom = () => {
      throw new Error('the fleet search read the clock');
    };
    vi.spyOn(Date, 'now').mockImplementation(boom);
    vi.spyOn(performance, 'now').mockImplementation(boom);
    expect(plain(planFleet(benchFleet(24, 3)))).toEqual(first);
  }, 120_000);
});

describe('fleet placement: work', () => {
  it('host solves grow about linearly with the fleet (16, 32, 64 distinct hosts)', () => {
    const solves = [16, 32, 64].map((n) => {
      const p = planFleet(benchFleet(n, 1));
      expect(p.search.budgetReached, `${n} hosts`).toBe(false);
      return p.search.solves;
    });
    expect(solves[1]!).toBeLessThan(2.5 * solves[0]!);
    expect(solves[2]!).toBeLessThan(2.5 * solves[1]!);
  }, 120_000);

  it('three hosts with eight single-GPU inference jobs each: at most 3 + searchBudget(3) solves', () => {
    const hosts = inferenceHosts();
    const p = planFleet(hosts);
    expect(searchBudget(3)).toBe(56);
    expect(p.search.solves).toBeLessThanOrEqual(3 + searchBudget(3));
    expect(p.bound).toBeGreaterThanOrEqual(p.objective);
    if (p.search.budgetReached) expect(p.notes.join(' ')).toMatch(/stopped at its cap of 56 host solves/);
  }, 600_000);

  it('a cap reached is said in the plan', () => {
    const a = randomHost(18);
    const b = randomHost(19);
    b.host = 'other';
    b.workloads = b.workloads.map((w) => ({ ...w, name: `b-${w.name}` }));
    const p = planFleet([a, b], {}, { solveBudget: 0 });
    expect(p.search.budgetReached).toBe(true);
    expect(p.search.solves).toBe(2);
    expect(p.notes[0]).toMatch(/stopped at its cap of 0 host solves/);
  });
});

describe('fleet placement: the pre-filter bound', () => {
  const minTotal = (s: Snapshot) => Math.min(...s.gpus.map((g) => g.memory.totalMiB ?? 0));
  const names = (s: Snapshot) => s.workloads.filter((w) => w.gpus.length > 0).map((w) => w.name);

  it('never below the exact objective of a host, the host without a workload, or with one more', () => {
    let checked = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const a = randomHost(seed * 2);
      const b = randomHost(seed * 2 + 1);
      b.workloads = b.workloads.map((w) => ({ ...w, name: `b-${w.name}` }));
      const sa = solveHost(a, {}, {});
      const sb = solveHost(b, {}, {});
      const pa = boundProfile(sa, names(a), 0, minTotal(a));
      const pb = boundProfile(sb, names(b), 0, minTotal(b));
      expect(objectiveBound(pa, 0.5), `seed ${seed}`).toBeGreaterThanOrEqual(sa.objective);
      for (const job of sa.solved?.jobs ?? []) {
        const w = job.workload;
        const without = solveHost(withoutWorkload(a, w.name), {}, {});
        const t = termsOf(job, minTotal(a));
        expect(
          objectiveBound(withTerms(pa, t, -1, 0), 0.5),
          `seed ${seed} −${w.name}`,
        ).toBeGreaterThanOrEqual(without.objective);
        const arrival = { k: w.gpus.length, util: job.util, memMiB: job.memMiB, need: job.need };
        const withIt = solveHost(withWorkload(b, w), {}, { [w.name]: arrival });
        if (withIt.infeasible === null)
          expect(
            objectiveBound(withTerms(pb, arrivalTerms(arrival, minTotal(b)), 1, 1), 0.5),
            `seed ${seed} +${w.name}`,
          ).toBeGreaterThanOrEqual(withIt.objective);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});
