/**
 * The PDF renderer's fonts: English reports embed the pre-subset Latin fonts without loading the harfbuzz
 * shaper (its WebAssembly start-up was most of a first render); anything else is subset at run time. This
 * file has a module state of its own (vitest isolates files), so "not loaded" means not loaded in this
 * process. The TrueType reader that replaces fontkit is checked here too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fontStats, renderPdf, warmUp } from '../jobs/report/pdf.ts';
import { FontFormatError, readTtf } from '../jobs/report/ttf.ts';
import { analyzeAndPlan } from '../scoring/placement/index.ts';
import { buildReport } from '../scoring/report.ts';
import { ingestHosts } from '../tools/ingest/index.ts';
import { scenarioFiles } from '../tools/scenarios.ts';
import { rename } from './render/hostile.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const readBack = spawnSync('pdftotext', ['-v']).status === 0 || process.env.CI === 'true';
const tmp = mkdtempSync(join(tmpdir(), 'infralens-fonts-'));
const text = (bytes: Uint8Array) => {
  const file = join(tmp, `r-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
};
const font = (name: string) => readFileSync(new URL(`../jobs/report/fonts/${name}`, import.meta.url));
const demo = (name: string) => analyzeAndPlan(ingestHosts(scenarioFiles(name)).snapshots);

describe('report fonts', () => {
  it('English reports use the pre-subset Latin fonts: the WebAssembly shaper is never loaded', async () => {
    for (const name of ['h200', 'l40s']) {
      const bytes = await renderPdf(buildReport(demo(name), 'en', NOW), NOW);
      if (readBack) expect(text(bytes)).toContain('GPU efficiency report');
    }
    // a name with accented Latin letters is still within the Latin fonts
    const accented = rename(demo('h200'), 'train-vision-b', 'entraînement-ő');
    const bytes = await renderPdf(buildReport(accented, 'en', NOW), NOW);
    if (readBack) expect(text(bytes)).toContain('entraînement-ő');
    expect(fontStats()).toEqual({ latin: 3, subset: 0, shaperLoaded: false });
  });

  it('a Korean report, or an English one naming a host in another script, is subset at run time', async () => {
    const ko = await renderPdf(buildReport(demo('h200'), 'ko', NOW), NOW);
    expect(fontStats()).toMatchObject({ subset: 1, shaperLoaded: true });
    if (readBack) expect(text(ko).replace(/\s+/g, '')).toContain('GPU효율진단보고서');
    const greek = rename(demo('h200'), 'train-vision-b', 'εκπαίδευση');
    const en = await renderPdf(buildReport(greek, 'en', NOW), NOW);
    expect(fontStats().subset).toBe(2);
    if (readBack) expect(text(en)).toContain('εκπαίδευση');
  });
});

describe('warm-up', () => {
  it('loads the fonts and the shaper without rendering or subsetting a report', async () => {
    const before = fontStats();
    await warmUp();
    expect(fontStats()).toEqual(before);
    await warmUp({ shaper: true });
    expect(fontStats()).toEqual({ ...before, shaperLoaded: true });
  });
});

describe('TrueType reader', () => {
  it('reads the Latin fonts: renamed (Pretendard is a Reserved Font Name), metrics, cmap, advances', () => {
    for (const weight of ['Regular', 'Bold']) {
      const f = readTtf(font(`InfraLensLatin-${weight}.ttf`));
      expect(f.postscriptName).toBe(`InfraLensLatin-${weight}`);
      expect(f.unitsPerEm).toBeGreaterThan(0);
      expect(f.ascent).toBeGreaterThan(0);
      expect(f.descent).toBeLessThan(0);
      for (const ch of ' AZaz09~é€→−≥…—') expect(f.hasCodePoint(ch.codePointAt(0)!), ch).toBe(true);
      expect(f.hasCodePoint('가'.codePointAt(0)!)).toBe(false);
      const { glyphs } = f.layout('Aa가');
      expect(glyphs.map((g) => g.id > 0)).toEqual([true, true, false]);
      expect(glyphs[0]!.advanceWidth).toBeGreaterThan(0);
      expect(glyphs[0]!.codePoints).toEqual([0x41]);
    }
    // the same bytes are read once
    const bytes = font('InfraLensLatin-Regular.ttf');
    expect(readTtf(bytes)).toBe(readTtf(bytes));
  });

  it('reads the full font (format 12 and 4 cmaps) and refuses what is not TrueType', () => {
    const f = readTtf(font('Pretendard-Regular.ttf'));
    expect(f.postscriptName).toBe('Pretendard-Regular');
    for (const ch of 'A가힣') expect(f.hasCodePoint(ch.codePointAt(0)!), ch).toBe(true);
    expect(() => readTtf(new Uint8Array(8))).toThrow(FontFormatError);
    expect(() => readTtf(new TextEncoder().encode('OTTO and then some more bytes'))).toThrow(/CFF/);
  });
});
