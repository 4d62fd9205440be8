import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { SEVERITY_ORDER } from '../../scoring/findings.ts';
import {
  expectRingImpact,
  gpu,
  ingestAll,
  lineRate,
  NVLINK_GBS,
  one,
  PATH_SHARE,
  real,
  run,
  runOn,
  scenario,
  smiCsv,
  snapshot,
  texts,
} from './helpers.ts';

const topo = (f: string) => real(`topo/${f}`);
/** The real nvidia-smi names of the GPUs, as a `--query-gpu=index,name` CSV. */
const names = (n: number, name: string) =>
  smiCsv(
    Array.from({ length: n }, (_, index) => ({ index, name })),
    'names.csv',
  );

/**
 * What a person reading each real `topo -m` would note about the GPU↔GPU fabric, and nothing false: the
 * title of the one finding, or null where every known pair is NVLink (or there is a single GPU).
 */
const EXPECTED: [file: string, title: string | null][] = [
  ['2gpu-nv12-slice-8mlx5-tabs-numa1-lmdeploy-check-env.txt', null],
  [
    '3gpu-slurm-subset-nv4-pair-plus-phb-2nic-cgroup-cpus.txt',
    'NVLink only within GPU0–GPU1; 2 GPU pairs use PCIe',
  ],
  [
    '5gpu-workstation-2numa-mixed-sys-phb-node-club3090.txt',
    'No NVLink shown between the GPUs (10 pairs: PCIe paths only)',
  ],
  [
    'a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt',
    'NVLink only within GPU0–GPU1, GPU2–GPU3, GPU4–GPU5, GPU6–GPU7; 24 GPU pairs use PCIe',
  ],
  ['a100-sxm4-40gb-8x-epyc7742-nps4-10nic-drv525.txt', null],
  ['a100-sxm4-80gb-2gpu-container-nv12-8nic-BLANK-cpu-numa-affinity-legend-cut.txt', null],
  [
    'a40-8x-nv4-pairs-2socket-ABBREVIATED-cols-dots-EDITED.txt',
    'NVLink only within GPU0–GPU1, GPU2–GPU3, GPU4–GPU5, GPU6–GPU7; 24 GPU pairs use PCIe',
  ],
  ['alcf-polaris-4x-a100-nv4-1socket-nps4-2mlx5-doc.txt', null],
  ['dgx-h100-8x-talos-12nic-TRUNCATED.txt', null],
  ['dgx1-8gpu-topo-mp-pci-only-4mlx5.txt', 'No NVLink shown between the GPUs (28 pairs: PCIe paths only)'],
  ['dgx2-16x-v100-nv6-nvswitch-10mlx5-cpu-affinity-only-FRAGMENT-gpu0-3.txt', null],
  ['h100-4x-nv6-4nic-vm-single-cpu-affinity-lists-numa-3-1-7-5-legend-cut.txt', null],
  ['h100-sxm-8x-12nic-GLUED-link-cells-PIXNODE-NODENODE-NV18NV18-EDITED.txt', null],
  ['h100-sxm-8x-12nic-numa-off-sglang.txt', null],
  ['h100-sxm-8x-9nic-2socket-tabs-gpu-numa-id-TRUNCATED-after-NIC5.txt', null],
  ['h100-sxm-8x-kvm-guest-rhelai-single-numa.txt', null],
  ['h200-8x-10nic-odd-cpu-affinity-misaligned-nic8-FRAGMENT-gpu0-1.txt', null],
  ['hgx-h100-sxm-8x-10nic-tabs-trailing-tabs-nic-rows-TRUNCATED-after-NIC2.txt', null],
  [
    'l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt',
    'No NVLink shown between the GPUs (6 pairs: PCIe paths only)',
  ],
  [
    'l40s-4x-2socket-384thr-GLUED-cpu-numa-affinity-all-gpu-rows-EDITED.txt',
    'No NVLink shown between the GPUs (6 pairs: PCIe paths only)',
  ],
  [
    'p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt',
    'No NVLink shown between the GPUs (28 pairs: PCIe paths only)',
  ],
  ['power9-traverse-1gpu-visible-4mlx5-odd-numa-affinity.txt', null],
  [
    'rtx4090-8x-2socket-GLUED-cpu-numa-affinity-gpu3-gpu7-EDITED.txt',
    'No NVLink shown between the GPUs (28 pairs: PCIe paths only)',
  ],
  [
    'rtx4090-8x-pcie-2socket-all-sys-2nic.txt',
    'No NVLink shown between the GPUs (28 pairs: PCIe paths only)',
  ],
  [
    'rtx5090-2x-threadripper-3975wx-phb-tabs-1numa.txt',
    'No NVLink shown between the GPUs (GPU0–GPU1: PCIe paths only)',
  ],
  [
    'v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt',
    'NVLink on 16 of 28 GPU pairs; the other 12 use PCIe',
  ],
];

