/**
 * The fleet from the command line: `infralens hosts` (the inventory, INFRALENS_CONFIG, with each host's
 * last collection), `infralens collect` (collection over SSH, recorded in the score history when Redis
 * answers), `infralens history HOST` (a host's trend) and `infralens digest --now` (one daily post at once,
 * or a dry run). An entry-point module: it reads the environment it is given (the CLI passes process.env),
 * prints through `io`, and returns the exit code. The history lives in the bot's Redis (REDIS_URL and
 * INFRALENS_QUEUE_PREFIX, read with the bot's own parsing: bot/config.ts `cliFleetConfigFrom`); the
 * adapters to it are built by the entry point (`fleetHooks`) and reach the commands as hooks.
 *
 * Exit codes: collect 0 every host collected · 1 some host failed; history 0 · 1 Redis not answering or
 * no history; digest 0 posted (or the dry run printed) · 1 Redis not answering or a post failed; all: 2
 * usage, settings or inventory error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import type { CollectResult } from '../jobs/fleet/collect.ts';
import type { HistoryStore } from '../jobs/fleet/history.ts';
import type { CollectFn, FleetDeps, FleetState, LiveSourcesFn, Outbox } from '../jobs/fleet/types.ts';
import type { OutMessage, SendJob } from '../jobs/queue/contracts.ts';
import type { HistoryRecord } from '../scoring/history.ts';
import { safeInline } from '../scoring/text-safety.ts';
import type { CollectOutcome } from '../tools/collect/ssh.ts';
import { ConfigError, UsageError } from '../tools/errors.ts';
import type { HostEntry, Inventory } from '../tools/inventory/schema.ts';

/** a host's last collection, from the history store */
export interface LastCollection {
  at: string;
  score: number | null;
  grade: string | null;
  error?: string;
}

/** The fleet's Redis: the score history (and the per-host locks the collection takes). */
export interface FleetStore {
  down: false;
  redis: Redis;
  /** REDIS_URL with its password masked, for messages. */
  url: string;
  prefix: string;
  history: HistoryStore;
}
/** Redis did not answer. */
export interface StoreDown {
  down: true;
  url: string;
  reason: string;
}

/** What the fleet commands get from the entry point (tests: their own, on a test prefix). */
export interface FleetHooks {
  /** a host's last collection: null never collected, undefined unknown. */
  lastCollection?: (host: HostEntry) => Promise<LastCollection | null | undefined>;
  /** the history store, connected on first use (once); absent: no history at all. */
  store?: () => Promise<FleetStore | StoreDown>;
  /** the clock (ms); tests pin it. */
  now?: () => number;
  /** the live sources in place of tools/sources (tests). */
  sources?: LiveSourcesFn;
}

interface FleetIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

type Env = Readonly<Record<string, string | undefined>>;

/** How long the CLI waits for Redis before it says Redis is not reachable. */
const CONNECT_MS = 2_500;
const DAY_MS = 86_400_000;
/** How long `digest --now` waits for its posts to be delivered. */
const SEND_WAIT_MS = 120_000;

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The hooks of the real CLI: one Redis connection (REDIS_URL, INFRALENS_QUEUE_PREFIX as the bot reads
 * them), made on first use and failing fast (no reconnect, no offline queue) so a stopped Redis is one
 * clear line, never a hang. `close` ends it.
 */
