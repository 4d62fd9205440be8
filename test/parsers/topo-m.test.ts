import { describe, expect, it } from 'vitest';
import { Link, Nic } from '../../scoring/snapshot.ts';
import type { Fragment } from '../../tools/ingest/fragment.ts';
import { topoMParser } from '../../tools/parsers/topo-m.ts';
import {
  describeDetectIsolation,
  describeRobustness,
  inputError,
  readReal,
  realFiles,
} from '../helpers/fixtures.ts';

const P2P = 'topo-p2p-rw-rtx5090-2x-GNS-gpu-not-supported.txt';

function fixture(name: string): string {
  return readReal(`topo/${name}`);
}

function parse(name: string): Fragment {
  return topoMParser.parse(fixture(name));
}

/** The link between two endpoints, in either order. */
function link(f: Fragment, a: string, b: string) {
  return f.links?.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
}

function gpu(f: Fragment, index: number) {
  return f.gpus?.find((g) => g.index === index);
}

function kinds(f: Fragment): Set<string> {
  return new Set((f.links ?? []).map((l) => l.kind));
}

/** topo -m outputs: every .txt under topo/ but the topo -p2p one. */
const isTopoM = (rel: string) => rel.startsWith('topo/') && rel.endsWith('.txt') && rel !== `topo/${P2P}`;
const topoFiles = realFiles()
  .filter(isTopoM)
  .map((rel) => rel.slice('topo/'.length));

