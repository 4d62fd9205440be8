/**
 * The Teams transport against the fake Teams (test/fakes/teams.ts: Entra, the Bot Framework connector and
 * OneDrive upload sessions on loopback) with real Redis for references, blobs and the upload record, and
 * the real token client: a message with its card in the right conversation and reply chain with the
 * bearer; a PDF in a personal chat as a consent card, in a channel as a signed link that downloads the
 * same bytes through reportRoute; an accepted consent uploaded once even when the card's post is retried;
 * the connector's answers sorted for the queue (429, 403, 401 once and twice); no reference; and one
 * reply through sendProcessor on a real Backbone, paced.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LinkConfig, TeamsConfig } from '../../bot/config.ts';
import { M, Metrics } from '../../bot/metrics.ts';
import { reportRoute } from '../../bot/reports.ts';
import { type ConversationRef, saveRef } from '../../bot/teams/refs.ts';
import { TeamsTokenClient } from '../../bot/teams/token.ts';
import {
  ADAPTIVE_CARD,
  FILE_CONSENT_CARD,
  FILE_INFO_CARD,
  sendTyping,
  TeamsTransport,
  uploadedKey,
} from '../../bot/teams/transport.ts';
import { silentLogger } from '../../jobs/log.ts';
import { Backbone, type BackboneEvent } from '../../jobs/queue/backbone.ts';
import { BlobStore } from '../../jobs/queue/blobs.ts';
import type { Destination, OutMessage } from '../../jobs/queue/contracts.ts';
import { Kv } from '../../jobs/queue/kv.ts';
import { PermanentSendError, RateLimited, sendProcessor } from '../../jobs/queue/outbox.ts';
import { type FakeTeams, startFakeTeams } from '../fakes/teams.ts';
import { dropPrefix, plainRedis, REDIS_URL, uniquePrefix, waitFor } from '../jobs/helpers.ts';

const redis = plainRedis();
const prefix = uniquePrefix('teams-transport');
const kv = new Kv(redis, prefix);
const blobs = new BlobStore(redis, prefix, 3600);
const PDF = Buffer.from(`%PDF-1.7\n${'0123456789'.repeat(300)}\n%%EOF\n`);
const CARD = { type: 'AdaptiveCard' as const, version: '1.5', body: [{ type: 'TextBlock', text: 'GPU 3' }] };

let fake: FakeTeams;
let tokens: TeamsTokenClient;
let reports: Server;
let links: LinkConfig;
let sha = '';
const PERSONAL = 'a:1personal-chat-of-ada';
let CHANNEL = '';
const GROUP = '19:group-chat@thread.v2';

beforeAll(async () => {
  fake = await startFakeTeams();
  CHANNEL = fake.channelConversationId;
  const cfg: TeamsConfig = {
    appId: fake.appId,
    tenantId: fake.tenantId,
    secret: fake.secret,
    cert: null,
    authority: fake.authority,
    issuers: [],
  };
  tokens = new TeamsTokenClient(cfg);
  sha = await blobs.put(PDF);
  // the bot's report route on its own loopback server: the link's public URL
  links = { publicUrl: null, secret: 'report-link-secret', ttlSec: 86_400 };
  const route = reportRoute({ links: { ...links }, blobs, log: silentLogger });
  reports = createServer((req, res) => route.handler(req, res));
  await new Promise<void>((r) => reports.listen(0, '127.0.0.1', r));
  links.publicUrl = `http://127.0.0.1:${(reports.address() as AddressInfo).port}`;
  const ref = (conversationId: string, conversationType: ConversationRef['conversationType']) =>
    saveRef(
      kv,
      {
        serviceUrl: fake.serviceUrl,
        conversationId,
        conversationType,
        tenantId: fake.tenantId,
        bot: { id: `28:${fake.appId}`, name: 'InfraLens' },
        teamId: conversationType === 'channel' ? fake.teamId : null,
        at: Date.now(),
      },
      3600,
    );
  await ref(PERSONAL, 'personal');
  // a channel thread's reference (saved under the channel's id too)
  await ref(`${CHANNEL};messageid=1700000000001`, 'channel');
  await ref(GROUP, 'groupChat');
});

afterEach(() => {
  fake.failNext(0, 200);
});

afterAll(async () => {
  await fake.close();
  reports.closeAllConnections();
  await new Promise<void>((r) => reports.close(() => r()));
  await dropPrefix(redis, prefix);
  await redis.quit();
});

const transport = (over: { links?: LinkConfig; metrics?: Metrics } = {}) =>
  new TeamsTransport({
    kv,
    blobs,
    tokens,
    links: over.links ?? links,
    metrics: over.metrics ?? new Metrics(),
    log: silentLogger,
  });

const to = (channel: string, thread: string | null = null): Destination => ({
  surface: 'teams',
  channel,
  thread,
});
const text = (t: string, card?: typeof CARD): OutMessage => ({
  kind: 'message',
  text: t,
  ...(card ? { card } : {}),
});
const pdf = (over: Partial<Extract<OutMessage, { kind: 'file' }>> = {}): OutMessage => ({
  kind: 'file',
  filename: 'infralens-gpu01.pdf',
  title: 'InfraLens report: gpu01',
  sha256: sha,
  ...over,
});
const last = (conversationId: string) => fake.activitiesTo(conversationId).at(-1)!;

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('TeamsTransport', () => {
  it('a message with its card lands in the conversation and reply chain, with the bearer', async () => {
    const metrics = new Metrics();
    await transport({ metrics }).deliver(
      to(PERSONAL, '1700000000123'),
      text('GPU 3 is **throttled**\u0007', CARD),
      0,
      Date.now() - 1500,
    );
    const call = fake.sent.at(-1)!;
    expect(call).toMatchObject({
      method: 'POST',
      status: 200,
      conversationId: PERSONAL,
      replyToId: '1700000000123',
    });
    expect(call.auth).toMatch(/^fake-bf\./);
    expect(call.body).toMatchObject({
      type: 'message',
      // with a card, the text is only the notification's summary (Teams would show it above the card)
      summary: 'GPU 3 is **throttled**\uFFFD',
      textFormat: 'markdown',
      attachments: [{ contentType: ADAPTIVE_CARD, content: CARD }],
      replyToId: '1700000000123',
      conversation: { id: PERSONAL, conversationType: 'personal' },
      from: { id: `28:${fake.appId}` },
    });
    expect(await metrics.render()).toMatch(new RegExp(`${M.answerSeconds[0]}_count 1`));
  });

  it('a channel thread goes to the thread’s conversation, found through the channel’s reference', async () => {
    const thread = `${CHANNEL};messageid=1700000000555`;
    await transport().deliver(to(thread, '1700000000555'), text('in the thread'), 1);
    expect(fake.sent.at(-1)).toMatchObject({
      conversationId: thread,
      replyToId: '1700000000555',
      status: 200,
    });
    expect(last(thread)).toMatchObject({ text: 'in the thread', attachments: [] });
  });

  it('personal PDF: a consent card with the blob’s size and the file in both contexts', async () => {
    await transport().deliver(to(PERSONAL), pdf({ comment: 'Here is the report.' }), 1);
    const body = last(PERSONAL);
    expect(body).toMatchObject({
      type: 'message',
      text: 'Here is the report.',
      attachments: [
        {
          contentType: FILE_CONSENT_CARD,
          name: 'infralens-gpu01.pdf',
          content: {
            sizeInBytes: PDF.length,
            acceptContext: { sha256: sha, filename: 'infralens-gpu01.pdf' },
            declineContext: { sha256: sha, filename: 'infralens-gpu01.pdf' },
            description: expect.stringContaining('infralens-gpu01.pdf'),
          },
        },
      ],
    });
  });

  it('a PDF whose blob expired: PermanentSendError naming the file', async () => {
    const e = await thrown(
      transport().deliver(to(PERSONAL), pdf({ sha256: 'b'.repeat(64), filename: 'old.pdf' }), 1),
    );
    expect(e).toBeInstanceOf(PermanentSendError);
    expect(e.message).toMatch(/old\.pdf expired/);
  });

  it('channel PDF: a message with a signed link that downloads the same bytes through reportRoute', async () => {
    const thread = `${CHANNEL};messageid=1700000000777`;
    await transport().deliver(to(thread, '1700000000777'), pdf(), 1);
    const body = last(thread);
    expect(body.attachments ?? []).toEqual([]);
    const link = /\((http:\/\/127\.0\.0\.1:\d+\/reports\/[\w.-]+)\)/.exec(String(body.text))?.[1];
    expect(link, String(body.text)).toBeDefined();
    expect(String(body.text)).toMatch(/24 hours/);
    const res = await fetch(link!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it('group chat PDF without a public URL: a message saying to ask in a personal chat, in Korean for a Korean request', async () => {
    await transport({ links: { ...links, publicUrl: null } }).deliver(
      to(GROUP),
      pdf({ title: 'InfraLens 보고서: gpu01' }),
      1,
    );
    const body = last(GROUP);
    expect(String(body.text)).toMatch(/개인 채팅/);
    expect(String(body.text)).not.toMatch(/http/);
  });

  it('upload: PUT with Content-Range and no Authorization, then the file-info card; a retry after a failed post does not PUT again', async () => {
    await transport().deliver(to(PERSONAL), pdf(), 1);
    const invoke = fake.consentInvoke(last(PERSONAL), 'accept');
    const info = (invoke.value as { uploadInfo: Record<string, string> }).uploadInfo;
    const msg: OutMessage = {
      kind: 'upload',
      filename: 'infralens-gpu01.pdf',
      sha256: sha,
      uploadUrl: info.uploadUrl!,
      contentUrl: info.contentUrl!,
      uniqueId: info.uniqueId!,
      fileType: info.fileType!,
    };
    const session = [...fake.uploads.values()].find((s) => s.uniqueId === info.uniqueId)!;
    const posted = fake.activitiesTo(PERSONAL).length;
    fake.failNext(1, 502);
    const first = await thrown(transport().deliver(to(PERSONAL), msg, 2));
    expect(first).not.toBeInstanceOf(PermanentSendError);
    expect(first.message).toMatch(/502/);
    expect(session.complete).toBe(true);
    expect(session.ranges).toEqual([`bytes 0-${PDF.length - 1}/${PDF.length}`]);
    expect(session.bytes.equals(PDF)).toBe(true);
    expect(await kv.getJson(uploadedKey(msg.uploadUrl))).not.toBeNull();
    // the retry: the card only (a second PUT would meet the completed session's 409)
    await transport().deliver(to(PERSONAL), msg, 2);
    expect(session.ranges).toHaveLength(1);
    expect(fake.activitiesTo(PERSONAL)).toHaveLength(posted + 1);
    expect(last(PERSONAL)).toMatchObject({
      attachments: [
        {
          contentType: FILE_INFO_CARD,
          contentUrl: info.contentUrl,
          name: 'infralens-gpu01.pdf',
          content: { uniqueId: info.uniqueId, fileType: 'pdf' },
        },
      ],
    });
  });

  it('upload to a URL that is not https (off this machine) is refused before sending anything', async () => {
    const e = await thrown(
      transport().deliver(
        to(PERSONAL),
        {
          kind: 'upload',
          filename: 'r.pdf',
          sha256: sha,
          uploadUrl: 'http://upload.example.com/session',
          contentUrl: 'https://x/r.pdf',
          uniqueId: 'u',
          fileType: 'pdf',
        },
        1,
      ),
    );
    expect(e).toBeInstanceOf(PermanentSendError);
    expect(e.message).toMatch(/only https/);
  });

  it('an upload session that is gone: PermanentSendError', async () => {
    const e = await thrown(
      transport().deliver(
        to(PERSONAL),
        {
          kind: 'upload',
          filename: 'r.pdf',
          sha256: sha,
          uploadUrl: `${fake.url}/upload/no-such-session`,
          contentUrl: 'https://x/r.pdf',
          uniqueId: 'u',
          fileType: 'pdf',
        },
        1,
      ),
    );
    expect(e).toBeInstanceOf(PermanentSendError);
    expect(e.message).toMatch(/refused: HTTP 404/);
  });

  it('429 with Retry-After: RateLimited for that long', async () => {
    fake.failNext(1, 429, { 'Retry-After': '3' });
    const e = await thrown(transport().deliver(to(PERSONAL), text('busy'), 1));
    expect(e).toBeInstanceOf(RateLimited);
    expect((e as RateLimited).retryAfterMs).toBe(3000);
  });

  it('403 (the bot was removed): PermanentSendError', async () => {
    fake.failNext(1, 403);
    const e = await thrown(transport().deliver(to(PERSONAL), text('gone'), 1));
    expect(e).toBeInstanceOf(PermanentSendError);
    expect(e.message).toMatch(/403 BotNotInConversationRoster/);
  });

  it('401 once: the token is dropped, a fresh one fetched, and the message delivered', async () => {
    const before = fake.tokensIssued;
    await tokens.get();
    fake.revokeTokens();
    await transport().deliver(to(PERSONAL), text('after a refresh'), 1);
    expect(fake.tokensIssued).toBe(Math.max(before, 1) + 1);
    const calls = fake.sent.slice(-2);
    expect(calls.map((c) => c.status)).toEqual([401, 200]);
    expect(calls[0]!.auth).not.toBe(calls[1]!.auth);
    expect(last(PERSONAL)).toMatchObject({ text: 'after a refresh' });
  });

  it('401 twice: PermanentSendError (the credential is not accepted)', async () => {
    fake.failNext(2, 401);
    const e = await thrown(transport().deliver(to(PERSONAL), text('no'), 1));
    expect(e).toBeInstanceOf(PermanentSendError);
    expect(e.message).toMatch(/401 twice/);
    expect(e.message).not.toContain(fake.secret);
  });

  it('no reference for the conversation: PermanentSendError that says how to get one', async () => {
    const e = await thrown(transport().deliver(to('19:unknown@thread.tacv2'), text('hello'), 0));
    expect(e).toBeInstanceOf(PermanentSendError);
    expect(e.message).toMatch(
      /no conversation reference for the Teams conversation 19:unknown@thread\.tacv2/,
    );
    expect(e.message).toMatch(/add the InfraLens app to the team or channel, or message it once/);
  });

  it('sendTyping posts a typing activity', async () => {
    const ref = { ...((await kv.getJson(`teams-ref-${PERSONAL}`)) as ConversationRef) };
    await sendTyping(ref, tokens);
    expect(fake.sent.at(-1)).toMatchObject({
      status: 200,
      body: { type: 'typing' },
      conversationId: PERSONAL,
    });
  });
});

describe('TeamsTransport under sendProcessor', () => {
  const bbPrefix = uniquePrefix('teams-send');
  let bb: Backbone;

  afterAll(async () => {
    await bb?.close(0);
    await dropPrefix(redis, bbPrefix);
  });

  it('delivers a reply in order, paced, through a rate limit', async () => {
    bb = await Backbone.open({ url: REDIS_URL, prefix: bbPrefix, log: silentLogger });
    // the references and the PDF live in the backbone's own Kv and blob store
    await bb.kv.setJson(`teams-ref-${PERSONAL}`, await kv.getJson(`teams-ref-${PERSONAL}`), 3600);
    const pdfSha = await bb.blobs.put(PDF);
    const events: BackboneEvent[] = [];
    bb.onEvent((e) => events.push(e));
    const spacingMs = 300;
    bb.startWorkers(
      {
        send: sendProcessor({
          kv: bb.kv,
          transports: {
            teams: new TeamsTransport({
              kv: bb.kv,
              blobs: bb.blobs,
              tokens,
              links,
              metrics: new Metrics(),
              log: silentLogger,
            }),
          },
          log: silentLogger,
          spacingMs,
        }),
      },
      { send: 2 },
    );
    const before = fake.activitiesTo(PERSONAL).length;
    const start = fake.sent.length;
    fake.failNext(1, 429, { 'Retry-After': '1' });
    await bb.enqueueSend(
      {
        to: to(PERSONAL, '1700000000999'),
        messages: [text('one', CARD), text('two'), pdf({ sha256: pdfSha })],
        receivedAt: Date.now(),
      },
      'teams-e2e',
    );
    await waitFor(
      'the send job',
      () => events.find((e) => e.kind === 'completed' || e.kind === 'failed'),
      15_000,
    );
    expect(events).toEqual([
      expect.objectContaining({ kind: 'completed', queue: 'send', jobId: 'teams-e2e' }),
    ]);
    const posted = fake.activitiesTo(PERSONAL).slice(before);
    expect(posted.map((b) => b.text ?? b.summary ?? '')).toEqual(['one', 'two', '']);
    expect(posted[2]!.attachments).toEqual([expect.objectContaining({ contentType: FILE_CONSENT_CARD })]);
    const calls = fake.sent.slice(start).filter((c) => c.conversationId === PERSONAL);
    expect(calls.map((c) => c.status)).toEqual([429, 200, 200, 200]);
    // the rate limit's second, then the channel's spacing between every post
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(spacingMs - 20);
    expect(calls[3]!.at - calls[2]!.at).toBeGreaterThanOrEqual(spacingMs - 20);
    expect((await bb.queues.send.getJob('teams-e2e'))?.returnvalue).toEqual({ delivered: 3 });
  });
});
