/**
 * Topologies without NUMA ids (older drivers, `topo -m` without the NUMA column, `N/A`): the node grouping
 * comes from the GPUs' CPU-affinity sets, or from numactl / lscpu when given (scoring/context.ts), so
 * findings name real nodes and the plan fixes the pinning. Before the fix the findings read "NUMA node ?"
 * and the plan said "Every workload is already where it should be" while the mismatch stood.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { parseCpuList } from '../../tools/parsers/text.ts';
import { host, REAL_TOPO, topoText, workloads } from '../helpers/placement.ts';

const V100 = 'v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt';
const P40 = 'p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt';

/** `nvidia-smi --query-gpu=index,pci.bus_id,name,memory.used,memory.total,utilization.gpu --format=csv`. */
function smi(name: string, totalMiB: number, busy: number[]) {
  return {
    name: 'query-gpu.csv',
    content: [
      'index, pci.bus_id, name, memory.used [MiB], memory.total [MiB], utilization.gpu [%]',
      ...Array.from({ length: 8 }, (_, i) => {
        const on = busy.includes(i);
        return `${i}, 00000000:${(0x10 + i * 0x10).toString(16).toUpperCase()}:00.0, ${name}, ${on ? Math.round(totalMiB * 0.6) : 0} MiB, ${totalMiB} MiB, ${on ? 80 : 0} %`;
      }),
    ].join('\n'),
  };
}

/** lscpu of a 2-socket, 48-CPU host whose node 0 holds CPUs 0-23 (the GPUs' CPU affinity in the V100 file). */
const LSCPU = [
  'Architecture:        x86_64',
  'CPU(s):              48',
  'On-line CPU(s) list: 0-47',
  'Thread(s) per core:  1',
  'Core(s) per socket:  24',
  'Socket(s):           2',
  'NUMA node(s):        2',
  'NUMA node0 CPU(s):   0-23',
  'NUMA node1 CPU(s):   24-47',
].join('\n');

describe('derived NUMA nodes on every real topology: strip the ids, the grouping and the ids come back', () => {
  // where the affinity sets cannot tell the number: one CPU per GPU (a VM), one cgroup's share of a node
  const ID_UNKNOWABLE = [
    'h100-4x-nv6-4nic-vm-single-cpu-affinity-lists-numa-3-1-7-5-legend-cut.txt',
    '3gpu-slurm-subset-nv4-pair-plus-phb-2nic-cgroup-cpus.txt',
  ];
  const files = readdirSync(REAL_TOPO).filter((f) => f.endsWith('.txt'));
  let checked = 0;
  for (const f of files) {
    const { snapshots } = (() => {
      try {
        return ingestHosts([{ name: 'topo.txt', content: readFileSync(new URL(f, REAL_TOPO), 'utf8') }]);
      } catch {
        return { snapshots: [] };
      }
    })();
    const snap = snapshots[0];
    const withIds = snap?.gpus.filter((g) => g.numaNode !== null && g.cpuAffinity) ?? [];
    if (!snap || withIds.length === 0) continue;
    checked++;
    it(f, () => {
      const stripped = structuredClone(snap);
      for (const g of stripped.gpus) g.numaNode = null;
      const ctx = buildContext(stripped);
      const real = snap.gpus.map((g) => g.numaNode);
      const derived = stripped.gpus.map((g) => ctx.numaOf(g));
      // same grouping: two GPUs share a derived node exactly when they share a real one
      for (let a = 0; a < real.length; a++)
        for (let b = 0; b < real.length; b++)
          if (real[a] !== null && real[b] !== null)
            expect(derived[a] === derived[b], `GPU${a} / GPU${b}`).toBe(real[a] === real[b]);
      if (!ID_UNKNOWABLE.includes(f)) expect(derived).toEqual(real);
      for (const g of stripped.gpus)
        if (ctx.numaOf(g) !== null) expect(ctx.numaSource(g)).toBe('cpu-affinity');
    });
  }
  it('covers the real topologies that carry NUMA ids', () => expect(checked).toBeGreaterThanOrEqual(15));

  it('the NPS4 HGX with the real lscpu of such a host: ids from the table (3, 1, 7, 5)', () => {
    const snap = host([
      { name: 'topo.txt', content: topoText('a100-sxm4-40gb-8x-epyc7742-nps4-10nic-drv525.txt') },
      {
        name: 'lscpu.txt',
        content: readFileSync(
          new URL('../../samples/real/numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt', import.meta.url),
          'utf8',
        ),
      },
    ]);
    for (const g of snap.gpus) g.numaNode = null;
    const ctx = buildContext(snap);
    expect(snap.gpus.map((g) => ctx.numaOf(g))).toEqual([3, 3, 1, 1, 7, 7, 5, 5]);
    expect(snap.gpus.map((g) => ctx.numaSource(g))).toEqual(new Array(8).fill('cpu-table'));
    // CPUs of GPU-less nodes are named too
    expect(ctx.numaNodesOfCpus([0, 130])).toEqual([0]);
  });
});

