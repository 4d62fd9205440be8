/**
 * A seeded fleet of distinct hosts for report and bench tests: the two demo servers (H200 with MIG and five
 * workloads, L40S with passthrough VMs) under new names with their utilisation and memory varied, and every
 * fourth host a random 2–4-GPU host (test/helpers/random-host.ts). Same seed, same fleet.
 */
import { type Analysis, analyzeFleet } from '../../scoring/analyze.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { scenarioFiles } from '../../tools/scenarios.ts';
import { randomHost, rng } from './random-host.ts';

let demos: Snapshot[] | undefined;

export function fleetSnapshots(n: number, seed = 1): Snapshot[] {
  demos ??= [
    ...ingestHosts(scenarioFiles('h200')).snapshots,
    ...ingestHosts(scenarioFiles('l40s')).snapshots,
  ];
  const r = rng(seed);
  return Array.from({ length: n }, (_, k) => {
    if (k % 4 === 3) {
      const s = randomHost(seed * 1000 + k);
      s.host = `gpu-r${String(k).padStart(3, '0')}`;
      return s;
    }
    const s = structuredClone(demos![k % demos!.length]!);
    s.host = `gpu-${k % 2 === 0 ? 'h' : 'l'}${String(k).padStart(3, '0')}`;
    for (const g of s.gpus) {
      if (g.utilization.gpuPct !== null && g.utilization.gpuPct > 0)
        g.utilization.gpuPct = Math.max(
          1,
          Math.min(100, Math.round(g.utilization.gpuPct * (0.3 + 1.4 * r()))),
        );
      if (g.memory.usedMiB !== null && g.memory.totalMiB !== null && g.memory.usedMiB > 0)
        g.memory.usedMiB = Math.min(g.memory.totalMiB, Math.round(g.memory.usedMiB * (0.5 + r())));
    }
    return s;
  });
}

/**
 * The fleet analysed host by host: each host with a plan of its own, the fleet's score over all of them
 * (planning 64 mixed hosts as one fleet takes tens of seconds: a placement matter, not a report one).
 */
export function fleetAnalysis(n: number, seed = 1): Analysis {
  const snapshots = fleetSnapshots(n, seed);
  const a = analyzeFleet(snapshots);
  a.hosts = snapshots.map((s) => analyzeAndPlan([s]).hosts[0]!);
  return a;
}
