/**
 * Fake Microsoft Teams for tests: one HTTP server on 127.0.0.1:0 speaking the real wire protocols, so the
 * bot's real code (and @microsoft/agents-hosting's JWT check) runs with authentication on.
 *
 * - Entra (the authority, `TEAMS_AUTHORITY` = `url`): `GET /{tenant}/v2.0/.well-known/openid-configuration`,
 *   `GET /{tenant}/discovery/v2.0/keys` (the fake's RSA signing key), `POST /{tenant}/oauth2/v2.0/token`
 *   (client credentials with the secret or a certificate assertion; opaque bearers it remembers; Entra's
 *   error bodies and statuses for a wrong secret, app, tenant, scope or grant).
 * - The Bot Framework connector under `/connector/` (`serviceUrl`): activities posted, replied, updated and
 *   deleted, conversations created. A bearer the fake issued is required; every call is recorded in
 *   `sent`, refused ones too (with their status).
 * - OneDrive upload sessions (`PUT /upload/{session}`, what a file-consent `uploadUrl` points at): bytes
 *   with `Content-Range`, in one or several chunks; like OneDrive, a request carrying an Authorization
 *   header is refused (the bot's token must never go there).
 * - File downloads (`GET /files/{id}`): Teams' pre-authorised `downloadUrl`; no header needed.
 * - Builders for what Teams sends the bot: `sign()` (the Bot Framework service's JWT), `activity()`,
 *   `fileActivity()`, `consentInvoke()`, and `post()` to deliver one to the bot's `/api/messages`.
 * - Fault injection: `failNext(n, status, headers)` for connector calls; `revokeTokens()` (every issued
 *   bearer then gets 401, as an expired one would).
 *
 * Wire facts: shared/reference/interfaces.md §2. Every request body is capped (64 KiB for Entra, 1 MiB for
 * the connector, 30 MiB for an upload session) and answered 413 beyond.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign as rsaSign,
  verify as rsaVerify,
  X509Certificate,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Defaults and types
// ---------------------------------------------------------------------------------------------

/** The ids a fake uses unless told otherwise (GUIDs, lowercase, as bot/config.ts keeps them). */
export const TEAMS_FAKE_DEFAULTS = {
  appId: '3f1c2a4e-7b6d-4c1a-9e2f-0a1b2c3d4e5f',
  tenantId: '72f988bf-0000-4000-8000-00000000c0de',
  secret: 'fake-teams-client-secret-0123456789',
  botName: 'InfraLens',
} as const;

const ENTRA_BODY_MAX = 64 * 1024;
const ACTIVITY_BODY_MAX = 1024 * 1024;
const UPLOAD_MAX = 30 * 1024 * 1024;
const TOKEN_TTL_SEC = 3599;
const SCOPE = 'https://api.botframework.com/.default';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';

export interface FakeTeamsOptions {
  appId?: string;
  tenantId?: string;
  /** the client secret the token endpoint accepts. */
  secret?: string;
  /** a certificate (PEM) whose key may sign client assertions instead of the secret. */
  certPem?: string;
  /** `expires_in` of issued tokens (default 3599). */
  tokenTtlSec?: number;
}

/** One request to the connector (`/connector/…`) as the fake saw it. */
export interface ConnectorCall {
  method: string;
  /** the path below `/connector` (`/v3/conversations/…`), as sent (still encoded). */
  path: string;
  /** the decoded conversation id; null for `POST /v3/conversations` and unknown routes. */
  conversationId: string | null;
  /** the decoded activity id a POST replied to; null for a plain post. */
  replyToId: string | null;
  /** the decoded activity id a PUT or DELETE named; null otherwise. */
  activityId: string | null;
  /** the bearer sent, without `Bearer `; undefined: no Authorization header. */
  auth: string | undefined;
  /** the parsed JSON body (undefined: none or not JSON). */
  body: Record<string, unknown> | undefined;
  /** the status the fake answered. */
  status: number;
  /** the id the fake gave a posted activity or created conversation. */
  newId: string | null;
  at: number;
}

