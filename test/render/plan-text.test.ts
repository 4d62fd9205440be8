/**
 * The plan as the terminal and the PDF show it, and Korean particles:
 * - a plan without a score after printed "score after ?"; it now prints the plan's `scoreAfterReason`
 *   (what the inputs lack), in the language of the report;
 * - a job whose GPUs span NUMA nodes (`numaNode` null) showed no node; it now shows `targets[].numaNodes`
 *   (`@NUMA0+1` in the terminal, `(NUMA 0+1)` in the PDF);
 * - Korean text carried fallbacks such as "GPU4이(가)", "train-rec-c은(는)"; none is left in the demo
 *   output (`demo --lang ko --no-pdf`, both scenarios) or in the Korean PDF read back with pdftotext.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import type { Analysis } from '../../scoring/analyze.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import { buildReport, numaOfTarget } from '../../scoring/report.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { renderAnalysis, renderPlan } from '../../tools/render/text.ts';
import { runCli } from '../helpers/cli.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const FALLBACK =
  /이\(가\)|가\(이\)|은\(는\)|는\(은\)|을\(를\)|를\(을\)|와\(과\)|과\(와\)|\(으\)로|으로\(로\)/;
const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0;
const readBack = hasPoppler || process.env.CI === 'true';
const tmp = mkdtempSync(join(tmpdir(), 'infralens-plan-text-'));
function pdfText(bytes: Uint8Array): string {
  const file = join(tmp, `r-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
}
const squash = (s: string) => s.replace(/\s+/g, '');

const demo = (name: string): Analysis => analyzeAndPlan(ingestHosts(scenarioFiles(name)).snapshots);

/** A real L40S topology (two sockets, no utilisation) with a training job across the sockets. */
function topologyOnly(): Analysis {
  const topo = readFileSync(
    new URL('../../samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt', import.meta.url),
  );
  const wl = JSON.stringify({ workloads: [{ name: 'ddp', kind: 'training', gpus: [0, 2], cpus: '0-95' }] });
  return analyzeAndPlan(
    ingestHosts([
      { name: 'topo.txt', content: topo },
      { name: 'w.json', content: wl },
    ]).snapshots,
  );
}

describe('a plan without a score after', () => {
  const a = topologyOnly();
  const plan = a.hosts[0]!.placement!;

  it('has a reason in both languages (the premise)', () => {
    expect(plan.objective.scoreAfter).toBeNull();
    expect(plan.objective.scoreAfterReason?.en).toMatch(/^no score after: the inputs carry no utilisation/);
    expect(plan.moves.length).toBeGreaterThan(0);
  });

  for (const lang of ['en', 'ko'] as const)
    it(`${lang}: the terminal prints the reason, not "score after ?", and the note once`, () => {
      const out = renderPlan(plan, lang).join('\n');
      expect(out).not.toContain('?');
      expect(out.split('\n')[0]).toBe(
        lang === 'en'
          ? `Placement plan: ${plan.objective.scoreAfterReason!.en} (${plan.objective.moves} move${plan.objective.moves === 1 ? '' : 's'})`
          : `배치 계획: ${plan.objective.scoreAfterReason!.ko} (이동 ${plan.objective.moves}건)`,
      );
      // the English note saying the same is not repeated under the plan
      expect(out.split(plan.objective.scoreAfterReason!.en).length - 1).toBe(lang === 'en' ? 1 : 0);
    });

  for (const lang of ['en', 'ko'] as const)
    it(`${lang}: the PDF model says it in the plan section`, () => {
      const model = buildReport(a, lang, NOW);
      const section = model.sections.find(
        (s) => s.title === (lang === 'en' ? 'Placement plan' : '배치 계획'),
      )!;
      const first = section.blocks[0]!;
      expect(first.kind).toBe('paragraph');
      expect(first.kind === 'paragraph' && first.text).toBe(
        lang === 'en'
          ? `${plan.objective.scoreAfterReason!.en} (${plan.objective.moves} move(s)).`
          : `${plan.objective.scoreAfterReason!.ko} (이동 ${plan.objective.moves}건).`,
      );
      expect(JSON.stringify(model)).not.toContain('score after ?');
      expect(JSON.stringify(model)).not.toContain('변경 후 점수 ?');
    });

  it.runIf(readBack)('en and ko: the PDF reads back the reason', async () => {
    for (const lang of ['en', 'ko'] as const) {
      const t = squash(pdfText(await renderPdf(buildReport(a, lang, NOW), NOW)));
      expect(t).toContain(squash(plan.objective.scoreAfterReason![lang]).slice(0, 40));
      expect(t).not.toContain('scoreafter?');
    }
  });

  it('a plan with a score after keeps the objective line', () => {
    const out = renderPlan(demo('h200').hosts[0]!.placement!, 'en').join('\n');
    expect(out.split('\n')[0]).toBe('Placement plan: objective 80.3 = score after 82.3 − 0.5 × 4 moves');
  });
});

