/**
 * Files shared with the bot in Teams: which attachments of an activity InfraLens may read, and their
 * download. A file sent in a personal chat arrives as a `file.download.info` attachment whose
 * `downloadUrl` is pre-authorised (a short-lived SharePoint/OneDrive link), so no token is sent with it —
 * the bot's token must never go to a URL that arrived in a message. The download is capped in bytes while
 * it streams (Teams announces no size: 0) and in time, follows at most 3 redirects by hand and only to
 * https, and refuses an HTML page in place of a text file (an expired or sign-in link).
 *
 * The attachments are untrusted JSON (a client composes them): every field is checked before use, and the
 * lists are capped.
 */
import { createHash } from 'node:crypto';
import type { RemoteFile } from '../../jobs/queue/contracts.ts';
import { type InputFile, MAX_INPUT_BYTES } from '../../tools/ingest/index.ts';
import { DownloadError, fetchFile, isCandidateFile } from '../slack/download.ts';

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

/** Files read per message, and files named as ignored (contracts.ts TurnJob caps). */
const MAX_READ = 20;
const MAX_IGNORED = 50;

const mib = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MiB`;

const isLoopback = (u: URL) => u.hostname === '127.0.0.1' || u.hostname === 'localhost';
/** https anywhere; plain http only to this machine (the loopback fakes of the tests). */
const allowedUrl = (u: URL) => u.protocol === 'https:' || (u.protocol === 'http:' && isLoopback(u));

const str = (v: unknown, max: number): string | null =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max ? v : null;

/** A file name from an attachment: one line, no control characters, no path. */
function cleanName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const flat = name.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const base = flat.slice(Math.max(flat.lastIndexOf('/'), flat.lastIndexOf('\\')) + 1).trim();
  return (base || 'file').slice(0, 255);
}

function validUrl(s: string): URL | null {
  try {
    const u = new URL(s);
    return allowedUrl(u) ? u : null;
  } catch {
    return null;
  }
}

/**
 * The attachments of a Teams message sorted for a turn: `read`, the `file.download.info` files that may be
 * command outputs (at most 20); `ignored`, the names of other files (images, PDFs, archives, inline
 * images; at most 50). Teams' own HTML rendering of the message and cards are neither.
 */
export function teamsAttachments(attachments: unknown): { read: RemoteFile[]; ignored: string[] } {
  const read: RemoteFile[] = [];
  const ignored: string[] = [];
  if (!Array.isArray(attachments)) return { read, ignored };
  const ignore = (name: string) => {
    if (ignored.length < MAX_IGNORED) ignored.push(cleanName(name));
  };
  for (const a of attachments.slice(0, 200)) {
    if (typeof a !== 'object' || a === null) continue;
    const { contentType, name, content, contentUrl } = a as Record<string, unknown>;
    const type = str(contentType, 200)?.toLowerCase() ?? '';
    if (type === FILE_DOWNLOAD_INFO) {
      const c = (typeof content === 'object' && content !== null ? content : {}) as Record<string, unknown>;
      const fileName = str(name, 1000);
      if (!fileName) continue;
      const fileType = str(c.fileType, 20)?.toLowerCase() ?? undefined;
      const candidate = { name: cleanName(fileName), size: 0, ...(fileType ? { filetype: fileType } : {}) };
      const url = str(c.downloadUrl, 4000);
      // the file's id keys its job: Teams' uniqueId, else one derived from the link
      const id =
        str(c.uniqueId, 100) ??
        (url ? `u-${createHash('sha256').update(url).digest('hex').slice(0, 32)}` : null);
      if (!isCandidateFile(candidate)) {
        ignore(fileName);
        continue;
      }
      // a readable name without a usable link: nothing to download, but the user is told it was skipped
      if (!url || !validUrl(url) || !id) {
        ignore(fileName);
        continue;
      }
      if (read.length >= MAX_READ) {
        ignore(fileName);
        continue;
      }
      read.push({ id, name: candidate.name, size: 0, url });
      continue;
    }
    // Teams' rendering of the message itself, and cards (the bot's own, or a client's)
    if (
      type === 'text/html' ||
      type === 'text/plain' ||
      type.startsWith('application/vnd.microsoft.card.') ||
      type.startsWith('application/vnd.microsoft.teams.card.')
    )
      continue;
    // an inline image (`image/*`, a pasted screenshot) or another file reference: named as skipped
    if (type.startsWith('image/') || type.startsWith('video/') || type.startsWith('audio/') || contentUrl) {
      ignore(str(name, 1000) ?? (type.startsWith('image/') ? 'image' : 'file'));
    }
  }
  return { read, ignored };
}

export interface TeamsDownloadOptions {
  fetch?: typeof fetch;
  /** for the whole download, redirects and body included; 20 s by default. */
  timeoutMs?: number;
  /** bytes; MAX_INPUT_BYTES by default. */
  maxBytes?: number;
}

/**
 * Download a Teams file from its pre-authorised `downloadUrl` (no Authorization header): refused before any
 * request when a size was announced over the cap or the URL is not https; redirects followed by hand (at
 * most 3, only to https); the body read as a stream and abandoned past the cap whatever Content-Length
 * said; an HTML answer for a file that is not HTML is an expired or sign-in link.
 */
export async function downloadTeamsFile(f: RemoteFile, opts: TeamsDownloadOptions = {}): Promise<InputFile> {
  const maxBytes = opts.maxBytes ?? MAX_INPUT_BYTES;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const name = f.name;
  if (f.size > maxBytes)
    throw new DownloadError('too_large', name, `file is ${mib(f.size)}; the limit is ${mib(maxBytes)}`);
  let url: URL;
  try {
    url = new URL(f.url);
  } catch (e) {
    throw new DownloadError('http', name, 'the file has no valid URL', { cause: e });
  }
  if (!allowedUrl(url)) throw new DownloadError('http', name, `refusing a ${url.protocol} URL (only https)`);
  return fetchFile(url, {
    name,
    maxBytes,
    timeoutMs,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    // pre-authorised: the URL is the credential, so no header carries one
    headersFor: () => ({}),
    // only to https; plain http stays possible only between loopback addresses (the tests' fakes)
    redirectAllowed: (next, from) => next.protocol === 'https:' || (isLoopback(from) && allowedUrl(next)),
    authHint: ' (the download link expired: share the file again)',
    htmlPage: () =>
      new DownloadError(
        'login_page',
        name,
        'Teams answered with an HTML page instead of the file (the download link expired or asks to sign in): share the file again',
      ),
  });
}
