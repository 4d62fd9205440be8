/**
 * The Teams bot end to end, as a new user meets it: `startBot` as `infralens bot` runs it with only the
 * Teams settings (no Slack), real Redis and BullMQ, the SDK's real JWT check, against the fake Teams on
 * loopback (test/fakes/teams.ts: Entra's keys and token endpoint, the Bot Framework connector, OneDrive
 * upload sessions, file downloads). The offline analyst answers, so every answer is the real tools' answer.
 * A personal chat, a follow-up, a channel mention, a file upload, the PDF by file consent and by link, a
 * duplicate activity, a restart between accepting and answering, and a daily post.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotConfig, botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { silentLogger } from '../../jobs/log.ts';
import { type FakeTeams, startFakeTeams } from '../fakes/teams.ts';
import { scriptedCollect } from '../fleet/helpers.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { dropPrefix, plainRedis } from '../jobs/helpers.ts';

const sample = (p: string) => readFileSync(new URL(`../../samples/${p}`, import.meta.url));
const prefix = testPrefix('teams-bot');
const redis = plainRedis();

let fake: FakeTeams;
let bot: BotHandle;
let base: string;
let port: number;
let configPath: string;

/** A free port, so that INFRALENS_PUBLIC_URL can name it before the bot listens. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEAMS_APP_ID: fake.appId,
    TEAMS_APP_PASSWORD: fake.secret,
    TEAMS_TENANT_ID: fake.tenantId,
    TEAMS_AUTHORITY: fake.authority,
    INFRALENS_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    REDIS_URL,
    INFRALENS_DEMO: '1',
    INFRALENS_QUEUE_PREFIX: prefix,
    INFRALENS_CONFIG: configPath,
    INFRALENS_COLLECT_MINUTES: '0',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

const collect = scriptedCollect({ 'gpu-a': ['critical'], 'gpu-b': ['good'] });

beforeAll(async () => {
  fake = await startFakeTeams();
  port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'infralens-teams-'));
  configPath = join(dir, 'inventory.yaml');
  writeFileSync(
    configPath,
    [
      'defaults: { user: probe, agent: true }',
      'hosts:',
      '  - { name: gpu-a, address: 127.0.0.1, trustOnFirstUse: true, groups: [lab] }',
      '  - { name: gpu-b, address: 127.0.0.1, trustOnFirstUse: true, groups: [lab] }',
      'channels:',
      `  - { surface: teams, id: '${fake.channelConversationId}', groups: [lab], digest: { cron: '0 9 * * *', tz: Asia/Seoul } }`,
    ].join('\n'),
  );
  const config: BotConfig = botConfigFrom(env(), 'bot');
  bot = await startBot(config, { model: null, log: silentLogger, collect });
  base = `http://127.0.0.1:${bot.port}`;
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

/** A personal chat no other test touches. */
const personal = (partial: Record<string, unknown> = {}) =>
  fake.activity('personal', {
    conversation: {
      id: `a:1chat-${Math.random().toString(36).slice(2)}`,
      conversationType: 'personal',
      tenantId: fake.tenantId,
    },
    ...partial,
  });
const convOf = (a: Record<string, unknown>) => (a.conversation as { id: string }).id;
type Posted = Record<string, unknown> & {
  text?: string;
  attachments?: { contentType: string; content?: unknown; contentUrl?: string; name?: string }[];
};
/** The messages the bot posted to a conversation (typing left out). */
const messagesTo = (conv: string) => fake.activitiesTo(conv).filter((b) => b.type === 'message') as Posted[];
const textOf = (m: Posted) => `${m.text ?? ''}\n${JSON.stringify(m.attachments ?? [])}`;
async function answerIn(conv: string, pred: (m: Posted) => boolean = () => true, n = 1): Promise<Posted[]> {
  await fake.waitFor(() => messagesTo(conv).filter(pred).length >= n, 30_000);
  return messagesTo(conv).filter(pred);
}

