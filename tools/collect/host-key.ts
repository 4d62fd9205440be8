/**
 * Host key checks for SSH collection: OpenSSH SHA256 fingerprints and known_hosts files (plain and hashed
 * host names, `[host]:port`, wildcards, negation, `@revoked`; `@cert-authority` lines are skipped — a
 * certificate is never accepted in place of a pinned key). Pure functions over the file's text.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** `SHA256:` + unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

interface KnownHostLine {
  marker?: string;
  patterns: string;
  blob: Buffer;
}

export interface KnownHosts {
  lines: KnownHostLine[];
}

export function parseKnownHosts(text: string): KnownHosts {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    const marker = f[0]!.startsWith('@') ? f.shift() : undefined;
    if (f.length < 3) continue;
    const blob = Buffer.from(f[2]!, 'base64');
    if (blob.length === 0) continue;
    lines.push({ ...(marker !== undefined ? { marker } : {}), patterns: f[0]!, blob });
  }
  return { lines };
}

/** the name known_hosts uses for a host: `addr`, or `[addr]:port` off port 22 */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function wildcard(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name.toLowerCase());
}

function hashedMatch(entry: string, name: string): boolean {
  const [, kind, salt, hash] = entry.split('|');
  if (kind !== '1' || salt === undefined || hash === undefined) return false;
  const want = Buffer.from(hash, 'base64');
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let hit = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (wildcard(p.slice(1), name)) return false;
    } else if (wildcard(p, name)) hit = true;
  }
  return hit;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/** Check a presented key against known_hosts entries for `name` (see knownHostsName). */
export function checkKnownHosts(kh: KnownHosts, name: string, key: Buffer, file: string): HostKeyVerdict {
  const presented = fingerprint(key);
  const expected: string[] = [];
  // a revoked key is refused whatever other lines say
  for (const l of kh.lines)
    if (l.marker === '@revoked' && l.blob.equals(key) && hostMatches(l.patterns, name))
      return { ok: false, reason: `${file} marks the presented key ${presented} as revoked` };
  for (const l of kh.lines) {
    if (l.marker !== undefined || !hostMatches(l.patterns, name)) continue;
    if (l.blob.equals(key)) return { ok: true };
    expected.push(fingerprint(l.blob));
  }
  if (expected.length === 0)
    return { ok: false, reason: `${file} has no key for ${name}; the host presented ${presented}` };
  return {
    ok: false,
    reason: `host key mismatch: ${file} expects ${expected.join(' or ')} for ${name}, the host presented ${presented}`,
  };
}