export function fleetHooks(
  env: Env,
): Required<Omit<FleetHooks, 'now' | 'sources'>> & { close(): Promise<void> } {
  let opened: Promise<FleetStore | StoreDown> | undefined;
  let conn: Redis | undefined;
  const open = async (): Promise<FleetStore | StoreDown> => {
    const [{ cliFleetConfigFrom }, { Redis }, { parseRedisUrl, safeUrl }, { HistoryStore }] =
      await Promise.all([
        import('../bot/config.ts'),
        import('ioredis'),
        import('../jobs/queue/redis.ts'),
        import('../jobs/fleet/history.ts'),
      ]);
    const cfg = cliFleetConfigFrom(env);
    parseRedisUrl(cfg.redisUrl);
    const url = safeUrl(cfg.redisUrl);
    const redis = new Redis(cfg.redisUrl, {
      lazyConnect: true,
      connectTimeout: CONNECT_MS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      connectionName: `${cfg.prefix}-cli`,
    });
    let last = '';
    redis.on('error', (e: Error) => {
      last = e.message;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_MS} ms`)), CONNECT_MS);
        }),
      ]);
    } catch (e) {
      redis.disconnect();
      return { down: true, url, reason: last || (e as Error).message };
    } finally {
      clearTimeout(timer);
    }
    conn = redis;
    return {
      down: false,
      redis,
      url,
      prefix: cfg.prefix,
      history: new HistoryStore(redis, cfg.prefix, cfg.historyDays),
    };
  };
  const store = () => {
    opened ??= open();
    return opened;
  };
  return {
    store,
    lastCollection: async (h) => {
      const s = await store();
      if (s.down) return undefined;
      const r = await s.history.latest(h.name);
      if (r === null) return null;
      return {
        at: isoSeconds(r.at),
        score: r.score,
        grade: r.grade,
        ...(r.error ? { error: `${r.error.kind}: ${r.error.message}` } : {}),
      };
    },
    close: async () => {
      if (conn) await conn.quit().catch(() => conn?.disconnect());
    },
  };
}

const downLine = (s: StoreDown) => `Redis not reachable at ${s.url} (${safeInline(s.reason, 200)})`;

/** The inventory of INFRALENS_CONFIG (also bin/live.ts's). */
export async function inventoryFrom(env: Env): Promise<Inventory> {
  const path = env.INFRALENS_CONFIG;
  if (path === undefined || path.trim() === '')
    throw new ConfigError(
      'INFRALENS_CONFIG is not set: point it at the fleet inventory YAML (example: samples/inventory.example.yaml)',
    );
  const { loadInventory } = await import('../tools/inventory/load.ts');
  return loadInventory(path);
}

function roleText(h: HostEntry): string {
  return h.role === 'guest' ? `guest (VM ${h.vmid} on ${h.proxmoxHost})` : h.role;
}

function lastText(l: LastCollection | null | undefined): string {
  if (l === undefined) return 'unknown';
  if (l === null) return 'never';
  if (l.error !== undefined) return `${l.at} failed: ${l.error}`;
  return `${l.at}${l.score !== null ? ` score ${l.score.toFixed(1)}` : ''}${l.grade !== null ? ` (${l.grade})` : ''}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** `infralens hosts [HOST|GROUP] [--json]` */
export async function hostsCommand(
  args: string[],
  io: FleetIo,
  env: Env,
  hooks: FleetHooks = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('hosts takes at most one HOST or GROUP');
  const inv = await inventoryFrom(env);
  const { selectHosts } = await import('../tools/inventory/load.ts');
  const hosts = selectHosts(inv, positionals[0]);
  // Redis down: every last collection is unknown, said once
  const store = hooks.store ? await hooks.store() : null;
  if (store?.down) io.err(`infralens: last collections unknown: ${downLine(store)}`);
  const lookup = store?.down ? undefined : hooks.lastCollection;
  const last = await Promise.all(hosts.map(async (h) => (lookup ? await lookup(h) : undefined)));
  if (values.json) {
    io.out(
      JSON.stringify(
        hosts.map((h, i) => ({
          name: h.name,
          address: h.address,
          port: h.port,
          user: h.user,
          role: h.role,
          ...(h.role === 'guest' ? { proxmoxHost: h.proxmoxHost, vmid: h.vmid } : {}),
          ...(h.jump !== undefined ? { jump: h.jump } : {}),
          groups: h.groups,
          hostKey: h.hostKey ? 'pinned' : h.knownHosts ? 'known_hosts' : 'trust-on-first-use',
          lastCollection: last[i] === undefined ? 'unknown' : last[i],
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  const rows = [
    ['HOST', 'ADDRESS', 'ROLE', 'GROUPS', 'LAST COLLECTION'],
    ...hosts.map((h, i) => [
      h.name,
      `${h.user}@${h.address.includes(':') ? `[${h.address}]` : h.address}${h.port !== 22 ? `:${h.port}` : ''}${h.jump !== undefined ? ` via ${h.jump}` : ''}`,
      roleText(h),
      h.groups.join(',') || '-',
      safeInline(lastText(last[i]), 120),
    ]),
  ];
  for (const line of table(rows)) io.out(line);
  io.out(`${hosts.length} host${hosts.length === 1 ? '' : 's'} in ${env.INFRALENS_CONFIG}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// the fleet jobs' dependencies, as the CLI runs them

/**
 * The CLI raises no alerts (they belong to the bot's fleet worker, which sees every collection): alert
 * state (cooldowns, active alerts) stays in this process's memory and is dropped, so the CLI neither posts
 * an alert nor uses up a cooldown or clears an active alert the bot still has to announce. Only the
 * per-host locks go to Redis, so a CLI collection and a bot collection of one host never interleave.
 */
class CliState implements FleetState {
  private readonly mem = new Map<string, { value: string; until: number }>();
  constructor(private readonly shared: FleetState | null) {}

  private sharedFor(key: string): FleetState | null {
    return key.startsWith('fleet-lock:') ? this.shared : null;
  }
  private live(key: string) {
    const v = this.mem.get(key);
    if (v && v.until <= Date.now()) this.mem.delete(key);
    return this.mem.get(key);
  }
  async setOnce(key: string, value: string, ttlMs: number): Promise<boolean> {
    const s = this.sharedFor(key);
    if (s) return s.setOnce(key, value, ttlMs);
    if (this.live(key)) return false;
    this.mem.set(key, { value, until: Date.now() + ttlMs });
    return true;
  }
  async get(key: string): Promise<string | null> {
    const s = this.sharedFor(key);
    return s ? s.get(key) : (this.live(key)?.value ?? null);
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const s = this.sharedFor(key);
    if (s) return s.set(key, value, ttlMs);
    this.mem.set(key, { value, until: Date.now() + ttlMs });
  }
  async del(key: string): Promise<void> {
    const s = this.sharedFor(key);
    if (s) return s.del(key);
    this.mem.delete(key);
  }
  async delIf(key: string, value: string): Promise<boolean> {
    const s = this.sharedFor(key);
    if (s) return s.delIf(key, value);
    if (this.live(key)?.value !== value) return false;
    this.mem.delete(key);
    return true;
  }
}

/** Sends that are not posted: kept (the dry run prints the digest's), alerts among them dropped. */
function keepingOutbox() {
  const sends: { id: string; data: SendJob }[] = [];
  const blobs = new Map<string, Uint8Array>();
  const outbox: Outbox = {
    enqueueSend: async (data, id) => {
      sends.push({ id, data: data as SendJob });
      return { added: true };
    },
    blobs: {
      put: async (bytes) => {
        const { createHash } = await import('node:crypto');
        const sha = createHash('sha256').update(bytes).digest('hex');
        blobs.set(sha, bytes);
        return sha;
      },
    },
  };
  return { outbox, sends, blobs };
}

/** The history when Redis does not answer: nothing before, nothing kept. */
async function noHistory(): Promise<HistoryStore> {
  const { HistoryStore, recordFor } = await import('../jobs/fleet/history.ts');
  class NoHistory extends HistoryStore {
    override async last(): Promise<HistoryRecord[]> {
      return [];
    }
    override async record(
      host: string,
      collected: Parameters<HistoryStore['record']>[1],
      at = Date.now(),
    ): Promise<HistoryRecord> {
      return recordFor(host, collected, at);
    }
  }
  // never touches Redis: only last() and record() are called by the collection
  return new NoHistory(undefined as unknown as Redis, 'none');
}

async function fleetDeps(
  inv: Inventory,
  store: FleetStore | null,
  collect: CollectFn,
  outbox: Outbox,
  state: FleetState,
  hooks: FleetHooks,
  log?: FleetDeps['log'],
): Promise<FleetDeps> {
  const [{ silentLogger }, { renderPdf }] = await Promise.all([
    import('../jobs/log.ts'),
    import('../jobs/report/pdf.ts'),
  ]);
  // the live sources (Prometheus windows, the Proxmox API), loaded only when the inventory names some
  const sources =
    hooks.sources ??
    (inv.prometheus.length || inv.proxmox.length
      ? (await import('../tools/sources/index.ts')).liveInputs
      : undefined);
  return {
    inventory: inv,
    collect,
    ...(sources ? { sources } : {}),
    history: store ? store.history : await noHistory(),
    outbox,
    state,
    renderPdf,
    now: () => new Date(hooks.now ? hooks.now() : Date.now()),
    log: log ?? silentLogger,
  };
}

async function sharedState(store: FleetStore | null): Promise<FleetState | null> {
  if (!store) return null;
  const { RedisFleetState } = await import('../jobs/fleet/state.ts');
  return new RedisFleetState(store.redis, store.prefix);
}

/** tools/collect over SSH, remembering each host's outcome (bytes, time, attempts) for the printout. */
async function sshCollector(env: Env, seen: Map<string, CollectOutcome>): Promise<CollectFn> {
  const { collectHosts } = await import('../tools/collect/fleet.ts');
  return async (inv, hosts, o) => {
    const out = await collectHosts(inv, hosts, {
      ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
      ...(o?.signal ? { signal: o.signal } : {}),
      seed: Date.now() & 0x7fffffff,
    });
    for (const x of out) seen.set(x.host, x);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------------------
// collect

/** `infralens collect [HOST|GROUP] [--out DIR] [--json]` */
export async function collectCommand(
  args: string[],
  io: FleetIo,
  env: Env,
  hooks: FleetHooks = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('collect takes at most one HOST or GROUP');
  const inv = await inventoryFrom(env);
  const { selectHosts } = await import('../tools/inventory/load.ts');
  const hosts = selectHosts(inv, positionals[0]);
  const outDir = values.out === undefined ? undefined : resolve(values.out);
  if (outDir !== undefined) {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`--out ${outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  // the history when Redis answers; without it the hosts are still collected and printed
  const got = hooks.store ? await hooks.store() : null;
  if (got?.down) io.err(`infralens: ${downLine(got)}: collecting without recording the history`);
  const store = got && !got.down ? got : null;

  // the same pipeline as the bot's collections (ingest, the Proxmox passthrough merge, analysis, history)
  const seen = new Map<string, CollectOutcome>();
  const deps = await fleetDeps(
    inv,
    store,
    await sshCollector(env, seen),
    keepingOutbox().outbox,
    new CliState(await sharedState(store)),
    hooks,
  );
  const { collectAndRecord } = await import('../jobs/fleet/collect.ts');
  const t0 = performance.now();
  const result: CollectResult = await collectAndRecord(deps, hosts);
  const wall = performance.now() - t0;
  const order = new Map(inv.hosts.map((h, i) => [h.name, i]));
  const results = [...result.hosts].sort((a, b) => order.get(a.host)! - order.get(b.host)!);

  const rows: Record<string, unknown>[] = [];
  const lines: string[][] = [];
  let failed = 0;
  for (const r of results) {
    const o = seen.get(r.host);
    if (!o?.ok) {
      failed++;
      const error = o && !o.ok ? o.error : (r.error ?? { kind: 'internal', message: 'not collected' });
      const ms = o?.ms ?? 0;
      const attempts = o?.attempts ?? 0;
      const tries = attempts > 1 ? `, ${attempts} attempts` : '';
      rows.push({ host: r.host, ok: false, error, ms, attempts });
      lines.push([r.host, error.kind, `${safeInline(error.message, 300)} (${ms} ms${tries})`]);
      continue;
    }
    const tries = o.attempts > 1 ? `, ${o.attempts} attempts` : '';
    let file: string | undefined;
    if (outDir !== undefined) {
      file = join(outDir, `${o.host}.txt`);
      writeFileSync(file, o.bundle);
    }
    const a = r.analysis;
    const score = a?.score?.value ?? null;
    const grade = a?.score?.grade ?? null;
    const gpus = a?.gpus.length ?? 0;
    const problem = a
      ? a.score === null && a.scoreReason
        ? `no score: ${a.scoreReason.en}`
        : undefined
      : r.error?.message;
    rows.push({
      host: r.host,
      ok: true,
      gpus,
      score,
      grade,
      bytes: o.bytes,
      ms: o.ms,
      attempts: o.attempts,
      warnings: r.warnings,
      ...(problem !== undefined ? { problem } : {}),
      ...(file !== undefined ? { file } : {}),
    });
    const scoreText = score !== null ? `score ${score.toFixed(1)} (${grade})` : 'no score';
    const extra = [
      `${Math.round(o.bytes / 1024)} KiB`,
      `${o.ms} ms${tries}`,
      ...(r.warnings.length > 0 ? [`${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}`] : []),
    ];
    lines.push([
      r.host,
      'ok',
      `${gpus} GPU${gpus === 1 ? '' : 's'}, ${scoreText}${problem !== undefined ? ` — ${safeInline(problem, 200)}` : ''} (${extra.join(', ')})`,
    ]);
  }
  if (values.json)
    io.out(JSON.stringify({ hosts: rows, failed, ms: Math.round(wall), recorded: store !== null }, null, 2));
  else {
    for (const l of table(lines)) io.out(l);
    io.out(
      `collected ${results.length - failed} of ${results.length} host${results.length === 1 ? '' : 's'} in ${(wall / 1000).toFixed(1)} s${outDir !== undefined ? `; bundles in ${outDir}` : ''}${store ? '; recorded in the history' : ''}`,
    );
    for (const r of results)
      if (seen.get(r.host)?.ok)
        for (const w of r.warnings) io.err(`infralens: ${r.host}: ${safeInline(w, 300)}`);
  }
  return failed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// history

/** The calendar date of `ms` in a time zone (the process's own by default), `YYYY-MM-DD`. */
function dateOf(ms: number, tz: string | undefined): string {
  try {
    return new Intl.DateTimeFormat('en-CA', {
      ...(tz ? { timeZone: tz } : {}),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

/** `infralens history HOST [--days N] [--lang ko|en] [--json]` */
export async function historyCommand(
  args: string[],
  io: FleetIo,
  env: Env,
  hooks: FleetHooks = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      days: { type: 'string', default: '7' },
      lang: { type: 'string', default: 'en' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('history takes one HOST');
  const host = positionals[0]!;
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days) || days < 1 || days > 3650)
    throw new UsageError(`--days takes a whole number of days from 1 to 3650, not '${values.days}'`);
  if (values.lang !== 'en' && values.lang !== 'ko')
    throw new UsageError(`--lang must be ko or en, not '${values.lang}'`);
  const lang = values.lang;
  if (!hooks.store) throw new Error('no history store was given to the history command');
  const store = await hooks.store();
  if (store.down) {
    io.err(`infralens: ${downLine(store)}: the history is kept there (REDIS_URL)`);
    return 1;
  }
  const now = hooks.now ? hooks.now() : Date.now();
  const records = await store.history.range(host, now - days * DAY_MS, now);
  const name = safeInline(host, 80);
  if (records.length === 0) {
    const latest = await store.history.latest(host);
    if (latest)
      io.err(
        `infralens: no collection of ${name} in the last ${days} day${days === 1 ? '' : 's'} (the latest: ${isoSeconds(latest.at)}): try a longer --days, or run \`infralens collect ${name}\``,
      );
    else {
      let known = true;
      if (env.INFRALENS_CONFIG) known = (await inventoryFrom(env)).hosts.some((h) => h.name === host);
      io.err(
        known
          ? `infralens: no history for ${name}: run \`infralens collect ${name}\` to record its first collection`
          : `infralens: unknown host ${name}: not in the inventory (${env.INFRALENS_CONFIG}) and no history; \`infralens hosts\` lists the hosts`,
      );
    }
    return 1;
  }

  const [{ digestModel, trend }, { fmtChange, fmtScore }] = await Promise.all([
    import('../scoring/history.ts'),
    import('../jobs/fleet/texts.ts'),
  ]);
  // one line per day: the day's latest collection, its change against the latest scored one before
  const tz = env.TZ || undefined;
  const byDay = new Map<string, HistoryRecord[]>();
  for (const r of records) {
    const d = dateOf(r.at, tz);
    byDay.set(d, [...(byDay.get(d) ?? []), r]);
  }
  let before: HistoryRecord | null = await store.history.before(host, records[0]!.at);
  while (before?.error) before = await store.history.before(host, before.at);
  const daily = [...byDay].map(([date, recs]) => {
    const latest = recs.at(-1)!;
    const row = digestModel([{ host, now: latest, yesterday: before }]).rows[0]!;
    if (!latest.error && latest.score !== null) before = latest;
    return {
      date,
      collections: recs.length,
      failed: recs.filter((r) => r.error).length,
      grade: row.grade,
      score: row.score,
      change: row.change,
      top: row.top ? { rule: row.top.rule, severity: row.top.severity, title: row.top.title[lang] } : null,
      error: latest.error ?? null,
    };
  });
  const t = trend(records);
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          host,
          days,
          from: isoSeconds(now - days * DAY_MS),
          to: isoSeconds(now),
          collections: records.length,
          daily,
          trend: t,
          records,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(
    `${name}: ${records.length} collection${records.length === 1 ? '' : 's'} in the last ${days} day${days === 1 ? '' : 's'}`,
  );
  const rows = [
    ['DATE', 'GRADE', 'SCORE', 'CHANGE', 'TOP FINDING'],
    ...daily.map((d) => [
      d.date,
      d.grade ?? '—',
      fmtScore(d.score),
      fmtChange(d.change),
      d.error
        ? `not answering (${safeInline(d.error.kind, 40)}: ${safeInline(d.error.message, 120)})`
        : d.top
          ? safeInline(d.top.title, 120)
          : 'no findings',
    ]),
  ];
  for (const l of table(rows)) io.out(l);
  const span = t.change === null ? '' : ` · change ${fmtChange(t.change)}`;
  io.out(
    `trend ${t.sparkline}  min ${fmtScore(t.min)} · max ${fmtScore(t.max)}${span}${t.failures ? ` · ${t.failures} failed collection${t.failures === 1 ? '' : 's'}` : ''}`,
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// digest

/** A Slack message as terminal text (the dry run): Block Kit's texts, mrkdwn escapes undone. */
function messageText(m: OutMessage): string[] {
  if (m.kind !== 'message') return [`[file ${m.filename}]`];
  const un = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const blocks = (m.blocks ?? []) as {
    type: string;
    text?: { text?: string };
    elements?: { text?: string }[];
  }[];
  if (blocks.length === 0) return [un(m.text)];
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type === 'divider') out.push('');
    else if (b.type === 'context') out.push(...(b.elements ?? []).map((e) => un(e.text ?? '')));
    else if (b.text?.text !== undefined) out.push(...un(b.text.text).split('\n'));
  }
  return out;
}

/** Wait until a send job is delivered (completed) or has failed for good. */
async function delivered(
  queue: import('bullmq').Queue,
  id: string,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'completed') return { ok: true };
    if (state === 'failed') return { ok: false, reason: job?.failedReason ?? 'failed' };
    if (Date.now() > deadline)
      return { ok: false, reason: `not delivered within ${timeoutMs / 1000} s (${state})` };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `infralens digest --now [CHANNEL] [--pdf FILE]` */
export async function digestCommand(
  args: string[],
  io: FleetIo,
  env: Env,
  hooks: FleetHooks = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { now: { type: 'boolean', default: false }, pdf: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (!values.now)
    throw new UsageError(
      'digest posts one daily score post at once: give --now (the daily posts are the bot’s)',
    );
  if (positionals.length > 1) throw new UsageError('digest --now takes at most one CHANNEL');
  const channel = positionals[0];
  const inv = await inventoryFrom(env);
  if (
    channel !== undefined &&
    !inv.channels.some((c) => c.id === channel || `${c.surface}:${c.id}` === channel)
  )
    throw new UsageError(
      `no channel '${channel}' in the inventory (channels: ${inv.channels.map((c) => c.id).join(', ') || 'none'})`,
    );
  if (channel === undefined && !inv.channels.some((c) => c.digest !== false))
    throw new UsageError('no channel in the inventory has a daily post: name one, digest --now CHANNEL');
  const { cliFleetConfigFrom } = await import('../bot/config.ts');
  const cfg = cliFleetConfigFrom(env);
  if (!hooks.store) throw new Error('no history store was given to the digest command');
  const store = await hooks.store();
  if (store.down) {
    io.err(`infralens: ${downLine(store)}: the digest is built from the history kept there (REDIS_URL)`);
    return 1;
  }
  const { createLogger } = await import('../jobs/log.ts');
  const log = createLogger({ level: 'warn', secrets: cfg.secrets, write: (l) => io.err(l) });
  const seen = new Map<string, CollectOutcome>();
  const collect = await sshCollector(env, seen);
  const state = new CliState(await sharedState(store));
  const kept = keepingOutbox();
  const { digestNow } = await import('../jobs/fleet/digest.ts');

  if (!cfg.slack) {
    // a dry run: the digest as the bot would post it, printed; the PDF written with --pdf
    const deps = await fleetDeps(inv, store, collect, kept.outbox, state, hooks, log);
    const results = await digestNow(deps, channel);
    for (const r of results) {
      const send = kept.sends.find((s) => s.id === r.sendId);
      io.out(`— ${send?.data.to.surface ?? 'slack'}:${r.channel} (dry run: not posted) —`);
      for (const m of send?.data.messages ?? [])
        if (m.kind === 'message') for (const l of messageText(m)) io.out(l);
      if (r.pdf && values.pdf !== undefined) {
        const file = resolve(
          results.length > 1 ? values.pdf.replace(/(\.pdf)?$/i, `-${r.channel}$1`) : values.pdf,
        );
        try {
          writeFileSync(file, kept.blobs.get(r.pdf)!);
        } catch (e) {
          throw new UsageError(
            `cannot write the PDF to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          );
        }
        io.err(`infralens: fleet PDF written to ${file}`);
      }
    }
    io.err(
      `infralens: dry run: no SLACK_BOT_TOKEN, nothing was posted${values.pdf === undefined ? ' (--pdf FILE writes the fleet PDF)' : ''}`,
    );
    return 0;
  }

  // deliver: the send queue, processed here by the bot's Slack transport (a running bot may take it too)
  const [{ WebClient }, { Backbone }, { sendProcessor }, { SlackTransport }, { Metrics }] = await Promise.all(
    [
      import('@slack/web-api'),
      import('../jobs/queue/backbone.ts'),
      import('../jobs/queue/outbox.ts'),
      import('../bot/slack/transport.ts'),
      import('../bot/metrics.ts'),
    ],
  );
  const backbone = await Backbone.open({
    url: cfg.redisUrl,
    prefix: store.prefix,
    log,
    readyTimeoutMs: 5_000,
  });
  try {
    const client = new WebClient(cfg.slack.botToken, {
      ...(cfg.slack.apiUrl ? { slackApiUrl: cfg.slack.apiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 15_000,
    });
    backbone.startWorkers({
      send: sendProcessor({
        kv: backbone.kv,
        transports: {
          slack: new SlackTransport({
            client,
            kv: backbone.kv,
            blobs: backbone.blobs,
            metrics: new Metrics(),
            log,
          }),
        },
        log,
      }),
    });
    // the digests go to Slack; alerts of the collection are the bot's (dropped); a Teams channel is printed
    const outbox: Outbox = {
      blobs: backbone.blobs,
      enqueueSend: async (data, id) => {
        if (!id.startsWith('digest-')) return { added: false };
        if (data.to.surface !== 'slack') return kept.outbox.enqueueSend(data, id);
        return backbone.enqueueSend(data, id);
      },
    };
    const deps = await fleetDeps(inv, store, collect, outbox, state, hooks, log);
    const results = await digestNow(deps, channel);
    let failed = 0;
    for (const r of results) {
      const teams = kept.sends.find((s) => s.id === r.sendId);
      if (teams) {
        io.out(`— teams:${r.channel} (not posted: the CLI posts to Slack only) —`);
        for (const m of teams.data.messages)
          if (m.kind === 'message') for (const l of messageText(m)) io.out(l);
        continue;
      }
      const d = await delivered(backbone.queues.send, r.sendId, SEND_WAIT_MS);
      if (d.ok)
        io.out(
          `digest posted to slack:${r.channel}: ${r.hosts} host${r.hosts === 1 ? '' : 's'} (${r.collected} collected now), mean score ${r.model.meanScore?.toFixed(1) ?? '—'}${r.pdf ? ', fleet PDF attached' : ', no PDF (no host analysed)'}`,
        );
      else {
        failed++;
        io.err(`infralens: the digest to slack:${r.channel} was not delivered: ${safeInline(d.reason, 300)}`);
      }
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await backbone.close(5_000);
  }
}
