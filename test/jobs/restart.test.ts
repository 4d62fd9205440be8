/**
 * Redis restarted while a job runs (a private redis-server with AOF, stopped with SIGTERM and started
 * again on the same port and data directory): the connections reconnect, the running job's result is
 * stored once Redis is back, and it runs exactly once; a turn added during the outage is added then.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { Backbone } from '../../jobs/queue/backbone.ts';
import { turnJob } from './fixtures.ts';
import { freePort, gate, PrivateRedis, plainRedis, waitFor } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'infralens-redis-'));
let server: PrivateRedis | null = null;
let bb: Backbone | null = null;

afterAll(async () => {
  await bb?.close(0);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis restart', () => {
  it('a job running across a Redis restart completes exactly once', async () => {
    server = new PrivateRedis(await freePort(), dir);
    await server.start();
    bb = await Backbone.open({ url: server.url, prefix: 'restart', log: silentLogger });
    const hold = gate();
    const calls: string[] = [];
    bb.startWorkers({
      turn: async (job) => {
        calls.push(String(job.id));
        if (job.id === 'ev-running') await hold.promise;
        return `answered ${job.id}`;
      },
    });
    expect((await bb.enqueueTurn(turnJob(), 'ev-running')).added).toBe(true);
    await waitFor('the job to start', () => calls.length === 1);

    await server.stop();
    expect(await bb.ready(300)).toBe(false);
    // the job finishes while Redis is down, and a new turn arrives
    hold.open();
    const during = bb.enqueueTurn(turnJob('asked during the outage'), 'ev-during');
    await new Promise((r) => setTimeout(r, 500));
    await server.start();

    expect(await during).toEqual({ added: true });
    const check = plainRedis(server.url);
    const q = new Queue('turns', { connection: check, prefix: 'restart' });
    try {
      const states = await waitFor(
        'both jobs to complete',
        async () => {
          const [a, b] = await Promise.all([q.getJob('ev-running'), q.getJob('ev-during')]);
          const s = [await a?.getState(), await b?.getState()];
          return s[0] === 'completed' && s[1] === 'completed' ? [a!, b!] : null;
        },
        15_000,
      );
      expect(states.map((j) => j.returnvalue)).toEqual(['answered ev-running', 'answered ev-during']);
      expect(states.map((j) => j.attemptsStarted)).toEqual([1, 1]);
      expect(calls.sort()).toEqual(['ev-during', 'ev-running']);
      // the worker's own 'completed' comes just after Redis has the result
      await waitFor('the completed events', () => bb!.stats.completed.turns === 2);
      expect(bb.stats.failed.turns).toBe(0);
      expect(await bb.ready()).toBe(true);
    } finally {
      await q.close();
      await check.quit();
    }
  }, 40_000);
});
