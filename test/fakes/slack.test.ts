/**
 * FakeSlack against the real SDKs: @slack/web-api 8.2 (WebClient), @slack/bolt 5.1 (HTTPReceiver and
 * Socket Mode over @slack/socket-mode 3.1's undici WebSocket). Everything runs on 127.0.0.1.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, type types } from '@slack/bolt';
import { ErrorCode, type Logger, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assistantThreadStarted,
  blockAction,
  compareTs,
  dm,
  eventEnvelope,
  FakeSlack,
  fileShare,
  mention,
  multipartBoundary,
  parseMultipart,
  postSigned,
  sign,
  slashCommand,
  slashCommandPayload,
} from './slack.ts';

const SECRET = 'test-signing-secret';
const CHANNEL = 'C0OPS';

let fake: FakeSlack;
let apps: App[] = [];

beforeEach(async () => {
  fake = await FakeSlack.start();
  apps = [];
});

afterEach(async () => {
  // the app first: a Socket Mode client whose server vanishes schedules a reconnect
  for (const app of apps) await app.stop();
  await fake.close();
});

/** The SDK logs `[ERROR] …` response_metadata messages (as for invalid_blocks); keep test output clean. */
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function client(token = 'xoxb-test'): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    logger: quiet,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 5000,
  });
}

