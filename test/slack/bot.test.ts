/**
 * The Slack bot end to end: `startBot` as `infralens bot` runs it (real Redis, real BullMQ, Bolt's real
 * HTTP receiver), against the fake Slack on loopback (signed requests in, the Web API wire format out).
 * The offline analyst answers (no API key), so every answer is the real tools' answer.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotConfig, botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { silentLogger } from '../../jobs/log.ts';
import {
  assistantThreadStarted,
  blockAction,
  dm,
  eventEnvelope,
  FakeSlack,
  fileShare,
  mention,
  postSigned,
  slackTs,
  slashCommand,
} from '../fakes/slack.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';

const SECRET = 'test-signing-secret-1234';
const sample = (p: string) => readFileSync(new URL(`../../samples/${p}`, import.meta.url));

function env(fake: FakeSlack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    REDIS_URL,
    INFRALENS_DEMO: '1',
    INFRALENS_QUEUE_PREFIX: testPrefix('bot'),
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

let fake: FakeSlack;
let bot: BotHandle;
let config: BotConfig;
let url: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  config = botConfigFrom(env(fake), 'bot');
  bot = await startBot(config, { model: null, log: silentLogger });
  url = `http://127.0.0.1:${bot.port}/slack/events`;
});
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

/** Every message the bot posted or updated in a thread, text of blocks included. */
function thread(channel: string, ts: string) {
  return fake.messages(channel).filter((m) => m.thread_ts === ts || m.ts === ts);
}
const textOf = (m: { text?: string; blocks?: unknown }) =>
  `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
/** The answer: the message in the thread that is no longer the placeholder. */
async function answerIn(channel: string, ts: string, predicate: (t: string) => boolean = () => true) {
  return fake.waitFor(
    () =>
      thread(channel, ts).find(
        (m) => m.ts !== ts && !/Looking into it|살펴보는 중/.test(m.text ?? '') && predicate(textOf(m)),
      ),
    30_000,
  );
}

describe('the Slack bot over HTTP', () => {
  it('answers a mention in its thread: a placeholder at once, then the answer in its place', async () => {
    const ts = slackTs();
    const r = await postSigned(
      url,
      SECRET,
      eventEnvelope(mention('why is training slow?', { channel: 'C1', user: 'U1', ts })),
    );
    expect(r.status).toBe(200);
    const answer = await answerIn('C1', ts);
    expect(answer.thread_ts).toBe(ts);
    expect(answer.updated).toBe(true); // the placeholder became the answer
    expect(textOf(answer)).toMatch(/train/);
    // buttons for the plan, the commands, the report and a re-check
    expect(JSON.stringify(fake.messages('C1').map((m) => m.blocks))).toContain('infralens_report');
  });

  it('a Slack retry of the same event answers once', async () => {
    const ts = slackTs();
    const envelope = eventEnvelope(mention('점수가 왜 C야?', { channel: 'C2', user: 'U1', ts }));
    await postSigned(url, SECRET, envelope);
    await postSigned(url, SECRET, envelope, { retryNum: 1, retryReason: 'http_timeout' });
    await postSigned(url, SECRET, envelope, { retryNum: 2, retryReason: 'http_timeout' });
    const answer = await answerIn('C2', ts);
    expect(answer.text).toMatch(/점/);
    await new Promise((r) => setTimeout(r, 1500));
    const placeholders = fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C2');
    expect(placeholders).toHaveLength(1);
  });

  it('refuses bad and stale signatures with 401 and no reply', async () => {
    const ts = slackTs();
    const bad = await postSigned(
      url,
      SECRET,
      eventEnvelope(mention('hi', { channel: 'C3', user: 'U1', ts })),
      {
        badSignature: true,
      },
    );
    const stale = await postSigned(
      url,
      SECRET,
      eventEnvelope(mention('hi', { channel: 'C3', user: 'U1', ts })),
      {
        timestamp: Math.floor(Date.now() / 1000) - 600,
      },
    );
    expect([bad.status, stale.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(fake.messages('C3')).toHaveLength(0);
  });

  it('answers a DM in the language of the question', async () => {
    const ts = slackTs();
    await postSigned(url, SECRET, eventEnvelope(dm('GPU 낭비 있어?', { user: 'U2', channel: 'D1', ts })));
    const answer = await answerIn('D1', ts);
    expect(answer.text).toMatch(/[가-힣]/);
  });

  it('an assistant thread: suggested prompts, a status while working, the answer in the thread', async () => {
    const threadTs = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope(assistantThreadStarted({ user: 'U3', channel: 'D2', thread_ts: threadTs })),
    );
    await fake.waitFor(() => fake.calls.find((c) => c.method === 'assistant.threads.setSuggestedPrompts'));
    const ts = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope(dm('Which GPUs are wasted?', { user: 'U3', channel: 'D2', ts, thread_ts: threadTs })),
    );
    const answer = await answerIn('D2', threadTs);
    expect(answer.thread_ts).toBe(threadTs);
    expect(
      fake.calls.some((c) => c.method === 'assistant.threads.setStatus' && c.args.thread_ts === threadTs),
    ).toBe(true);
  });

  it('analyses real outputs uploaded to a channel, in the file’s thread', async () => {
    const files = [
      fake.addFile({ name: 'bundle.txt', content: sample('scenarios/h200/bundle.txt'), filetype: 'text' }),
    ];
    const ts = slackTs();
    await postSigned(url, SECRET, eventEnvelope(fileShare(files, { channel: 'C4', user: 'U4', ts })));
    const answer = await answerIn('C4', ts);
    expect(textOf(answer)).toMatch(/gpu-node-01/);
    // downloaded with the bot token
    expect(fake.downloads.some((d) => d.served === 'bytes')).toBe(true);
  });

  it('ignores an image shared in a channel, and names what it reads when addressed in a DM', async () => {
    const img = fake.addFile({
      name: 'screenshot.png',
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      mimetype: 'image/png',
      filetype: 'png',
    });
    const ts = slackTs();
    await postSigned(url, SECRET, eventEnvelope(fileShare([img], { channel: 'C5', user: 'U5', ts })));
    const ts2 = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope(fileShare([img], { channel: 'D5', user: 'U5', ts: ts2, text: 'is this ok?' })),
    );
    const answer = await fake.waitFor(
      () => fake.messages('D5').find((m) => /screenshot\.png/.test(textOf(m))),
      30_000,
    );
    expect(textOf(answer)).toMatch(/nvidia-smi/);
    expect(fake.messages('C5')).toHaveLength(0);
  });

  it('a report request uploads the PDF into the thread with the three-call upload', async () => {
    const ts = slackTs();
    await postSigned(url, SECRET, eventEnvelope(mention('report', { channel: 'C6', user: 'U6', ts })));
    const up = await fake.waitFor(() => fake.uploads.find((u) => u.channel_id === 'C6'), 30_000);
    expect(up.thread_ts).toBe(ts);
    expect(up.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const methods = fake.calls.map((c) => c.method);
    expect(methods).toContain('files.getUploadURLExternal');
    expect(methods).toContain('files.completeUploadExternal');
  });

  it('the slash command acks at once and answers through response_url', async () => {
    const responseUrl = fake.responseUrl();
    const r = await postSigned(
      url,
      SECRET,
      slashCommand({
        text: 'score gpu-node-01',
        user_id: 'U7',
        channel_id: 'C7',
        response_url: responseUrl,
        trigger_id: 'tr1',
      }),
    );
    expect(r.status).toBe(200);
    const posts = await fake.waitFor(() => {
      const p = fake.responsesTo(responseUrl);
      return p.length > 0 ? p : undefined;
    }, 30_000);
    expect(JSON.stringify(posts[0])).toMatch(/gpu-node-01/);
    expect(posts[0]!.body.response_type).toBe('ephemeral');
    const help = await postSigned(
      url,
      SECRET,
      slashCommand({
        text: 'help',
        user_id: 'U7',
        channel_id: 'C7',
        response_url: fake.responseUrl(),
        trigger_id: 'tr2',
      }),
    );
    expect(help.text).toMatch(/score/);
  });

  it('a button asks for the report of the thread', async () => {
    const ts = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope(mention('how is gpu-node-01?', { channel: 'C8', user: 'U8', ts })),
    );
    const answer = await answerIn('C8', ts);
    await postSigned(
      url,
      SECRET,
      blockAction({
        action_id: 'infralens_report',
        value: 'gpu-node-01',
        user: 'U8',
        channel: 'C8',
        message_ts: answer.ts,
        thread_ts: ts,
        response_url: fake.responseUrl(),
      }),
    );
    const up = await fake.waitFor(() => fake.uploads.find((u) => u.channel_id === 'C8'), 30_000);
    expect(up.thread_ts).toBe(ts);
  });

  it('a 429 from chat.update is waited out: the answer arrives once', async () => {
    fake.rateLimit('chat.update', 1, 1);
    const ts = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope(mention('ECC 에러 있어?', { channel: 'C9', user: 'U9', ts })),
    );
    const answer = await answerIn('C9', ts);
    expect(answer.updated).toBe(true);
    const updates = fake.calls.filter((c) => c.method === 'chat.update' && c.args.channel === 'C9');
    expect(updates.map((u) => u.status)).toEqual([429, 200]);
  });

  it('a follow-up in a thread the bot answered needs no new mention; other thread chatter is left alone', async () => {
    const ts = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope(mention('why is training slow?', { channel: 'C10', user: 'U1', ts })),
    );
    await answerIn('C10', ts);
    const before = thread('C10', ts).length;
    const followUp = {
      type: 'message',
      channel: 'C10',
      channel_type: 'channel',
      user: 'U1',
      text: 'how do I fix it?',
      ts: slackTs(),
      thread_ts: ts,
    };
    await postSigned(url, SECRET, eventEnvelope(followUp));
    const fix = await fake.waitFor(
      () => thread('C10', ts).find((m, i) => i >= before && /qm |plan|move/i.test(textOf(m))),
      30_000,
    );
    expect(fix.thread_ts).toBe(ts);
    // a thread the bot never answered in: people talking to each other
    const other = slackTs();
    await postSigned(
      url,
      SECRET,
      eventEnvelope({
        type: 'message',
        channel: 'C10',
        channel_type: 'channel',
        user: 'U2',
        text: 'lunch?',
        ts: slackTs(),
        thread_ts: other,
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(thread('C10', other)).toHaveLength(0);
  });

  it('slash answers: the command’s own language, both demo servers, no buttons on an ephemeral answer', async () => {
    const ask = fake.responseUrl();
    await postSigned(
      url,
      SECRET,
      slashCommand({
        text: 'ask GPU 낭비 있어?',
        user_id: 'U11',
        channel_id: 'C11',
        response_url: ask,
        trigger_id: 'tr11a',
      }),
    );
    await fake.waitFor(() => fake.responsesTo(ask)[0], 30_000);
    const score = fake.responseUrl();
    await postSigned(
      url,
      SECRET,
      slashCommand({
        text: 'score gpu-node-02',
        user_id: 'U11',
        channel_id: 'C11',
        response_url: score,
        trigger_id: 'tr11b',
      }),
    );
    const post = await fake.waitFor(() => fake.responsesTo(score)[0], 30_000);
    const body = JSON.stringify(post.body);
    expect(body).toMatch(/gpu-node-02/);
    expect(body).not.toMatch(/[가-힣]/);
    expect(body).not.toContain('infralens_report');
    expect(post.body.replace_original).toBe(true);
    // a host nobody has data for is said to be unknown, never answered with another host's score
    const none = fake.responseUrl();
    await postSigned(
      url,
      SECRET,
      slashCommand({
        text: 'score nosuchhost',
        user_id: 'U11',
        channel_id: 'C11',
        response_url: none,
        trigger_id: 'tr11c',
      }),
    );
    const unknown = JSON.stringify((await fake.waitFor(() => fake.responsesTo(none)[0], 30_000)).body);
    expect(unknown).toMatch(/no data for `nosuchhost`.*gpu-node-01.*gpu-node-02/);
  });

  it('an upload the bot cannot fetch (no files:read) is answered in a channel, naming the scope', async () => {
    fake.filesReadScope = false;
    try {
      const f = fake.addFile({ name: 'topo.txt', content: 'GPU0 X', filetype: 'text' });
      const ts = slackTs();
      await postSigned(url, SECRET, eventEnvelope(fileShare([f], { channel: 'C12', user: 'U12', ts })));
      const m = await fake.waitFor(
        () => fake.messages('C12').find((x) => /files:read/.test(textOf(x))),
        30_000,
      );
      expect(m.thread_ts).toBe(ts);
    } finally {
      fake.filesReadScope = true;
    }
  });

  it('a placeholder someone deleted: the answer is posted in the thread instead', async () => {
    fake.delay('chat.update', 1500);
    try {
      const ts = slackTs();
      await postSigned(
        url,
        SECRET,
        eventEnvelope(mention('ECC 에러 있어?', { channel: 'C13', user: 'U13', ts })),
      );
      const ph = await fake.waitFor(
        () => fake.messages('C13').find((m) => /살펴보는 중/.test(m.text ?? '')),
        30_000,
      );
      // the answer's chat.update is on its way (held by the fake): the placeholder goes first
      await fake.waitFor(
        () => fake.calls.find((c) => c.method === 'chat.update' && c.args.channel === 'C13'),
        30_000,
      );
      const del = await fetch(`${fake.apiUrl}chat.delete`, {
        method: 'POST',
        headers: { Authorization: 'Bearer xoxb-test', 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel: 'C13', ts: ph.ts }),
      });
      expect(((await del.json()) as { ok: boolean }).ok).toBe(true);
      const answer = await fake.waitFor(
        () => fake.messages('C13').find((m) => m.ts !== ph.ts && m.thread_ts === ts && /ECC/.test(textOf(m))),
        30_000,
      );
      expect(answer.updated).toBe(false);
    } finally {
      fake.delay('chat.update', 0);
    }
  });

  it('health, readiness and metrics', async () => {
    const base = `http://127.0.0.1:${bot.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/infralens_turns_total\{mode="offline",outcome="answered",surface="slack"\} \d+/);
    expect(m).toMatch(/infralens_queue_jobs\{queue="turns",state="waiting"\} \d+/);
    expect(m).toContain('infralens_first_reply_seconds_bucket');
    // auth.test once, at start-up: never a call to Slack per event before the ack
    expect(fake.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
    // secrets never in what the bot says about itself
    expect(m).not.toContain('xoxb-test');
  });
});

describe('start-up configuration', () => {
  it('a missing or malformed setting stops start-up with one line naming it', () => {
    expect(() => botConfigFrom({ SLACK_SIGNING_SECRET: SECRET }, 'bot')).toThrow(
      /^missing setting SLACK_BOT_TOKEN \(Slack\) or TEAMS_APP_ID \(Microsoft Teams\)$/,
    );
    expect(() =>
      botConfigFrom({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: SECRET, PORT: 'eighty' }, 'bot'),
    ).toThrow(/invalid setting PORT/);
    expect(() => botConfigFrom({ SLACK_BOT_TOKEN: 'xoxb-1' }, 'bot')).toThrow(/SLACK_SIGNING_SECRET/);
    expect(botConfigFrom({ SLACK_BOT_TOKEN: 'xoxb-1' }, 'worker').slack?.signingSecret).toBeNull();
    try {
      botConfigFrom({ SLACK_BOT_TOKEN: 'xoxp-secret-value', SLACK_SIGNING_SECRET: SECRET }, 'bot');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-value');
    }
  });
});