describe('gpu-interconnect on the real topologies (topology-only uploads)', () => {
  it('covers every real topo -m in samples/real/topo', () => {
    const files = readdirSync(new URL('../../samples/real/topo/', import.meta.url)).filter(
      (f) => f.endsWith('.txt') && !f.startsWith('topo-p2p'),
    );
    const listed = new Set(EXPECTED.map(([f]) => f));
    expect(files.filter((f) => !listed.has(f))).toEqual([]);
  });

  it.each(EXPECTED.filter(([f]) => existsSync(new URL(`../../samples/real/topo/${f}`, import.meta.url))))(
    '%s',
    (file, title) => {
      const found = runOn('gpu-interconnect', [topo(file)]);
      expect(found.map((f) => f.title.en)).toEqual(title === null ? [] : [title]);
      for (const f of found) {
        expect(f.severity).toBe('info');
        expect(f.workloads).toEqual([]);
        // topology only: the PCIe generation is unknown, so no bandwidth number is stated
        expect(f.impact).toBeNull();
        for (const e of f.evidence) expect(e.source).toBe(`topo/${file}`);
      }
    },
  );

  it('A100 NVLink-bridge pairs: the groups, the PCIe paths between them counted, one cell per group and kind', () => {
    const f = one(
      runOn('gpu-interconnect', [topo('a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt')]),
    );
    expect(f.gpus).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f.detail.en).toBe(
      'NVLink joins only the groups GPU0–GPU1, GPU2–GPU3, GPU4–GPU5, GPU6–GPU7: traffic leaving a group goes over PCIe. 24 of 28 GPU pairs use PCIe: 16 across NUMA nodes (SYS), 8 across PCIe host bridges within one NUMA node (NODE). A multi-GPU job spread over such a pair exchanges gradients at PCIe speed.',
    );
    expect(texts(f)).toEqual([
      'topo -m: GPU0 ↔ GPU1 = NV12',
      'topo -m: GPU2 ↔ GPU3 = NV12',
      'topo -m: GPU4 ↔ GPU5 = NV12',
      'topo -m: GPU6 ↔ GPU7 = NV12',
      'topo -m: GPU0 ↔ GPU4 = SYS (16 of 28 GPU pairs)',
      'topo -m: GPU0 ↔ GPU2 = NODE (8 of 28 GPU pairs)',
    ]);
    expect(f.recommendation.en).toContain(
      'inside one NVLink group (GPU0–GPU1, GPU2–GPU3, GPU4–GPU5, GPU6–GPU7)',
    );
  });

  it('a Slurm subset: the NVLink pair and the GPU without NVLink', () => {
    const f = one(
      runOn('gpu-interconnect', [topo('3gpu-slurm-subset-nv4-pair-plus-phb-2nic-cgroup-cpus.txt')]),
    );
    expect(f.detail.en).toMatch(/^NVLink joins only the group GPU0–GPU1 \(GPU2 has none\)/);
    expect(f.gpus).toEqual([0, 1, 2]);
  });

  it('V100 hybrid cube mesh: every GPU has NVLink, but 12 pairs go over PCIe', () => {
    const f = one(
      runOn('gpu-interconnect', [
        topo('v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt'),
      ]),
    );
    expect(f.detail.en).toMatch(
      /^NVLink joins all GPUs, but not every pair directly \(a partial mesh\)\. 12 of 28/,
    );
  });

  it('no NVLink shown and the GPUs unknown: it says what the matrix shows, not that the host lacks NVLink (DGX-1 topo -mp)', () => {
    // a DGX-1 has NVLink; `topo -mp` shows only the PCIe paths
    const f = one(runOn('gpu-interconnect', [topo('dgx1-8gpu-topo-mp-pci-only-4mlx5.txt')]));
    expect(f.title.en).not.toMatch(/use PCIe|No NVLink on/);
    expect(f.detail.en).toBe(
      "The matrix shows no NVLink, so GPU↔GPU traffic goes over PCIe — unless it is the PCIe-only `topo -mp` matrix, which hides NVLink (if these GPUs have NVLink, send `nvidia-smi topo -m`). The GPU pairs' PCIe paths: 16 across NUMA nodes (SYS), 8 through a PCIe host bridge (PHB), 4 behind one PCIe switch (PIX).",
    );
    expect(f.recommendation.en).toMatch(/^First check with `nvidia-smi topo -m`/);
    expect(f.detail.ko).toContain('topo -mp');
  });

  it('every pair the same path: placement cannot help, and it says so (8× RTX 4090, all SYS; 2× RTX 5090, PHB)', () => {
    const all = one(runOn('gpu-interconnect', [topo('rtx4090-8x-pcie-2socket-all-sys-2nic.txt')]));
    expect(all.recommendation.en).toContain(
      'If they do not: every GPU pair is SYS: placement cannot shorten the path',
    );
    const two = one(runOn('gpu-interconnect', [topo('rtx5090-2x-threadripper-3975wx-phb-tabs-1numa.txt')]));
    expect(two.recommendation.en).toContain('If they do not: the only GPU pair is PHB');
    expect(texts(two)).toEqual(['topo -m: GPU0 ↔ GPU1 = PHB (1 of 1 GPU pair)']);
  });
});

