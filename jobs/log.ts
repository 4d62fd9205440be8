/**
 * The structured logger of the bot and the workers: one JSON object per line (`{t, level, msg, ...fields}`),
 * to stderr unless told otherwise. Secrets never reach the line: every configured secret value (the Slack
 * and Anthropic tokens, the Redis password — whatever the entry point passes in) and anything that looks
 * like a token (`xoxb-…`, `xapp-…`, `sk-ant-…`, `Bearer …`) is replaced by `[redacted]` in the finished
 * line, whichever field it hid in. Control characters are stripped from messages (a user's text can carry
 * terminal escapes). Library code gets a Logger passed in; only entry points create one.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** a logger that adds `fields` to every line (a queue name, a job id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** values to mask wherever they appear; strings shorter than 6 characters are ignored (too common). */
  secrets: readonly (string | undefined | null)[];
  /** where a finished line goes (without the newline); stderr by default. */
  write?: (line: string) => void;
  /** the clock, for tests. */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
export const REDACTED = '[redacted]';
export const MIN_SECRET_LENGTH = 6;

/** Tokens that are secrets whoever configured them: Slack bot/user/app tokens, Anthropic keys, bearer auth. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bxox[abpre]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /\bsk-ant-[A-Za-z0-9_-]+/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// tabs and line breaks become one space
const BREAKS = /[\t\n\r]+/g;

/** A message as one printable line: line breaks and tabs become spaces, other control characters go. */
export function cleanMessage(msg: string): string {
  return msg.replace(BREAKS, ' ').replace(CONTROL, '');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that masks the secrets and the token patterns in a finished line. */
export function redactor(secrets: readonly (string | undefined | null)[]): (line: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    // the form the value takes inside a JSON string (quotes, backslashes and control characters escaped)
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  // longest first, so a secret that contains another is masked whole
  const literal = [...forms].sort((a, b) => b.length - a.length);
  const all = literal.length ? new RegExp(literal.map(escapeRe).join('|'), 'g') : null;
  return (line) => {
    let out = all ? line.replace(all, REDACTED) : line;
    for (const re of TOKEN_PATTERNS) out = out.replace(re, REDACTED);
    return out;
  };
}

/** JSON for any field value: errors as `{name, message}`, bigints as strings, cycles cut. */
function toJson(record: LogFields): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
    }
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const min = RANK[options.level];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const redact = redactor(options.secrets);

  const make = (bound: LogFields): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
      if (RANK[level] < min) return;
      const head: LogFields = { t: now().toISOString(), level, msg: cleanMessage(msg) };
      const record: LogFields = { ...head };
      // a field named like the head (t, level, msg) keeps its value under `_name`
      for (const [k, v] of Object.entries({ ...bound, ...fields })) record[k in head ? `_${k}` : k] = v;
      let line: string;
      try {
        line = toJson(record);
      } catch (e) {
        line = toJson({ ...head, logError: String(e) });
      }
      try {
        write(redact(line));
      } catch {
        // a logger never takes the process down (a closed stderr, a full pipe)
      }
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/** A logger that writes nothing (tests, library defaults). */
export const silentLogger: Logger = createLogger({ level: 'silent', secrets: [], write: () => {} });
