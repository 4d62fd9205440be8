/**
 * The Slack bot's reliability (issue 11): a Slack retry, a 429, a killed worker and a Redis restart lose
 * nothing and duplicate nothing; Socket Mode works; `infralens bot|worker` keep their command contract as
 * real processes. Real Redis, real BullMQ, real Bolt; fakes only at the network edge (the fake Slack and the
 * fake Anthropic API on loopback). No timing is asserted: order, counts, exactly-once and eventual delivery,
 * with generous waits.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { type BotConfig, botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { progressKey } from '../../bot/slack/app.ts';
import { createLogger, type Logger } from '../../jobs/log.ts';
import { jobId } from '../../jobs/queue/contracts.ts';
import {
  type FakeAnthropic,
  type FakeTurn,
  type RecordedRequest,
  reply,
  startFakeAnthropic,
  text,
} from '../fakes/anthropic.ts';
import {
  eventEnvelope,
  type FakeMessage,
  FakeSlack,
  fileShare,
  mention,
  postSigned,
  slackTs,
  slashCommandPayload,
} from '../fakes/slack.ts';
import {
  BotProcess,
  dropPrefix,
  freePort,
  killAll,
  PrivateRedis,
  sleep,
  statusOf,
  until,
} from '../helpers/bot-process.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';

// distinctive values: none of them (nor their distinctive part) may appear in a log
const BOT_TOKEN = 'xoxb-1111-SECRETTOKEN';
const SIGNING_SECRET = 'sigsecret-2222-SECRETSIGN';
const API_KEY = 'sk-ant-3333-SECRETKEY';
const SECRETS = [BOT_TOKEN, SIGNING_SECRET, API_KEY, 'SECRETTOKEN', 'SECRETSIGN', 'SECRETKEY'];

const PLACEHOLDER = /Looking into it|살펴보는 중/;
const sample = (p: string) => readFileSync(new URL(`../../samples/${p}`, import.meta.url));
const textOf = (m: { text?: string; blocks?: unknown }) =>
  `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;

/** The bot's messages in a thread (the parent excluded), in posting order. */
function botMessagesIn(fake: FakeSlack, channel: string, ts: string): FakeMessage[] {
  return fake.messages(channel).filter((m) => m.thread_ts === ts && m.ts !== ts && m.bot_id);
}

/** The answer in a thread: a bot message that is not (or no longer) the placeholder. */
function answerIn(fake: FakeSlack, channel: string, ts: string, timeoutMs = 60_000): Promise<FakeMessage> {
  return fake.waitFor(
    () => botMessagesIn(fake, channel, ts).find((m) => !PLACEHOLDER.test(m.text)),
    timeoutMs,
  );
}

const postsTo = (fake: FakeSlack, channel: string) =>
  fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel);

/**
 * The thread shows exactly one bot message, the answer, and Slack accepted it once (a post or the update
 * of the placeholder). A placeholder that lost the race to the answer is deleted, so it is not counted.
 */
function expectOneAnswer(fake: FakeSlack, channel: string, ts: string, answer: FakeMessage): void {
  expect(botMessagesIn(fake, channel, ts).map((m) => m.ts)).toEqual([answer.ts]);
  const accepted = fake.calls.filter(
    (c) =>
      (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
      c.args.channel === channel &&
      c.status === 200 &&
      c.args.text === answer.text,
  );
  expect(accepted).toHaveLength(1);
}

/** A promise with its resolve: a model answer held until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** A model turn that answers only once `g` opens (the turn is mid-way for as long as the test likes). */
const heldTurn =
  (g: { promise: Promise<void> }, answer: string): FakeTurn =>
  async () => {
    await g.promise;
    return reply([text(answer)]);
  };

const modelRequests = (m: FakeAnthropic) => m.requests.filter((r) => r.path === '/v1/messages').length;

/** The user's words in a recorded Messages request (the first user message). */
function questionOf(req: RecordedRequest): string {
  const first = (req.body.messages as { content: unknown }[] | undefined)?.[0]?.content;
  if (typeof first === 'string') return first;
  return Array.isArray(first) ? first.map((b: { text?: string }) => b.text ?? '').join(' ') : '';
}

/** A logger into an array, printed when the test fails. */
function memoryLog(secrets: string[]): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  onTestFailed(() => {
    console.error(lines.join('\n'));
  });
  return { log: createLogger({ level: 'debug', secrets, write: (l) => lines.push(l) }), lines };
}

