/**
 * One render of the demo report in a fresh process, as the CLI does it (bench/run.ts bundles this file as
 * scripts/build.mjs bundles the CLI, and runs it with node). The analysis and report model are made first
 * and not counted; the render call is timed from the renderer's (dynamic) import to the PDF's bytes, then
 * a second render in the same process. Prints one JSON line.
 *
 *   node pdf-cold.js en|ko
 */

import { analyzeAndPlan } from '../scoring/placement/index.ts';
import { buildReport } from '../scoring/report.ts';
import { ingestHosts } from '../tools/ingest/index.ts';
import { scenarioFiles } from '../tools/scenarios.ts';

const lang = process.argv[2] === 'ko' ? 'ko' : 'en';
const now = new Date('2026-11-26T09:00:00Z');
const model = buildReport(analyzeAndPlan(ingestHosts(scenarioFiles('h200')).snapshots), lang, now);

const t0 = performance.now();
const { fontStats, renderPdf } = await import('../jobs/report/pdf.ts');
const bytes = await renderPdf(model, now);
const first = performance.now() - t0;
const t1 = performance.now();
await renderPdf(model, now);
const second = performance.now() - t1;
console.log(
  JSON.stringify({
    lang,
    first,
    second,
    bytes: bytes.length,
    sinceStart: performance.now(),
    shaper: fontStats().shaperLoaded,
  }),
);
