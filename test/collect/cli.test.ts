/**
 * `infralens hosts` and `infralens collect` through the CLI entry (in-process `main`) against fake SSH
 * hosts on loopback: the analysis line of a collected bundle, per-host errors, --out, --json, exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.ts';
import { runCli } from '../helpers/cli.ts';
import { closedPort, type FakeFleet, recorded, startFakeFleet } from '../helpers/ssh-server.ts';

let fleet: FakeFleet;
let config: string;
const tmp = mkdtempSync(join(tmpdir(), 'infralens-collect-cli-'));

beforeAll(async () => {
  fleet = await startFakeFleet([
    { name: 'gpu-node-01', extra: { groups: ['training'] } },
    { name: 'pve-hgx-01', bundle: recorded('pve-host.txt'), extra: { role: 'proxmox', groups: ['pve'] } },
    {
      name: 'train-llm',
      bundle: recorded('pve-guest-101.txt'),
      extra: { role: 'guest', proxmoxHost: 'pve-hgx-01', vmid: 101, groups: ['pve'] },
    },
    { name: 'wrong-key', mode: 'wrong-host-key', extra: { groups: ['bad'] } },
  ]);
  const port = await closedPort();
  config = join(tmp, 'inventory.yaml');
  writeFileSync(
    config,
    fleet.inventoryYaml({
      hosts: [
        { name: 'closed', address: '127.0.0.1', port, hostKey: fleet.hosts[0]!.pinned, groups: ['bad'] },
      ],
    }),
  );
});
afterAll(() => fleet?.close());
afterEach(() => vi.unstubAllEnvs());

describe('infralens hosts', () => {
  it('lists the inventory with each host last collection unknown without a history', async () => {
    vi.stubEnv('INFRALENS_CONFIG', config);
    const r = await runCli(['hosts']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+ADDRESS\s+ROLE\s+GROUPS\s+LAST COLLECTION$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^gpu-node-01\\s+gpuadmin@127\\.0\\.0\\.1:${fleet.host('gpu-node-01').port}\\s+baremetal\\s+training\\s+unknown$`,
      ),
    );
    expect(lines[3]).toMatch(/^train-llm\s+\S+\s+guest \(VM 101 on pve-hgx-01\)\s+pve\s+unknown$/);
    expect(lines.at(-1)).toBe(`5 hosts in ${config}`);
  });

  it('asks the history hook for the last collection (never, a score, a failure)', async () => {
    vi.stubEnv('INFRALENS_CONFIG', config);
    const out: string[] = [];
    const status = await main(['hosts', 'pve'], {
      out: (s) => out.push(s),
      err: (s) => out.push(s),
      fleet: {
        lastCollection: async (h) =>
          h.name === 'pve-hgx-01'
            ? { at: '2025-01-02T09:00:00Z', score: 71.25, grade: 'B' }
            : { at: '2025-01-02T09:00:00Z', score: null, grade: null, error: 'timeout' },
      },
    });
    expect(status).toBe(0);
    expect(out[1]).toMatch(/pve-hgx-01 .* 2025-01-02T09:00:00Z score 71\.3 \(B\)$/);
    expect(out[2]).toMatch(/train-llm .* 2025-01-02T09:00:00Z failed: timeout$/);
    const never = await runCli(['hosts', '--json', 'gpu-node-01']);
    expect(JSON.parse(never.stdout)).toEqual([
      expect.objectContaining({ name: 'gpu-node-01', hostKey: 'pinned', lastCollection: 'unknown' }),
    ]);
  });

  it('says clearly when INFRALENS_CONFIG is missing or the inventory is wrong (exit 2)', async () => {
    vi.stubEnv('INFRALENS_CONFIG', '');
    const r = await runCli(['hosts']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'infralens: INFRALENS_CONFIG is not set: point it at the fleet inventory YAML (example: samples/inventory.example.yaml)\n',
    );
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'hosts:\n  - { name: n1, address: 10.0.0.1, user: u, key: /k }\n');
    vi.stubEnv('INFRALENS_CONFIG', bad);
    const r2 = await runCli(['collect']);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/^infralens: bad\.yaml: hosts\[0\] \(n1\)\.hostKey: no pinned host key/);
    vi.stubEnv('INFRALENS_CONFIG', config);
    const r3 = await runCli(['collect', 'nosuch']);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/^infralens: no host or group named 'nosuch'/);
  });
});

describe('infralens collect', () => {
  it('collects, analyses each bundle like analyze, writes --out and exits 0', async () => {
    vi.stubEnv('INFRALENS_CONFIG', config);
    const out = join(tmp, 'bundles');
    const r = await runCli(['collect', 'training', '--out', out]);
    expect(r.status).toBe(0);
    const m = /^gpu-node-01 {2}ok {2}8 GPUs, score (\d+\.\d) \(([A-F])\) \(200 KiB, \d+ ms\)\n/.exec(
      r.stdout,
    );
    expect(m, r.stdout).not.toBeNull();
    expect(r.stdout).toMatch(/collected 1 of 1 host in \d+\.\d s; bundles in .*bundles\n$/);
    expect(readFileSync(join(out, 'gpu-node-01.txt'), 'utf8')).toBe(recorded('baremetal-h200.txt'));
    // the same score as `infralens analyze` of the bundle written
    const analyze = await runCli(['analyze', '--json', '--no-plan', join(out, 'gpu-node-01.txt')]);
    const score = JSON.parse(analyze.stdout).hosts[0].score;
    expect([score.value.toFixed(1), score.grade]).toEqual([m![1], m![2]]);
  });

  it('prints one line per host in inventory order, failures with their kind, and exits 1', async () => {
    vi.stubEnv('INFRALENS_CONFIG', config);
    const r = await runCli(['collect']);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'gpu-node-01 ok',
      'pve-hgx-01 ok',
      'train-llm ok',
      'wrong-key host-key',
      'closed refused',
      'collected 3',
    ]);
    expect(lines[3]).toContain(
      `expected ${fleet.host('wrong-key').pinned}, the host presented ${fleet.host('wrong-key').presented}`,
    );
    expect(lines[4]).toContain('connection refused (nothing listens on the port)');
  });

  it('--json gives every host with its outcome, without the bundles', async () => {
    vi.stubEnv('INFRALENS_CONFIG', config);
    const r = await runCli(['collect', 'bad', '--json']);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.failed).toBe(2);
    expect(j.hosts.map((h: { host: string; error: { kind: string } }) => [h.host, h.error.kind])).toEqual([
      ['wrong-key', 'host-key'],
      ['closed', 'refused'],
    ]);
    const ok = JSON.parse((await runCli(['collect', 'gpu-node-01', '--json'])).stdout);
    expect(ok.hosts[0]).toMatchObject({
      host: 'gpu-node-01',
      ok: true,
      gpus: 8,
      attempts: 1,
      warnings: [],
    });
    expect(ok.hosts[0].score).toBeGreaterThan(0);
    expect(ok.hosts[0].bundle).toBeUndefined();
  });
});
