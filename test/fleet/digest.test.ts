/**
 * Daily digests: schedulers upserted from the inventory (idempotent across start-ups, removed with their
 * channel), a scheduler run on a short cron posting the digest and the fleet PDF into the fake Slack
 * through the real send queue and Slack transport, and digestNow. Real Redis, real BullMQ.
 */
import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../bot/metrics.ts';
import { SlackTransport } from '../../bot/slack/transport.ts';
import { digestMessages } from '../../jobs/fleet/digest.ts';
import { digestSchedulerId, FleetService } from '../../jobs/fleet/service.ts';
import { silentLogger } from '../../jobs/log.ts';
import { Backbone } from '../../jobs/queue/backbone.ts';
import { sendProcessor } from '../../jobs/queue/outbox.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { analyzeFleet } from '../../scoring/analyze.ts';
import { digestModel, type HistoryRecord } from '../../scoring/history.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { FakeSlack, validateBlocks } from '../fakes/slack.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { dropPrefix, plainRedis } from '../jobs/helpers.ts';
import { BUNDLES, type BundleName, inventory, scriptedCollect } from './helpers.ts';

const DAY = 86_400_000;
const redis = plainRedis();
const prefixes: string[] = [];
const services: FleetService[] = [];
let fake: FakeSlack;
let backbone: Backbone;
const bbPrefix = testPrefix('digest-bb');

beforeAll(async () => {
  fake = await FakeSlack.start();
  // the backbone's send queue with the real Slack transport, pointed at the fake
  backbone = await Backbone.open({ url: REDIS_URL, prefix: bbPrefix, log: silentLogger });
  const client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  backbone.startWorkers({
    send: sendProcessor({
      kv: backbone.kv,
      transports: {
        slack: new SlackTransport({
          client,
          kv: backbone.kv,
          blobs: backbone.blobs,
          metrics: new Metrics(),
          log: silentLogger,
        }),
      },
      spacingMs: 50,
      log: silentLogger,
    }),
  });
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close(0);
});
afterAll(async () => {
  await backbone?.close(5_000);
  await fake?.close();
  for (const p of [...prefixes, bbPrefix]) await dropPrefix(redis, p);
  await redis.quit();
});

const HOSTS = [{ name: 'n1' }, { name: 'n2' }, { name: 'n3', groups: ['other'] }];

function start(
  channels: string,
  opts: {
    prefix?: string;
    worker?: boolean;
    collect?: ReturnType<typeof scriptedCollect>;
    now?: () => Date;
  } = {},
) {
  const prefix = opts.prefix ?? testPrefix('digest');
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  return FleetService.start({
    url: REDIS_URL,
    prefix,
    inventory: inventory(HOSTS, channels),
    collect: opts.collect ?? scriptedCollect({ n1: ['critical', 'good'], n2: ['idle'], n3: ['good'] }),
    outbox: backbone,
    renderPdf,
    log: silentLogger,
    worker: opts.worker ?? false,
    ...(opts.now ? { now: opts.now } : {}),
  }).then((s) => {
    services.push(s);
    return s;
  });
}

const analysisOf = (b: BundleName, host: string) =>
  analyzeFleet(ingestHosts([{ name: 'b.txt', content: BUNDLES[b] }], { host }).snapshots).hosts[0]!;

