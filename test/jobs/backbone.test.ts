import { type Job, Queue, UnrecoverableError } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../jobs/log.ts';
import { Backbone } from '../../jobs/queue/backbone.ts';
import { jobId } from '../../jobs/queue/contracts.ts';
import { sendJob, turnJob } from './fixtures.ts';
import { dropPrefix, freePort, gate, plainRedis, REDIS_URL, uniquePrefix, waitFor } from './helpers.ts';

const redis = plainRedis();
const prefixes: string[] = [];
const open: Backbone[] = [];
const lines: string[] = [];
const log = createLogger({ level: 'debug', secrets: [], write: (l) => lines.push(l) });

async function backbone(): Promise<Backbone> {
  const prefix = uniquePrefix('bb');
  prefixes.push(prefix);
  const bb = await Backbone.open({ url: REDIS_URL, prefix, log });
  open.push(bb);
  return bb;
}

/** A job's state as Redis has it (read with a queue of the test's own, so it works after close). */
async function stateOf(bb: Backbone, queue: 'turns' | 'send', id: string) {
  const q = new Queue(queue, { connection: redis, prefix: bb.prefix });
  try {
    const job = await q.getJob(id);
    return job ? { state: await job.getState(), attemptsMade: job.attemptsMade, job } : null;
  } finally {
    await q.close();
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close(0)));
});

afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await redis.quit();
});

