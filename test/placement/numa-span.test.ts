/**
 * A job whose GPUs span NUMA nodes (issue: "a job whose GPUs span NUMA nodes is narrowed to one node").
 * Real topology: the 8-GPU A100 HGX on an EPYC 7742 in NPS4 whose GPUs sit on NUMA nodes 3, 1, 7 and 5
 * (two GPUs each); a 6-GPU job on GPUs 0,1,4,5,6,7 (nodes 3, 7, 5) running on CPUs 0-255. Before the fix
 * it was planned onto "CPUs 48-63,176-191" (node 3 only), created NUMA mismatches on four GPUs, and the
 * gain line read "GPUs fed from the wrong NUMA node 1 → 4: … get back 144% more bandwidth".
 */
import { describe, expect, it } from 'vitest';
import { analyzeHost, type HostAnalysis } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { cpuGroups, pickCpus } from '../../scoring/placement/cpus.ts';
import { gains, planHost } from '../../scoring/placement/index.ts';
import { buildJobs } from '../../scoring/placement/solve.ts';
import { vcpusOf } from '../../scoring/placement/vm-numa.ts';
import { parseCpuList } from '../../tools/parsers/text.ts';
import { host, topoText, workloads } from '../helpers/placement.ts';

const NPS4 = 'a100-sxm4-40gb-8x-epyc7742-nps4-10nic-drv525.txt';
const A100 = 'NVIDIA A100-SXM4-40GB';
const BUSES = ['07', '0f', '47', '4e', '87', '90', 'b7', 'bd'];
const SPAN = [0, 1, 4, 5, 6, 7];
/** the NUMA node of each GPU and its local CPUs in the real topology. */
const NODE_OF = [3, 3, 1, 1, 7, 7, 5, 5];
const LOCAL = (node: number) => [
  ...parseCpuList(`${node * 16}-${node * 16 + 15},${128 + node * 16}-${128 + node * 16 + 15}`)!,
];

/** `nvidia-smi --query-gpu=index,pci.bus_id,name,memory.used,memory.total,utilization.gpu --format=csv`. */
function smi(load: (i: number) => [usedMiB: number, util: number]) {
  return {
    name: 'query-gpu.csv',
    content: [
      'index, pci.bus_id, name, memory.used [MiB], memory.total [MiB], utilization.gpu [%]',
      ...BUSES.map(
        (b, i) =>
          `${i}, 00000000:${b.toUpperCase()}:00.0, ${A100}, ${load(i)[0]} MiB, 40960 MiB, ${load(i)[1]} %`,
      ),
    ].join('\n'),
  };
}
const busy = (i: number): [number, number] => (SPAN.includes(i) ? [30000, 80] : [0, 0]);

function cpusOf(list: string | null): number[] {
  expect(list).not.toBeNull();
  return parseCpuList(list!)!;
}

