/**
 * The fleet in the conversation, end to end: `startBot` as `infralens bot` with INFRALENS_CONFIG naming fake
 * SSH hosts on loopback (test/helpers/ssh-server.ts), the real collector, real Redis and BullMQ, the fake
 * Slack, the offline analyst. An inventory host is answered from its last collection; "re-check HOST" and
 * the Re-check button collect again and answer before/after with the numbers compare() gives; a history
 * question answers with the trend and its sparkline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { collectAndRecord } from '../../jobs/fleet/collect.ts';
import { fmtChange, fmtScore } from '../../jobs/fleet/texts.ts';
import type { CollectFn, Inventory } from '../../jobs/fleet/types.ts';
import { silentLogger } from '../../jobs/log.ts';
import { compare, trend } from '../../scoring/history.ts';
import { collectHosts } from '../../tools/collect/fleet.ts';
import { blockAction, eventEnvelope, FakeSlack, mention, postSigned, slackTs } from '../fakes/slack.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { type FakeFleet, startFakeFleet } from '../helpers/ssh-server.ts';
import { dropPrefix, plainRedis } from '../jobs/helpers.ts';

const SECRET = 'test-signing-secret-1234';
const l40s = readFileSync(new URL('../../samples/scenarios/l40s/bundle.txt', import.meta.url), 'utf8');
const prefix = testPrefix('fleet-chat');
const redis = plainRedis();
let fake: FakeSlack;
let ssh: FakeFleet;
let bot: BotHandle;
let url: string;
/** after the "fix": gpu-a is served by the host gpu-next (another recorded bundle) */
let fixed = false;

/** The real SSH collector; once `fixed`, gpu-a's entry points at gpu-next (same name, other bundle). */
const collect: CollectFn = (inv, hosts, o) => {
  if (!fixed) return collectHosts(inv, hosts, o);
  const next = inv.hosts.find((h) => h.name === 'gpu-next')!;
  const swap = <T extends { name: string }>(h: T): T =>
    (h.name === 'gpu-a' ? { ...next, name: 'gpu-a' } : h) as T;
  const moved: Inventory = { ...inv, hosts: inv.hosts.map(swap) };
  return collectHosts(moved, hosts.map(swap), o);
};

