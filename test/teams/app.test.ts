/**
 * The Teams front door (bot/teams/app.ts) served by `serveRoutes` on loopback, against the fake Teams
 * (test/fakes/teams.ts: Entra with its signing keys and token endpoint, the Bot Framework connector) and a
 * real Redis: authentication stays on — an unsigned, wrongly signed, expired, wrong-audience or
 * wrong-issuer activity is refused with nothing queued, a token vouching for another service URL is
 * refused — and each kind of activity becomes the job it should: a question a turn job (with the typing
 * indicator at the connector), `help` and a welcome a send job, a consent answer an upload or a note; a
 * redelivered activity adds nothing. Also: Redis away → 500 (the service redelivers), a body over 1 MiB
 * → 413, the plain server's routing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { TeamsConfig } from '../../bot/config.ts';
import { M, Metrics } from '../../bot/metrics.ts';
import {
  activityJobId,
  MAX_ACTIVITY_BYTES,
  OVERVIEW_QUESTION,
  questionText,
  serveRoutes,
  type TeamsFrontDeps,
  teamsAuthConfig,
  teamsChannelKey,
  teamsConversationKey,
  teamsRoutes,
} from '../../bot/teams/app.ts';
import { baseConversationId, refOf } from '../../bot/teams/refs.ts';
import { TeamsTokenClient } from '../../bot/teams/token.ts';
import { FILE_CONSENT_CARD, TeamsTransport } from '../../bot/teams/transport.ts';
import { createLogger } from '../../jobs/log.ts';
import { Backbone } from '../../jobs/queue/backbone.ts';
import { jobId, SendJob, TurnJob } from '../../jobs/queue/contracts.ts';
import { type Activity, type FakeTeams, startFakeTeams } from '../fakes/teams.ts';
import {
  dropPrefix,
  freePort,
  PrivateRedis,
  plainRedis,
  REDIS_URL,
  uniquePrefix,
  waitFor,
} from '../jobs/helpers.ts';

const redis = plainRedis();
const prefix = uniquePrefix('teams-app');
const lines: string[] = [];
const log = createLogger({ level: 'debug', secrets: [], write: (l) => lines.push(l) });
const metrics = new Metrics();
const RATE = { userPerMin: 1000, channelPerMin: 1000 };

let fake: FakeTeams;
let teams: TeamsConfig;
let tokens: TeamsTokenClient;
let backbone: Backbone;
let server: { port: number; close(): Promise<void> };
let base = '';
const closers: (() => Promise<unknown>)[] = [];

const deps = (over: Partial<TeamsFrontDeps> = {}): TeamsFrontDeps => ({
  teams,
  backbone,
  tokens,
  log,
  metrics,
  rate: RATE,
  retentionSec: 3600,
  ...over,
});

beforeAll(async () => {
  fake = await startFakeTeams();
  teams = {
    appId: fake.appId,
    tenantId: fake.tenantId,
    secret: fake.secret,
    cert: null,
    authority: fake.authority,
    issuers: [],
  };
  tokens = new TeamsTokenClient(teams);
  backbone = await Backbone.open({ url: REDIS_URL, prefix, log });
  server = await serveRoutes(teamsRoutes(deps()), 0);
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  await server?.close();
  await backbone?.close(0);
  await fake?.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
  // nothing secret reached a log line: the client secret, a signed token, a bearer
  const all = lines.join('\n');
  expect(all).not.toContain(fake.secret);
  expect(all).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
  expect(all).not.toContain('fake-bf.');
});

function dumpLogOnFailure(): void {
  onTestFailed(() => {
    console.error(lines.slice(-40).join('\n'));
  });
}

const waiting = async (queue: 'turns' | 'send'): Promise<Job[]> =>
  backbone.queues[queue].getJobs(['waiting', 'delayed', 'prioritized', 'active']);
const turnsIn = async (conversation: string) =>
  (await waiting('turns')).filter((j) => (j.data as TurnJob).to.channel === conversation);
const sendsIn = async (conversation: string) =>
  (await waiting('send')).filter((j) => (j.data as SendJob).to.channel === conversation);
const totalJobs = async () => (await waiting('turns')).length + (await waiting('send')).length;
const turnOf = async (a: Activity) => {
  const conv = (a.conversation as { id: string }).id;
  const job = await backbone.queues.turns.getJob(activityJobId(conv, String(a.id)));
  return job ? TurnJob.parse(job.data) : null;
};
const convOf = (a: Activity) => (a.conversation as { id: string }).id;
/** A personal chat of its own (a conversation no other test touches). */
const freshPersonal = (partial: Record<string, unknown> = {}) => {
  const id = `a:1fresh-${Math.random().toString(36).slice(2)}`;
  return fake.activity('personal', {
    conversation: { id, conversationType: 'personal', tenantId: fake.tenantId },
    ...partial,
  });
};
const typingTo = (conversation: string) =>
  fake.sent.filter((c) => c.conversationId === conversation && c.body?.type === 'typing' && c.status === 200);
