/**
 * Fake Anthropic Messages API for tests (node:http only, bound to 127.0.0.1:0).
 *
 * - `POST /v1/messages` answers from a scripted queue of turns, in order.
 * - `POST /v1/messages/count_tokens` answers `{ input_tokens }` (a rough count).
 * - `GET /v1/models` (and `GET /v1/models/:id`) list one model.
 *
 * Every request is recorded; every protocol problem found in a request is appended to
 * `violations` as a readable string (the request is still answered), so tests assert
 * `expect(fake.violations).toEqual([])`. Wire facts: shared/reference/interfaces.md §3 (SDK 1.14.0).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'pause_turn'
  | 'refusal'
  | 'stop_sequence'
  | 'model_context_window_exceeded';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

export interface FakeTextBlock {
  type: 'text';
  text: string;
}

/** A thinking block as the API returns it (sent back unchanged by a correct client). */
export interface FakeThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface FakeToolUseBlock {
  type: 'tool_use';
  /** Generated as `toolu_fake_N` when omitted. */
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export type FakeContentBlock = FakeTextBlock | FakeToolUseBlock | FakeThinkingBlock;

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
}

/** A successful assistant message. */
export interface FakeMessageTurn {
  content: FakeContentBlock[];
  stop_reason: StopReason;
  /** Only meaningful with stop_reason 'stop_sequence'; defaults to null. */
  stop_sequence?: string | null;
  /** Defaults to rough counts of the request and of `content`. */
  usage?: FakeUsage;
}

export interface FakeErrorSpec {
  /** HTTP status, e.g. 400, 401, 429, 500, 529. */
  status: number;
  type: ApiErrorType;
  /** Defaults to `fake: <type>`. */
  message?: string;
  /** Sent as the `retry-after` header (seconds). Note: the SDK treats 0 as "no hint" and backs off ~0.5 s. */
  retryAfter?: number;
  /** Sent as the `retry-after-ms` header; a small positive value keeps retry tests fast. */
  retryAfterMs?: number;
  /** Sent as `x-should-retry: true|false`, which overrides the SDK's retry decision. */
  shouldRetry?: boolean;
}

/** An HTTP error answer. */
export interface FakeErrorTurn {
  error: FakeErrorSpec;
}

/** Computes the reply from the recorded request (may be async, e.g. to delay the answer). */
export type FakeDynamicTurn = (req: RecordedRequest) => FakeTurn | Promise<FakeTurn>;

export type FakeTurn = FakeMessageTurn | FakeErrorTurn | FakeDynamicTurn;
export type Script = FakeTurn[];

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Parsed JSON body; `{}` when there is no body or it is not a JSON object. */
  body: Record<string, unknown>;
}

export interface FakeAnthropic {
  /** `http://127.0.0.1:PORT`, for `baseURL` / `ANTHROPIC_BASE_URL`. */
  url: string;
  /** Appends turns to the queue consumed in order by `POST /v1/messages`. */
  script(turns: FakeTurn[]): void;
  /** Number of scripted turns not yet consumed. */
  pending(): number;
  /** Every request received, in order (all routes). */
  requests: RecordedRequest[];
  /** Protocol violations found in requests (each prefixed `#<request index> <method> <path>:`). */
  violations: string[];
  close(): Promise<void>;
}

