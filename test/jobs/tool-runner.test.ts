import { type Job, Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { Backbone } from '../../jobs/queue/backbone.ts';
import { QueueToolRunner, toolProcessor } from '../../jobs/queue/tool-runner.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import { Session } from '../../tools/agent/session.ts';
import type { Services, ToolContext, ToolOutcome } from '../../tools/agent/types.ts';
import { scenarioFiles } from '../../tools/scenarios.ts';
import { dropPrefix, plainRedis, REDIS_URL, uniquePrefix, waitFor } from './helpers.ts';

const redis = plainRedis();
const prefixes: string[] = [];
const open: Backbone[] = [];
// a fixed date: the PDF is deterministic for the same analysis and date
const services: Services = { renderReport: renderPdf, now: () => new Date('2026-03-02T09:00:00Z') };
const files = scenarioFiles('h200');

async function backbone(
  prefix: string,
  worker?: Parameters<typeof Backbone.open>[0]['worker'],
): Promise<Backbone> {
  const bb = await Backbone.open({
    url: REDIS_URL,
    prefix,
    log: silentLogger,
    ...(worker ? { worker } : {}),
  });
  open.push(bb);
  return bb;
}

/** A backbone with a tools worker (the real processor) and a runner on it. */
async function setup(timeoutMs = 30_000) {
  const prefix = uniquePrefix('tools');
  prefixes.push(prefix);
  const bb = await backbone(prefix);
  bb.startWorkers({ tool: toolProcessor({ services, blobs: bb.blobs, log: silentLogger }) });
  const runner = new QueueToolRunner({ backbone: bb, conversationId: 'slack-T1-C1-1.2', timeoutMs });
  return { bb, runner, prefix };
}

const ctx = (session = new Session(files), signal = new AbortController().signal): ToolContext => ({
  session,
  services,
  signal,
});

/** An outcome without its timing (the queue adds its own). */
const timeless = (o: ToolOutcome) => ({ ...o, ms: 0 });

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close(0)));
});

afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await redis.quit();
});