/** An OneDrive upload session opened by `consentInvoke(…, 'accept')`. */
export interface FakeUploadSession {
  session: string;
  name: string;
  /** the bytes received so far, in order. */
  bytes: Buffer;
  /** the Content-Range header of each accepted PUT. */
  ranges: string[];
  /** true once the last byte arrived (answered 201). */
  complete: boolean;
  /** the uniqueId Teams gave the file (also in the consent invoke). */
  uniqueId: string;
  contentUrl: string;
}

export interface FakeFileEntry {
  id: string;
  name: string;
  bytes: Buffer;
  downloadUrl: string;
}

export interface TokenRequest {
  tenant: string;
  clientId: string | undefined;
  credential: 'secret' | 'assertion' | 'none';
  /** the status the fake answered. */
  status: number;
  /** Entra's error code when refused. */
  error: string | undefined;
}

export type ActivityKind = 'personal' | 'channel' | 'groupChat';
export type Activity = Record<string, unknown>;

export interface SignOptions {
  /** sign with a key the JWKS does not hold (same kid): the signature must not verify. */
  wrongKey?: boolean;
  /** seconds from now until `exp` (default 3600; negative: already expired). */
  expiresInSec?: number;
  kid?: string;
}

export interface FakeTeams {
  url: string;
  /** TEAMS_AUTHORITY: the Entra authority without the tenant. */
  authority: string;
  /** `${url}/connector/`, the serviceUrl activities carry. */
  serviceUrl: string;
  appId: string;
  tenantId: string;
  secret: string;
  /** the kid of the fake's signing key. */
  kid: string;
  /** the fake team's id and its channel's conversation id (without `;messageid=`). */
  teamId: string;
  channelConversationId: string;
  /** the user the activities come from (`29:…`). */
  user: { id: string; name: string; aadObjectId: string };
  sent: ConnectorCall[];
  uploads: Map<string, FakeUploadSession>;
  downloads: { id: string; auth: string | undefined; status: number }[];
  tokenRequests: TokenRequest[];
  /** how many access tokens the token endpoint handed out. */
  readonly tokensIssued: number;
  sign(claims?: Record<string, unknown>, o?: SignOptions): string;
  activity(kind: ActivityKind, partial?: Record<string, unknown>): Activity;
  file(name: string, bytes: Uint8Array | string): FakeFileEntry;
  fileActivity(name: string, bytes: Uint8Array | string, partial?: Record<string, unknown>): Activity;
  consentInvoke(from: Record<string, unknown>, action: 'accept' | 'decline'): Activity;
  post(
    botBaseUrl: string,
    activity: Record<string, unknown>,
    o?: { token?: string | null },
  ): Promise<{ status: number; body: string }>;
  /** bodies of the activities posted (2xx) to a conversation, oldest first (not updates). */
  activitiesTo(conversationId: string): Record<string, unknown>[];
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  failNext(n: number, status: number, headers?: Record<string, string>): void;
  /** forget every issued bearer: the connector then answers 401 until a new token is fetched. */
  revokeTokens(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

class TooLarge extends Error {}

export async function startFakeTeams(opts: FakeTeamsOptions = {}): Promise<FakeTeams> {
  const appId = (opts.appId ?? TEAMS_FAKE_DEFAULTS.appId).toLowerCase();
  const tenantId = (opts.tenantId ?? TEAMS_FAKE_DEFAULTS.tenantId).toLowerCase();
  const secret = opts.secret ?? TEAMS_FAKE_DEFAULTS.secret;
  const tokenTtl = opts.tokenTtlSec ?? TOKEN_TTL_SEC;
  const cert = opts.certPem ? certInfo(opts.certPem) : null;

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let wrongKey: KeyObject | null = null; // made on first use: key generation is slow
  const kid = randomBytes(20).toString('base64url');
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };

  const issued = new Set<string>();
  let tokensIssued = 0;
  const sent: ConnectorCall[] = [];
  const uploads = new Map<string, FakeUploadSession>();
  const files = new Map<string, FakeFileEntry>();
  const downloads: FakeTeams['downloads'] = [];
  const tokenRequests: TokenRequest[] = [];
  /** the id the fake gave each posted activity body (consentInvoke needs the consent card's). */
  const idOfBody = new WeakMap<object, { id: string; conversationId: string }>();
  let failures: { left: number; status: number; headers: Record<string, string> } | null = null;
  // Teams activity ids look like epoch milliseconds; kept strictly increasing so they stay unique
  let lastId = 0;
  const nextActivityId = () => {
    lastId = Math.max(lastId + 1, Date.now());
    return String(lastId);
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof TooLarge)
        return json(res, 413, { error: { code: 'RequestTooLarge', message: 'too large' } });
      json(res, 500, { error: { code: 'ServiceError', message: String((e as Error)?.message ?? e) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serviceUrl = `${url}/connector/`;
  const tokenUrl = (tenant: string) => `${url}/${tenant}/oauth2/v2.0/token`;

  const teamId = `19:${randomBytes(16).toString('hex')}@thread.tacv2`;
  const channelConversationId = `19:${randomBytes(16).toString('hex')}@thread.tacv2`;
  const user = {
    id: `29:1${randomBytes(24).toString('base64url')}`,
    name: 'Ada Lovelace',
    aadObjectId: randomUUID(),
  };
  const bot = { id: `28:${appId}`, name: TEAMS_FAKE_DEFAULTS.botName };
  const personalConversationId = `a:1${randomBytes(30).toString('base64url')}`;
  const groupChatId = `19:${randomBytes(16).toString('hex')}@thread.v2`;
  const teamGroupId = randomUUID();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (path.startsWith('/connector/')) return connector(req, res, method, path.slice('/connector'.length));
    let m = /^\/upload\/([\w-]+)$/.exec(path);
    if (m && method === 'PUT') return upload(req, res, m[1]!);
    m = /^\/files\/([\w-]+)$/.exec(path);
    if (m && method === 'GET') return download(req, res, m[1]!);
    m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (m && method === 'GET') return openidConfiguration(res, decodeURIComponent(m[1]!));
    m = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(path);
    if (m && method === 'GET') return json(res, 200, { keys: [publicJwk()] });
    m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (m && method === 'POST') return token(req, res, decodeURIComponent(m[1]!));
    await readBody(req, ENTRA_BODY_MAX).catch(() => {});
    json(res, 404, { error: 'not_found', error_description: `no route ${method} ${path}` });
  }

  function publicJwk() {
    return { kty: 'RSA', use: 'sig', alg: 'RS256', kid, x5t: kid, n: jwk.n, e: jwk.e };
  }

  // --- Entra -------------------------------------------------------------------------------

  function openidConfiguration(res: ServerResponse, tenant: string): void {
    if (tenant !== tenantId && tenant !== 'common' && tenant !== 'organizations') {
      entraError(res, 400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
      return;
    }
    const base = `${url}/${tenant}`;
    json(res, 200, {
      issuer: `${url}/${tenantId}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      tenant_region_scope: 'EU',
    });
  }

  async function token(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    const form = new URLSearchParams((await readBody(req, ENTRA_BODY_MAX)).toString('utf8'));
    const clientId = form.get('client_id') ?? undefined;
    const assertion = form.get('client_assertion');
    const given = form.get('client_secret');
    const rec: TokenRequest = {
      tenant,
      clientId,
      credential: assertion ? 'assertion' : given ? 'secret' : 'none',
      status: 0,
      error: undefined,
    };
    tokenRequests.push(rec);
    const refuse = (status: number, error: string, description: string) => {
      rec.status = status;
      rec.error = error;
      entraError(res, status, error, description);
    };
    if (tenant !== tenantId)
      return refuse(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    if (form.get('grant_type') !== 'client_credentials')
      return refuse(
        400,
        'unsupported_grant_type',
        'AADSTS70003: The app requested an unsupported grant type.',
      );
    if (!clientId)
      return refuse(400, 'invalid_request', "AADSTS900144: The request body must contain 'client_id'.");
    if (clientId.toLowerCase() !== appId)
      return refuse(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
      );
    if (form.get('scope') !== SCOPE)
      return refuse(
        400,
        'invalid_scope',
        'AADSTS70011: The provided value for the input parameter scope is not valid.',
      );
    if (assertion) {
      if (form.get('client_assertion_type') !== ASSERTION_TYPE)
        return refuse(400, 'invalid_request', 'AADSTS50027: Invalid client_assertion_type.');
      const why = checkAssertion(assertion, tokenUrl(tenant));
      if (why)
        return refuse(
          401,
          'invalid_client',
          `AADSTS700027: Client assertion failed signature validation. ${why}`,
        );
    } else if (given === null) {
      return refuse(
        401,
        'invalid_client',
        "AADSTS7000218: The request body must contain 'client_assertion' or 'client_secret'.",
      );
    } else if (given !== secret) {
      return refuse(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    }
    const access = `fake-bf.${randomBytes(24).toString('base64url')}`;
    issued.add(access);
    tokensIssued++;
    rec.status = 200;
    json(res, 200, {
      token_type: 'Bearer',
      expires_in: tokenTtl,
      ext_expires_in: tokenTtl,
      access_token: access,
    });
  }

  /** Why a client assertion is refused; null: it verifies against the configured certificate. */
  function checkAssertion(jwt: string, audience: string): string | null {
    if (!cert) return 'No certificate is registered for the app.';
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'Malformed JWT.';
    const header = parseB64Json(parts[0]!);
    const payload = parseB64Json(parts[1]!);
    if (!header || !payload) return 'Malformed JWT.';
    if (header.alg !== 'RS256') return 'Unsupported alg.';
    if (header.x5t !== cert.x5t && header['x5t#S256'] !== cert.x5tS256)
      return 'Unknown certificate thumbprint.';
    const ok = rsaVerify(
      'sha256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      cert.publicKey,
      Buffer.from(parts[2]!, 'base64url'),
    );
    if (!ok) return 'Bad signature.';
    const now = Math.floor(Date.now() / 1000);
    if (payload.aud !== audience) return 'Wrong audience.';
    if (payload.iss !== appId || payload.sub !== appId) return 'Wrong issuer or subject.';
    if (typeof payload.jti !== 'string' || payload.jti === '') return 'Missing jti.';
    if (typeof payload.exp !== 'number' || payload.exp < now - 300) return 'Expired.';
    if (typeof payload.nbf === 'number' && payload.nbf > now + 300) return 'Not yet valid.';
    return null;
  }

  // --- the connector -----------------------------------------------------------------------

  async function connector(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const call: ConnectorCall = {
      method,
      path,
      conversationId: null,
      replyToId: null,
      activityId: null,
      auth: bearer(req),
      body: undefined,
      status: 0,
      newId: null,
      at: Date.now(),
    };
    sent.push(call);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      json(res, status, body, headers);
    };
    let raw: Buffer;
    try {
      raw = await readBody(req, ACTIVITY_BODY_MAX);
    } catch (e) {
      if (e instanceof TooLarge)
        return answer(413, { error: { code: 'MessageSizeTooBig', message: 'too large' } });
      throw e;
    }
    if (raw.length > 0) {
      try {
        const v: unknown = JSON.parse(raw.toString('utf8'));
        if (v && typeof v === 'object' && !Array.isArray(v)) call.body = v as Record<string, unknown>;
      } catch {
        // recorded without a body; answered 400 below where one is needed
      }
    }
    const act = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    if (act) {
      call.conversationId = safeDecode(act[1]!);
      const second = act[2] === undefined ? null : safeDecode(act[2]);
      if (method === 'POST') call.replyToId = second;
      else call.activityId = second;
    }
    if (failures && failures.left > 0) {
      failures.left--;
      const f = failures;
      if (f.left === 0) failures = null;
      return answer(
        f.status,
        { error: { code: codeOf(f.status), message: `injected ${f.status}` } },
        f.headers,
      );
    }
    if (!call.auth || !issued.has(call.auth))
      return answer(401, { message: 'Authorization has been denied for this request.' });
    if (act) {
      const needsBody = method === 'POST' || method === 'PUT';
      if (needsBody && (!call.body || typeof call.body.type !== 'string'))
        return answer(400, { error: { code: 'BadArgument', message: 'Activity must have a type.' } });
      if (method === 'POST') {
        const id = nextActivityId();
        call.newId = id;
        idOfBody.set(call.body!, { id, conversationId: call.conversationId! });
        return answer(200, { id });
      }
      if (method === 'PUT' && call.activityId) return answer(200, { id: call.activityId });
      if (method === 'DELETE' && call.activityId) return answer(200, {});
    }
    if (path === '/v3/conversations' && method === 'POST') {
      if (!call.body) return answer(400, { error: { code: 'BadArgument', message: 'Missing parameters.' } });
      const id = `a:1${randomBytes(24).toString('base64url')}`;
      call.newId = id;
      const first = call.body.activity as Record<string, unknown> | undefined;
      return answer(201, {
        id,
        serviceUrl,
        ...(first && typeof first === 'object' ? { activityId: nextActivityId() } : {}),
      });
    }
    answer(404, { error: { code: 'NotFound', message: `no connector route ${method} ${path}` } });
  }

  // --- uploads and downloads ---------------------------------------------------------------

  async function upload(req: IncomingMessage, res: ServerResponse, session: string): Promise<void> {
    const s = uploads.get(session);
    const fail = async (status: number, code: string, message: string) => {
      await readBody(req, UPLOAD_MAX).catch(() => {});
      json(res, status, { error: { code, message } });
    };
    if (!s) return fail(404, 'itemNotFound', 'The upload session was not found.');
    // OneDrive's upload URLs are pre-authorised; an Authorization header there gets a 401
    if (req.headers.authorization)
      return fail(401, 'unauthenticated', 'Do not send Authorization to uploadUrl.');
    if (s.complete) return fail(409, 'nameAlreadyExists', 'The upload session is already complete.');
    const range = req.headers['content-range'] ?? '';
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!m) return fail(400, 'invalidRange', 'Content-Range must be bytes start-end/total.');
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (total > UPLOAD_MAX) return fail(413, 'maxFileSizeExceeded', 'The file is too large.');
    if (start !== s.bytes.length || end < start || end >= total)
      return fail(416, 'invalidRange', `Expected a range starting at ${s.bytes.length}.`);
    const body = await readBody(req, UPLOAD_MAX);
    if (body.length !== end - start + 1)
      return json(res, 400, {
        error: { code: 'invalidRange', message: 'Content-Range does not match the body.' },
      });
    s.bytes = Buffer.concat([s.bytes, body]);
    s.ranges.push(range);
    if (end + 1 < total) {
      return json(res, 202, {
        expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
        nextExpectedRanges: [`${end + 1}-`],
      });
    }
    s.complete = true;
    json(res, 201, { id: s.uniqueId, name: s.name, size: s.bytes.length, file: {}, webUrl: s.contentUrl });
  }

  async function download(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const f = files.get(id);
    const status = f ? 200 : 404;
    downloads.push({ id, auth: req.headers.authorization, status });
    if (!f)
      return json(res, 404, { error: { code: 'itemNotFound', message: 'The resource could not be found.' } });
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(f.bytes.length),
      'Content-Disposition': `attachment; filename="${encodeURIComponent(f.name)}"`,
    });
    res.end(f.bytes);
  }

  // --- builders ----------------------------------------------------------------------------

  function sign(claims: Record<string, unknown> = {}, o: SignOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresInSec ?? 3600);
    const nbf = Math.min(now, exp) - 300;
    const header = { alg: 'RS256', typ: 'JWT', kid: o.kid ?? kid, x5t: o.kid ?? kid };
    const payload = {
      iss: `${url}/${tenantId}/v2.0`,
      aud: appId,
      serviceurl: serviceUrl,
      tid: tenantId,
      nbf,
      iat: nbf,
      exp,
      ...claims,
    };
    if (o.wrongKey && !wrongKey) wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const input = `${b64json(header)}.${b64json(payload)}`;
    const sig = rsaSign('sha256', Buffer.from(input), o.wrongKey ? wrongKey! : privateKey);
    return `${input}.${sig.toString('base64url')}`;
  }

  function activity(kind: ActivityKind, partial: Record<string, unknown> = {}): Activity {
    const id = nextActivityId();
    const mentioned = kind !== 'personal'; // Teams delivers channel and group messages only with a mention
    let text = typeof partial.text === 'string' ? partial.text : 'hello';
    if (mentioned && !text.includes('<at>')) text = `<at>${bot.name}</at> ${text}`;
    const conversation =
      kind === 'personal'
        ? { id: personalConversationId, conversationType: 'personal', tenantId }
        : kind === 'channel'
          ? {
              id: `${channelConversationId};messageid=${id}`,
              conversationType: 'channel',
              isGroup: true,
              tenantId,
            }
          : { id: groupChatId, conversationType: 'groupChat', isGroup: true, tenantId };
    const channelData: Record<string, unknown> = { tenant: { id: tenantId } };
    if (kind === 'channel') {
      channelData.teamsChannelId = channelConversationId;
      channelData.teamsTeamId = teamId;
      channelData.channel = { id: channelConversationId, name: 'gpu-ops' };
      channelData.team = { id: teamId, name: 'Platform', aadGroupId: teamGroupId };
    }
    const entities: Record<string, unknown>[] = [
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' },
    ];
    if (mentioned) entities.unshift({ type: 'mention', mentioned: { ...bot }, text: `<at>${bot.name}</at>` });
    return {
      type: 'message',
      id,
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl,
      from: { ...user },
      recipient: { ...bot },
      conversation,
      channelData,
      entities,
      locale: 'en-US',
      textFormat: 'plain',
      attachments: mentioned ? [{ contentType: 'text/html', content: `<p>${escapeHtml(text)}</p>` }] : [],
      ...partial,
      text,
    };
  }

  function file(name: string, bytes: Uint8Array | string): FakeFileEntry {
    const id = randomUUID();
    const entry = { id, name, bytes: Buffer.from(bytes), downloadUrl: `${url}/files/${id}` };
    files.set(id, entry);
    return entry;
  }

  function fileActivity(
    name: string,
    bytes: Uint8Array | string,
    partial: Record<string, unknown> = {},
  ): Activity {
    const f = file(name, bytes);
    const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
    return activity('personal', {
      text: '',
      attachments: [
        {
          contentType: FILE_DOWNLOAD_INFO,
          contentUrl: `${url}/drive/personal/${encodeURIComponent(name)}`,
          name,
          content: { downloadUrl: f.downloadUrl, uniqueId: randomUUID(), fileType: ext },
        },
      ],
      ...partial,
    });
  }

  function consentInvoke(from: Record<string, unknown>, action: 'accept' | 'decline'): Activity {
    const posted = idOfBody.get(from);
    if (!posted)
      throw new Error('consentInvoke: pass a body from activitiesTo() (an activity the bot posted)');
    const card = (Array.isArray(from.attachments) ? from.attachments : []).find(
      (a): a is Record<string, unknown> =>
        !!a && (a as Record<string, unknown>).contentType === FILE_CONSENT_CARD,
    );
    if (!card) throw new Error('consentInvoke: the activity carries no file consent card');
    const content = (card.content ?? {}) as Record<string, unknown>;
    const name = typeof card.name === 'string' ? card.name : 'file';
    const value: Record<string, unknown> = {
      type: 'fileUpload',
      action,
      context: action === 'accept' ? content.acceptContext : content.declineContext,
    };
    if (action === 'accept') {
      const session = randomBytes(12).toString('hex');
      const uniqueId = randomUUID();
      const contentUrl = `${url}/drive/personal/${encodeURIComponent(name)}`;
      uploads.set(session, {
        session,
        name,
        bytes: Buffer.alloc(0),
        ranges: [],
        complete: false,
        uniqueId,
        contentUrl,
      });
      value.uploadInfo = {
        name,
        uploadUrl: `${url}/upload/${session}`,
        contentUrl,
        uniqueId,
        fileType: /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '',
      };
    }
    return {
      type: 'invoke',
      name: 'fileConsent/invoke',
      id: `f:${randomBytes(10).toString('hex')}`,
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl,
      from: { ...user },
      recipient: { ...bot },
      conversation: { id: posted.conversationId, conversationType: 'personal', tenantId },
      replyToId: posted.id,
      channelData: { tenant: { id: tenantId }, source: { name: 'message' } },
      entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' }],
      locale: 'en-US',
      value,
    };
  }

  async function post(
    botBaseUrl: string,
    act: Record<string, unknown>,
    o: { token?: string | null } = {},
  ): Promise<{ status: number; body: string }> {
    const token = o.token === undefined ? sign() : o.token;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`${botBaseUrl.replace(/\/+$/, '')}/api/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify(act),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await readCapped(res, 64 * 1024) };
  }

  return {
    url,
    authority: url,
    serviceUrl,
    appId,
    tenantId,
    secret,
    kid,
    teamId,
    channelConversationId,
    user,
    sent,
    uploads,
    downloads,
    tokenRequests,
    get tokensIssued() {
      return tokensIssued;
    },
    sign,
    activity,
    file,
    fileActivity,
    consentInvoke,
    post,
    activitiesTo: (conversationId) =>
      sent
        .filter(
          (c) =>
            c.method === 'POST' &&
            c.conversationId === conversationId &&
            c.status >= 200 &&
            c.status < 300 &&
            c.body,
        )
        .map((c) => c.body!),
    async waitFor(pred, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > until) throw new Error(`fake Teams: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    failNext(n, status, headers = {}) {
      failures = n > 0 ? { left: n, status, headers } : null;
    },
    revokeTokens() {
      issued.clear();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function certInfo(pem: string): { publicKey: KeyObject; x5t: string; x5tS256: string } {
  const x = new X509Certificate(pem);
  return {
    publicKey: createPublicKey(x.publicKey.export({ type: 'spki', format: 'pem' })),
    x5t: createHash('sha1').update(x.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(x.raw).digest('base64url'),
  };
}

function entraError(res: ServerResponse, status: number, error: string, description: string): void {
  const code = Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0);
  json(res, status, {
    error,
    error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
    error_codes: code ? [code] : [],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function codeOf(status: number): string {
  if (status === 429) return 'TooManyRequests';
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'BotNotInConversationRoster';
  if (status === 404) return 'ConversationNotFound';
  if (status === 400) return 'BadArgument';
  return 'ServiceError';
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The request body, at most `max` bytes; beyond, TooLarge (the rest is drained, not kept). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => (over ? reject(new TooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** A response body as text, at most `max` bytes (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= max) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec((req.headers.authorization ?? '').trim());
  return m ? m[1] : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseB64Json(s: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&(?!amp;|lt;|gt;)/g, '&amp;').replace(/<(?!\/?at>)/g, '&lt;');
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