/** Print a process's output when the test fails. */
function showOnFailure(...procs: BotProcess[]): void {
  onTestFailed(() => {
    for (const p of procs) console.error(`--- pid ${p.pid} ---\n${p.output()}`);
  });
}

afterEach(async () => {
  await killAll();
});

describe('infralens bot as a process', () => {
  let fake: FakeSlack;
  let model: FakeAnthropic;
  const prefix = testPrefix('proc');
  afterAll(async () => {
    await killAll();
    await fake?.close();
    await model?.close();
    await dropPrefix(REDIS_URL, prefix);
  }, 30_000);

  it('health and readiness, a signed mention answered once in its thread, exit 0 on SIGTERM, no secret logged', async () => {
    fake = await FakeSlack.start({ token: BOT_TOKEN });
    model = await startFakeAnthropic();
    model.script([reply([text('Training is slow because the GPUs wait on input.')])]);
    const port = await freePort();
    const bot = BotProcess.start('bot', {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      ANTHROPIC_API_KEY: API_KEY,
      ANTHROPIC_BASE_URL: model.url,
      PORT: String(port),
      REDIS_URL,
      INFRALENS_QUEUE_PREFIX: prefix,
      INFRALENS_DEMO: '1',
      INFRALENS_SHUTDOWN_MS: '5000',
      LOG_LEVEL: 'debug',
    });
    showOnFailure(bot);
    const base = `http://127.0.0.1:${port}`;
    await bot.waitForLog(/^infralens: started$/, { mode: 'bot' });
    expect(await statusOf(`${base}/healthz`)).toBe(200);
    await until('/readyz 200', async () => (await statusOf(`${base}/readyz`)) === 200);
    expect(fake.calls.some((c) => c.method === 'auth.test' && c.status === 200)).toBe(true);

    const ts = slackTs();
    const body = eventEnvelope(mention('why is training slow?', { channel: 'CP1', user: 'U1', ts }));
    expect((await postSigned(`${base}/slack/events`, SIGNING_SECRET, body)).status).toBe(200);
    // Slack's retry of the same event adds nothing
    const retry = await postSigned(`${base}/slack/events`, SIGNING_SECRET, body, { retryNum: 1 });
    expect(retry.status).toBe(200);
    const answer = await answerIn(fake, 'CP1', ts);
    expect(answer.text).toMatch(/wait on input/);

    bot.kill('SIGTERM');
    // the bound: INFRALENS_SHUTDOWN_MS for running jobs, plus start-up of nothing and closing connections
    expect(await bot.waitForExit(5_000 + 25_000)).toEqual({ code: 0, signal: null });
    expectOneAnswer(fake, 'CP1', ts, answer);
    expect(modelRequests(model)).toBe(1);
    const out = bot.output();
    expect(out).toMatch(/infralens: SIGTERM/);
    expect(bot.logs().some((l) => l.level === 'debug')).toBe(true);
    for (const s of SECRETS) expect(out).not.toContain(s);
  }, 120_000);

  it('a missing SLACK_BOT_TOKEN stops start-up: exit 2 and one line naming it', async () => {
    const bot = BotProcess.start('bot', {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      REDIS_URL,
      INFRALENS_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'debug',
    });
    showOnFailure(bot);
    expect(await bot.waitForExit()).toEqual({ code: 2, signal: null });
    expect(bot.lines()).toEqual([
      'infralens: missing setting SLACK_BOT_TOKEN (Slack) or TEAMS_APP_ID (Microsoft Teams)',
    ]);
  }, 90_000);

  it('a bot token Slack refuses stops start-up: exit 2 and one line, without the token', async () => {
    fake ??= await FakeSlack.start({ token: BOT_TOKEN });
    const wrong = 'xoxb-9999-WRONGTOKEN';
    const bot = BotProcess.start('bot', {
      SLACK_BOT_TOKEN: wrong,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      REDIS_URL,
      INFRALENS_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'debug',
    });
    showOnFailure(bot);
    expect(await bot.waitForExit()).toEqual({ code: 2, signal: null });
    expect(bot.lines()).toEqual([
      'infralens: SLACK_BOT_TOKEN was refused by Slack (auth.test: invalid_auth)',
    ]);
    expect(fake.calls.some((c) => c.method === 'auth.test' && c.auth === wrong)).toBe(true);
  }, 90_000);
});

