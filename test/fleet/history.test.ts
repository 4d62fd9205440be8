import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../jobs/fleet/history.ts';
import { analyzeFleet } from '../../scoring/analyze.ts';
import {
  compare,
  digestModel,
  type HistoryRecord,
  recordOf,
  sparkline,
  trend,
} from '../../scoring/history.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { dropPrefix } from '../jobs/helpers.ts';
import { BUNDLES, type BundleName } from './helpers.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);

const analysisOf = (b: BundleName, host = 'n1') =>
  analyzeFleet(ingestHosts([{ name: 'b.txt', content: BUNDLES[b] }], { host }).snapshots).hosts[0]!;

const rec = (at: number, score: number | null, fps: string[] = [], error?: string): HistoryRecord => ({
  at,
  score,
  grade: score === null ? null : score >= 80 ? 'B' : 'C',
  components: null,
  findings: fps.map((f) => ({
    fingerprint: f,
    rule: 'gpu-idle',
    severity: f.startsWith('c') ? 'critical' : 'warning',
    title: { en: `finding ${f}`, ko: `발견 ${f}` },
  })),
  ...(error ? { error: { kind: 'timeout', message: error } } : {}),
});

describe('trend and compare (pure)', () => {
  it('sparkline: lowest ▁, highest █, a failure ·, a flat series mid-height', () => {
    expect(sparkline([0, 50, 100])).toBe('▁▅█');
    expect(sparkline([70, null, 80])).toBe('▁·█');
    expect(sparkline([60, 60])).toBe('▄▄');
    expect(sparkline([null])).toBe('·');
  });

  it('trend: min, max, first, last, change and failures, sorted by time', () => {
    const t = trend([rec(T0 + 2, 70), rec(T0, 80), rec(T0 + 1, null, [], 'down'), rec(T0 + 3, 85.5)]);
    expect(t).toMatchObject({ points: 4, scored: 3, failures: 1, min: 70, max: 85.5, first: 80, last: 85.5 });
    expect(t.change).toBe(5.5);
    expect(t.sparkline).toHaveLength(4);
    expect(t.sparkline[1]).toBe('·');
    expect(trend([]).change).toBeNull();
    // a long series is bucketed to the width
    expect(
      trend(
        Array.from({ length: 100 }, (_, i) => rec(T0 + i, i)),
        20,
      ).sparkline,
    ).toHaveLength(20);
  });

  it('compare: gone, appeared, remaining and the score change', () => {
    const c = compare(rec(T0, 70, ['a', 'c1', 'b']), rec(T0 + 1, 82.3, ['b', 'd']));
    expect(c.scoreChange).toBe(12.3);
    expect(c.gone.map((f) => f.fingerprint)).toEqual(['c1', 'a']); // critical first
    expect(c.appeared.map((f) => f.fingerprint)).toEqual(['d']);
    expect(c.remaining.map((f) => f.fingerprint)).toEqual(['b']);
    // nothing before: every finding is new; a failure after: nothing is known
    expect(compare(null, rec(T0, 80, ['a'])).appeared).toHaveLength(1);
    expect(compare(rec(T0, 80, ['a']), rec(T0 + 1, null, [], 'down'))).toMatchObject({
      gone: [],
      appeared: [],
    });
  });

  it('compare of real analyses: the critical findings of the L40S host are gone on the healthy one', () => {
    const before = recordOf('n1', analysisOf('critical'), T0);
    const after = recordOf('n1', analysisOf('good'), T0 + DAY);
    const c = compare(before, after);
    expect(c.scoreChange).toBeCloseTo(82.5 - 70.9, 1);
    expect(c.gone.filter((f) => f.severity === 'critical')).toHaveLength(2);
  });

  it('digest model: worst first, change since yesterday, news and fixes (host facts left out)', () => {
    const m = digestModel([
      { host: 'a', now: rec(T0 + DAY, 85, ['w1']), yesterday: rec(T0, 80, ['c1']) },
      { host: 'b', now: rec(T0 + DAY, 60, ['c2']), yesterday: rec(T0, 61, []) },
      { host: 'c', now: rec(T0 + DAY, null, [], 'refused'), yesterday: rec(T0, 70) },
      { host: 'd', now: rec(T0 + DAY, 75), yesterday: null },
    ]);
    expect(m.rows.map((r) => r.host)).toEqual(['c', 'b', 'd', 'a']);
    expect(m.rows.find((r) => r.host === 'a')).toMatchObject({ change: 5, top: { fingerprint: 'w1' } });
    expect(m.rows.find((r) => r.host === 'd')!.change).toBeNull();
    expect(m.appeared.map((x) => `${x.host}:${x.finding.fingerprint}`)).toEqual(['a:w1', 'b:c2']);
    expect(m.gone.map((x) => `${x.host}:${x.finding.fingerprint}`)).toEqual(['a:c1']);
    expect(m).toMatchObject({ hosts: 4, unreachable: 1, meanScore: 73.3 });
  });
});

describe('history in Redis', () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = testPrefix('history');
  let store: HistoryStore;
  beforeAll(() => {
    store = new HistoryStore(redis, prefix, 30);
  });
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
  });

  it('records analyses and errors; range, latest, atOrBefore', async () => {
    const a = await store.record('n1', analysisOf('critical'), T0);
    expect(a).toMatchObject({ at: T0, score: 70.9, grade: 'C' });
    expect(a.findings.some((f) => f.severity === 'critical')).toBe(true);
    await store.record('n1', { error: { kind: 'timeout', message: 'no answer in 120 s' } }, T0 + DAY);
    await store.record('n1', analysisOf('good'), T0 + 2 * DAY);
    expect((await store.latest('n1'))!.score).toBe(82.5);
    expect((await store.atOrBefore('n1', T0 + DAY + 5))!.error?.kind).toBe('timeout');
    expect(await store.atOrBefore('n1', T0 - 1)).toBeNull();
    expect((await store.before('n1', T0 + 2 * DAY))!.at).toBe(T0 + DAY);
    expect((await store.range('n1', T0, T0 + 2 * DAY)).map((r) => r.at)).toEqual([
      T0,
      T0 + DAY,
      T0 + 2 * DAY,
    ]);
    expect((await store.latestAnalysis('n1'))!.score!.value).toBe(82.5);
    expect(await store.latest('unknown-host')).toBeNull();
  });

  it('trims records older than the retention on write', async () => {
    for (let d = 0; d < 5; d++) await store.record('n2', analysisOf('idle', 'n2'), T0 + d * DAY);
    expect(await store.range('n2', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(5);
    // 30 days of retention: a write on day 32 removes days 0 and 1 (day 2 is exactly 30 days old: kept)
    await store.record('n2', analysisOf('idle', 'n2'), T0 + 32 * DAY);
    const left = await store.range('n2', 0, Number.MAX_SAFE_INTEGER);
    expect(left.map((r) => (r.at - T0) / DAY)).toEqual([2, 3, 4, 32]);
    // the key expires with the retention
    const ttl = await redis.pttl(`${prefix}:history:n2`);
    expect(ttl).toBeGreaterThan(29 * DAY);
    expect(ttl).toBeLessThanOrEqual(30 * DAY);
  });
});
