/**
 * Fleet analysis is linear in its hosts (issue 12: 10,000 hosts in < 5 s), proved by counting work, not by
 * a clock: `analyzeFleet` over seeded fleets of distinct hosts from real fixtures (bench/fleet-gen.ts) of
 * 1,000 and 2,000 hosts under the work meter (test/helpers/work.ts: what the built-ins scan and visit).
 * Linear work doubles with the fleet; a step that scans the fleet per host (the fleet summary, a lookup of
 * a host among the hosts, a sort per host) grows it about fourfold. The bound, 2.2×, leaves room for the
 * two fleets' different mixes of hosts and nothing for such a step. The time is `npm run bench`'s business
 * (bench/analysis.ts).
 */
import { describe, expect, it } from 'vitest';
import { benchFleet } from '../bench/fleet-gen.ts';
import { analyzeFleet } from '../scoring/analyze.ts';
import { countWork } from './helpers/work.ts';

describe('fleet analysis work grows linearly with the hosts', () => {
  it('1,000 and 2,000 distinct hosts', () => {
    const fleets = [benchFleet(1000, 1), benchFleet(2000, 1)] as const;
    for (const f of fleets) analyzeFleet(f); // fill what is remembered across calls (compiled regexes)
    const [w1, w2] = fleets.map((f) => countWork(() => void analyzeFleet(f))) as [number, number];
    // the meter sees the analysis: thousands of steps per host
    expect(w1 / 1000).toBeGreaterThan(1000);
    expect(w2 / w1).toBeLessThan(2.2);
    expect(w2 / w1).toBeGreaterThan(1.8);
  });
});
