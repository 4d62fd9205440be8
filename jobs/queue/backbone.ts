/**
 * The jobs backbone: the three BullMQ queues of contracts.ts (turns, tools, send) with their retry policy,
 * the workers of this process, the keyed state (Kv) and the blob store, on one Redis. The bot adds turn
 * jobs under ids derived from the platform's event ids (a redelivered event adds nothing); any number of
 * processes on the same Redis take the work. Workers lock a job while they run it; a process that dies
 * leaves a stalled job that another worker takes over (at most `maxStalledCount` times).
 *
 * Shutdown is graceful: `close(graceMs)` stops fetching, waits for running jobs up to graceMs, then
 * aborts the rest (their locks lapse and another worker retries them) and closes every connection.
 */
import {
  type Job,
  type JobsOptions,
  type Processor,
  Queue,
  QueueEvents,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '../log.ts';
import { BlobStore } from './blobs.ts';
import { QUEUES, SendJob, type ToolJob, TurnJob } from './contracts.ts';
import { Kv } from './kv.ts';
import { connectRedis, parseRedisUrl, ping, safeUrl } from './redis.ts';

export type QueueName = keyof typeof QUEUES;
export const QUEUE_NAMES: readonly QueueName[] = ['turns', 'tools', 'send'];

/** How long blobs (uploads, generated PDFs) are kept. */
export const BLOB_TTL_SEC = 7 * 86_400;
/** The most a step of close() waits for BullMQ (Redis unreachable: the connections are then dropped). */
const STEP_MS = 2_000;
/** How long the mark of an added id lasts (it only separates callers that add the same id together). */
const ADDED_MARK_SEC = 3_600;
/** The most durations kept per queue for the metrics. */
export const DURATION_RING = 1000;

/** Retry and retention per queue: turns and sends retry with backoff; a tool call is retried once. */
export const JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  turns: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: { age: 7 * 86_400 },
  },
  tools: { attempts: 2, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 86_400 } },
  send: {
    attempts: 6,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 7 * 86_400 },
  },
};

/** Lock and stall detection of the workers (tests shorten them). */
export interface WorkerTimings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}
export const WORKER_TIMINGS: WorkerTimings = {
  lockDurationMs: 60_000,
  stalledIntervalMs: 15_000,
  maxStalledCount: 2,
};

export interface BackboneOptions {
  url: string;
  /** the BullMQ prefix and the prefix of our own keys (default `infralens`). */
  prefix?: string;
  log: Logger;
  /** a new connection for each user (`main`, `worker-turns`, `events-tools`, …); connectRedis by default. */
  connect?: (name: string) => Redis;
  /** how long `open` waits for Redis before giving up (default 15 s). */
  readyTimeoutMs?: number;
  worker?: Partial<WorkerTimings>;
}

export type Processors = Partial<Record<'turn' | 'tool' | 'send', Processor>>;
export type Concurrency = Partial<Record<QueueName, number>>;
const PROCESSOR_OF: Record<QueueName, keyof Processors> = { turns: 'turn', tools: 'tool', send: 'send' };
const DEFAULT_CONCURRENCY: Record<QueueName, number> = { turns: 4, tools: 4, send: 8 };

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** What the workers of this process did, for the metrics. `failed` counts failed attempts. */
export interface BackboneStats {
  completed: Record<QueueName, number>;
  failed: Record<QueueName, number>;
  /** the run time of the last DURATION_RING completed jobs per queue (ms, oldest first). */
  durationsMs: Record<QueueName, number[]>;
}

export type BackboneEvent =
  | { kind: 'completed'; queue: QueueName; jobId: string; ms: number }
  | { kind: 'failed'; queue: QueueName; jobId: string | null; reason: string; final: boolean };

const perQueue = <T>(make: () => T): Record<QueueName, T> => ({ turns: make(), tools: make(), send: make() });

/** A job id as BullMQ needs it: no `:`, not all digits, not empty. */
function checkId(id: string): string {
  if (!id || id.includes(':') || /^\d+$/.test(id) || id.length > 255)
    throw new Error(`invalid job id '${id.slice(0, 80)}': use jobId() from contracts.ts`);
  return id;
}

/** Resolve after ms; the timer does not keep the process alive. */
const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Wait for a promise at most ms: true when it settled in time. */
const within = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    delay(ms).then(() => false),
  ]);

/**
 * Remember a connection and every copy BullMQ makes of it (a worker's and a QueueEvents' blocking
 * connection are `duplicate()`s): close can then end them all, even when a BullMQ close hangs on a
 * connection that never came up.
 */
function adopt(redis: Redis, into: Redis[]): Redis {
  into.push(redis);
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = ((...args: Parameters<Redis['duplicate']>) =>
    adopt(duplicate(...args), into)) as Redis['duplicate'];
  return redis;
}

/** A log call that says a repeated message once a minute (a Redis outage makes every client complain). */
function quietly(log: Logger): (msg: string, fields: Record<string, unknown> & { error: string }) => void {
  const last = new Map<string, number>();
  return (msg, fields) => {
    const key = `${msg}|${JSON.stringify(fields)}`;
    const now = Date.now();
    if ((last.get(key) ?? 0) > now - 60_000) return;
    if (last.size > 100) last.clear();
    last.set(key, now);
    log.warn(msg, fields);
  };
}

