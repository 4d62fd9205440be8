/**
 * The fleet in the bot, end to end: `startBot` with INFRALENS_CONFIG naming an inventory of fake SSH hosts on
 * loopback (test/helpers/ssh-server.ts: real ssh2 servers serving recorded bundles, one refusing the key),
 * the real collector, real Redis and BullMQ, the fake Slack. Schedulers survive a restart without
 * duplicates; a digest posted now carries the table and the PDF; alerts reach the channel; a re-check
 * answers before/after.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { silentLogger } from '../../jobs/log.ts';
import { ConfigError } from '../../tools/errors.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { type FakeFleet, startFakeFleet } from '../helpers/ssh-server.ts';
import { dropPrefix, plainRedis } from '../jobs/helpers.ts';

const l40s = readFileSync(new URL('../../samples/scenarios/l40s/bundle.txt', import.meta.url), 'utf8');
const prefix = testPrefix('fleet-bot');
const redis = plainRedis();
let fake: FakeSlack;
let ssh: FakeFleet;
let configPath: string;

const env = () => ({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'test-signing-secret-1234',
  SLACK_API_URL: fake.apiUrl,
  PORT: '0',
  REDIS_URL,
  INFRALENS_QUEUE_PREFIX: prefix,
  INFRALENS_CONFIG: configPath,
  INFRALENS_COLLECT_MINUTES: '0',
  LOG_LEVEL: 'silent',
});

beforeAll(async () => {
  fake = await FakeSlack.start();
  ssh = await startFakeFleet([
    { name: 'gpu-a', extra: { groups: ['lab'] } },
    { name: 'gpu-b', bundle: l40s, extra: { groups: ['lab'] } },
    { name: 'gpu-c', mode: 'auth-fail', extra: { groups: ['lab'] } },
  ]);
  const inv = JSON.parse(ssh.inventoryYaml()) as Record<string, unknown>;
  inv.channels = [
    {
      surface: 'slack',
      id: 'CFLEET',
      groups: ['lab'],
      digest: { cron: '0 9 * * *', tz: 'Asia/Seoul' },
      alerts: true,
    },
  ];
  inv.alerts = { scoreDrop: 10, cooldownMinutes: 60, unreachableAfter: 1 };
  configPath = join(ssh.dir, 'inventory.yaml');
  writeFileSync(configPath, JSON.stringify(inv, null, 2));
});
afterAll(async () => {
  await fake?.close();
  await ssh?.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe('the fleet in the bot', () => {
  let bot: BotHandle;
  afterAll(async () => {
    await bot?.stop();
  });

  it('upserts the daily post at start-up, once across restarts', async () => {
    for (let boot = 0; boot < 2; boot++) {
      bot = await startBot(botConfigFrom(env(), 'worker'), { model: null, log: silentLogger });
      expect(bot.fleet).not.toBeNull();
      const schedulers = await bot.fleet!.queue.getJobSchedulers(0, -1, true);
      expect(schedulers.map((s) => [s.id ?? s.key, s.pattern, s.tz])).toEqual([
        ['digest-slack-CFLEET', '0 9 * * *', 'Asia/Seoul'],
      ]);
      if (boot === 0) await bot.stop();
    }
  }, 60_000);

  it('digest now: collects over SSH, posts the table and the PDF; alerts for the failing and the critical host', async () => {
    const [r] = await bot.fleet!.digestNow('CFLEET');
    expect(r!.collected).toBe(3);
    expect(ssh.host('gpu-a').stdinIsCollector).toEqual([true]);
    const upload = await fake.waitFor(() => fake.uploads.find((u) => u.channel_id === 'CFLEET'), 30_000);
    expect(upload.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const digest = fake.messages('CFLEET').find((m) => /Daily GPU score/.test(m.text))!;
    const blocks = JSON.stringify(digest.blocks);
    expect(blocks).toMatch(/\*gpu-c\* — not answering \(auth\)/);
    expect(blocks).toContain('*gpu-a*');
    expect(blocks).toMatch(/\*gpu-b\* — C 70\.9/);
    const alerts = await fake.waitFor(() => {
      const texts = fake.messages('CFLEET').map((m) => m.text);
      const wanted = texts.filter((t) => /is not answering|new critical finding/.test(t));
      return wanted.length >= 3 ? wanted : undefined;
    }, 30_000);
    expect(
      alerts.find((t) => /gpu-c\* is not answering: 1 collections? in a row failed \(auth/.test(t)),
    ).toBeDefined();
    expect(alerts.filter((t) => /\*gpu-b\* new critical finding/.test(t))).toHaveLength(2);
  }, 60_000);

  it('recheck: collects one host again and answers before/after', async () => {
    const r = await bot.fleet!.recheck('gpu-b');
    expect(r.error).toBeNull();
    expect(r.before!.score).toBe(70.9);
    expect(r.comparison).toMatchObject({ scoreChange: 0, gone: [], appeared: [] });
    expect(r.comparison.remaining.filter((f) => f.severity === 'critical')).toHaveLength(2);
    expect(ssh.host('gpu-b').commands).toHaveLength(2);
  }, 30_000);

  it('a wrong inventory stops start-up with the loader’s message naming the file and the field', () => {
    const bad = join(ssh.dir, 'bad.yaml');
    writeFileSync(bad, 'hosts:\n  - { name: x, address: 127.0.0.1, user: u, key: /k }\n');
    expect(() => botConfigFrom({ ...env(), INFRALENS_CONFIG: bad }, 'worker')).toThrow(ConfigError);
    expect(() => botConfigFrom({ ...env(), INFRALENS_CONFIG: bad }, 'worker')).toThrow(
      /bad\.yaml: hosts\[0\] \(x\)\.hostKey: no pinned host key/,
    );
    expect(() => botConfigFrom({ ...env(), INFRALENS_CONFIG: join(ssh.dir, 'none.yaml') }, 'worker')).toThrow(
      /no such file/,
    );
    // without INFRALENS_CONFIG there is no fleet
    const { INFRALENS_CONFIG: _, ...plain } = env();
    expect(botConfigFrom(plain, 'worker').fleet).toBeNull();
  });
});
