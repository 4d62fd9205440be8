/**
 * Small keyed state in Redis, for what is not a job: conversation state, stored replies, "seen this event"
 * markers, per-conversation locks, rate-limit windows and per-channel send pacing. Only the Redis commands
 * we use, each atomic on its own: `once` is SET NX, a lock is a token released by compare-and-delete, a
 * multi-set is one MULTI (a state and the reply it produced land together or not at all). Every key is
 * `${prefix}:${key}`; values are JSON with a TTL (nothing here lives forever).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Take or re-enter a lock owned by ARGV[1] (a job id), refreshing its TTL: 1, or 0 when another owns it. */
const HOLD = `local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/**
 * Pacing of a resource (a chat channel) on Redis's clock (workers' clocks may disagree). One hash per
 * resource: `next`, the next free slot (ms), and `last`, when the last use started.
 * reserve (ARGV: 'reserve', spacing, delay): slot = max(now + delay, next); next ← slot + spacing; a delay
 *   also holds `last` so that no claim succeeds before now + delay. Returns ms until the slot.
 * claim (ARGV: 'claim', spacing): when now ≥ last + spacing, last ← now and 0; else the ms still to wait.
 * Reserving orders the users; claiming guarantees the spacing even when a user of an earlier slot was late.
 */
const PACE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '-1e15')
local wait = 0
if ARGV[1] == 'reserve' then
  local delay = tonumber(ARGV[3])
  local slot = now + delay
  local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
  if nxt > slot then slot = nxt end
  redis.call('HSET', KEYS[1], 'next', string.format('%d', slot + spacing))
  if delay > 0 and now + delay - spacing > last then
    redis.call('HSET', KEYS[1], 'last', string.format('%d', now + delay - spacing))
  end
  wait = slot - now
elseif now >= last + spacing then
  redis.call('HSET', KEYS[1], 'last', string.format('%d', now))
else
  wait = last + spacing - now
end
local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
local horizon = math.max(nxt, last + spacing) - now
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(horizon, 0) + 60000))
return wait`;

export interface KvEntry {
  key: string;
  value: unknown;
  ttlSec: number;
}

const whole = (ms: number) => String(Math.max(0, Math.round(ms)));

const ttl = (sec: number) => {
  if (!Number.isInteger(sec) || sec <= 0)
    throw new Error(`a TTL must be a positive whole number of seconds, not ${sec}`);
  return sec;
};

export class Kv {
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  /** The Redis key of `key`. */
  key(key: string): string {
    return `${this.prefix}:${key}`;
  }

  /** The stored value; null when there is none or it is not JSON (a value of another writer: start afresh). */
  async getJson(key: string): Promise<unknown | null> {
    const raw = await this.redis.get(this.key(key));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return null;
    }
  }

  async setJson(key: string, value: unknown, ttlSec: number): Promise<void> {
    await this.redis.set(this.key(key), JSON.stringify(value), 'EX', ttl(ttlSec));
  }

  /** Several values in one MULTI: all are written or none. */
  async multiSetJson(entries: readonly KvEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const tx = this.redis.multi();
    for (const e of entries) tx.set(this.key(e.key), JSON.stringify(e.value), 'EX', ttl(e.ttlSec));
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (results === null || failed) throw new Error(`multi-set failed: ${failed?.[0]?.message ?? 'aborted'}`);
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  /** true the first time a key is marked within its TTL (SET NX EX): "have we seen this event?". */
  async once(key: string, ttlSec: number): Promise<boolean> {
    return (await this.redis.set(this.key(key), '1', 'EX', ttl(ttlSec), 'NX')) === 'OK';
  }

  /** Take a lock for ttlMs: its token, or null when someone else holds it. Release it with `unlock`. */
  async lock(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(this.key(key), token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return ok === 'OK' ? token : null;
  }

  /**
   * Hold a lock in the name of `owner` (a job id) for ttlMs: true when it was free or already the owner's
   * (a retried or taken-over job re-enters its own lock). Release it with `unlock(key, owner)`.
   */
  async hold(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(HOLD, 1, this.key(key), owner, Math.max(1, Math.round(ttlMs)))) === 1;
  }

  /**
   * Set a value only if the key has none (SET NX GET): null when this call set it, else the value that was
   * there (unchanged). Two writers racing for a key learn which came first.
   */
  async claim(key: string, value: string, ttlSec: number): Promise<string | null> {
    return (await this.redis.set(this.key(key), value, 'EX', ttl(ttlSec), 'NX', 'GET')) as string | null;
  }

  /** Release a lock if it is still ours (a lock that expired and was taken by another is left alone). */
  async unlock(key: string, token: string): Promise<boolean> {
    return (await this.redis.eval(UNLOCK, 1, this.key(key), token)) === 1;
  }

  /** Count an event in a fixed window: the count so far (the window starts at the first event). */
  async incrWindow(key: string, windowSec: number): Promise<number> {
    const k = this.key(key);
    const results = await this.redis.multi().incr(k).expire(k, ttl(windowSec), 'NX').exec();
    const [err, count] = results?.[0] ?? [new Error('aborted'), null];
    if (err) throw err;
    return Number(count);
  }

  /**
   * Reserve the next slot of a paced resource (a chat channel): the ms to wait for it. Slots are
   * `spacingMs` apart; `delayMs` pushes this slot (and so every later one) at least that far out and holds
   * every claim until then (a rate limit the platform announced).
   */
  async reserveSlot(key: string, spacingMs: number, delayMs = 0): Promise<number> {
    return Number(await this.redis.eval(PACE, 1, this.key(key), 'reserve', whole(spacingMs), whole(delayMs)));
  }

  /**
   * Claim the resource now: 0 when the last use started at least `spacingMs` ago (this use is recorded),
   * else the ms still to wait. Call it when a reserved slot has come, right before the use.
   */
  async claimSlot(key: string, spacingMs: number): Promise<number> {
    return Number(await this.redis.eval(PACE, 1, this.key(key), 'claim', whole(spacingMs)));
  }
}