describe('Socket Mode', () => {
  let fake: FakeSlack | undefined;
  let bot: BotHandle | undefined;
  const prefix = testPrefix('socket');
  afterAll(async () => {
    // the app first: a Socket Mode client whose server vanishes schedules a reconnect
    await bot?.stop();
    await fake?.close();
    await dropPrefix(REDIS_URL, prefix);
  }, 60_000);

  it('events and commands arrive over the WebSocket, are acked and answered; /healthz on PORT', async () => {
    fake = await FakeSlack.start();
    const { log } = memoryLog([]);
    const port = await freePort();
    const config = botConfigFrom(
      {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_APP_TOKEN: 'xapp-test',
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        REDIS_URL,
        INFRALENS_DEMO: '1',
        INFRALENS_QUEUE_PREFIX: prefix,
      },
      'bot',
    );
    expect(config.slack?.signingSecret).toBeNull();
    bot = await startBot(config, { model: null, log });
    await fake.socketConnected(30_000);
    expect(bot.port).toBe(port);
    expect(await statusOf(`http://127.0.0.1:${port}/healthz`)).toBe(200);
    await until('/readyz 200', async () => (await statusOf(`http://127.0.0.1:${port}/readyz`)) === 200);

    // an app_mention in an events_api envelope, then Slack's redelivery of it
    const ts = slackTs();
    const body = eventEnvelope(mention('why is training slow?', { channel: 'CS1', user: 'U1', ts }));
    const ack = await fake.sendEnvelope('events_api', body, { timeoutMs: 20_000 });
    const again = await fake.sendEnvelope('events_api', body, {
      retryAttempt: 1,
      retryReason: 'timeout',
      timeoutMs: 20_000,
    });
    expect(fake.acks.map((a) => a.envelope_id)).toEqual([ack.envelope_id, again.envelope_id]);
    const answer = await answerIn(fake, 'CS1', ts);
    expect(textOf(answer)).toMatch(/train/);

    // a slash command: the ack carries the placeholder, the answer goes to its response_url
    const responseUrl = fake.responseUrl();
    const cmdAck = await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({
        text: 'score gpu-node-01',
        user_id: 'U2',
        channel_id: 'CS2',
        response_url: responseUrl,
        trigger_id: 'trig-socket-1',
      }),
      { timeoutMs: 20_000 },
    );
    expect(String(cmdAck.payload?.text)).toMatch(PLACEHOLDER);
    const posts = await fake.waitFor(() => {
      const p = fake!.responsesTo(responseUrl);
      return p.length > 0 ? p : undefined;
    }, 60_000);
    expect(JSON.stringify(posts[0]!.body)).toMatch(/gpu-node-01/);
    expect(posts[0]!.body.response_type).toBe('ephemeral');

    // the redelivered mention added nothing
    expectOneAnswer(fake, 'CS1', ts, answer);
    expect(fake.responsesTo(responseUrl)).toHaveLength(1);
    expect(fake.messages('CS2')).toHaveLength(0);
    expect(fake.problems).toEqual([]);
  }, 120_000);
});

