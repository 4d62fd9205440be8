/**
 * The fleet from the CLI on a real Redis (a test prefix): `infralens collect` records each collection in
 * the score history (the Proxmox host scored from its guests, as the bot's collections are), `hosts` reads
 * the last collection from it, `history HOST` prints the trend (one line per day, the change, a sparkline,
 * min/max), and the errors: Redis not answering, an unknown host or one without history, usage.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.ts';
import { type FleetHooks, fleetHooks } from '../../bin/fleet.ts';
import { HistoryStore } from '../../jobs/fleet/history.ts';
import { analyzeFleet } from '../../scoring/analyze.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { closedPort, type FakeFleet, recorded, startFakeFleet } from '../helpers/ssh-server.ts';
import { dropPrefix, plainRedis } from '../jobs/helpers.ts';
import { BUNDLES, type BundleName } from './helpers.ts';

const DAY = 86_400_000;
const redis = plainRedis();
const prefix = testPrefix('cli-history');
const tmp = mkdtempSync(join(tmpdir(), 'infralens-cli-history-'));
let fleet: FakeFleet;
let config: string;
let downUrl: string;

beforeAll(async () => {
  fleet = await startFakeFleet([
    { name: 'gpu-node-01', extra: { groups: ['lab'] } },
    { name: 'bad-auth', mode: 'auth-fail', extra: { groups: ['lab'] } },
    { name: 'pve-hgx-01', bundle: recorded('pve-host.txt'), extra: { role: 'proxmox', groups: ['pve'] } },
    {
      name: 'train-a',
      bundle: recorded('pve-guest-101.txt'),
      extra: { role: 'guest', proxmoxHost: 'pve-hgx-01', vmid: 101, groups: ['pve'] },
    },
    {
      name: 'train-b',
      bundle: recorded('pve-guest-102.txt'),
      extra: { role: 'guest', proxmoxHost: 'pve-hgx-01', vmid: 102, groups: ['pve'] },
    },
    { name: 'spare-01', extra: { groups: ['spare'] } },
  ]);
  config = join(tmp, 'inventory.yaml');
  writeFileSync(config, fleet.inventoryYaml());
  downUrl = `redis://127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  await fleet?.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});
afterEach(() => vi.unstubAllEnvs());

function stubEnv(extra: Record<string, string> = {}) {
  vi.stubEnv('INFRALENS_CONFIG', config);
  vi.stubEnv('REDIS_URL', REDIS_URL);
  vi.stubEnv('INFRALENS_QUEUE_PREFIX', prefix);
  vi.stubEnv('TZ', 'UTC');
  for (const [k, v] of Object.entries(extra)) vi.stubEnv(k, v);
}

/** `main` as the entry point runs it: the fleet hooks built from the environment, closed after. */
async function cli(args: string[], extra: Partial<FleetHooks> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const hooks = fleetHooks(process.env);
  try {
    const status = await main(args, {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      fleet: { ...hooks, ...extra },
    });
    return { status, stdout: out.join('\n'), stderr: err.join('\n'), out, err };
  } finally {
    await hooks.close();
  }
}

const analysisOf = (b: BundleName, host: string) =>
  analyzeFleet(ingestHosts([{ name: 'b.txt', content: BUNDLES[b] }], { host }).snapshots).hosts[0]!;

describe('infralens collect and hosts with the history', () => {
  it('collect records every collection (the Proxmox host scored from its guests); hosts shows them', async () => {
    stubEnv();
    const lab = await cli(['collect', 'lab']);
    expect(lab.status).toBe(1);
    expect(lab.out.at(-1)).toMatch(/^collected 1 of 2 hosts in \d+\.\d s; recorded in the history$/);
    const node = /^gpu-node-01 {2}ok {4}8 GPUs, score (\d+\.\d) \(([A-F])\)/.exec(lab.out[0]!);
    expect(node, lab.stdout).not.toBeNull();
    expect(lab.out[1]).toMatch(/^bad-auth {5}auth/);
    const pve = await cli(['collect', 'pve-hgx-01']);
    expect(pve.status).toBe(0);
    // the guests are collected with their host, and the host gets a score from their GPUs
    expect(pve.out.map((l) => l.split(/\s+/)[0])).toEqual(['pve-hgx-01', 'train-a', 'train-b', 'collected']);
    expect(pve.out[0]).toMatch(/^pve-hgx-01 {2}ok {2}8 GPUs, score \d+\.\d \([A-F]\)/);

    const history = new HistoryStore(redis, prefix);
    const latest = await history.latest('gpu-node-01');
    expect([latest!.score!.toFixed(1), latest!.grade]).toEqual([node![1], node![2]]);
    expect((await history.latest('bad-auth'))!.error!.kind).toBe('auth');
    expect((await history.latest('pve-hgx-01'))!.score).not.toBeNull();
    // alerts belong to the bot's fleet worker: the CLI leaves no alert state behind
    expect(await redis.keys(`${prefix}:fleet-alert*`)).toEqual([]);
    expect(await redis.keys(`${prefix}:fleet-sent*`)).toEqual([]);

    const hosts = await cli(['hosts']);
    expect(hosts.status).toBe(0);
    expect(hosts.stderr).toBe('');
    const at = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z';
    expect(hosts.out[1]).toMatch(new RegExp(`^gpu-node-01 .* ${at} score ${node![1]} \\(${node![2]}\\)$`));
    expect(hosts.out[2]).toMatch(new RegExp(`^bad-auth .* ${at} failed: auth: `));
    expect(hosts.out[6]).toMatch(/^spare-01 .* never$/);
    const json = JSON.parse((await cli(['hosts', '--json', 'spare'])).stdout);
    expect(json[0].lastCollection).toBeNull();
  });

  it('with Redis down: hosts says unknown once, collect collects with one warning line', async () => {
    stubEnv({ REDIS_URL: downUrl });
    const hosts = await cli(['hosts', 'lab']);
    expect(hosts.status).toBe(0);
    expect(hosts.err).toEqual([
      expect.stringMatching(
        new RegExp(`^infralens: last collections unknown: Redis not reachable at ${downUrl}/? \\(.+\\)$`),
      ),
    ]);
    expect(hosts.out.slice(1, 3).every((l) => l.endsWith('  unknown'))).toBe(true);
    const collect = await cli(['collect', 'gpu-node-01']);
    expect(collect.status).toBe(0);
    expect(collect.out[0]).toMatch(/^gpu-node-01 {2}ok {2}8 GPUs, score/);
    expect(collect.out.at(-1)).toMatch(/^collected 1 of 1 host in \d+\.\d s$/);
    expect(collect.err).toEqual([
      expect.stringMatching(
        /^infralens: Redis not reachable at .*: collecting without recording the history$/,
      ),
    ]);
  });
});

