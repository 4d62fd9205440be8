/**
 * The fleet in the agent's tools and the offline analyst: inventory hosts in a Session (the manifest and
 * their bundles), collect_nvidia_smi refreshing an inventory host through the FleetPort, get_history's
 * trend, the offline history answer in English and Korean, the re-check text, and the grounding of an
 * answer that quotes get_history's numbers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGrounding, GroundingIndex } from '../../bot/agent/grounding.ts';
import { daysOf, historyAnswer, isHistoryQuestion } from '../../bot/agent/offline/answers/history.ts';
import { recheckText } from '../../bot/fleet-chat.ts';
import { compare, type HistoryRecord } from '../../scoring/history.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import { FLEET_MANIFEST, Session } from '../../tools/agent/session.ts';
import type { FleetPort, ToolContext } from '../../tools/agent/types.ts';

const h200 = readFileSync(new URL('../../samples/fleet/baremetal-h200.txt', import.meta.url), 'utf8');
const l40s = readFileSync(new URL('../../samples/scenarios/l40s/bundle.txt', import.meta.url), 'utf8');
const NOW = Date.parse('2025-06-10T09:00:00Z');
const MIN = 60_000;

const finding = (fp: string, severity: 'critical' | 'warning' | 'info', en: string) => ({
  fingerprint: fp,
  rule: fp,
  severity,
  title: { en, ko: `${en} (ko)` },
});
const rec = (
  at: number,
  score: number | null,
  findings: HistoryRecord['findings'],
  error?: HistoryRecord['error'],
): HistoryRecord => ({
  at,
  score,
  grade: score === null ? null : score >= 75 ? 'B' : score >= 60 ? 'C' : 'D',
  components: null,
  findings,
  ...(error ? { error } : {}),
});
const RECORDS: HistoryRecord[] = [
  rec(NOW - 6 * 86_400_000, 62, [
    finding('a', 'critical', 'NUMA split'),
    finding('b', 'warning', 'Idle GPU 3'),
    finding('c', 'warning', 'PCIe x8'),
  ]),
  rec(NOW - 3 * 86_400_000, null, [], { kind: 'auth', message: 'permission denied' }),
  rec(NOW - 86_400_000, 68.4, [finding('c', 'warning', 'PCIe x8')]),
  rec(NOW - 12 * MIN, 71.5, [finding('c', 'warning', 'PCIe x8'), finding('d', 'info', 'NVLink mesh')]),
];

function fleetSession(): Session {
  const manifest = {
    infralens: 'fleet',
    hosts: [{ name: 'gpu-a', file: 'gpu-a.bundle.txt', at: NOW - 12 * MIN }],
    inventory: ['gpu-a', 'gpu-b'],
  };
  return new Session([
    { name: FLEET_MANIFEST, content: JSON.stringify(manifest) },
    { name: 'gpu-a.bundle.txt', content: h200 },
  ]);
}

function ctxOf(session: Session, fleet?: FleetPort): ToolContext {
  return {
    session,
    services: {
      renderReport: async () => new Uint8Array(),
      now: () => new Date(NOW),
      ...(fleet ? { fleet } : {}),
    },
    signal: new AbortController().signal,
  };
}

const port = (collected: string[] = []): FleetPort => ({
  async collect(host) {
    collected.push(host);
    return { host, at: NOW, bundle: l40s, record: RECORDS[3]!, before: RECORDS[2]!, error: null };
  },
  async history(host, days) {
    return host === 'gpu-a' ? RECORDS.filter((r) => r.at >= NOW - days * 86_400_000) : [];
  },
});

describe('inventory hosts in a session', () => {
  it('are named after their inventory entry, with the time of their collection', async () => {
    const s = fleetSession();
    expect(s.hosts()).toEqual(['gpu-a']);
    expect(s.isInventoryHost('gpu-a')).toBe(true);
    expect(s.inventoryHosts()).toEqual(['gpu-a', 'gpu-b']);
    const r = await new LocalRunner().run('list_hosts', {}, ctxOf(s));
    expect(r.status).toBe('success');
    const data = (r as { data: { hosts: { collected: unknown }[]; inventoryOnly: string[] } }).data;
    expect(data.hosts[0]!.collected).toMatchObject({ source: 'inventory', minutesAgo: 12 });
    expect(data.inventoryOnly).toEqual(['gpu-b']);
  });

  it('collect_nvidia_smi: the last collection by default; refresh: true collects now through the fleet', async () => {
    const collected: string[] = [];
    const s = fleetSession();
    const runner = new LocalRunner();
    const last = await runner.run('collect_nvidia_smi', { host: 'gpu-a' }, ctxOf(s, port(collected)));
    expect((last as { data: { collection: unknown } }).data.collection).toMatchObject({
      live: false,
      minutesAgo: 12,
    });
    expect(collected).toEqual([]);
    const gpusBefore = (last as { data: { gpus: unknown[] } }).data.gpus.length;
    const fresh = await runner.run(
      'collect_nvidia_smi',
      { host: 'gpu-a', refresh: true },
      ctxOf(s, port(collected)),
    );
    expect(collected).toEqual(['gpu-a']);
    const data = (fresh as { data: { collection: unknown; gpus: { name: string }[] } }).data;
    expect(data.collection).toMatchObject({ source: 'inventory', live: true, minutesAgo: 0 });
    expect(data.gpus.length).not.toBe(gpusBefore);
    expect(data.gpus[0]!.name).toMatch(/L40S/);
  });

  it('collect_nvidia_smi on uploaded files says the facts come from the files', async () => {
    const s = new Session([{ name: 'bundle.txt', content: l40s }]);
    const r = await new LocalRunner().run('collect_nvidia_smi', { refresh: true }, ctxOf(s, port()));
    expect((r as { data: { collection: { source: string; note: string } } }).data.collection.source).toBe(
      'files',
    );
  });
});

describe('get_history and the offline history answer', () => {
  it('the trend: first, last, change, min, max, sparkline and the findings fixed and new', async () => {
    const r = await new LocalRunner().run(
      'get_history',
      { host: 'gpu-a', days: 7 },
      ctxOf(fleetSession(), port()),
    );
    expect(r.status).toBe('success');
    expect((r as { data: unknown }).data).toMatchObject({
      host: 'gpu-a',
      points: 4,
      scored: 3,
      failures: 1,
      first: 62,
      last: 71.5,
      change: 9.5,
      min: 62,
      max: 71.5,
      sparkline: '▁·▆█',
      fixed: [{ rule: 'a' }, { rule: 'b' }],
      appeared: [{ rule: 'd' }],
    });
  });

  it('a host from files, an unknown host, no fleet: an error that says why', async () => {
    const files = new Session([{ name: 'bundle.txt', content: l40s }]);
    const host = files.hosts()[0]!;
    const r1 = await new LocalRunner().run('get_history', { host }, ctxOf(files, port()));
    expect(r1).toMatchObject({ status: 'error' });
    expect((r1 as { error: string }).error).toMatch(
      /uploaded files; score history is kept for the inventory hosts/,
    );
    const r2 = await new LocalRunner().run('get_history', { host: 'gpu-zz' }, ctxOf(fleetSession(), port()));
    expect((r2 as { error: string }).error).toBe("unknown host 'gpu-zz'; known hosts: gpu-a, gpu-b");
  });

  it('understands history questions and their windows', () => {
    for (const q of [
      'How did gpu-a do this week?',
      '이번 주 gpu-a 어땠어?',
      'gpu-a 점수 추이',
      'score trend of gpu-a',
    ])
      expect(isHistoryQuestion(q), q).toBe(true);
    for (const q of ['why is gpu-a slow?', 'gpu-a 점수 알려줘']) expect(isHistoryQuestion(q), q).toBe(false);
    expect([daysOf('this week'), daysOf('last 30 days'), daysOf('지난 3일'), daysOf('this month')]).toEqual([
      7, 30, 3, 30,
    ]);
  });

  it('answers in English: the change with the sparkline first, then min/max and what changed', async () => {
    const a = await historyAnswer({
      question: 'How did gpu-a do this week?',
      lang: 'en',
      runner: new LocalRunner(),
      ctx: ctxOf(fleetSession(), port()),
      hosts: ['gpu-a'],
    });
    const lines = a.text.split('\n');
    expect(lines[0]).toBe('gpu-a over the last 7 days: 62.0 → 71.5 (+9.5 points) `▁·▆█` — 4 collections.');
    expect(lines[1]).toBe('Lowest 62.0, highest 71.5; grade C → C.');
    expect(a.text).toContain('Fixed since the first collection: NUMA split (critical); Idle GPU 3 (warning)');
    expect(a.text).toContain('New since the first collection: NVLink mesh (info)');
    expect(a.text).toContain('1 collection failed in the window.');
    // the grounding check keeps every number (they are get_history's)
    const grounding = new GroundingIndex([(a.calls[0]!.outcome as { data: unknown }).data]);
    expect(checkGrounding(lines.slice(0, 2).join('\n'), grounding)).toEqual([]);
  });

  it('answers in Korean; without history it says how to get it; an unknown host lists the known', async () => {
    const ko = await historyAnswer({
      question: '이번 주 gpu-a 어땠어?',
      lang: 'ko',
      runner: new LocalRunner(),
      ctx: ctxOf(fleetSession(), port()),
      hosts: ['gpu-a'],
    });
    expect(ko.text.split('\n')[0]).toBe('gpu-a의 최근 7일 점수: 62.0 → 71.5 (+9.5점) `▁·▆█` — 수집 4회.');
    expect(ko.text).toContain('최저 62.0, 최고 71.5; 등급 C → C.');
    const none = await historyAnswer({
      question: 'gpu-b 점수 추이',
      lang: 'ko',
      runner: new LocalRunner(),
      ctx: ctxOf(fleetSession(), port()),
      hosts: ['gpu-a'],
    });
    expect(none.text).toMatch(/^gpu-b는 최근 7일 동안의 점수 이력이 아직 없습니다\./);
    expect(none.text).toContain('INFRALENS_CONFIG');
    const unknown = await historyAnswer({
      question: 'how did gpu-zz do this week?',
      lang: 'en',
      runner: new LocalRunner(),
      ctx: ctxOf(fleetSession(), port()),
      hosts: ['gpu-a'],
    });
    expect(unknown.text).toMatch(/I have no data for `gpu-zz`.*gpu-a and gpu-b/);
  });
});

describe('the re-check text', () => {
  it('first line answers: before → after (change); fixed, new and remaining; then the lists', () => {
    const c = compare(RECORDS[0]!, RECORDS[3]!);
    const en = recheckText(
      'gpu-a',
      { before: RECORDS[0]!, after: RECORDS[3]!, comparison: c, error: null },
      'en',
    );
    expect(en.split('\n')[0]).toBe('*gpu-a*: 62.0 C → 71.5 C (+9.5); 2 findings fixed, 1 remains');
    expect(en).toContain('*Fixed*\n• NUMA split (critical)\n• Idle GPU 3 (warning)');
    const ko = recheckText(
      'gpu-a',
      { before: RECORDS[0]!, after: RECORDS[3]!, comparison: c, error: null },
      'ko',
    );
    expect(ko.split('\n')[0]).toBe('*gpu-a*: 62.0 C → 71.5 C (+9.5); 2개 해결, 1개 남음');
    const failed = recheckText(
      'gpu-a',
      {
        before: RECORDS[2]!,
        after: RECORDS[1]!,
        comparison: compare(RECORDS[2]!, RECORDS[1]!),
        error: { kind: 'auth', message: 'permission denied' },
      },
      'en',
    );
    expect(failed).toBe(
      '*gpu-a*: the re-check could not collect (auth: permission denied). The last good collection scored 68.4 (C).',
    );
  });
});

describe('create_report for an inventory host', () => {
  it('charts the host score trend from its history (the PDF model gets the trend block); none without a fleet', async () => {
    const models: unknown[] = [];
    const s = fleetSession();
    const ctx = ctxOf(s, port());
    ctx.services.renderReport = async (model) => {
      models.push(model);
      return new Uint8Array([1]);
    };
    const r = await new LocalRunner().run('create_report', { lang: 'en', host: 'gpu-a' }, ctx);
    expect(r.status).toBe('success');
    const text = JSON.stringify(models[0]);
    // the trend block carries the history's scored points: 62 → 71.5 over the last 7 days
    expect(text).toContain('"kind":"trend"');
    expect(text).toMatch(/62\.0 → 71\.5/);
    const bare = ctxOf(fleetSession());
    bare.services.renderReport = async (model) => {
      models.push(model);
      return new Uint8Array([1]);
    };
    expect((await new LocalRunner().run('create_report', { lang: 'en', host: 'gpu-a' }, bare)).status).toBe(
      'success',
    );
    expect(JSON.stringify(models[1])).not.toContain('"kind":"trend"');
  });
});