const textsOf = (job: Job | undefined) =>
  SendJob.parse(job?.data).messages.map((m) => (m.kind === 'message' ? m.text : m.kind));

describe('authentication', () => {
  /** Posted with `token`: answered `status`, nothing queued or saved; a 401 logged with `reason`. */
  const refused = async (token: string | null, status: number, reason?: RegExp) => {
    const a = freshPersonal({ text: 'why is GPU 3 slow?' });
    const before = await totalJobs();
    const logged = lines.length;
    const r = await fake.post(base, a, { token });
    expect(r.status).toBe(status);
    expect(await totalJobs()).toBe(before);
    expect(await refOf(backbone.kv, convOf(a))).toBeNull();
    if (reason) {
      const line = lines.slice(logged).find((l) => l.includes('teams: request refused'));
      expect(JSON.parse(line ?? '{}').reason).toMatch(reason);
    }
  };

  it('refuses an activity without a token', async () => {
    await refused(null, 401, /header not found/);
  });

  it('refuses a token signed with another key', async () => {
    await refused(fake.sign({}, { wrongKey: true }), 401, /invalid signature/);
  });

  it('refuses an expired token', async () => {
    await refused(fake.sign({}, { expiresInSec: -3600 }), 401, /expired/);
  });

  it('refuses a token for another app (audience)', async () => {
    await refused(fake.sign({ aud: '0b0b0b0b-0000-4000-8000-000000000001' }), 401, /audience/i);
  });

  it('refuses a token from an issuer it does not trust', async () => {
    const iss = `${fake.url}/0b0b0b0b-0000-4000-8000-000000000002/v2.0`;
    await refused(fake.sign({ iss }), 401, /issuer/i);
  });

  it('refuses a token that is not a JWT', async () => {
    await refused('not-a-jwt', 401, /invalid token/);
  });

  it("refuses an activity whose serviceUrl is not the one the token's serviceurl claim names (400)", async () => {
    await refused(fake.sign({ serviceurl: 'https://smba.trafficmanager.net/amer/' }), 400);
  });

  it('builds one connection with issuer validation, the tenant issuers and the configured ones', () => {
    const c = teamsAuthConfig({ ...teams, issuers: ['https://issuer.example/extra/v2.0'] });
    expect(c.clientId).toBe(fake.appId);
    expect(c.validateIssuer).toBe(true);
    expect(c.issuers).toEqual([
      'https://api.botframework.com',
      `https://sts.windows.net/${fake.tenantId}/`,
      `${fake.authority}/${fake.tenantId}/v2.0`,
      'https://issuer.example/extra/v2.0',
    ]);
    expect([...(c.connections?.keys() ?? [])]).toEqual(['serviceConnection']);
    expect(c.connections?.get('serviceConnection')?.validateIssuer).toBe(true);
  });
});

