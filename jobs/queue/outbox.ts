/**
 * The outbox: delivering the messages of one reply (a send job) in order, paced per channel. Chat
 * platforms limit posts per channel (Slack: about one a second), so before each message the job reserves
 * the channel's next slot in Redis (shared by every worker), waits for it and claims it; messages to
 * different channels do not wait for each other. After each delivered message the job records how many
 * are done, so a retried or stalled-and-resumed job continues after them instead of posting them again.
 *
 * A surface's Transport reports what happened: `RateLimited` (wait as told, push the channel's slots for
 * everyone, send the same message again), `PermanentSendError` (the message can never be delivered: the
 * job fails at once, no retries), anything else (the job retries with backoff and resumes).
 */
import { type Job, type Processor, UnrecoverableError } from 'bullmq';
import type { Logger } from '../log.ts';
import { type Destination, type OutMessage, SendJob } from './contracts.ts';
import type { Kv } from './kv.ts';

/** One surface's delivery of one message (index: its place in the reply, 0 first). */
export interface Transport {
  deliver(to: Destination, msg: OutMessage, index: number, receivedAt?: number): Promise<void>;
}

/** The platform asked to wait before the next post. */
export class RateLimited extends Error {
  override name = 'RateLimited';
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited: retry after ${retryAfterMs} ms`,
  ) {
    super(message);
  }
}

/** The message can never be delivered (channel gone, bot removed, message invalid): do not retry. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

export interface SendProcessorDeps {
  kv: Kv;
  transports: Partial<Record<Destination['surface'], Transport>>;
  /** the least time between two messages of one channel (ms). */
  spacingMs?: number;
  /** rate-limit answers one run of a job waits out before giving up (the job then retries later). */
  maxWaits?: number;
  log: Logger;
  /** waiting (tests may record it); aborted by the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const SEND_SPACING_MS = 1_100;
export const MAX_RATE_LIMIT_WAITS = 20;

/** The Kv key of a channel's pacing. */
export const paceKey = (to: Destination) => `pace-${to.surface}-${to.channel}`;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('send interrupted (worker shutting down)'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('send interrupted (worker shutting down)'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The send queue's processor: `{ delivered }`, the messages this run delivered. */
export function sendProcessor(deps: SendProcessorDeps): Processor<SendJob, { delivered: number }> {
  const spacing = deps.spacingMs ?? SEND_SPACING_MS;
  const maxWaits = deps.maxWaits ?? MAX_RATE_LIMIT_WAITS;
  const sleep = deps.sleep ?? abortableSleep;
  const log = deps.log.child({ queue: 'send' });

  return async (job: Job<SendJob>, _token?: string, signal?: AbortSignal) => {
    const parsed = SendJob.safeParse(job.data);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ');
      throw new UnrecoverableError(`invalid send job: ${why}`);
    }
    const data = parsed.data;
    const transport = deps.transports[data.to.surface];
    if (!transport) throw new UnrecoverableError(`no transport for ${data.to.surface} in this worker`);
    const key = paceKey(data.to);
    const total = data.messages.length;
    const start = data.done;
    let done = start;
    let waits = 0;
    let delay = 0;
    while (done < total) {
      // take the channel's next slot, wait for it, then claim it (an earlier slot's sender may be late)
      let wait = await deps.kv.reserveSlot(key, spacing, delay);
      delay = 0;
      for (;;) {
        if (wait > 0) await sleep(wait, signal);
        wait = await deps.kv.claimSlot(key, spacing);
        if (wait === 0) break;
      }
      try {
        await transport.deliver(data.to, data.messages[done]!, done, data.receivedAt);
      } catch (e) {
        if (e instanceof RateLimited) {
          waits++;
          if (waits > maxWaits)
            throw new Error(`still rate limited after ${maxWaits} waits (message ${done + 1} of ${total})`);
          delay = Math.max(0, e.retryAfterMs);
          log.info('send: rate limited, waiting', { job: job.id, message: done + 1, retryAfterMs: delay });
          continue;
        }
        if (e instanceof PermanentSendError)
          throw new UnrecoverableError(`message ${done + 1} of ${total} cannot be delivered: ${e.message}`);
        throw e;
      }
      done++;
      // recorded before the next message: a retry or a stalled job resumes after it
      await job.updateData({ ...data, done });
    }
    return { delivered: done - start };
  };
}
