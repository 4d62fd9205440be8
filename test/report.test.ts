import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../bin/cli.ts';
import { renderPdf } from '../jobs/report/pdf.ts';
import type { Analysis } from '../scoring/analyze.ts';
import { analyzeAndPlan } from '../scoring/placement/index.ts';
import { buildReport, type ReportModel } from '../scoring/report.ts';
import { ingestHosts } from '../tools/ingest/index.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0;
// CI installs poppler-utils (.ci/run); a developer machine without it skips the read-back tests
const readBack = hasPoppler || process.env.CI === 'true';
const tmp = mkdtempSync(join(tmpdir(), 'infralens-pdf-'));

function text(bytes: Uint8Array, page?: number): string {
  const file = join(tmp, `r-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  const args = page ? ['-f', String(page), '-l', String(page), file, '-'] : [file, '-'];
  return execFileSync('pdftotext', args, { encoding: 'utf8' });
}
/** Compare without whitespace: long commands wrap across lines in the PDF. */
const squash = (s: string) => s.replace(/\s+/g, '');

const demo = (name: string): Analysis => analyzeAndPlan(ingestHosts(scenarioFiles(name)).snapshots);

describe('PDF report', () => {
  const analysis = demo('h200');
  const host = analysis.hosts[0]!;

  for (const lang of ['en', 'ko'] as const) {
    it.runIf(readBack)(
      `${lang}: the grade, every finding title and every command can be read back`,
      async () => {
        const bytes = await renderPdf(buildReport(analysis, lang, NOW), NOW);
        const all = squash(text(bytes));
        expect(all).toContain(
          squash(lang === 'en' ? '62.0 / 100 — C (inefficient)' : '62.0 / 100 — C (비효율)'),
        );
        for (const f of host.findings) expect(all, f.title[lang]).toContain(squash(f.title[lang]));
        for (const c of host.placement!.commands) expect(all, c.command).toContain(squash(c.command));
        if (lang === 'ko') expect(all).toContain(squash('GPU 효율 진단 보고서'));
      },
    );
  }

  it('is A4, small, paginated, and the same bytes for the same input and date', async () => {
    const a = await renderPdf(buildReport(analysis, 'ko', NOW), NOW);
    const b = await renderPdf(buildReport(analysis, 'ko', NOW), NOW);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.length).toBeLessThan(300 * 1024);
    const doc = await PDFDocument.load(a);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(6);
    for (const p of doc.getPages()) {
      expect(p.getWidth()).toBeCloseTo(595.28, 1);
      expect(p.getHeight()).toBeCloseTo(841.89, 1);
    }
    expect(doc.getCreationDate()?.toISOString()).toBe(NOW.toISOString());
  });

  it.runIf(readBack)(
    'numbers pages and repeats a table header when the table breaks across pages',
    async () => {
      const model: ReportModel = buildReport(analysis, 'en', NOW);
      model.sections = [
        {
          title: 'Long table',
          blocks: [
            {
              kind: 'table',
              columns: [
                { title: 'Workload', width: 0.4 },
                { title: 'Where', width: 0.6 },
              ],
              rows: Array.from({ length: 90 }, (_, i) => [`job-${i}`, `GPU${i % 8}`]),
            },
          ],
        },
      ];
      const bytes = await renderPdf(model, NOW);
      const pages = (await PDFDocument.load(bytes)).getPageCount();
      expect(pages).toBeGreaterThanOrEqual(3);
      for (let p = 2; p <= pages; p++) {
        const t = text(bytes, p);
        expect(t).toContain(`Page ${p} of ${pages}`);
        expect(t).toContain('Workload');
      }
      expect(text(bytes, 3)).toMatch(/job-\d+/);
    },
  );

  it.runIf(readBack)(
    'the L40S report says no MIG and a topology-only report explains the missing score',
    async () => {
      const l40s = squash(text(await renderPdf(buildReport(demo('l40s'), 'en', NOW), NOW)));
      expect(l40s).not.toContain('MIG1g');
      expect(l40s).toContain(squash('Placement plan'));
      const topo = readFileSync(
        new URL('../samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt', import.meta.url),
      );
      const wl = JSON.stringify({
        workloads: [{ name: 'ddp', kind: 'training', gpus: [0, 2], cpus: '0-95' }],
      });
      const only = analyzeAndPlan(
        ingestHosts([
          { name: 'topo.txt', content: topo },
          { name: 'w.json', content: wl },
        ]).snapshots,
      );
      const t = squash(text(await renderPdf(buildReport(only, 'en', NOW), NOW)));
      expect(t).toContain(squash('no utilisation data'));
      expect(t).toContain(squash('ddp: GPU traffic crosses CPU sockets'));
    },
  );
});
