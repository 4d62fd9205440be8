/**
 * Signed report links, served by `reportRoute` behind a real node:http server with the PDF in a real
 * Redis blob store: the round trip (bytes, headers), and every way a link is refused — forged or
 * re-signed with another secret, a tampered payload, expired, the blob gone, oversized, and tokens that
 * try to walk the path. A Korean filename comes back exact in `filename*` and as ASCII in `filename`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkConfig } from '../bot/config.ts';
import { contentDisposition, MAX_TOKEN_CHARS, reportLink, reportRoute, verifyToken } from '../bot/reports.ts';
import { silentLogger } from '../jobs/log.ts';
import { BlobStore } from '../jobs/queue/blobs.ts';
import { dropPrefix, plainRedis, uniquePrefix } from './jobs/helpers.ts';

const redis = plainRedis();
const prefix = uniquePrefix('reports');
const blobs = new BlobStore(redis, prefix, 3600);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');
let sha = '';
let server: Server;
let base = '';
let clock = Date.parse('2025-06-01T10:00:00Z');
const links: LinkConfig = {
  publicUrl: 'https://bot.example.com/',
  secret: 'link-secret-for-tests',
  ttlSec: 3600,
};

beforeAll(async () => {
  sha = await blobs.put(PDF);
  const route = reportRoute({ links, blobs, log: silentLogger, now: () => clock });
  // a plain server that routes like Bolt's receiver (params from the path), or not at all (the fallback)
  server = createServer((req, res) => {
    const m = /^\/reports\/([^/?]+)/.exec(req.url ?? '');
    if (req.headers['x-no-params'] !== '1' && m) Object.assign(req, { params: { token: m[1] } });
    route.handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await dropPrefix(redis, prefix);
  await redis.quit();
});

/** The same link on the test server (the public URL is the bot's, not reachable from here). */
const local = (link: string) => link.replace('https://bot.example.com', base);
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

