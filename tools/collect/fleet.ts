/**
 * Collect many hosts: at most `collection.concurrency` at a time, results in the order of the hosts.
 * Transient failures (unreachable — which includes a reset connection — and timeouts) are retried up to
 * `collection.retries` times with exponential backoff and jitter drawn from a seeded or injected RNG;
 * a wrong host key, failed authentication, a refused port, a configuration problem, an output flood or
 * a failing collector are reported at once and never retried. One host's failure is that host's
 * outcome, never the fleet's. An AbortSignal stops everything: connections close, waits end, and the
 * promise rejects with the signal's reason.
 */
import type { HostEntry, Inventory } from '../inventory/schema.ts';
import { type CollectErrorKind, type CollectOptions, type CollectOutcome, collectHost } from './ssh.ts';

export type { CollectErrorKind, CollectOutcome } from './ssh.ts';

/** the kinds worth another attempt */
export const TRANSIENT_KINDS: ReadonlySet<CollectErrorKind> = new Set(['unreachable', 'timeout']);

export interface FleetOptions extends Omit<CollectOptions, 'attempt'> {
  /** uniform in [0, 1), for the backoff jitter (default: a PRNG seeded with `seed`) */
  random?: () => number;
  /** seed of the default PRNG (default 1) */
  seed?: number;
  /** first backoff in ms (default 500); doubles per attempt, capped at maxBackoffMs (default 10 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** one host's single attempt (default collectHost; tests count calls) */
  collect?: (host: HostEntry, inv: Inventory, opts: CollectOptions) => Promise<CollectOutcome>;
  /** called as each host finishes (progress output) */
  onOutcome?: (outcome: CollectOutcome, index: number) => void;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1) */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** the wait before attempt `next` (2, 3, …): base·2^(next−2), capped, times a jitter in [0.5, 1) */
export function backoffDelay(next: number, random: () => number, base = 500, max = 10_000): number {
  const exp = Math.min(max, base * 2 ** (next - 2));
  return Math.round(exp * (0.5 + random() / 2));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Collect `hosts` (entries of `inv`); outcome i is host i's. */
export async function collectHosts(
  inv: Inventory,
  hosts: readonly HostEntry[],
  opts: FleetOptions = {},
): Promise<CollectOutcome[]> {
  const { random: injected, seed, backoffMs, maxBackoffMs, collect, onOutcome, ...hostOpts } = opts;
  const random = injected ?? seededRandom(seed ?? 1);
  const one = collect ?? collectHost;
  const signal = opts.signal;
  const base: CollectOptions = { ...hostOpts, files: hostOpts.files ?? new Map() };
  const results: CollectOutcome[] = new Array(hosts.length);
  const started = new Map<number, number>();
  let next = 0;

  const work = async (): Promise<void> => {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const i = next++;
      if (i >= hosts.length) return;
      const host = hosts[i]!;
      started.set(i, performance.now());
      let outcome: CollectOutcome | undefined;
      for (let attempt = 1; ; attempt++) {
        outcome = await one(host, inv, { ...base, attempt });
        if (outcome.ok || !TRANSIENT_KINDS.has(outcome.error.kind) || attempt > inv.collection.retries) break;
        await sleep(backoffDelay(attempt + 1, random, backoffMs, maxBackoffMs), signal);
      }
      // ms covers every attempt and the waits between them
      outcome = { ...outcome, ms: Math.round(performance.now() - started.get(i)!) };
      results[i] = outcome;
      onOutcome?.(outcome, i);
    }
  };

  const n = Math.min(inv.collection.concurrency, hosts.length);
  const workers = Array.from({ length: n }, work);
  if (signal) {
    // reject at once on abort; the workers' own connections close through the same signal
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([Promise.all(workers), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
      for (const w of workers) w.catch(() => {});
      aborted.catch(() => {});
    }
  } else await Promise.all(workers);
  return results;
}
