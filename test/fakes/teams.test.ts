/**
 * The fake Teams' own contract: its Entra endpoints issue and check credentials, its JWKS verifies what
 * `sign()` signs (with node:crypto and with @microsoft/agents-hosting 1.8.1's own `authorizeJWT`), its
 * connector refuses calls without an issued bearer and records the rest, `failNext` injects faults, and
 * upload sessions and downloads behave as Teams' pre-authorised URLs do. Everything runs on 127.0.0.1.
 */
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthConfiguration, authorizeJWT, getAuthConfigWithDefaults } from '@microsoft/agents-hosting';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activitiesUrl, postActivity, Unauthorized } from '../../bot/teams/connector.ts';
import type { ConversationRef } from '../../bot/teams/refs.ts';
import { PermanentSendError, RateLimited } from '../../jobs/queue/outbox.ts';
import { type FakeTeams, FILE_CONSENT_CARD, FILE_DOWNLOAD_INFO, startFakeTeams } from './teams.ts';

let fake: FakeTeams;

beforeEach(async () => {
  fake = await startFakeTeams();
});

afterEach(async () => {
  await fake.close();
});

async function tokenWith(
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/${fake.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const goodForm = () => ({
  grant_type: 'client_credentials',
  client_id: fake.appId,
  client_secret: fake.secret,
  scope: 'https://api.botframework.com/.default',
});

async function issuedToken(): Promise<string> {
  const { body } = await tokenWith(goodForm());
  return body.access_token as string;
}

function refOf(conversationId: string): ConversationRef {
  return {
    serviceUrl: fake.serviceUrl,
    conversationId,
    conversationType: 'personal',
    tenantId: fake.tenantId,
    bot: { id: `28:${fake.appId}`, name: 'InfraLens' },
    teamId: null,
    at: Date.now(),
  };
}

describe('Entra', () => {
  it('serves the OpenID configuration and a JWKS with the signing key', async () => {
    const conf = (await (
      await fetch(`${fake.url}/${fake.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(conf.issuer).toBe(`${fake.authority}/${fake.tenantId}/v2.0`);
    expect(conf.jwks_uri).toBe(`${fake.url}/${fake.tenantId}/discovery/v2.0/keys`);
    expect(conf.token_endpoint).toBe(`${fake.url}/${fake.tenantId}/oauth2/v2.0/token`);
    const { keys } = (await (await fetch(conf.jwks_uri!)).json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', kid: fake.kid, x5t: fake.kid, e: 'AQAB' });
    expect(keys[0]!.n!.length).toBeGreaterThan(300);
  });

  it('issues an opaque bearer for the right secret and counts it', async () => {
    const { status, body } = await tokenWith(goodForm());
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(typeof body.access_token).toBe('string');
    expect(fake.tokensIssued).toBe(1);
    expect(fake.tokenRequests).toEqual([
      { tenant: fake.tenantId, clientId: fake.appId, credential: 'secret', status: 200, error: undefined },
    ]);
  });

  it('answers a wrong secret, app, tenant or scope as Entra does', async () => {
    const wrongSecret = await tokenWith({ ...goodForm(), client_secret: 'nope-nope-nope' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
    expect(wrongSecret.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(wrongSecret.body.error_codes).toEqual([7000215]);

    const wrongApp = await tokenWith({ ...goodForm(), client_id: '00000000-0000-4000-8000-000000000000' });
    expect([wrongApp.status, wrongApp.body.error]).toEqual([400, 'unauthorized_client']);
    expect(wrongApp.body.error_description).toMatch(/^AADSTS700016/);

    const wrongScope = await tokenWith({ ...goodForm(), scope: 'https://graph.microsoft.com/.default' });
    expect([wrongScope.status, wrongScope.body.error]).toEqual([400, 'invalid_scope']);

    const res = await fetch(`${fake.url}/11111111-1111-4111-8111-111111111111/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(goodForm()).toString(),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_description: string }).error_description).toMatch(/^AADSTS90002/);
    expect(fake.tokensIssued).toBe(0);
  });

  it('refuses a certificate assertion when no certificate is registered', async () => {
    const { status, body } = await tokenWith({
      grant_type: 'client_credentials',
      client_id: fake.appId,
      scope: 'https://api.botframework.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'a.b.c',
    });
    expect([status, body.error]).toEqual([401, 'invalid_client']);
    expect(body.error_description).toMatch(/^AADSTS700027/);
  });
});

describe('sign()', () => {
  async function jwks(): Promise<Record<string, string>[]> {
    const res = await fetch(`${fake.url}/${fake.tenantId}/discovery/v2.0/keys`);
    return ((await res.json()) as { keys: Record<string, string>[] }).keys;
  }

  function verifies(jwt: string, key: Record<string, string>): boolean {
    const [h, p, s] = jwt.split('.');
    const pub = createPublicKey({ key: { kty: key.kty!, n: key.n!, e: key.e! }, format: 'jwk' });
    return verify('sha256', Buffer.from(`${h}.${p}`), pub, Buffer.from(s!, 'base64url'));
  }

  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

  it('signs a Bot Framework token the JWKS key verifies, with the claims the bot checks', async () => {
    const jwt = fake.sign({ extra: 1 });
    const [h, p] = jwt.split('.');
    const header = decode(h!);
    const payload = decode(p!);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: fake.kid, x5t: fake.kid });
    expect(payload).toMatchObject({
      iss: `${fake.authority}/${fake.tenantId}/v2.0`,
      aud: fake.appId,
      serviceurl: fake.serviceUrl,
      tid: fake.tenantId,
      extra: 1,
    });
    expect(payload.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
    const [key] = await jwks();
    expect(key!.kid).toBe(header.kid);
    expect(verifies(jwt, key!)).toBe(true);
  });

  it('signs with another key when asked (same kid), which the JWKS key does not verify', async () => {
    const jwt = fake.sign({}, { wrongKey: true });
    const [key] = await jwks();
    expect(decode(jwt.split('.')[0]!).kid).toBe(fake.kid);
    expect(verifies(jwt, key!)).toBe(false);
  });

  it('sets exp from expiresInSec (negative: expired) and overrides claims', () => {
    const payload = decode(fake.sign({ aud: 'someone-else' }, { expiresInSec: -600 }).split('.')[1]!);
    expect(payload.aud).toBe('someone-else');
    expect(payload.exp).toBeLessThan(Math.floor(Date.now() / 1000) - 500);
    expect(payload.nbf).toBeLessThan(payload.exp);
  });
});

describe('@microsoft/agents-hosting authorizeJWT against the fake', () => {
  /** The configuration the bot's front door gives the SDK (TEAMS_AUTHORITY = fake.authority). */
  function sdkConfig(): AuthConfiguration {
    const connection: AuthConfiguration = {
      clientId: fake.appId,
      tenantId: fake.tenantId,
      authority: fake.authority,
      validateIssuer: true,
      issuers: ['https://api.botframework.com', `${fake.authority}/${fake.tenantId}/v2.0`],
    };
    return { ...connection, connections: new Map([['serviceConnection', connection]]) };
  }

  async function run(config: AuthConfiguration, authorization: string | undefined) {
    const req: { method: string; headers: Record<string, string>; user?: Record<string, unknown> } = {
      method: 'POST',
      headers: authorization === undefined ? {} : { authorization },
    };
    const res = {
      code: 0,
      sent: undefined as unknown,
      status(c: number) {
        this.code = c;
        return this;
      },
      send(b: unknown) {
        this.sent = b;
        return this;
      },
    };
    let next = false;
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's Request/Response types are express-shaped
    await authorizeJWT(config)(req as any, res as any, () => {
      next = true;
    });
    return { next, code: res.code, sent: res.sent, user: req.user };
  }

  it('accepts a signed token, refuses a wrong key, a wrong audience, an expired token and no header', async () => {
    const config = sdkConfig();
    const ok = await run(config, `Bearer ${fake.sign()}`);
    expect(ok).toMatchObject({ next: true, code: 0 });
    expect(ok.user).toMatchObject({ aud: fake.appId, serviceurl: fake.serviceUrl, tid: fake.tenantId });

    const refusals: [string | undefined, string][] = [
      [`Bearer ${fake.sign({}, { wrongKey: true })}`, 'invalid signature'],
      [`Bearer ${fake.sign({ aud: '00000000-0000-4000-8000-000000000000' })}`, 'Audience mismatch'],
      [`Bearer ${fake.sign({}, { expiresInSec: -900 })}`, 'jwt expired'],
      [
        `Bearer ${fake.sign({ iss: `${fake.authority}/00000000-0000-4000-8000-000000000000/v2.0` })}`,
        'Issuer mismatch',
      ],
      ['Basic abc', 'invalid authorization header'],
      [undefined, 'authorization header not found'],
    ];
    for (const [header, why] of refusals) {
      const r = await run(config, header);
      expect({ next: r.next, code: r.code, user: r.user, sent: r.sent }).toEqual({
        next: false,
        code: 401,
        user: undefined,
        sent: { 'jwt-auth-error': why },
      });
    }
  });

  it('works the same from getAuthConfigWithDefaults (it fills connections and the default issuers)', async () => {
    const config = getAuthConfigWithDefaults({
      clientId: fake.appId,
      tenantId: fake.tenantId,
      authority: fake.authority,
      validateIssuer: true,
    });
    expect(config.connections?.size).toBe(1);
    expect((await run(config, `Bearer ${fake.sign()}`)).next).toBe(true);
    expect((await run(config, `Bearer ${fake.sign({}, { wrongKey: true })}`)).code).toBe(401);
    expect((await run(config, undefined)).code).toBe(401);
  });
});

describe('the connector', () => {
  const conversationId = 'a:1Xy9_z-Q;messageid=1712345678901@thread=v2';

  it('refuses calls without a bearer it issued, and records them', async () => {
    for (const auth of [undefined, 'Bearer not-issued']) {
      const res = await fetch(activitiesUrl(refOf(conversationId)), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
        body: JSON.stringify({ type: 'message', text: 'hi' }),
      });
      expect(res.status).toBe(401);
    }
    expect(fake.sent.map((c) => [c.status, c.auth])).toEqual([
      [401, undefined],
      [401, 'not-issued'],
    ]);
    expect(fake.activitiesTo(conversationId)).toEqual([]);
    await expect(
      postActivity(refOf(conversationId), { type: 'message', text: 'x' }, { token: 'bad' }),
    ).rejects.toThrow(Unauthorized);
  });

  it('records posts and replies with decoded ids and answers new activity ids', async () => {
    const token = await issuedToken();
    const ref = refOf(conversationId);
    const id1 = await postActivity(ref, { type: 'message', text: 'first' }, { token });
    const id2 = await postActivity(
      ref,
      { type: 'message', text: 'second' },
      { token, replyToId: 'root:1;x' },
    );
    expect(id1).toMatch(/^\d+$/);
    expect(id2).not.toBe(id1);
    const [a, b] = fake.sent;
    expect(a).toMatchObject({
      method: 'POST',
      conversationId,
      replyToId: null,
      auth: token,
      status: 200,
      newId: id1,
    });
    expect(b).toMatchObject({ conversationId, replyToId: 'root:1;x', newId: id2 });
    expect(b!.path).toBe(`/v3/conversations/${encodeURIComponent(conversationId)}/activities/root%3A1%3Bx`);
    expect(fake.activitiesTo(conversationId).map((x) => x.text)).toEqual(['first', 'second']);
    expect(fake.activitiesTo(conversationId)[0]).toMatchObject({
      channelId: 'msteams',
      serviceUrl: fake.serviceUrl,
    });
  });

  it('updates, deletes and creates conversations; refuses a body without a type', async () => {
    const token = await issuedToken();
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const url = `${activitiesUrl(refOf(conversationId))}/123`;
    const put = await fetch(url, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ type: 'message', text: 'v2' }),
    });
    expect([put.status, await put.json()]).toEqual([200, { id: '123' }]);
    const del = await fetch(url, { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    const created = await fetch(`${fake.serviceUrl}v3/conversations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        bot: { id: `28:${fake.appId}` },
        members: [{ id: fake.user.id }],
        tenantId: fake.tenantId,
      }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { id: string }).id).toMatch(/^a:1/);
    const bad = await fetch(activitiesUrl(refOf(conversationId)), { method: 'POST', headers, body: '{}' });
    expect(bad.status).toBe(400);
    expect(fake.sent.map((c) => [c.method, c.activityId, c.status])).toEqual([
      ['PUT', '123', 200],
      ['DELETE', '123', 200],
      ['POST', null, 201],
      ['POST', null, 400],
    ]);
    expect(fake.activitiesTo(conversationId)).toEqual([]);
  });

  it('failNext answers the next n calls with the status and headers, then recovers', async () => {
    const token = await issuedToken();
    const ref = refOf(conversationId);
    fake.failNext(2, 429, { 'Retry-After': '3' });
    for (let i = 0; i < 2; i++) {
      const e = await postActivity(ref, { type: 'message', text: 'x' }, { token }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RateLimited);
      expect((e as RateLimited).retryAfterMs).toBe(3000);
    }
    expect(await postActivity(ref, { type: 'message', text: 'ok' }, { token })).toMatch(/^\d+$/);
    fake.failNext(1, 403);
    await expect(postActivity(ref, { type: 'message', text: 'x' }, { token })).rejects.toThrow(
      PermanentSendError,
    );
    fake.failNext(1, 500);
    await expect(postActivity(ref, { type: 'message', text: 'x' }, { token })).rejects.toThrow(
      /answered 500/,
    );
    expect(fake.sent.map((c) => c.status)).toEqual([429, 429, 200, 403, 500]);
    expect(fake.activitiesTo(conversationId).map((x) => x.text)).toEqual(['ok']);
  });

  it('revokeTokens makes issued bearers fail with 401', async () => {
    const token = await issuedToken();
    fake.revokeTokens();
    await expect(postActivity(refOf(conversationId), { type: 'message' }, { token })).rejects.toThrow(
      Unauthorized,
    );
  });

  it('caps activity bodies at 1 MiB', async () => {
    const token = await issuedToken();
    const res = await fetch(activitiesUrl(refOf(conversationId)), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'x'.repeat(1024 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it('waitFor resolves once the condition holds and rejects after its timeout', async () => {
    const token = await issuedToken();
    setTimeout(() => void postActivity(refOf('c1'), { type: 'message', text: 'late' }, { token }), 30);
    await fake.waitFor(() => fake.activitiesTo('c1').length === 1, 2000);
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/within 50 ms/);
  });
});

describe('activities, files and consent', () => {
  it('builds personal, channel and group chat messages as Teams sends them, with unique ids', () => {
    const p = fake.activity('personal', { text: 'check gpu01' });
    const c = fake.activity('channel', { text: 'check gpu01' });
    const g = fake.activity('groupChat');
    expect(p).toMatchObject({
      type: 'message',
      channelId: 'msteams',
      serviceUrl: fake.serviceUrl,
      text: 'check gpu01',
      textFormat: 'plain',
      recipient: { id: `28:${fake.appId}`, name: 'InfraLens' },
      conversation: { conversationType: 'personal', tenantId: fake.tenantId },
      channelData: { tenant: { id: fake.tenantId } },
    });
    expect((p.from as { id: string }).id).toMatch(/^29:/);
    expect((p.conversation as { id: string }).id).toMatch(/^a:1/);
    expect(c.text).toBe('<at>InfraLens</at> check gpu01');
    expect((c.conversation as { id: string }).id).toBe(`${fake.channelConversationId};messageid=${c.id}`);
    expect(c.channelData).toMatchObject({
      team: { id: fake.teamId },
      channel: { id: fake.channelConversationId },
    });
    expect(c.entities).toContainEqual({
      type: 'mention',
      mentioned: { id: `28:${fake.appId}`, name: 'InfraLens' },
      text: '<at>InfraLens</at>',
    });
    expect((g.conversation as { id: string }).id).toMatch(/^19:[0-9a-f]+@thread\.v2$/);
    expect(new Set([p.id, c.id, g.id]).size).toBe(3);
  });

  it('serves a file activity’s pre-authorised download URL without a header', async () => {
    const act = fake.fileActivity('nvidia-smi.xml', '<nvidia_smi_log/>');
    const [att] = act.attachments as { contentType: string; name: string; content: Record<string, string> }[];
    expect(att).toMatchObject({
      contentType: FILE_DOWNLOAD_INFO,
      name: 'nvidia-smi.xml',
      content: { fileType: 'xml' },
    });
    const res = await fetch(att!.content.downloadUrl!);
    expect([res.status, await res.text()]).toEqual([200, '<nvidia_smi_log/>']);
    expect((await fetch(`${fake.url}/files/nope`)).status).toBe(404);
    expect(fake.downloads.map((d) => [d.status, d.auth])).toEqual([
      [200, undefined],
      [404, undefined],
    ]);
  });

  it('turns a posted consent card into fileConsent/invoke; the upload session takes bytes in chunks', async () => {
    const token = await issuedToken();
    const personal = fake.activity('personal');
    const convId = (personal.conversation as { id: string }).id;
    const ref = { ...refOf(convId) };
    const cardId = await postActivity(
      ref,
      {
        type: 'message',
        attachments: [
          {
            contentType: FILE_CONSENT_CARD,
            name: 'report.pdf',
            content: {
              description: 'r',
              sizeInBytes: 10,
              acceptContext: { k: 'a' },
              declineContext: { k: 'd' },
            },
          },
        ],
      },
      { token },
    );
    const [posted] = fake.activitiesTo(convId);
    const decline = fake.consentInvoke(posted!, 'decline');
    expect(decline).toMatchObject({
      type: 'invoke',
      name: 'fileConsent/invoke',
      replyToId: cardId,
      value: { type: 'fileUpload', action: 'decline', context: { k: 'd' } },
    });
    const accept = fake.consentInvoke(posted!, 'accept');
    const info = (accept.value as { context: unknown; uploadInfo: Record<string, string> }).uploadInfo;
    expect((accept.value as { context: unknown }).context).toEqual({ k: 'a' });
    expect(info).toMatchObject({ name: 'report.pdf', fileType: 'pdf' });
    expect(accept.conversation).toMatchObject({ id: convId, conversationType: 'personal' });

    const put = (range: string, body: string, auth?: string) =>
      fetch(info.uploadUrl!, {
        method: 'PUT',
        headers: { 'Content-Range': range, ...(auth ? { Authorization: auth } : {}) },
        body,
      });
    expect((await put('bytes 0-3/10', '%PDF', `Bearer ${token}`)).status).toBe(401);
    expect((await put('bytes 0-3/10', '%PDF')).status).toBe(202);
    expect((await put('bytes 0-3/10', '%PDF')).status).toBe(416);
    const done = await put('bytes 4-9/10', '-1.7\n%');
    expect(done.status).toBe(201);
    expect(await done.json()).toMatchObject({ id: info.uniqueId, name: 'report.pdf', size: 10 });
    const session = fake.uploads.get(info.uploadUrl!.split('/').pop()!)!;
    expect(session.bytes.toString()).toBe('%PDF-1.7\n%');
    expect(session.ranges).toEqual(['bytes 0-3/10', 'bytes 4-9/10']);
    expect(session.complete).toBe(true);
    expect((await fetch(`${fake.url}/upload/unknown`, { method: 'PUT', body: 'x' })).status).toBe(404);
  });

  it('post() delivers an activity with a signed bearer, another token, or none', async () => {
    const seen: (string | undefined)[] = [];
    const bot = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on('end', () => res.writeHead(req.url === '/api/messages' ? 200 : 404).end('ok'));
    });
    await new Promise<void>((r) => bot.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(bot.address() as AddressInfo).port}`;
    try {
      expect(await fake.post(base, fake.activity('personal'))).toEqual({ status: 200, body: 'ok' });
      await fake.post(`${base}/`, fake.activity('personal'), { token: 'abc' });
      await fake.post(base, fake.activity('personal'), { token: null });
    } finally {
      await new Promise((r) => bot.close(r));
    }
    expect(seen[0]).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(seen.slice(1)).toEqual(['Bearer abc', undefined]);
  });
});
