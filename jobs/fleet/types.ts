/**
 * What the fleet jobs need from the rest of the system, as small interfaces: the collector (tools/collect
 * `collectHosts`, injected so tests can serve recorded bundles without SSH), the outbox and blob store of
 * the jobs backbone, the PDF renderer, the clock. The inventory types are tools/inventory's.
 */

import type { z } from 'zod';
import type { ReportModel } from '../../scoring/report.ts';
import type { CollectOutcome } from '../../tools/collect/ssh.ts';
import type { InputFile } from '../../tools/ingest/index.ts';
import type { AlertSettings, ChannelEntry, HostEntry, Inventory } from '../../tools/inventory/schema.ts';
import type { Logger } from '../log.ts';
import type { SendJob } from '../queue/contracts.ts';
import type { HistoryStore } from './history.ts';

/** One host's collection, as tools/collect/fleet.ts reports it. */
export type { AlertSettings, ChannelEntry, CollectOutcome, HostEntry, Inventory };

/** tools/collect/fleet.ts `collectHosts`: one outcome per host, never a throw for one host's failure. */
export type CollectFn = (
  inv: Inventory,
  hosts: readonly HostEntry[],
  opts?: { signal?: AbortSignal },
) => Promise<readonly CollectOutcome[]>;

/** The part of the jobs backbone the fleet jobs use (Backbone satisfies it). */
export interface Outbox {
  enqueueSend(data: z.input<typeof SendJob>, id: string): Promise<{ added: boolean }>;
  blobs: { put(bytes: Uint8Array): Promise<string> };
}

/** A channel's language: `lang` when the inventory gives one, else English. */
export type Lang = 'en' | 'ko';
export const langOf = (c: ChannelEntry): Lang => ((c as { lang?: unknown }).lang === 'ko' ? 'ko' : 'en');

/**
 * The live sources of the hosts of a collection (tools/sources `liveInputs`: GPU windows from Prometheus,
 * a Proxmox node's VM configs from its API): extra input files and warnings per host.
 */
export type LiveSourcesFn = (
  inv: Inventory,
  hosts: readonly HostEntry[],
  opts: { now: Date; signal?: AbortSignal },
) => Promise<Map<string, { files: InputFile[]; warnings: string[] }>>;

/** Everything the fleet jobs run on. */
export interface FleetDeps {
  inventory: Inventory;
  collect: CollectFn;
  /** the hosts' live sources; absent: SSH only. */
  sources?: LiveSourcesFn;
  history: HistoryStore;
  outbox: Outbox;
  /** SET NX PX and DEL on our own keys (alert cooldowns, active alerts, per-host locks). */
  state: FleetState;
  renderPdf: (model: ReportModel, now: Date) => Promise<Uint8Array>;
  now: () => Date;
  log: Logger;
}

/** The Redis commands the alerts use, on keys under the prefix. */
export interface FleetState {
  /** SET key value NX PX ttlMs: true when this call set it. */
  setOnce(key: string, value: string, ttlMs: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** compare-and-delete: release a lock only if it still holds `value`. */
  delIf(key: string, value: string): Promise<boolean>;
}

/** Whether a channel sees a host: a group in common, or `*`. */
export function covers(channel: ChannelEntry, host: HostEntry): boolean {
  return channel.groups.some((g) => g === '*' || host.groups.includes(g));
}

/** The hosts a channel sees, in the inventory's order. */
export function hostsOf(inv: Inventory, channel: ChannelEntry): HostEntry[] {
  return inv.hosts.filter((h) => covers(channel, h));
}
