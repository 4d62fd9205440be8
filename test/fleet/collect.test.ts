/** The collection pipeline: a Proxmox host with passthrough GPUs scored from its guests, and failures as data. */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { collectAndRecord } from '../../jobs/fleet/collect.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { dropPrefix } from '../jobs/helpers.ts';
import { fleetDeps, inventory, recordingOutbox, scriptedCollect } from './helpers.ts';

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const prefix = testPrefix('collect');
afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

const inv = inventory(
  [
    { name: 'pve-01', extra: 'role: proxmox' },
    { name: 'vm101', extra: 'role: guest, proxmoxHost: pve-01, vmid: 101' },
    { name: 'vm102', extra: 'role: guest, proxmoxHost: pve-01, vmid: 102' },
    { name: 'n1' },
    { name: 'bad' },
  ],
  '  - { surface: slack, id: CLAB, groups: [lab], digest: false, alerts: false }',
);

describe('collectAndRecord', () => {
  it('collects the guests of a Proxmox host with it and merges them: the passthrough host gets a score', async () => {
    const collect = scriptedCollect({ 'pve-01': ['pve'], vm101: ['guest101'], vm102: ['guest102'] });
    const deps = fleetDeps(redis, prefix, inv, collect, recordingOutbox(), { now: Date.UTC(2026, 0, 10) });
    const r = await collectAndRecord(
      deps,
      inv.hosts.filter((h) => h.name === 'pve-01'),
    );
    expect(collect.calls).toEqual([['pve-01', 'vm101', 'vm102']]);
    const pve = r.hosts.find((h) => h.host === 'pve-01')!;
    expect(pve.error).toBeNull();
    // the golden of test/ingest/passthrough-fleet.test.ts: B 84.7 from the guests' utilisation
    expect(pve.record).toMatchObject({ score: 84.7, grade: 'B' });
    expect(pve.analysis!.gpus.filter((g) => g.utilizationPct !== null)).toHaveLength(6);
    expect((await deps.history.latest('pve-01'))!.score).toBe(84.7);
    // the guests keep records of their own
    expect(r.hosts.map((h) => h.host)).toEqual(['pve-01', 'vm101', 'vm102']);
  });

  it('a failed host and an unreadable bundle are records with their error, not a failure of the others', async () => {
    const collect = scriptedCollect({
      n1: ['good'],
      bad: [{ kind: 'host-key', message: 'host key SHA256:abc does not match the pinned key' }],
    });
    const deps = fleetDeps(redis, prefix, inv, collect, recordingOutbox(), { now: Date.UTC(2026, 0, 11) });
    const r = await collectAndRecord(
      deps,
      inv.hosts.filter((h) => h.name === 'n1' || h.name === 'bad'),
    );
    expect(r.hosts.find((h) => h.host === 'n1')!.record.score).toBe(82.5);
    expect(r.hosts.find((h) => h.host === 'bad')!.record.error).toEqual({
      kind: 'host-key',
      message: 'host key SHA256:abc does not match the pinned key',
    });
    const deps2 = fleetDeps(
      redis,
      prefix,
      inv,
      async (_i, hosts) =>
        hosts.map((h) => ({
          host: h.name,
          ok: true as const,
          bundle: '\u0000\u0001binary',
          bytes: 8,
          ms: 1,
          attempts: 1,
          warnings: [],
        })),
      recordingOutbox(),
      { now: Date.UTC(2026, 0, 12) },
    );
    const g = await collectAndRecord(
      deps2,
      inv.hosts.filter((h) => h.name === 'n1'),
    );
    expect(g.hosts[0]!.record.error?.kind).toBe('ingest');
  });
});
