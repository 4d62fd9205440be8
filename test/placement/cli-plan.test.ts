/**
 * `infralens plan` end to end through the CLI's `main(argv, io)` (in-process; test/cli.test.ts covers the
 * launcher as a process): --pin / --reserve, usage errors, --json.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Placement } from '../../scoring/placement/index.ts';
import { runCli } from '../helpers/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = (args: string[]) => runCli(args.map((a) => (a.startsWith('samples/') ? join(ROOT, a) : a)));

const scenario = (name: string) => [
  `samples/scenarios/${name}/bundle.txt`,
  ...readdirSync(join(ROOT, `samples/scenarios/${name}/qemu-server`))
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => `samples/scenarios/${name}/qemu-server/${f}`),
];
const H200 = scenario('h200');

describe('infralens plan', () => {
  it('--pin train-llm-a --reserve 4: exits 0, keeps train-llm-a, no target uses GPU4', async () => {
    const r = await run(['plan', '--json', '--pin', 'train-llm-a', '--reserve', '4', ...H200]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const placement = Placement.parse(out.hosts[0].placement);
    expect(placement.targets['train-llm-a']).toMatchObject({ gpus: [0, 1], form: 'whole' });
    expect(placement.moves.some((m) => m.workload === 'train-llm-a')).toBe(false);
    for (const [name, t] of Object.entries(placement.targets)) expect(t.gpus, name).not.toContain(4);
    expect(placement.commands.some((c) => /-i 4 /.test(c.command))).toBe(false);
    // the text form of the same plan
    const text = await run(['plan', '--pin', 'train-llm-a', '--reserve', 'GPU4', ...H200]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Placement plan: objective');
    expect(text.stdout).not.toMatch(/→ GPU4\b|GPU4 (?:MIG|@NUMA)/);
  });

  it('--reserve 99: exits 2 with a message naming the GPU', async () => {
    const r = await run(['plan', '--reserve', '99', ...H200]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('infralens: --reserve: this host has no GPU99');
    expect(r.stdout).toBe('');
  });

  it('--pin of an unknown workload, a malformed --reserve, and a pin on a reserved GPU exit 2', async () => {
    const pin = await run(['plan', '--pin', 'nope', ...H200]);
    expect(pin.status).toBe(2);
    expect(pin.stderr).toContain("--pin: no workload named 'nope'");
    const bad = await run(['plan', '--reserve', 'four', ...H200]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--reserve takes GPU indexes (e.g. 4 or GPU4), not 'four'");
    const both = await run(['plan', '--pin', 'infer-chat', '--reserve', '6', ...H200]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--pin infer-chat: it holds GPU6, which --reserve keeps free');
  });

  it('--json prints {schemaVersion: 1, hosts: [{host, placement}]} with a schema-valid placement', async () => {
    const r = await run(['plan', '--json', ...H200]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ schemaVersion: 1, hosts: [{ host: 'gpu-node-01' }] });
    expect(out.hosts).toHaveLength(1);
    const placement = Placement.parse(out.hosts[0].placement);
    expect(placement.moves.length).toBeGreaterThan(0);
    expect(placement.commands.length).toBeGreaterThan(0);
  });

  it('two hosts (bundles and host-named workloads files): a pin that names a workload of one host is fine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infralens-plan-'));
    const wl = (host: string, list: object[]) => {
      const path = join(dir, `${host}.json`);
      writeFileSync(path, JSON.stringify({ host, workloads: list }));
      return path;
    };
    const files = [
      'samples/scenarios/h200/bundle.txt',
      wl('gpu-node-01', [{ name: 'job-a', kind: 'training', gpus: [3, 5], cpus: '0-7' }]),
      'samples/scenarios/l40s/bundle.txt',
      wl('gpu-node-02', [{ name: 'job-b', kind: 'training', gpus: [1, 2], cpus: '0-7' }]),
    ];
    const r = await run(['plan', '--json', '--pin', 'job-a', ...files]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.schemaVersion).toBe(1);
    expect(out.hosts.map((h: { host: string }) => h.host)).toEqual(['gpu-node-01', 'gpu-node-02']);
    const [a, b] = out.hosts.map((h: { placement: unknown }) => Placement.parse(h.placement));
    expect(a.targets['job-a']).toMatchObject({ gpus: [3, 5], form: 'whole', cpus: '0-7' });
    expect(b.targets['job-b'].gpus).not.toEqual([1, 2]);
    const none = await run(['plan', '--pin', 'nope', ...files]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("--pin: no workload named 'nope' on any host");
  });
});
