/**
 * An address that does not resolve is a per-host `unreachable` error said in words ("the address does not
 * resolve"), not a bare ENOTFOUND; the other hosts of the fleet are collected as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectHosts } from '../../tools/collect/fleet.ts';
import { type FakeFleet, startFakeFleet } from '../helpers/ssh-server.ts';

let fleet: FakeFleet;
beforeAll(async () => {
  fleet = await startFakeFleet([{ name: 'gpu-node-01' }]);
});
afterAll(() => fleet?.close());

describe('an address that does not resolve', () => {
  it('is unreachable with the cause in words; the good host is still collected', async () => {
    const inv = fleet.inventory({
      collection: { retries: 0 },
      hosts: [{ name: 'typo', address: 'gpu-node-01.invalid', hostKey: fleet.hosts[0]!.pinned }],
    });
    const out = await collectHosts(inv, inv.hosts);
    const byName = Object.fromEntries(out.map((o) => [o.host, o]));
    expect(byName['gpu-node-01']!.ok).toBe(true);
    const typo = byName.typo!;
    expect(typo.ok).toBe(false);
    if (typo.ok) return;
    expect(typo.error.kind).toBe('unreachable');
    // a resolver that answers says "not found"; one that cannot be reached, "for now"
    expect(typo.error.message).toMatch(
      /^(the address does not resolve \(check the inventory address or DNS\) \(ENOTFOUND\)|name resolution failed for now \(DNS\) \(EAI_AGAIN\)|cannot resolve the address \(\w+\))$/,
    );
  }, 60_000);
});