describe('the Teams bot through the fake connector', () => {
  it('a personal chat: typing at once, then the answer as an Adaptive Card in reply to the question', async () => {
    const a = personal({ text: 'why is training slow?' });
    const r = await fake.post(base, a);
    expect(r.status).toBe(200);
    const conv = convOf(a);
    const [answer] = await answerIn(conv);
    expect(fake.sent.some((c) => c.conversationId === conv && c.body?.type === 'typing')).toBe(true);
    const call = fake.sent.find((c) => c.conversationId === conv && c.body?.type === 'message')!;
    expect(call.replyToId).toBe(a.id);
    expect(call.auth).toBeTruthy();
    const card = answer!.attachments!.find(
      (x) => x.contentType === 'application/vnd.microsoft.card.adaptive',
    );
    expect(card).toBeDefined();
    expect((card!.content as { version: string }).version).toBe('1.5');
    expect(textOf(answer!)).toMatch(/train/i);
    // the buttons: the PDF and a re-check among them
    expect(JSON.stringify(card!.content)).toMatch(/"infralens":"report"/);

    // a follow-up in the same chat keeps the conversation (and is answered in its language)
    const b = fake.activity('personal', { conversation: a.conversation, text: '그럼 GPU 5는?' });
    expect((await fake.post(base, b)).status).toBe(200);
    const all = await answerIn(conv, () => true, 2);
    expect(textOf(all[1]!)).toMatch(/[가-힣]/);
  }, 60_000);

  it('the same activity delivered twice is answered once', async () => {
    const a = personal({ text: 'what is the score?' });
    await fake.post(base, a);
    await fake.post(base, a);
    const conv = convOf(a);
    await answerIn(conv);
    await new Promise((r) => setTimeout(r, 2500));
    expect(messagesTo(conv)).toHaveLength(1);
  }, 60_000);

  it('a daily post reaches the Teams channel through its stored reference', async () => {
    // the bot was added to the team: Teams introduced the channel
    const added = fake.activity('channel', {
      type: 'conversationUpdate',
      membersAdded: [{ id: `28:${fake.appId}` }],
      conversation: {
        id: fake.channelConversationId,
        conversationType: 'channel',
        isGroup: true,
        tenantId: fake.tenantId,
      },
    });
    delete added.text;
    expect((await fake.post(base, added)).status).toBe(200);
    const [r] = await bot.fleet!.digestNow(`teams:${fake.channelConversationId}`);
    expect(r!.hosts).toBe(2);
    const posts = await answerIn(fake.channelConversationId, (m) => /Daily GPU score/.test(textOf(m)));
    const card = posts[0]!.attachments!.find(
      (x) => x.contentType === 'application/vnd.microsoft.card.adaptive',
    )!;
    const body = JSON.stringify(card.content);
    expect(body).toContain('**gpu-a**');
    expect(body).not.toMatch(/&lt;|:warning:/);
    // the fleet PDF: a link (bots cannot upload in channels)
    await answerIn(fake.channelConversationId, (m) => /\/reports\//.test(textOf(m)));
  }, 90_000);

  it('a channel mention is answered in its thread, without the mention in the question', async () => {
    const a = fake.activity('channel', { text: '<at>InfraLens</at> how are my servers?' });
    expect((await fake.post(base, a)).status).toBe(200);
    const conv = convOf(a);
    expect(conv).toContain(';messageid=');
    const [answer] = await answerIn(conv);
    // the inventory hosts the channel's groups cover, from their last collection
    expect(textOf(answer!)).toMatch(/gpu-a|gpu-b/);
  }, 60_000);

  it('a file uploaded in a personal chat is analysed like a Slack upload', async () => {
    const a = fake.fileActivity('gpu-node-02-bundle.txt', sample('scenarios/l40s/bundle.txt'));
    const conv = `a:1file-${Math.random().toString(36).slice(2)}`;
    a.conversation = { id: conv, conversationType: 'personal', tenantId: fake.tenantId };
    a.text = 'what is wrong with this server?';
    expect((await fake.post(base, a)).status).toBe(200);
    const [answer] = await answerIn(conv);
    expect(fake.downloads.length).toBeGreaterThan(0);
    expect(fake.downloads.every((d) => d.auth === undefined)).toBe(true);
    expect(textOf(answer!)).toMatch(/L40S|NUMA|gpu-node-02|host/i);
  }, 60_000);

  it('a file whose download link no longer works: the reply says to send it again, in Teams words', async () => {
    const a = fake.fileActivity('nvidia-smi.txt', 'x');
    const att = (a.attachments as { content: { downloadUrl: string } }[])[0]!;
    att.content.downloadUrl = `${fake.url}/files/expired-${Date.now()}`;
    const conv = `a:1gone-${Math.random().toString(36).slice(2)}`;
    a.conversation = { id: conv, conversationType: 'personal', tenantId: fake.tenantId };
    expect((await fake.post(base, a)).status).toBe(200);
    const [answer] = await answerIn(conv);
    expect(textOf(answer!)).toMatch(/download link expired or was refused/);
    expect(textOf(answer!)).not.toMatch(/files:read|Slack/);
  }, 60_000);

  it('a report in a personal chat: a consent card; accepted, the PDF is uploaded and shown as a file card', async () => {
    const a = personal({ text: 'report' });
    await fake.post(base, a);
    const conv = convOf(a);
    const consent = (
      await answerIn(conv, (m) =>
        (m.attachments ?? []).some(
          (x) => x.contentType === 'application/vnd.microsoft.teams.card.file.consent',
        ),
      )
    )[0]!;
    const invoke = fake.consentInvoke(consent, 'accept');
    const r = await fake.post(base, invoke);
    expect(r.status).toBe(200);
    const info = await answerIn(conv, (m) =>
      (m.attachments ?? []).some((x) => x.contentType === 'application/vnd.microsoft.teams.card.file.info'),
    );
    expect(info).toHaveLength(1);
    const session = [...fake.uploads.values()].find((u) => u.complete)!;
    expect(session.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  }, 90_000);

  it('a report in a channel: a signed link the bot serves, that expires', async () => {
    const a = fake.activity('channel', { text: '<at>InfraLens</at> report gpu-a' });
    await fake.post(base, a);
    const conv = convOf(a);
    const [msg] = await answerIn(conv, (m) => /\/reports\//.test(textOf(m)));
    const url = /(http:\/\/127\.0\.0\.1:\d+\/reports\/[\w.-]+)/.exec(textOf(msg!))![1]!;
    const pdf = await fetch(url);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // a forged token is not found
    expect((await fetch(url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
  }, 90_000);
});

describe('reliability', () => {
  it('an accepted turn survives a restart: accepted by a bot without workers, answered by the next', async () => {
    await bot.stop();
    const config = botConfigFrom(env(), 'bot');
    const front = await startBot(config, { model: null, log: silentLogger, workers: false });
    const a = personal({ text: 'which GPUs are idle?' });
    expect((await fake.post(`http://127.0.0.1:${front.port}`, a)).status).toBe(200);
    await front.stop();
    bot = await startBot(botConfigFrom(env(), 'worker'), { model: null, log: silentLogger, collect });
    const [answer] = await answerIn(convOf(a));
    expect(textOf(answer!)).toMatch(/idle|GPU/i);
  }, 90_000);

  it('an unsigned activity is refused and nothing is answered', async () => {
    await bot.stop();
    bot = await startBot(botConfigFrom(env(), 'bot'), { model: null, log: silentLogger, collect });
    const a = personal({ text: 'hello' });
    expect((await fake.post(`http://127.0.0.1:${bot.port}`, a, { token: null })).status).toBe(401);
    expect(
      (await fake.post(`http://127.0.0.1:${bot.port}`, a, { token: fake.sign({}, { wrongKey: true }) }))
        .status,
    ).toBe(401);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.sent.filter((c) => c.conversationId === convOf(a))).toHaveLength(0);
  }, 60_000);
});
