/**
 * Signed, expiring report links (`GET /reports/:token`): in a Teams channel or group chat a bot cannot
 * upload a file, so the reply links the PDF instead. The token carries what to serve and until when —
 * base64url(JSON {s: sha256, f: filename, e: expiry, seconds}) — and an HMAC-SHA256 of that part under
 * the link secret, so the bot keeps no table of links: a token it did not sign (or one altered by a
 * byte) is refused, and one past its expiry says so. The bytes are the PDF in the blob store; a link
 * outliving its blob says the report is gone.
 *
 * Refusals say as little as possible: a malformed, forged or oversized token is a bare 404 (nothing tells
 * a prober which check failed), and the token itself never reaches a log line (it is the credential).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../jobs/log.ts';
import type { BlobStore } from '../jobs/queue/blobs.ts';
import { clip } from '../scoring/text-safety.ts';
import type { LinkConfig } from './config.ts';

/** The longest token served (a longer one is refused unread). */
export const MAX_TOKEN_CHARS = 2048;
/** The filename a token carries is cut to this (so any token stays well under the cap). */
const MAX_TOKEN_FILENAME = 120;
const SHA256 = /^[0-9a-f]{64}$/;
const TOKEN = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest();

/**
 * The link to a stored report for `links.ttlSec` from `nowMs`: `${publicUrl}/reports/<token>`, or null
 * when the bot has no public URL (the reply then says to ask in a personal chat).
 */
export function reportLink(
  links: LinkConfig,
  file: { sha256: string; filename: string },
  nowMs: number,
): string | null {
  if (!links.publicUrl) return null;
  if (!SHA256.test(file.sha256)) throw new Error('a report link needs the sha256 of a stored file');
  const payload = b64url(
    JSON.stringify({
      s: file.sha256,
      f: clip(file.filename, MAX_TOKEN_FILENAME),
      e: Math.floor(nowMs / 1000) + links.ttlSec,
    }),
  );
  const token = `${payload}.${b64url(sign(links.secret, payload))}`;
  return `${links.publicUrl.replace(/\/+$/, '')}/reports/${token}`;
}

type Verified = { ok: true; sha256: string; filename: string; expiresSec: number } | { ok: false };

/** A token's contents when it is well formed and signed with `secret` (whatever its expiry). */
export function verifyToken(secret: string, token: string): Verified {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false };
  const m = TOKEN.exec(token);
  if (!m) return { ok: false };
  const [, payload, sig] = m as unknown as [string, string, string];
  // compared as the canonical base64url text: base64url's unused low bits would otherwise let several
  // spellings of one signature pass
  const given = Buffer.from(sig, 'utf8');
  const expected = Buffer.from(sign(secret, payload).toString('base64url'), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false };
  // signed by us, but still parsed as untrusted (a secret shared with an older version, say)
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false };
  }
  const { s, f, e } = (body ?? {}) as { s?: unknown; f?: unknown; e?: unknown };
  if (typeof s !== 'string' || !SHA256.test(s)) return { ok: false };
  if (typeof f !== 'string' || f.length === 0 || f.length > 255) return { ok: false };
  if (typeof e !== 'number' || !Number.isSafeInteger(e)) return { ok: false };
  return { ok: true, sha256: s, filename: f, expiresSec: e };
}

/** The last segment of a name, without control characters (a name is never a path here). */
function baseName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  const base = clean.slice(Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\')) + 1).trim();
  return base === '' || base === '.' || base === '..' ? 'report.pdf' : base;
}

/**
 * `Content-Disposition` for a download: an ASCII `filename` for old clients (anything else becomes `_`)
 * and the exact name as RFC 5987 `filename*`.
 */
export function contentDisposition(name: string): string {
  const base = baseName(name);
  const ascii = base.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(base).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The token of a request: Bolt's `params.token`, else the last path segment of the URL. */
function tokenOf(req: IncomingMessage & { params?: Record<string, string> }): string | null {
  const p = req.params?.token;
  if (typeof p === 'string' && p !== '') return p;
  const url = req.url ?? '';
  if (url.length > MAX_TOKEN_CHARS + 100) return null;
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const m = /^\/reports\/([^/]+)\/?$/.exec(path);
  return m ? m[1]! : null;
}

export interface ReportRouteDeps {
  links: LinkConfig;
  blobs: BlobStore;
  log: Logger;
  /** the clock (ms), for tests. */
  now?: () => number;
}

/** `GET /reports/:token`, in the shape of Bolt's CustomRoute (and bot/routes.ts's Route). */
export function reportRoute(deps: ReportRouteDeps): {
  path: string;
  method: string[];
  handler: (req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse) => void;
} {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ route: 'reports' });
  const text = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(`${body}\n`);
  };

  const serve = async (
    req: IncomingMessage & { params?: Record<string, string> },
    res: ServerResponse,
  ): Promise<void> => {
    if (req.method !== 'GET') return text(res, 405, 'method not allowed');
    const token = tokenOf(req);
    const v = token === null ? ({ ok: false } as const) : verifyToken(deps.links.secret, token);
    if (!v.ok) {
      log.info('report link refused', { why: 'not a valid link' });
      return text(res, 404, 'not found');
    }
    if (v.expiresSec * 1000 <= now()) {
      log.info('report link refused', { why: 'expired' });
      return text(res, 410, 'this report link has expired; ask the bot again');
    }
    const bytes = await deps.blobs.get(v.sha256);
    if (!bytes) {
      log.info('report link refused', { why: 'report no longer stored', sha256: v.sha256.slice(0, 12) });
      return text(res, 410, 'this report is no longer stored; ask the bot again');
    }
    res.writeHead(200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition(v.filename),
      'Content-Length': String(bytes.byteLength),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    log.info('report link served', { sha256: v.sha256.slice(0, 12), bytes: bytes.byteLength });
  };

  return {
    path: '/reports/:token',
    method: ['GET'],
    handler: (req, res) => {
      serve(req, res).catch((e: unknown) => {
        log.error('report link failed', { error: (e as Error)?.message ?? String(e) });
        if (!res.headersSent) text(res, 500, 'the report could not be read; try again later');
        else res.destroy();
      });
    },
  };
}
