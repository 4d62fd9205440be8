/**
 * The score trend in the report: a host with history (buildReport's `trends`) gets the change in words and
 * a line chart over the grade bands in its score section, drawn with vector operations; a host without one
 * renders exactly as before (the same model, the same PDF bytes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../bin/cli.ts';
import { fontStats, renderPdf } from '../jobs/report/pdf.ts';
import type { Analysis } from '../scoring/analyze.ts';
import { analyzeAndPlan } from '../scoring/placement/index.ts';
import { type Block, buildReport, GRADE_BANDS, type ReportTrend, TREND_POINTS } from '../scoring/report.ts';
import { gradeOf } from '../scoring/score.ts';
import { ingestHosts } from '../tools/ingest/index.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const DAY = 86_400_000;
const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0;
const readBack = hasPoppler || process.env.CI === 'true';
const tmp = mkdtempSync(join(tmpdir(), 'infralens-trend-'));

function text(bytes: Uint8Array): string {
  const file = join(tmp, `r-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
}
const squash = (s: string) => s.replace(/\s+/g, '');

const demo = (name: string): Analysis => analyzeAndPlan(ingestHosts(scenarioFiles(name)).snapshots);
const analysis = demo('h200');
const host = analysis.hosts[0]!.host!;

/** seven days, one collection a day, the third failed: 70.0 → 62.0 */
const week: ReportTrend = {
  days: 7,
  points: [70, 72.5, null, 66, 64.2, 63, 62].map((score, i) => ({
    at: NOW.getTime() - (6 - i) * DAY,
    score,
  })),
};

const trendOf = (blocks: Block[]) => blocks.find((b) => b.kind === 'trend');

describe('report trend', () => {
  it('the model: the change in words and the chart in the host score section', () => {
    const m = buildReport(analysis, 'en', NOW, { trends: { [host]: week } });
    const section = m.sections.find((s) => s.title === 'Score breakdown')!;
    expect(section.blocks).toContainEqual({
      kind: 'paragraph',
      text: 'Score trend over the last 7 days: 70.0 → 62.0 (−8.0 points), 7 collections, 1 failed.',
    });
    const chart = trendOf(section.blocks);
    expect(chart).toMatchObject({
      kind: 'trend',
      title: 'Score over the last 7 days',
      from: NOW.getTime() - 7 * DAY,
      to: NOW.getTime(),
      fromLabel: '2026-11-19',
      toLabel: '2026-11-26',
    });
    expect(chart?.kind === 'trend' && chart.points.map((p) => p.score)).toEqual([
      70,
      72.5,
      null,
      66,
      64.2,
      63,
      62,
    ]);
    // the bands are the grades' own boundaries
    for (const b of GRADE_BANDS) expect(gradeOf(b.min)).toBe(b.grade);
    const ko = buildReport(analysis, 'ko', NOW, { trends: { [host]: week } });
    expect(JSON.stringify(ko.sections)).toContain(
      '최근 7일 점수 추이: 70.0 → 62.0 (−8.0점), 수집 7회, 실패 1회.',
    );
  });

  it('points outside the window are left out, a long series is averaged, all-failed says so', () => {
    const many: ReportTrend = {
      days: 7,
      points: Array.from({ length: 7 * 96 + 50 }, (_, i) => ({
        at: NOW.getTime() - 7 * DAY - 50 * 900_000 + i * 900_000,
        score: 60 + (i % 10),
      })),
    };
    const chart = trendOf(buildReport(analysis, 'en', NOW, { trends: { [host]: many } }).sections[0]!.blocks);
    expect(chart?.kind === 'trend' && chart.points.length).toBe(TREND_POINTS);
    const failed = buildReport(analysis, 'en', NOW, {
      trends: { [host]: { days: 2, points: [{ at: NOW.getTime() - DAY, score: null }] } },
    });
    expect(failed.sections[0]!.blocks).toContainEqual({
      kind: 'paragraph',
      text: 'No score in the last 2 days (1 collection, 1 failed).',
      muted: true,
    });
    expect(trendOf(failed.sections[0]!.blocks)).toBeUndefined();
  });

  it('a host without a trend renders exactly as before: the same model and the same bytes', async () => {
    const plain = buildReport(analysis, 'en', NOW);
    expect(buildReport(analysis, 'en', NOW, { trends: {} })).toEqual(plain);
    expect(buildReport(analysis, 'en', NOW, { trends: { 'another-host': week } })).toEqual(plain);
    expect(buildReport(analysis, 'en', NOW, { trends: { [host]: { days: 7, points: [] } } })).toEqual(plain);
    const a = await renderPdf(plain, NOW);
    const b = await renderPdf(buildReport(analysis, 'en', NOW, { trends: { 'another-host': week } }), NOW);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // in a fleet report, the host without history keeps its sections as they were
    const fleet = analyzeAndPlan([
      ...ingestHosts(scenarioFiles('h200')).snapshots,
      ...ingestHosts(scenarioFiles('l40s')).snapshots,
    ]);
    const other = fleet.hosts[1]!.host!;
    const without = buildReport(fleet, 'en', NOW).sections.filter((s) => s.title.startsWith(`${other}:`));
    const withOne = buildReport(fleet, 'en', NOW, { trends: { [fleet.hosts[0]!.host!]: week } });
    expect(withOne.sections.filter((s) => s.title.startsWith(`${other}:`))).toEqual(without);
    expect(
      trendOf(withOne.sections.find((s) => s.title === `${fleet.hosts[0]!.host}: Score breakdown`)!.blocks),
    ).toBeDefined();
  });

  it('the PDF draws the chart with vector operations (no image) and the Latin fonts', async () => {
    const before = fontStats();
    const bytes = await renderPdf(buildReport(analysis, 'en', NOW, { trends: { [host]: week } }), NOW);
    expect(fontStats()).toMatchObject({ latin: before.latin + 1, subset: before.subset });
    const doc = await PDFDocument.load(bytes);
    const images = doc.context
      .enumerateIndirectObjects()
      .filter(
        ([, o]) => o instanceof PDFRawStream && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'),
      );
    expect(images).toEqual([]);
  });

  for (const lang of ['en', 'ko'] as const)
    it.runIf(readBack)(`${lang}: pdftotext reads the trend title, the change and the window`, async () => {
      const m = buildReport(analysis, lang, NOW, { trends: { [host]: week } });
      const all = squash(text(await renderPdf(m, NOW)));
      if (lang === 'en') {
        expect(all).toContain(squash('Score over the last 7 days'));
        expect(all).toContain(squash('70.0 → 62.0 (−8.0 points), 7 collections, 1 failed.'));
      } else {
        expect(all).toContain(squash('최근 7일 점수 추이'));
        expect(all).toContain(squash('70.0 → 62.0 (−8.0점), 수집 7회, 실패 1회.'));
      }
      expect(all).toContain('2026-11-19');
      // and without a trend, the text is the text of before
      const plain = text(await renderPdf(buildReport(analysis, lang, NOW), NOW));
      const none = text(
        await renderPdf(buildReport(analysis, lang, NOW, { trends: { 'another-host': week } }), NOW),
      );
      expect(none).toBe(plain);
    });
});