describe('infralens history', () => {
  const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
  const host = 'hist-01';

  beforeAll(async () => {
    const h = new HistoryStore(redis, prefix);
    await h.record(host, analysisOf('critical', host), NOW - 3 * DAY);
    await h.record(host, { error: { kind: 'timeout', message: 'no answer in 10 s' } }, NOW - 2 * DAY);
    await h.record(host, analysisOf('idle', host), NOW - DAY - 3_600_000);
    await h.record(host, analysisOf('good', host), NOW - DAY);
    await h.record(host, analysisOf('idle', host), NOW);
  });

  it('prints one line per day (grade, score, change, top finding), a sparkline and min/max', async () => {
    stubEnv();
    const r = await cli(['history', host, '--days', '7'], { now: () => NOW });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.out[0]).toBe('hist-01: 5 collections in the last 7 days');
    expect(r.out[1]).toMatch(/^DATE {8}GRADE {2}SCORE {2}CHANGE {2}TOP FINDING$/);
    expect(r.out[2]).toMatch(/^2026-03-07 {2}C {6}70\.9 {3}— {7}\S.+$/);
    expect(r.out[3]).toBe('2026-03-08  —      —      —       not answering (timeout: no answer in 10 s)');
    // the day's latest collection, its change against the latest scored one before it
    expect(r.out[4]).toMatch(/^2026-03-09 {2}B {6}82\.5 {3}\+11\.6 {3}\S/);
    expect(r.out[5]).toMatch(/^2026-03-10 {2}C {6}64\.8 {3}−17\.7 {3}\S/);
    expect(r.out[6]).toMatch(
      /^trend [▁-█·]{5} {2}min 64\.8 · max 82\.5 · change −6\.1 · 1 failed collection$/,
    );

    const j = JSON.parse((await cli(['history', host, '--json'], { now: () => NOW })).stdout);
    expect(j.daily.map((d: { date: string; collections: number }) => [d.date, d.collections])).toEqual([
      ['2026-03-07', 1],
      ['2026-03-08', 1],
      ['2026-03-09', 2],
      ['2026-03-10', 1],
    ]);
    expect(j.trend).toMatchObject({ min: 64.8, max: 82.5, change: -6.1, failures: 1, points: 5 });

    // a shorter window (from NOW − 1 day: the 64.8 an hour earlier is outside) still compares its first
    // day with the latest score before it
    const one = await cli(['history', host, '--days', '1', '--lang', 'ko'], { now: () => NOW });
    expect(one.out.slice(2, 4).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      '2026-03-09 B 82.5 +17.7',
      '2026-03-10 C 64.8 −17.7',
    ]);
    expect(one.out[2]).toMatch(/[가-힣]/);
  });

  it('exits 1 for an unknown host or one without history (with the hint), 2 for usage', async () => {
    stubEnv();
    const unknown = await cli(['history', 'nosuch']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe(
      `infralens: unknown host nosuch: not in the inventory (${config}) and no history; \`infralens hosts\` lists the hosts`,
    );
    const none = await cli(['history', 'spare-01']);
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(
      'infralens: no history for spare-01: run `infralens collect spare-01` to record its first collection',
    );
    const old = await cli(['history', host, '--days', '1'], { now: () => NOW + 30 * DAY });
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(
      /^infralens: no collection of hist-01 in the last 1 day \(the latest: 2026-03-10T12:00:00Z\): try a longer --days, or run `infralens collect hist-01`$/,
    );
    for (const args of [['history'], ['history', host, '--days', 'x'], ['history', host, '--days', '0']]) {
      const u = await cli(args);
      expect(u.status, args.join(' ')).toBe(2);
      expect(u.stderr).toMatch(/^infralens: (history takes one HOST|--days takes a whole number)/);
    }
  });

  it('exits 1 with one line when Redis does not answer', async () => {
    stubEnv({ REDIS_URL: downUrl });
    const t0 = Date.now();
    const r = await cli(['history', host]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.err).toEqual([
      expect.stringMatching(
        /^infralens: Redis not reachable at redis:\/\/127\.0\.0\.1:\d+\/? \(.+\): the history is kept there \(REDIS_URL\)$/,
      ),
    ]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    stubEnv({ REDIS_URL: 'http://127.0.0.1:6379' });
    const bad = await cli(['history', host]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^infralens: invalid setting REDIS_URL: /);
  });
});