describe('a worker killed mid-turn', () => {
  let fake: FakeSlack | undefined;
  let model: FakeAnthropic | undefined;
  const held = gate();
  const prefix = testPrefix('kill');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    await killAll();
    held.open();
    await fake?.close();
    await model?.close();
    await dropPrefix(REDIS_URL, prefix);
    redis.disconnect();
  }, 30_000);

  it('another worker takes the turn over: one answer, in place of the placeholder the dead one posted', async () => {
    fake = await FakeSlack.start({ token: BOT_TOKEN });
    model = await startFakeAnthropic();
    // the first request never gets its answer (its process dies); the takeover's request gets the second
    model.script([heldTurn(held, 'never delivered'), reply([text('The GPUs wait on input data.')])]);
    const port = await freePort();
    const env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      ANTHROPIC_API_KEY: API_KEY,
      ANTHROPIC_BASE_URL: model.url,
      PORT: String(port),
      REDIS_URL,
      INFRALENS_QUEUE_PREFIX: prefix,
      INFRALENS_DEMO: '1',
      INFRALENS_JOB_LOCK_MS: '4000',
      INFRALENS_SHUTDOWN_MS: '5000',
      LOG_LEVEL: 'debug',
    };
    // A: the front door and the workers; the only process when the mention arrives, so it takes the turn
    const a = BotProcess.start('bot', env);
    showOnFailure(a);
    await a.waitForLog(/^infralens: started$/, { mode: 'bot' });
    await until('/readyz 200', async () => (await statusOf(`http://127.0.0.1:${port}/readyz`)) === 200);

    const ts = slackTs();
    const body = eventEnvelope(mention('why is training slow?', { channel: 'CK1', user: 'U1', ts }));
    const r = await postSigned(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, body);
    expect(r.status).toBe(200);
    // mid-turn: the model is thinking, and the placeholder is up and recorded for the answer to replace
    await until('the model request', () => modelRequests(model!) === 1, 60_000);
    const placeholder = await fake.waitFor(() => botMessagesIn(fake!, 'CK1', ts)[0], 30_000);
    expect(placeholder.text).toMatch(PLACEHOLDER);
    const key = `${prefix}:${progressKey(jobId('slack', 'ev', String(body.event_id)))}`;
    await until('the placeholder recorded', async () => (await redis.get(key)) === placeholder.ts);
    a.kill('SIGKILL');
    expect(await a.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });

    // B: a worker on the same Redis and prefix; the dead one's lock lapses and B takes the turn over
    const b = BotProcess.start('worker', env);
    showOnFailure(b);
    await b.waitForLog(/^infralens: started$/, { mode: 'worker' });
    const answer = await answerIn(fake, 'CK1', ts, 120_000);
    expect(answer.text).toMatch(/wait on input data/);
    await b.waitForLog(/job stalled/);
    // the placeholder A posted became the answer: one message in the thread, one post, one more model call
    expect(answer.ts).toBe(placeholder.ts);
    expect(answer.updated).toBe(true);
    expectOneAnswer(fake, 'CK1', ts, answer);
    expect(postsTo(fake, 'CK1')).toHaveLength(1);
    expect(modelRequests(model)).toBe(2);

    b.kill('SIGTERM');
    expect(await b.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    for (const s of SECRETS) expect(a.output() + b.output()).not.toContain(s);
  }, 240_000);
});

