/**
 * The fleet queue (`fleet`): scheduled daily digests, periodic collections and re-checks, on the same
 * Redis and prefix as the backbone. Job schedulers come from the inventory and are upserted at every
 * start-up under ids derived from what they are for (`digest-<surface>-<channel>`, `collect-fleet`), so a
 * restart neither duplicates nor loses them; schedulers of channels no longer configured are removed.
 *
 * Jobs carry names, not data: a digest job names its channel, a collect job its hosts; the processor
 * reads the inventory it was started with. Every job's data is checked with zod (an invalid one fails at
 * once, unretried).
 */
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ReportModel } from '../../scoring/report.ts';
import type { Logger } from '../log.ts';
import { jobId } from '../queue/contracts.ts';
import { connectRedis } from '../queue/redis.ts';
import { collectAndRecord, type RecheckResult, recheck } from './collect.ts';
import { channelNamed, type DigestResult, digestNow, runDigest } from './digest.ts';
import { DEFAULT_RETENTION_DAYS, HistoryStore } from './history.ts';
import { RedisFleetState } from './state.ts';
import type { ChannelEntry, CollectFn, FleetDeps, Inventory, LiveSourcesFn, Outbox } from './types.ts';

export const FLEET_QUEUE = 'fleet';
/** The id of the periodic collection's scheduler. */
export const COLLECT_SCHEDULER = 'collect-fleet';
const DIGEST_PREFIX = 'digest-';

export const FleetJob = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('digest'),
    surface: z.enum(['slack', 'teams']),
    channel: z.string().min(1).max(256),
  }),
  z.object({ kind: z.literal('collect'), hosts: z.array(z.string().max(63)).max(100_000).optional() }),
  z.object({ kind: z.literal('recheck'), host: z.string().min(1).max(63) }),
]);
export type FleetJob = z.infer<typeof FleetJob>;

/** The scheduler id of a channel's daily digest. */
export const digestSchedulerId = (c: Pick<ChannelEntry, 'surface' | 'id'>) =>
  jobId('digest', c.surface, c.id);

export interface FleetServiceOptions {
  url: string;
  prefix: string;
  inventory: Inventory;
  collect: CollectFn;
  /** the hosts' live sources (Prometheus windows, the Proxmox API); absent: SSH only. */
  sources?: LiveSourcesFn;
  outbox: Outbox;
  renderPdf: (model: ReportModel, now: Date) => Promise<Uint8Array>;
  log: Logger;
  /** history retention, days (default 90). */
  retentionDays?: number;
  /** collect every host this often (minutes) so alerts fire between digests; 0 or absent: no periodic collection. */
  collectEveryMinutes?: number;
  /** false: no worker in this process (only the queue: schedulers, adding jobs). */
  worker?: boolean;
  concurrency?: number;
  /** a new Redis connection per user (tests); connectRedis by default. */
  connect?: (name: string) => Redis;
  now?: () => Date;
}

export class FleetService {
  private closing: Promise<void> | null = null;

  private constructor(
    readonly queue: Queue,
    readonly deps: FleetDeps,
    private readonly worker: Worker | null,
    private readonly connections: Redis[],
    private readonly collectEveryMinutes: number,
  ) {}