describe('messages', () => {
  it('a personal message: one turn job with the conversation, user and reply chain; typing shown', async () => {
    dumpLogOnFailure();
    const a = fake.activity('personal', { text: 'why is GPU 3 slow?' });
    const conv = convOf(a);
    const r = await fake.post(base, a);
    expect(r.status).toBe(200);
    const job = await turnOf(a);
    expect(job).toMatchObject({
      conversationId: `teams-${conv}`,
      channelKey: `teams-${conv}`,
      text: 'why is GPU 3 slow?',
      user: { id: fake.user.aadObjectId, name: fake.user.name },
      files: [],
      ignored: [],
      addressed: true,
      intent: 'ask',
      to: { surface: 'teams', channel: conv, thread: a.id },
    });
    expect(job!.receivedAt).toBeGreaterThan(Date.now() - 60_000);
    // the reference the reply will use, vouched for by the token
    expect(await refOf(backbone.kv, conv)).toMatchObject({
      serviceUrl: fake.serviceUrl,
      conversationId: conv,
      conversationType: 'personal',
      tenantId: fake.tenantId,
      bot: { id: `28:${fake.appId}`, name: 'InfraLens' },
      teamId: null,
    });
    await fake.waitFor(() => typingTo(conv).length > 0);
    expect(typingTo(conv)[0]!.auth).toMatch(/^fake-bf\./);
  });

  it('the same activity delivered again adds nothing', async () => {
    const a = freshPersonal({ text: 'how much power do the GPUs draw?' });
    const dupes = metrics.counter(M.teamsEvents[0], { kind: 'teams_message', outcome: 'duplicate' });
    expect((await fake.post(base, a)).status).toBe(200);
    expect((await fake.post(base, a)).status).toBe(200);
    expect(await turnsIn(convOf(a))).toHaveLength(1);
    expect(metrics.counter(M.teamsEvents[0], { kind: 'teams_message', outcome: 'duplicate' })).toBe(
      dupes + 1,
    );
  });

  it('a channel mention: the question without the mention, in the thread, the channel as its channel', async () => {
    const a = fake.activity('channel', { text: '<at>InfraLens</at> is <at>Bob</at>’s GPU 3 idle?' });
    (a.entities as unknown[]).push({
      type: 'mention',
      mentioned: { id: '29:bob', name: 'Bob' },
      text: '<at>Bob</at>',
    });
    const conv = convOf(a);
    expect(conv).toContain(';messageid=');
    expect((await fake.post(base, a)).status).toBe(200);
    const job = await turnOf(a);
    expect(job).toMatchObject({
      text: 'is Bob’s GPU 3 idle?',
      conversationId: `teams-${conv}`,
      channelKey: `teams-${fake.channelConversationId}`,
      to: { surface: 'teams', channel: conv, thread: a.id },
    });
    // the thread's reference, and the channel's (daily posts name the channel)
    expect(await refOf(backbone.kv, conv)).toMatchObject({
      conversationType: 'channel',
      teamId: fake.teamId,
    });
    const channel = await refOf(backbone.kv, fake.channelConversationId);
    expect(channel).toMatchObject({ conversationId: fake.channelConversationId, teamId: fake.teamId });
    expect(baseConversationId(conv)).toBe(fake.channelConversationId);
  });

  it('a file in a personal chat: the download URL as a RemoteFile', async () => {
    const a = fake.fileActivity('nvidia-smi-q.txt', 'GPU 00000000:17:00.0\n');
    const url = (a.attachments as { content: { downloadUrl: string } }[])[0]!.content.downloadUrl;
    expect((await fake.post(base, a)).status).toBe(200);
    const job = await turnOf(a);
    expect(job?.files).toEqual([expect.objectContaining({ name: 'nvidia-smi-q.txt', url, size: 0 })]);
    expect(job?.intent).toBe('ask');
  });

  it('a file in a channel: a note that files are read in personal chats; the question still runs', async () => {
    const file = fake.file('topo.txt', 'GPU0 X NV12\n');
    const attachment = {
      contentType: 'application/vnd.microsoft.teams.file.download.info',
      name: 'topo.txt',
      content: { downloadUrl: file.downloadUrl, uniqueId: file.id, fileType: 'txt' },
    };
    const a = fake.activity('channel', { text: 'why is NCCL slow?' });
    a.attachments = [...(a.attachments as unknown[]), attachment];
    const conv = convOf(a);
    expect((await fake.post(base, a)).status).toBe(200);
    const job = await turnOf(a);
    expect(job).toMatchObject({ text: 'why is NCCL slow?', files: [], ignored: [] });
    const notes = await sendsIn(conv);
    expect(notes).toHaveLength(1);
    expect(SendJob.parse(notes[0]!.data).to).toEqual({ surface: 'teams', channel: conv, thread: a.id });

    // only a file, no words: the note and nothing else
    const b = fake.activity('channel', { text: '<at>InfraLens</at>' });
    b.attachments = [...(b.attachments as unknown[]), attachment];
    expect((await fake.post(base, b)).status).toBe(200);
    expect(await turnOf(b)).toBeNull();
    expect(await sendsIn(convOf(b))).toHaveLength(1);
  });

  it('help: the help text as a send job, no turn', async () => {
    const a = freshPersonal({ text: 'help' });
    expect((await fake.post(base, a)).status).toBe(200);
    expect(await turnsIn(convOf(a))).toHaveLength(0);
    const sends = await sendsIn(convOf(a));
    expect(sends).toHaveLength(1);
    expect(textsOf(sends[0]).join('\n')).toMatch(/InfraLens/);
  });

  it('a command: its intent and host; an empty message asks for the overview', async () => {
    const a = freshPersonal({ text: 'score gpu-a' });
    expect((await fake.post(base, a)).status).toBe(200);
    expect(await turnOf(a)).toMatchObject({ intent: 'score', host: 'gpu-a', text: '', lang: 'en' });

    const b = freshPersonal({ text: '' });
    expect((await fake.post(base, b)).status).toBe(200);
    expect(await turnOf(b)).toMatchObject({ intent: 'hosts', text: OVERVIEW_QUESTION });

    // a Korean client's command answers in Korean
    const c = freshPersonal({ text: 'report gpu-b', locale: 'ko-KR' });
    expect((await fake.post(base, c)).status).toBe(200);
    expect(await turnOf(c)).toMatchObject({ intent: 'report', host: 'gpu-b', lang: 'ko' });
  });

  it('a submitted card (Action.Submit): its intent and host; an unknown one: nothing', async () => {
    const a = freshPersonal({ text: '', value: { infralens: 'report', host: 'gpu-a' } });
    expect((await fake.post(base, a)).status).toBe(200);
    expect(await turnOf(a)).toMatchObject({ intent: 'report', host: 'gpu-a', text: '', addressed: true });
    const b = freshPersonal({ text: '', value: { infralens: 'format-disks' } });
    expect((await fake.post(base, b)).status).toBe(200);
    expect(await turnsIn(convOf(b))).toHaveLength(0);
  });

  it("the bot's own messages, typing and reactions: 200, nothing queued", async () => {
    const before = await totalJobs();
    const own = freshPersonal({ text: 'an answer', from: { id: `28:${fake.appId}`, name: 'InfraLens' } });
    expect((await fake.post(base, own)).status).toBe(200);
    const typing = freshPersonal({ type: 'typing' });
    expect((await fake.post(base, typing)).status).toBe(200);
    const reaction = freshPersonal({ type: 'messageReaction', reactionsAdded: [{ type: 'like' }] });
    expect((await fake.post(base, reaction)).status).toBe(200);
    expect(await totalJobs()).toBe(before);
  });

  it('over the per-user limit: one notice a minute, no turn', async () => {
    const limited = await serveRoutes(teamsRoutes(deps({ rate: { userPerMin: 0, channelPerMin: 100 } })), 0);
    closers.push(() => limited.close());
    const url = `http://127.0.0.1:${limited.port}`;
    const minute = Math.floor(Date.now() / 60_000);
    const a = freshPersonal({ text: 'why is GPU 3 slow?' });
    const b = fake.activity('personal', { text: 'and GPU 4?', conversation: a.conversation });
    expect((await fake.post(url, a)).status).toBe(200);
    expect((await fake.post(url, b)).status).toBe(200);
    expect(await turnsIn(convOf(a))).toHaveLength(0);
    const notices = await sendsIn(convOf(a));
    const minutes = Math.floor(Date.now() / 60_000) - minute + 1;
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices.length).toBeLessThanOrEqual(minutes);
  });
});