describe('a Redis restart mid-turn', () => {
  let fake: FakeSlack | undefined;
  let model: FakeAnthropic | undefined;
  let redis: PrivateRedis | undefined;
  let bot: BotHandle | undefined;
  const held = gate();
  afterAll(async () => {
    held.open();
    // a test that failed with Redis down: bring it back, so that stopping the bot finds it
    if (redis && !redis.running) await redis.start();
    await bot?.stop();
    await redis?.close();
    await fake?.close();
    await model?.close();
  }, 60_000);

  it('the turn in flight is answered once; an event refused while Redis is down is answered once on retry', async () => {
    redis = await PrivateRedis.create();
    fake = await FakeSlack.start({ token: BOT_TOKEN });
    model = await startFakeAnthropic();
    model.script([
      heldTurn(held, 'Training waits on its input pipeline.'),
      reply([text('Yes: no VM holds that GPU, so it sits idle.')]),
    ]);
    const { log, lines } = memoryLog(SECRETS);
    const config = botConfigFrom(
      {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        ANTHROPIC_API_KEY: API_KEY,
        ANTHROPIC_BASE_URL: model.url,
        PORT: '0',
        REDIS_URL: redis.url,
        INFRALENS_QUEUE_PREFIX: testPrefix('restart'),
        INFRALENS_DEMO: '1',
      },
      'bot',
    );
    bot = await startBot(config, { log });
    const base = `http://127.0.0.1:${bot.port}`;
    await until('/readyz 200', async () => (await statusOf(`${base}/readyz`)) === 200);

    const ts = slackTs();
    const r = await postSigned(
      `${base}/slack/events`,
      SIGNING_SECRET,
      eventEnvelope(mention('why is training slow?', { channel: 'CR1', user: 'U1', ts })),
    );
    expect(r.status).toBe(200);
    await until('the model request', () => modelRequests(model!) === 1, 60_000);
    const placeholder = await fake.waitFor(() => botMessagesIn(fake!, 'CR1', ts)[0], 30_000);

    await redis.shutdown();
    await until('/readyz 503 while Redis is down', async () => (await statusOf(`${base}/readyz`)) === 503);
    // an event that arrives now cannot be queued: a 500, so that Slack delivers it again
    const ts2 = slackTs();
    const late = eventEnvelope(mention('is that GPU idle?', { channel: 'CR2', user: 'U2', ts: ts2 }));
    const refused = await Promise.race([
      postSigned(`${base}/slack/events`, SIGNING_SECRET, late),
      sleep(30_000).then(() => ({ status: 'no answer within 30 s' })),
    ]);
    expect(refused.status).toBe(500);
    await sleep(1000);
    await redis.start();
    await until('/readyz 200 after the restart', async () => (await statusOf(`${base}/readyz`)) === 200);

    held.open();
    const answer = await answerIn(fake, 'CR1', ts);
    expect(answer.text).toMatch(/input pipeline/);
    expect(answer.ts).toBe(placeholder.ts);

    // Slack's retry of the refused event
    const again = await postSigned(`${base}/slack/events`, SIGNING_SECRET, late, { retryNum: 1 });
    expect(again.status).toBe(200);
    const answer2 = await answerIn(fake, 'CR2', ts2);
    expect(answer2.text).toMatch(/sits idle/);
    expectOneAnswer(fake, 'CR1', ts, answer);
    expectOneAnswer(fake, 'CR2', ts2, answer2);
    expect(modelRequests(model)).toBe(2);
    expect(model.violations).toEqual([]);
    for (const s of SECRETS) expect(lines.join('\n')).not.toContain(s);
  }, 180_000);
});

/** A long answer in paragraphs `<word> alpha`, `<word> bravo`, … (no values, so grounding keeps it). */
const NATO = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
function longAnswer(word: string): string {
  const filler =
    'the input pipeline keeps these accelerators waiting while the loader reads from slow shared storage, ';
  return NATO.map((n) => `${word} ${n}: ${filler.repeat(26)}that is all for this part.`).join('\n\n');
}

/** The paragraph markers of `word` in a thread's messages, in posting order (block text only). */
function markersIn(messages: FakeMessage[], word: string): string[] {
  const re = new RegExp(`${word} (${NATO.join('|')}):`, 'g');
  return messages.flatMap((m) => [...JSON.stringify(m.blocks ?? []).matchAll(re)].map((x) => x[1]!));
}

function inProcessConfig(fake: FakeSlack, prefix: string, extra: Record<string, string>): BotConfig {
  return botConfigFrom(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      REDIS_URL,
      INFRALENS_QUEUE_PREFIX: prefix,
      ...extra,
    },
    'bot',
  );
}