describe('topo-m: every real fixture', () => {
  it('finds the fixtures', () => {
    expect(topoFiles.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of topoFiles) {
    it(`detects and parses ${name}`, () => {
      const text = fixture(name);
      expect(topoMParser.detect(text)).toBeGreaterThanOrEqual(0.9);
      const f = topoMParser.parse(text);
      expect(f.format).toBe('topo-m');
      expect(f.gpus?.length).toBeGreaterThan(0);
      for (const l of f.links ?? []) expect(() => Link.parse(l)).not.toThrow();
      for (const n of f.nics ?? []) expect(() => Nic.parse(n)).not.toThrow();
      // one link per unordered pair, never a self link
      const pairs = new Set<string>();
      for (const l of f.links ?? []) {
        expect(l.a).not.toBe(l.b);
        const key = [l.a, l.b].sort().join('|');
        expect(pairs.has(key)).toBe(false);
        pairs.add(key);
        if (l.kind === 'NV') expect(l.nvlinks).toBeGreaterThan(0);
        else expect(l.nvlinks).toBeNull();
      }
      // truncated / fragment fixtures say so
      if (/TRUNCATED|FRAGMENT/.test(name)) {
        expect(f.warnings?.some((w) => w.startsWith('truncated:'))).toBe(true);
      }
    });
  }
});

describe('topo-m: fixture values', () => {
  it('L40S 4x, 2 sockets, NIC legend', () => {
    const f = parse('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt');
    expect(f.gpus?.map((g) => g.index)).toEqual([0, 1, 2, 3]);
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'NODE', nvlinks: null, raw: 'NODE' });
    expect(link(f, 'GPU0', 'GPU2')?.kind).toBe('SYS');
    expect(link(f, 'GPU2', 'NIC0')?.kind).toBe('NODE');
    expect(link(f, 'NIC0', 'NIC1')?.kind).toBe('PIX');
    expect(f.links).toHaveLength(15); // C(6,2)
    const cpus23 = [
      ...Array.from({ length: 96 }, (_, i) => 96 + i),
      ...Array.from({ length: 96 }, (_, i) => 288 + i),
    ];
    for (const i of [2, 3]) {
      expect(gpu(f, i)?.numaNode).toBe(1);
      expect(gpu(f, i)?.cpuAffinity).toEqual(cpus23);
    }
    expect(gpu(f, 0)?.numaNode).toBe(0);
    expect(gpu(f, 0)?.cpuAffinity?.slice(0, 2)).toEqual([0, 1]);
    expect(f.nics).toEqual([
      { id: 'NIC0', device: 'mlx5_0', numaNode: null, cpuAffinity: null },
      { id: 'NIC1', device: 'mlx5_1', numaNode: null, cpuAffinity: null },
    ]);
    expect(f.warnings).toBeUndefined();
  });

  it('P40 legacy driver: SOC is SYS with raw SOC, PIX/PXB, no NUMA column', () => {
    const f = parse('p40-8x-pix-pxb-soc-legacy-driver-1mlx5.txt');
    expect(f.gpus).toHaveLength(8);
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'PIX', raw: 'PIX' });
    expect(link(f, 'GPU0', 'GPU4')).toMatchObject({ kind: 'PXB', raw: 'PXB' });
    expect(link(f, 'GPU0', 'NIC0')).toMatchObject({ kind: 'SYS', raw: 'SOC', nvlinks: null });
    expect(f.nics).toEqual([{ id: 'NIC0', device: 'mlx5_0', numaNode: null, cpuAffinity: null }]);
    expect(gpu(f, 3)?.cpuAffinity).toEqual(Array.from({ length: 14 }, (_, i) => i));
    // the output has no NUMA Affinity column: it says nothing about the NUMA node
    expect(gpu(f, 3) && 'numaNode' in gpu(f, 3)!).toBe(false);
    expect(kinds(f)).toEqual(new Set(['PIX', 'PXB', 'SYS']));
  });

  it('A100 PCIe with NVLink bridges: NV12 pairs', () => {
    const f = parse('a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt');
    const nv = f.links?.filter((l) => l.kind === 'NV').map((l) => `${l.a}-${l.b}`);
    expect(nv).toEqual(['GPU0-GPU1', 'GPU2-GPU3', 'GPU4-GPU5', 'GPU6-GPU7']);
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'NV', nvlinks: 12, raw: 'NV12' });
    expect(link(f, 'GPU1', 'GPU2')?.kind).toBe('NODE');
    expect(link(f, 'GPU3', 'GPU4')?.kind).toBe('SYS');
    expect(gpu(f, 4)?.numaNode).toBe(1);
    expect(f.nics).toEqual([]);
  });

  it('A100 SXM4 NPS4 drv525: NIC legend, 8 NUMA nodes', () => {
    const f = parse('a100-sxm4-40gb-8x-epyc7742-nps4-10nic-drv525.txt');
    expect(f.gpus?.map((g) => g.numaNode)).toEqual([3, 3, 1, 1, 7, 7, 5, 5]);
    expect(f.nics?.map((n) => n.device)).toEqual(Array.from({ length: 10 }, (_, i) => `mlx5_${i}`));
    expect(link(f, 'GPU0', 'NIC1')?.kind).toBe('PXB');
    expect(link(f, 'NIC8', 'NIC9')?.kind).toBe('PIX');
    expect(f.links).toHaveLength(153); // C(18,2)
    expect(f.warnings).toBeUndefined();
  });

  it('DGX/HGX H100: NV18 everywhere, numa=off host', () => {
    const f = parse('h100-sxm-8x-12nic-numa-off-sglang.txt');
    const gpuLinks = f.links?.filter((l) => l.a.startsWith('GPU') && l.b.startsWith('GPU'));
    expect(gpuLinks).toHaveLength(28);
    for (const l of gpuLinks ?? []) expect(l).toMatchObject({ kind: 'NV', nvlinks: 18 });
    expect(f.gpus?.every((g) => g.numaNode === 0 && g.cpuAffinity?.length === 192)).toBe(true);
    expect(f.nics).toHaveLength(12);
    expect(f.nics?.[11]).toEqual({ id: 'NIC11', device: 'mlx5_11', numaNode: null, cpuAffinity: null });
    expect(link(f, 'GPU3', 'NIC5')?.kind).toBe('PIX');
    expect(f.links).toHaveLength(190); // C(20,2)
  });

  it('KVM guest H100: no NIC columns, single NUMA node', () => {
    const f = parse('h100-sxm-8x-kvm-guest-rhelai-single-numa.txt');
    expect(f.links).toHaveLength(28);
    expect(kinds(f)).toEqual(new Set(['NV']));
    expect(gpu(f, 7)).toEqual({
      index: 7,
      numaNode: 0,
      cpuAffinity: Array.from({ length: 64 }, (_, i) => i),
    });
  });

  it('POWER9: NUMA Affinity naming several nodes → null + warning', () => {
    const f = parse('power9-traverse-1gpu-visible-4mlx5-odd-numa-affinity.txt');
    expect(gpu(f, 0)).toEqual({ index: 0, numaNode: null, cpuAffinity: [0, 1, 2, 3] });
    expect(f.warnings?.some((w) => w.includes('0,8,252-255') && w.includes('GPU0'))).toBe(true);
    expect(f.nics?.map((n) => `${n.id}=${n.device}`)).toEqual([
      'NIC0=mlx5_0',
      'NIC1=mlx5_1',
      'NIC2=mlx5_2',
      'NIC3=mlx5_3',
    ]);
    expect(link(f, 'NIC0', 'NIC1')?.kind).toBe('PIX');
    expect(link(f, 'GPU0', 'NIC2')?.kind).toBe('SYS');
  });

  it('TABS truncated after NIC5: parses the rows present and names the missing ones', () => {
    const f = parse('h100-sxm-8x-9nic-2socket-tabs-gpu-numa-id-TRUNCATED-after-NIC5.txt');
    expect(f.gpus?.map((g) => g.numaNode)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(gpu(f, 4)?.cpuAffinity?.[0]).toBe(80);
    expect(f.nics).toHaveLength(9);
    // GPU rows give every GPU–NIC link, including NICs without a row
    expect(link(f, 'GPU0', 'NIC8')?.kind).toBe('PIX');
    expect(link(f, 'NIC5', 'NIC8')?.kind).toBe('NODE');
    expect(link(f, 'NIC6', 'NIC7')).toBeUndefined();
    expect(f.warnings).toContain('truncated: no rows for NIC6–NIC8; links among them unknown');
  });

  it('TABS with trailing tabs on NIC rows, truncated after NIC2', () => {
    const f = parse('hgx-h100-sxm-8x-10nic-tabs-trailing-tabs-nic-rows-TRUNCATED-after-NIC2.txt');
    expect(gpu(f, 7)?.numaNode).toBe(1);
    expect(f.nics?.every((n) => n.numaNode === null && n.cpuAffinity === null)).toBe(true);
    expect(link(f, 'GPU7', 'NIC9')?.kind).toBe('PIX');
    expect(f.warnings?.some((w) => w.includes('NIC3–NIC9'))).toBe(true);
  });

  it('DGX H100 truncated report: rows NIC6–NIC11 missing', () => {
    const f = parse('dgx-h100-8x-talos-12nic-TRUNCATED.txt');
    expect(f.warnings?.some((w) => w.includes('truncated') && w.includes('NIC6–NIC11'))).toBe(true);
    expect(f.nics).toHaveLength(12);
    expect(f.nics?.every((n) => n.device === null)).toBe(true); // NIC legend cut
    expect(link(f, 'GPU0', 'NIC0')?.kind).toBe('PXB');
  });

  it('H200 fragment with GPU0/GPU1 rows only, misaligned header, non-range CPU list', () => {
    const f = parse('h200-8x-10nic-odd-cpu-affinity-misaligned-nic8-FRAGMENT-gpu0-1.txt');
    expect(f.gpus).toHaveLength(8);
    expect(gpu(f, 0)).toEqual({ index: 0, numaNode: 0, cpuAffinity: [0, 2, 4, 6, 8, 10] });
    // rows missing: the GPU exists, but the input says nothing about its affinity
    expect(gpu(f, 5)).toEqual({ index: 5 });
    expect(link(f, 'GPU0', 'NIC8')?.kind).toBe('SYS');
    expect(link(f, 'GPU1', 'NIC1')?.kind).toBe('PIX');
    expect(link(f, 'GPU2', 'GPU3')).toBeUndefined();
    expect(link(f, 'GPU1', 'GPU7')?.nvlinks).toBe(18);
    expect(f.warnings?.some((w) => w.includes('GPU2–GPU7') && w.includes('links among them unknown'))).toBe(
      true,
    );
  });

  it('DGX-2 fragment: 16 GPUs, mlx5 column headers, CPU Affinity only', () => {
    const f = parse('dgx2-16x-v100-nv6-nvswitch-10mlx5-cpu-affinity-only-FRAGMENT-gpu0-3.txt');
    expect(f.gpus).toHaveLength(16);
    expect(f.nics?.map((n) => n.id)).toEqual(Array.from({ length: 10 }, (_, i) => `NIC${i}`));
    expect(f.nics?.[9]?.device).toBe('mlx5_9');
    expect(link(f, 'GPU3', 'GPU15')).toMatchObject({ kind: 'NV', nvlinks: 6 });
    expect(link(f, 'GPU0', 'NIC0')?.kind).toBe('PIX');
    expect(gpu(f, 0)?.cpuAffinity?.length).toBe(48);
    expect(f.warnings?.some((w) => w.includes('GPU4–GPU15') && w.includes('NIC0–NIC9'))).toBe(true);
  });

  it('BLANK CPU/NUMA affinity cells → null + warning; GPU NUMA ID N/A is not taken as affinity', () => {
    const f = parse('a100-sxm4-80gb-2gpu-container-nv12-8nic-BLANK-cpu-numa-affinity-legend-cut.txt');
    expect(gpu(f, 0)).toEqual({ index: 0, numaNode: null, cpuAffinity: null });
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'NV', nvlinks: 12 });
    expect(link(f, 'GPU1', 'NIC7')?.kind).toBe('PXB');
    expect(f.nics?.map((n) => n.device)).toEqual(Array(8).fill(null));
    expect(f.warnings?.some((w) => /blank/i.test(w) && w.includes('GPU0'))).toBe(true);
  });

  it('abbreviated "..." columns (EDITED) → affinity unknown + warning', () => {
    const f = parse('a40-8x-nv4-pairs-2socket-ABBREVIATED-cols-dots-EDITED.txt');
    expect(gpu(f, 0)).toEqual({ index: 0, numaNode: null, cpuAffinity: null });
    expect(link(f, 'GPU6', 'GPU7')).toMatchObject({ kind: 'NV', nvlinks: 4 });
    expect(link(f, 'GPU1', 'GPU2')?.kind).toBe('NODE');
    expect(f.links).toHaveLength(28);
    expect(f.warnings?.some((w) => w.includes('...'))).toBe(true);
  });

  it('damaged header (leading tab missing, single spaces): ALCF Polaris', () => {
    const f = parse('alcf-polaris-4x-a100-nv4-1socket-nps4-2mlx5-doc.txt');
    expect(f.gpus?.map((g) => g.numaNode)).toEqual([3, 2, 1, 0]);
    expect(gpu(f, 3)?.cpuAffinity).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 32, 33, 34, 35, 36, 37, 38, 39]);
    expect(f.nics?.map((n) => n.device)).toEqual(['mlx5_0', 'mlx5_1']);
    expect(link(f, 'GPU3', 'NIC0')?.kind).toBe('PHB');
    expect(link(f, 'GPU1', 'NIC1')?.kind).toBe('PHB');
    expect(kinds(f)).toEqual(new Set(['NV', 'SYS', 'PHB']));
  });

  it('topo -mp (PCIe only): no NV links', () => {
    const f = parse('dgx1-8gpu-topo-mp-pci-only-4mlx5.txt');
    expect(kinds(f)).toEqual(new Set(['PIX', 'PHB', 'SYS']));
    expect(link(f, 'GPU0', 'NIC0')?.kind).toBe('PIX');
    expect(gpu(f, 5)?.numaNode).toBe(1);
  });

  it('V100 hybrid cube mesh: NV1/NV2, no NUMA column', () => {
    const f = parse('v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt');
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'NV', nvlinks: 2 });
    expect(link(f, 'GPU0', 'GPU3')).toMatchObject({ kind: 'NV', nvlinks: 1 });
    expect(link(f, 'GPU0', 'GPU5')?.kind).toBe('NODE');
    expect(f.nics).toEqual([{ id: 'NIC0', device: 'mlx5_0', numaNode: null, cpuAffinity: null }]);
  });

  it('lmdeploy check_env slice: tabs, mlx5 headers, NUMA 1', () => {
    const f = parse('2gpu-nv12-slice-8mlx5-tabs-numa1-lmdeploy-check-env.txt');
    expect(gpu(f, 1)?.numaNode).toBe(1);
    expect(gpu(f, 1)?.cpuAffinity?.[0]).toBe(48);
    expect(f.nics).toHaveLength(8);
    expect(link(f, 'GPU0', 'NIC6')?.kind).toBe('PXB');
    expect(link(f, 'NIC6', 'NIC7')?.kind).toBe('PIX');
  });

  it('H100 4x VM: comma CPU lists and non-sequential NUMA ids', () => {
    const f = parse('h100-4x-nv6-4nic-vm-single-cpu-affinity-lists-numa-3-1-7-5-legend-cut.txt');
    expect(f.gpus?.map((g) => g.numaNode)).toEqual([3, 1, 7, 5]);
    expect(gpu(f, 0)?.cpuAffinity).toEqual([6, 14, 22, 30]);
    expect(link(f, 'GPU2', 'NIC2')?.kind).toBe('PIX');
  });

  it('Slurm subset: cgroup-restricted CPUs, NV4 pair plus PHB', () => {
    const f = parse('3gpu-slurm-subset-nv4-pair-plus-phb-2nic-cgroup-cpus.txt');
    expect(f.gpus?.every((g) => g.numaNode === 1)).toBe(true);
    expect(gpu(f, 2)?.cpuAffinity).toEqual([64, 65, 66, 67, 68, 69, 70, 71]);
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'NV', nvlinks: 4 });
    expect(link(f, 'GPU2', 'NIC0')?.kind).toBe('PHB');
  });

  it('5-GPU workstation and 2x RTX 5090 (tabs)', () => {
    const w = parse('5gpu-workstation-2numa-mixed-sys-phb-node-club3090.txt');
    expect(w.gpus?.map((g) => g.numaNode)).toEqual([1, 0, 0, 0, 0]);
    expect(link(w, 'GPU1', 'GPU2')?.kind).toBe('PHB');
    const r = parse('rtx5090-2x-threadripper-3975wx-phb-tabs-1numa.txt');
    expect(r.links).toEqual([{ a: 'GPU0', b: 'GPU1', kind: 'PHB', nvlinks: null, raw: 'PHB' }]);
  });

  it('RTX 4090 all SYS, NIC rows without trailing fields', () => {
    const f = parse('rtx4090-8x-pcie-2socket-all-sys-2nic.txt');
    expect(link(f, 'GPU6', 'NIC0')?.kind).toBe('PHB');
    expect(f.links?.filter((l) => l.kind === 'SYS')).toHaveLength(42);
  });
});

