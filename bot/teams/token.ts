/**
 * The bot's own Entra token for the Bot Framework connector (OAuth2 client credentials, scope
 * `https://api.botframework.com/.default`), with the app's client secret or, for a certificate, a signed
 * client assertion (an RS256 JWT whose header names the certificate by its SHA-1 and SHA-256 thumbprints).
 *
 * One token is cached until five minutes before it expires and shared by every caller; callers that ask
 * while it is being fetched wait for the same request. `invalidate()` drops it (the connector answered
 * 401). Failures are `TokenError`s: `permanent` when Entra refused the credential itself (a wrong or
 * expired secret, an unknown app or tenant: retrying cannot help, an operator must act), otherwise
 * transient (5xx, network, timeout). Their messages name Entra's error code and AADSTS number, never the
 * secret nor Entra's text (its description may echo request values).
 *
 * The PEM files are read when a token is first needed, not at start-up, each capped at 64 KiB.
 */
import { createHash, createPrivateKey, type KeyObject, randomUUID, sign, X509Certificate } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { TeamsConfig } from '../config.ts';

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TIMEOUT_MS = 10_000;
const MAX_BODY = 64 * 1024;
const MAX_PEM = 64 * 1024;
/** a token is replaced this long before Entra says it expires. */
const EARLY_MS = 5 * 60_000;
/** a client assertion is valid this long. */
const ASSERTION_SEC = 600;
/** Entra's error codes that mean the credential or the app registration is wrong, not the moment. */
const PERMANENT = new Set(['invalid_client', 'unauthorized_client', 'invalid_request']);

/** What the connector transport needs: a bearer, and a way to drop it after a 401. */
export interface TokenSource {
  get(): Promise<string>;
  invalidate(): void;
}

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    /** true: retrying cannot help (the credential or the app registration is wrong). */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** What an operator should check for the AADSTS codes a misconfigured bot meets most. */
const HINTS: Record<string, string> = {
  '7000215': 'the client secret is wrong: check TEAMS_APP_PASSWORD',
  '7000222': 'the client secret has expired: create a new one',
  '700016': 'no such app in this tenant: check TEAMS_APP_ID and TEAMS_TENANT_ID',
  '90002': 'no such tenant: check TEAMS_TENANT_ID',
  '700027': 'the certificate is not registered with the app, or its assertion is invalid',
  '700024': 'the client assertion is outside its validity window: check the clock',
};

interface Cached {
  token: string;
  /** ms (of `now`) after which the token is fetched again. */
  refreshAt: number;
}

interface Credential {
  key: KeyObject;
  x5t: string;
  x5tS256: string;
}

export class TeamsTokenClient implements TokenSource {
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly tokenUrl: string;
  private cached: Cached | null = null;
  private inflight: Promise<string> | null = null;
  private credential: Promise<Credential> | null = null;