describe('report links', () => {
  it('round trip: the signed link serves the PDF with download headers', async () => {
    const link = reportLink(links, { sha256: sha, filename: 'infralens-gpu01.pdf' }, clock)!;
    expect(link).toMatch(/^https:\/\/bot\.example\.com\/reports\/[\w-]+\.[\w-]{43}$/);
    for (const headers of [{}, { 'x-no-params': '1' }]) {
      const res = await fetch(local(link), { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-length')).toBe(String(PDF.length));
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="infralens-gpu01.pdf"; filename*=UTF-8''infralens-gpu01.pdf`,
      );
      expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
    }
  });

  it('no public URL: no link', () => {
    expect(reportLink({ ...links, publicUrl: null }, { sha256: sha, filename: 'r.pdf' }, clock)).toBeNull();
  });

  it('a forged signature, a tampered payload and another secret are a bare 404', async () => {
    const link = reportLink(links, { sha256: sha, filename: 'r.pdf' }, clock)!;
    const [payload, sig] = tokenOf(link).split('.') as [string, string];
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    // a payload that says another file (or a later expiry) with the original signature
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { e: number };
    const later = Buffer.from(JSON.stringify({ ...body, e: body.e + 86_400 })).toString('base64url');
    const other = reportLink(
      { ...links, secret: 'another-secret' },
      { sha256: sha, filename: 'r.pdf' },
      clock,
    )!;
    for (const token of [
      `${payload}.${flipped}`,
      `${later}.${sig}`,
      tokenOf(other),
      `${payload}.`,
      payload,
    ]) {
      const res = await get(`/reports/${token}`);
      expect(res.status, token).toBe(404);
      expect(await res.text()).toBe('not found\n');
    }
    expect(verifyToken('another-secret', tokenOf(other)).ok).toBe(true);
    expect(verifyToken(links.secret, tokenOf(other)).ok).toBe(false);
  });

  it('an expired link is 410 with a one-line reason; a blob gone is 410 too', async () => {
    const link = reportLink(links, { sha256: sha, filename: 'r.pdf' }, clock)!;
    clock += links.ttlSec * 1000;
    try {
      const res = await fetch(local(link));
      expect(res.status).toBe(410);
      expect(await res.text()).toBe('this report link has expired; ask the bot again\n');
    } finally {
      clock -= links.ttlSec * 1000;
    }
    const gone = reportLink(links, { sha256: 'a'.repeat(64), filename: 'r.pdf' }, clock)!;
    const res = await fetch(local(gone));
    expect(res.status).toBe(410);
    expect(await res.text()).toMatch(/no longer stored/);
  });

  it('a Korean filename: exact in filename*, ASCII in filename', async () => {
    const link = reportLink(links, { sha256: sha, filename: '보고서 "gpu01".pdf' }, clock)!;
    const res = await fetch(local(link));
    expect(res.status).toBe(200);
    const cd = res.headers.get('content-disposition')!;
    expect(cd).toBe(
      `attachment; filename="___ _gpu01_.pdf"; filename*=UTF-8''${encodeURIComponent('보고서 "gpu01".pdf')}`,
    );
    const star = /filename\*=UTF-8''(.+)$/.exec(cd)![1]!;
    expect(decodeURIComponent(star)).toBe('보고서 "gpu01".pdf');
    await res.arrayBuffer();
  });

  it('a filename is never a path in the header', () => {
    expect(contentDisposition('../../etc/passwd')).toBe(
      `attachment; filename="passwd"; filename*=UTF-8''passwd`,
    );
    expect(contentDisposition('..')).toMatch(/filename="report\.pdf"/);
    expect(contentDisposition("a\r\nSet-Cookie: x=1'(*).pdf")).toBe(
      `attachment; filename="aSet-Cookie: x=1'(*).pdf"; filename*=UTF-8''aSet-Cookie%3A%20x%3D1%27%28%2A%29.pdf`,
    );
  });

  it('path traversal and junk in the token: 404, nothing served', async () => {
    const link = reportLink(links, { sha256: sha, filename: 'r.pdf' }, clock)!;
    const good = tokenOf(link);
    for (const path of [
      '/reports/..%2F..%2Fetc%2Fpasswd',
      '/reports/../../etc/passwd',
      `/reports/${good}%2F..`,
      `/reports/${good.replace('.', '/')}`,
      '/reports/%00',
      `/reports/${'a'.repeat(MAX_TOKEN_CHARS + 1)}.${'b'.repeat(43)}`,
      '/reports/',
    ]) {
      const res = await get(path, { 'x-no-params': '1' });
      expect([404], path).toContain(res.status);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      await res.arrayBuffer();
    }
  });

  it('a query string after the token is ignored; a POST is refused', async () => {
    const link = reportLink(links, { sha256: sha, filename: 'r.pdf' }, clock)!;
    const res = await fetch(`${local(link)}?utm=1`, { headers: { 'x-no-params': '1' } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const post = await fetch(local(link), { method: 'POST' });
    expect(post.status).toBe(405);
    await post.arrayBuffer();
  });

  it('a long filename is cut so the token stays under the cap', () => {
    const link = reportLink(links, { sha256: sha, filename: `${'보'.repeat(255)}.pdf` }, clock)!;
    expect(tokenOf(link).length).toBeLessThan(MAX_TOKEN_CHARS);
    const v = verifyToken(links.secret, tokenOf(link));
    expect(v.ok && Array.from(v.filename).length).toBe(120);
  });
});

describe('signature spelling', () => {
  it('only the canonical base64url spelling of a signature passes (its unused low bits are not ignored)', () => {
    const links = {
      publicUrl: 'https://bot.example.com',
      secret: 'a-test-secret-of-enough-length',
      ttlSec: 3600,
    };
    const url = reportLink(links, { sha256: 'a'.repeat(64), filename: 'r.pdf' }, Date.now())!;
    const token = url.split('/reports/')[1]!;
    expect(verifyToken(links.secret, token).ok).toBe(true);
    // the last character of a 32-byte signature carries 4 bits: its neighbours in the alphabet decode the same
    const last = token.at(-1)!;
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = abc[abc.indexOf(last) ^ 1]!;
    expect(verifyToken(links.secret, `${token.slice(0, -1)}${sibling}`).ok).toBe(false);
  });
});