describe('a bare-metal job on GPUs of three NUMA nodes (real NPS4 HGX topology)', () => {
  const snap = host([
    { name: 'topo.txt', content: topoText(NPS4) },
    smi(busy),
    workloads([{ name: 'big', kind: 'training', gpus: SPAN, cpus: '0-255' }]),
  ]);
  const plan = planHost(snap);
  const t = plan.targets.big!;

  it('the premise: the GPUs sit on nodes 3, 7 and 5 and the job is aligned today', () => {
    const ctx = buildContext(snap);
    expect(SPAN.map((i) => ctx.numaOf(ctx.gpu(i)!))).toEqual([3, 3, 7, 7, 5, 5]);
    expect(analyzeHost(snap).findings.filter((f) => f.rule === 'numa-mismatch')).toEqual([]);
  });

  it('gets CPUs local to each of its GPUs (the union), never one node only', () => {
    expect(t.gpus).toEqual(SPAN);
    expect(t.numaNode).toBeNull();
    expect(t.numaNodes).toEqual([3, 5, 7]);
    const cpus = new Set(cpusOf(t.cpus));
    for (const i of SPAN)
      expect(
        LOCAL(NODE_OF[i]!).some((c) => cpus.has(c)),
        `GPU${i}`,
      ).toBe(true);
    // nothing outside the GPUs' nodes
    const local = new Set(SPAN.flatMap((i) => LOCAL(NODE_OF[i]!)));
    for (const c of cpus) expect(local.has(c), `CPU ${c}`).toBe(true);
    // it asked for 256 CPUs: it gets all 96 local ones
    expect(cpus.size).toBe(96);
  });

  it('creates no NUMA mismatch and announces no NUMA gain', () => {
    expect(plan.after.findings.filter((f) => f.rule === 'numa-mismatch')).toEqual([]);
    expect(plan.expected.map((g) => g.model)).not.toContain('numa-remote-h2d');
    expect(plan.after.score!.value).toBeGreaterThanOrEqual(analyzeHost(snap).score!.value);
  });

  it('binds the restarted job to the set of nodes, and says how to bind per rank', () => {
    const restart = plan.commands.find((c) => c.command.startsWith('CUDA_VISIBLE_DEVICES='))!;
    expect(restart.command).toBe(
      'CUDA_VISIBLE_DEVICES=0,1,4,5,6,7 numactl --cpunodebind=3,5,7 --membind=3,5,7 <your training command>',
    );
    expect(restart.what.en).toContain('GPU0, GPU1 → node 3');
    expect(restart.what.en).toContain('GPU4, GPU5 → node 7');
    expect(restart.what.en).toContain('GPU6, GPU7 → node 5');
  });

  it('a job with fewer CPUs than the union gets them in proportion to its GPUs per node', () => {
    const s = host([
      { name: 'topo.txt', content: topoText(NPS4) },
      smi(busy),
      workloads([{ name: 'big', kind: 'training', gpus: SPAN, cpus: '0-11' }]),
    ]);
    const cpus = cpusOf(planHost(s).targets.big!.cpus);
    expect(cpus).toHaveLength(12);
    for (const node of [3, 7, 5])
      expect(
        cpus.filter((c) => LOCAL(node).includes(c)),
        `node ${node}`,
      ).toHaveLength(4);
  });

  it('pickCpus: at least one CPU per node even when the job has fewer CPUs than nodes', () => {
    const ctx = buildContext(snap);
    const w = { ...snap.workloads[0]!, cpus: [0, 1] };
    const cpus = pickCpus(w, cpuGroups(ctx, SPAN))!;
    expect(cpus).toHaveLength(3);
    for (const node of [3, 7, 5]) expect(cpus.some((c) => LOCAL(node).includes(c))).toBe(true);
  });
});

describe('a Proxmox VM whose GPUs span NUMA nodes', () => {
  const VM = [
    'name: train-span',
    'cores: 48',
    'sockets: 1',
    'memory: 393216',
    'machine: q35',
    'affinity: 0-255',
    ...SPAN.map((i, k) => `hostpci${k}: 0000:${BUSES[i]}:00,pcie=1`),
  ].join('\n');
  const snap = host([
    { name: 'topo.txt', content: topoText(NPS4) },
    smi(busy),
    { name: 'qemu-server/301.conf', content: VM },
  ]);
  const plan = planHost(snap);

  it('gets one virtual NUMA node per host node, hostnodes each, vCPUs and memory partitioned', () => {
    const w = snap.workloads[0]!;
    expect(w.gpus).toEqual(SPAN);
    const set = plan.commands.find((c) => c.command.startsWith('qm set 301 '));
    expect(set, plan.commands.map((c) => c.command).join('\n')).toBeDefined();
    expect(set!.manual).toBe(false);
    const numa = [
      ...set!.command.matchAll(/--numa(\d+) cpus=(\d+)-(\d+),hostnodes=(\d+),memory=(\d+),policy=bind/g),
    ];
    expect(numa.map((m) => Number(m[4]))).toEqual([3, 5, 7]);
    expect(numa.map((m) => Number(m[1]))).toEqual([0, 1, 2]);
    // the vCPU ranges partition 0 … cores×sockets−1, in order
    let next = 0;
    for (const m of numa) {
      expect(Number(m[2])).toBe(next);
      next = Number(m[3]) + 1;
    }
    expect(next).toBe(vcpusOf(w.vm!));
    expect(numa.reduce((a, m) => a + Number(m[5]), 0)).toBe(w.vm!.memoryMiB);
    // 48 vCPUs over three nodes with two GPUs each
    expect(numa.map((m) => Number(m[3]) - Number(m[2]) + 1)).toEqual([16, 16, 16]);
    expect(set!.command).toMatch(/ --numa 1 /);
  });

  it('its affinity is the union of the local CPUs, and the after-state has no NUMA mismatch', () => {
    const aff = /--affinity (\S+)/.exec(
      plan.commands.find((c) => c.command.startsWith('qm set 301 '))!.command,
    )![1]!;
    const cpus = new Set(parseCpuList(aff)!);
    for (const i of SPAN) expect(LOCAL(NODE_OF[i]!).some((c) => cpus.has(c))).toBe(true);
    expect(plan.after.findings.filter((f) => f.rule === 'numa-mismatch')).toEqual([]);
    // the planned VM config carries the same layout
    expect(plan.commands.some((c) => /kill|numactl/.test(c.command))).toBe(false);
  });
});

