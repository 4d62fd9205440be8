/**
 * The fleet's small keyed state in Redis (alert cooldowns, active alerts, per-host locks): every key is
 * `<prefix>:<key>`, every value has a TTL. Only SET [NX] PX, GET, DEL and a compare-and-delete.
 */
import type { Redis } from 'ioredis';
import type { FleetState } from './types.ts';

const DEL_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

const ms = (n: number) => Math.max(1, Math.round(n));

export class RedisFleetState implements FleetState {
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  private key(k: string): string {
    return `${this.prefix}:${k}`;
  }

  async setOnce(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(key), value, 'PX', ms(ttlMs), 'NX')) === 'OK';
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(key), value, 'PX', ms(ttlMs));
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  async delIf(key: string, value: string): Promise<boolean> {
    return (await this.redis.eval(DEL_IF, 1, this.key(key), value)) === 1;
  }
}
