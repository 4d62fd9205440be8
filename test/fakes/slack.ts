/**
 * Fake Slack for tests: the real wire protocol on 127.0.0.1:0, driven by the real SDKs.
 *
 * - Web API: `POST /api/<method>` (form, JSON or multipart bodies; Bearer token required), recorded in
 *   `calls`, with Block Kit limits, `ts` values and `ok:false` errors as Slack answers them.
 * - `POST /upload/<fileId>`: the second step of `files.uploadV2` (multipart, one file part, or a raw body).
 * - `GET /files-pri/<team>-<fileId>/[download/]<name>`: private file bytes with the bot token, the HTML
 *   login page (200 text/html) without it, as real Slack does.
 * - `POST /respond/<id>`: a `response_url` sink (at most 5 posts per URL).
 * - Socket Mode: `apps.connections.open` hands out `ws://127.0.0.1:<port>/socket?ticket=…`; the
 *   WebSocket server says hello, sends envelopes and collects acks.
 * - Fault injection: `rateLimit`, `failNext`, `delay`, `enforceChannelRate`.
 *
 * Below the class: a request-signing driver (`sign`, `postSigned`) and builders for event, slash
 * command and interactivity payloads, for Bolt's HTTPReceiver (or its Socket Mode envelopes).
 * Wire facts: shared/reference/interfaces.md §1 (@slack/bolt 5.1, web-api 8.2, socket-mode 3.1).
 *
 * Close order in tests: stop the Bolt app first, then `fake.close()` (a Socket Mode client whose
 * server disappears schedules a reconnect).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

// ---------------------------------------------------------------------------------------------
// Defaults and types
// ---------------------------------------------------------------------------------------------

/** Ids the fake and the builders share unless told otherwise. */
export const FAKE_DEFAULTS = {
  token: 'xoxb-test',
  appToken: 'xapp-test',
  teamId: 'T0FAKE',
  teamName: 'InfraLens Test',
  teamDomain: 'infralens-test',
  botUserId: 'UBOT',
  botId: 'BBOT',
  botName: 'infralens',
  appId: 'A1',
} as const;

export interface FakeSlackOptions {
  /** Bot token the Web API accepts (default `xoxb-test`). */
  token?: string;
  /** App-level token `apps.connections.open` accepts (default `xapp-test`). */
  appToken?: string;
  teamId?: string;
  teamName?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  appId?: string;
  /** chat.postMessage: at most 1 message per second per channel, else 429 `Retry-After: 1`. */
  enforceChannelRate?: boolean;
  /** false: the bot token lacks files:read, so private downloads get the HTML login page. */
  filesReadScope?: boolean;
  /** Channel allow-list: when set, other channels answer `channel_not_found`. */
  channels?: string[];
}

export type ApiArgs = Record<string, unknown>;

/** One Web API request as the fake saw it. */
export interface ApiCall {
  method: string;
  /** Form, JSON or multipart fields; JSON-string fields (blocks, files, prompts…) parsed back. */
  args: ApiArgs;
  /** The token sent (Bearer header, else a `token` field), without `Bearer `. */
  auth: string | undefined;
  /** Date.now() when the request arrived. */
  at: number;
  /** HTTP status of the answer (0 until answered). */
  status: number;
  /** Slack `error` of the answer (`ratelimited` for a 429), undefined when ok. */
  error: string | undefined;
}

/** A message in the fake's history: posted by the bot (chat.*) or seeded with `addMessage`. */
export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  user: string;
  bot_id: string | undefined;
  files: FakeFile[] | undefined;
  /** true once chat.update (or appendStream/stopStream) changed it. */
  updated: boolean;
  /** 'open' between chat.startStream and chat.stopStream; undefined for ordinary messages. */
  stream: 'open' | 'stopped' | undefined;
  /** The arguments of the call that last set it. */
  args: ApiArgs;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  message_ts: string;
}

/** A Slack File object as `files.info`, events and `files.completeUploadExternal` carry it. */
export interface FakeFile {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  size: number;
  mode: 'hosted';
  is_external: false;
  is_public: boolean;
  url_private: string;
  url_private_download: string;
  permalink: string;
}

export interface AddFileInput {
  name: string;
  content: string | Uint8Array;
  mimetype?: string;
  filetype?: string;
  title?: string;
  teamId?: string;
  user?: string;
}

/** A completed `files.uploadV2` (getUploadURLExternal → POST upload_url → completeUploadExternal). */
export interface FakeUpload {
  file_id: string;
  filename: string;
  title: string | undefined;
  /** The `length` announced in files.getUploadURLExternal. */
  length: number;
  bytes: Buffer;
  channel_id: string | undefined;
  thread_ts: string | undefined;
  initial_comment: string | undefined;
  blocks: unknown[] | undefined;
  /** Token on the upload POST itself (web-api sends its default Bearer header there too). */
  uploadAuth: string | undefined;
  file: FakeFile;
}

export interface FakeStatus {
  channel_id: string;
  thread_ts: string;
  status: string;
  loading_messages: unknown;
  at: number;
}

export interface FakeSuggestedPrompts {
  channel_id: string;
  thread_ts: string | undefined;
  title: string | undefined;
  prompts: unknown[];
}

export interface FakeTitle {
  channel_id: string;
  thread_ts: string;
  title: string;
}

export interface FakeDownload {
  fileId: string;
  auth: string | undefined;
  /** 'bytes' when the file was served, 'login' when the HTML login page was. */
  served: 'bytes' | 'login';
}

/** One POST to a response_url. */
export interface ResponseUrlPost {
  id: string;
  /** The JSON body: `{ text, blocks, response_type, replace_original, delete_original }`. */
  body: Record<string, unknown>;
  at: number;
}

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface EnvelopeOptions {
  retryAttempt?: number;
  retryReason?: string;
  /** Default: true for slash_commands, false otherwise (as Slack sends them). */
  acceptsResponsePayload?: boolean;
  /** Reject when no ack arrives within this many ms (default 5000). */
  timeoutMs?: number;
}

/** What a Socket Mode client sends back: `{ envelope_id, payload? }` (socket-mode 3.1 always sends payload). */
export interface EnvelopeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Slack-shaped values
// ---------------------------------------------------------------------------------------------

let tsLastSec = 0;
let tsSeq = 0;

/** A message ts `"<sec>.<6-digit seq>"`, strictly increasing across the process (fake and builders). */
export function slackTs(): string {
  const sec = Math.max(Math.floor(Date.now() / 1000), tsLastSec);
  tsLastSec = sec;
  tsSeq = (tsSeq + 1) % 1_000_000;
  return `${sec}.${String(tsSeq).padStart(6, '0')}`;
}

