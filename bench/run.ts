/**
 * Benchmarks (`npm run bench`). Timings are medians over repeated runs in one process (the Slack bot:
 * percentiles of one burst); budgets come from the issues. Prints one line per benchmark, then the figures
 * for the README, and exits non-zero if a budget is exceeded.
 */
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioFiles } from '../bin/cli.ts';
import { checkGrounding, GroundingIndex } from '../bot/agent/grounding.ts';
import { renderPdf } from '../jobs/report/pdf.ts';
import { analyzeAndPlan } from '../scoring/placement/index.ts';
import { buildReport } from '../scoring/report.ts';
import { measureGrounding, SAMPLE_ANSWER, scenarioResult } from '../test/grounding/measure.ts';
import { ingest, ingestHosts } from '../tools/ingest/index.ts';
import type { BenchResult } from './slack.ts';
import { median, timed } from './timing.ts';

const real = (p: string) => readFileSync(new URL(`../samples/real/${p}`, import.meta.url), 'utf8');

/** median of `runs` after 5 warm-up runs (JIT) */
const time = (fn: () => void, runs: number) => timed(fn, runs, 5);

/** An 8-GPU bundle at full size: the 2-GPU L4 `-q -x` widened to 8 GPUs, plus the other sections. */
function eightGpuBundle(): string {
  const xml = real('smi-xml/l4-2x-drv555.42.06-with-processes.xml');
  const start = xml.indexOf('<gpu id=');
  const end = xml.lastIndexOf('</gpu>') + '</gpu>'.length;
  const gpus = xml.slice(start, end);
  const eight = [0, 1, 2, 3]
    .map((k) =>
      gpus
        .replaceAll('00000000:01:00.0', `00000000:${(0x11 + k * 0x10).toString(16)}:00.0`)
        .replaceAll('00000000:C1:00.0', `00000000:${(0x91 + k * 0x10).toString(16)}:00.0`)
        .replaceAll(/GPU-([0-9a-f])/g, `GPU-${k}$1`),
    )
    .join('\n');
  const xml8 =
    xml.slice(0, start).replace(/<attached_gpus>\d+</, '<attached_gpus>8<') + eight + xml.slice(end);
  const section = (name: string, body: string) =>
    `### infralens:section ${name}\n${body}\n### infralens:end ${name} rc=0\n`;
  return [
    '### infralens:bundle v1\n### infralens:section meta\nhost=bench-8gpu\n### infralens:end meta rc=0\n',
    section('nvidia-smi-q-x', xml8),
    section('nvidia-smi', real('smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt')),
    section('topo-m', real('topo/h100-sxm-8x-kvm-guest-rhelai-single-numa.txt')),
    section('lscpu', real('numa/lscpu-aws-p5en-xeon8488c-2socket-kvm-8xh200.txt')),
    section('numactl-H', real('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt')),
  ].join('');
}

/** `ms` and `budgetMs` hold the figure and its budget in `unit` (ms unless said). */
const results: BenchResult[] = [];
/** Blocks of text printed after the lines, for the README to quote. */
const quotes: string[] = [];

{
  const bundle = eightGpuBundle();
  const ms = time(() => ingest([{ name: 'bench.txt', content: bundle }]), 50);
  const base = time(() => JSON.parse(JSON.stringify({ s: bundle })), 50);
  results.push({
    name: 'parse+merge one 8-GPU bundle',
    ms,
    budgetMs: 50,
    note: `${(bundle.length / 1024).toFixed(0)} KiB input; ${(ms / base).toFixed(1)}× a JSON round-trip of the same text`,
  });
}

{
  // issue 12: analysis of 10,000 distinct hosts (bench/fleet-gen.ts) in time and memory, and 1,000 cold
  const { analysisResults } = await import('./analysis.ts');
  results.push(...(await analysisResults()));
}

{
  // issue 12: one host, the stress cases (bench/placement-host.ts: seeded, from real topologies), each
  // exact within its node budget, warm and in a fresh process; fleets of 64 and 1,000 distinct hosts
  // (bench/fleet-gen.ts), sequential and in the worker pool (bench/fleet.ts)
  const { placementHostResults } = await import('./placement-host.ts');
  results.push(...(await placementHostResults()));
  const { fleetResults } = await import('./fleet.ts');
  results.push(...(await fleetResults()));
}