describe('QueueToolRunner and the tools worker', () => {
  it('compute_score through the queue equals the in-process LocalRunner', async () => {
    const { runner } = await setup();
    const input = { host: 'gpu-node-01' };
    const local = await new LocalRunner(30_000).run('compute_score', input, ctx());
    expect(local.status).toBe('success');
    const queued = await runner.run('compute_score', input, ctx());
    expect(timeless(queued)).toEqual(timeless(local));
    // a follow-up on the same session (inputs shipped once, the worker's Session reused) answers the same
    expect(timeless(await runner.run('compute_score', input, ctx()))).toEqual(timeless(local));
  });

  it('findings pass through as data', async () => {
    const { runner } = await setup();
    const c = ctx();
    const local = await new LocalRunner(30_000).run('find_bottlenecks', { host: 'gpu-node-01' }, c);
    const queued = await runner.run('find_bottlenecks', { host: 'gpu-node-01' }, c);
    expect(queued.status).toBe('success');
    expect(timeless(queued)).toEqual(timeless(local));
    if (queued.status === 'success') expect(queued.findings.length).toBeGreaterThan(0);
  });

  it('create_report: the PDF attachment arrives with its bytes intact', async () => {
    const { runner } = await setup();
    const input = { lang: 'en', host: 'gpu-node-01' };
    const local = await new LocalRunner(30_000).run('create_report', input, ctx());
    const queued = await runner.run('create_report', input, ctx());
    if (queued.status !== 'success' || local.status !== 'success') throw new Error(JSON.stringify(queued));
    expect(queued.attachments).toHaveLength(1);
    const [pdf] = queued.attachments;
    expect(pdf!.bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(pdf!.bytes.subarray(0, 5))).toBe('%PDF-');
    expect(Buffer.from(pdf!.bytes).equals(Buffer.from(local.attachments[0]!.bytes))).toBe(true);
    expect(timeless(queued)).toEqual(timeless(local));
  });

  it("a tool's own failures come back as error outcomes, as in-process", async () => {
    const { runner } = await setup();
    for (const [name, input] of [
      ['no_such_tool', {}],
      ['compute_score', { host: 'not-a-host' }],
      ['compute_score', { host: 42 }],
    ] as const) {
      const local = await new LocalRunner(30_000).run(name, input, ctx());
      expect(local.status).toBe('error');
      expect(timeless(await runner.run(name, input, ctx()))).toEqual(timeless(local));
    }
    // no inputs at all: the session has nothing to read
    const none = await runner.run('list_hosts', {}, ctx(new Session([])));
    expect(none).toMatchObject({ status: 'error', error: expect.stringMatching(/no host data/) });
  });

  it('no tools worker: an error outcome naming the tool after the wait, never a throw', async () => {
    const prefix = uniquePrefix('tools-none');
    prefixes.push(prefix);
    const bb = await backbone(prefix);
    const runner = new QueueToolRunner({ backbone: bb, conversationId: 'c', timeoutMs: 200, marginMs: 300 });
    expect(await runner.run('compute_score', {}, ctx())).toMatchObject({
      status: 'error',
      error: 'compute_score could not run: no tools worker answered in time',
    });
  });

  it('an aborted turn stops waiting at once', async () => {
    const prefix = uniquePrefix('tools-abort');
    prefixes.push(prefix);
    const bb = await backbone(prefix);
    const runner = new QueueToolRunner({ backbone: bb, conversationId: 'c', timeoutMs: 60_000 });
    const ac = new AbortController();
    const pending = runner.run('compute_score', {}, ctx(new Session(files), ac.signal));
    setTimeout(() => ac.abort(), 100);
    expect(await pending).toMatchObject({
      status: 'error',
      error: 'compute_score could not run: the turn was cancelled',
    });
    ac.abort();
    expect(await runner.run('list_hosts', {}, ctx(new Session(files), ac.signal))).toMatchObject({
      status: 'error',
      error: /cancelled/,
    });
  });

  it('Redis trouble (a closed backbone) is an error outcome', async () => {
    const { bb, runner } = await setup();
    await bb.close(0);
    expect(await runner.run('list_hosts', {}, ctx())).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/^list_hosts could not run: /),
    });
  });

  it('an invalid tool job fails at once and is not retried', async () => {
    const { bb } = await setup();
    const q = new Queue('tools', { connection: redis, prefix: bb.prefix });
    try {
      // Subscribe before adding: QueueEvents reads the stream from its end, so a job that fails before
      // the subscription is read would never be seen to finish.
      const events = await bb.toolEventsReady();
      const bad = await q.add('tool', { name: '', inputs: 'nope' });
      await expect(bad.waitUntilFinished(events, 10_000)).rejects.toThrow(/invalid tool job/);
      expect((await q.getJob(bad.id!))?.attemptsMade).toBe(1);
    } finally {
      await q.close();
    }
  });

  it('an input that expired from the store is an error outcome naming the file', async () => {
    const { bb } = await setup();
    const events = await bb.toolEventsReady();
    const refs = await bb.blobs.putFiles([files[0]!, { name: 'extra.txt', content: 'x' }]);
    await redis.del(`${bb.prefix}:blob:${refs[0]!.sha256}`);
    const job = await bb.enqueueTool({
      name: 'list_hosts',
      input: {},
      inputs: refs,
      conversationId: 'c',
      timeoutMs: 10_000,
    });
    expect(await job.waitUntilFinished(events, 10_000)).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/^list_hosts could not run: h200\/bundle\.txt expired from the store/),
    });
  });

  it('a tools worker that dies mid-job: another worker takes the stalled job over and the caller gets the answer', async () => {
    const prefix = uniquePrefix('tools-stall');
    prefixes.push(prefix);
    const fast = { lockDurationMs: 1_000, stalledIntervalMs: 300 };
    const bot = await backbone(prefix, fast);
    const first = await backbone(prefix, fast);
    let taken: Job | null = null;
    first.startWorkers({
      tool: async (job: Job, _t?: string, _s?: AbortSignal) => {
        taken = job;
        return new Promise(() => {}); // never answers: the process "dies" below
      },
    });
    const runner = new QueueToolRunner({ backbone: bot, conversationId: 'c', timeoutMs: 15_000 });
    const answer = runner.run('compute_score', { host: 'gpu-node-01' }, ctx());
    await waitFor('the first worker to take the job', () => taken);
    await first.close(0); // gone: no more lock renewals
    const second = await backbone(prefix, fast);
    second.startWorkers({ tool: toolProcessor({ services, blobs: second.blobs, log: silentLogger }) });
    const local = await new LocalRunner(30_000).run('compute_score', { host: 'gpu-node-01' }, ctx());
    expect(timeless(await answer)).toEqual(timeless(local));
    expect((await bot.queues.tools.getJob(String((taken as Job | null)?.id)))?.attemptsStarted).toBe(2);
  });
});