/** Orders two message ts values exactly (no float parsing). */
export function compareTs(a: string, b: string): number {
  const [as = '0', af = ''] = a.split('.');
  const [bs = '0', bf = ''] = b.split('.');
  const sec = BigInt(as) - BigInt(bs);
  if (sec !== 0n) return sec < 0n ? -1 : 1;
  const x = af.padEnd(6, '0');
  const y = bf.padEnd(6, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

function randomId(prefix: string, length = 10): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function triggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

const MIME_BY_EXT: Record<string, [mimetype: string, filetype: string, pretty: string]> = {
  pdf: ['application/pdf', 'pdf', 'PDF'],
  txt: ['text/plain', 'text', 'Plain Text'],
  log: ['text/plain', 'text', 'Plain Text'],
  csv: ['text/csv', 'csv', 'CSV'],
  json: ['application/json', 'json', 'JSON'],
  md: ['text/markdown', 'markdown', 'Markdown (raw)'],
  xml: ['application/xml', 'xml', 'XML'],
  yaml: ['text/plain', 'yaml', 'YAML'],
  yml: ['text/plain', 'yaml', 'YAML'],
  html: ['text/html', 'html', 'HTML'],
  png: ['image/png', 'png', 'PNG'],
  jpg: ['image/jpeg', 'jpg', 'JPEG'],
  jpeg: ['image/jpeg', 'jpg', 'JPEG'],
  gz: ['application/gzip', 'gzip', 'GZip'],
  tgz: ['application/gzip', 'gzip', 'GZip'],
  zip: ['application/zip', 'zip', 'Zip'],
};

function guessType(name: string): [mimetype: string, filetype: string, pretty: string] {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME_BY_EXT[ext] ?? ['application/octet-stream', 'binary', 'Binary'];
}

/** Fields the SDK sends as JSON strings inside a form (non-scalar arguments). */
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'files',
  'prompts',
  'chunks',
  'metadata',
  'loading_messages',
  'user_auth_blocks',
  'view',
  'unfurls',
]);

const LOGIN_PAGE = `<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>
<body><div id="page"><h1>Sign in to InfraLens Test</h1>
<form id="signin_form" action="/" method="post"><input type="email" name="email"><input type="password" name="password"></form>
</div></body></html>
`;

// ---------------------------------------------------------------------------------------------
// Block Kit validation (the limits Slack answers `invalid_blocks` for)
// ---------------------------------------------------------------------------------------------

function textOf(v: unknown): string | undefined {
  if (v && typeof v === 'object' && typeof (v as { text?: unknown }).text === 'string') {
    return (v as { text: string }).text;
  }
  return undefined;
}

function tooLong(max: number, pointer: string): string {
  return `must be less than ${max + 1} characters [json-pointer:${pointer}]`;
}

function validateElement(el: unknown, pointer: string, errors: string[]): void {
  if (!el || typeof el !== 'object') {
    errors.push(`must be an object [json-pointer:${pointer}]`);
    return;
  }
  const e = el as Record<string, unknown>;
  if (typeof e.action_id === 'string' && e.action_id.length > 255) {
    errors.push(tooLong(255, `${pointer}/action_id`));
  }
  if (e.type !== 'button') return;
  const text = textOf(e.text);
  if (text === undefined) errors.push(`missing required field: text [json-pointer:${pointer}]`);
  else if (text.length > 75) errors.push(tooLong(75, `${pointer}/text/text`));
  if (typeof e.value === 'string' && e.value.length > 2000) errors.push(tooLong(2000, `${pointer}/value`));
  if (typeof e.url === 'string' && e.url.length > 3000) errors.push(tooLong(3000, `${pointer}/url`));
  if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') {
    errors.push(`must be one of primary, danger [json-pointer:${pointer}/style]`);
  }
}

