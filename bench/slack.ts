/**
 * The Slack bench (issue 11), one run: the real bot (`startBot`, offline analyst, demo data, real Redis and
 * BullMQ, Bolt's HTTP receiver) against the fake Slack on loopback, beside a bare Bolt app that acks and
 * does nothing.
 *
 * - Ack: 50 concurrent signed `app_mention` POSTs to `/slack/events` (each in its own channel and thread,
 *   so per-channel pacing serialises nothing), the time until the HTTP 200; the bare app acks the same 50.
 * - First visible reply: the placeholder `chat.postMessage` for the mention's channel arriving at the fake,
 *   from when the request was sent.
 * - Full answer: the `chat.update` that turns the placeholder into the answer arriving at the fake.
 * - One mention on an idle bot: the first after start, alone, measured the same three ways.
 *
 * `npm run bench` runs it as its "Slack bot" section (bench/run.ts); `npx tsx bench/slack.ts` runs it alone.
 * Percentiles are nearest-rank: p99 of 50 is the slowest. The bench's Redis keys (`<prefix>:*`) are
 * deleted at the end, also when it fails.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Redis } from 'ioredis';
import { botConfigFrom } from '../bot/config.ts';
import { type BotHandle, startBot } from '../bot/main.ts';
import { eventEnvelope, FakeSlack, mention, postSigned, slackTs } from '../test/fakes/slack.ts';
import { REDIS_URL } from '../test/helpers/redis.ts';

const SECRET = 'bench-signing-secret-1234';
const BURST = 50;
const QUESTION = 'why is training slow?';

/** One line of `npm run bench` (the shape bench/run.ts prints). */
export interface BenchResult {
  name: string;
  ms: number;
  budgetMs: number;
  note: string;
}

export interface Spread {
  p50: number;
  p99: number;
}

export interface SlackFigures {
  ack: Spread;
  bareAck: Spread;
  firstReply: Spread;
  answer: Spread;
  idle: { ack: number; firstReply: number; answer: number };
  turnConcurrency: number;
  /** the 1-minute load average when the burst ended (other work on the machine skews every figure). */
  load: number;
  /** `<prefix>:*` keys left in Redis after clean-up (0 expected). */
  keysLeft: number;
}

/** Nearest-rank percentile. */
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}
const spread = (xs: number[]): Spread => ({ p50: pct(xs, 50), p99: pct(xs, 99) });

interface Sent {
  channel: string;
  ts: string;
  /** Date.now() just before the POST (the fake stamps calls with Date.now()). */
  sentAt: number;
  ackMs: number;
  status: number;
}

/** POST one signed mention in its own channel and thread. */
async function sendMention(url: string, channel: string): Promise<Sent> {
  const ts = slackTs();
  const body = eventEnvelope(mention(QUESTION, { channel, user: 'UBENCH', ts }));
  const sentAt = Date.now();
  const r = await postSigned(url, SECRET, body);
  return { channel, ts, sentAt, ackMs: r.ms, status: r.status };
}

function checkAcks(who: string, sent: Sent[]): void {
  const bad = sent.filter((s) => s.status !== 200);
  if (bad.length > 0)
    throw new Error(
      `bench: ${who} answered ${bad.map((s) => s.status).join(', ')} to ${bad.length} mention(s)`,
    );
}

/** The placeholder and the answer of a mention, as call arrival times at the fake minus the send time. */
async function replyTimes(fake: FakeSlack, s: Sent): Promise<{ firstReply: number; answer: number }> {
  const placeholder = await fake.waitFor(
    () =>
      fake.calls.find(
        (c) => c.method === 'chat.postMessage' && c.args.channel === s.channel && c.args.thread_ts === s.ts,
      ),
    120_000,
  );
  const answer = await fake.waitFor(
    () =>
      fake.calls.find((c) => c.method === 'chat.update' && c.args.channel === s.channel && c.status === 200),
    120_000,
  );
  return { firstReply: placeholder.at - s.sentAt, answer: answer.at - s.sentAt };
}

/** Delete every key under the prefix (BullMQ's queues and the bot's own keys share it); the count left. */
async function dropKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };
  try {
    await redis.connect();
    const found = await keys();
    for (let i = 0; i < found.length; i += 500) await redis.unlink(...found.slice(i, i + 500));
    return (await keys()).length;
  } finally {
    redis.disconnect();
  }
}