{
  // the demo report, end to end from the analysis (model, fonts, layout, save), in a warm process
  const analysis = analyzeAndPlan(ingestHosts(scenarioFiles('h200')).snapshots);
  const now = new Date('2026-11-26T09:00:00Z');
  for (const lang of ['en', 'ko'] as const) {
    let size = 0;
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      size = (await renderPdf(buildReport(analysis, lang, now), now)).length;
      runs.push(performance.now() - t0);
    }
    results.push({
      name: `PDF: warm render of the demo report (${lang})`,
      ms: median(runs.slice(1)),
      budgetMs: 500,
      note: `${(size / 1024).toFixed(0)} KiB; median of 6 after one render in the process; fonts ${lang === 'en' ? 'pre-subset Latin' : 'subset with harfbuzz'}`,
    });
  }
}

{
  // the first render in a fresh process: bench/pdf-cold.ts bundled as scripts/build.mjs bundles the CLI
  // (packages left to node_modules), run with node; the render call is timed from the renderer's import
  const { build } = await import('esbuild');
  const { execFileSync } = await import('node:child_process');
  const out = new URL('../tmp/bench-pdf-cold/', import.meta.url).pathname;
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [new URL('./pdf-cold.ts', import.meta.url).pathname],
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  // the renderer finds its fonts next to its chunk, as in dist/
  symlinkSync(new URL('../jobs/report/fonts/', import.meta.url).pathname, `${out}fonts`);
  const cold = (lang: string) =>
    Array.from({ length: 7 }, () => {
      const line = execFileSync('node', [`${out}pdf-cold.js`, lang], { encoding: 'utf8' });
      return JSON.parse(line) as { first: number; second: number; bytes: number; shaper: boolean };
    });
  const en = cold('en');
  const ko = cold('ko');
  rmSync(out, { recursive: true, force: true });
  const m = (xs: { first: number; second: number }[], k: 'first' | 'second') => median(xs.map((x) => x[k]));
  results.push({
    name: 'PDF: first render in a fresh process (en demo)',
    ms: m(en, 'first'),
    budgetMs: 500,
    note: `median of 7 processes, from the renderer's import to the bytes; the second render in the same process ${m(en, 'second').toFixed(0)} ms; WebAssembly shaper loaded: ${en.some((x) => x.shaper) ? 'yes' : 'no'}; Korean (harfbuzz loaded on first need) first ${m(ko, 'first').toFixed(0)} ms, second ${m(ko, 'second').toFixed(0)} ms`,
  });
}

{
  // a 64-host fleet report (test/helpers/fleet.ts: the demo servers varied and random hosts, seeded)
  const { fleetAnalysis } = await import('../test/helpers/fleet.ts');
  const { DETAILED_HOSTS } = await import('../scoring/report.ts');
  const fleet = fleetAnalysis(64, 7);
  const now = new Date('2026-11-26T09:00:00Z');
  const sizes: Record<string, number> = {};
  let ms = 0;
  for (const lang of ['en', 'ko'] as const) {
    const model = buildReport(fleet, lang, now);
    await renderPdf(model, now);
    const t0 = performance.now();
    sizes[lang] = (await renderPdf(model, now)).length / 1024;
    if (lang === 'en') ms = performance.now() - t0;
  }
  results.push({
    name: 'PDF: 64-host fleet report size (ko, the larger)',
    ms: Math.max(sizes.en!, sizes.ko!),
    budgetMs: 300,
    unit: 'KiB',
    note: `en ${sizes.en!.toFixed(0)} KiB, ko ${sizes.ko!.toFixed(0)} KiB; every host in the overview, the ${DETAILED_HOSTS} lowest scores detailed; rendered (en, warm) in ${ms.toFixed(0)} ms`,
  });
}