describe('topo-m: topo -p2p is another command', () => {
  it('detect < 0.5 and parse throws INPUT_UNSUPPORTED naming topo -p2p', () => {
    const text = fixture(P2P);
    expect(topoMParser.detect(text)).toBeLessThan(0.5);
    const e = inputError(() => topoMParser.parse(text), 'INPUT_UNSUPPORTED');
    expect(e.message).toContain('topo -p2p');
  });
});

// topo/P2P is not the parser's own: it must stay below 0.5 too
describeDetectIsolation(topoMParser, { own: isTopoM, minOthers: 10 });

describe('topo-m: synthetic cases', () => {
  const header = '\tGPU0\tGPU1\tNIC0\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID';

  it('disagreeing triangle cells: the upper cell wins, with a warning', () => {
    const text = [
      header,
      'GPU0\t X \tNV4\tPIX\t0-7\t0\t\tN/A',
      'GPU1\tNV2\t X \tSYS\t8-15\t1\t\tN/A',
      'NIC0\tPIX\tSYS\t X \t\t\t\t',
    ].join('\n');
    const f = topoMParser.parse(text);
    expect(link(f, 'GPU0', 'GPU1')).toMatchObject({ kind: 'NV', nvlinks: 4, raw: 'NV4' });
    expect(f.warnings?.some((w) => w.includes('GPU0–GPU1') && w.includes('disagree'))).toBe(true);
  });

  it('GPU NUMA ID is never the host NUMA node', () => {
    const text = ['\tGPU0\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID', 'GPU0\t X \t0-71\t0\t\t1'].join('\n');
    const f = topoMParser.parse(text);
    expect(gpu(f, 0)).toEqual({
      index: 0,
      numaNode: 0,
      cpuAffinity: Array.from({ length: 72 }, (_, i) => i),
    });
    expect(f.warnings?.some((w) => w.includes('GPU NUMA ID'))).toBe(true);
  });

  it('blank CPU Affinity with NUMA Affinity present (tabs): values land under the right heading', () => {
    const text = [header, 'GPU0\t X \tPIX\tPIX\t\t1\t\tN/A', 'GPU1\tPIX\t X \tPIX\t\t1\t\tN/A'].join('\n');
    const f = topoMParser.parse(text);
    expect(gpu(f, 0)).toEqual({ index: 0, numaNode: 1, cpuAffinity: null });
  });

  it('accepts CRLF, a preamble and trailing prose', () => {
    const text = [
      'NVIDIA Topology:',
      '        GPU0    GPU1    CPU Affinity    NUMA Affinity',
      'GPU0     X      NV18    0-3     0',
      'GPU1    NV18     X      0-3     0',
      'Hypervisor vendor: KVM',
    ].join('\r\n');
    const f = topoMParser.parse(text);
    expect(f.links).toEqual([{ a: 'GPU0', b: 'GPU1', kind: 'NV', nvlinks: 18, raw: 'NV18' }]);
    expect(f.warnings).toBeUndefined();
  });

  it('a row cut in the middle keeps its first cells and warns', () => {
    const text = [
      '        GPU0    GPU1    GPU2    CPU Affinity',
      'GPU0     X      NV4     SYS     0-3',
      'GPU1    NV4      X      SY',
    ].join('\n');
    const f = topoMParser.parse(text);
    expect(link(f, 'GPU0', 'GPU2')?.kind).toBe('SYS');
    expect(link(f, 'GPU1', 'GPU2')).toBeUndefined();
    expect(f.warnings?.some((w) => w.includes('GPU2'))).toBe(true);
  });
});