/** Runs `fn`, expecting it to reject; returns the error. */
async function rejection(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

function section(text: string): types.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

describe('Web API through WebClient', () => {
  it('auth.test answers the bot identity and records the Bearer token', async () => {
    const res = await client().auth.test();
    expect(res).toMatchObject({
      ok: true,
      team: fake.teamName,
      team_id: fake.teamId,
      user_id: fake.botUserId,
      bot_id: fake.botId,
      url: `https://${fake.teamDomain}.slack.com/`,
    });
    expect(res.response_metadata?.scopes).toContain('files:read');
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ method: 'auth.test', auth: 'xoxb-test', status: 200 });
  });

  it('rejects a wrong token with invalid_auth and an app token with not_allowed_token_type', async () => {
    const bad = await rejection(() => client('xoxb-wrong').auth.test());
    expect(bad.code).toBe(ErrorCode.PlatformError);
    expect((bad.data as { error: string }).error).toBe('invalid_auth');
    const app = await rejection(() => client('xapp-test').chat.postMessage({ channel: CHANNEL, text: 'x' }));
    expect((app.data as { error: string }).error).toBe('not_allowed_token_type');
    const res = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('posts a message with blocks (form-encoded JSON string parsed back) and updates it', async () => {
    const web = client();
    const blocks: types.KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'GPU report' } },
      section('*gpu-01*: 2 of 8 GPUs idle'),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Rerun' },
            action_id: 'rerun',
            value: 'gpu-01',
          },
        ],
      },
    ];
    const first = await web.chat.postMessage({ channel: CHANNEL, text: 'GPU report', blocks });
    expect(first.ok).toBe(true);
    expect(first.channel).toBe(CHANNEL);
    expect(first.ts).toMatch(/^\d+\.\d{6}$/);
    expect(first.message?.bot_id).toBe(fake.botId);

    const call = fake.calls.find((c) => c.method === 'chat.postMessage');
    expect(call?.args.blocks).toEqual(blocks); // arrived as one JSON string field
    expect(call?.args.team_id).toBeUndefined();

    const reply = await web.chat.postMessage({ channel: CHANNEL, text: 'details', thread_ts: first.ts! });
    expect(compareTs(reply.ts!, first.ts!)).toBe(1);

    await web.chat.update({ channel: CHANNEL, ts: first.ts!, text: 'GPU report (final)' });
    const msgs = fake.messages(CHANNEL);
    expect(msgs.map((m) => [m.text, m.thread_ts, m.updated])).toEqual([
      ['GPU report (final)', undefined, true],
      ['details', first.ts, false],
    ]);
    expect(msgs[0]?.blocks).toEqual(blocks);

    const thread = await web.conversations.replies({ channel: CHANNEL, ts: first.ts! });
    expect(thread.messages?.map((m) => m.text)).toEqual(['GPU report (final)', 'details']);

    const missing = await rejection(() => web.chat.update({ channel: CHANNEL, ts: '1.000001', text: 'x' }));
    expect((missing.data as { error: string }).error).toBe('message_not_found');
  });

  it('rejects over-limit blocks with invalid_blocks and long text with msg_too_long', async () => {
    const web = client();
    const tooMany = Array.from({ length: 51 }, (_, i) => section(`line ${i}`));
    const many = await rejection(() =>
      web.chat.postMessage({ channel: CHANNEL, text: 'x', blocks: tooMany }),
    );
    expect(many.code).toBe(ErrorCode.PlatformError);
    expect((many.data as { error: string }).error).toBe('invalid_blocks');

    const long = await rejection(() =>
      web.chat.postMessage({ channel: CHANNEL, text: 'x', blocks: [section('a'.repeat(3001))] }),
    );
    expect(long.data).toMatchObject({
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });

    const header = await rejection(() =>
      web.chat.postMessage({
        channel: CHANNEL,
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      }),
    );
    expect((header.data as { error: string }).error).toBe('invalid_blocks');

    const button = await rejection(() =>
      web.chat.postMessage({
        channel: CHANNEL,
        text: 'x',
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a' },
            ],
          },
        ],
      }),
    );
    expect((button.data as { errors: string[] }).errors).toEqual([
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ]);

    const text = await rejection(() => web.chat.postMessage({ channel: CHANNEL, text: 'x'.repeat(40_001) }));
    expect((text.data as { error: string }).error).toBe('msg_too_long');

    const empty = await rejection(() => web.chat.postMessage({ channel: CHANNEL, text: '' }));
    expect((empty.data as { error: string }).error).toBe('no_text');
    expect(fake.messages()).toEqual([]);
  });

  it('answers channel_not_found outside a channel allow-list', async () => {
    await fake.close();
    fake = await FakeSlack.start({ channels: [CHANNEL] });
    const web = client();
    await web.chat.postMessage({ channel: CHANNEL, text: 'ok' });
    const err = await rejection(() => web.chat.postMessage({ channel: 'C0OTHER', text: 'no' }));
    expect((err.data as { error: string }).error).toBe('channel_not_found');
  });

  it('records filesUploadV2 (three calls) with its bytes and thread', async () => {
    const web = client();
    const parent = await web.chat.postMessage({ channel: CHANNEL, text: 'report follows' });
    const bytes = Buffer.from('%PDF-1.7\nfake report\n%%EOF\n');
    const res = await web.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: parent.ts!,
      file: bytes,
      filename: 'report.pdf',
      title: 'GPU report',
      initial_comment: 'Here is the report',
    });
    const completed = (res.files as Array<{ files: Array<{ id: string; name: string }> }>)[0]?.files[0];
    expect(completed?.name).toBe('report.pdf');

    expect(fake.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
    ]);
    expect(fake.calls[1]?.args).toMatchObject({ filename: 'report.pdf', length: String(bytes.length) });
    expect(fake.calls[2]?.args.files).toEqual([{ id: completed?.id, title: 'GPU report' }]);

    expect(fake.uploads).toHaveLength(1);
    const up = fake.uploads[0]!;
    expect(up).toMatchObject({
      file_id: completed?.id,
      filename: 'report.pdf',
      title: 'GPU report',
      channel_id: CHANNEL,
      thread_ts: parent.ts,
      initial_comment: 'Here is the report',
      length: bytes.length,
    });
    expect(Buffer.compare(up.bytes, bytes)).toBe(0);
    expect(up.uploadAuth).toBe('xoxb-test'); // the client's default Authorization header goes to upload_url too
    expect(up.file.mimetype).toBe('application/pdf');

    const info = await web.files.info({ file: up.file_id });
    expect(info.file?.size).toBe(bytes.length);
    const dl = await fetch(up.file.url_private_download, { headers: { Authorization: 'Bearer xoxb-test' } });
    expect(Buffer.from(await dl.arrayBuffer()).toString()).toBe(bytes.toString());
  });

  it('accepts a raw upload body and refuses to complete an upload that never arrived', async () => {
    const web = client();
    const first = await web.files.getUploadURLExternal({ filename: 'a.txt', length: 3 });
    const put = await fetch(first.upload_url!, { method: 'POST', body: 'abc' });
    expect(await put.text()).toBe('OK - 3');
    await web.files.completeUploadExternal({ files: [{ id: first.file_id!, title: 'a' }] });
    expect(fake.uploads[0]?.bytes.toString()).toBe('abc');
    expect(fake.uploads[0]?.channel_id).toBeUndefined();

    const second = await web.files.getUploadURLExternal({ filename: 'b.txt', length: 3 });
    const err = await rejection(() => web.files.completeUploadExternal({ files: [{ id: second.file_id! }] }));
    expect((err.data as { error: string }).error).toBe('file_upload_not_complete');
  });

  it('429 with Retry-After throws slack_webapi_rate_limited_error under rejectRateLimitedCalls', async () => {
    const web = client();
    await web.chat.postMessage({ channel: CHANNEL, text: 'parent' });
    const ts = fake.messages()[0]!.ts;
    fake.rateLimit('conversations.replies', 1, 1);
    const err = await rejection(() => web.conversations.replies({ channel: CHANNEL, ts }));
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(1);
    expect(fake.calls.at(-1)).toMatchObject({ status: 429, error: 'ratelimited' });
    const ok = await web.conversations.replies({ channel: CHANNEL, ts });
    expect(ok.messages).toHaveLength(1);

    fake.failNext('chat.postMessage', 'not_in_channel');
    const failed = await rejection(() => web.chat.postMessage({ channel: CHANNEL, text: 'x' }));
    expect((failed.data as { error: string }).error).toBe('not_in_channel');
  });

  it('enforces 1 message per second per channel when asked', async () => {
    fake.enforceChannelRate = true;
    const web = client();
    await web.chat.postMessage({ channel: CHANNEL, text: 'one' });
    const err = await rejection(() => web.chat.postMessage({ channel: CHANNEL, text: 'two' }));
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(1);
    await web.chat.postMessage({ channel: 'C0OTHER', text: 'elsewhere' });
    expect(fake.messages().map((m) => m.text)).toEqual(['one', 'elsewhere']);
  });

  it('records streams, assistant status, prompts and titles', async () => {
    const web = client();
    const start = await web.chat.startStream({
      channel: 'D0DM',
      thread_ts: '1.000001',
      markdown_text: 'Checking',
    });
    await web.chat.appendStream({ channel: 'D0DM', ts: start.ts!, markdown_text: ' gpu-01…' });
    await web.chat.stopStream({ channel: 'D0DM', ts: start.ts!, markdown_text: ' done.' });
    expect(fake.messages('D0DM')[0]).toMatchObject({ text: 'Checking gpu-01… done.', stream: 'stopped' });

    await web.assistant.threads.setStatus({
      channel_id: 'D0DM',
      thread_ts: '1.000001',
      status: 'is checking…',
    });
    await web.assistant.threads.setSuggestedPrompts({
      channel_id: 'D0DM',
      thread_ts: '1.000001',
      prompts: [{ title: 'Daily', message: '오늘 점검 보고서' }],
    });
    await web.assistant.threads.setTitle({ channel_id: 'D0DM', thread_ts: '1.000001', title: 'gpu-01' });
    expect(fake.statuses.map((s) => s.status)).toEqual(['is checking…']);
    expect(fake.suggestedPrompts[0]?.prompts).toEqual([{ title: 'Daily', message: '오늘 점검 보고서' }]);
    expect(fake.titles[0]?.title).toBe('gpu-01');

    const unknown = await rejection(() => web.apiCall('chat.frobnicate', {}));
    expect((unknown.data as { error: string }).error).toBe('unknown_method');
  });

  it('delay holds a call until close() cuts it short', async () => {
    fake.delay('auth.test', 60_000);
    const pending = client()
      .auth.test()
      .then(
        () => undefined,
        (err: Record<string, unknown>) => err,
      );
    await fake.waitFor(() => fake.calls.length === 1);
    await fake.close(); // no timer outlives the fake
    expect((await pending)?.code).toBe(ErrorCode.RequestError);
  });

  it('waitFor resolves with the value and times out listing the recent calls', async () => {
    await client().chat.postMessage({ channel: CHANNEL, text: 'hello' });
    const m = await fake.waitFor(() => fake.messages(CHANNEL).find((x) => x.text === 'hello'));
    expect(m.ts).toMatch(/^\d+\.\d{6}$/);
    const err = await rejection(() => fake.waitFor(() => false, 30));
    expect(String(err.message)).toContain('chat.postMessage');
  });
});

