/**
 * Alerts end to end below the chat surface: collections served by a scripted collector (recorded bundles
 * and failures, injected as `collect`), history and alert state in real Redis, send jobs recorded.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { decideAlerts } from '../../jobs/fleet/alerts.ts';
import { collectAndRecord, recheck } from '../../jobs/fleet/collect.ts';
import type { HistoryRecord } from '../../scoring/history.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { dropPrefix } from '../jobs/helpers.ts';
import { type Answer, fleetDeps, inventory, recordingOutbox, scriptedCollect } from './helpers.ts';

const HOUR = 3_600_000;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await redis.quit();
});

const CHANNELS = [
  '  - { surface: slack, id: CLAB, groups: [lab], digest: false, alerts: true }',
  '  - { surface: slack, id: CALL, groups: ["*"], digest: false, alerts: true }',
  '  - { surface: slack, id: CQUIET, groups: ["*"], digest: false, alerts: false }',
  '  - { surface: slack, id: COTHER, groups: [other], digest: false, alerts: true }',
].join('\n');

function setup(script: Record<string, Answer[]>, alerts?: string) {
  const prefix = testPrefix('alerts');
  prefixes.push(prefix);
  const inv = inventory([{ name: 'n1' }, { name: 'n2', groups: ['other'] }], CHANNELS, alerts);
  const collect = scriptedCollect(script);
  const outbox = recordingOutbox();
  const clock = { now: Date.UTC(2026, 0, 10, 0, 0, 0) };
  const deps = fleetDeps(redis, prefix, inv, collect, outbox, clock);
  const n1 = inv.hosts.filter((h) => h.name === 'n1');
  const step = async (hosts = n1) => {
    clock.now += HOUR;
    return collectAndRecord(deps, hosts);
  };
  return { deps, outbox, clock, step, inv, n1, prefix };
}

describe('alerts', () => {
  it('a score drop and new critical findings: posted once per channel that sees the host, then recovered', async () => {
    const { outbox, step } = setup({ n1: ['good', 'critical', 'critical', 'good'] });
    const first = await step();
    expect(first.hosts[0]!.record.score).toBe(82.5);
    expect(outbox.sends).toHaveLength(0);

    const second = await step();
    const raised = second.hosts[0]!.alerts.filter((a) => a.type === 'raised').map((a) => a.alert.kind);
    expect(raised.sort()).toEqual(['critical', 'critical', 'score-drop']);
    // to the lab channel and the all-hosts channel; not the quiet one, not the other group's
    expect(new Set(outbox.sends.map((s) => s.data.to.channel))).toEqual(new Set(['CLAB', 'CALL']));
    expect(outbox.texts('CLAB')).toHaveLength(3);
    expect(outbox.texts('CLAB').join('\n')).toMatch(
      /\*n1\* score dropped: 82\.5 → 70\.9 \(−11\.6 points, grade B → C\)/,
    );
    expect(outbox.texts('CLAB').join('\n')).toMatch(/new critical finding: GPU3 PCIe link at Gen4 x8/);
    // Block Kit: one mrkdwn section each
    expect(outbox.sends[0]!.data.messages[0]).toMatchObject({
      kind: 'message',
      blocks: [{ type: 'section' }],
    });

    // the same conditions again: nothing new
    await step();
    expect(outbox.sends).toHaveLength(6);

    // all clear: a recovery per alert, to the channels that got it
    const fourth = await step();
    expect(fourth.hosts[0]!.alerts.map((a) => a.type)).toEqual(['cleared', 'cleared', 'cleared']);
    const lab = outbox.texts('CLAB');
    expect(lab).toHaveLength(6);
    expect(lab.slice(3).join('\n')).toMatch(/score recovered: 82\.5/);
    expect(lab.slice(3).filter((t) => /resolved: /.test(t))).toHaveLength(2);
  });

  it('a condition that comes back within the cooldown is not posted again (nor its recovery)', async () => {
    const { outbox, step } = setup({ n1: ['good', 'critical', 'good', 'critical', 'good'] });
    await step();
    await step(); // raised: 3 per channel
    await step(); // cleared: 3 per channel
    expect(outbox.texts('CLAB')).toHaveLength(6);
    await step(); // the same alerts again, inside the 6 h cooldown: not posted
    await step(); // and their recoveries are not posted either
    expect(outbox.texts('CLAB')).toHaveLength(6);
  });

  it('after the cooldown the same alert is posted again', async () => {
    const { outbox, step, prefix } = setup(
      { n1: ['good', 'critical', 'good', 'critical'] },
      'alerts: { scoreDrop: 10, cooldownMinutes: 1, unreachableAfter: 2 }',
    );
    await step();
    await step();
    await step();
    const keys = await redis.keys(`${prefix}:fleet-alert-sent:*`);
    // one per (channel, alert): 2 channels × (2 critical findings + the score drop), each for a minute
    expect(keys).toHaveLength(6);
    for (const k of keys) expect(await redis.pttl(k)).toBeGreaterThan(50_000);
    // the minute passes
    for (const k of keys) await redis.pexpire(k, 1);
    await new Promise((r) => setTimeout(r, 20));
    await step();
    expect(outbox.texts('CLAB').filter((t) => /new critical finding/.test(t))).toHaveLength(4);
  });

  it('a host not answering: alerted after unreachableAfter failures in a row, recovered when it answers', async () => {
    const down = { kind: 'unreachable' as const, message: 'connect ECONNREFUSED 127.0.0.1:2222' };
    const { outbox, step } = setup({ n1: ['good', down, 'good', down, down, down, 'good'] });
    await step();
    await step(); // one failure: not yet
    expect(outbox.sends).toHaveLength(0);
    await step(); // answers again
    await step(); // failure 1
    const r = await step(); // failure 2 → alert
    expect(r.hosts[0]!.alerts.map((a) => `${a.type}:${a.alert.kind}`)).toEqual(['raised:unreachable']);
    expect(outbox.texts('CLAB')).toEqual([
      expect.stringMatching(
        /\*n1\* is not answering: 2 collections in a row failed \(unreachable: connect ECONNREFUSED/,
      ),
    ]);
    await step(); // failure 3: still down, nothing new
    expect(outbox.texts('CLAB')).toHaveLength(1);
    await step(); // answers
    expect(outbox.texts('CLAB')[1]).toMatch(/\*n1\* is answering again/);
  });

  it('the decision is pure: failures neither raise nor clear score and finding alerts', () => {
    const rec = (at: number, score: number | null, crit: string[] = [], error = false): HistoryRecord => ({
      at,
      score,
      grade: null,
      components: null,
      findings: crit.map((fingerprint) => ({
        fingerprint,
        rule: 'ecc-errors',
        severity: 'critical',
        title: { en: fingerprint, ko: fingerprint },
      })),
      ...(error ? { error: { kind: 'timeout', message: 't' } } : {}),
    });
    const settings = { scoreDrop: 10, cooldownMinutes: 1, unreachableAfter: 3 };
    const active = {
      'critical-x': { id: 'critical-x', kind: 'critical' as const, since: 1, channels: [] },
      'score-drop': { id: 'score-drop', kind: 'score-drop' as const, since: 1, baseline: 90, channels: [] },
    };
    expect(decideAlerts(rec(5, null, [], true), [rec(4, null, [], true)], active, settings)).toEqual({
      raise: [],
      clear: [],
    });
    const d = decideAlerts(
      rec(5, null, [], true),
      [rec(4, null, [], true), rec(3, null, [], true)],
      active,
      settings,
    );
    expect(d.raise.map((a) => a.id)).toEqual(['unreachable']);
    // back within 10 points of the baseline clears the drop; 79.9 does not
    expect(decideAlerts(rec(6, 80, ['x']), [], active, settings).clear.map((a) => a.id)).toEqual([
      'score-drop',
    ]);
    expect(decideAlerts(rec(6, 79.9, ['x']), [], active, settings).clear).toEqual([]);
    // the drop is against the previous scored record, skipping failures
    expect(
      decideAlerts(rec(6, 70), [rec(5, null, [], true), rec(4, 81)], {}, settings).raise[0],
    ).toMatchObject({ id: 'score-drop', baseline: 81 });
  });

  it('recheck: before/after of one host (fixed findings, score change, what remains)', async () => {
    const { deps, step } = setup({ n1: ['critical', { kind: 'timeout', message: 'slow' }, 'good'] });
    await step(); // critical
    await step(); // a failed collection in between
    const r = await recheck(deps, 'n1');
    expect(r.error).toBeNull();
    expect(r.before!.score).toBe(70.9); // the latest successful record before, not the failure
    expect(r.comparison.scoreChange).toBe(11.6);
    expect(
      r.comparison.gone
        .filter((f) => f.severity === 'critical')
        .map((f) => f.rule)
        .sort(),
    ).toEqual(['clock-throttle', 'pcie-downtrained']);
    expect(r.comparison.appeared.map((f) => f.rule)).toContain('gpu-idle');
    await expect(recheck(deps, 'nope')).rejects.toThrow(/no host named 'nope'/);
  });
});