beforeAll(async () => {
  fake = await FakeSlack.start();
  ssh = await startFakeFleet([
    { name: 'gpu-a', extra: { groups: ['lab'] } },
    { name: 'gpu-next', bundle: l40s, extra: { groups: ['spare'] } },
  ]);
  const inv = JSON.parse(ssh.inventoryYaml()) as Record<string, unknown>;
  inv.channels = [{ surface: 'slack', id: 'CLAB', groups: ['lab'], digest: false }];
  const configPath = join(ssh.dir, 'inventory.yaml');
  writeFileSync(configPath, JSON.stringify(inv, null, 2));
  const config = botConfigFrom(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      REDIS_URL,
      INFRALENS_QUEUE_PREFIX: prefix,
      INFRALENS_CONFIG: configPath,
      INFRALENS_COLLECT_MINUTES: '0',
      LOG_LEVEL: 'silent',
    },
    'bot',
  );
  bot = await startBot(config, { model: null, log: silentLogger, collect });
  url = `http://127.0.0.1:${bot.port}/slack/events`;
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await ssh?.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

const textOf = (m: { text?: string; blocks?: unknown }) =>
  `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
async function ask(text: string, channel = 'CLAB'): Promise<{ ts: string; text: string }> {
  const ts = slackTs();
  const r = await postSigned(url, SECRET, eventEnvelope(mention(text, { channel, user: 'U1', ts })));
  expect(r.status).toBe(200);
  const m = await fake.waitFor(
    () =>
      fake
        .messages(channel)
        .find(
          (x) =>
            (x.thread_ts === ts || x.ts === ts) &&
            x.ts !== ts &&
            !/Looking into it|살펴보는 중/.test(x.text ?? ''),
        ),
    60_000,
  );
  return { ts: m.ts, text: textOf(m) };
}
const history = () => bot.fleet!.deps.history.range('gpu-a', 0, Date.now() + 1000);

describe('the fleet in the conversation', () => {
  it('an inventory host is a known host of its channel, answered from its last collection', async () => {
    const gpuA = bot.fleet!.deps.inventory.hosts.find((h) => h.name === 'gpu-a')!;
    const r = await collectAndRecord(bot.fleet!.deps, [gpuA]);
    expect(r.hosts[0]!.error).toBeNull();
    const a = await ask('why is gpu-a slow?');
    expect(a.text).toMatch(/gpu-a/);
    expect(a.text).toMatch(/From gpu-a's last collection, (?:less than a minute|1 min|\d+ min) ago/);
    // a channel whose groups do not cover it does not see it
    const other = await ask('why is gpu-a slow?', 'COTHER');
    expect(other.text).not.toMatch(/last collection/);
  }, 90_000);

  it('"re-check gpu-a" collects again and answers before/after with compare()\'s numbers', async () => {
    fixed = true;
    const a = await ask('re-check gpu-a');
    const records = await history();
    expect(records.length).toBeGreaterThanOrEqual(2);
    const [before, after] = records.slice(-2);
    const c = compare(before!, after!);
    expect(c.scoreChange).not.toBeNull();
    const problems = (fs: typeof c.gone) => fs.filter((f) => f.severity !== 'info').length;
    const head = `*gpu-a*: ${fmtScore(c.scoreBefore)} ${c.gradeBefore} → ${fmtScore(c.scoreAfter)} ${c.gradeAfter} (${fmtChange(c.scoreChange)}); ${problems(c.gone)} finding`;
    expect(a.text).toContain(head);
    expect(a.text).toContain(`${problems(c.remaining)} remain`);
    if (problems(c.gone) > 0) expect(a.text).toContain('*Fixed*');
  }, 90_000);

  it('"how did gpu-a do this week?" answers with the change and the sparkline; in Korean too', async () => {
    const t = trend(await history());
    const a = await ask('how did gpu-a do this week?');
    expect(a.text).toContain(t.sparkline);
    expect(a.text).toContain(
      `${t.first!.toFixed(1)} → ${t.last!.toFixed(1)} (${fmtChange(t.change)} points)`,
    );
    expect(a.text).toMatch(/Lowest \d+\.\d, highest \d+\.\d/);
    const ko = await ask('이번 주 gpu-a 어땠어?');
    expect(ko.text).toContain(t.sparkline);
    expect(ko.text).toMatch(/최저 \d+\.\d, 최고/);
    const unknown = await ask('how did gpu-zz9 do this week?');
    expect(unknown.text).toMatch(/gpu-zz9/);
    expect(unknown.text).toMatch(/gpu-a/);
  }, 90_000);

  it('the Re-check button under an inventory host re-checks it; in Korean: "다시 확인해줘"', async () => {
    const n = (await history()).length;
    const first = await ask('gpu-a 점수 알려줘');
    const ts = slackTs();
    await postSigned(
      url,
      SECRET,
      blockAction({
        action_id: 'infralens_recheck',
        value: 'gpu-a',
        user: 'U1',
        channel: 'CLAB',
        message_ts: first.ts,
        thread_ts: ts,
        response_url: fake.responseUrl(),
      }),
    );
    const m = await fake.waitFor(
      () => fake.messages('CLAB').find((x) => x.thread_ts === ts && /→/.test(x.text ?? '')),
      60_000,
    );
    expect(textOf(m)).toMatch(/\*gpu-a\*: \d+\.\d [A-F] → \d+\.\d [A-F] \(±0\.0\); 0 findings fixed/);
    const ko = await ask('gpu-a 다시 확인해줘');
    expect(ko.text).toMatch(/\*gpu-a\*: \d+\.\d [A-F] → \d+\.\d [A-F] \(±0\.0\); 0개 해결, \d+개 남음/);
    expect((await history()).length).toBe(n + 2);
  }, 90_000);
});
