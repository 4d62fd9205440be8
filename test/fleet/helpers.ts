/**
 * Helpers of the fleet tests: an inventory parsed by the real loader, a collector that serves recorded
 * bundles (or errors) per host in turn — injected as the `collect` dependency, no SSH — and an outbox that
 * records the send jobs it is given.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { HistoryStore } from '../../jobs/fleet/history.ts';
import { RedisFleetState } from '../../jobs/fleet/state.ts';
import type { CollectFn, CollectOutcome, FleetDeps, HostEntry, Inventory } from '../../jobs/fleet/types.ts';
import { silentLogger } from '../../jobs/log.ts';
import type { SendJob } from '../../jobs/queue/contracts.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import type { CollectErrorKind } from '../../tools/collect/ssh.ts';
import { parseInventory } from '../../tools/inventory/load.ts';

const sample = (p: string) => readFileSync(new URL(`../../samples/${p}`, import.meta.url), 'utf8');

/** Recorded bundles: B 82.5 with no critical finding; C 70.9 with two critical findings; C 64.8. */
export const BUNDLES = {
  good: sample('bundles/aws-p5en-8x-h200-real.txt'),
  critical: sample('scenarios/l40s/bundle.txt'),
  idle: sample('scenarios/h200/bundle.txt'),
  /** a Proxmox host with every GPU in passthrough (no nvidia-smi), and its two guests (VMs 101, 102). */
  pve: sample('fleet/pve-host.txt'),
  guest101: sample('fleet/pve-guest-101.txt'),
  guest102: sample('fleet/pve-guest-102.txt'),
} as const;
export type BundleName = keyof typeof BUNDLES;
/** What a host answers in one collection: a recorded bundle, or a failure. */
export type Answer = BundleName | { kind: CollectErrorKind; message: string };

/** An inventory of loopback hosts (keys not pinned: trustOnFirstUse) and channels, through the real loader. */
export function inventory(
  hosts: { name: string; groups?: string[]; extra?: string }[],
  channels: string,
  alerts = 'alerts: { scoreDrop: 10, cooldownMinutes: 360, unreachableAfter: 2 }',
): Inventory {
  const yaml = [
    'defaults: { user: probe, agent: true }',
    'hosts:',
    ...hosts.map(
      (h) =>
        `  - { name: ${h.name}, address: 127.0.0.1, trustOnFirstUse: true, groups: [${(h.groups ?? ['lab']).join(', ')}]${h.extra ? `, ${h.extra}` : ''} }`,
    ),
    'channels:',
    channels,
    alerts,
  ].join('\n');
  return parseInventory(yaml, 'test-inventory.yaml');
}

/**
 * A collector that answers each host from a script: the next answer per call (the last one repeats).
 * `calls` records the hosts of every call.
 */
export function scriptedCollect(script: Record<string, Answer[]>): CollectFn & { calls: string[][] } {
  const turn = new Map<string, number>();
  const calls: string[][] = [];
  const fn = (async (_inv: Inventory, hosts: readonly HostEntry[]): Promise<CollectOutcome[]> => {
    calls.push(hosts.map((h) => h.name));
    return hosts.map((h): CollectOutcome => {
      const answers = script[h.name] ?? [{ kind: 'unreachable', message: 'no such host' }];
      const i = turn.get(h.name) ?? 0;
      turn.set(h.name, i + 1);
      const a = answers[Math.min(i, answers.length - 1)]!;
      if (typeof a === 'string') {
        const bundle = BUNDLES[a];
        return { host: h.name, ok: true, bundle, bytes: bundle.length, ms: 1, attempts: 1, warnings: [] };
      }
      return { host: h.name, ok: false, error: a, ms: 1, attempts: 1 };
    });
  }) as unknown as CollectFn & { calls: string[][] };
  fn.calls = calls;
  return fn;
}

/** An outbox that keeps the send jobs (deduplicated by id, as the backbone does) and blobs in memory. */
export function recordingOutbox() {
  const sends: { id: string; data: SendJob }[] = [];
  const blobs = new Map<string, Uint8Array>();
  return {
    sends,
    blobs: {
      map: blobs,
      async put(bytes: Uint8Array) {
        const { createHash } = await import('node:crypto');
        const sha = createHash('sha256').update(bytes).digest('hex');
        blobs.set(sha, bytes);
        return sha;
      },
    },
    async enqueueSend(data: SendJob, id: string) {
      if (sends.some((s) => s.id === id)) return { added: false };
      sends.push({ id, data });
      return { added: true };
    },
    /** the texts sent to a channel, in order. */
    texts(channel?: string): string[] {
      return sends
        .filter((s) => channel === undefined || s.data.to.channel === channel)
        .flatMap((s) => s.data.messages.map((m) => (m.kind === 'message' ? m.text : `[file ${m.filename}]`)));
    },
  };
}

/** Fleet deps on a real Redis under `prefix`, with a movable clock. */
export function fleetDeps(
  redis: Redis,
  prefix: string,
  inv: Inventory,
  collect: CollectFn,
  outbox: ReturnType<typeof recordingOutbox>,
  clock: { now: number },
): FleetDeps {
  return {
    inventory: inv,
    collect,
    history: new HistoryStore(redis, prefix),
    outbox: outbox as unknown as FleetDeps['outbox'],
    state: new RedisFleetState(redis, prefix),
    renderPdf,
    now: () => new Date(clock.now),
    log: silentLogger,
  };
}