describeRobustness(topoMParser, {
  foreign: [{ rel: 'smi-default/h100-sxm-8x-drv565.57.01-no-procs.txt', code: 'INPUT_MALFORMED' }],
  truncated: fixture('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt'),
  noise: {
    alphabet: ['GPU0', 'GPU1', 'X', 'NV12', 'SYS', 'NIC0', '0-7', '\t', ' ', '  ', '\n', 'N/A', '...'],
    seed: 42,
  },
  odd: { 'a single 5 MB line': `\tGPU0\tGPU1\n${'GPU0 X NV4 '.repeat(450_000)}` },
  maxTotalMs: 5000,
});

describe('topo-m: input without a usable matrix', () => {
  it('a header-only table', () => {
    const text = '\tGPU0\tGPU1\tNIC0\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID\n';
    const e = inputError(() => topoMParser.parse(text), 'INPUT_TRUNCATED');
    expect(e.message).toContain('without any GPU row');
  });

  it('NIC rows only: no GPU row', () => {
    const text = ['\tGPU0\tNIC0\tNIC1', 'NIC0\tSYS\t X \tPIX', 'NIC1\tSYS\tPIX\t X '].join('\n');
    inputError(() => topoMParser.parse(text), 'INPUT_TRUNCATED');
  });

  it('the legend without the matrix', () => {
    const text = fixture('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt').split('Legend:')[1]!;
    inputError(() => topoMParser.parse(`Legend:${text}`), 'INPUT_TRUNCATED');
  });
});

