import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Finding, round } from '../../scoring/findings.ts';
import type { Link } from '../../scoring/snapshot.ts';
import { gpu, one, real, run, runOn, scenario, snapshot, texts, workloads } from './helpers.ts';

const topo = (f: string) => real(`topo/${f}`);

/** The `gdr-off` model: 79.7 vs 96.1 GB/s inter-host all-reduce bus bandwidth without/with GPUDirect RDMA (S47). */
function expectGdrImpact(f: Finding): void {
  const drop = round((1 - 79.7 / 96.1) * 100, 0);
  expect(f.impact).toMatchObject({
    model: 'gdr-off',
    value: -drop,
    unit: '%',
    figures: { busbw_without_gdr_GBs: 79.7, busbw_with_gdr_GBs: 96.1, ratio: round(79.7 / 96.1, 3) },
    sources: ['S47', 'S45', 'S46'],
  });
  expect(drop).toBe(17);
}

/**
 * What a person reading each real `topo -m` would note about where the NICs sit, and nothing false: the
 * title of the one finding, or null (no NIC in the matrix, every GPU has a NIC nearby, or its NIC cells
 * are cut off).
 */
const EXPECTED: [file: string, title: string | null][] = [
  ['2gpu-nv12-slice-8mlx5-tabs-numa1-lmdeploy-check-env.txt', null],
  ['3gpu-slurm-subset-nv4-pair-plus-phb-2nic-cgroup-cpus.txt', 'GPU0, GPU1 have no network card nearby'],
  ['5gpu-workstation-2numa-mixed-sys-phb-node-club3090.txt', null],
  ['a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt', null],
  ['a100-sxm4-40gb-8x-epyc7742-nps4-10nic-drv525.txt', null],
  ['a100-sxm4-80gb-2gpu-container-nv12-8nic-BLANK-cpu-numa-affinity-legend-cut.txt', null],
  ['a40-8x-nv4-pairs-2socket-ABBREVIATED-cols-dots-EDITED.txt', null],
  ['alcf-polaris-4x-a100-nv4-1socket-nps4-2mlx5-doc.txt', 'GPU0, GPU2 have no network card nearby'],
  ['dgx-h100-8x-talos-12nic-TRUNCATED.txt', null],
  ['dgx1-8gpu-topo-mp-pci-only-4mlx5.txt', null],
  ['dgx2-16x-v100-nv6-nvswitch-10mlx5-cpu-affinity-only-FRAGMENT-gpu0-3.txt', null],
  ['h100-4x-nv6-4nic-vm-single-cpu-affinity-lists-numa-3-1-7-5-legend-cut.txt', null],
  ['h100-sxm-8x-12nic-GLUED-link-cells-PIXNODE-NODENODE-NV18NV18-EDITED.txt', null],
  ['h100-sxm-8x-12nic-numa-off-sglang.txt', null],
  ['h100-sxm-8x-9nic-2socket-tabs-gpu-numa-id-TRUNCATED-after-NIC5.txt', null],
  ['h100-sxm-8x-kvm-guest-rhelai-single-numa.txt', null],
  ['h200-8x-10nic-odd-cpu-affinity-misaligned-nic8-FRAGMENT-gpu0-1.txt', null],
  ['hgx-h100-sxm-8x-10nic-tabs-trailing-tabs-nic-rows-TRUNCATED-after-NIC2.txt', null],
  ['l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt', 'No GPU has a network card nearby (2 NICs)'],
  [
    'l40s-4x-2socket-384thr-GLUED-cpu-numa-affinity-all-gpu-rows-EDITED.txt',
    'No GPU has a network card nearby (2 NICs)',
  ],
  ['p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt', 'The only NIC, NIC0 (mlx5_0), is far from all 8 GPUs'],
  ['power9-traverse-1gpu-visible-4mlx5-odd-numa-affinity.txt', 'GPU0 has no network card nearby'],
  [
    'rtx4090-8x-2socket-GLUED-cpu-numa-affinity-gpu3-gpu7-EDITED.txt',
    'GPU0, GPU1, GPU2, GPU3, GPU4, GPU5, GPU7 have no network card nearby',
  ],
  [
    'rtx4090-8x-pcie-2socket-all-sys-2nic.txt',
    'GPU0, GPU1, GPU2, GPU3, GPU4, GPU5, GPU7 have no network card nearby',
  ],
  ['rtx5090-2x-threadripper-3975wx-phb-tabs-1numa.txt', null],
  [
    'v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt',
    'The only NIC, NIC0 (mlx5_0), is far from all 8 GPUs',
  ],
];