describe('gpu-interconnect with the GPU models known', () => {
  const L40S_TOPO = 'l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';

  it('L40S (no NVLink in the model table): a hardware fact, with the bandwidth of the slowest pair vs the best', () => {
    const f = one(runOn('gpu-interconnect', [topo(L40S_TOPO), names(4, 'NVIDIA L40S')]));
    expect(f.title.en).toBe('No NVLink on this host: all 6 GPU pairs use PCIe');
    expect(f.detail.en).toMatch(
      /^L40S 48GB has no NVLink, so GPU↔GPU traffic goes over PCIe\. 6 of 6 GPU pairs use PCIe:/,
    );
    expect(texts(f)).toContain('L40S 48GB: no NVLink (model table)');
    // the slowest pair GPU0–GPU2 (SYS) against the best GPU0–GPU1 (NODE), at the model's Gen4
    expectRingImpact(f, 2, lineRate(4) * PATH_SHARE.SYS, lineRate(4) * PATH_SHARE.NODE);
    expect(f.impact!.summary.en).toMatch(/^a 2-GPU job on GPU0–GPU2 \(SYS\): /);
    expect(f.impact!.summary.en).toContain('on the best-connected pair GPU0–GPU1 (NODE)');
    expect(f.recommendation.en).toBe(
      'Put multi-GPU jobs on the best-connected GPUs first (NODE, e.g. GPU0–GPU1); avoid pairs across NUMA nodes (SYS).',
    );
  });

  it('H100 SXM (NVLink-capable) with no NVLink shown: NVLink absent or down — or a topo -mp matrix; no number', () => {
    const f = one(
      runOn('gpu-interconnect', [
        topo('rtx4090-8x-pcie-2socket-all-sys-2nic.txt'),
        names(8, 'NVIDIA H100 80GB HBM3'),
      ]),
    );
    expect(f.detail.en).toMatch(
      /^No GPU pair shows NVLink although H100 SXM5 80GB supports it \(SXM or bridges\): either none is fitted or the links are down/,
    );
    expect(texts(f)).toContain('H100 SXM5 80GB: NVLink-capable (model table)');
    expect(f.impact).toBeNull();
  });

  it('a host where every pair is NVLink yields nothing (8× H100 NV18, names known)', () => {
    expect(
      runOn('gpu-interconnect', [
        topo('h100-sxm-8x-kvm-guest-rhelai-single-numa.txt'),
        names(8, 'NVIDIA H100 80GB HBM3'),
      ]),
    ).toEqual([]);
  });
});

describe('gpu-interconnect on the demo servers: info, after every warning', () => {
  it('H200: two 4-GPU NVLink groups, 16 SYS pairs between them (NV6 150 GB/s vs SYS 19.4 GB/s at Gen5)', () => {
    const f = one(runOn('gpu-interconnect', scenario('h200')));
    expect(f.title.en).toBe('NVLink only within GPU0–GPU3, GPU4–GPU7; 16 GPU pairs use PCIe');
    expectRingImpact(f, 2, lineRate(5) * PATH_SHARE.SYS, 6 * NVLINK_GBS);
    expect(f.impact!.value).toBe(7.7);
  });

  it('L40S: no NVLink (the model says so), SYS vs NODE 2.1×', () => {
    const f = one(runOn('gpu-interconnect', scenario('l40s')));
    expect(f.title.en).toBe('No NVLink on this host: all 6 GPU pairs use PCIe');
    expect(f.impact!.value).toBe(2.1);
  });

  it.each(['h200', 'l40s'] as const)('%s: host facts come last, after the warnings', (name) => {
    const a = analyzeHost(ingestAll(scenario(name)));
    const at = a.findings.findIndex((f) => f.rule === 'gpu-interconnect');
    expect(at).toBeGreaterThan(0);
    expect(a.findings.slice(0, at).some((f) => SEVERITY_ORDER[f.severity] < SEVERITY_ORDER.info)).toBe(true);
    for (const f of a.findings.slice(at)) expect(f.severity).toBe('info');
    expect(a.findings.slice(at).map((f) => f.rule)).toEqual(['gpu-interconnect', 'nic-layout']);
  });
});

describe('gpu-interconnect on synthetic snapshots', () => {
  it('one GPU, or no known pair: nothing', () => {
    expect(run('gpu-interconnect', snapshot({ gpus: [gpu(0)] }))).toEqual([]);
    expect(run('gpu-interconnect', snapshot({ gpus: [gpu(0), gpu(1)] }))).toEqual([]);
  });
});