export class Backbone {
  readonly kv: Kv;
  readonly blobs: BlobStore;
  readonly stats: BackboneStats = {
    completed: perQueue(() => 0),
    failed: perQueue(() => 0),
    durationsMs: perQueue(() => []),
  };

  private readonly workers = new Map<QueueName, Worker>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(e: BackboneEvent) => void>();
  private readonly timings: WorkerTimings;
  private closing: Promise<void> | null = null;
  private events: QueueEvents | null = null;
  private eventsReady: Promise<QueueEvents> | null = null;

  private constructor(
    private readonly main: Redis,
    readonly queues: Record<QueueName, Queue>,
    readonly prefix: string,
    private readonly log: Logger,
    /** a warning said once a minute at most (connection errors repeat while Redis is away). */
    private readonly warn: ReturnType<typeof quietly>,
    private readonly connect: (name: string) => Redis,
    /** every connection of this backbone, BullMQ's copies included. */
    private readonly connections: Redis[],
    timings: Partial<WorkerTimings>,
  ) {
    this.kv = new Kv(main, prefix);
    this.blobs = new BlobStore(main, prefix, BLOB_TTL_SEC);
    this.timings = { ...WORKER_TIMINGS, ...timings };
  }

  /** Connect, create the queues and wait until Redis answers (an Error after readyTimeoutMs). */
  static async open(opts: BackboneOptions): Promise<Backbone> {
    parseRedisUrl(opts.url);
    const prefix = opts.prefix ?? 'infralens';
    if (!/^[\w.-]+$/.test(prefix)) throw new Error(`invalid prefix '${prefix}': letters, digits, _ . - only`);
    const log = opts.log.child({ component: 'backbone' });
    const warn = quietly(log);
    const connections: Redis[] = [];
    const make =
      opts.connect ?? ((name: string) => connectRedis(opts.url, { name: `${prefix}-${name}`, log }));
    const connect = (name: string) => adopt(make(name), connections);
    const main = connect('main');
    const queue = (name: QueueName) => {
      const q = new Queue(QUEUES[name], {
        connection: main,
        prefix,
        defaultJobOptions: JOB_OPTIONS[name],
        // tool results travel in the events stream: keep it short
        ...(name === 'tools' ? { streams: { events: { maxLen: 1_000 } } } : {}),
      });
      q.on('error', (e: Error) => warn('queue error', { queue: name, error: e.message }));
      return q;
    };
    const queues = { turns: queue('turns'), tools: queue('tools'), send: queue('send') };
    const bb = new Backbone(main, queues, prefix, log, warn, connect, connections, opts.worker ?? {});
    const timeoutMs = opts.readyTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(Object.values(queues).map((q) => q.waitUntilReady())),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis at ${safeUrl(opts.url)} did not answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (e) {
      await bb.close(0);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return bb;
  }

  /**
   * The tools queue's events (a QueueToolRunner waits on them), made on first use: a process that runs no
   * turns (the bot's front door) never reads the stream of tool results.
   */
  get toolEvents(): QueueEvents {
    this.assertOpen();
    if (!this.events) {
      this.events = new QueueEvents(QUEUES.tools, {
        connection: this.connect('events-tools'),
        prefix: this.prefix,
      });
      this.events.on('error', (e: Error) =>
        this.warn('queue events error', { queue: 'tools', error: e.message }),
      );
    }
    return this.events;
  }

  /** The tools queue's events once they are connected (before the first tool job is added). */
  toolEventsReady(): Promise<QueueEvents> {
    this.eventsReady ??= this.toolEvents.waitUntilReady().then(() => this.toolEvents);
    return this.eventsReady;
  }

  /** Add a turn; `added: false` when a job with this id exists already (a redelivered event). */
  async enqueueTurn(data: z.input<typeof TurnJob>, id: string): Promise<{ added: boolean }> {
    return this.addOnce('turns', 'turn', TurnJob.parse(data), id);
  }

  /** Add the messages of a reply; `added: false` when this reply's send job exists already. */
  async enqueueSend(data: z.input<typeof SendJob>, id: string): Promise<{ added: boolean }> {
    return this.addOnce('send', 'send', SendJob.parse(data), id);
  }

  /** Add a tool call (a fresh id each time: a tool call is not deduplicated). */
  async enqueueTool(data: ToolJob): Promise<Job<ToolJob>> {
    this.assertOpen();
    return this.queues.tools.add('tool', data);
  }

  /**
   * BullMQ returns the existing job for a duplicate id without telling. A job that exists is a duplicate;
   * when several callers add the same new id at once (all of them add: the job is never lost), the first
   * to mark the id afterwards is the one that added it.
   */
  private async addOnce(
    queue: QueueName,
    name: string,
    data: unknown,
    id: string,
  ): Promise<{ added: boolean }> {
    this.assertOpen();
    const q = this.queues[queue];
    if (await q.getJob(checkId(id))) return { added: false };
    await q.add(name, data, { jobId: id });
    return { added: await this.kv.once(`added-${queue}-${id}`, ADDED_MARK_SEC) };
  }

  /**
   * Start a worker per given processor, each on its own connection. Failures are logged with the job id and
   * the reason (never the job's data: it carries user text and file names).
   */
  startWorkers(processors: Processors, concurrency: Concurrency = {}): void {
    this.assertOpen();
    for (const queue of QUEUE_NAMES) {
      const processor = processors[PROCESSOR_OF[queue]];
      if (!processor) continue;
      if (this.workers.has(queue)) throw new Error(`a ${queue} worker is running already`);
      const connection = this.connect(`worker-${queue}`);
      const worker = new Worker(QUEUES[queue], this.tracked(processor), {
        connection,
        prefix: this.prefix,
        concurrency: concurrency[queue] ?? DEFAULT_CONCURRENCY[queue],
        lockDuration: this.timings.lockDurationMs,
        stalledInterval: this.timings.stalledIntervalMs,
        maxStalledCount: this.timings.maxStalledCount,
      });
      this.watch(queue, worker);
      this.workers.set(queue, worker);
    }
  }

  /** The processor, with its running call remembered (close waits for these). */
  private tracked(processor: Processor): Processor {
    return (job, token, signal) => {
      const run = processor(job, token, signal);
      this.running.add(run);
      const forget = () => this.running.delete(run);
      run.then(forget, forget);
      return run;
    };
  }

  private watch(queue: QueueName, worker: Worker): void {
    const log = this.log.child({ queue });
    worker.on('completed', (job: Job) => {
      const ms = Math.max(0, (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now()));
      this.stats.completed[queue]++;
      const ring = this.stats.durationsMs[queue];
      ring.push(ms);
      if (ring.length > DURATION_RING) ring.splice(0, ring.length - DURATION_RING);
      this.emit({ kind: 'completed', queue, jobId: String(job.id), ms });
    });
    worker.on('failed', (job: Job | undefined, err: Error) => {
      this.stats.failed[queue]++;
      const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      const fields = { job: job?.id, name: job?.name, attempt: job?.attemptsMade, reason: err.message };
      if (final) log.error('job failed', fields);
      else log.warn('job attempt failed, will retry', fields);
      this.emit({ kind: 'failed', queue, jobId: job?.id ?? null, reason: err.message, final });
    });
    worker.on('stalled', (jobId: string) =>
      log.warn('job stalled; another worker takes it over', { job: jobId }),
    );
    worker.on('error', (e: Error) => this.warn('worker error', { queue, error: e.message }));
  }

  /** Listen to what the workers of this process do; returns the unsubscribe function. */
  onEvent(listener: (e: BackboneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: BackboneEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (x) {
        this.log.warn('backbone event listener threw', { error: (x as Error).message });
      }
    }
  }

  /** Jobs per queue and state (waiting includes prioritized jobs). */
  async depth(): Promise<Record<QueueName, QueueDepth>> {
    const entries = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const c = await this.queues[name].getJobCounts(
          'waiting',
          'prioritized',
          'active',
          'delayed',
          'failed',
        );
        const depth: QueueDepth = {
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
        };
        return [name, depth] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, QueueDepth>;
  }

  /** Whether Redis answers (a readiness probe): never throws. */
  async ready(timeoutMs = 1_000): Promise<boolean> {
    if (this.closing) return false;
    return ping(this.main, timeoutMs);
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('the jobs backbone is closed');
  }

  /**
   * Stop taking work, let running jobs finish for up to graceMs, abort the rest (their signal fires; their
   * locks lapse and another worker retries them), then close the events, the queues and the connections.
   * Idempotent: every call returns the same promise.
   */
  close(graceMs = 10_000): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const workers = [...this.workers.values()];
    // stop fetching (pause without waiting: waiting is ours, bounded by graceMs)
    await within(Promise.allSettled(workers.map((w) => w.pause(true))), STEP_MS);
    const drained = await within(Promise.allSettled([...this.running]), graceMs);
    if (drained) {
      // nothing runs: a plain close waits only for the last results to be stored
      await within(Promise.allSettled(workers.map((w) => w.close())), STEP_MS);
    } else {
      this.log.warn(
        'shutdown: jobs still running after the grace period are abandoned (they will be retried)',
        {
          running: this.running.size,
          graceMs,
        },
      );
      for (const w of workers) w.cancelAllJobs('shutting down');
      await within(Promise.allSettled(workers.map((w) => w.close(true))), STEP_MS);
    }
    // a BullMQ close can hang on a connection that never came up: each step is bounded, and then every
    // connection is ended here
    await within(
      Promise.allSettled([
        ...(this.events ? [this.events.close()] : []),
        ...Object.values(this.queues).map((q) => q.close()),
      ]),
      STEP_MS,
    );
    await Promise.allSettled(
      this.connections.map(async (c) => {
        if (c.status === 'end') return;
        // QUIT lets queued commands finish; a connection that cannot reach Redis is dropped
        if (c.status !== 'ready' || !(await within(c.quit(), STEP_MS))) c.disconnect();
      }),
    );
  }
}