/** Run the Slack bench once; the figures in ms. */
export async function slackBench(redisUrl = REDIS_URL): Promise<SlackFigures> {
  const prefix = `bench-slack-${randomBytes(4).toString('hex')}`;
  const fake = await FakeSlack.start();
  let bot: BotHandle | null = null;
  let bare: App | null = null;
  let figures: Omit<SlackFigures, 'keysLeft'>;
  let keysLeft: number;
  try {
    const config = botConfigFrom(
      {
        SLACK_BOT_TOKEN: fake.token,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: '0',
        REDIS_URL: redisUrl,
        INFRALENS_DEMO: '1',
        INFRALENS_QUEUE_PREFIX: prefix,
        INFRALENS_USER_RATE: '1000',
        INFRALENS_CHANNEL_RATE: '10000',
        LOG_LEVEL: 'silent',
      },
      'bot',
    );
    bot = await startBot(config, { model: null });
    const botUrl = `http://127.0.0.1:${bot.port}/slack/events`;

    bare = new App({
      token: fake.token,
      receiver: new HTTPReceiver({
        signingSecret: SECRET,
        endpoints: '/slack/events',
        logLevel: LogLevel.ERROR,
      }),
      clientOptions: { slackApiUrl: fake.apiUrl },
      tokenVerificationEnabled: false,
      logLevel: LogLevel.ERROR,
    });
    bare.event('app_mention', async () => {});
    const server = (await bare.start(0)) as unknown as { address(): AddressInfo };
    const bareUrl = `http://127.0.0.1:${server.address().port}/slack/events`;

    // one mention on the idle bot, the first after start: ack, placeholder and answer
    const first = await sendMention(botUrl, 'CIDLE');
    checkAcks('the bot', [first]);
    const idle = { ack: first.ackMs, ...(await replyTimes(fake, first)) };

    // the bare app first (one warm-up, as the bot had), so the bot's turn work does not load its acks
    checkAcks('the bare app', [await sendMention(bareUrl, 'CWARM')]);
    const bareSent = await Promise.all(
      Array.from({ length: BURST }, (_, i) => sendMention(bareUrl, `CBARE${i}`)),
    );
    checkAcks('the bare app', bareSent);

    const sent = await Promise.all(
      Array.from({ length: BURST }, (_, i) => sendMention(botUrl, `CBENCH${i}`)),
    );
    checkAcks('the bot', sent);
    const replies = await Promise.all(sent.map((s) => replyTimes(fake, s)));
    if (fake.problems.length > 0) throw new Error(`bench: the fake Slack saw: ${fake.problems.join('; ')}`);

    figures = {
      ack: spread(sent.map((s) => s.ackMs)),
      bareAck: spread(bareSent.map((s) => s.ackMs)),
      firstReply: spread(replies.map((r) => r.firstReply)),
      answer: spread(replies.map((r) => r.answer)),
      idle,
      turnConcurrency: config.turnConcurrency,
      load: loadavg()[0]!,
    };
  } finally {
    await bare?.stop().catch(() => {});
    await bot?.stop();
    await fake.close();
    keysLeft = await dropKeys(redisUrl, prefix);
  }
  return { ...figures, keysLeft };
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

/** The figures as `npm run bench` lines. */
export function slackResults(f: SlackFigures): BenchResult[] {
  return [
    {
      name: `Slack: ack p99, ${BURST} concurrent mentions`,
      ms: f.ack.p99,
      budgetMs: 100,
      note: `p50 ${ms(f.ack.p50)}; a bare Bolt app acking the same ${BURST}: p50 ${ms(f.bareAck.p50)}, p99 ${ms(f.bareAck.p99)} (the bot ${(f.ack.p99 / f.bareAck.p99).toFixed(1)}× at p99, ${(f.ack.p50 / f.bareAck.p50).toFixed(1)}× at p50)`,
    },
    {
      name: `Slack: first visible reply p99, ${BURST} mentions`,
      ms: f.firstReply.p99,
      budgetMs: 1000,
      note: `p50 ${ms(f.firstReply.p50)}; placeholder chat.postMessage at the fake, from the request sent; ${f.turnConcurrency} turn workers; load average ${f.load.toFixed(1)} on ${availableParallelism()} CPUs`,
    },
    {
      name: `Slack: full offline answer p99, ${BURST} mentions`,
      ms: f.answer.p99,
      budgetMs: 3000,
      note: `p50 ${ms(f.answer.p50)}; the placeholder's chat.update at the fake, from the request sent`,
    },
    {
      name: 'Slack: one mention on an idle bot (first after start)',
      ms: f.idle.answer,
      budgetMs: 3000,
      note: `full answer; ack ${ms(f.idle.ack)}, first visible reply ${ms(f.idle.firstReply)}; ${f.keysLeft} bench keys left in Redis`,
    },
  ];
}

/** The figures as a Markdown table the README can quote. */
export function slackTable(f: SlackFigures): string {
  const row = (what: string, s: Spread | string, goal: string) =>
    typeof s === 'string'
      ? `| ${what} | ${s} | ${goal} |`
      : `| ${what} | ${ms(s.p50)} / ${ms(s.p99)} | ${goal} |`;
  return [
    `Slack bot, ${BURST} concurrent mentions on loopback (fake Slack, real Redis, offline analyst, ${f.turnConcurrency} turn workers;`,
    `the bot, the fake and the sender in one Node ${process.versions.node} process; ${availableParallelism()} CPUs, load average ${f.load.toFixed(1)}):`,
    '',
    '| measure | p50 / p99 | goal |',
    '| --- | --- | --- |',
    row('ack (HTTP 200), the bot', f.ack, 'p99 < 100 ms'),
    row('ack, a bare Bolt app', f.bareAck, '—'),
    row('first visible reply (placeholder)', f.firstReply, '< 1 s'),
    row('full offline answer', f.answer, '< 3 s'),
    row(
      'one mention on an idle bot: ack / reply / answer',
      `${ms(f.idle.ack)} / ${ms(f.idle.firstReply)} / ${ms(f.idle.answer)}`,
      '< 100 ms / 1 s / 3 s',
    ),
  ].join('\n');
}

// `npx tsx bench/slack.ts`: this section alone, printed as bench/run.ts prints it
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const f = await slackBench();
  let failed = false;
  for (const r of slackResults(f)) {
    const ok = r.ms <= r.budgetMs;
    failed ||= !ok;
    console.log(
      `${ok ? 'ok  ' : 'SLOW'} ${r.name}: ${r.ms.toFixed(2)} ms (budget ${r.budgetMs} ms, ${((r.ms / r.budgetMs) * 100).toFixed(0)}% of it) — ${r.note}`,
    );
  }
  console.log(`\n${slackTable(f)}`);
  process.exitCode = failed ? 1 : 0;
}