describe('private files and response_url', () => {
  it('serves url_private_download to the bot token and the HTML login page otherwise', async () => {
    const file = fake.addFile({ name: 'nvidia-smi.txt', content: 'GPU 0: H200\n' });
    expect(file.url_private_download).toBe(
      `${fake.url}/files-pri/${fake.teamId}-${file.id}/download/nvidia-smi.txt`,
    );
    expect(file).toMatchObject({ mode: 'hosted', mimetype: 'text/plain', filetype: 'text', size: 12 });

    const ok = await fetch(file.url_private_download, { headers: { Authorization: 'Bearer xoxb-test' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain');
    expect(await ok.text()).toBe('GPU 0: H200\n');

    const anon = await fetch(file.url_private_download);
    expect(anon.status).toBe(200);
    expect(anon.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await anon.text()).toContain('<!DOCTYPE html>');

    const info = await client().files.info({ file: file.id });
    expect(info.file?.url_private_download).toBe(file.url_private_download);
    expect(fake.downloads.map((d) => d.served)).toEqual(['bytes', 'login']);
  });

  it('answers the login page to a token without files:read', async () => {
    await fake.close();
    fake = await FakeSlack.start({ filesReadScope: false });
    const file = fake.addFile({ name: 'x.bin', content: new Uint8Array([1, 2, 3]) });
    const res = await fetch(file.url_private_download, { headers: { Authorization: 'Bearer xoxb-test' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    await res.text();
  });

  it('records up to 5 posts per response_url and answers 404 used_url to the 6th', async () => {
    const url = fake.responseUrl();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: `update ${i}`, response_type: 'ephemeral', replace_original: false }),
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    const sixth = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'too many' }) });
    expect(sixth.status).toBe(404);
    expect(await sixth.text()).toBe('used_url');
    expect(fake.responsesTo(url).map((r) => r.body.text)).toEqual([
      'update 0',
      'update 1',
      'update 2',
      'update 3',
      'update 4',
    ]);
  });

  it('parses a multipart body with its boundary', () => {
    const boundary = '----fake123';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="body"; filename="blob"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n\r\n--x\r\n--${boundary}--\r\n`,
    );
    const parts = parseMultipart(body, multipartBoundary(`multipart/form-data; boundary=${boundary}`)!);
    expect(parts.map((p) => [p.name, p.filename, p.data.toString()])).toEqual([
      ['note', undefined, 'hi'],
      ['body', 'blob', '\r\n--x'],
    ]);
  });
});

describe('Bolt over HTTP (HTTPReceiver)', () => {
  async function startHttpApp(): Promise<{ app: App; events: string }> {
    const app = new App({
      token: 'xoxb-test',
      receiver: new HTTPReceiver({
        signingSecret: SECRET,
        endpoints: '/slack/events',
        logLevel: LogLevel.ERROR,
      }),
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true },
      logLevel: LogLevel.ERROR,
    });
    apps.push(app);
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    const { port } = server.address() as AddressInfo;
    return { app, events: `http://127.0.0.1:${port}/slack/events` };
  }

  it('receives a signed app_mention and replies through the fake', async () => {
    const { app, events } = await startHttpApp();
    const seen: Array<{ text: string; retryNum: number | undefined }> = [];
    app.event('app_mention', async ({ event, say, context }) => {
      seen.push({ text: event.text, retryNum: context.retryNum });
      await say({ text: `checking ${event.text.replace(/<@\w+>\s*/, '')}`, thread_ts: event.ts });
    });

    const event = mention('gpu-01 is slow', { channel: CHANNEL, user: 'U0ALICE' });
    const res = await postSigned(events, SECRET, eventEnvelope(event));
    expect(res.status).toBe(200);

    const reply = await fake.waitFor(() =>
      fake.messages(CHANNEL).find((m) => m.text === 'checking gpu-01 is slow'),
    );
    expect(reply.thread_ts).toBe(event.ts);
    expect(seen).toEqual([{ text: '<@UBOT> gpu-01 is slow', retryNum: undefined }]);
    // Bolt verified the token at start (auth.test) and adds team_id to its calls
    expect(fake.calls[0]?.method).toBe('auth.test');
    expect(fake.calls.find((c) => c.method === 'chat.postMessage')?.args.team_id).toBe(fake.teamId);

    const retry = await postSigned(events, SECRET, eventEnvelope(dm('again', { user: 'U0ALICE' })), {
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(retry.status).toBe(200);
  });

  it('answers 401 to a bad signature and to a stale timestamp', async () => {
    const { app, events } = await startHttpApp();
    let calls = 0;
    app.event('app_mention', async () => {
      calls += 1;
    });
    const body = eventEnvelope(mention('hi', { channel: CHANNEL, user: 'U0ALICE' }));
    const bad = await postSigned(events, SECRET, body, { badSignature: true });
    expect(bad.status).toBe(401);
    const stale = await postSigned(events, SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    const good = await postSigned(events, SECRET, body);
    expect(good.status).toBe(200);
    await fake.waitFor(() => calls === 1);
    expect(calls).toBe(1);
  });

  it('sign() computes the v0 HMAC Bolt verifies', () => {
    const headers = sign('s', '{"a":1}', 1_700_000_000);
    expect(headers['X-Slack-Request-Timestamp']).toBe('1700000000');
    expect(headers['X-Slack-Signature']).toMatch(/^v0=[0-9a-f]{64}$/);
  });

  it('handles a slash command with respond() to the fake response_url, and a button click', async () => {
    const { app, events } = await startHttpApp();
    app.command('/infralens', async ({ ack, respond, command }) => {
      await ack();
      await respond({ text: `scanning ${command.text}`, response_type: 'ephemeral' });
    });
    app.action('rerun', async ({ ack, body, respond }) => {
      await ack();
      const value = body.type === 'block_actions' ? body.actions[0] : undefined;
      await respond({
        text: `rerun ${value && 'value' in value ? value.value : '?'}`,
        replace_original: false,
      });
    });

    const cmdUrl = fake.responseUrl();
    const cmd = slashCommand({
      text: 'gpu-01',
      user_id: 'U0ALICE',
      channel_id: CHANNEL,
      response_url: cmdUrl,
    });
    expect((await postSigned(events, SECRET, cmd)).status).toBe(200);
    await fake.waitFor(() => fake.responsesTo(cmdUrl).length === 1);
    expect(fake.responsesTo(cmdUrl)[0]?.body).toMatchObject({
      text: 'scanning gpu-01',
      response_type: 'ephemeral',
    });

    const btnUrl = fake.responseUrl();
    const click = blockAction({
      action_id: 'rerun',
      value: 'gpu-01',
      user: 'U0ALICE',
      channel: CHANNEL,
      message_ts: '1.000001',
      response_url: btnUrl,
    });
    expect((await postSigned(events, SECRET, click)).status).toBe(200);
    await fake.waitFor(() => fake.responsesTo(btnUrl).length === 1);
    expect(fake.responsesTo(btnUrl)[0]?.body.text).toBe('rerun gpu-01');
  });

  it('delivers file_share messages and assistant_thread_started events', async () => {
    const { app, events } = await startHttpApp();
    const got: string[] = [];
    app.event('message', async ({ event }) => {
      if (event.subtype === 'file_share') got.push(`file_share:${event.files?.[0]?.name}`);
    });
    app.event('assistant_thread_started', async ({ event }) => {
      got.push(`thread:${event.assistant_thread.channel_id}`);
    });
    const file = fake.addFile({ name: 'topo.txt', content: 'GPU0 X' });
    await postSigned(events, SECRET, eventEnvelope(fileShare([file], { channel: CHANNEL, user: 'U0ALICE' })));
    await postSigned(events, SECRET, eventEnvelope(assistantThreadStarted({ user: 'U0ALICE' })));
    await fake.waitFor(() => got.length === 2);
    expect(got.sort()).toEqual(['file_share:topo.txt', 'thread:D0DM']);
  });
});

describe('Bolt in Socket Mode', () => {
  async function startSocketApp(): Promise<App> {
    const app = new App({
      token: 'xoxb-test',
      appToken: 'xapp-test',
      socketMode: true,
      clientOptions: { slackApiUrl: fake.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    apps.push(app);
    return app;
  }

  it('opens the connection through the fake and acks an events_api envelope', async () => {
    const app = await startSocketApp();
    const seen: string[] = [];
    app.event('app_mention', async ({ event, say }) => {
      seen.push(event.text);
      await say({ text: 'on it', thread_ts: event.ts });
    });
    await app.start();
    await fake.socketConnected();
    const open = fake.calls.find((c) => c.method === 'apps.connections.open');
    expect(open?.auth).toBe('xapp-test');

    const ack = await fake.sendEnvelope(
      'events_api',
      eventEnvelope(mention('gpu-02', { channel: CHANNEL, user: 'U0BOB' })),
      { retryAttempt: 0 },
    );
    expect(ack.envelope_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ack.payload).toEqual({});
    await fake.waitFor(() => fake.messages(CHANNEL).find((m) => m.text === 'on it'));
    expect(seen).toEqual(['<@UBOT> gpu-02']);
  });

  it('returns the ack payload of a slash command', async () => {
    const app = await startSocketApp();
    app.command('/infralens', async ({ ack, command }) => {
      await ack({ text: `queued ${command.text}` });
    });
    await app.start();
    await fake.socketConnected();
    const payload = slashCommandPayload({
      text: 'gpu-03',
      user_id: 'U0BOB',
      channel_id: CHANNEL,
      response_url: fake.responseUrl(),
    });
    const ack = await fake.sendEnvelope('slash_commands', payload);
    expect(ack.payload).toEqual({ text: 'queued gpu-03' });
  });
});