describe('nic-layout on the real topologies (topology-only uploads)', () => {
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
      const found = runOn('nic-layout', [topo(file)]);
      expect(found.map((f) => f.title.en)).toEqual(title === null ? [] : [title]);
      for (const f of found) {
        expect(f.severity).toBe('info');
        expect(f.workloads).toEqual([]);
        expectGdrImpact(f);
        // one cell per far GPU, its nearest NIC
        expect(f.evidence.map((e) => e.text.match(/^topo -m: GPU(\d+) ↔/)?.[1]).map(Number)).toEqual(f.gpus);
      }
    },
  );

  it('one NIC on the other socket (P40, legacy SOC): every GPU reaches it across NUMA nodes, the cell as printed', () => {
    const f = one(runOn('nic-layout', [topo('p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt')]));
    expect(f.gpus).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f.detail.en).toMatch(
      /^GPU0, GPU1, GPU2, GPU3, GPU4, GPU5, GPU6, GPU7 reach it only across NUMA nodes \(SYS\)\. A job on these GPUs that spans hosts/,
    );
    expect(texts(f)[0]).toBe('topo -m: GPU0 ↔ NIC0 (mlx5_0) = SOC');
    expect(f.recommendation.en).toContain(
      'fit a NIC in a slot that shares a PCIe switch or host bridge with the GPUs',
    );
  });

  it('NICs next to some GPUs only (ALCF Polaris, one socket in NPS4): which GPUs have one, and SYS means NUMA nodes, not sockets', () => {
    const f = one(runOn('nic-layout', [topo('alcf-polaris-4x-a100-nv4-1socket-nps4-2mlx5-doc.txt')]));
    expect(f.gpus).toEqual([0, 2]);
    expect(f.detail.en).toMatch(
      /^GPU0, GPU2 reach the nearest NIC only across NUMA nodes \(SYS\)\. NICs sit next to GPU1, GPU3 only \(PHB\)\./,
    );
    expect(f.detail.en).not.toContain('socket');
    expect(f.recommendation.en).toBe(
      'Run multi-host jobs on GPU1, GPU3 (a NIC nearby) first; to use GPU0, GPU2 at full speed across hosts, add a NIC on their PCIe switch or host bridge.',
    );
  });

  it('two NICs, both on one socket (4× L40S): SYS from one side, NODE from the other', () => {
    const f = one(runOn('nic-layout', [topo('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt')]));
    expect(f.detail.en).toMatch(
      /^GPU0, GPU1 reach the nearest NIC only across NUMA nodes \(SYS\); GPU2, GPU3 reach the nearest NIC only across PCIe host bridges within one NUMA node \(NODE\)\./,
    );
  });

  it('a management NIC SYS to every GPU is no finding when each GPU has its own NIC (HGX H100, NIC0)', () => {
    expect(
      runOn('nic-layout', [topo('h100-sxm-8x-9nic-2socket-tabs-gpu-numa-id-TRUNCATED-after-NIC5.txt')]),
    ).toEqual([]);
  });

  it('one visible GPU (POWER9 Slurm slice): singular wording', () => {
    const f = one(runOn('nic-layout', [topo('power9-traverse-1gpu-visible-4mlx5-odd-numa-affinity.txt')]));
    expect(f.detail.en).toMatch(
      /^GPU0 reaches the nearest NIC only across NUMA nodes \(SYS\)\. A job on this GPU/,
    );
  });

  it('needs no workload, and does not change with one (unlike nic-far)', () => {
    const file = topo('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt');
    const alone = runOn('nic-layout', [file]);
    const withJob = runOn('nic-layout', [
      file,
      workloads([{ name: 'ddp', kind: 'training', gpus: [0, 1], distributed: true }]),
    ]);
    expect(withJob).toEqual(alone);
  });
});

describe('nic-layout on the demo servers', () => {
  it('H200: NICs next to GPU0/1 and GPU4/5; GPU2, GPU3, GPU6, GPU7 reach one via NODE', () => {
    const f = one(runOn('nic-layout', scenario('h200')));
    expect(f.title.en).toBe('GPU2, GPU3, GPU6, GPU7 have no network card nearby');
    expect(texts(f)).toEqual([
      'topo -m: GPU2 ↔ NIC0 (mlx5_0) = NODE',
      'topo -m: GPU3 ↔ NIC0 (mlx5_0) = NODE',
      'topo -m: GPU6 ↔ NIC1 (mlx5_1) = NODE',
      'topo -m: GPU7 ↔ NIC1 (mlx5_1) = NODE',
    ]);
    expect(f.detail.en).toContain('NICs sit next to GPU0, GPU1, GPU4, GPU5 only (PIX).');
  });

  it('L40S: the only NIC is on NUMA 1 (SYS from GPU0/1, NODE from GPU2/3)', () => {
    const f = one(runOn('nic-layout', scenario('l40s')));
    expect(f.title.en).toBe('The only NIC, NIC0 (mlx5_0), is far from all 4 GPUs');
    expect(f.severity).toBe('info');
  });
});

describe('nic-layout on synthetic snapshots', () => {
  const nicLink = (g: number, nic: number, kind: Link['kind']): Link => ({
    a: `GPU${g}`,
    b: `NIC${nic}`,
    kind,
    nvlinks: null,
    raw: kind,
  });

  it('NICs only on the even GPUs: the odd ones are named, the even ones as where the NICs sit', () => {
    const links: Link[] = [];
    for (let g = 0; g < 8; g++)
      for (let n = 0; n < 4; n++)
        links.push(nicLink(g, n, g === 2 * n ? 'PIX' : g === 2 * n + 1 ? 'NODE' : 'SYS'));
    const snap = snapshot({
      gpus: Array.from({ length: 8 }, (_, i) => gpu(i)),
      nics: Array.from({ length: 4 }, (_, i) => ({
        id: `NIC${i}`,
        device: `mlx5_${i}`,
        numaNode: null,
        cpuAffinity: null,
      })),
      links,
    });
    const f = one(run('nic-layout', snap));
    expect(f.title.en).toBe('GPU1, GPU3, GPU5, GPU7 have no network card nearby');
    expect(f.detail.en).toContain('NICs sit next to GPU0, GPU2, GPU4, GPU6 only (PIX).');
    expect(texts(f)).toEqual([
      'topo -m: GPU1 ↔ NIC0 (mlx5_0) = NODE',
      'topo -m: GPU3 ↔ NIC1 (mlx5_1) = NODE',
      'topo -m: GPU5 ↔ NIC2 (mlx5_2) = NODE',
      'topo -m: GPU7 ↔ NIC3 (mlx5_3) = NODE',
    ]);
  });

  it('no NIC in the topology, or no GPU↔NIC cell known: nothing', () => {
    expect(run('nic-layout', snapshot({ gpus: [gpu(0), gpu(1)] }))).toEqual([]);
  });
});