describe('topo-m: pastes that lost a separator are detected, never read silently wrong', () => {
  const ORIG_12NIC = 'h100-sxm-8x-12nic-numa-off-sglang.txt';
  const GLUED_CELLS = 'h100-sxm-8x-12nic-GLUED-link-cells-PIXNODE-NODENODE-NV18NV18-EDITED.txt';
  const linkSet = (f: Fragment) => new Set((f.links ?? []).map((l) => `${l.a}-${l.b}=${l.raw}`));

  it('link cells run together (PIXNODE, NV18NV18, NODENODE) are split; a row that does not split is ignored; every link as in the original', () => {
    const f = parse(GLUED_CELLS);
    expect(linkSet(f)).toEqual(linkSet(parse(ORIG_12NIC)));
    expect(link(f, 'GPU0', 'NIC0')).toMatchObject({ kind: 'PIX', raw: 'PIX' });
    expect(link(f, 'GPU0', 'NIC1')).toMatchObject({ kind: 'NODE' });
    expect(f.warnings).toEqual([
      'row GPU7: cells run together ("NV18NV18") do not split into one cell per column (19 cells for 20 columns); its links are ignored',
      'cells run together were split into known codes: GPU0 "PIXNODE", GPU5 "NV18NV18", NIC3 "NODENODE" (the paste lost separators)',
    ]);
    // GPU7's own affinity fields still read (they follow the cells)
    expect(gpu(f, 7)).toMatchObject({ numaNode: 0 });
    expect(gpu(f, 7)?.cpuAffinity).toHaveLength(192);
  });

  it('a glued cell is split only when the split is unique and fills the row exactly', () => {
    const header = '\tGPU0\tGPU1\tGPU2\tCPU Affinity\tNUMA Affinity';
    // SYSSYS splits uniquely but the row then has 4 cells for 3 columns
    const text = [
      header,
      'GPU0\t X \tSYSSYS\tSYS\t0-3\t0',
      'GPU1\tSYS\t X \tSYS\t0-3\t0',
      'GPU2\tSYS\tSYS\t X \t4-7\t1',
    ].join('\n');
    const f = topoMParser.parse(text);
    expect(f.warnings?.[0]).toBe(
      'row GPU0: cells run together ("SYSSYS") do not split into one cell per column (4 cells for 3 columns); its links are ignored',
    );
    // the links of GPU0 come from the other rows; nothing is invented
    expect(link(f, 'GPU0', 'GPU1')?.raw).toBe('SYS');
    expect(gpu(f, 0)).toMatchObject({ numaNode: 0, cpuAffinity: [0, 1, 2, 3] });
  });

  it('CPU and NUMA Affinity run together in some rows (tabs): recovered from the rows that kept both', () => {
    const f = parse('rtx4090-8x-2socket-GLUED-cpu-numa-affinity-gpu3-gpu7-EDITED.txt');
    const orig = parse('rtx4090-8x-pcie-2socket-all-sys-2nic.txt');
    expect(f.gpus).toEqual(orig.gpus);
    expect(f.warnings).toEqual([
      'GPU3: CPU Affinity and NUMA Affinity run together ("0-55,112-1670"): read as CPUs 0-55,112-167 and NUMA node 0, as in the rows of GPU0, GPU1, GPU2',
      'GPU7: CPU Affinity and NUMA Affinity run together ("56-111,168-2231"): read as CPUs 56-111,168-223 and NUMA node 1, as in the rows of GPU4, GPU5, GPU6',
    ]);
    expect(f.affinityCandidates).toBeUndefined();
  });

  it('run together in every row: both fields unknown with a warning (never 2,775 CPUs), the readings left for the merge', () => {
    const f = parse('l40s-4x-2socket-384thr-GLUED-cpu-numa-affinity-all-gpu-rows-EDITED.txt');
    expect(f.gpus?.map((g) => [g.index, g.numaNode, g.cpuAffinity])).toEqual([
      [0, null, null],
      [1, null, null],
      [2, null, null],
      [3, null, null],
    ]);
    expect(f.warnings?.[0]).toBe(
      'GPU0, GPU1: CPU Affinity "0-95,192-2870" with NUMA Affinity missing: the two fields look run together and can be read several ways; both left unknown (send lscpu or numactl -H of the same host with it, or the output with its tabs)',
    );
    expect(
      f.affinityCandidates?.map((a) => [a.endpoint, a.candidates.map((c) => [c.cpus.length, c.numaNode])]),
    ).toEqual([
      [
        'GPU0',
        [
          [2775, null],
          [192, 0],
        ],
      ],
      [
        'GPU1',
        [
          [2775, null],
          [192, 0],
        ],
      ],
      [
        'GPU2',
        [
          [3640, null],
          [192, 1],
        ],
      ],
      [
        'GPU3',
        [
          [3640, null],
          [192, 1],
        ],
      ],
    ]);
    // the links are unaffected
    expect(linkSet(f)).toEqual(linkSet(parse('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt')));
  });
});