describe('a job whose GPUs span NUMA nodes', () => {
  it('numaOfTarget: the node, or the nodes joined with +', () => {
    expect(numaOfTarget({ numaNode: 1, numaNodes: [1] })).toBe('1');
    expect(numaOfTarget({ numaNode: null, numaNodes: [0, 1] })).toBe('0+1');
    expect(numaOfTarget({ numaNode: null, numaNodes: [] })).toBeNull();
  });

  for (const [name, job, from] of [
    ['h200', 'train-vision-b', 'GPU3, GPU5 @NUMA0+1'],
    ['l40s', 'train-diffusion', 'GPU1, GPU2 @NUMA0+1'],
  ] as const)
    it(`${name}: ${job} today shows ${from} in the terminal and (NUMA 0+1) in the PDF table`, () => {
      const a = demo(name);
      const plan = a.hosts[0]!.placement!;
      const move = plan.moves.find((m) => m.workload === job)!;
      expect(move.from).toMatchObject({ numaNode: null, numaNodes: [0, 1] });
      for (const lang of ['en', 'ko'] as const) {
        const row = renderPlan(plan, lang).find((l) => l.trimStart().startsWith(job))!;
        expect(row).toContain(from);
        const model = buildReport(a, lang, NOW);
        const table = model.sections.flatMap((s) => s.blocks).find((b) => b.kind === 'table')!;
        const cells = table.kind === 'table' ? table.rows.find((r) => r[0] === job)! : [];
        expect(cells[1]!.split('\n')[0]).toBe(`${from.split(' @')[0]} (NUMA 0+1)`);
      }
    });
});

describe('Korean text has no particle fallback', () => {
  for (const name of ['h200', 'l40s'])
    it(`demo --scenario ${name} --lang ko --no-pdf`, async () => {
      const r = await runCli(['demo', '--scenario', name, '--lang', 'ko', '--no-pdf']);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toMatch(FALLBACK);
      // and the particles are the right ones
      expect(r.stdout).not.toMatch(/GPU[2459](?:이|은|을|과) /);
      expect(r.stdout).not.toMatch(/GPU[0136-8](?:가|는|를|와) /);
    });

  it('the h200 demo: the words the fallbacks used to follow', () => {
    const out = renderAnalysis(demo('h200'), 'ko');
    for (const s of [
      'GPU4가 어떤 워크로드에도 할당되지 않음',
      'train-rec-c는 NUMA 노드 1',
      'GPU2와 다른 NUMA 노드',
    ]) {
      expect(out).toContain(s);
    }
  });

  it('the PDF model (ko) of both demos and of a topology-only upload', () => {
    for (const a of [demo('h200'), demo('l40s'), topologyOnly()])
      expect(JSON.stringify(buildReport(a, 'ko', NOW))).not.toMatch(FALLBACK);
  });

  it.runIf(readBack)('the Korean PDF read back (both demos)', async () => {
    for (const name of ['h200', 'l40s']) {
      const t = pdfText(await renderPdf(buildReport(demo(name), 'ko', NOW), NOW));
      expect(squash(t)).not.toMatch(FALLBACK);
      expect(squash(t)).toContain(
        squash(name === 'h200' ? 'GPU4가 어떤 워크로드에도' : 'GPU2와 다른 NUMA 노드'),
      );
    }
  });
});
