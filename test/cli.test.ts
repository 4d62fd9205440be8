/**
 * The CLI: most cases in-process through `main(argv, io)` (test/helpers/cli.ts); the launcher itself
 * (`bin/infralens` from another directory, the built dist/ or the sources) in a few spawned processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli as run } from './helpers/cli.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const CLI = join(ROOT, 'bin/infralens');
const spawn = (args: string[], cwd = ROOT) =>
  spawnSync(CLI, args, { cwd, encoding: 'utf8', timeout: 60_000 });
const tmp = mkdtempSync(join(tmpdir(), 'infralens-cli-'));

describe('bin/infralens (the launcher, as a process)', () => {
  it('parse prints the merged snapshot (schemaVersion 1) and exits 0, from any directory', () => {
    const r = spawn(
      [
        'parse',
        '--host',
        'n1',
        join(ROOT, 'samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt'),
      ],
      tmp,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const snap = JSON.parse(r.stdout);
    expect(snap.schemaVersion).toBe(1);
    expect(snap.host).toBe('n1');
    expect(snap.gpus).toHaveLength(4);
  });

  it('exits 2 with usage on an unknown command, and 0 with the formats, as a process', () => {
    const r = spawn(['frobnicate'], tmp);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage:/);
    const f = spawn(['formats'], tmp);
    expect(f.status).toBe(0);
    expect(f.stdout).toContain('nvidia-smi-xml');
  });
});

describe('infralens commands (in-process)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('exits 2 naming the file and the problem for bad input', async () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    const r = await run(['parse', empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${empty}: file is empty`);
    expect(r.stdout).toBe('');
    const missing = await run(['parse', join(tmp, 'nope.txt')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.txt: no such file/);
  });

  it('reads at most the cap from a device and names the problem (exit 2), never a stack trace', async () => {
    const zero = await run(['parse', '/dev/zero']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/^infralens: \/dev\/zero: file is more than 16 MiB/);
    const dir = await run(['parse', tmp]);
    expect(dir.status).toBe(2);
    expect(dir.stderr).toContain('is a directory, expected a file');
  });

  it('--vmid gives a qm config without an id its VM (and refuses a malformed one)', async () => {
    const qm = join(tmp, 'qm-output.txt');
    writeFileSync(qm, 'cores: 8\nmemory: 65536\nname: trainer\nhostpci0: 0000:17:00,pcie=1\n');
    const none = JSON.parse((await run(['parse', qm])).stdout);
    expect(none.workloads[0].vm.vmid).toBeNull();
    expect(JSON.stringify(none)).toContain('VM config without a VM id');
    const one = JSON.parse((await run(['parse', '--vmid', '102', qm])).stdout);
    expect(one.workloads[0].vm.vmid).toBe(102);
    const named = JSON.parse((await run(['parse', '--vmid', `${qm}=103`, qm])).stdout);
    expect(named.workloads[0].vm.vmid).toBe(103);
    const bad = await run(['parse', '--vmid', '7', qm]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--vmid takes a Proxmox VM id (100–999999999) or FILE=ID, not '7'");
  });

  it('--keep-going prints the snapshot of the usable files and still names the rejected one', async () => {
    const bad = join(tmp, 'bad.txt');
    writeFileSync(bad, 'hello');
    const r = await run([
      'parse',
      '--keep-going',
      bad,
      join(ROOT, 'samples/real/numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt'),
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/bad\.txt: unknown format/);
    expect(JSON.parse(r.stdout).cpu.numaNodes).toHaveLength(2);
  });

  it('exits 2 with usage on unknown commands and options', async () => {
    expect((await run(['frobnicate'])).status).toBe(2);
    const r = await run(['parse', '--bogus', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage:/);
  });

  it('demo runs the H200 scenario end to end with no network, key or Redis', async () => {
    const r = await run(['demo', '--pdf', join(tmp, 'infralens-report.pdf')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Efficiency score: 62\.0 \/ 100 — C \(inefficient\)/);
    expect(r.stdout).toContain('train-vision-b: distributed job split across NVLink groups');
    expect(r.stderr).toMatch(/PDF report written to .*infralens-report\.pdf/);
    expect(readFileSync(join(tmp, 'infralens-report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const ko = await run(['demo', '--lang', 'ko', '--no-pdf']);
    expect(ko.stdout).toContain('효율 점수: 62.0 / 100 — C (비효율)');
    const json = JSON.parse((await run(['demo', '--scenario', 'l40s', '--json', '--no-pdf'])).stdout);
    expect(json.schemaVersion).toBe(1);
    expect(json.hosts[0].host).toBe('gpu-node-02');
    expect(json.hosts[0].findings.some((f: { rule: string }) => f.rule === 'mig-candidate')).toBe(false);
  });

  it('analyze reads files and a workloads file, and rejects a bad --lang or a non-workloads --workloads', async () => {
    const topo = join(ROOT, 'samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt');
    const wl = join(tmp, 'w.yaml');
    writeFileSync(wl, 'workloads:\n  - name: ddp\n    kind: training\n    gpus: [0, 2]\n    cpus: "0-95"\n');
    const r = await run(['analyze', '--json', '--workloads', wl, topo]);
    expect(r.status).toBe(0);
    const h = JSON.parse(r.stdout).hosts[0];
    expect(h.score).toBeNull();
    expect(h.findings.map((f: { rule: string }) => f.rule)).toEqual(
      expect.arrayContaining(['cross-socket', 'numa-mismatch']),
    );
    expect((await run(['analyze', '--lang', 'fr', topo])).status).toBe(2);
    const bad = await run(['analyze', '--workloads', topo, topo]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not a workloads file');
  });

  it('analyze of several hosts groups files by host and prints the fleet line', async () => {
    const a = join(ROOT, 'samples/scenarios/h200/bundle.txt');
    const b = join(ROOT, 'samples/scenarios/l40s/bundle.txt');
    const pdf = join(tmp, 'fleet.pdf');
    const r = await run(['analyze', '--pdf', pdf, a, b]);
    expect(r.status).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    expect(r.stdout).toContain('InfraLens — gpu-node-01');
    expect(r.stdout).toContain('InfraLens — gpu-node-02');
    expect(r.stdout).toMatch(/Fleet \(2 hosts, 12 GPU\)/);
  });

  it('collect-script prints the POSIX collector', async () => {
    const r = await run(['collect-script']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^#!\/bin\/sh\n/);
    expect(r.stdout).toContain('READ-ONLY');
  });
});

describe('infralens ask and chat (in-process, offline)', () => {
  const ask = (args: string[]) => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    return run(['ask', ...args]);
  };
  afterEach(() => vi.unstubAllEnvs());

  it('answers offline in English: the split job first, then the NUMA mismatches on GPUs 2 and 5 and the plan', async () => {
    const r = await ask(['why is training slow?', '--scenario', 'h200']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain('train-vision-b');
    expect(r.stdout).toMatch(/GPU2\b/);
    expect(r.stdout).toMatch(/GPU5\b/);
    expect(r.stdout).toContain('CPUs on the wrong NUMA node');
    expect(r.stdout).toContain('51.5 ms');
    expect(r.stdout.trim().split('\n').length).toBeLessThanOrEqual(15);
    expect(r.stderr).toContain('offline analyst');
  });

  it('answers a Korean question in Korean, and writes the report when asked', async () => {
    const r = await ask(['학습이 왜 느려?']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain('train-vision-b');
    expect(r.stdout).toMatch(/[가-힣]/);
    const pdf = join(tmp, 'ask.pdf');
    const rep = await ask(['보고서 만들어 줘', '--scenario', 'l40s', '--pdf', pdf]);
    expect(rep.status).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('chat keeps a conversation until exit', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    const r = await run(['chat', '--scenario', 'h200'], {
      lines: ['what is the score?', 'which GPUs can I free up?', 'exit', 'never read'],
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('62.0/100');
    expect(r.stdout).toContain('1g.18gb');
  });
});