describe('per-channel pacing and 429 on chat.postMessage', () => {
  let fake: FakeSlack | undefined;
  let model: FakeAnthropic | undefined;
  let bot: BotHandle | undefined;
  const held = gate();
  const prefix = testPrefix('pace');
  afterAll(async () => {
    held.open();
    await bot?.stop();
    await fake?.close();
    await model?.close();
    await dropPrefix(REDIS_URL, prefix);
  }, 60_000);

  it('two long answers in one channel: every message once, in order, through 429s', async () => {
    fake = await FakeSlack.start({ enforceChannelRate: true });
    model = await startFakeAnthropic();
    // each thread's answer names its own question's word; both wait until the test has set up the 429s
    const answerFor: FakeTurn = async (req) => {
      await held.promise;
      return reply([text(longAnswer(/piece/.test(questionOf(req)) ? 'piece' : 'part'))]);
    };
    model.script([answerFor, answerFor]);
    const { log } = memoryLog([]);
    bot = await startBot(
      inProcessConfig(fake, prefix, { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: model.url }),
      { log },
    );
    const url = `http://127.0.0.1:${bot.port}/slack/events`;

    const ts1 = slackTs();
    const ts2 = slackTs();
    await postSigned(
      url,
      SIGNING_SECRET,
      eventEnvelope(mention('explain it part by part', { channel: 'CM', user: 'U1', ts: ts1 })),
    );
    await postSigned(
      url,
      SIGNING_SECRET,
      eventEnvelope(mention('explain it piece by piece', { channel: 'CM', user: 'U2', ts: ts2 })),
    );
    // both turns are with the model (their placeholders tried: within a second, one of them may get a 429)
    await until('both model requests', () => modelRequests(model!) === 2, 60_000);
    await fake.waitFor(() => postsTo(fake!, 'CM').filter((c) => c.status !== 0).length >= 2, 30_000);
    // the next two posts to the channel, whichever they are, are refused with a 429 as well
    fake.rateLimit('chat.postMessage', 2, 1);
    held.open();

    const expected = [...NATO];
    await fake.waitFor(
      () => markersIn(botMessagesIn(fake!, 'CM', ts1), 'part').length >= NATO.length,
      120_000,
    );
    await fake.waitFor(
      () => markersIn(botMessagesIn(fake!, 'CM', ts2), 'piece').length >= NATO.length,
      120_000,
    );
    // let a duplicate, if one were coming, arrive: wait until both send jobs are done
    await until('both send jobs completed', async () => {
      const d = await bot!.backbone.depth();
      return d.send.waiting + d.send.active + d.send.delayed === 0 && d.turns.active === 0;
    });
    const thread1 = botMessagesIn(fake, 'CM', ts1);
    const thread2 = botMessagesIn(fake, 'CM', ts2);
    expect(markersIn(thread1, 'part')).toEqual(expected);
    expect(markersIn(thread2, 'piece')).toEqual(expected);
    expect(markersIn(thread1, 'piece')).toEqual([]);
    expect(markersIn(thread2, 'part')).toEqual([]);
    // several messages per answer, none delivered twice, no placeholder left
    expect(thread1.length).toBeGreaterThan(1);
    expect(thread2.length).toBeGreaterThan(1);
    const all = [...thread1, ...thread2].map((m) => JSON.stringify(m.blocks));
    expect(new Set(all).size).toBe(all.length);
    expect([...thread1, ...thread2].some((m) => PLACEHOLDER.test(m.text))).toBe(false);
    // the fake refused posts with 429 (at least the two it was told to) and the bot waited them out
    const refused = postsTo(fake, 'CM').filter((c) => c.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(fake.problems).toEqual([]);
    expect(model.violations).toEqual([]);
  }, 240_000);
});

describe('per-user rate limit', () => {
  let fake: FakeSlack | undefined;
  let bot: BotHandle | undefined;
  const prefix = testPrefix('rate');
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await dropPrefix(REDIS_URL, prefix);
  }, 60_000);

  it('the third question of a user within a minute gets an ephemeral notice and no answer; others are answered', async () => {
    fake = await FakeSlack.start();
    const { log } = memoryLog([]);
    bot = await startBot(inProcessConfig(fake, prefix, { INFRALENS_DEMO: '1', INFRALENS_USER_RATE: '2' }), {
      model: null,
      log,
    });
    const url = `http://127.0.0.1:${bot.port}/slack/events`;
    // the limit counts per clock minute: start early in one, so the three questions share it
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);

    const asks = ['why is training slow?', 'which GPUs are idle?', 'what is the score?'];
    const ts = asks.map(() => slackTs());
    for (const [i, q] of asks.entries()) {
      const r = await postSigned(
        url,
        SIGNING_SECRET,
        eventEnvelope(mention(q, { channel: 'CU', user: 'U6', ts: ts[i]! })),
      );
      expect(r.status).toBe(200);
    }
    const other = slackTs();
    await postSigned(
      url,
      SIGNING_SECRET,
      eventEnvelope(mention('what is the score?', { channel: 'CU', user: 'U7', ts: other })),
    );

    const notice = await fake.waitFor(() => fake!.ephemerals.find((e) => e.user === 'U6'), 30_000);
    expect(notice.channel).toBe('CU');
    expect(notice.thread_ts).toBe(ts[2]);
    for (const t of [ts[0]!, ts[1]!, other]) expectOneAnswer(fake, 'CU', t, await answerIn(fake, 'CU', t));
    // the refused question was never queued: nothing in its thread, one notice, none for the other user
    expect(botMessagesIn(fake, 'CU', ts[2]!)).toEqual([]);
    expect(fake.ephemerals).toHaveLength(1);
  }, 120_000);
});

