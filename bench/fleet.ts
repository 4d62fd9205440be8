/**
 * Fleet placement bench (issue 12): planning 64 and 1,000 distinct hosts from bench/fleet-gen.ts (seed 1),
 * sequentially (`planFleet`) and with the hosts solved in a worker pool (`planFleetParallel`). Each line is
 * one run after a warm-up on another fleet (JIT, the pool's workers started); notes give the migrations,
 * the gap to the bound, and the host solves and cache hits. The pool's start-up is its own line. Run alone
 * with `npx tsx bench/fleet.ts`.
 */
import { HostSolvePool, planFleetParallel } from '../jobs/placement/pool.ts';
import { type FleetPlan, planFleet } from '../scoring/placement/fleet.ts';
import { benchFleet } from './fleet-gen.ts';
import type { BenchResult } from './slack.ts';

const SEED = 1;

function note(p: FleetPlan, hosts: number, initial: number): string {
  const s = p.search;
  return (
    `${p.migrations.length} migrations; objective ${p.objective}, bound ${p.bound}, gap ${p.gap} points; ` +
    `${initial + s.solves} host solves (${hosts} initial, ${s.solves - s.initialSolves} in the search, cap ${s.budget}` +
    `${s.budgetReached ? ' reached' : ''}), ${s.cacheHits} cache hits; ${s.evaluated} of ${s.candidates} candidate moves evaluated`
  );
}

export async function fleetResults(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const t0 = performance.now();
  const pool = new HostSolvePool();
  const warm = benchFleet(32, SEED + 100);
  await planFleetParallel(warm, {}, pool);
  out.push({
    name: `placement pool: start ${pool.size} workers + warm-up (32 hosts)`,
    ms: performance.now() - t0,
    budgetMs: 5000,
    note: 'once per process (the bot keeps its pool)',
  });
  planFleet(warm);
  try {
    for (const [n, budgetMs] of [
      [64, 2000],
      [1000, 30000],
    ] as const) {
      const fleet = benchFleet(n, SEED);
      let t = performance.now();
      const seq = planFleet(fleet);
      const seqMs = performance.now() - t;
      out.push({
        name: `fleet plan: ${n} distinct hosts, sequential`,
        ms: seqMs,
        budgetMs,
        note: note(seq, n, 0),
      });
      t = performance.now();
      const par = await planFleetParallel(fleet, {}, pool);
      const parMs = performance.now() - t;
      const same =
        JSON.stringify(par.migrations) === JSON.stringify(seq.migrations) && par.objective === seq.objective;
      out.push({
        name: `fleet plan: ${n} distinct hosts, pool of ${pool.size}`,
        ms: parMs,
        budgetMs,
        note: `${note(par, n, n)}; ${same ? 'same plan as sequential' : 'PLAN DIFFERS from sequential'}`,
      });
    }
  } finally {
    await pool.close();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await fleetResults())
    console.log(
      `${r.name}: ${Math.round(r.ms)} ms (budget ${r.budgetMs}, ${(r.ms / r.budgetMs).toFixed(2)}×) — ${r.note}`,
    );
}