describe('Backbone', () => {
  it('adds a turn once per id: a redelivered event adds nothing', async () => {
    const bb = await backbone();
    const id = jobId('slack', 'Ev0123ABC');
    expect(await bb.enqueueTurn(turnJob(), id)).toEqual({ added: true });
    expect(await bb.enqueueTurn(turnJob('another text'), id)).toEqual({ added: false });
    expect((await bb.depth()).turns.waiting).toBe(1);
    const stored = await bb.queues.turns.getJob(id);
    expect(stored?.data.text).toBe('why is GPU 3 slow?');
  });

  it('concurrent adds of one id: one job, exactly one caller told it added it', async () => {
    const bb = await backbone();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => bb.enqueueTurn(turnJob(), 'ev-concurrent')),
    );
    expect(results.filter((r) => r.added)).toHaveLength(1);
    expect((await bb.depth()).turns.waiting).toBe(1);
  });

  it('refuses ids BullMQ cannot take and payloads that break the contract', async () => {
    const bb = await backbone();
    await expect(bb.enqueueTurn(turnJob(), 'a:b')).rejects.toThrow(/job id/);
    await expect(bb.enqueueTurn(turnJob(), '12345')).rejects.toThrow(/job id/);
    await expect(bb.enqueueSend({ ...sendJob(['x']), messages: [] }, 'send-1')).rejects.toThrow();
    expect(await bb.enqueueSend(sendJob(['x']), 'send-1')).toEqual({ added: true });
    expect(await bb.enqueueSend(sendJob(['x']), 'send-1')).toEqual({ added: false });
  });

  it('retries a turn whose processor threw, and logs the failure without the job data', async () => {
    const bb = await backbone();
    let calls = 0;
    bb.startWorkers({
      turn: async (job: Job) => {
        calls++;
        if (job.attemptsMade === 0) throw new Error('model unavailable');
        return 'answered';
      },
    });
    await bb.enqueueTurn(turnJob('secret question text'), 'ev-retry');
    const done = await waitFor('the retried job', async () => {
      const s = await stateOf(bb, 'turns', 'ev-retry');
      // the job and its state are read in two calls: wait until the job's record shows the result too
      return s?.state === 'completed' && s.job.returnvalue !== null ? s : null;
    });
    // the worker's own 'completed' comes just after Redis has the result
    await waitFor('the completed event', () => bb.stats.completed.turns === 1);
    expect(calls).toBe(2);
    expect(done.job.attemptsStarted).toBe(2);
    expect(done.job.returnvalue).toBe('answered');
    expect(bb.stats.failed.turns).toBe(1);
    expect(bb.stats.completed.turns).toBe(1);
    expect(bb.stats.durationsMs.turns).toHaveLength(1);
    const failure = lines.find((l) => l.includes('model unavailable'));
    expect(failure).toBeDefined();
    expect(JSON.parse(failure!)).toMatchObject({
      level: 'warn',
      queue: 'turns',
      job: 'ev-retry',
      attempt: 1,
    });
    expect(lines.join('\n')).not.toContain('secret question text');
  });

  it('does not retry an UnrecoverableError', async () => {
    const bb = await backbone();
    let calls = 0;
    const events: string[] = [];
    bb.onEvent((e) => events.push(`${e.kind}:${e.kind === 'failed' ? e.final : ''}`));
    bb.startWorkers({
      turn: async () => {
        calls++;
        throw new UnrecoverableError('invalid turn job: text: too long');
      },
    });
    await bb.enqueueTurn(turnJob(), 'ev-unrecoverable');
    const s = await waitFor('the failed job', async () => {
      const x = await stateOf(bb, 'turns', 'ev-unrecoverable');
      // the state and the job are read in two calls: wait until both show the failure
      return x?.state === 'failed' && x.job.failedReason ? x : null;
    });
    expect(s.job.failedReason).toBe('invalid turn job: text: too long');
    expect(s.attemptsMade).toBe(1);
    // a retry would come after the 2 s backoff: give it the chance to (wrongly) happen
    await new Promise((r) => setTimeout(r, 2500));
    expect(calls).toBe(1);
    expect(events).toEqual(['failed:true']);
    expect((await bb.depth()).turns).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
  });

  it('close() lets a running job finish before it returns', async () => {
    const bb = await backbone();
    const hold = gate();
    let started = false;
    bb.startWorkers({
      turn: async () => {
        started = true;
        await hold.promise;
        return 'finished';
      },
    });
    await bb.enqueueTurn(turnJob(), 'ev-close');
    await waitFor('the job to start', () => started);
    let closed = false;
    const closing = bb.close(10_000).then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    hold.open();
    await closing;
    expect((await stateOf(bb, 'turns', 'ev-close'))?.state).toBe('completed');
    // idempotent, and the backbone takes nothing more
    await bb.close();
    expect(await bb.ready()).toBe(false);
    await expect(bb.enqueueTurn(turnJob(), 'ev-after')).rejects.toThrow(/closed/);
  });

  it('close() abandons a job still running after the grace period (aborting it; it stays to be retried)', async () => {
    const bb = await backbone();
    let signal: AbortSignal | undefined;
    bb.startWorkers({
      turn: (_job: Job, _token?: string, s?: AbortSignal) => {
        signal = s;
        return new Promise(() => {});
      },
    });
    await bb.enqueueTurn(turnJob(), 'ev-stuck');
    await waitFor('the job to start', () => signal);
    await bb.close(200);
    expect(signal?.aborted).toBe(true);
    expect((await stateOf(bb, 'turns', 'ev-stuck'))?.state).toBe('active');
  });

  it('reports depth per queue and readiness', async () => {
    const bb = await backbone();
    await bb.enqueueTurn(turnJob(), 'ev-d1');
    await bb.enqueueTurn(turnJob(), 'ev-d2');
    await bb.enqueueSend(sendJob(['hello']), 'send-d1');
    expect(await bb.depth()).toEqual({
      turns: { waiting: 2, active: 0, delayed: 0, failed: 0 },
      tools: { waiting: 0, active: 0, delayed: 0, failed: 0 },
      send: { waiting: 1, active: 0, delayed: 0, failed: 0 },
    });
    expect(await bb.ready()).toBe(true);
  });

  it('open() gives up, with the reason, when Redis does not answer', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(
      Backbone.open({ url, prefix: uniquePrefix('dead'), log, readyTimeoutMs: 500 }),
    ).rejects.toThrow(/did not answer within 500 ms/);
    await expect(Backbone.open({ url: 'http://x', log })).rejects.toThrow(/REDIS_URL/);
  });
});
