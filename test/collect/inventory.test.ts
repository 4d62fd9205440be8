/**
 * The inventory: the documented example loads, defaults are resolved into each host, and every error
 * names the file, the entry and the field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INVENTORY_MAX_BYTES,
  InventoryError,
  jumpChain,
  loadInventory,
  parseInventory,
  selectHosts,
} from '../../tools/inventory/load.ts';

const EXAMPLE = new URL('../../samples/inventory.example.yaml', import.meta.url).pathname;
const FP = 'SHA256:npgHFDe37tbNKybs8JY0bZyozH09O7kPywwhD/LwGZc';

function errors(text: string): string[] {
  try {
    parseInventory(text, 'inv.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return (e as InventoryError).issues;
  }
  throw new Error('expected an InventoryError');
}

const base = (hosts: string, rest = '') =>
  `defaults: { user: gpuadmin, key: /k }\nhosts:\n${hosts}${rest ? `\n${rest}` : ''}\n`;

describe('inventory', () => {
  it('loads the documented example with every default filled and paths resolved', () => {
    const inv = loadInventory(EXAMPLE, { home: '/home/u' });
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'gpu-node-01',
      'gpu-node-02',
      'bastion',
      'pve-01',
      'pve-01-vm101',
      'lab-01',
    ]);
    const [n1, n2, bastion, pve, vm] = inv.hosts;
    expect(n1).toMatchObject({ user: 'gpuadmin', port: 22, key: '/home/u/.ssh/id_ed25519', agent: false });
    expect(n1!.hostKey).toBe(FP);
    expect(n2).toMatchObject({ user: 'ops', key: '/etc/infralens/id_ed25519', jump: 'bastion' });
    expect(bastion!.port).toBe(2222);
    expect(pve!.role).toBe('proxmox');
    expect(vm).toMatchObject({ role: 'guest', proxmoxHost: 'pve-01', vmid: 101, agent: true });
    expect(vm!.key).toBeUndefined();
    expect(inv.hosts[5]!.trustOnFirstUse).toBe(true);
    expect(inv.collection).toEqual({
      connectTimeoutSec: 10,
      commandTimeoutSec: 120,
      outputCapMiB: 16,
      concurrency: 32,
      retries: 2,
      keepaliveSec: 15,
    });
    expect(inv.alerts).toEqual({ scoreDrop: 10, cooldownMinutes: 360, unreachableAfter: 2 });
    expect(inv.channels[0]).toMatchObject({
      surface: 'slack',
      digest: { cron: '0 9 * * *', tz: 'Asia/Seoul' },
    });
    expect(inv.channels[1]!.digest).toBe(false);
    expect(jumpChain(inv, n2!).map((h) => h.name)).toEqual(['bastion']);
  });

  it('fills defaults when the optional blocks are absent', () => {
    const inv = parseInventory(
      `hosts:\n  - { name: a, address: 10.0.0.1, user: u, key: k, hostKey: "${FP}" }\nchannels:\n  - { surface: slack, id: C1, groups: ['*'] }\n`,
      'x.yaml',
      { baseDir: '/etc/infralens' },
    );
    expect(inv.hosts[0]).toMatchObject({ port: 22, key: '/etc/infralens/k', role: 'baremetal', groups: [] });
    expect(inv.channels[0]).toMatchObject({ digest: { cron: '0 9 * * *', tz: 'Asia/Seoul' }, alerts: true });
    expect(inv.collection.concurrency).toBe(32);
  });

  it('names the entry and the field in every error', () => {
    const issues = errors(
      base(
        [
          `  - { name: gpu-node-01, address: 10.0.0.1, hostKey: "${FP}" }`,
          `  - { name: gpu-node-02, address: 10.0.0.2, hostKey: "${FP}", prot: 22 }`,
          '  - { name: gpu-node-03, address: 10.0.0.3 }',
          `  - { name: gpu-node-01, address: 10.0.0.4, hostKey: "SHA256:short" }`,
        ].join('\n'),
      ),
    );
    expect(issues).toContain("inv.yaml: hosts[1] (gpu-node-02): unknown field 'prot'");
    expect(
      issues.some((i) => i.startsWith('inv.yaml: hosts[2] (gpu-node-03).hostKey: no pinned host key')),
    ).toBe(true);
    expect(
      issues.some((i) => i.startsWith('inv.yaml: hosts[3] (gpu-node-01).hostKey: must be an OpenSSH')),
    ).toBe(true);
  });

  it('cross-checks names, jump hosts, guests, authentication and channel groups', () => {
    const issues = errors(
      [
        'hosts:',
        `  - { name: a, address: 10.0.0.1, user: u, key: /k, hostKey: "${FP}", jump: b }`,
        `  - { name: b, address: 10.0.0.2, user: u, key: /k, hostKey: "${FP}", jump: a }`,
        `  - { name: a, address: 10.0.0.3, user: u, key: /k, hostKey: "${FP}" }`,
        `  - { name: g, address: 10.0.0.4, user: u, key: /k, hostKey: "${FP}", role: guest, proxmoxHost: a }`,
        `  - { name: h, address: 10.0.0.5, hostKey: "${FP}", jump: nowhere }`,
        `  - { name: i, address: 10.0.0.6, user: u, key: /k, hostKey: "${FP}", vmid: 101, groups: [gpu] }`,
        `  - { name: j, address: 10.0.0.7, user: u, key: /k, agent: true, trustOnFirstUse: true }`,
        'channels:',
        '  - { surface: slack, id: C01, groups: [gpu, nosuch] }',
        '  - { surface: teams, id: T01, groups: [gpu], digest: { cron: "every day", tz: Mars/Base } }',
      ].join('\n'),
    );
    const want = [
      "inv.yaml: hosts[2] (a).name: duplicate host name 'a'",
      'inv.yaml: hosts[0] (a).jump: jump hosts form a cycle: a → b → a',
      'inv.yaml: hosts[3] (g).vmid: required for role guest',
      "inv.yaml: hosts[3] (g).proxmoxHost: 'a' has role baremetal, not proxmox",
      "inv.yaml: hosts[4] (h).jump: no host named 'nowhere'",
      'inv.yaml: hosts[4] (h).user: required (here or in defaults.user)',
      'inv.yaml: hosts[4] (h).key: required: a private key file or agent: true (here or in defaults)',
      'inv.yaml: hosts[5] (i).vmid: only for role guest',
      'inv.yaml: hosts[6] (j).agent: give either key or agent: true, not both',
      "inv.yaml: channels[0] (C01).groups[1]: no host is in group 'nosuch'",
    ];
    for (const w of want) expect(issues).toContain(w);
    expect(issues).toContain(
      "inv.yaml: channels[1] (T01).digest.cron: 'every day' has 2 fields: a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)",
    );
    expect(issues.some((i) => i.startsWith('inv.yaml: channels[1] (T01).digest.tz: must be an IANA'))).toBe(
      true,
    );
  });

  it('reports YAML errors with their line, a missing file, a huge file and a non-mapping', () => {
    expect(errors('hosts: [\n  - a: b\n')[0]).toMatch(/^inv\.yaml:\d+:\d+: YAML: /);
    expect(errors('- just\n- a list\n')).toEqual(["inv.yaml: must be a YAML mapping with a 'hosts:' list"]);
    expect(errors('hosts: []\n')).toEqual(['inv.yaml: hosts: list at least one host']);
    const dir = mkdtempSync(join(tmpdir(), 'infralens-inv-'));
    expect(() => loadInventory(join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: cannot read the inventory \(no such file\)/,
    );
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(INVENTORY_MAX_BYTES)}\n`);
    expect(() => loadInventory(big)).toThrow(/larger than 1 MiB/);
    expect(() => loadInventory(dir)).toThrow(/not a regular file/);
  });

  it('selects hosts by name, group or all, in inventory order', () => {
    const inv = loadInventory(EXAMPLE);
    expect(selectHosts(inv).length).toBe(6);
    expect(selectHosts(inv, 'all').length).toBe(6);
    expect(selectHosts(inv, 'gpu-node-02').map((h) => h.name)).toEqual(['gpu-node-02']);
    expect(selectHosts(inv, 'training').map((h) => h.name)).toEqual([
      'gpu-node-01',
      'pve-01',
      'pve-01-vm101',
    ]);
    expect(() => selectHosts(inv, 'nope')).toThrow(
      /no host or group named 'nope' \(hosts: gpu-node-01.*groups: training/,
    );
  });
});