  constructor(
    private readonly cfg: TeamsConfig,
    opts: { fetch?: typeof fetch; now?: () => number } = {},
  ) {
    this.fetchFn = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.tokenUrl = `${cfg.authority.replace(/\/+$/, '')}/${encodeURIComponent(cfg.tenantId)}/oauth2/v2.0/token`;
  }

  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    // single flight: everyone asking while a request is out waits for that request
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.cfg.appId,
      scope: BOT_FRAMEWORK_SCOPE,
    });
    if (this.cfg.cert) {
      form.set('client_assertion_type', ASSERTION_TYPE);
      form.set('client_assertion', await this.assertion());
    } else if (this.cfg.secret) {
      form.set('client_secret', this.cfg.secret);
    } else {
      throw new TokenError('no Teams credential is configured (a client secret or a certificate)', true);
    }
    let status: number;
    let text: string;
    try {
      const res = await this.fetchFn(this.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.status;
      text = await readCapped(res, MAX_BODY);
    } catch (e) {
      if (e instanceof TokenError) throw e;
      const why = (e as Error)?.name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : causeOf(e);
      throw new TokenError(`could not reach the Entra token endpoint (${why})`, false);
    }
    const body = parseJson(text);
    if (status < 200 || status >= 300) throw refusal(status, body);
    const token = body?.access_token;
    const expiresIn = Number(body?.expires_in);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0)
      throw new TokenError(`the Entra token endpoint answered ${status} without a usable token`, false);
    const lifeMs = expiresIn * 1000;
    // a token shorter-lived than the margin is still used for half its life rather than not at all
    const refreshIn = lifeMs > EARLY_MS ? lifeMs - EARLY_MS : lifeMs / 2;
    this.cached = { token, refreshAt: this.now() + refreshIn };
    return token;
  }

  /** The client assertion: an RS256 JWT for the token endpoint, signed with the certificate's key. */
  private async assertion(): Promise<string> {
    this.credential ??= this.loadCredential();
    let cred: Credential;
    try {
      cred = await this.credential;
    } catch (e) {
      this.credential = null; // a file fixed on disk is read again on the next try
      throw e;
    }
    const iat = Math.floor(this.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5t: cred.x5t, 'x5t#S256': cred.x5tS256 };
    const payload = {
      aud: this.tokenUrl,
      iss: this.cfg.appId,
      sub: this.cfg.appId,
      jti: randomUUID(),
      nbf: iat,
      iat,
      exp: iat + ASSERTION_SEC,
    };
    const input = `${b64json(header)}.${b64json(payload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), cred.key).toString('base64url')}`;
  }

  private async loadCredential(): Promise<Credential> {
    const { certFile, keyFile } = this.cfg.cert!;
    const certPem = await readPem(certFile, 'TEAMS_CERT_FILE');
    const keyPem = await readPem(keyFile, 'TEAMS_KEY_FILE');
    let der: Buffer;
    try {
      der = new X509Certificate(certPem).raw;
    } catch {
      throw new TokenError('TEAMS_CERT_FILE does not hold a PEM certificate', true);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      throw new TokenError('TEAMS_KEY_FILE does not hold an unencrypted PEM private key', true);
    }
    if (key.asymmetricKeyType !== 'rsa')
      throw new TokenError('TEAMS_KEY_FILE must hold an RSA key (Entra assertions are RS256)', true);
    return {
      key,
      x5t: createHash('sha1').update(der).digest('base64url'),
      x5tS256: createHash('sha256').update(der).digest('base64url'),
    };
  }
}

/** Entra's refusal as a TokenError: its code and AADSTS number, never its description verbatim. */
function refusal(status: number, body: Record<string, unknown> | null): TokenError {
  const code = typeof body?.error === 'string' ? body.error.replace(/[^\w.-]/g, '').slice(0, 60) : '';
  const codes = Array.isArray(body?.error_codes) ? body.error_codes : [];
  const fromList = codes.find((c): c is number => typeof c === 'number' && Number.isInteger(c));
  const fromText =
    typeof body?.error_description === 'string'
      ? /AADSTS(\d{1,9})/.exec(body.error_description)?.[1]
      : undefined;
  const aadsts = fromText ?? (fromList !== undefined ? String(fromList) : undefined);
  const permanent = (status === 400 || status === 401) && PERMANENT.has(code);
  const named = [code, aadsts ? `AADSTS${aadsts}` : ''].filter((s) => s !== '').join(' ');
  const hint = aadsts ? HINTS[aadsts] : undefined;
  const head = permanent
    ? `Entra refused the Teams app's credential (${status}${named ? ` ${named}` : ''})`
    : `the Entra token endpoint answered ${status}${named ? ` (${named})` : ''}`;
  return new TokenError(hint ? `${head}: ${hint}` : head, permanent);
}

/** The body as text, at most `max` bytes; a longer one is an error (Entra's answers are small). */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max || !res.body) {
    await res.body?.cancel().catch(() => {});
    if (declared > max) throw new TokenError(`the Entra token endpoint's answer is over ${max} bytes`, false);
    return '';
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new TokenError(`the Entra token endpoint's answer is over ${max} bytes`, false);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A PEM file, at most 64 KiB; its error names the setting, not the content. */
async function readPem(path: string, setting: string): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(MAX_PEM + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > MAX_PEM) throw new TokenError(`${setting} is over 64 KiB: is it a PEM file?`, true);
    }
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    if (e instanceof TokenError) throw e;
    const code = (e as NodeJS.ErrnoException)?.code ?? 'error';
    throw new TokenError(`cannot read ${setting} (${code})`, true);
  } finally {
    await fh?.close().catch(() => {});
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A network error's code (ECONNREFUSED, ENOTFOUND…), which undici keeps on `cause`. */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code.replace(/[^\w.-]/g, '').slice(0, 40) : 'network error';
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
