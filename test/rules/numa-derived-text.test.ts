/**
 * Findings that name a GPU's NUMA node say when the id was derived from CPU affinity (the inputs carry
 * none: older drivers, `topo -m` without the NUMA column; HostContext.numaSource `cpu-affinity`): the
 * grouping is certain, the id is inferred. Ids read from the inputs (topo `NUMA Affinity`) or from
 * numactl / lscpu are stated as before.
 */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../scoring/context.ts';
import { ingestAll, one, real, run, runOn, scenario, workloads } from './helpers.ts';

const V100 = 'topo/v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt';
const L40S_TOPO = 'topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';
const DERIVED = /derived from CPU affinity|CPU 친화도로 추정/;

/** lscpu of a 2-socket, 48-CPU host whose node 0 holds CPUs 0-23 (the GPUs' CPU affinity in the V100 file). */
const LSCPU = {
  name: 'lscpu.txt',
  content: [
    'Architecture:        x86_64',
    'CPU(s):              48',
    'Thread(s) per core:  1',
    'Core(s) per socket:  24',
    'Socket(s):           2',
    'NUMA node(s):        2',
    'NUMA node0 CPU(s):   0-23',
    'NUMA node1 CPU(s):   24-47',
  ].join('\n'),
};

describe('numa-mismatch on the real V100 topology without a NUMA column, with a workloads file', () => {
  const files = [
    real(V100),
    workloads([{ name: 'train-v100', kind: 'training', gpus: [0, 1], cpus: '24-31' }]),
  ];

  it('the premise: every GPU node is derived from CPU affinity', () => {
    const snap = ingestAll(files);
    const ctx = buildContext(snap);
    expect(snap.gpus.every((g) => g.numaNode === null)).toBe(true);
    expect(snap.gpus.map((g) => ctx.numaSource(g))).toEqual(new Array(8).fill('cpu-affinity'));
  });

  it('detail (en, ko) and evidence say the ids are derived from CPU affinity', () => {
    const f = one(runOn('numa-mismatch', files));
    expect(f.detail.en).toBe(
      'train-v100 runs on CPUs of NUMA node 1 (derived from CPU affinity), but GPU0, GPU1 are attached to NUMA node 0 (derived from CPU affinity). Every host↔GPU copy and every data-loader page crosses the socket interconnect.',
    );
    expect(f.detail.ko).toBe(
      'train-v100은 NUMA 노드 1(CPU 친화도로 추정)의 CPU에서 실행되지만 GPU0, GPU1은 NUMA 노드 0(CPU 친화도로 추정)에 연결되어 있습니다. 호스트↔GPU 복사와 데이터 로더 메모리가 모두 소켓 간 연결을 거칩니다.',
    );
    expect(f.evidence).toEqual([
      { source: 'workloads.json', text: 'train-v100: cpus 24-31' },
      { source: V100, text: 'GPU0: CPU Affinity 0-23, NUMA Affinity 0 (derived from CPU affinity)' },
      { source: V100, text: 'GPU1: CPU Affinity 0-23, NUMA Affinity 0 (derived from CPU affinity)' },
    ]);
  });

  it('with lscpu the ids come from its node table: stated without the remark', () => {
    const f = one(runOn('numa-mismatch', [...files, LSCPU]));
    expect(f.detail.en).toContain('runs on CPUs of NUMA node 1, but GPU0, GPU1 are attached to NUMA node 0.');
    expect(JSON.stringify(f)).not.toMatch(DERIVED);
  });

  it('the demo scenarios (topo NUMA Affinity): no remark', () => {
    for (const name of ['h200', 'l40s'] as const)
      for (const f of runOn('numa-mismatch', scenario(name))) expect(JSON.stringify(f)).not.toMatch(DERIVED);
  });
});

describe('cross-socket on a real two-socket topology whose NUMA ids are stripped (as older drivers print it)', () => {
  const files = [real(L40S_TOPO), workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2] }])];

  it('names the derived nodes in the detail and cites the GPUs’ rows', () => {
    const snap = ingestAll(files);
    for (const g of snap.gpus) g.numaNode = null;
    const f = one(run('cross-socket', snap));
    expect(f.detail.en).toBe(
      'GPU1–GPU2 of ddp connect only through the link between the CPU sockets (SYS): peer-to-peer traffic is staged through both CPUs. The inputs carry no NUMA ids: GPU1 is on node 0, GPU2 is on node 1 (derived from CPU affinity).',
    );
    expect(f.detail.ko).toBe(
      'ddp의 GPU1–GPU2 구간은 CPU 소켓 간 연결(SYS)로만 이어져 GPU 간 통신이 두 CPU를 거칩니다. 입력에 NUMA ID가 없어 CPU 친화도로 추정했습니다: GPU1은 노드 0, GPU2는 노드 1.',
    );
    expect(f.evidence).toEqual([
      { source: L40S_TOPO, text: 'topo -m: GPU1 ↔ GPU2 = SYS' },
      {
        source: L40S_TOPO,
        text: 'GPU1: CPU Affinity 0-95,192-287, NUMA Affinity 0 (derived from CPU affinity)',
      },
      {
        source: L40S_TOPO,
        text: 'GPU2: CPU Affinity 96-191,288-383, NUMA Affinity 1 (derived from CPU affinity)',
      },
    ]);
  });

  it('with the NUMA column as printed: the link alone, no remark', () => {
    const f = one(runOn('cross-socket', files));
    expect(f.evidence).toEqual([{ source: L40S_TOPO, text: 'topo -m: GPU1 ↔ GPU2 = SYS' }]);
    expect(JSON.stringify(f)).not.toMatch(DERIVED);
  });
});