describe('topo-m: bounds', () => {
  const matrix = (gpus: number, cpu: string) => {
    const header = [
      '',
      ...Array.from({ length: gpus }, (_, i) => `GPU${i}`),
      'CPU Affinity',
      'NUMA Affinity',
    ];
    const rows = Array.from({ length: gpus }, (_, i) =>
      [`GPU${i}`, ...Array.from({ length: gpus }, (_, j) => (i === j ? ' X ' : 'NV18')), cpu, '0'].join('\t'),
    );
    return [header.join('\t'), ...rows].join('\n');
  };

  it('256 GPUs: every link (its cost: npm run bench)', () => {
    const text = matrix(256, '0-191');
    const f = topoMParser.parse(text);
    expect(f.gpus).toHaveLength(256);
    expect(f.links).toHaveLength((256 * 255) / 2);
  });

  it('CPU lists of 0-65535 in every row: expanded up to the per-input budget, the rest unknown with a warning', () => {
    const f = topoMParser.parse(matrix(40, '0-65535'));
    const known = f.gpus?.filter((g) => g.cpuAffinity !== null).length;
    expect(known).toBe(16);
    expect(f.warnings).toContain(
      '24 CPU list(s) left unknown: one input may hold at most 1,048,576 CPU ids in all',
    );
  });
});