describe('the real V100 topology without a NUMA column: a job pinned away from its GPUs', () => {
  const files = [
    { name: 'topo.txt', content: topoText(V100) },
    smi('Tesla V100-SXM2-32GB', 32768, [0, 1]),
    workloads([{ name: 'job', kind: 'training', gpus: [0, 1], cpus: '24-31' }]),
  ];
  const snap = host(files);

  it('the finding names real nodes, never "?"', () => {
    const f = analyzeHost(snap).findings.find((x) => x.rule === 'numa-mismatch')!;
    expect(f.detail.en).toContain('runs on CPUs of NUMA node 1');
    expect(f.detail.en).toContain('attached to NUMA node 0');
    expect(`${f.detail.en} ${f.recommendation.en} ${f.detail.ko}`).not.toContain('?');
  });

  it('the plan moves its CPUs onto the GPUs’ node, naming no node id it does not know', () => {
    const plan = planHost(snap);
    expect(plan.moves.map((m) => m.workload)).toEqual(['job']);
    expect(parseCpuList(plan.targets.job!.cpus!)!.every((c) => c < 24)).toBe(true);
    expect(plan.targets.job!.numaNode).toBe(0);
    expect(plan.after.findings.filter((f) => f.rule === 'numa-mismatch')).toEqual([]);
    const restart = plan.commands.find((c) => c.command.startsWith('CUDA_VISIBLE_DEVICES='))!;
    expect(restart.command).toBe(
      'CUDA_VISIBLE_DEVICES=0,1 numactl --physcpubind=0-7 --localalloc <your training command>',
    );
    expect(restart.what.en).toContain('no NUMA id');
  });

  it('with lscpu in the inputs the node ids are known and the command binds nodes', () => {
    const s = host([...files, { name: 'lscpu.txt', content: LSCPU }]);
    const ctx = buildContext(s);
    expect(s.gpus.map((g) => ctx.numaSource(g))).toEqual(new Array(8).fill('cpu-table'));
    const restart = planHost(s).commands.find((c) => c.command.startsWith('CUDA_VISIBLE_DEVICES='))!;
    expect(restart.command).toBe(
      'CUDA_VISIBLE_DEVICES=0,1 numactl --cpunodebind=0 --membind=0 <your training command>',
    );
  });

  it('a Proxmox VM there: hostnodes is a placeholder the operator checks with lscpu (manual)', () => {
    const vm = [
      'name: train-v100',
      'cores: 8',
      'memory: 65536',
      'machine: q35',
      'affinity: 24-31',
      'hostpci0: 0000:10:00,pcie=1',
      'hostpci1: 0000:20:00,pcie=1',
    ].join('\n');
    const s = host([
      { name: 'topo.txt', content: topoText(V100) },
      smi('Tesla V100-SXM2-32GB', 32768, [0, 1]),
      { name: 'qemu-server/410.conf', content: vm },
    ]);
    const plan = planHost(s);
    const set = plan.commands.find((c) => c.command.startsWith('qm set 410 '))!;
    expect(set.command).toContain('--affinity 0-7');
    expect(set.command).toContain('hostnodes=<NUMA node of CPUs 0-7>');
    expect(set.manual).toBe(true);
    expect(set.what.en).toContain('lscpu');
    expect(plan.commands.some((c) => /kill|numactl/.test(c.command))).toBe(false);
  });
});

describe('the real legacy P40 topology (SOC, CPU Affinity only)', () => {
  it('a job on CPUs outside its GPUs’ set is found, named and fixed', () => {
    const snap = host([
      { name: 'topo.txt', content: topoText(P40) },
      smi('Tesla P40', 24576, [4]),
      workloads([{ name: 'etl', kind: 'other', gpus: [4], cpus: '14-17' }]),
    ]);
    const f = analyzeHost(snap).findings.find((x) => x.rule === 'numa-mismatch')!;
    expect(f.detail.en).toContain('NUMA node 1');
    expect(f.detail.en).toContain('NUMA node 0');
    const plan = planHost(snap);
    expect(plan.moves).toHaveLength(1);
    expect(plan.after.findings.filter((x) => x.rule === 'numa-mismatch')).toEqual([]);
  });
});