describe('digest schedulers', () => {
  it('are upserted idempotently across start-ups and removed with their channel', async () => {
    const prefix = testPrefix('digest-sched');
    const two = [
      '  - { surface: slack, id: CA, groups: [lab] }', // the default: 09:00 Asia/Seoul
      '  - { surface: slack, id: CB, groups: ["*"], digest: { cron: "30 18 * * 1-5", tz: UTC } }',
      '  - { surface: slack, id: CC, groups: [lab], digest: false }',
    ].join('\n');
    for (let boot = 0; boot < 2; boot++) {
      const s = await start(two, { prefix });
      const r = await s.syncSchedulers();
      expect(r.upserted).toEqual(['digest-slack-CA', 'digest-slack-CB']);
      expect(r.removed).toEqual([]);
      await s.close(0);
    }
    const s = await start(two, { prefix });
    const schedulers = await s.queue.getJobSchedulers(0, -1, true);
    expect(schedulers).toHaveLength(2);
    expect(await s.queue.getJobSchedulersCount()).toBe(2);
    const byId = Object.fromEntries(schedulers.map((x) => [x.id ?? x.key, x]));
    expect(byId['digest-slack-CA']).toMatchObject({ pattern: '0 9 * * *', tz: 'Asia/Seoul' });
    expect(byId['digest-slack-CB']).toMatchObject({ pattern: '30 18 * * 1-5', tz: 'UTC' });
    // one delayed job per scheduler, not one per start-up
    expect(await s.queue.getDelayedCount()).toBe(2);
    await s.close(0);

    // CB removed from the inventory, CC's digest turned on
    const next = await start(
      ['  - { surface: slack, id: CA, groups: [lab] }', '  - { surface: slack, id: CC, groups: [lab] }'].join(
        '\n',
      ),
      { prefix },
    );
    const r = await next.syncSchedulers();
    expect(r).toEqual({ upserted: ['digest-slack-CA', 'digest-slack-CC'], removed: ['digest-slack-CB'] });
    expect(await next.queue.getJobSchedulersCount()).toBe(2);
    expect(digestSchedulerId({ surface: 'teams', id: '19:abc@thread.tacv2' })).toBe(
      'digest-teams-19_abc_thread.tacv2',
    );
  });

  it('a scheduler run (every second) posts the digest with the fleet PDF into Slack', async () => {
    const s = await start(
      '  - { surface: slack, id: CSCHED, groups: [lab], digest: { cron: "*/1 * * * * *", tz: Asia/Seoul } }',
      { worker: true },
    );
    await s.syncSchedulers();
    const upload = await fake.waitFor(() => fake.uploads.find((u) => u.channel_id === 'CSCHED'), 20_000);
    await s.queue.removeJobScheduler(digestSchedulerId({ surface: 'slack', id: 'CSCHED' }));
    await s.close(5_000);
    expect(upload.filename).toMatch(/^infralens-fleet-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(upload.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const post = fake.messages('CSCHED').find((m) => /Daily GPU score/.test(m.text));
    expect(post).toBeDefined();
    expect(validateBlocks(post!.blocks ?? [])).toEqual([]);
    const text = JSON.stringify(post!.blocks);
    expect(text).toContain('*n1*');
    expect(text).toContain('*n2*');
    expect(text).not.toContain('*n3*'); // another group's host
    expect(text).toMatch(/GPU3 PCIe link at Gen4 x8/); // n1's top finding
    // the posted digest came before its PDF in the channel
    expect(post!.thread_ts).toBeUndefined();
  });
});

describe('digestNow', () => {
  it('posts at once: change since yesterday, what is new and what got fixed, the PDF', async () => {
    const now = Date.UTC(2026, 2, 3, 0, 0, 0);
    const s = await start(
      [
        '  - { surface: slack, id: CNOW, groups: ["*"], digest: false }',
        '  - { surface: slack, id: CDAILY, groups: [lab] }',
      ].join('\n'),
      {
        prefix: bbPrefix,
        collect: scriptedCollect({
          n1: ['good'],
          n2: ['idle'],
          n3: [{ kind: 'auth', message: 'publickey refused' }],
        }),
        now: () => new Date(now),
      },
    );
    // yesterday n1 had the critical findings, n2 was healthy
    await s.deps.history.record('n1', analysisOf('critical', 'n1'), now - DAY - 60_000);
    await s.deps.history.record('n2', analysisOf('good', 'n2'), now - DAY - 60_000);
    const [r] = await s.digestNow('CNOW');
    expect(r!.collected).toBe(3);
    expect(r!.model.rows.map((x) => x.host)).toEqual(['n3', 'n2', 'n1']);
    expect(r!.model.rows.find((x) => x.host === 'n1')!.change).toBe(11.6);
    // n1's critical findings are fixed; n2's idle GPU is another one today (another fingerprint)
    expect(r!.model.gone.map((x) => `${x.host}:${x.finding.rule}`).sort()).toEqual([
      'n1:clock-throttle',
      'n1:memory-pressure',
      'n1:pcie-downtrained',
      'n2:gpu-idle',
    ]);
    expect(r!.model.appeared.map((x) => `${x.host}:${x.finding.rule}`)).toEqual(
      expect.arrayContaining(['n1:gpu-idle', 'n2:gpu-idle']),
    );
    const upload = await fake.waitFor(() => fake.uploads.find((u) => u.channel_id === 'CNOW'), 20_000);
    expect(upload.bytes.length).toBeGreaterThan(1000);
    const post = fake.messages('CNOW').find((m) => /Daily GPU score/.test(m.text))!;
    const blocks = JSON.stringify(post.blocks);
    expect(blocks).toContain('+11.6');
    expect(blocks).toContain('Fixed since yesterday');
    expect(blocks).toContain('New since yesterday');
    expect(blocks).toMatch(/\*n3\* — not answering \(auth\)/);
    // collected within the hour: a second digest right after collects nothing again
    const [again] = await s.digestNow('CDAILY');
    expect(again!.collected).toBe(0);
    // no channel named: every channel with a daily post; an unknown channel is an error
    expect((await s.digestNow()).map((x) => x.channel)).toEqual(['CDAILY']);
    await expect(s.digestNow('CNOPE')).rejects.toThrow(/no channel 'CNOPE'/);
  });

  it('names the live sources that failed for its collections, at most five, escaped', () => {
    const model = digestModel([]);
    const notes = Array.from(
      { length: 7 },
      (_, i) => `gpu-${i}: GPU window: gpu-${i}: prometheus http://p:9090: 401 Unauthorized <@U1>`,
    );
    const [m] = digestMessages(model, 'en', '2026-12-03', notes);
    const blocks = (m as { blocks: { type: string; elements?: { text: string }[] }[] }).blocks;
    const ctx = blocks.at(-1)!;
    expect(ctx.type).toBe('context');
    const text = ctx.elements![0]!.text;
    expect(text.split('\n')).toHaveLength(6);
    expect(text).toMatch(/^:warning: gpu-0: GPU window: .*401 Unauthorized &lt;@U1&gt;/);
    expect(text).toMatch(/…and 2 more$/);
    expect(validateBlocks(blocks)).toEqual([]);
    // without failures, no such block
    const [plain] = digestMessages(model, 'en', '2026-12-03');
    expect((plain as { blocks: { type: string }[] }).blocks.at(-1)!.type).not.toBe('context');
  });

  it('stays within Block Kit limits for a large fleet (the rest is left to the PDF, and said so)', () => {
    const rec = (i: number): HistoryRecord => ({
      at: 1,
      score: 50 + (i % 50),
      grade: 'C',
      components: null,
      findings: [
        {
          fingerprint: `f${i}`,
          rule: 'gpu-idle',
          severity: 'warning',
          title: { en: `GPU${i % 8} <b>idle</b> ${'x'.repeat(150)}`, ko: '유휴' },
        },
      ],
    });
    const model = digestModel(
      Array.from({ length: 2000 }, (_, i) => ({
        host: `gpu-${i}`,
        now: rec(i),
        yesterday: { ...rec(i + 1), at: 0 },
      })),
    );
    for (const lang of ['en', 'ko'] as const) {
      const [m] = digestMessages(model, lang, '2026-03-03');
      const blocks = (m as { blocks: unknown[] }).blocks;
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(validateBlocks(blocks)).toEqual([]);
      // Slack refuses about 12,000 characters of block text in one message
      const chars = blocks.reduce((n: number, b) => n + JSON.stringify(b).length, 0);
      expect(chars).toBeLessThan(12_000);
      expect(JSON.stringify(blocks)).toMatch(lang === 'en' ? /more hosts? in the PDF/ : /PDF에/);
      expect(JSON.stringify(blocks)).not.toContain('<b>');
    }
  });
});
