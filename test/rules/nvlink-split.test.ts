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

const A100_PAIRS = 'topo/a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt';
const H100_NV18 = 'topo/h100-sxm-8x-kvm-guest-rhelai-single-numa.txt';
const RTX4090_SYS = 'topo/rtx4090-8x-pcie-2socket-all-sys-2nic.txt';

// topo -m alone names no GPU model: the PCIe generation falls back to Gen4
const NODE_GEN4 = lineRate(4) * PATH_SHARE.NODE;
const NV12 = 12 * NVLINK_GBS;

describe('nvlink-split on real topologies', () => {
  it('A100 NVLink-bridge pairs: a 2-GPU job on two different pairs (NODE) against an NV12 pair', () => {
    const f = one(
      runOn('nvlink-split', [real(A100_PAIRS), workloads([{ name: 'ddp', kind: 'training', gpus: [0, 2] }])]),
    );
    expect(f.gpus).toEqual([0, 2]);
    expect(f.workloads).toEqual(['ddp']);
    expect(f.evidence).toEqual([{ source: A100_PAIRS, text: 'topo -m: GPU0 ↔ GPU2 = NODE' }]);
    expect(f.detail.en).toContain('GPU0–GPU2 NODE is not NVLink');
    expectRingImpact(f, 2, NODE_GEN4, NV12);
    // 48.2 ms vs 3.3 ms: far beyond the 4× line
    expect(f.impact?.value).toBe(14.6);
    expect(f.severity).toBe('critical');
  });

  it('A100 pairs: a 4-GPU job over two pairs lists every non-NVLink pair; no better 4-GPU ring exists, so no impact', () => {
    const f = one(
      runOn('nvlink-split', [
        real(A100_PAIRS),
        workloads([{ name: 'ddp4', kind: 'training', gpus: [0, 1, 2, 3] }]),
      ]),
    );
    expect(f.gpus).toEqual([0, 1, 2, 3]);
    expect(texts(f)).toEqual([
      'topo -m: GPU0 ↔ GPU2 = NODE',
      'topo -m: GPU0 ↔ GPU3 = NODE',
      'topo -m: GPU1 ↔ GPU2 = NODE',
      'topo -m: GPU1 ↔ GPU3 = NODE',
    ]);
    expect(f.impact).toBeNull();
    expect(f.severity).toBe('warning');
  });

  it('A100 pairs: a job on one NV12 pair, and a job that is not distributed, do not fire', () => {
    expect(
      runOn('nvlink-split', [
        real(A100_PAIRS),
        workloads([
          { name: 'pair', kind: 'training', gpus: [6, 7] },
          { name: 'independent', kind: 'training', gpus: [0, 4], distributed: false },
          { name: 'serving', kind: 'inference', gpus: [1, 5] },
        ]),
      ]),
    ).toEqual([]);
  });

  it('H100 SXM with NV18 between every pair: never', () => {
    expect(
      runOn('nvlink-split', [
        real(H100_NV18),
        workloads([
          { name: 'all', kind: 'training', gpus: [0, 1, 2, 3, 4, 5, 6, 7] },
          { name: 'odd', kind: 'training', gpus: [3, 5] },
        ]),
      ]),
    ).toEqual([]);
  });

  it('a host without any NVLink (8× RTX 4090, every pair SYS): never', () => {
    expect(
      runOn('nvlink-split', [
        real(RTX4090_SYS),
        workloads([{ name: 'ddp', kind: 'training', gpus: [0, 4] }]),
      ]),
    ).toEqual([]);
  });

  it('H200 demo: the DDP VM on GPU3 and GPU5 (SYS on a Gen5 host) vs an NV6 group: 51.5 ms vs 6.7 ms, 7.7×', () => {
    const f = one(runOn('nvlink-split', scenario('h200')));
    expect(f.workloads).toEqual(['train-vision-b']);
    expect(f.gpus).toEqual([3, 5]);
    expect(f.evidence).toEqual([{ source: 'h200/bundle.txt#topo-m', text: 'topo -m: GPU3 ↔ GPU5 = SYS' }]);
    expectRingImpact(f, 2, lineRate(5) * PATH_SHARE.SYS, 6 * NVLINK_GBS);
    expect(f.impact?.figures).toMatchObject({
      bottleneck_GBs: 19.4,
      best_GBs: 150,
      allreduce_ms: 51.5,
      best_allreduce_ms: 6.7,
    });
    expect(f.impact?.value).toBe(7.7);
    expect(f.severity).toBe('critical');
  });
});

describe('nvlink-split on synthetic snapshots', () => {
  const nv = (a: number, b: number, n: number) => ({
    a: `GPU${a}`,
    b: `GPU${b}`,
    kind: 'NV' as const,
    nvlinks: n,
    raw: `NV${n}`,
  });
  const pcie = (a: number, b: number, kind: 'PIX' | 'PHB' | 'SYS') => ({
    a: `GPU${a}`,
    b: `GPU${b}`,
    kind,
    nvlinks: null,
    raw: kind,
  });

  it('a pair the topology does not list is not called split', () => {
    const snap = snapshot({
      gpus: [gpu(0), gpu(1), gpu(2)],
      links: [nv(0, 1, 4)],
      workloads: [workload('ddp', 'training', [0, 2])],
    });
    expect(run('nvlink-split', snap)).toEqual([]);
  });

  it('uses the GPUs own max PCIe generation for the non-NVLink hop (Gen5 PIX vs NV4)', () => {
    const gen5 = (i: number) =>
      gpu(i, (g) => {
        g.pcie = { genCurrent: 5, genMax: 5, widthCurrent: 16, widthMax: 16 };
      });
    const snap = snapshot({
      gpus: [gen5(0), gen5(1), gen5(2), gen5(3)],
      links: [
        nv(0, 1, 4),
        nv(2, 3, 4),
        pcie(0, 2, 'PIX'),
        pcie(0, 3, 'PIX'),
        pcie(1, 2, 'PIX'),
        pcie(1, 3, 'PIX'),
      ],
      workloads: [workload('ddp', 'training', [1, 2])],
    });
    const f = one(run('nvlink-split', snap));
    expect(texts(f)).toEqual(['topo -m: GPU1 ↔ GPU2 = PIX']);
    expectRingImpact(f, 2, lineRate(5) * PATH_SHARE.PIX, 4 * NVLINK_GBS);
    // 52.6 GB/s vs 100 GB/s: 19 ms vs 10 ms, under the 4× line
    expect(f.severity).toBe('warning');
  });

  it('a distributed job with one GPU does not fire', () => {
    const snap = snapshot({
      gpus: [gpu(0), gpu(1)],
      links: [nv(0, 1, 4)],
      workloads: [workload('solo', 'training', [0], { distributed: true })],
    });
    expect(run('nvlink-split', snap)).toEqual([]);
  });

  it('a host whose only NVLink is not between GPUs of the job still counts as an NVLink host', () => {
    const snap = snapshot({
      gpus: [gpu(0), gpu(1), gpu(2)],
      links: [nv(0, 1, 2), pcie(0, 2, 'PHB'), pcie(1, 2, 'SYS')],
      workloads: [workload('ddp', 'training', [1, 2])],
    });
    const f = one(run('nvlink-split', snap));
    expect(texts(f)).toEqual(['topo -m: GPU1 ↔ GPU2 = SYS']);
    expectRingImpact(f, 2, lineRate(4) * PATH_SHARE.SYS, 2 * NVLINK_GBS);
  });
});
