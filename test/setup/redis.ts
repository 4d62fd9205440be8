/**
 * Vitest global setup: the tests use a real Redis. One answering on 127.0.0.1:6379 (CI starts one, the
 * project's machines have one) is used as it is; otherwise a throw-away `redis-server` is started on a
 * free port for the run and stopped after it. Tests read the URL from INFRALENS_TEST_REDIS_URL
 * (test/helpers/redis.ts) and keep their keys under a prefix of their own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, pong } from '../helpers/net.ts';

let child: ChildProcess | null = null;

export async function setup(): Promise<void> {
  if (process.env.INFRALENS_TEST_REDIS_URL) return;
  if (await pong(6379)) {
    process.env.INFRALENS_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
    return;
  }
  const port = await freePort();
  child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = new Promise<never>((_, reject) =>
    child!.once('error', (e) =>
      reject(
        new Error(
          `the tests need Redis: none answers on 127.0.0.1:6379 and redis-server could not start (${e.message}); install redis-server`,
        ),
      ),
    ),
  );
  for (let i = 0; i < 100; i++) {
    if (await Promise.race([pong(port), failed])) {
      process.env.INFRALENS_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the tests need Redis: redis-server did not answer within 5 s');
}

export async function teardown(): Promise<void> {
  child?.kill('SIGTERM');
}
