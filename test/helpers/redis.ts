/** The Redis the tests use (test/setup/redis.ts finds or starts one) and a key prefix per test file. */
import { randomBytes } from 'node:crypto';

export const REDIS_URL = process.env.INFRALENS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A BullMQ/Redis key prefix no other test file uses. */
export const testPrefix = (name: string) => `t-${name}-${randomBytes(4).toString('hex')}`;
