import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, parseRedisUrl, ping, reconnectDelay } from '../../jobs/queue/redis.ts';
import { ConfigError } from '../../tools/errors.ts';
import { freePort, REDIS_URL } from './helpers.ts';

describe('redis connection', () => {
  const opened: ReturnType<typeof connectRedis>[] = [];
  afterAll(() => {
    for (const r of opened) r.disconnect();
  });

  it('accepts redis:// and rediss:// URLs', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379').hostname).toBe('127.0.0.1');
    expect(parseRedisUrl('rediss://user:pw@cache.example:6380/2').protocol).toBe('rediss:');
  });

  it('refuses a malformed URL with a ConfigError naming REDIS_URL (and never the password)', () => {
    for (const bad of ['localhost:6379', 'http://127.0.0.1:6379', 'redis://h:1/x', 'not a url']) {
      expect(() => connectRedis(bad)).toThrow(ConfigError);
      expect(() => connectRedis(bad)).toThrow(/REDIS_URL/);
    }
    expect(() => parseRedisUrl('redis://:s3cret-pass@h:1/abc')).not.toThrow(/s3cret/);
    expect(() => parseRedisUrl('redis://:s3cret-pass@h:1/abc')).toThrow(ConfigError);
  });

  it('reconnects with a backoff capped at 2 s, forever', () => {
    expect(reconnectDelay(1)).toBe(100);
    expect(reconnectDelay(5)).toBe(500);
    expect(reconnectDelay(1000)).toBe(2000);
  });

  it('ping: true for a live Redis; false, without throwing, when nothing answers', async () => {
    const live = connectRedis(REDIS_URL, { name: 'test-ping' });
    opened.push(live);
    expect(await ping(live, 5_000)).toBe(true);
    const dead = connectRedis(`redis://127.0.0.1:${await freePort()}`);
    opened.push(dead);
    expect(await ping(dead, 300)).toBe(false);
  });
});