describe('invokes and installs', () => {
  it('a file consent accepted: an upload send job; declined: a note; junk: 400', async () => {
    dumpLogOnFailure();
    // the bot knows the personal chat, and sends a PDF there as a consent card (the real transport)
    const hello = fake.activity('personal', { text: 'hello' });
    const conv = convOf(hello);
    expect((await fake.post(base, hello)).status).toBe(200);
    const pdf = Buffer.from(`%PDF-1.7\n${'x'.repeat(500)}\n%%EOF\n`);
    const sha = await backbone.blobs.put(pdf);
    const transport = new TeamsTransport({
      kv: backbone.kv,
      blobs: backbone.blobs,
      tokens,
      links: { publicUrl: null, secret: 'link-secret-for-tests', ttlSec: 3600 },
      metrics,
      log,
    });
    const send = (filename: string) =>
      transport.deliver(
        { surface: 'teams', channel: conv, thread: null },
        { kind: 'file', filename, title: 'InfraLens report', sha256: sha },
        0,
      );
    await send('infralens-gpu-a.pdf');
    const card = fake
      .activitiesTo(conv)
      .findLast((b) =>
        (b.attachments as { contentType?: string }[] | undefined)?.some(
          (x) => x.contentType === FILE_CONSENT_CARD,
        ),
      )!;

    const accept = fake.consentInvoke(card, 'accept');
    const r = await fake.post(base, accept);
    expect(r.status).toBe(200);
    const job = await backbone.queues.send.getJob(
      jobId('teams', 'consent', activityJobId(conv, String(accept.id))),
    );
    const info = (accept.value as { uploadInfo: Record<string, string> }).uploadInfo;
    expect(SendJob.parse(job?.data)).toMatchObject({
      to: { surface: 'teams', channel: conv, thread: null },
      messages: [
        {
          kind: 'upload',
          filename: info.name,
          sha256: sha,
          uploadUrl: info.uploadUrl,
          contentUrl: info.contentUrl,
          uniqueId: info.uniqueId,
          fileType: 'pdf',
        },
      ],
    });
    // answered again (a redelivery): still one job
    expect((await fake.post(base, accept)).status).toBe(200);

    const decline = fake.consentInvoke(card, 'decline');
    expect((await fake.post(base, decline)).status).toBe(200);
    const declined = await backbone.queues.send.getJob(
      jobId('teams', 'consent', activityJobId(conv, String(decline.id))),
    );
    expect(textsOf(declined).join('\n')).toContain('infralens-gpu-a.pdf');

    const before = await totalJobs();
    const junk = { ...decline, id: 'f:junk', value: { type: 'fileUpload', action: 'accept', context: 'x' } };
    expect((await fake.post(base, junk)).status).toBe(400);
    expect(await totalJobs()).toBe(before);
  });

  it('an Action.Execute card action: a turn job, answered 200 with a message', async () => {
    const a = freshPersonal({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'plan', data: { infralens: 'plan', host: 'gpu-c' } } },
    });
    delete a.text;
    const r = await fake.post(base, a);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.any(String),
    });
    expect(await turnOf(a)).toMatchObject({ intent: 'plan', host: 'gpu-c' });
    const junk = freshPersonal({ type: 'invoke', name: 'adaptiveCard/action', value: { action: {} } });
    expect((await fake.post(base, junk)).status).toBe(400);
  });

  it('the bot added to a personal chat: the reference saved and one welcome', async () => {
    const a = freshPersonal({ type: 'conversationUpdate', membersAdded: [{ id: `28:${fake.appId}` }] });
    delete a.text;
    const conv = convOf(a);
    expect((await fake.post(base, a)).status).toBe(200);
    expect(await refOf(backbone.kv, conv)).toMatchObject({
      conversationId: conv,
      conversationType: 'personal',
    });
    // Teams also announces the install as an installationUpdate: still one welcome
    const b = fake.activity('personal', {
      type: 'installationUpdate',
      action: 'add',
      conversation: a.conversation,
    });
    expect((await fake.post(base, b)).status).toBe(200);
    const sends = await sendsIn(conv);
    expect(sends).toHaveLength(1);
    expect(SendJob.parse(sends[0]!.data).to).toEqual({ surface: 'teams', channel: conv, thread: null });
    expect(await turnsIn(conv)).toHaveLength(0);
  });

  it('the bot added to a team: the channel reference saved, no welcome', async () => {
    const channelId = `19:${Math.random().toString(16).slice(2)}@thread.tacv2`;
    const a = fake.activity('channel', {
      type: 'conversationUpdate',
      membersAdded: [{ id: `28:${fake.appId}` }],
      conversation: { id: channelId, conversationType: 'channel', isGroup: true, tenantId: fake.tenantId },
    });
    expect((await fake.post(base, a)).status).toBe(200);
    expect(await refOf(backbone.kv, channelId)).toMatchObject({
      conversationType: 'channel',
      teamId: fake.teamId,
    });
    // a thread of that channel finds it too (a reply or a post before anyone wrote there)
    expect(await refOf(backbone.kv, `${channelId};messageid=1700000000000`)).toMatchObject({
      conversationId: `${channelId};messageid=1700000000000`,
    });
    expect(await sendsIn(channelId)).toHaveLength(0);
  });
});

