import { describe, expect, it } from 'vitest';
import { round } from '../../scoring/findings.ts';
import { gpu, one, real, run, runOn, scenario, snapshot, texts, workload, workloads } from './helpers.ts';

const L40S_TOPO = 'topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';
const P40_LEGACY = 'topo/p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt';
const RTX4090_SYS = 'topo/rtx4090-8x-pcie-2socket-all-sys-2nic.txt';
/** All-reduce bus bandwidth without / with GPUDirect RDMA, GH200 4×200G (S47). */
const GDR_RATIO = 79.7 / 96.1;
const ddp = (gpus: number[]) => workloads([{ name: 'ddp', kind: 'training', gpus }]);

describe('nic-far on real topologies', () => {
  it('4× L40S: GPU2/GPU3 reach both mlx5 NICs through the host bridge (NODE)', () => {
    const f = one(runOn('nic-far', [real(L40S_TOPO), ddp([2, 3])]));
    expect(f.severity).toBe('info');
    expect(f.gpus).toEqual([2, 3]);
    expect(f.workloads).toEqual(['ddp']);
    expect(f.evidence).toEqual([
      { source: L40S_TOPO, text: 'topo -m: GPU2 ↔ NIC0 (mlx5_0) = NODE' },
      { source: L40S_TOPO, text: 'topo -m: GPU3 ↔ NIC0 (mlx5_0) = NODE' },
    ]);
    expect(f.detail.en).toContain('reach the nearest NIC only through the CPU (NODE)');
    const drop = round((1 - GDR_RATIO) * 100, 0);
    expect(drop).toBe(17);
    expect(f.impact).toEqual({
      model: 'gdr-off',
      value: -drop,
      unit: '%',
      summary: { en: `up to ${drop}% less inter-host all-reduce bandwidth`, ko: expect.any(String) },
      figures: { busbw_without_gdr_GBs: 79.7, busbw_with_gdr_GBs: 96.1, ratio: round(GDR_RATIO, 3) },
      sources: ['S47', 'S45', 'S46'],
    });
  });

  it('4× L40S: GPU0/GPU1 are on the other socket from both NICs (SYS)', () => {
    const f = one(runOn('nic-far', [real(L40S_TOPO), ddp([0, 1])]));
    expect(texts(f)).toEqual(['topo -m: GPU0 ↔ NIC0 (mlx5_0) = SYS', 'topo -m: GPU1 ↔ NIC0 (mlx5_0) = SYS']);
    expect(f.detail.en).toContain('only through the CPU sockets (SYS)');
  });

  it('8× P40, legacy driver: the only NIC is SOC (= SYS) from every GPU, and is described as cross-socket', () => {
    const f = one(runOn('nic-far', [real(P40_LEGACY), ddp([0, 1])]));
    expect(texts(f)).toEqual(['topo -m: GPU0 ↔ NIC0 (mlx5_0) = SOC', 'topo -m: GPU1 ↔ NIC0 (mlx5_0) = SOC']);
    expect(f.detail.en).toContain('only through the CPU sockets (SYS)');
  });

  it('8× RTX 4090: GPU6 shares a host bridge with the NICs (PHB), GPU7 does not', () => {
    const f = one(runOn('nic-far', [real(RTX4090_SYS), ddp([6, 7])]));
    expect(f.gpus).toEqual([7]);
    // no NIC Legend in this output: the NIC is named by its column
    expect(texts(f)).toEqual(['topo -m: GPU7 ↔ NIC0 = SYS']);
  });

  it('2× A100 in a container: both GPUs share a PCIe switch with a NIC (PXB) — no finding', () => {
    expect(
      runOn('nic-far', [
        real('topo/a100-sxm4-80gb-2gpu-container-nv12-8nic-BLANK-cpu-numa-affinity-legend-cut.txt'),
        ddp([0, 1]),
      ]),
    ).toEqual([]);
  });

  it('a topology without NICs (8× A100 NVLink pairs): no finding', () => {
    expect(
      runOn('nic-far', [
        real('topo/a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt'),
        ddp([0, 2]),
      ]),
    ).toEqual([]);
  });

  it('H200 demo: of train-vision-b, only GPU3 is far (GPU5 is PIX to NIC1); train-llm-a is PIX', () => {
    const f = one(runOn('nic-far', scenario('h200')));
    expect([f.workloads, f.gpus]).toEqual([['train-vision-b'], [3]]);
    expect(f.evidence).toEqual([
      { source: 'h200/bundle.txt#topo-m', text: 'topo -m: GPU3 ↔ NIC0 (mlx5_0) = NODE' },
    ]);
  });

  it('jobs that are not distributed, or on a single GPU, are not concerned', () => {
    expect(
      runOn('nic-far', [
        real(L40S_TOPO),
        workloads([
          { name: 'solo', kind: 'training', gpus: [0] },
          { name: 'pair', kind: 'training', gpus: [0, 1], distributed: false },
          { name: 'tp', kind: 'inference', gpus: [2, 3] },
        ]),
      ]),
    ).toEqual([]);
  });
});

describe('nic-far on synthetic snapshots', () => {
  it('a GPU the topology gives no NIC link for is not called far', () => {
    const snap = snapshot({
      gpus: [gpu(0), gpu(1)],
      nics: [{ id: 'NIC0', device: 'mlx5_0', numaNode: null, cpuAffinity: null }],
      links: [{ a: 'GPU0', b: 'NIC0', kind: 'NODE', nvlinks: null, raw: 'NODE' }],
      workloads: [workload('ddp', 'training', [0, 1])],
    });
    const f = one(run('nic-far', snap));
    expect(f.gpus).toEqual([0]);
    expect(f.detail.en).toContain('the CPU (NODE)');
  });

  it('the nearest link is cited: NODE before SYS', () => {
    const snap = snapshot({
      gpus: [gpu(0), gpu(1)],
      nics: [
        { id: 'NIC0', device: 'mlx5_0', numaNode: null, cpuAffinity: null },
        { id: 'NIC1', device: 'mlx5_1', numaNode: null, cpuAffinity: null },
      ],
      links: [
        { a: 'GPU0', b: 'NIC0', kind: 'SYS', nvlinks: null, raw: 'SYS' },
        { a: 'GPU0', b: 'NIC1', kind: 'NODE', nvlinks: null, raw: 'NODE' },
        { a: 'NIC1', b: 'GPU1', kind: 'PIX', nvlinks: null, raw: 'PIX' },
      ],
      workloads: [workload('ddp', 'training', [0, 1])],
    });
    const f = one(run('nic-far', snap));
    expect(f.gpus).toEqual([0]);
    expect(texts(f)).toEqual(['topo -m: GPU0 ↔ NIC1 (mlx5_1) = NODE']);
  });
});
