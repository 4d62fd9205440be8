import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { Backbone, type BackboneEvent } from '../../jobs/queue/backbone.ts';
import type { Destination, OutMessage } from '../../jobs/queue/contracts.ts';
import { PermanentSendError, RateLimited, sendProcessor, type Transport } from '../../jobs/queue/outbox.ts';
import { sendJob } from './fixtures.ts';
import { dropPrefix, plainRedis, REDIS_URL, uniquePrefix, waitFor } from './helpers.ts';

const redis = plainRedis();
const prefixes: string[] = [];
const open: Backbone[] = [];

interface Delivery {
  channel: string;
  text: string;
  index: number;
  at: number;
  ok: boolean;
}

/** A chat surface that records every delivery; `fail` decides, per attempt, whether it throws. */
class RecordingTransport implements Transport {
  readonly log: Delivery[] = [];
  constructor(private readonly fail: (d: Delivery, attempt: number) => Error | null = () => null) {}

  async deliver(to: Destination, msg: OutMessage, index: number): Promise<void> {
    const d: Delivery = {
      channel: to.channel,
      text: msg.kind === 'message' ? msg.text : msg.filename,
      index,
      at: Date.now(),
      ok: true,
    };
    const attempt = this.log.filter((x) => x.channel === d.channel && x.text === d.text).length;
    const e = this.fail(d, attempt);
    d.ok = e === null;
    this.log.push(d);
    if (e) throw e;
  }

  delivered(channel?: string): string[] {
    return this.log
      .filter((d) => d.ok && (channel === undefined || d.channel === channel))
      .map((d) => d.text);
  }
}

async function setup(transport: Transport, opts: { spacingMs?: number; maxWaits?: number } = {}) {
  const prefix = uniquePrefix('send');
  prefixes.push(prefix);
  const bb = await Backbone.open({ url: REDIS_URL, prefix, log: silentLogger });
  open.push(bb);
  const events: BackboneEvent[] = [];
  bb.onEvent((e) => events.push(e));
  bb.startWorkers(
    {
      send: sendProcessor({
        kv: bb.kv,
        transports: { slack: transport },
        log: silentLogger,
        spacingMs: 50,
        ...opts,
      }),
    },
    { send: 4 },
  );
  const finished = (n = 1) =>
    waitFor(
      `${n} send job(s) to finish`,
      () => events.filter((e) => e.kind === 'completed' || (e.kind === 'failed' && e.final)).length >= n,
      15_000,
    );
  return { bb, events, finished };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close(0)));
});

afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await redis.quit();
});

