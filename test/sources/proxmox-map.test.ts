/**
 * A Proxmox cluster configured by API token in the inventory gets its VM ↔ GPU map without SSH: the
 * inventory's `proxmox:` entry (loaded by the real loader, the secret from its file) → the fake Proxmox
 * API over HTTPS with a pinned self-signed certificate → `infralens proxmox-map` and the map the
 * `get_proxmox_map` tool returns. A wrong token is one line naming the cluster, never the secret.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../tools/inventory/load.ts';
import { proxmoxMap } from '../../tools/sources/proxmox-map.ts';
import { FAKE_TOKENS, type FakeProxmox, opensslMissing, startFakeProxmox } from '../fakes/proxmox-api.ts';
import { runCli } from '../helpers/cli.ts';

let fake: FakeProxmox;
let dir: string;

/** the CLI in-process with INFRALENS_CONFIG set for the call */
async function cli(args: string[], config: string) {
  const before = process.env.INFRALENS_CONFIG;
  process.env.INFRALENS_CONFIG = config;
  try {
    return await runCli(args);
  } finally {
    if (before === undefined) delete process.env.INFRALENS_CONFIG;
    else process.env.INFRALENS_CONFIG = before;
  }
}

function inventory(secret: string, extra = ''): string {
  const path = join(dir, `inv-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(join(dir, 'pve.secret'), `${secret}\n`);
  writeFileSync(
    path,
    [
      'hosts:',
      '  - { name: pve-hgx-01, address: 127.0.0.1, user: root, agent: true, trustOnFirstUse: true, role: proxmox, proxmoxApi: lab, groups: [lab] }',
      'proxmox:',
      `  - { name: lab, url: '${fake.url}', tokenId: '${FAKE_TOKENS.auditor.tokenId}', secretFile: pve.secret, fingerprint: '${fake.fingerprint}', groups: [lab]${extra} }`,
    ].join('\n'),
  );
  return path;
}

describe.skipIf(opensslMissing !== null)(
  `a Proxmox cluster by API token${opensslMissing ? ` (skipped: ${opensslMissing})` : ''}`,
  () => {
    beforeAll(async () => {
      fake = await startFakeProxmox();
      dir = mkdtempSync(join(tmpdir(), 'infralens-pve-map-'));
    });
    afterAll(async () => {
      await fake?.close();
    });

    it('the map: every VM with the GPUs its hostpci entries pass through, per node, without SSH', async () => {
      const inv = loadInventory(inventory(FAKE_TOKENS.auditor.secret));
      const map = await proxmoxMap(inv.proxmox[0]!);
      expect(map.cluster).toBe('lab');
      expect(map.nodes.map((n) => n.node)).toEqual(['pve-4029gp', 'pve-hgx-01']);
      const vm = (id: number) => map.vms.find((v) => v.vmid === id)!;
      // VM 101 holds four H100s (one of them through the PCI mapping h100-52), VM 102 two, VM 122 eight RTX 3080s
      expect(
        vm(101)
          .gpus.map((g) => g.busId)
          .sort(),
      ).toEqual(['0000:1b:00.0', '0000:43:00.0', '0000:52:00.0', '0000:61:00.0'].sort());
      expect(
        vm(102)
          .gpus.map((g) => g.busId)
          .sort(),
      ).toEqual(['0000:9d:00.0', '0000:c3:00.0']);
      expect(vm(122).gpus).toHaveLength(8);
      expect(vm(101)).toMatchObject({ node: 'pve-hgx-01', name: 'train-llm', status: 'running' });
      // the API gives no NUMA node: unknown, never guessed, and said so
      expect(map.vms.flatMap((v) => v.gpus).every((g) => g.numaNode === null)).toBe(true);
      expect(map.warnings.join('\n')).toMatch(/does not give the NUMA node/);
      // only audit requests, with the token
      expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
    });

    it('infralens proxmox-map prints it; a wrong token is one line naming the cluster, not the secret', async () => {
      const ok = await cli(['proxmox-map'], inventory(FAKE_TOKENS.auditor.secret));
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^lab: 2 nodes, 3 VMs/m);
      expect(ok.stdout).toMatch(
        /VM 101 train-llm \[running\]: 0000:1b:00\.0, 0000:43:00\.0, 0000:52:00\.0, 0000:61:00\.0; pinned to host NUMA 0/,
      );
      const bad = await cli(['proxmox-map', 'lab'], inventory('not-the-secret-0000'));
      expect(bad.status).toBe(1);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/^infralens: the Proxmox cluster lab: .*(401|authentication)/i);
      expect(bad.stderr).not.toContain('not-the-secret-0000');
      const none = await cli(['proxmox-map', 'nope'], inventory(FAKE_TOKENS.auditor.secret));
      expect(none.status).toBe(2);
      expect(none.stderr).toMatch(/no Proxmox cluster 'nope'; the inventory has lab/);
    });
  },
);