/** Slack-style error strings (`… [json-pointer:/blocks/0/text/text]`); empty when the blocks are valid. */
export function validateBlocks(blocks: unknown[]): string[] {
  const errors: string[] = [];
  if (blocks.length > 50) errors.push('no more than 50 items allowed [json-pointer:/blocks]');
  blocks.forEach((block, i) => {
    const p = `/blocks/${i}`;
    if (!block || typeof block !== 'object' || typeof (block as { type?: unknown }).type !== 'string') {
      errors.push(`missing required field: type [json-pointer:${p}]`);
      return;
    }
    const b = block as Record<string, unknown>;
    if (typeof b.block_id === 'string' && b.block_id.length > 255) errors.push(tooLong(255, `${p}/block_id`));
    switch (b.type) {
      case 'section': {
        const text = textOf(b.text);
        if (text !== undefined && text.length > 3000) errors.push(tooLong(3000, `${p}/text/text`));
        if (b.text === undefined && b.fields === undefined) {
          errors.push(`must provide either text or fields [json-pointer:${p}]`);
        }
        if (Array.isArray(b.fields)) {
          if (b.fields.length > 10) errors.push(`no more than 10 items allowed [json-pointer:${p}/fields]`);
          b.fields.forEach((f, j) => {
            const ft = textOf(f);
            if (ft !== undefined && ft.length > 2000) errors.push(tooLong(2000, `${p}/fields/${j}/text`));
          });
        }
        if (b.accessory !== undefined) validateElement(b.accessory, `${p}/accessory`, errors);
        break;
      }
      case 'header': {
        const t = b.text as { type?: unknown } | undefined;
        const text = textOf(t);
        if (text === undefined) errors.push(`missing required field: text [json-pointer:${p}]`);
        else if (text.length > 150) errors.push(tooLong(150, `${p}/text/text`));
        if (t && t.type !== 'plain_text') errors.push(`must be plain_text [json-pointer:${p}/text/type]`);
        break;
      }
      case 'actions': {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0) errors.push(`must provide at least 1 items [json-pointer:${p}/elements]`);
        if (els.length > 25) errors.push(`no more than 25 items allowed [json-pointer:${p}/elements]`);
        els.forEach((el, j) => {
          validateElement(el, `${p}/elements/${j}`, errors);
        });
        break;
      }
      case 'context': {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0) errors.push(`must provide at least 1 items [json-pointer:${p}/elements]`);
        if (els.length > 10) errors.push(`no more than 10 items allowed [json-pointer:${p}/elements]`);
        break;
      }
      case 'markdown': {
        const text = typeof b.text === 'string' ? b.text : undefined;
        if (text === undefined) errors.push(`missing required field: text [json-pointer:${p}]`);
        else if (text.length > 12_000) errors.push(tooLong(12_000, `${p}/text`));
        break;
      }
      default:
        break; // divider, image, rich_text, file, input, …: accepted as-is
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Multipart (a small parser: enough for fetch's FormData and curl)
// ---------------------------------------------------------------------------------------------

export interface MultipartPart {
  name: string | undefined;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

export function multipartBoundary(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Parses a multipart/form-data body; throws on a malformed one. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart: boundary not found');
  pos += delimiter.length;
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing `--boundary--`
    const lineEnd = body.indexOf('\r\n', pos);
    if (lineEnd < 0) throw new Error('multipart: truncated after a boundary');
    const headerStart = lineEnd + 2;
    let headerEnd: number;
    let dataStart: number;
    if (body[headerStart] === 0x0d && body[headerStart + 1] === 0x0a) {
      headerEnd = headerStart;
      dataStart = headerStart + 2;
    } else {
      headerEnd = body.indexOf('\r\n\r\n', headerStart);
      if (headerEnd < 0) throw new Error('multipart: part headers not terminated');
      dataStart = headerEnd + 4;
    }
    const headers = new Map<string, string>();
    for (const line of body.subarray(headerStart, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const end = body.indexOf(next, dataStart);
    if (end < 0) throw new Error('multipart: part not terminated by a boundary');
    const disposition = headers.get('content-disposition') ?? '';
    parts.push({
      name: /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1],
      filename: /(?:^|;)\s*filename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: headers.get('content-type'),
      data: body.subarray(dataStart, end),
    });
    pos = end + next.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

class RateLimited extends Error {
  constructor(readonly retryAfterSec: number) {
    super('ratelimited');
  }
}

type Fault = { kind: 'ratelimit'; retryAfterSec: number } | { kind: 'fail'; error: string };

type Handler = (args: ApiArgs, call: ApiCall) => Record<string, unknown>;

interface PendingUpload {
  fileId: string;
  filename: string;
  length: number;
  bytes: Buffer | undefined;
  uploadAuth: string | undefined;
}

interface PendingAck {
  resolve: (ack: EnvelopeAck) => void;
  reject: (err: Error) => void;
}

function str(args: ApiArgs, key: string): string | undefined {
  const v = args[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function need(args: ApiArgs, key: string, error = 'invalid_arguments'): string {
  const v = str(args, key);
  if (v === undefined || v === '') {
    throw new SlackApiError(error, {
      response_metadata: { messages: [`[ERROR] missing required field: ${key}`] },
    });
  }
  return v;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1] : undefined;
}

function decodeJsonFields(args: ApiArgs): ApiArgs {
  for (const [k, v] of Object.entries(args)) {
    if (JSON_FIELDS.has(k) && typeof v === 'string') {
      try {
        args[k] = JSON.parse(v);
      } catch {
        // left as a string: the method answers invalid_*_format
      }
    }
  }
  return args;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function summarizeCall(c: ApiCall): string {
  let args = JSON.stringify(c.args);
  if (args.length > 300) args = `${args.slice(0, 300)}…`;
  return `${c.method} → ${c.status}${c.error ? ` ${c.error}` : ''} ${args}`;
}

// ---------------------------------------------------------------------------------------------
// FakeSlack
// ---------------------------------------------------------------------------------------------

export class FakeSlack {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `${url}/api/`: pass as `slackApiUrl`. */
  readonly apiUrl: string;
  readonly token: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly botName: string;
  readonly appId: string;
  /** chat.postMessage: 1 msg/s per channel, else 429 `Retry-After: 1`. Can be switched at any time. */
  enforceChannelRate: boolean;
  /** false: private downloads get the login page even with the bot token. */
  filesReadScope: boolean;

  /** Every Web API request, in arrival order. */
  readonly calls: ApiCall[] = [];
  /** Completed uploads (files.uploadV2), in completion order. */
  readonly uploads: FakeUpload[] = [];
  /** assistant.threads.setStatus calls. */
  readonly statuses: FakeStatus[] = [];
  readonly suggestedPrompts: FakeSuggestedPrompts[] = [];
  readonly titles: FakeTitle[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly downloads: FakeDownload[] = [];
  /** response_url posts per id (the last path segment of `responseUrl()`). */
  readonly responses = new Map<string, ResponseUrlPost[]>();
  /** Acks received over Socket Mode, in order. */
  readonly acks: EnvelopeAck[] = [];
  /** Server-side problems (a handler crashed, a malformed body): tests may assert it stays empty. */
  readonly problems: string[] = [];

  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly channels: Set<string> | undefined;
  private readonly history: FakeMessage[] = [];
  private readonly files = new Map<string, { file: FakeFile; bytes: Buffer }>();
  private readonly pendingUploads = new Map<string, PendingUpload>();
  private readonly users = new Map<string, Record<string, unknown>>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly delays = new Map<string, number>();
  private readonly lastPostAt = new Map<string, number>();
  private readonly tickets = new Set<string>();
  private readonly pendingAcks = new Map<string, PendingAck>();
  private readonly connectedWaiters = new Set<{
    timer: NodeJS.Timeout;
    resolve: () => void;
    reject: (e: Error) => void;
  }>();
  private readonly handlers: Record<string, Handler>;
  private readonly helloSockets: WebSocket[] = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private fileSeq = 0;
  private closed = false;

  private constructor(server: Server, opts: FakeSlackOptions) {
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.url}/api/`;
    this.token = opts.token ?? FAKE_DEFAULTS.token;
    this.appToken = opts.appToken ?? FAKE_DEFAULTS.appToken;
    this.teamId = opts.teamId ?? FAKE_DEFAULTS.teamId;
    this.teamName = opts.teamName ?? FAKE_DEFAULTS.teamName;
    this.teamDomain = opts.teamDomain ?? FAKE_DEFAULTS.teamDomain;
    this.botUserId = opts.botUserId ?? FAKE_DEFAULTS.botUserId;
    this.botId = opts.botId ?? FAKE_DEFAULTS.botId;
    this.botName = opts.botName ?? FAKE_DEFAULTS.botName;
    this.appId = opts.appId ?? FAKE_DEFAULTS.appId;
    this.enforceChannelRate = opts.enforceChannelRate ?? false;
    this.filesReadScope = opts.filesReadScope ?? true;
    this.channels = opts.channels ? new Set(opts.channels) : undefined;
    this.handlers = this.buildHandlers();
    this.wss = new WebSocketServer({ noServer: true });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        this.problems.push(`${req.method} ${req.url}: ${String(err)}`);
        if (!res.headersSent) this.sendJson(res, 500, { ok: false, error: 'internal_error' });
        else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      const u = new URL(req.url ?? '/', this.url);
      const ticket = u.searchParams.get('ticket');
      if (u.pathname !== '/socket' || !ticket || !this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  static async start(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FakeSlack(server, opts);
  }

  /**
   * Stops everything: delayed calls are cut short, waiters and pending envelopes rejected, Socket Mode
   * connections closed (1001), HTTP connections destroyed. Stop Bolt apps first. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    for (const waiter of this.connectedWaiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('FakeSlack closed before a Socket Mode client connected'));
    }
    this.connectedWaiters.clear();
    for (const [id, pending] of this.pendingAcks) {
      this.pendingAcks.delete(id);
      pending.reject(new Error(`FakeSlack closed before envelope ${id} was acked`));
    }
    // Bolt's SocketModeReceiver.stop() resolves before its close handshake is done, so finish the
    // handshake (or close from our side) instead of cutting the TCP connection: a cut makes the
    // client log "WebSocket error". Terminate whatever has not closed after a second.
    await Promise.all(
      [...this.wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => ws.terminate(), 1000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            if (ws.readyState === ws.OPEN) ws.close(1001, 'fake slack closing');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------
  // Fault injection
  // -------------------------------------------------------------------------------------------

  /** The next `times` calls of `method` answer HTTP 429 with `Retry-After` and `{ok:false,error:'ratelimited'}`. */
  rateLimit(method: string, times: number, retryAfterSec = 1): void {
    const queue = this.faultQueue(method);
    for (let i = 0; i < times; i++) queue.push({ kind: 'ratelimit', retryAfterSec });
  }

  /** The next call of `method` answers `{ok:false, error}` (queued after earlier faults). */
  failNext(method: string, error: string): void {
    this.faultQueue(method).push({ kind: 'fail', error });
  }

  /** Every later call of `method` waits `ms` before it is answered (0 removes the delay). */
  delay(method: string, ms: number): void {
    if (ms > 0) this.delays.set(method, ms);
    else this.delays.delete(method);
  }

  private faultQueue(method: string): Fault[] {
    let queue = this.faults.get(method);
    if (!queue) {
      queue = [];
      this.faults.set(method, queue);
    }
    return queue;
  }

  // -------------------------------------------------------------------------------------------
  // Seeding and queries
  // -------------------------------------------------------------------------------------------

  /** Messages in posting order (bot posts via chat.*, streams, seeded ones), current content. */
  messages(channel?: string): FakeMessage[] {
    return this.history.filter((m) => channel === undefined || m.channel === channel);
  }

  /** Seeds a message (a user's turn, say) so conversations.replies returns it. */
  addMessage(
    channel: string,
    msg: { text: string; user: string; ts?: string; thread_ts?: string; files?: FakeFile[]; bot_id?: string },
  ): FakeMessage {
    const m: FakeMessage = {
      channel,
      ts: msg.ts ?? slackTs(),
      thread_ts: msg.thread_ts,
      text: msg.text,
      blocks: undefined,
      user: msg.user,
      bot_id: msg.bot_id,
      files: msg.files,
      updated: false,
      stream: undefined,
      args: {},
    };
    this.history.push(m);
    return m;
  }

  /** Sets what users.info answers for `user.id` (other ids get a synthesized user). */
  addUser(user: { id: string } & Record<string, unknown>): void {
    this.users.set(user.id, user);
  }

  /** A private file: its `url_private_download` serves `content` to the bot token. */
  addFile(input: AddFileInput): FakeFile {
    const bytes =
      typeof input.content === 'string' ? Buffer.from(input.content, 'utf8') : Buffer.from(input.content);
    return this.storeFile(input.name, bytes, {
      ...(input.mimetype !== undefined ? { mimetype: input.mimetype } : {}),
      ...(input.filetype !== undefined ? { filetype: input.filetype } : {}),
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.teamId !== undefined ? { teamId: input.teamId } : {}),
      ...(input.user !== undefined ? { user: input.user } : {}),
    });
  }

  private storeFile(
    name: string,
    bytes: Buffer,
    o: { id?: string; mimetype?: string; filetype?: string; title?: string; teamId?: string; user?: string },
  ): FakeFile {
    const id = o.id ?? this.nextFileId();
    const [mime, ftype, pretty] = guessType(name);
    const team = o.teamId ?? this.teamId;
    const now = Math.floor(Date.now() / 1000);
    const enc = encodeURIComponent(name);
    const file: FakeFile = {
      id,
      created: now,
      timestamp: now,
      name,
      title: o.title ?? name,
      mimetype: o.mimetype ?? mime,
      filetype: o.filetype ?? ftype,
      pretty_type: pretty,
      user: o.user ?? 'U0USER',
      user_team: team,
      size: bytes.length,
      mode: 'hosted',
      is_external: false,
      is_public: false,
      url_private: `${this.url}/files-pri/${team}-${id}/${enc}`,
      url_private_download: `${this.url}/files-pri/${team}-${id}/download/${enc}`,
      permalink: `${this.url}/files/${o.user ?? 'U0USER'}/${id}/${enc}`,
    };
    this.files.set(id, { file, bytes });
    return file;
  }

  private nextFileId(): string {
    this.fileSeq += 1;
    return `F${String(this.fileSeq).padStart(9, '0')}${randomId('', 2)}`;
  }

  /** A fresh response_url: `${url}/respond/<id>`; posts land in `responses.get(id)`. */
  responseUrl(): string {
    const id = randomId('R', 12);
    this.responses.set(id, []);
    return `${this.url}/respond/${id}`;
  }

  /** The posts to a response_url (full URL or id). */
  responsesTo(urlOrId: string): ResponseUrlPost[] {
    const id = urlOrId.slice(urlOrId.lastIndexOf('/') + 1);
    return this.responses.get(id) ?? [];
  }

  /**
   * Polls `fn` every 10 ms until it returns something other than undefined, null or false (a throw
   * counts as "not yet"); rejects after `timeoutMs` with the last 20 calls in the message.
   */
  async waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const v = fn();
        if (v !== undefined && v !== null && v !== false) return v;
        lastError = undefined;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline) {
        const recent = this.calls.slice(-20).map((c) => `  ${summarizeCall(c)}`);
        throw new Error(
          `FakeSlack.waitFor timed out after ${timeoutMs} ms` +
            (lastError ? ` (last error: ${String(lastError)})` : '') +
            `\nlast ${recent.length} of ${this.calls.length} calls:\n${recent.join('\n') || '  (none)'}`,
        );
      }
      await sleep(10);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Socket Mode
  // -------------------------------------------------------------------------------------------

  /** Resolves once a Socket Mode client is connected and has been sent hello. */
  socketConnected(timeoutMs = 10_000): Promise<void> {
    if (this.activeSocket()) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('FakeSlack is closed'));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        timer: setTimeout(() => {
          this.connectedWaiters.delete(waiter);
          reject(new Error(`no Socket Mode client connected within ${timeoutMs} ms`));
        }, timeoutMs),
        resolve,
        reject,
      };
      this.connectedWaiters.add(waiter);
    });
  }

  /**
   * Sends an envelope to the connected client and resolves with its ack. For `events_api` the
   * payload is an Events API body (`eventEnvelope(...)`), for `slash_commands` the command fields
   * (`slashCommandPayload`), for `interactive` the interactivity payload (`blockActionPayload`).
   */
  sendEnvelope(
    type: EnvelopeType,
    payload: object,
    opts: EnvelopeOptions = {},
  ): Promise<{ envelope_id: string; payload?: Record<string, unknown> }> {
    const ws = this.activeSocket();
    if (!ws) return Promise.reject(new Error('sendEnvelope: no Socket Mode client is connected'));
    if (type === 'events_api') {
      const event = (payload as { event?: { type?: unknown } }).event;
      if (!event || typeof event.type !== 'string') {
        // socket-mode 3.1 reads payload.event.type unguarded: without it the client would crash
        return Promise.reject(new Error('sendEnvelope: an events_api payload needs event.type'));
      }
    }
    const envelope_id = randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id,
      type,
      payload,
      accepts_response_payload: opts.acceptsResponsePayload ?? type === 'slash_commands',
    };
    if (type === 'events_api' || opts.retryAttempt !== undefined) {
      envelope.retry_attempt = opts.retryAttempt ?? 0;
      envelope.retry_reason = opts.retryReason ?? '';
    }
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise<EnvelopeAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelope_id);
        reject(new Error(`no ack for ${type} envelope ${envelope_id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelope_id, {
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      ws.send(JSON.stringify(envelope), (err) => {
        if (!err) return;
        const pending = this.pendingAcks.get(envelope_id);
        this.pendingAcks.delete(envelope_id);
        pending?.reject(err);
      });
    });
  }

  /** Sends `{type:'disconnect', reason}`: the client closes and reconnects via apps.connections.open. */
  disconnectSocket(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    const ws = this.activeSocket();
    ws?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
  }

  private activeSocket(): WebSocket | undefined {
    for (let i = this.helloSockets.length - 1; i >= 0; i--) {
      const ws = this.helloSockets[i];
      if (ws && ws.readyState === ws.OPEN) return ws;
    }
    return undefined;
  }

  private onSocket(ws: WebSocket): void {
    ws.on('error', (err) => this.problems.push(`socket: ${String(err)}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.problems.push('socket: unexpected binary frame');
        return;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        this.problems.push(`socket: unparseable frame ${String(data).slice(0, 200)}`);
        return;
      }
      const m = msg as { envelope_id?: unknown; payload?: unknown };
      if (typeof m.envelope_id !== 'string') {
        this.problems.push(`socket: frame without envelope_id ${String(data).slice(0, 200)}`);
        return;
      }
      const ack: EnvelopeAck = { envelope_id: m.envelope_id };
      if (m.payload && typeof m.payload === 'object') ack.payload = m.payload as Record<string, unknown>;
      this.acks.push(ack);
      const pending = this.pendingAcks.get(m.envelope_id);
      this.pendingAcks.delete(m.envelope_id);
      pending?.resolve(ack);
    });
    ws.on('close', () => {
      const i = this.helloSockets.indexOf(ws);
      if (i >= 0) this.helloSockets.splice(i, 1);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.helloSockets.length + 1,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.helloSockets.push(ws);
    for (const waiter of this.connectedWaiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.connectedWaiters.clear();
  }

  // -------------------------------------------------------------------------------------------
  // HTTP routing
  // -------------------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const path = u.pathname;
    if (path.startsWith('/api/') && (req.method === 'POST' || req.method === 'GET')) {
      return this.onApi(req, res, path.slice('/api/'.length), u.searchParams);
    }
    if (path.startsWith('/upload/') && req.method === 'POST') return this.onUpload(req, res, path);
    if (path.startsWith('/files-pri/') && (req.method === 'GET' || req.method === 'HEAD')) {
      return this.onDownload(req, res, path);
    }
    if (path.startsWith('/respond/') && req.method === 'POST') return this.onRespond(req, res, path);
    await readBody(req);
    this.send(res, 404, 'text/plain', 'not found');
  }

  private async onApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
  ): Promise<void> {
    const body = await readBody(req);
    const call: ApiCall = { method, args: {}, auth: undefined, at: Date.now(), status: 0, error: undefined };
    this.calls.push(call);
    const answer = (
      status: number,
      payload: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) => {
      call.status = status;
      call.error = payload.ok === false ? String(payload.error) : undefined;
      this.sendJson(res, status, payload, headers);
    };
    try {
      call.args = this.parseArgs(req, body, query);
    } catch (err) {
      this.problems.push(`${method}: unparseable body: ${String(err)}`);
      return answer(200, { ok: false, error: 'invalid_form_data' });
    }
    call.auth = bearer(req) ?? str(call.args, 'token');

    const handler = this.handlers[method];
    if (!handler) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    const authError = this.checkAuth(method, call.auth);
    if (authError) return answer(200, { ok: false, error: authError });

    const wait = this.delays.get(method);
    if (wait) {
      await this.sleepUnlessClosed(wait);
      if (this.closed) return;
    }
    const fault = this.faults.get(method)?.shift();
    if (fault?.kind === 'ratelimit') {
      return answer(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(fault.retryAfterSec) });
    }
    if (fault?.kind === 'fail') return answer(200, { ok: false, error: fault.error });

    try {
      const result = handler(call.args, call);
      return answer(200, { ok: true, ...result }, { 'X-OAuth-Scopes': this.scopes() });
    } catch (err) {
      if (err instanceof RateLimited) {
        return answer(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(err.retryAfterSec) });
      }
      if (err instanceof SlackApiError) return answer(200, { ok: false, error: err.code, ...err.extra });
      throw err;
    }
  }

  /** A delay that close() cuts short, so no timer outlives the fake. */
  private sleepUnlessClosed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  private scopes(): string {
    const s = [
      'app_mentions:read',
      'chat:write',
      'files:write',
      'channels:history',
      'groups:history',
      'im:history',
      'mpim:history',
      'commands',
      'assistant:write',
      'users:read',
    ];
    if (this.filesReadScope) s.push('files:read');
    return s.join(',');
  }

  private checkAuth(method: string, token: string | undefined): string | undefined {
    if (!token) return 'not_authed';
    if (method === 'apps.connections.open') {
      if (token === this.appToken) return undefined;
      return token === this.token ? 'not_allowed_token_type' : 'invalid_auth';
    }
    if (token === this.token) return undefined;
    return token === this.appToken ? 'not_allowed_token_type' : 'invalid_auth';
  }

  private parseArgs(req: IncomingMessage, body: Buffer, query: URLSearchParams): ApiArgs {
    const args: ApiArgs = Object.fromEntries(query);
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    if (body.length === 0) return decodeJsonFields(args);
    if (ct.startsWith('application/json')) {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('JSON body is not an object');
      return { ...args, ...(parsed as ApiArgs) };
    }
    if (ct.startsWith('multipart/form-data')) {
      const boundary = multipartBoundary(req.headers['content-type'] ?? '');
      if (!boundary) throw new Error('multipart without boundary');
      for (const part of parseMultipart(body, boundary)) {
        if (part.name === undefined) continue;
        args[part.name] = part.filename !== undefined ? part.data : part.data.toString('utf8');
      }
      return decodeJsonFields(args);
    }
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) args[k] = v;
    return decodeJsonFields(args);
  }

  private async onUpload(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    const fileId = decodeURIComponent(path.slice('/upload/'.length));
    const pending = this.pendingUploads.get(fileId);
    if (!pending) return this.send(res, 404, 'text/plain', 'upload_url not found');
    const ct = req.headers['content-type'] ?? '';
    let bytes: Buffer;
    if (ct.toLowerCase().startsWith('multipart/form-data')) {
      const boundary = multipartBoundary(ct);
      let parts: MultipartPart[];
      try {
        if (!boundary) throw new Error('no boundary');
        parts = parseMultipart(body, boundary);
      } catch (err) {
        this.problems.push(`upload ${fileId}: ${String(err)}`);
        return this.send(res, 400, 'text/plain', 'bad multipart body');
      }
      const withFile = parts.filter((p) => p.filename !== undefined);
      const chosen = withFile.length === 1 ? withFile[0] : parts.length === 1 ? parts[0] : undefined;
      if (!chosen) {
        this.problems.push(`upload ${fileId}: expected one file part, got ${parts.length} parts`);
        return this.send(res, 400, 'text/plain', 'expected one file part');
      }
      bytes = Buffer.from(chosen.data);
    } else {
      bytes = body;
    }
    pending.bytes = bytes;
    pending.uploadAuth = bearer(req);
    this.send(res, 200, 'text/plain', `OK - ${bytes.length}`);
  }

  private async onDownload(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    await readBody(req);
    // /files-pri/<team>-<fileId>/<name> or /files-pri/<team>-<fileId>/download/<name>
    const seg = path.slice('/files-pri/'.length).split('/')[0] ?? '';
    const fileId = seg.slice(seg.indexOf('-') + 1);
    const stored = this.files.get(fileId);
    if (!stored) return this.send(res, 404, 'text/plain', 'file not found');
    const auth = bearer(req);
    if (auth !== this.token || !this.filesReadScope) {
      this.downloads.push({ fileId, auth, served: 'login' });
      return this.send(res, 200, 'text/html; charset=utf-8', LOGIN_PAGE);
    }
    this.downloads.push({ fileId, auth, served: 'bytes' });
    res.writeHead(200, {
      'Content-Type': stored.file.mimetype,
      'Content-Length': String(stored.bytes.length),
      'Content-Disposition': `attachment; filename="${encodeURIComponent(stored.file.name)}"`,
    });
    res.end(req.method === 'HEAD' ? undefined : stored.bytes);
  }

  private async onRespond(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = (await readBody(req)).toString('utf8');
    const id = path.slice('/respond/'.length);
    const posts = this.responses.get(id);
    if (!posts) return this.send(res, 404, 'text/plain', 'invalid_url');
    if (posts.length >= 5) return this.send(res, 404, 'text/plain', 'used_url');
    let body: Record<string, unknown>;
    try {
      const ct = (req.headers['content-type'] ?? '').toLowerCase();
      const json = ct.startsWith('application/x-www-form-urlencoded')
        ? (new URLSearchParams(raw).get('payload') ?? '{}')
        : raw;
      body = JSON.parse(json) as Record<string, unknown>;
    } catch {
      this.problems.push(`response_url ${id}: body is not JSON`);
      return this.send(res, 400, 'text/plain', 'invalid_payload');
    }
    posts.push({ id, body, at: Date.now() });
    this.sendJson(res, 200, { ok: true });
  }

  private send(res: ServerResponse, status: number, contentType: string, body: string): void {
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    payload: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  // -------------------------------------------------------------------------------------------
  // Web API methods
  // -------------------------------------------------------------------------------------------

  private checkChannel(channel: string): void {
    if (this.channels && !this.channels.has(channel)) throw new SlackApiError('channel_not_found');
  }

  private blocksArg(args: ApiArgs): unknown[] | undefined {
    const blocks = args.blocks;
    if (blocks === undefined || blocks === '') return undefined;
    if (!Array.isArray(blocks)) throw new SlackApiError('invalid_blocks_format');
    const errors = validateBlocks(blocks);
    if (errors.length > 0) {
      throw new SlackApiError('invalid_blocks', {
        errors,
        response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
      });
    }
    return blocks;
  }

  private checkText(text: string | undefined): void {
    if (text !== undefined && text.length > 40_000) throw new SlackApiError('msg_too_long');
  }

  private findMessage(channel: string, ts: string): FakeMessage {
    const m = this.history.find((x) => x.channel === channel && x.ts === ts);
    if (!m) throw new SlackApiError('message_not_found');
    return m;
  }

  private wire(m: FakeMessage): Record<string, unknown> {
    const out: Record<string, unknown> = {
      type: 'message',
      user: m.user,
      text: m.text,
      ts: m.ts,
      team: this.teamId,
    };
    if (m.bot_id) {
      out.bot_id = m.bot_id;
      out.app_id = this.appId;
    }
    if (m.thread_ts) out.thread_ts = m.thread_ts;
    if (m.blocks) out.blocks = m.blocks;
    if (m.files) out.files = m.files;
    if (m.thread_ts === undefined) {
      const replies = this.history.filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r !== m);
      if (replies.length > 0) {
        out.thread_ts = m.ts;
        out.reply_count = replies.length;
      }
    }
    return out;
  }

  private botMessage(
    channel: string,
    args: ApiArgs,
    text: string,
    blocks: unknown[] | undefined,
  ): FakeMessage {
    return {
      channel,
      ts: slackTs(),
      thread_ts: str(args, 'thread_ts') || undefined,
      text,
      blocks,
      user: this.botUserId,
      bot_id: this.botId,
      files: undefined,
      updated: false,
      stream: undefined,
      args,
    };
  }

  private streamText(args: ApiArgs): string {
    let text = str(args, 'markdown_text') ?? '';
    if (Array.isArray(args.chunks)) {
      for (const chunk of args.chunks) {
        const c = chunk as { type?: unknown; text?: unknown };
        if (c.type === 'markdown_text' && typeof c.text === 'string') text += c.text;
      }
    }
    if (text.length > 12_000) throw new SlackApiError('msg_too_long');
    return text;
  }

  private buildHandlers(): Record<string, Handler> {
    return {
      'auth.test': () => ({
        url: `https://${this.teamDomain}.slack.com/`,
        team: this.teamName,
        user: this.botName,
        team_id: this.teamId,
        user_id: this.botUserId,
        bot_id: this.botId,
        is_enterprise_install: false,
      }),

      'chat.postMessage': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        this.checkChannel(channel);
        if (this.enforceChannelRate) {
          const last = this.lastPostAt.get(channel);
          if (last !== undefined && Date.now() - last < 1000) throw new RateLimited(1);
        }
        const text = str(a, 'text');
        const blocks = this.blocksArg(a);
        if (!text && !blocks && !Array.isArray(a.attachments)) throw new SlackApiError('no_text');
        this.checkText(text);
        const m = this.botMessage(channel, a, text ?? '', blocks);
        this.history.push(m);
        this.lastPostAt.set(channel, Date.now());
        return { channel, ts: m.ts, message: this.wire(m) };
      },

      'chat.update': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        this.checkChannel(channel);
        const ts = need(a, 'ts', 'message_not_found');
        const m = this.findMessage(channel, ts);
        if (m.user !== this.botUserId) throw new SlackApiError('cant_update_message');
        const text = str(a, 'text');
        const blocks = this.blocksArg(a);
        if (text === undefined && blocks === undefined && !Array.isArray(a.attachments)) {
          throw new SlackApiError('no_text');
        }
        this.checkText(text);
        if (text !== undefined) m.text = text;
        if (blocks !== undefined) m.blocks = blocks;
        m.updated = true;
        m.args = a;
        return { channel, ts, text: m.text, message: this.wire(m) };
      },

      'chat.delete': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        const ts = need(a, 'ts', 'message_not_found');
        const m = this.findMessage(channel, ts);
        if (m.user !== this.botUserId) throw new SlackApiError('cant_delete_message');
        this.history.splice(this.history.indexOf(m), 1);
        return { channel, ts };
      },

      'chat.postEphemeral': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        this.checkChannel(channel);
        const user = need(a, 'user', 'user_not_in_channel');
        const text = str(a, 'text');
        const blocks = this.blocksArg(a);
        if (!text && !blocks && !Array.isArray(a.attachments)) throw new SlackApiError('no_text');
        this.checkText(text);
        const message_ts = slackTs();
        this.ephemerals.push({
          channel,
          user,
          text: text ?? '',
          blocks,
          thread_ts: str(a, 'thread_ts') || undefined,
          message_ts,
        });
        return { message_ts };
      },

      'chat.startStream': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        this.checkChannel(channel);
        need(a, 'thread_ts');
        const m = this.botMessage(channel, a, this.streamText(a), undefined);
        m.stream = 'open';
        this.history.push(m);
        return { channel, ts: m.ts };
      },

      'chat.appendStream': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        const m = this.findMessage(channel, need(a, 'ts', 'message_not_found'));
        if (m.stream !== 'open') throw new SlackApiError('message_not_in_streaming_state');
        m.text += this.streamText(a);
        m.updated = true;
        return { channel, ts: m.ts };
      },

      'chat.stopStream': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        const m = this.findMessage(channel, need(a, 'ts', 'message_not_found'));
        if (m.stream !== 'open') throw new SlackApiError('message_not_in_streaming_state');
        m.text += this.streamText(a);
        const blocks = this.blocksArg(a);
        if (blocks !== undefined) m.blocks = blocks;
        m.stream = 'stopped';
        m.updated = true;
        return { channel, ts: m.ts, message: this.wire(m) };
      },

      'conversations.replies': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        this.checkChannel(channel);
        const ts = need(a, 'ts', 'thread_not_found');
        const parent = this.history.find((m) => m.channel === channel && m.ts === ts);
        if (!parent) throw new SlackApiError('thread_not_found');
        const thread = this.history
          .filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts))
          .sort((x, y) => compareTs(x.ts, y.ts));
        return {
          messages: thread.map((m) => this.wire(m)),
          has_more: false,
          response_metadata: { next_cursor: '' },
        };
      },

      'conversations.info': (a) => {
        const channel = need(a, 'channel', 'channel_not_found');
        this.checkChannel(channel);
        const im = channel.startsWith('D');
        return {
          channel: {
            id: channel,
            name: im ? undefined : channel.toLowerCase(),
            is_channel: channel.startsWith('C'),
            is_group: channel.startsWith('G'),
            is_im: im,
            is_private: !channel.startsWith('C'),
            is_member: true,
            is_archived: false,
            context_team_id: this.teamId,
            ...(im ? { user: 'U0USER' } : {}),
          },
        };
      },

      'users.info': (a) => {
        const id = need(a, 'user', 'user_not_found');
        const known = this.users.get(id);
        if (known) return { user: known };
        const isBot = id === this.botUserId;
        const name = isBot ? this.botName : id.toLowerCase();
        return {
          user: {
            id,
            team_id: this.teamId,
            name,
            real_name: name,
            deleted: false,
            is_bot: isBot,
            tz: 'Asia/Seoul',
            tz_offset: 32400,
            profile: { real_name: name, display_name: name, ...(isBot ? { bot_id: this.botId } : {}) },
          },
        };
      },

      'files.info': (a) => {
        const stored = this.files.get(need(a, 'file', 'file_not_found'));
        if (!stored) throw new SlackApiError('file_not_found');
        return { file: stored.file, comments: [], response_metadata: { next_cursor: '' } };
      },

      'files.getUploadURLExternal': (a) => {
        const filename = need(a, 'filename');
        const length = Number(need(a, 'length'));
        if (!Number.isInteger(length) || length < 0) throw new SlackApiError('invalid_arguments');
        const fileId = this.nextFileId();
        this.pendingUploads.set(fileId, {
          fileId,
          filename,
          length,
          bytes: undefined,
          uploadAuth: undefined,
        });
        return { upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
      },

      'files.completeUploadExternal': (a) => {
        if (!Array.isArray(a.files) || a.files.length === 0) throw new SlackApiError('invalid_arguments');
        const channelId = str(a, 'channel_id') || undefined;
        if (str(a, 'channels')) throw new SlackApiError('invalid_arguments'); // deprecated; use channel_id
        if (channelId) this.checkChannel(channelId);
        const threadTs = str(a, 'thread_ts') || undefined;
        const initialComment = str(a, 'initial_comment');
        const blocks = initialComment === undefined ? this.blocksArg(a) : undefined;
        const out: FakeFile[] = [];
        for (const entry of a.files) {
          const e = entry as { id?: unknown; title?: unknown };
          const pending = typeof e.id === 'string' ? this.pendingUploads.get(e.id) : undefined;
          if (!pending) throw new SlackApiError('file_not_found');
          if (!pending.bytes) throw new SlackApiError('file_upload_not_complete'); // never POSTed to upload_url
          this.pendingUploads.delete(pending.fileId);
          const title = typeof e.title === 'string' ? e.title : undefined;
          const file = this.storeFile(pending.filename, pending.bytes, {
            id: pending.fileId,
            user: this.botUserId,
            ...(title !== undefined ? { title } : {}),
          });
          this.uploads.push({
            file_id: file.id,
            filename: pending.filename,
            title,
            length: pending.length,
            bytes: pending.bytes,
            channel_id: channelId,
            thread_ts: threadTs,
            initial_comment: initialComment,
            blocks,
            uploadAuth: pending.uploadAuth,
            file,
          });
          out.push(file);
        }
        return { files: out };
      },

      'assistant.threads.setStatus': (a) => {
        const channel_id = need(a, 'channel_id', 'channel_not_found');
        this.checkChannel(channel_id);
        const thread_ts = need(a, 'thread_ts');
        const status = str(a, 'status');
        if (status === undefined) throw new SlackApiError('invalid_arguments');
        this.statuses.push({
          channel_id,
          thread_ts,
          status,
          loading_messages: a.loading_messages,
          at: Date.now(),
        });
        return {};
      },

      'assistant.threads.setSuggestedPrompts': (a) => {
        const channel_id = need(a, 'channel_id', 'channel_not_found');
        this.checkChannel(channel_id);
        if (!Array.isArray(a.prompts) || a.prompts.length === 0 || a.prompts.length > 4) {
          throw new SlackApiError('invalid_arguments');
        }
        this.suggestedPrompts.push({
          channel_id,
          thread_ts: str(a, 'thread_ts') || undefined,
          title: str(a, 'title'),
          prompts: a.prompts,
        });
        return {};
      },

      'assistant.threads.setTitle': (a) => {
        const channel_id = need(a, 'channel_id', 'channel_not_found');
        this.checkChannel(channel_id);
        this.titles.push({ channel_id, thread_ts: need(a, 'thread_ts'), title: need(a, 'title') });
        return {};
      },

      'apps.connections.open': () => {
        const ticket = randomUUID();
        this.tickets.add(ticket);
        return {
          url: `ws://127.0.0.1:${new URL(this.url).port}/socket?ticket=${ticket}&app_id=${this.appId}`,
        };
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Request-signing driver (for Bolt's HTTPReceiver)
// ---------------------------------------------------------------------------------------------

/** Slack's v0 request signature headers for `body`. */
export function sign(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const hex = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': `v0=${hex}` };
}

export interface PostSignedOptions {
  /** Unix seconds to sign with (a stale one: `now - 600`). */
  timestamp?: number;
  /** Adds `X-Slack-Retry-Num` (and `X-Slack-Retry-Reason`, default `http_timeout`). */
  retryNum?: number;
  retryReason?: string;
  /** Sends a signature that does not match the body. */
  badSignature?: boolean;
  contentType?: string;
}

/** POSTs a signed request as Slack would: objects as JSON, URLSearchParams as a form. */
export async function postSigned(
  url: string,
  secret: string,
  body: object | URLSearchParams | string,
  opts: PostSignedOptions = {},
): Promise<{ status: number; text: string; ms: number }> {
  let raw: string;
  let contentType: string;
  if (typeof body === 'string') {
    raw = body;
    contentType =
      opts.contentType ??
      (body.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded');
  } else if (body instanceof URLSearchParams) {
    raw = body.toString();
    contentType = opts.contentType ?? 'application/x-www-form-urlencoded';
  } else {
    raw = JSON.stringify(body);
    contentType = opts.contentType ?? 'application/json';
  }
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    ...sign(secret, raw, opts.timestamp),
  };
  if (opts.badSignature) {
    const sig = headers['X-Slack-Signature'] ?? '';
    headers['X-Slack-Signature'] = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
  }
  if (opts.retryNum !== undefined) {
    headers['X-Slack-Retry-Num'] = String(opts.retryNum);
    headers['X-Slack-Retry-Reason'] = opts.retryReason ?? 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Payload builders
// ---------------------------------------------------------------------------------------------

export interface EnvelopeBuildOptions {
  eventId?: string;
  teamId?: string;
  apiAppId?: string;
  botUserId?: string;
  eventTime?: number;
}

/** An Events API body (`type:'event_callback'`) around `event`: for HTTP or an events_api envelope. */
export function eventEnvelope(event: object, opts: EnvelopeBuildOptions = {}): Record<string, unknown> {
  const teamId = opts.teamId ?? FAKE_DEFAULTS.teamId;
  return {
    token: 'fake-verification-token',
    team_id: teamId,
    context_team_id: teamId,
    api_app_id: opts.apiAppId ?? FAKE_DEFAULTS.appId,
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? randomId('Ev', 10),
    event_time: opts.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: opts.botUserId ?? FAKE_DEFAULTS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(12).toString('hex')}`,
  };
}

export interface MessageEventOptions {
  channel: string;
  user: string;
  ts?: string;
  thread_ts?: string;
  files?: FakeFile[];
  teamId?: string;
}

function messageFields(text: string, o: MessageEventOptions): Record<string, unknown> {
  const ts = o.ts ?? slackTs();
  const out: Record<string, unknown> = {
    user: o.user,
    text,
    ts,
    event_ts: ts,
    channel: o.channel,
    team: o.teamId ?? FAKE_DEFAULTS.teamId,
    client_msg_id: randomUUID(),
  };
  if (o.thread_ts !== undefined) out.thread_ts = o.thread_ts;
  if (o.files !== undefined) out.files = o.files;
  return out;
}

/**
 * An `app_mention` event. `<@botUserId> ` is put in front of `text` unless it already mentions the
 * bot (Slack's app_mention text always contains the mention).
 */
export function mention(
  text: string,
  opts: MessageEventOptions & { botUserId?: string },
): Record<string, unknown> {
  const tag = `<@${opts.botUserId ?? FAKE_DEFAULTS.botUserId}>`;
  return { type: 'app_mention', ...messageFields(text.includes(tag) ? text : `${tag} ${text}`, opts) };
}

/** A direct message (`message.im`): channel `D…` (default `D0DM`), `channel_type:'im'`. */
export function dm(
  text: string,
  opts: Omit<MessageEventOptions, 'channel'> & { channel?: string },
): Record<string, unknown> {
  return {
    type: 'message',
    ...messageFields(text, { ...opts, channel: opts.channel ?? 'D0DM' }),
    channel_type: 'im',
  };
}

/** A `message` event with subtype `file_share` carrying full File objects. */
export function fileShare(
  files: FakeFile[],
  opts: MessageEventOptions & { text?: string; channel_type?: 'channel' | 'group' | 'im' | 'mpim' },
): Record<string, unknown> {
  const channelType =
    opts.channel_type ??
    (opts.channel.startsWith('D') ? 'im' : opts.channel.startsWith('G') ? 'group' : 'channel');
  return {
    type: 'message',
    subtype: 'file_share',
    ...messageFields(opts.text ?? '', { ...opts, files }),
    upload: false,
    display_as_bot: false,
    channel_type: channelType,
  };
}

/** An `assistant_thread_started` event (the user opened the assistant pane). */
export function assistantThreadStarted(opts: {
  user: string;
  channel?: string;
  thread_ts?: string;
  context?: { channel_id?: string; team_id?: string; enterprise_id?: string | null };
}): Record<string, unknown> {
  const threadTs = opts.thread_ts ?? slackTs();
  return {
    type: 'assistant_thread_started',
    assistant_thread: {
      user_id: opts.user,
      context: opts.context ?? {},
      channel_id: opts.channel ?? 'D0DM',
      thread_ts: threadTs,
    },
    event_ts: slackTs(),
  };
}

export interface SlashCommandInput {
  command?: string;
  text: string;
  user_id: string;
  channel_id: string;
  response_url: string;
  trigger_id?: string;
  team_id?: string;
  api_app_id?: string;
}

/** The fields of a slash command (the payload of a slash_commands envelope). */
export function slashCommandPayload(c: SlashCommandInput): Record<string, string> {
  const teamId = c.team_id ?? FAKE_DEFAULTS.teamId;
  return {
    token: 'fake-verification-token',
    team_id: teamId,
    team_domain: FAKE_DEFAULTS.teamDomain,
    channel_id: c.channel_id,
    channel_name: c.channel_id.startsWith('D') ? 'directmessage' : c.channel_id.toLowerCase(),
    user_id: c.user_id,
    user_name: c.user_id.toLowerCase(),
    command: c.command ?? '/infralens',
    text: c.text,
    api_app_id: c.api_app_id ?? FAKE_DEFAULTS.appId,
    is_enterprise_install: 'false',
    response_url: c.response_url,
    trigger_id: c.trigger_id ?? triggerId(),
  };
}

/** A slash command as Slack POSTs it over HTTP (form-encoded). */
export function slashCommand(c: SlashCommandInput): URLSearchParams {
  return new URLSearchParams(slashCommandPayload(c));
}

export interface BlockActionInput {
  action_id: string;
  value?: string;
  block_id?: string;
  user: string;
  channel: string;
  message_ts: string;
  thread_ts?: string;
  response_url: string;
  /** The message the button sits on (default: a bot message with that ts). */
  message?: Record<string, unknown>;
  team_id?: string;
  api_app_id?: string;
}

/** A `block_actions` interactivity payload (a button click). */
export function blockActionPayload(a: BlockActionInput): Record<string, unknown> {
  const teamId = a.team_id ?? FAKE_DEFAULTS.teamId;
  const blockId = a.block_id ?? randomId('b', 5);
  const message = a.message ?? {
    type: 'message',
    user: FAKE_DEFAULTS.botUserId,
    bot_id: FAKE_DEFAULTS.botId,
    text: '',
    ts: a.message_ts,
    ...(a.thread_ts !== undefined ? { thread_ts: a.thread_ts } : {}),
  };
  return {
    type: 'block_actions',
    user: { id: a.user, username: a.user.toLowerCase(), name: a.user.toLowerCase(), team_id: teamId },
    api_app_id: a.api_app_id ?? FAKE_DEFAULTS.appId,
    token: 'fake-verification-token',
    container: {
      type: 'message',
      message_ts: a.message_ts,
      channel_id: a.channel,
      is_ephemeral: false,
      ...(a.thread_ts !== undefined ? { thread_ts: a.thread_ts } : {}),
    },
    trigger_id: triggerId(),
    team: { id: teamId, domain: FAKE_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: a.channel, name: a.channel.toLowerCase() },
    message,
    state: { values: {} },
    response_url: a.response_url,
    actions: [
      {
        action_id: a.action_id,
        block_id: blockId,
        text: { type: 'plain_text', text: a.action_id, emoji: true },
        ...(a.value !== undefined ? { value: a.value } : {}),
        type: 'button',
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
}

/** A button click as Slack POSTs it over HTTP: a form with one `payload=<JSON>` field. */
export function blockAction(a: BlockActionInput): URLSearchParams {
  return new URLSearchParams({ payload: JSON.stringify(blockActionPayload(a)) });
}
