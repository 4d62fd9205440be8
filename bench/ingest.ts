/**
 * The ingest section of `npm run bench` (issue 12): every stress input of bench/inputs.ts at 16 MiB (the
 * input cap) parsed and merged into a snapshot (`ingestHosts`, the whole path a file takes) against a 2 s
 * budget, and the `nvidia-smi -q -x` parser's throughput against its goal of 50 MB/s (written as the time
 * that rate allows for the input, so that it prints like the other lines). Medians after a warm-up run,
 * in this process. `npx tsx bench/ingest.ts` runs this section alone.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ingestHosts } from '../tools/ingest/index.ts';
import { nvidiaSmiXmlParser } from '../tools/parsers/nvidia-smi-xml.ts';
import { MIB, STRESS_INPUTS, xmlManyGpus, xmlManyProcesses } from './inputs.ts';
import type { BenchResult } from './slack.ts';
import { timed } from './timing.ts';

/** Budget for any input under the cap, parse + merge. */
const INGEST_BUDGET_MS = 2000;
/** The XML parser's goal, in MB/s (10^6 bytes). */
const XML_GOAL_MBPS = 50;

const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}`;

export function ingestResults(runs = 3): BenchResult[] {
  const out: BenchResult[] = [];
  for (const input of STRESS_INPUTS) {
    const text = input.make(16 * MIB, 1);
    const files = [{ name: input.file, content: text }];
    let result = ingestHosts(files);
    const ms = timed(() => {
      result = ingestHosts(files);
    }, runs);
    const s = result.snapshots[0];
    const kept = s
      ? [
          s.gpus.length > 0 ? count(s.gpus.length, 'GPUs') : '',
          s.processes.length > 0 ? count(s.processes.length, 'processes') : '',
          s.links.length > 0 ? count(s.links.length, 'links') : '',
          s.cpu.numaNodes.length > 0 ? count(s.cpu.numaNodes.length, 'NUMA nodes') : '',
        ]
          .filter(Boolean)
          .join(', ')
      : 'rejected';
    const lines = text.split('\n').length;
    out.push({
      name: `ingest: 16 MiB ${input.name}`,
      ms,
      budgetMs: INGEST_BUDGET_MS,
      note: `${(text.length / MIB).toFixed(2)} MiB, ${count(lines, 'lines')} → ${kept}; ${s?.sources[0]?.warnings.length ?? 0} warnings; median of ${runs}`,
    });
  }
  for (const [what, text] of [
    ['many GPUs', xmlManyGpus(16 * MIB, 1)],
    ['many processes', xmlManyProcesses(16 * MIB, 1)],
  ] as const) {
    const bytes = Buffer.byteLength(text);
    let gpus = 0;
    let procs = 0;
    const ms = timed(
      () => {
        const f = nvidiaSmiXmlParser.parse(text);
        gpus = f.gpus?.length ?? 0;
        procs = f.processes?.length ?? 0;
      },
      5,
      2,
    );
    const mbps = bytes / 1e6 / (ms / 1000);
    out.push({
      name: `XML throughput: nvidia-smi -q -x, ${what} (goal ≥ ${XML_GOAL_MBPS} MB/s)`,
      ms,
      budgetMs: Math.round((bytes / 1e6 / XML_GOAL_MBPS) * 1000),
      note: `${mbps.toFixed(0)} MB/s: ${(bytes / 1e6).toFixed(1)} MB, ${count(gpus, 'GPUs')}, ${count(procs, 'processes')} (parse only, before the caps); median of 5`,
    });
  }
  return out;
}

// `npx tsx bench/ingest.ts`: this section alone, printed as bench/run.ts prints it
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let failed = false;
  for (const r of ingestResults()) {
    const ok = r.ms <= r.budgetMs;
    failed ||= !ok;
    console.log(
      `${ok ? 'ok  ' : 'SLOW'} ${r.name}: ${r.ms.toFixed(2)} ms (budget ${r.budgetMs} ms, ${((r.ms / r.budgetMs) * 100).toFixed(0)}% of it) — ${r.note}`,
    );
  }
  process.exitCode = failed ? 1 : 0;
}
