import { afterAll, describe, expect, it } from 'vitest';
import { Kv } from '../../jobs/queue/kv.ts';
import { dropPrefix, plainRedis, uniquePrefix } from './helpers.ts';

const redis = plainRedis();
const prefix = uniquePrefix('kv');
const kv = new Kv(redis, prefix);

afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe('Kv', () => {
  it('stores JSON under the prefix with a TTL', async () => {
    await kv.setJson('a', { x: [1, 'two'] }, 60);
    expect(await kv.getJson('a')).toEqual({ x: [1, 'two'] });
    const ttl = await redis.ttl(`${prefix}:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await kv.del('a');
    expect(await kv.getJson('a')).toBeNull();
  });

  it('reads a value that is not JSON as nothing', async () => {
    await redis.set(`${prefix}:junk`, '{not json', 'EX', 60);
    expect(await kv.getJson('junk')).toBeNull();
  });

  it('refuses a TTL that is not whole seconds', async () => {
    await expect(kv.setJson('b', 1, 0)).rejects.toThrow(/TTL/);
    await expect(kv.setJson('b', 1, 1.5)).rejects.toThrow(/TTL/);
  });

  it('once: true the first time only, also under concurrency', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => kv.once('evt-1', 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await kv.once('evt-1', 60)).toBe(false);
    expect(await kv.once('evt-2', 60)).toBe(true);
  });

  it('lock: one holder at a time; unlock only with the holder token', async () => {
    const token = await kv.lock('conv', 10_000);
    expect(token).toEqual(expect.any(String));
    expect(await kv.lock('conv', 10_000)).toBeNull();
    expect(await kv.unlock('conv', 'not-the-token')).toBe(false);
    expect(await kv.lock('conv', 10_000)).toBeNull();
    expect(await kv.unlock('conv', token!)).toBe(true);
    const again = await kv.lock('conv', 10_000);
    expect(again).not.toBeNull();
    expect(again).not.toBe(token);
  });

  it('a lock lapses after its TTL, and the old holder cannot release the new one', async () => {
    const first = await kv.lock('short', 50);
    await new Promise((r) => setTimeout(r, 120));
    const second = await kv.lock('short', 10_000);
    expect(second).not.toBeNull();
    expect(await kv.unlock('short', first!)).toBe(false);
    expect(await kv.unlock('short', second!)).toBe(true);
  });

  it('hold: a lock in the name of an owner (a job id) that the same owner re-enters', async () => {
    expect(await kv.hold('conv-held', 'job-1', 10_000)).toBe(true);
    expect(await kv.hold('conv-held', 'job-1', 10_000)).toBe(true);
    expect(await kv.hold('conv-held', 'job-2', 10_000)).toBe(false);
    expect(await kv.unlock('conv-held', 'job-2')).toBe(false);
    expect(await kv.unlock('conv-held', 'job-1')).toBe(true);
    expect(await kv.hold('conv-held', 'job-2', 10_000)).toBe(true);
  });

  it('multiSetJson writes every entry in one transaction, each with its TTL', async () => {
    await kv.multiSetJson([
      { key: 'state', value: { turn: 3 }, ttlSec: 100 },
      { key: 'reply', value: ['hello'], ttlSec: 50 },
    ]);
    expect(await kv.getJson('state')).toEqual({ turn: 3 });
    expect(await kv.getJson('reply')).toEqual(['hello']);
    expect(await redis.ttl(`${prefix}:reply`)).toBeLessThanOrEqual(50);
    await kv.multiSetJson([]);
    await expect(kv.multiSetJson([{ key: 'x', value: 1, ttlSec: -1 }])).rejects.toThrow(/TTL/);
  });

  it('incrWindow counts within a window whose expiry is set once', async () => {
    expect(await kv.incrWindow('rl', 30)).toBe(1);
    expect(await kv.incrWindow('rl', 30)).toBe(2);
    expect(await Promise.all([kv.incrWindow('rl', 30), kv.incrWindow('rl', 30)])).toEqual(
      expect.arrayContaining([3, 4]),
    );
    const ttl = await redis.ttl(`${prefix}:rl`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('reserveSlot hands out slots spacing apart; a delay pushes every later slot and holds claims', async () => {
    // lower bounds that hold however slow the machine: slot i is i spacings after the first call
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const wait = await kv.reserveSlot('pace', 1000);
      expect(wait).toBeLessThanOrEqual(i * 1000);
      expect(wait).toBeGreaterThanOrEqual(i * 1000 - (Date.now() - t0) - 2);
    }
    const t1 = Date.now();
    expect(await kv.claimSlot('pace-2', 1000)).toBe(0);
    const w = await kv.claimSlot('pace-2', 1000);
    expect(w).toBeLessThanOrEqual(1000);
    expect(w).toBeGreaterThanOrEqual(1000 - (Date.now() - t1) - 2);
    // a rate limit: the slot is the delay away, claims wait for it, and so do later slots
    expect(await kv.reserveSlot('pace-3', 100, 5000)).toBe(5000);
    expect(await kv.claimSlot('pace-3', 100)).toBeGreaterThan(4000);
    expect(await kv.reserveSlot('pace-3', 100)).toBeGreaterThan(4000);
  });
});