describe('outbox', () => {
  it('delivers the messages of a reply in order, each once, with their index', async () => {
    const t = new RecordingTransport();
    const { bb, finished } = await setup(t);
    await bb.enqueueSend(sendJob(['one', 'two', 'three', 'four']), 'send-order');
    await finished();
    expect(t.log.map((d) => [d.text, d.index])).toEqual([
      ['one', 0],
      ['two', 1],
      ['three', 2],
      ['four', 3],
    ]);
    const job = await bb.queues.send.getJob('send-order');
    expect(job?.returnvalue).toEqual({ delivered: 4 });
    expect(job?.data.done).toBe(4);
  });

  it('a failure in the middle: the retry resumes after the delivered messages (nothing twice)', async () => {
    const t = new RecordingTransport((d, attempt) =>
      d.text === 'three' && attempt === 0 ? new Error('socket hang up') : null,
    );
    const { bb, finished } = await setup(t);
    await bb.enqueueSend(sendJob(['one', 'two', 'three', 'four']), 'send-resume');
    await finished();
    expect(t.log.map((d) => `${d.text}${d.ok ? '' : '!'}`)).toEqual([
      'one',
      'two',
      'three!',
      'three',
      'four',
    ]);
    const job = await bb.queues.send.getJob('send-resume');
    expect(job?.attemptsStarted).toBe(2);
    expect(job?.returnvalue).toEqual({ delivered: 2 });
  });

  it('a job that already delivered some messages starts after them', async () => {
    const t = new RecordingTransport();
    const { bb, finished } = await setup(t);
    await bb.enqueueSend(sendJob(['one', 'two', 'three'], 'C1', 2), 'send-done');
    await finished();
    expect(t.delivered()).toEqual(['three']);
  });

  it('RateLimited: waits as told and sends the same message again, within the same attempt', async () => {
    const t = new RecordingTransport((d, attempt) =>
      d.text === 'two' && attempt < 2 ? new RateLimited(300) : null,
    );
    const { bb, finished } = await setup(t);
    await bb.enqueueSend(sendJob(['one', 'two', 'three']), 'send-rl');
    await finished();
    expect(t.log.map((d) => `${d.text}${d.ok ? '' : '!'}`)).toEqual(['one', 'two!', 'two!', 'two', 'three']);
    const [, first, second, ok] = t.log;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(290);
    expect(ok!.at - second!.at).toBeGreaterThanOrEqual(290);
    expect((await bb.queues.send.getJob('send-rl'))?.attemptsStarted).toBe(1);
  });

  it('too many rate-limit answers: the attempt fails (to be retried later), having waited maxWaits times', async () => {
    const t = new RecordingTransport((d) => (d.text === 'two' ? new RateLimited(10) : null));
    const { bb, events } = await setup(t, { maxWaits: 2 });
    await bb.enqueueSend(sendJob(['one', 'two']), 'send-rl-max');
    const failed = await waitFor('a failed attempt', () => events.find((e) => e.kind === 'failed'));
    expect(failed).toMatchObject({
      final: false,
      reason: expect.stringMatching(/still rate limited after 2 waits/),
    });
    expect(t.log.slice(0, 4).map((d) => `${d.text}${d.ok ? '' : '!'}`)).toEqual([
      'one',
      'two!',
      'two!',
      'two!',
    ]);
  });

  it('PermanentSendError: the job fails at once, not retried, later messages not sent', async () => {
    const t = new RecordingTransport((d) =>
      d.text === 'two' ? new PermanentSendError('channel_not_found') : null,
    );
    const { bb, events, finished } = await setup(t);
    await bb.enqueueSend(sendJob(['one', 'two', 'three']), 'send-perm');
    await finished();
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'failed',
        final: true,
        reason: 'message 2 of 3 cannot be delivered: channel_not_found',
      }),
    ]);
    expect(t.log.map((d) => `${d.text}${d.ok ? '' : '!'}`)).toEqual(['one', 'two!']);
    expect((await bb.queues.send.getJob('send-perm'))?.attemptsMade).toBe(1);
  });

  it('a surface without a transport fails at once', async () => {
    const { bb, events, finished } = await setup(new RecordingTransport());
    await bb.enqueueSend(
      { ...sendJob(['x']), to: { surface: 'teams', channel: 'T', thread: null } },
      'send-teams',
    );
    await finished();
    expect(events[0]).toMatchObject({
      kind: 'failed',
      final: true,
      reason: 'no transport for teams in this worker',
    });
  });

  it('two jobs for one channel keep the spacing between all their messages; another channel does not wait', async () => {
    const t = new RecordingTransport();
    const spacingMs = 500;
    const { bb, finished } = await setup(t, { spacingMs });
    await Promise.all([
      bb.enqueueSend(sendJob(['a1', 'a2'], 'CSAME'), 'send-a'),
      bb.enqueueSend(sendJob(['b1', 'b2'], 'CSAME'), 'send-b'),
      bb.enqueueSend(sendJob(['other'], 'COTHER'), 'send-other'),
    ]);
    await finished(3);
    const same = t.log.filter((d) => d.channel === 'CSAME');
    expect(same).toHaveLength(4);
    // each job's own messages in order
    const texts = same.map((d) => d.text);
    expect(texts.indexOf('a1')).toBeLessThan(texts.indexOf('a2'));
    expect(texts.indexOf('b1')).toBeLessThan(texts.indexOf('b2'));
    // the spacing (a lower bound, less a margin for the time between Redis's clock and the call)
    for (let i = 1; i < same.length; i++)
      expect(same[i]!.at - same[i - 1]!.at).toBeGreaterThanOrEqual(spacingMs - 100);
    // the other channel was not queued behind them
    const other = t.log.find((d) => d.channel === 'COTHER')!;
    expect(other.at).toBeLessThan(same[2]!.at);
  });
});
