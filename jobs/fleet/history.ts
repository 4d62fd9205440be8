/**
 * Score history in Redis: one sorted set per host (`<prefix>:history:<host>`, scored by collection time in
 * ms), each member a record of scoring/history.ts as JSON. A write trims the host's records older than the
 * retention (default 90 days) counted back from the record written, and keeps the key alive for the
 * retention, so a host removed from the inventory is forgotten on its own. The latest analysis of each
 * host is kept beside it (one day longer than a digest needs) so the daily post can attach the fleet PDF
 * without collecting again.
 *
 * Only the Redis commands we use: ZADD, ZREMRANGEBYSCORE, ZRANGE … BYSCORE [REV] LIMIT, PEXPIRE, SET/GET.
 */
import type { Redis } from 'ioredis';
import type { HostAnalysis } from '../../scoring/analyze.ts';
import { errorRecord, HistoryRecord, recordOf } from '../../scoring/history.ts';

export const DEFAULT_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;
/** how long a host's latest analysis is kept (for the digest's PDF). */
const ANALYSIS_TTL_SEC = 2 * 86_400;

export type Collected = HostAnalysis | { error: { kind: string; message: string } };

const isError = (x: Collected): x is { error: { kind: string; message: string } } =>
  'error' in x && !('gpus' in x);

/** The record of one collection of a host at `at`: its analysis, or the error that stopped it. */
export function recordFor(host: string, collected: Collected, at: number): HistoryRecord {
  return isError(collected) ? errorRecord(collected.error, at) : recordOf(host, collected, at);
}

export class HistoryStore {
  readonly retentionMs: number;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    retentionDays = DEFAULT_RETENTION_DAYS,
  ) {
    if (!(retentionDays > 0)) throw new Error(`history retention must be > 0 days, not ${retentionDays}`);
    this.retentionMs = Math.round(retentionDays * DAY_MS);
  }

  private key(host: string): string {
    return `${this.prefix}:history:${host}`;
  }

  private analysisKey(host: string): string {
    return `${this.prefix}:fleet-analysis:${host}`;
  }

  /**
   * Record one collection of a host at `at` (ms): its analysis, or the error that stopped it. Records older
   * than the retention before `at` are removed in the same transaction. Returns the record written.
   */
  async record(host: string, collected: Collected, at: number = Date.now()): Promise<HistoryRecord> {
    const rec = recordFor(host, collected, at);
    const key = this.key(host);
    const tx = this.redis
      .multi()
      .zadd(key, at, JSON.stringify(rec))
      .zremrangebyscore(key, '-inf', `(${at - this.retentionMs}`)
      .pexpire(key, this.retentionMs);
    if (!isError(collected))
      tx.set(this.analysisKey(host), JSON.stringify(collected), 'EX', ANALYSIS_TTL_SEC);
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`history write failed: ${failed?.[0]?.message ?? 'aborted'}`);
    return rec;
  }

  /** Records of a host from `from` to `to` (ms, inclusive), oldest first. */
  async range(host: string, from: number, to: number): Promise<HistoryRecord[]> {
    return this.parse(await this.redis.zrangebyscore(this.key(host), from, to));
  }

  /** The latest record of a host, or null. */
  async latest(host: string): Promise<HistoryRecord | null> {
    return (await this.last(host, '+inf', 1))[0] ?? null;
  }

  /** The latest record at or before `t` (ms), or null. */
  async atOrBefore(host: string, t: number): Promise<HistoryRecord | null> {
    return (await this.last(host, String(t), 1))[0] ?? null;
  }

  /** The latest record strictly before `t` (ms), or null. */
  async before(host: string, t: number): Promise<HistoryRecord | null> {
    return (await this.last(host, `(${t}`, 1))[0] ?? null;
  }

  /** The last `n` records at or before `max` (a ZRANGE bound: `+inf`, `1700000000000`, `(1700…`), newest first. */
  async last(host: string, max: string, n: number): Promise<HistoryRecord[]> {
    const raw = await this.redis.zrevrangebyscore(this.key(host), max, '-inf', 'LIMIT', 0, n);
    return this.parse(raw);
  }

  /** The latest analysis of a host (kept 2 days), or null. */
  async latestAnalysis(host: string): Promise<HostAnalysis | null> {
    const raw = await this.redis.get(this.analysisKey(host));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as HostAnalysis;
    } catch {
      return null;
    }
  }

  /** Records that do not read as records (another version wrote them) are skipped. */
  private parse(raw: string[]): HistoryRecord[] {
    const out: HistoryRecord[] = [];
    for (const r of raw) {
      try {
        const p = HistoryRecord.safeParse(JSON.parse(r));
        if (p.success) out.push(p.data);
      } catch {
        // not JSON: skipped
      }
    }
    return out;
  }
}
