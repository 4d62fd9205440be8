import { describe, expect, it } from 'vitest';
import {
  expectRingImpact,
  gpu,
  lineRate,
  NVLINK_GBS,
  one,
  PATH_SHARE,
  real,
  run,
  runOn,
  scenario,
  snapshot,
  texts,
  workload,
  workloads,
} from './helpers.ts';

const L40S_TOPO = 'topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';
const A100_PAIRS = 'topo/a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt';
const RTX4090_SYS = 'topo/rtx4090-8x-pcie-2socket-all-sys-2nic.txt';
const P40_LEGACY = 'topo/p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt';

// topo -m alone: Gen4 line rate
const SYS_GEN4 = lineRate(4) * PATH_SHARE.SYS;
const NODE_GEN4 = lineRate(4) * PATH_SHARE.NODE;

describe('cross-socket on real topologies', () => {
  it('4× L40S: a DDP job on GPU1 (socket 0) and GPU2 (socket 1), against GPU0+GPU1 on one socket (NODE)', () => {
    const f = one(
      runOn('cross-socket', [real(L40S_TOPO), workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2] }])]),
    );
    expect(f.severity).toBe('warning');
    expect(f.gpus).toEqual([1, 2]);
    expect(f.workloads).toEqual(['ddp']);
    expect(f.evidence).toEqual([{ source: L40S_TOPO, text: 'topo -m: GPU1 ↔ GPU2 = SYS' }]);
    expectRingImpact(f, 2, SYS_GEN4, NODE_GEN4);
    expect(f.impact?.figures).toMatchObject({ allreduce_ms: 103.1, best_allreduce_ms: 48.2, slowdown: 2.1 });
    expect(f.recommendation.en).toBe("Keep ddp's 2 GPUs on one socket (GPU1, GPU2 span two).");
  });

  it('4× L40S: jobs inside one socket, and jobs that are not distributed, do not fire', () => {
    expect(
      runOn('cross-socket', [
        real(L40S_TOPO),
        workloads([
          { name: 'a', kind: 'training', gpus: [0, 1] },
          { name: 'b', kind: 'training', gpus: [2, 3] },
          { name: 'c', kind: 'training', gpus: [0, 3], distributed: false },
          { name: 'd', kind: 'inference', gpus: [1, 2] },
        ]),
      ]),
    ).toEqual([]);
  });

  it('A100 NVLink pairs: a 4-GPU job over both sockets, against the best 4-GPU ring on one node (NODE)', () => {
    const f = one(
      runOn('cross-socket', [
        real(A100_PAIRS),
        workloads([{ name: 'ddp4', kind: 'training', gpus: [0, 1, 4, 5] }]),
      ]),
    );
    expect(f.gpus).toEqual([0, 1, 4, 5]);
    expect(texts(f)).toEqual([
      'topo -m: GPU0 ↔ GPU4 = SYS',
      'topo -m: GPU0 ↔ GPU5 = SYS',
      'topo -m: GPU1 ↔ GPU4 = SYS',
      'topo -m: GPU1 ↔ GPU5 = SYS',
    ]);
    // the job's best ring 0–1 (NV12) 1–4 (SYS) 4–5 (NV12) 5–0 (SYS) is bound by SYS; node 0's by NODE
    expectRingImpact(f, 4, SYS_GEN4, NODE_GEN4);
  });

  it('A100 NVLink pairs: a 2-GPU job across sockets is compared with an NV12 pair of one node', () => {
    const f = one(
      runOn('cross-socket', [real(A100_PAIRS), workloads([{ name: 'ddp', kind: 'training', gpus: [3, 4] }])]),
    );
    expectRingImpact(f, 2, SYS_GEN4, 12 * NVLINK_GBS);
  });

  it('8× RTX 4090 (every pair SYS): fires, with no impact number since no socket offers a better ring', () => {
    const f = one(
      runOn('cross-socket', [
        real(RTX4090_SYS),
        workloads([{ name: 'ddp', kind: 'training', gpus: [0, 4] }]),
      ]),
    );
    expect(f.evidence).toEqual([{ source: RTX4090_SYS, text: 'topo -m: GPU0 ↔ GPU4 = SYS' }]);
    expect(f.impact).toBeNull();
  });

  it('8× RTX 4090: a SYS pair that the topology puts on one NUMA node (GPU0–GPU1) is not called cross-socket', () => {
    expect(
      runOn('cross-socket', [
        real(RTX4090_SYS),
        workloads([{ name: 'ddp', kind: 'training', gpus: [0, 1] }]),
      ]),
    ).toEqual([]);
  });

  it('8× P40 behind PCIe switches (PIX/PXB only, legacy driver): never', () => {
    expect(
      runOn('cross-socket', [
        real(P40_LEGACY),
        workloads([{ name: 'ddp', kind: 'training', gpus: [0, 1, 4, 5] }]),
      ]),
    ).toEqual([]);
  });

  it('demo scenarios: H200 train-vision-b (GPU3–GPU5) and L40S train-diffusion (GPU1–GPU2)', () => {
    const h200 = one(runOn('cross-socket', scenario('h200')));
    expect([h200.workloads, h200.gpus]).toEqual([['train-vision-b'], [3, 5]]);
    expect(texts(h200)).toEqual(['topo -m: GPU3 ↔ GPU5 = SYS']);
    expectRingImpact(h200, 2, lineRate(5) * PATH_SHARE.SYS, 6 * NVLINK_GBS);
    const l40s = one(runOn('cross-socket', scenario('l40s')));
    expect([l40s.workloads, l40s.gpus]).toEqual([['train-diffusion'], [1, 2]]);
    expectRingImpact(l40s, 2, SYS_GEN4, NODE_GEN4);
  });
});

describe('cross-socket on synthetic snapshots', () => {
  it('cites the cell as printed: a legacy driver prints SYS as SOC', () => {
    const snap = snapshot({
      gpus: [
        gpu(0, (g) => {
          g.numaNode = 0;
        }),
        gpu(1, (g) => {
          g.numaNode = 1;
        }),
      ],
      links: [{ a: 'GPU0', b: 'GPU1', kind: 'SYS', nvlinks: null, raw: 'SOC' }],
      workloads: [workload('ddp', 'training', [0, 1])],
    });
    const f = one(run('cross-socket', snap));
    expect(texts(f)).toEqual(['topo -m: GPU0 ↔ GPU1 = SOC']);
    // one GPU per node: no same-size ring inside one node to compare with
    expect(f.impact).toBeNull();
  });

  it('no topology: no finding', () => {
    const snap = snapshot({ gpus: [gpu(0), gpu(1)], workloads: [workload('ddp', 'training', [0, 1])] });
    expect(run('cross-socket', snap)).toEqual([]);
  });
});