describe('follow-ups in a thread', () => {
  let fake: FakeSlack | undefined;
  let bot: BotHandle | undefined;
  const prefix = testPrefix('follow');
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await dropPrefix(REDIS_URL, prefix);
  }, 60_000);

  it('keep the thread’s uploads and history; a file added later joins them', async () => {
    fake = await FakeSlack.start();
    const { log } = memoryLog([]);
    // no demo servers: what the bot knows of a host comes from the thread alone
    bot = await startBot(inProcessConfig(fake, prefix, {}), { model: null, log });
    const url = `http://127.0.0.1:${bot.port}/slack/events`;
    const send = (event: object) => postSigned(url, SIGNING_SECRET, eventEnvelope(event));
    /** The bot's messages in the thread once there are n answers (placeholders replaced). */
    const answers = (n: number) =>
      fake!.waitFor(() => {
        const got = botMessagesIn(fake!, 'CF', root).filter((m) => !PLACEHOLDER.test(m.text));
        return got.length >= n ? got : undefined;
      }, 60_000);

    // an upload in the channel is answered in its thread, about its host
    const bundle = fake.addFile({ name: 'bundle.txt', content: sample('scenarios/l40s/bundle.txt') });
    const root = slackTs();
    await send(fileShare([bundle], { channel: 'CF', user: 'U8', ts: root }));
    const [first] = await answers(1);
    expect(textOf(first!)).toMatch(/gpu-node-02/);

    // a follow-up in the thread without a file: the thread's upload is still what it is about
    await send(mention('how do I fix it?', { channel: 'CF', user: 'U8', thread_ts: root }));
    const second = (await answers(2))[1]!;
    expect(textOf(second)).toMatch(/gpu-node-02/);
    expect(textOf(second)).toMatch(/Proxmox VM configs/);
    expect(textOf(second)).not.toMatch(/gpu-node-01/);

    // a VM config shared later in the thread (Slack calls a .conf plain text) joins the thread's inputs
    const vm = fake.addFile({
      name: '301.conf',
      content: sample('scenarios/l40s/qemu-server/301.conf'),
      mimetype: 'text/plain',
      filetype: 'text',
    });
    await send(fileShare([vm], { channel: 'CF', user: 'U8', thread_ts: root }));
    await answers(3);
    await send(mention('how do I fix it?', { channel: 'CF', user: 'U8', thread_ts: root }));
    const fourth = (await answers(4))[3]!;
    expect(textOf(fourth)).toMatch(/gpu-node-02/);
    expect(textOf(fourth)).toMatch(/VM 301/);
    expect(textOf(fourth)).toMatch(/qm set 301/);
    // every answer in the thread, each once
    expect(botMessagesIn(fake, 'CF', root)).toHaveLength(4);
    expect(fake.downloads.map((d) => d.served)).toEqual(['bytes', 'bytes']);
  }, 120_000);
});