/** A tool_result block as found in a recorded request. */
export interface RecordedToolResult {
  type: 'tool_result';
  tool_use_id: string;
  content?: unknown;
  is_error?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Helpers for scripts and dynamic turns
// ---------------------------------------------------------------------------------------------

export function text(t: string): FakeTextBlock {
  return { type: 'text', text: t };
}

export function toolUse(name: string, input: Record<string, unknown>, id?: string): FakeToolUseBlock {
  return id === undefined ? { type: 'tool_use', name, input } : { type: 'tool_use', id, name, input };
}

/** stop_reason defaults to 'tool_use' when any block is a tool_use, else 'end_turn'. */
export function reply(blocks: FakeContentBlock[], stop_reason?: StopReason): FakeMessageTurn {
  return {
    content: blocks,
    stop_reason: stop_reason ?? (blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
  };
}

export function apiError(
  status: number,
  type: ApiErrorType,
  opts: Omit<FakeErrorSpec, 'status' | 'type'> = {},
): FakeErrorTurn {
  return { error: { ...opts, status, type } };
}

/** tool_result blocks of the last message of the request (empty if none). */
export function toolResults(req: RecordedRequest): RecordedToolResult[] {
  const messages = req.body.messages;
  if (!Array.isArray(messages)) return [];
  const last: unknown = messages[messages.length - 1];
  if (!isObject(last) || !Array.isArray(last.content)) return [];
  return last.content.filter(
    (b): b is RecordedToolResult =>
      isObject(b) && b.type === 'tool_result' && typeof b.tool_use_id === 'string',
  );
}

/** Text of a tool_result's content (string content, or its text blocks joined with '\n'). */
export function toolResultText(r: RecordedToolResult): string {
  if (typeof r.content === 'string') return r.content;
  if (Array.isArray(r.content)) {
    return r.content
      .filter((b): b is { type: 'text'; text: string } => isObject(b) && typeof b.text === 'string')
      .map((b) => b.text)
      .join('\n');
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export const FAKE_MODEL = {
  id: 'claude-sonnet-5-5',
  type: 'model',
  display_name: 'Claude Sonnet 5.5',
  created_at: '2026-09-30T00:00:00Z',
} as const;

const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_DYNAMIC_DEPTH = 8;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isErrorTurn(t: FakeMessageTurn | FakeErrorTurn): t is FakeErrorTurn {
  return 'error' in t;
}

function roughTokens(v: unknown): number {
  if (v === undefined) return 0;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return Math.max(1, Math.ceil(s.length / 4));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function describeRole(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? 'undefined');
}

/** Validates the header/body of a messages (or count_tokens) request; returns problems found. */
export function validateMessagesRequest(
  headers: Record<string, string>,
  body: Record<string, unknown>,
  opts: { requireMaxTokens: boolean } = { requireMaxTokens: true },
): string[] {
  const v: string[] = [];

  // Headers.
  const auth = headers.authorization;
  const apiKey = headers['x-api-key'];
  const bearerOk = auth !== undefined && /^Bearer \S+/.test(auth);
  const keyOk = apiKey !== undefined && apiKey.trim() !== '';
  if (!bearerOk && !keyOk) v.push('missing auth: need `authorization: Bearer <key>` or `x-api-key`');
  if (!headers['anthropic-version']) v.push('missing anthropic-version header');

  // Top-level fields.
  if (typeof body.model !== 'string' || body.model === '') v.push('`model` must be a non-empty string');
  if (opts.requireMaxTokens || body.max_tokens !== undefined) {
    const mt = body.max_tokens;
    if (typeof mt !== 'number' || !Number.isInteger(mt) || mt <= 0) {
      v.push(`\`max_tokens\` must be a positive integer (got ${JSON.stringify(mt) ?? 'undefined'})`);
    }
  }
  if ('thread' in body) {
    v.push('body has a `thread` field (beta message threads): pass thread:false / use messages.create');
  }

  // System.
  if (body.system !== undefined && typeof body.system !== 'string') {
    if (!Array.isArray(body.system)) {
      v.push('`system` must be a string or an array of text blocks');
    } else {
      body.system.forEach((b, i) => {
        if (!isObject(b) || b.type !== 'text' || typeof b.text !== 'string') {
          v.push(`system[${i}] must be {type:'text', text:string}`);
        }
      });
    }
  }

  // Tools.
  const toolNames = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) {
      v.push('`tools` must be an array');
    } else {
      body.tools.forEach((t, i) => {
        if (!isObject(t)) {
          v.push(`tools[${i}] must be an object`);
          return;
        }
        const label = typeof t.name === 'string' ? `tools[${i}] '${t.name}'` : `tools[${i}]`;
        // Server tools (web_search_…, etc.) carry a versioned `type` and no input_schema.
        if (typeof t.type === 'string' && t.type !== 'custom') {
          if (typeof t.name === 'string') toolNames.add(t.name);
          return;
        }
        if (typeof t.name !== 'string' || !TOOL_NAME_RE.test(t.name)) {
          v.push(`${label}: \`name\` must match ${TOOL_NAME_RE.source}`);
        } else if (toolNames.has(t.name)) {
          v.push(`${label}: duplicate tool name`);
        } else {
          toolNames.add(t.name);
        }
        if (typeof t.description !== 'string' || t.description.trim() === '') {
          v.push(`${label}: missing \`description\``);
        }
        if (!isObject(t.input_schema)) {
          v.push(`${label}: missing \`input_schema\``);
        } else {
          if (t.input_schema.type !== 'object') {
            v.push(
              `${label}: input_schema.type must be 'object' (got ${JSON.stringify(t.input_schema.type) ?? 'undefined'})`,
            );
          }
          if ('$schema' in t.input_schema) v.push(`${label}: input_schema has a \`$schema\` key (strip it)`);
        }
      });
    }
  }

  // Thinking: budget-less `adaptive` (current models) or `enabled` with a budget below max_tokens.
  if (body.thinking !== undefined) {
    const th = body.thinking;
    if (!isObject(th) || !['adaptive', 'enabled', 'disabled'].includes(String(th.type)))
      v.push('`thinking` must be {type: adaptive|enabled|disabled}');
    else if (
      th.type === 'enabled' &&
      !(typeof th.budget_tokens === 'number' && th.budget_tokens < Number(body.max_tokens))
    )
      v.push('`thinking.budget_tokens` must be a number below max_tokens');
  }

  // Prompt caching: at most 4 cache_control breakpoints over tools, system and messages.
  let breakpoints = 0;
  const countCache = (x: unknown) => {
    if (isObject(x) && isObject(x.cache_control)) {
      breakpoints++;
      if (x.cache_control.type !== 'ephemeral') v.push('cache_control.type must be ephemeral');
    }
  };
  if (Array.isArray(body.tools)) body.tools.forEach(countCache);
  if (Array.isArray(body.system)) body.system.forEach(countCache);
  if (Array.isArray(body.messages))
    for (const m of body.messages) if (isObject(m) && Array.isArray(m.content)) m.content.forEach(countCache);
  if (breakpoints > 4) v.push(`${breakpoints} cache_control breakpoints (the API allows at most 4)`);

  // tool_choice.
  if (isObject(body.tool_choice)) {
    const tc = body.tool_choice;
    if (!['auto', 'any', 'tool', 'none'].includes(String(tc.type))) {
      v.push(`tool_choice.type must be auto|any|tool|none (got ${JSON.stringify(tc.type)})`);
    }
    if (tc.type === 'tool' && (typeof tc.name !== 'string' || !toolNames.has(tc.name))) {
      v.push(`tool_choice names tool ${JSON.stringify(tc.name)}, which is not in \`tools\``);
    }
  } else if (body.tool_choice !== undefined) {
    v.push('`tool_choice` must be an object');
  }

  // Messages.
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    v.push('`messages` must be a non-empty array');
    return v;
  }
  const seenToolUseIds = new Set<string>();
  /** tool_use ids of the previous assistant message, awaiting results in this user message. */
  let awaiting: string[] = [];
  messages.forEach((m: unknown, i: number) => {
    const at = `messages[${i}]`;
    if (!isObject(m)) {
      v.push(`${at} must be an object`);
      awaiting = [];
      return;
    }
    const role = m.role;
    if (role !== 'user' && role !== 'assistant') {
      v.push(`${at}.role must be 'user' or 'assistant' (got ${describeRole(role)})`);
    }
    if (i === 0 && role !== 'user') v.push(`messages[0].role must be 'user' (got ${describeRole(role)})`);
    if (i > 0) {
      const prev: unknown = messages[i - 1];
      if (isObject(prev) && prev.role === role) {
        v.push(`${at}: roles must alternate user/assistant (two '${String(role)}' messages in a row)`);
      }
    }

    const content = m.content;
    let blocks: Record<string, unknown>[] = [];
    if (typeof content === 'string') {
      blocks = [];
    } else if (Array.isArray(content)) {
      content.forEach((b: unknown, j: number) => {
        if (!isObject(b) || typeof b.type !== 'string') {
          v.push(`${at}.content[${j}] must be a block with a string \`type\``);
        } else {
          blocks.push(b);
        }
      });
      if (content.length === 0 && i < messages.length - 1) v.push(`${at}.content must not be empty`);
    } else {
      v.push(`${at}.content must be a string or an array of blocks`);
    }

    if (role === 'assistant') {
      if (awaiting.length > 0) {
        v.push(`${at}: previous tool_use ids [${awaiting.join(', ')}] were never answered with tool_result`);
      }
      const ids: string[] = [];
      for (const b of blocks) {
        if (b.type === 'tool_result') v.push(`${at}: tool_result block in an assistant message`);
        if (b.type !== 'tool_use') continue;
        if (typeof b.id !== 'string' || b.id === '') {
          v.push(`${at}: tool_use block without an id`);
          continue;
        }
        if (seenToolUseIds.has(b.id)) v.push(`${at}: duplicate tool_use id '${b.id}'`);
        seenToolUseIds.add(b.id);
        ids.push(b.id);
      }
      awaiting = ids;
      if (ids.length > 0 && i === messages.length - 1) {
        v.push(`${at}: ends with tool_use ids [${ids.join(', ')}] that have no tool_result`);
      }
      return;
    }

    // User (or invalid-role) message.
    for (const b of blocks) {
      if (b.type === 'tool_use') v.push(`${at}: tool_use block in a user message`);
    }
    const resultIdx = blocks.map((b, j) => (b.type === 'tool_result' ? j : -1)).filter((j) => j >= 0);
    const resultIds = resultIdx.map((j) => blocks[j]?.tool_use_id);
    if (awaiting.length === 0) {
      if (resultIdx.length > 0) {
        v.push(
          `${at}: tool_result for [${resultIds.map(String).join(', ')}] without a tool_use in the previous assistant message`,
        );
      }
      return;
    }
    const expected = new Set(awaiting);
    const missing = awaiting.filter((id) => !resultIds.includes(id));
    if (missing.length > 0) {
      v.push(`${at}: missing tool_result for tool_use ids [${missing.join(', ')}]`);
    }
    const counts = new Map<string, number>();
    for (const id of resultIds) {
      if (typeof id !== 'string') {
        v.push(`${at}: tool_result without a string tool_use_id`);
        continue;
      }
      if (!expected.has(id)) v.push(`${at}: tool_result for unknown tool_use id '${id}'`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, n] of counts) if (n > 1) v.push(`${at}: ${n} tool_result blocks for tool_use id '${id}'`);
    const firstNonResult = blocks.findIndex((b) => b.type !== 'tool_result');
    if (firstNonResult >= 0 && resultIdx.some((j) => j > firstNonResult)) {
      v.push(`${at}: tool_result blocks must come first in the message (before any other block)`);
    }
    awaiting = [];
  });
  return v;
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const queue: FakeTurn[] = [];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  let requestCounter = 0;
  let messageCounter = 0;
  let toolCounter = 0;

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    requestId = `req_fake_${++requestCounter}`,
  ): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      'request-id': requestId,
      ...headers,
    });
    res.end(payload);
  }

  function sendError(res: ServerResponse, spec: FakeErrorSpec): void {
    const headers: Record<string, string> = {};
    if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
    if (spec.retryAfterMs !== undefined) headers['retry-after-ms'] = String(spec.retryAfterMs);
    if (spec.shouldRetry !== undefined) headers['x-should-retry'] = String(spec.shouldRetry);
    const requestId = `req_fake_${++requestCounter}`;
    send(
      res,
      spec.status,
      {
        type: 'error',
        error: { type: spec.type, message: spec.message ?? `fake: ${spec.type}` },
        request_id: requestId,
      },
      headers,
      requestId,
    );
  }

  async function resolveTurn(turn: FakeTurn, rec: RecordedRequest): Promise<FakeMessageTurn | FakeErrorTurn> {
    let t: FakeTurn = turn;
    for (let depth = 0; typeof t === 'function'; depth++) {
      if (depth >= MAX_DYNAMIC_DEPTH) throw new Error('dynamic turn nested too deeply');
      t = await t(rec);
    }
    return t;
  }

  function sendMessage(res: ServerResponse, turn: FakeMessageTurn, rec: RecordedRequest): void {
    messageCounter += 1;
    const content = turn.content.map((b) =>
      b.type === 'tool_use'
        ? { type: 'tool_use', id: b.id ?? `toolu_fake_${++toolCounter}`, name: b.name, input: b.input }
        : b.type === 'thinking'
          ? { type: 'thinking', thinking: b.thinking, signature: b.signature }
          : { type: 'text', text: b.text },
    );
    const usage = turn.usage ?? {
      input_tokens: roughTokens({ s: rec.body.system, m: rec.body.messages, t: rec.body.tools }),
      output_tokens: roughTokens(content),
    };
    send(res, 200, {
      id: `msg_fake_${messageCounter}`,
      type: 'message',
      role: 'assistant',
      model: typeof rec.body.model === 'string' ? rec.body.model : FAKE_MODEL.id,
      content,
      stop_reason: turn.stop_reason,
      stop_sequence: turn.stop_sequence ?? null,
      usage: {
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const headers = lowerHeaders(req);
    const raw = await readBody(req);
    const index = requests.length;
    const tag = `#${index} ${method} ${path}`;
    const violate = (msg: string): void => {
      violations.push(`${tag}: ${msg}`);
    };

    let body: Record<string, unknown> = {};
    let badJson = false;
    if (raw.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (isObject(parsed)) body = parsed;
        else badJson = true;
      } catch {
        badJson = true;
      }
    }
    const rec: RecordedRequest = { method, path, headers, body };
    requests.push(rec);

    if (method === 'POST' && path === '/v1/messages') {
      if (badJson) {
        violate('body is not a JSON object');
        sendError(res, {
          status: 400,
          type: 'invalid_request_error',
          message: 'fake: body is not a JSON object',
        });
        return;
      }
      for (const p of validateMessagesRequest(headers, body)) violate(p);
      if (body.stream === true) {
        violate('streaming requested (stream: true); the fake only answers non-streaming calls');
        sendError(res, {
          status: 400,
          type: 'invalid_request_error',
          message: 'fake: streaming not supported',
        });
        return;
      }
      const next = queue.shift();
      if (next === undefined) {
        violate('no scripted turn left');
        // x-should-retry:false so an SDK with maxRetries > 0 fails at once instead of backing off.
        sendError(res, {
          status: 500,
          type: 'api_error',
          message: 'fake: no scripted turn left',
          shouldRetry: false,
        });
        return;
      }
      let turn: FakeMessageTurn | FakeErrorTurn;
      try {
        turn = await resolveTurn(next, rec);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        violate(`dynamic turn threw: ${msg}`);
        sendError(res, {
          status: 500,
          type: 'api_error',
          message: `fake: dynamic turn threw: ${msg}`,
          shouldRetry: false,
        });
        return;
      }
      if (isErrorTurn(turn)) sendError(res, turn.error);
      else sendMessage(res, turn, rec);
      return;
    }

    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      if (badJson) {
        violate('body is not a JSON object');
        sendError(res, {
          status: 400,
          type: 'invalid_request_error',
          message: 'fake: body is not a JSON object',
        });
        return;
      }
      for (const p of validateMessagesRequest(headers, body, { requireMaxTokens: false })) violate(p);
      send(res, 200, { input_tokens: roughTokens({ s: body.system, m: body.messages, t: body.tools }) });
      return;
    }

    if (method === 'GET' && path === '/v1/models') {
      send(res, 200, {
        data: [FAKE_MODEL],
        has_more: false,
        first_id: FAKE_MODEL.id,
        last_id: FAKE_MODEL.id,
      });
      return;
    }

    if (method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (id === FAKE_MODEL.id) send(res, 200, FAKE_MODEL);
      else sendError(res, { status: 404, type: 'not_found_error', message: `fake: model '${id}' not found` });
      return;
    }

    violate('unknown route');
    sendError(res, { status: 404, type: 'not_found_error', message: `fake: no route ${method} ${path}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const msg = err instanceof Error ? err.message : String(err);
      violations.push(`fake internal error: ${msg}`);
      if (!res.headersSent) {
        sendError(res, { status: 500, type: 'api_error', message: `fake: ${msg}`, shouldRetry: false });
      } else {
        res.end();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    script(turns: FakeTurn[]): void {
      queue.push(...turns);
    },
    pending(): number {
      return queue.length;
    },
    requests,
    violations,
    close(): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