describe('keys and words', () => {
  it('conversation keys: the id as written, a hash past 290 characters; a thread keyed by its channel', () => {
    expect(teamsConversationKey('a:1abc')).toBe('teams-a:1abc');
    const long = `a:1${'x'.repeat(300)}`;
    expect(teamsConversationKey(long)).toMatch(/^teams-[0-9a-f]{64}$/);
    expect(teamsChannelKey('19:c@thread.tacv2;messageid=17')).toBe('teams-19:c@thread.tacv2');
    expect(activityJobId('a:1abc', '17')).toBe(activityJobId('a:1abc', '17'));
    expect(activityJobId('a:1abc', '17')).not.toBe(activityJobId('a:1abd', '17'));
  });

  it("the question: the bot's mentions removed wherever they are, other names kept, controls flattened", () => {
    const me = { id: '28:bot' };
    const mention = (id: string, name: string) => ({
      type: 'mention',
      mentioned: { id, name },
      text: `<at>${name}</at>`,
    });
    expect(
      questionText({
        text: '<at>InfraLens</at> ask <at>Bob</at>\u0007 about\nGPU&nbsp;3 <at>InfraLens</at>',
        entities: [mention('28:bot', 'InfraLens'), mention('29:bob', 'Bob')],
        recipient: me,
      }),
    ).toBe('ask Bob about GPU 3');
    expect(questionText({ text: '  why?  ', recipient: me })).toBe('why?');
  });
});

