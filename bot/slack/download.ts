/**
 * Files shared in Slack: which ones InfraLens may read, and their download (`url_private_download` with the
 * bot token, `files:read`). The download is capped in bytes and time, refuses Slack's HTML login page
 * (what a token without `files:read` gets, with a 200), follows at most 3 redirects by hand and sends the
 * token only to the origin of the file's URL.
 */
import type { RemoteFile } from '../../jobs/queue/contracts.ts';
import { type InputFile, MAX_INPUT_BYTES } from '../../tools/ingest/index.ts';

/** Extensions of the text outputs InfraLens reads (command outputs, configs, bundles, workloads files). */
const TEXT_EXT = new Set([
  'txt',
  'text',
  'log',
  'xml',
  'csv',
  'tsv',
  'conf',
  'cfg',
  'json',
  'yaml',
  'yml',
  'out',
  'bundle',
  'prom',
  'metrics',
]);

/** Extensions that are never a command output: images, documents, archives, media, binaries. */
const BINARY_EXT = new Set([
  ...['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'tif', 'tiff', 'heic', 'heif', 'svg', 'ico'],
  ...[
    'pdf',
    'doc',
    'docx',
    'xls',
    'xlsx',
    'ppt',
    'pptx',
    'odt',
    'ods',
    'odp',
    'rtf',
    'key',
    'numbers',
    'pages',
  ],
  ...['zip', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'jar', 'deb', 'rpm', 'iso', 'dmg'],
  ...['mp4', 'mov', 'avi', 'mkv', 'webm', 'mp3', 'wav', 'm4a', 'ogg', 'flac'],
  ...['exe', 'dll', 'so', 'bin', 'o', 'a', 'pyc', 'class', 'html', 'htm'],
]);

/** Slack `filetype`s of text (snippets and posts included). */
const TEXT_FILETYPES = new Set([
  'text',
  'xml',
  'csv',
  'tsv',
  'json',
  'yaml',
  'shell',
  'bash',
  'snippet',
  'post',
  'markdown',
  'plain',
  'config',
  'ini',
  'toml',
  'properties',
  'diff',
]);

const BINARY_MIME =
  /^(?:image|video|audio|font)\/|^application\/(?:pdf|zip|gzip|x-gzip|x-tar|x-7z-compressed|x-rar|vnd\.rar|x-bzip2|x-xz|zstd|msword|vnd\.ms-|vnd\.openxmlformats|vnd\.oasis|java-archive|x-executable|x-msdownload)|^text\/html/i;
const TEXT_MIME = /^text\/|^application\/(?:json|xml|x-yaml|yaml|x-sh|x-shellscript|toml)\b/i;

/** The extension of a file name (lower case), or '' when it has none. */
function extension(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return '';
  const ext = base.slice(dot + 1).toLowerCase();
  return /^[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

/**
 * Whether a shared file may be an output InfraLens reads: a text extension, no extension, or Slack calls it
 * text — never an image, PDF, archive, office document or media file. The size is not judged here (an
 * oversized output is refused by the download, with a message that says so).
 */
export function isCandidateFile(f: {
  name: string;
  mimetype?: string;
  filetype?: string;
  size: number;
}): boolean {
  const mime = f.mimetype?.toLowerCase() ?? '';
  const type = f.filetype?.toLowerCase() ?? '';
  const ext = extension(f.name);
  // `application/octet-stream` and filetype `binary` say only "not recognised": a text extension
  // (`102.conf`) still decides, and without one the content is judged by ingestion
  const generic = mime === 'application/octet-stream';
  if (BINARY_EXT.has(ext) || (type !== '' && BINARY_EXT.has(type))) return false;
  if (type === 'binary' && !TEXT_EXT.has(ext)) return false;
  if (mime !== '' && !generic && BINARY_MIME.test(mime)) return false;
  if (TEXT_EXT.has(ext)) return true;
  if (generic) return ext === '';
  if (TEXT_FILETYPES.has(type) || (mime !== '' && TEXT_MIME.test(mime))) return true;
  // no extension (`topo`, `qm-config-102`) and nothing saying otherwise: let ingestion judge the content
  return ext === '' && type === '' && mime === '';
}

export type DownloadErrorKind = 'too_large' | 'login_page' | 'http' | 'timeout' | 'network';

/** A file that could not be downloaded; `kind` says what the user is told (bot/slack/texts.ts). */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  readonly kind: DownloadErrorKind;
  /** the file's name. */
  readonly file: string;
  /** the HTTP status, for `http`. */
  readonly status: number | null;

  constructor(
    kind: DownloadErrorKind,
    file: string,
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(`${file}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.file = file;
    this.status = opts.status ?? null;
  }
}

export interface DownloadOptions {
  /** bytes; MAX_INPUT_BYTES by default. */
  maxBytes?: number;
  /** for the whole download, redirects and body included; 20 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const MAX_REDIRECTS = 3;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

const mib = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MiB`;
const isHtmlName = (name: string) => /\.html?$/i.test(name);
const HTML_START = /^\s*(?:<!doctype\s+html|<html[\s>])/i;

/**
 * Download a Slack file with the bot token: refused before any request when the announced size is over
 * the cap; redirects followed by hand (at most 3, only to https or to the file's own origin, the token
 * sent to that origin only); the body read as a stream and abandoned past the cap whatever Content-Length
 * said; an HTML answer for a file that is not HTML is Slack's login page (the token lacks `files:read`).
 */
export async function downloadSlackFile(
  file: RemoteFile,
  token: string,
  opts: DownloadOptions = {},
): Promise<InputFile> {
  const maxBytes = opts.maxBytes ?? MAX_INPUT_BYTES;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const name = file.name;
  if (file.size > maxBytes)
    throw new DownloadError('too_large', name, `file is ${mib(file.size)}; the limit is ${mib(maxBytes)}`);
  let url: URL;
  try {
    url = new URL(file.url);
  } catch (e) {
    throw new DownloadError('http', name, 'the file has no valid URL', { cause: e });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new DownloadError('http', name, `refusing a ${url.protocol} URL (only http and https)`);
  const origin = url.origin;
  return fetchFile(url, {
    name,
    maxBytes,
    timeoutMs,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    // the token goes to the file's own origin only, never to where a redirect points elsewhere
    headersFor: (u) => (u.origin === origin ? { Authorization: `Bearer ${token}` } : {}),
    redirectAllowed: (next) => next.protocol === 'https:' || next.origin === origin,
    authHint: ' (check the bot token and its files:read scope)',
    htmlPage: () =>
      new DownloadError(
        'login_page',
        name,
        'Slack answered with an HTML login page instead of the file: the bot token lacks the files:read scope (add it to the app and reinstall)',
      ),
  });
}

/**
 * One file's download, for every surface: redirects followed by hand (at most 3, each checked by
 * `redirectAllowed`, the headers chosen per URL so a credential never follows a redirect elsewhere), the
 * whole download within `timeoutMs`, then the answer read by `readBody`. Failures are DownloadErrors.
 */
export async function fetchFile(
  start: URL,
  o: {
    name: string;
    maxBytes: number;
    timeoutMs: number;
    fetch?: typeof fetch;
    headersFor: (url: URL) => Record<string, string>;
    redirectAllowed: (next: URL, from: URL) => boolean;
    authHint: string;
    htmlPage: () => DownloadError;
  },
): Promise<InputFile> {
  const { name, timeoutMs } = o;
  const doFetch = o.fetch ?? fetch;
  const signal = AbortSignal.timeout(timeoutMs);
  let url = start;
  const failure = (e: unknown): DownloadError => {
    if (e instanceof DownloadError) return e;
    if (signal.aborted || (e as { name?: string })?.name === 'TimeoutError')
      return new DownloadError('timeout', name, `no complete answer within ${timeoutMs} ms`, { cause: e });
    return new DownloadError('network', name, `cannot reach ${url.host}: ${(e as Error)?.message ?? e}`, {
      cause: e,
    });
  };

  let res: Response;
  try {
    for (let hop = 0; ; hop++) {
      res = await doFetch(url, { method: 'GET', headers: o.headersFor(url), redirect: 'manual', signal });
      if (!REDIRECT.has(res.status)) break;
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get('location');
      if (!location)
        throw new DownloadError('http', name, `HTTP ${res.status} without a Location`, {
          status: res.status,
        });
      if (hop + 1 > MAX_REDIRECTS)
        throw new DownloadError('http', name, `more than ${MAX_REDIRECTS} redirects`, { status: res.status });
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (e) {
        throw new DownloadError('http', name, 'redirected to an invalid URL', {
          status: res.status,
          cause: e,
        });
      }
      if (!o.redirectAllowed(next, url))
        throw new DownloadError('http', name, `refusing a redirect to ${next.protocol}//${next.host}`, {
          status: res.status,
        });
      url = next;
    }
  } catch (e) {
    throw failure(e);
  }
  return readBody(res, {
    name,
    host: url.host,
    maxBytes: o.maxBytes,
    failure,
    authHint: o.authHint,
    htmlPage: o.htmlPage,
  });
}

/**
 * A download's answer → the file, for every surface: a non-2xx status is an `http` error (401/403 with
 * the surface's hint); an HTML answer for a file that is not HTML is the surface's sign-in page; the
 * announced size and then the streamed bytes are capped (the stream abandoned past the cap whatever
 * Content-Length said); the first bytes are sniffed for HTML too.
 */
async function readBody(
  res: Response,
  o: {
    name: string;
    host: string;
    maxBytes: number;
    failure: (e: unknown) => DownloadError;
    authHint: string;
    htmlPage: () => DownloadError;
  },
): Promise<InputFile> {
  const { name, maxBytes, failure } = o;
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => undefined);
    const hint = res.status === 401 || res.status === 403 ? o.authHint : '';
    throw new DownloadError('http', name, `HTTP ${res.status} from ${o.host}${hint}`, {
      status: res.status,
    });
  }
  const type = res.headers.get('content-type') ?? '';
  if (/^\s*text\/html/i.test(type) && !isHtmlName(name)) {
    await res.body?.cancel().catch(() => undefined);
    throw o.htmlPage();
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new DownloadError('too_large', name, `file is ${mib(declared)}; the limit is ${mib(maxBytes)}`);
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new DownloadError(
            'too_large',
            name,
            `file is more than ${mib(maxBytes)}; the limit is ${mib(maxBytes)}`,
          );
        }
        chunks.push(value);
      }
    }
  } catch (e) {
    throw failure(e);
  }
  const content = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    content.set(c, at);
    at += c.byteLength;
  }
  if (!isHtmlName(name)) {
    const head = new TextDecoder().decode(content.subarray(0, 512)).replace(/^\uFEFF/, '');
    if (HTML_START.test(head)) throw o.htmlPage();
  }
  return { name, content };
}