{
  // grounding: precision/recall of flagging the invented sentences of the labelled set, and the time to check
  // one 15-line answer against the H200 demo analysis (a fresh index each run: nothing memoised)
  const m = measureGrounding();
  const result = scenarioResult('h200');
  const fresh = Array.from({ length: 60 }, () => new GroundingIndex([result]));
  const ms = time(() => checkGrounding(SAMPLE_ANSWER, fresh.pop()!), 50);
  const build = time(() => new GroundingIndex([result]), 20);
  results.push({
    name: 'grounding check, one 15-line answer',
    ms,
    budgetMs: 20,
    note: `labelled set n=${m.n}: precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)} (goal 0.97); index built once per turn in ${build.toFixed(1)} ms`,
  });
}

{
  // hostile inputs: each read (and refused or cut) within the budget "any input under the cap in < 2 s"
  const { hostileCases } = await import('./hostile.ts');
  for (const c of hostileCases()) {
    await c.run(); // warm-up
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await c.run();
      runs.push(performance.now() - t0);
    }
    results.push({ name: `hostile: ${c.name}`, ms: median(runs), budgetMs: 2000, note: 'median of 3' });
  }
}

{
  // issue 12: any input under the 16 MiB cap parsed and merged in < 2 s (stress inputs of every plausible
  // format, bench/inputs.ts), and nvidia-smi -q -x parsed at ≥ 50 MB/s (bench/ingest.ts)
  const { ingestResults } = await import('./ingest.ts');
  results.push(...ingestResults());
}

{
  // the CLI as a user starts it (a fresh process through bin/infralens, the build in dist/): wall time
  const { execFileSync, spawnSync } = await import('node:child_process');
  const root = new URL('../', import.meta.url).pathname;
  execFileSync('node', [`${root}scripts/build.mjs`], { stdio: 'ignore' });
  const cli = `${root}bin/infralens`;
  const topo = `${root}samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt`;
  const pdfOut = join(tmpdir(), `infralens-bench-${process.pid}.pdf`);
  const wall = (args: string[], runs: number) => {
    const t: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const r = spawnSync(cli, args, { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench: infralens ${args.join(' ')} failed: ${r.stderr}`);
      if (i > 0) t.push(performance.now() - t0); // the first run warms the OS file cache
    }
    return median(t);
  };
  const node = (() => {
    const t: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      spawnSync('node', ['-e', '0']);
      t.push(performance.now() - t0);
    }
    return median(t);
  })();
  for (const [name, args, budget] of [
    ['CLI start-up: infralens formats', ['formats'], 300],
    ['CLI: infralens analyze of one topo -m file', ['analyze', topo], 300],
    ['CLI: infralens demo --no-pdf', ['demo', '--no-pdf'], 1000],
    // the budget: demo --no-pdf's and the first render's
    ['CLI: infralens demo --pdf FILE (en)', ['demo', '--pdf', pdfOut], 1500],
  ] as const)
    results.push({
      name,
      ms: wall([...args], 5),
      budgetMs: budget,
      note: `fresh process, median of 5; a bare \`node -e 0\` takes ${node.toFixed(0)} ms here`,
    });
  rmSync(pdfOut, { force: true });
}

{
  // issue 13: collecting 200 loopback hosts over SSH against a real sshd, beside pdsh (bench/collect.ts)
  const { collectResults } = await import('./collect.ts');
  results.push(...(await collectResults()));
}

{
  // the Slack bot: the real bot against the fake Slack on loopback, beside a bare Bolt app (bench/slack.ts)
  const { slackBench, slackResults, slackTable } = await import('./slack.ts');
  const f = await slackBench();
  results.push(...slackResults(f));
  quotes.push(slackTable(f));
}

let failed = false;
for (const r of results) {
  const ok = r.ms <= r.budgetMs;
  failed ||= !ok;
  const unit = r.unit ?? 'ms';
  console.log(
    `${ok ? 'ok  ' : 'SLOW'} ${r.name}: ${r.ms.toFixed(2)} ${unit} (budget ${r.budgetMs} ${unit}, ${((r.ms / r.budgetMs) * 100).toFixed(0)}% of it) — ${r.note}`,
  );
}
for (const q of quotes) console.log(`\n${q}`);
process.exitCode = failed ? 1 : 0;
