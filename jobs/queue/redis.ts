/**
 * Redis connections for the jobs backbone. BullMQ wants ioredis instances with `maxRetriesPerRequest:
 * null` (commands wait through a reconnect instead of failing) and no ioredis `keyPrefix` (BullMQ's own
 * `prefix` namespaces the keys). A connection reconnects forever with a backoff capped at 2 s, so a Redis
 * restart is a pause, not a crash; `ping` answers readiness probes without hanging on a dead server.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '../../tools/errors.ts';
import type { Logger } from '../log.ts';

export const RECONNECT_CAP_MS = 2_000;
export const CONNECT_TIMEOUT_MS = 5_000;

/** The delay before reconnect attempt `times` (1, 2, …): 100 ms more each time, never more than 2 s. */
export function reconnectDelay(times: number): number {
  return Math.min(Math.max(1, times) * 100, RECONNECT_CAP_MS);
}

/** A URL with its password masked, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable)';
  }
}

/** Check a Redis URL (`redis://[user:password@]host[:port][/db]` or `rediss://…`); ConfigError if not. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(
      'REDIS_URL is not a URL: expected redis://[user:password@]host[:port][/db] or rediss://… (TLS)',
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ConfigError(
      `REDIS_URL must start with redis:// or rediss:// (got ${u.protocol}//); e.g. redis://127.0.0.1:6379/0`,
    );
  if (!u.hostname) throw new ConfigError(`REDIS_URL names no host: ${safeUrl(url)}`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db))
    throw new ConfigError(`REDIS_URL's path must be a database number (/0 … /15), not /${db}`);
  return u;
}

export interface ConnectOptions {
  /** the connection's name (CLIENT SETNAME), so `CLIENT LIST` shows who is who. */
  name?: string;
  /** where connection errors go (deduplicated: one line per distinct error until the connection is ready). */
  log?: Logger;
}

/** An ioredis instance for BullMQ and our own keys. Throws ConfigError for a malformed URL; never waits. */
export function connectRedis(url: string, opts: ConnectOptions = {}): Redis {
  parseRedisUrl(url);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    ...(opts.name === undefined ? {} : { connectionName: opts.name }),
  });
  // an 'error' without a listener is printed by ioredis on every retry; say it once per outage instead
  let last = '';
  redis.on('error', (e: Error) => {
    if (e.message === last) return;
    last = e.message;
    opts.log?.warn('redis connection error', { connection: opts.name, error: e.message });
  });
  redis.on('ready', () => {
    if (last) opts.log?.info('redis connection ready again', { connection: opts.name });
    last = '';
  });
  return redis;
}

/** PING with a deadline: true when Redis answered PONG in time; false on a timeout or an error. */
export async function ping(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      redis.ping(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
    return answer === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