  /** Open the queue (and the worker unless `worker: false`); schedulers are synced by `syncSchedulers`. */
  static async start(opts: FleetServiceOptions): Promise<FleetService> {
    const log = opts.log.child({ component: 'fleet' });
    const connections: Redis[] = [];
    const connect = (name: string) => {
      const c = opts.connect
        ? opts.connect(name)
        : connectRedis(opts.url, { name: `${opts.prefix}-fleet-${name}`, log });
      connections.push(c);
      return c;
    };
    const main = connect('main');
    const queue = new Queue(FLEET_QUEUE, {
      connection: main,
      prefix: opts.prefix,
      defaultJobOptions: {
        attempts: 2,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { age: 86_400, count: 1_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
    queue.on('error', (e: Error) => log.warn('fleet queue error', { error: e.message }));
    const deps: FleetDeps = {
      inventory: opts.inventory,
      collect: opts.collect,
      ...(opts.sources ? { sources: opts.sources } : {}),
      history: new HistoryStore(main, opts.prefix, opts.retentionDays ?? DEFAULT_RETENTION_DAYS),
      outbox: opts.outbox,
      state: new RedisFleetState(main, opts.prefix),
      renderPdf: opts.renderPdf,
      now: opts.now ?? (() => new Date()),
      log,
    };
    await queue.waitUntilReady();
    let worker: Worker | null = null;
    if (opts.worker !== false) {
      worker = new Worker(FLEET_QUEUE, fleetProcessor(deps), {
        connection: connect('worker'),
        prefix: opts.prefix,
        concurrency: opts.concurrency ?? 2,
        lockDuration: 120_000,
      });
      worker.on('failed', (job: Job | undefined, err: Error) =>
        log.error('fleet job failed', { job: job?.id, name: job?.name, reason: err.message }),
      );
      worker.on('error', (e: Error) => log.warn('fleet worker error', { error: e.message }));
    }
    return new FleetService(queue, deps, worker, connections, opts.collectEveryMinutes ?? 0);
  }

  /** Upsert the schedulers the inventory asks for and remove the digest schedulers it no longer has. */
  syncSchedulers(): Promise<{ upserted: string[]; removed: string[] }> {
    return syncSchedulers(this.queue, this.deps.inventory, this.collectEveryMinutes);
  }

  digestNow(channel?: string): Promise<DigestResult[]> {
    return digestNow(this.deps, channel);
  }

  recheck(host: string): Promise<RecheckResult> {
    return recheck(this.deps, host);
  }

  /** Stop the worker (running jobs finish, up to graceMs), then the queue and the connections. */
  close(graceMs = 10_000): Promise<void> {
    this.closing ??= (async () => {
      if (this.worker) {
        const closed = this.worker.close();
        const bound = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref());
        if ((await Promise.race([closed.then(() => true), bound])) === false) await this.worker.close(true);
      }
      await this.queue.close().catch(() => {});
      await Promise.allSettled(
        this.connections.map(async (c) => {
          if (c.status === 'end') return;
          if (c.status !== 'ready') c.disconnect();
          else await c.quit().catch(() => c.disconnect());
        }),
      );
    })();
    return this.closing;
  }
}

/**
 * Upsert a digest scheduler per channel with a daily post and, when `collectEveryMinutes` > 0, one
 * periodic collection of every host; remove digest schedulers of channels no longer configured (and the
 * collection's when it is off). Idempotent: run it at every start-up.
 */
export async function syncSchedulers(
  queue: Queue,
  inv: Inventory,
  collectEveryMinutes = 0,
): Promise<{ upserted: string[]; removed: string[] }> {
  const upserted: string[] = [];
  const wanted = new Set<string>();
  for (const c of inv.channels) {
    if (c.digest === false) continue;
    const id = digestSchedulerId(c);
    wanted.add(id);
    const data: FleetJob = { kind: 'digest', surface: c.surface, channel: c.id };
    await queue.upsertJobScheduler(id, { pattern: c.digest.cron, tz: c.digest.tz }, { name: 'digest', data });
    upserted.push(id);
  }
  if (collectEveryMinutes > 0) {
    wanted.add(COLLECT_SCHEDULER);
    const data: FleetJob = { kind: 'collect' };
    await queue.upsertJobScheduler(
      COLLECT_SCHEDULER,
      { every: collectEveryMinutes * 60_000 },
      { name: 'collect', data },
    );
    upserted.push(COLLECT_SCHEDULER);
  }
  const removed: string[] = [];
  for (let start = 0; ; start += 100) {
    const page = await queue.getJobSchedulers(start, start + 99, true);
    for (const s of page) {
      const id = s.id ?? s.key;
      if ((id.startsWith(DIGEST_PREFIX) || id === COLLECT_SCHEDULER) && !wanted.has(id)) removed.push(id);
    }
    if (page.length < 100) break;
  }
  for (const id of removed) await queue.removeJobScheduler(id);
  return { upserted, removed };
}

/** The fleet queue's processor. */
export function fleetProcessor(deps: FleetDeps) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const parsed = FleetJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid fleet job: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    const data = parsed.data;
    switch (data.kind) {
      case 'digest': {
        const c = channelNamed(deps, `${data.surface}:${data.channel}`);
        if (!c)
          throw new UnrecoverableError(`channel ${data.surface}:${data.channel} is no longer configured`);
        const r = await runDigest(deps, c, String(job.id));
        return { channel: r.channel, hosts: r.hosts, collected: r.collected, pdf: r.pdf !== null };
      }
      case 'collect': {
        const names = data.hosts ? new Set(data.hosts) : null;
        const hosts = deps.inventory.hosts.filter((h) => !names || names.has(h.name));
        const r = await collectAndRecord(deps, hosts, signal ? { signal } : {});
        return {
          hosts: r.hosts.length,
          failed: r.hosts.filter((h) => h.error).length,
          alerts: r.hosts.reduce((n, h) => n + h.alerts.length, 0),
        };
      }
      case 'recheck': {
        const r = await recheck(deps, data.host);
        return { host: r.host, comparison: r.comparison, error: r.error };
      }
    }
  };
}