describe('the real 4-GPU H100 VM topology with NUMA nodes 3, 1, 7, 5 (one CPU list per GPU)', () => {
  const topo = 'h100-4x-nv6-4nic-vm-single-cpu-affinity-lists-numa-3-1-7-5-legend-cut.txt';
  const snap = host([
    { name: 'topo.txt', content: topoText(topo) },
    workloads([{ name: 'ddp', kind: 'training', gpus: [0, 1, 2, 3], cpus: '6' }]),
  ]);

  it('a 4-GPU job on one CPU of node 3 is given one CPU local to each GPU', () => {
    expect(analyzeHost(snap).findings.filter((f) => f.rule === 'numa-mismatch')).toHaveLength(1);
    const plan = planHost(snap);
    const cpus = cpusOf(plan.targets.ddp!.cpus);
    const ctx = buildContext(snap);
    for (const i of [0, 1, 2, 3])
      expect(ctx.localCpus(ctx.gpu(i)!)!.some((c) => cpus.includes(c))).toBe(true);
    expect(plan.targets.ddp!.numaNodes).toEqual([1, 3, 5, 7]);
    expect(plan.after.findings.filter((f) => f.rule === 'numa-mismatch')).toEqual([]);
    const jobs = buildJobs(ctx);
    expect(jobs).toHaveLength(1);
  });
});

describe('expected gains never announce an improvement when the number got worse', () => {
  const snap = host([
    { name: 'topo.txt', content: topoText(NPS4) },
    smi(busy),
    workloads([{ name: 'big', kind: 'training', gpus: SPAN, cpus: '0-255' }]),
  ]);
  const ctx = buildContext(snap);
  const before = analyzeHost(snap);
  const mismatch = (gpus: number[]) => ({ ...before.findings[0]!, rule: 'numa-mismatch' as const, gpus });

  it('NUMA mismatches 1 → 4 read as a loss', () => {
    const b: HostAnalysis = { ...before, findings: [mismatch([0])] };
    const a: HostAnalysis = { ...before, findings: [mismatch([4, 5, 6, 7])] };
    const g = gains(ctx, [], [], b, a).find((x) => x.model === 'numa-remote-h2d')!;
    expect([g.before, g.after]).toEqual([1, 4]);
    expect(g.summary.en).not.toMatch(/get back|more bandwidth/);
    expect(g.summary.en).toMatch(/lose|worse/);
    expect(g.summary.ko).toContain('악화');
  });

  it('NUMA mismatches 4 → 1 read as a gain', () => {
    const b: HostAnalysis = { ...before, findings: [mismatch([4, 5, 6, 7])] };
    const a: HostAnalysis = { ...before, findings: [mismatch([0])] };
    const g = gains(ctx, [], [], b, a).find((x) => x.model === 'numa-remote-h2d')!;
    expect(g.summary.en).toContain('get back');
  });
});