describe('the request', () => {
  it('a body over 1 MiB: 413, nothing read', async () => {
    const a = freshPersonal({ text: 'x'.repeat(MAX_ACTIVITY_BYTES) });
    const r = await fake.post(base, a);
    expect(r.status).toBe(413);
    expect(await refOf(backbone.kv, convOf(a))).toBeNull();
  });

  it('a body that is not JSON, or not an activity: 400', async () => {
    const post = (body: string) =>
      fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${fake.sign()}` },
        body,
      });
    expect((await post('{not json')).status).toBe(400);
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post('{"type":"message"}')).status).toBe(400);
  });

  it('Redis away: 500 (the service delivers the activity again), nothing half-done', async () => {
    dumpLogOnFailure();
    const dir = mkdtempSync(join(tmpdir(), 'teams-app-redis-'));
    const own = new PrivateRedis(await freePort(), dir);
    await own.start();
    closers.push(async () => {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const bb = await Backbone.open({ url: own.url, prefix: 'teams-app', log });
    closers.push(() => bb.close(0));
    const srv = await serveRoutes(teamsRoutes(deps({ backbone: bb })), 0);
    closers.push(() => srv.close());
    const url = `http://127.0.0.1:${srv.port}`;
    const a = freshPersonal({ text: 'why is GPU 3 slow?' });
    expect((await fake.post(url, a)).status).toBe(200);
    await own.stop();
    const b = freshPersonal({ text: 'and now?' });
    expect((await fake.post(url, b)).status).toBe(500);
    await own.start();
    // once Redis is back the redelivery is taken
    await waitFor('Redis back', () => bb.ready(), 10_000);
    expect((await fake.post(url, b)).status).toBe(200);
  });

  it('the plain server routes by method and path, with :params, and answers 404 otherwise', async () => {
    const srv = await serveRoutes(
      [
        {
          path: '/reports/:token',
          method: ['GET'],
          handler: (req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(req.params ?? {}));
          },
        },
      ],
      0,
    );
    closers.push(() => srv.close());
    const url = `http://127.0.0.1:${srv.port}`;
    const r = await fetch(`${url}/reports/a%20b?x=1`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ token: 'a b' });
    expect((await fetch(`${url}/reports/a/b`)).status).toBe(404);
    expect((await fetch(`${url}/reports/a`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/api/messages`)).status).toBe(404);
  });
});
