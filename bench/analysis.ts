/**
 * The analysis section of `npm run bench` (issue 12: 10,000 hosts analysed in < 5 s and < 1 GiB):
 * `analyzeFleet` (score, rules and the fleet summary, no plan) over a seeded fleet of distinct hosts from
 * real fixtures (bench/fleet-gen.ts `benchFleet`), each measurement in a fresh child process
 * (`node --import tsx bench/analysis.ts --child …`) so that its memory figures are its own:
 * - 10,000 hosts, after a warm-up on another 1,000-host fleet (JIT): the time of one call, and its memory —
 *   the input fleet's heap, the heap the analysis adds and keeps (after a collection), and the process's
 *   peak RSS, which holds both;
 * - cold: 1,000 hosts analysed once by a process that has analysed nothing before (imports not counted).
 * `npx tsx bench/analysis.ts` runs this section alone.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeFleet } from '../scoring/analyze.ts';
import { benchFleet } from './fleet-gen.ts';
import type { BenchResult } from './slack.ts';

const HOSTS = 10_000;
const COLD_HOSTS = 1_000;
const SEED = 1;
const BUDGET_MS = 5000;
const BUDGET_MIB = 1024;
const MIB = 2 ** 20;

interface ChildFigures {
  hosts: number;
  gpus: number;
  findings: number;
  /** the analysis call, ms. */
  ms: number;
  /** heap used by the input fleet (after a collection), MiB. */
  inputHeapMiB: number;
  /** RSS before the call, with the input built, MiB. */
  inputRssMiB: number;
  /** heap the analysis keeps (its result, after a collection), MiB. */
  keptHeapMiB: number;
  /** heap used right after the call (before a collection), MiB. */
  afterHeapMiB: number;
  /** the process's peak RSS, MiB (input, analysis, runtime). */
  peakRssMiB: number;
}

/** `gc()` in a bench process (flags set at run time; the bench runs without --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** One measurement in this process: `warm` = analyse another fleet first. Prints one JSON line. */
function child(hosts: number, warm: boolean): void {
  const gc = collector();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const fleet = benchFleet(hosts, SEED);
  if (warm) {
    const other = benchFleet(1000, SEED + 1);
    for (let i = 0; i < 3; i++) analyzeFleet(other);
  }
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const analysis = analyzeFleet(fleet);
  const ms = performance.now() - t0;
  const after = process.memoryUsage().heapUsed;
  gc();
  const kept = process.memoryUsage().heapUsed - before.heapUsed;
  const figures: ChildFigures = {
    hosts: analysis.fleet.hosts,
    gpus: analysis.fleet.gpus,
    findings: analysis.hosts.reduce((a, h) => a + h.findings.length, 0),
    ms,
    inputHeapMiB: (before.heapUsed - heap0) / MIB,
    inputRssMiB: before.rss / MIB,
    keptHeapMiB: kept / MIB,
    afterHeapMiB: after / MIB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(figures));
}

function runChild(hosts: number, warm: boolean): ChildFigures {
  const self = fileURLToPath(import.meta.url);
  const line = execFileSync(
    process.execPath,
    ['--import', 'tsx', self, '--child', String(hosts), warm ? 'warm' : 'cold'],
    { encoding: 'utf8', cwd: resolve(self, '../..'), maxBuffer: 1 << 20 },
  );
  return JSON.parse(line.trim().split('\n').pop()!) as ChildFigures;
}

const n = (x: number) => x.toLocaleString('en-US');
const mib = (x: number) => `${x.toFixed(0)} MiB`;

export async function analysisResults(): Promise<BenchResult[]> {
  const big = runChild(HOSTS, true);
  const cold = runChild(COLD_HOSTS, false);
  const what = `benchFleet(${n(HOSTS)}, ${SEED}): ${n(big.gpus)} GPUs, ${n(big.findings)} findings`;
  return [
    {
      name: `analyse ${n(HOSTS)} distinct hosts`,
      ms: big.ms,
      budgetMs: BUDGET_MS,
      note: `${((big.ms / big.hosts) * 1000).toFixed(0)} µs/host; ${what}; the analysis keeps ${mib(big.keptHeapMiB)} of heap (input fleet ${mib(big.inputHeapMiB)}); one call after a warm-up, own process`,
    },
    {
      name: `analyse ${n(HOSTS)} distinct hosts: peak memory`,
      ms: big.peakRssMiB,
      budgetMs: BUDGET_MIB,
      unit: 'MiB',
      note: `peak RSS of the process (input + analysis + runtime); RSS ${mib(big.inputRssMiB)} with the input built, heap ${mib(big.afterHeapMiB)} right after the call; the result keeps ${mib(big.keptHeapMiB)}, the input ${mib(big.inputHeapMiB)}`,
    },
    {
      name: `analyse ${n(COLD_HOSTS)} distinct hosts, cold`,
      ms: cold.ms,
      budgetMs: BUDGET_MS / 2,
      note: `the first analysis in a fresh process (node --import tsx; imports and the fleet not counted): ${((cold.ms / cold.hosts) * 1000).toFixed(0)} µs/host, ${n(cold.findings)} findings`,
    },
  ];
}

const main = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (main && process.argv[2] === '--child') {
  child(Number(process.argv[3]), process.argv[4] === 'warm');
} else if (main) {
  // `npx tsx bench/analysis.ts`: this section alone, printed as bench/run.ts prints it
  let failed = false;
  for (const r of await analysisResults()) {
    const ok = r.ms <= r.budgetMs;
    failed ||= !ok;
    const unit = r.unit ?? 'ms';
    console.log(
      `${ok ? 'ok  ' : 'SLOW'} ${r.name}: ${r.ms.toFixed(2)} ${unit} (budget ${r.budgetMs} ${unit}, ${((r.ms / r.budgetMs) * 100).toFixed(0)}% of it) — ${r.note}`,
    );
  }
  process.exitCode = failed ? 1 : 0;
}
