import { describe, expect, it } from 'vitest';
import { MigDevice } from '../../scoring/snapshot.ts';
import { dcgmMetricsParser as parser } from '../../tools/parsers/dcgm-metrics.ts';
import { describeDetectIsolation, describeRobustness, readReal } from '../helpers/fixtures.ts';

const A800 = 'dcgm/dcgm-exporter-metrics-8x-a800-sxm4-gpu0-mig-3x2g.20gb-drv535.txt';
const L40S = 'dcgm/dcgm-exporter-metrics-l40s-1gpu-upcloud-uks-drv595.58.03-full.txt';
const T4 = 'dcgm/dcgm-exporter-metrics-tesla-t4-busy-eccd-drv590.48.01-no-help-type-lines.txt';
const OWN = [A800, L40S, T4];

describeDetectIsolation(parser, { own: OWN, recognise: 0.9, minOthers: 50 });

describe('dcgm-metrics: 8x A800 scrape, GPU0 in MIG mode', () => {
  const f = parser.parse(readReal(A800), { name: 'a800.txt' });

  it('reads host, driver and 8 GPUs in index order', () => {
    expect(f.format).toBe('dcgm-metrics');
    expect(f.host).toBe('msxf-hpc-64-35-ai');
    expect(f.driverVersion).toBe('535.129.03');
    expect(f.gpus).toHaveLength(8);
    expect(f.gpus!.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f.gpus!.every((g) => g.name === 'NVIDIA A800-SXM4-80GB')).toBe(true);
    expect(f.gpus![0]!.uuid).toBe('GPU-1f027ee8-6e1e-2b8c-0108-3d370e5f0418');
  });

  it('puts the GPU_I_ID series into GPU0 MIG devices', () => {
    const g0 = f.gpus![0]!;
    expect(g0.mig?.mode).toBe('enabled');
    const devices = g0.mig!.devices!;
    expect(devices.map((d) => d.gi)).toEqual([3, 5, 6]);
    expect(devices.every((d) => d.profile === '2g.20gb')).toBe(true);
    expect(devices.every((d) => d.memoryUsedMiB === 10)).toBe(true);
    // FB_USED + FB_FREE without FB_RESERVED: total unknown, not guessed
    expect(devices.every((d) => d.memoryTotalMiB === null)).toBe(true);
    for (const d of devices) expect(MigDevice.safeParse(d).success).toBe(true);
  });

  it('does not turn MIG-instance values into whole-GPU values', () => {
    const g0 = f.gpus![0]!;
    expect(g0.memory).toBeUndefined();
    expect(g0.utilization).toBeUndefined();
    // device-scoped values reported on the instance series describe the physical GPU
    expect(g0.temperatureC).toBe(33);
    expect(g0.power?.drawW).toBeCloseTo(78.174);
  });

  it('reads the whole-GPU series of GPU1', () => {
    const g1 = f.gpus![1]!;
    expect(g1.mig).toBeUndefined();
    expect(g1.memory).toEqual({ usedMiB: 2 });
    expect(g1.utilization).toEqual({ gpuPct: 0, memoryPct: 0 });
    expect(g1.temperatureC).toBe(27);
    expect(g1.ecc?.remappedRows).toEqual({ correctable: 0, uncorrectable: 0, failure: false });
    expect(g1.metrics).toMatchObject({
      tensorActive: 0,
      dramActive: 0,
      pcieTxBytesPerSec: 143341,
      pcieRxBytesPerSec: 211846,
      xidLast: 0,
    });
  });

  it('skips the unconvertible values with one warning', () => {
    const w = f.warnings ?? [];
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^10 sample\(s\) without a numeric value skipped/);
    expect(w[0]).toContain('ERROR - FAILED TO CONVERT TO STRING');
  });

  it('reports a truncated scrape', () => {
    const text = readReal(A800);
    const cut = parser.parse(text.slice(0, text.indexOf('DCGM_FI_DEV_XID_ERRORS{gpu="5"') + 60));
    expect(cut.gpus).toHaveLength(8);
    expect(cut.warnings?.some((w) => /cut off/.test(w))).toBe(true);
  });
});

describe('dcgm-metrics: L40S full scrape with pci_bus_id', () => {
  const f = parser.parse(readReal(L40S));

  it('reads identity, memory and profiling values', () => {
    expect(f.host).toBe('gpu1-wl8sg');
    expect(f.driverVersion).toBe('595.58.03');
    expect(f.gpus).toHaveLength(1);
    const g = f.gpus![0]!;
    expect(g).toMatchObject({
      index: 0,
      uuid: 'GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43',
      busId: '0000:00:07.0',
      name: 'NVIDIA L40S',
      temperatureC: 32,
    });
    expect(g.memory).toEqual({ usedMiB: 0, totalMiB: 0 + 45459 + 608 });
    expect(g.power?.drawW).toBeCloseTo(35.686);
    expect(g.metrics?.dramActive).toBeCloseTo(0.000131);
    expect(g.metrics?.pcieTxBytesPerSec).toBe(175084);
    expect(g.ecc?.remappedRows?.failure).toBe(false);
    expect(f.warnings).toBeUndefined();
  });
});

describe('dcgm-metrics: Tesla T4 without HELP/TYPE lines', () => {
  const f = parser.parse(readReal(T4));

  it('reads the busy GPU', () => {
    expect(f.host).toBe('cp-bm14r7');
    const g = f.gpus![0]!;
    expect(g.busId).toBe('0000:37:00.0');
    expect(g.utilization).toEqual({ gpuPct: 91, memoryPct: 73 });
    expect(g.temperatureC).toBe(74);
    expect(g.power?.drawW).toBeCloseTo(68.244);
    expect(g.memory).toEqual({ usedMiB: 5120, totalMiB: 5120 + 9791 + 447 });
    expect(g.ecc).toBeUndefined();
  });
});

const L = (gpu: number, extra = '') =>
  `gpu="${gpu}",UUID="GPU-000${gpu}",pci_bus_id="00000000:${(0x17 + gpu).toString(16)}:00.0",device="nvidia${gpu}",modelName="NVIDIA H100 80GB HBM3",Hostname="node-a"${extra}`;

describe('dcgm-metrics: synthetic scrape', () => {
  const text = [
    '# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).',
    '# TYPE DCGM_FI_DEV_GPU_UTIL gauge',
    // GPU1 first: ordering must not matter
    `DCGM_FI_DEV_GPU_UTIL{${L(1)}} 55 1718000000000`,
    `DCGM_FI_DEV_GPU_UTIL{${L(0)}} 97   `,
    `DCGM_FI_DEV_FB_USED{${L(0)}} 70000`,
    `DCGM_FI_DEV_FB_FREE{${L(0)}} 10559`,
    `DCGM_FI_DEV_FB_RESERVED{${L(0)}} 522`,
    `DCGM_FI_DEV_PCIE_LINK_GEN{${L(0)}} 4`,
    `DCGM_FI_DEV_PCIE_LINK_WIDTH{${L(0)}} 8`,
    `DCGM_FI_DEV_PCIE_MAX_LINK_GEN{${L(0)}} 5`,
    `DCGM_FI_DEV_PCIE_MAX_LINK_WIDTH{${L(0)}} 16`,
    `DCGM_FI_DEV_ECC_SBE_VOL_TOTAL{${L(0)}} 3`,
    `DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{${L(0)}} 0`,
    `DCGM_FI_DEV_ECC_SBE_AGG_TOTAL{${L(0)}} 12`,
    `DCGM_FI_DEV_ECC_DBE_AGG_TOTAL{${L(0)}} 1`,
    `DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS{${L(0)}} 2`,
    `DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS{${L(0)}} 1`,
    `DCGM_FI_DEV_ROW_REMAP_FAILURE{${L(0)}} 1`,
    `DCGM_FI_DEV_XID_ERRORS{${L(0)}} 79`,
    // DCGM 4.x names
    `DCGM_FI_PROF_SM_UTIL_RATIO{${L(0)}} 0.42`,
    `DCGM_FI_PROF_SM_OCCUPANCY_RATIO{${L(0)}} 0.21`,
    `DCGM_FI_PROF_TENSOR_UTIL_RATIO{${L(0)}} 0.33`,
    `DCGM_FI_PROF_DRAM_UTIL_RATIO{${L(0)}} 6.5e-01`,
    // a label value with an escaped quote, a comma and a closing brace
    `DCGM_FI_DEV_GPU_TEMP{${L(0, ',pod="a\\"b,c}d",namespace="ml",container="trainer"')}} 61`,
    `DCGM_FI_DEV_POWER_USAGE{${L(0)}} NaN`,
    // MIG instance on GPU1: must not overwrite GPU1 whole-GPU util, and its memory is its own
    `DCGM_FI_DEV_GPU_UTIL{${L(1, ',GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"')}} 5`,
    `DCGM_FI_DEV_FB_USED{${L(1, ',GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"')}} 1000`,
    `DCGM_FI_DEV_FB_FREE{${L(1, ',GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"')}} 39000`,
    `DCGM_FI_DEV_FB_RESERVED{${L(1, ',GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"')}} 192`,
    `DCGM_FI_DEV_FB_USED{${L(1, ',GPU_I_PROFILE="1g.10gb",GPU_I_ID="9"')}} 10`,
    `DCGM_FI_DEV_FB_TOTAL{${L(1, ',GPU_I_PROFILE="1g.10gb",GPU_I_ID="9"')}} 9984`,
    // non-GPU entities are ignored
    'DCGM_FI_DEV_NVSWITCH_TEMPERATURE_CURRENT{nvswitch="0",Hostname="node-a"} 40',
    'go_goroutines 12',
    '',
  ].join('\r\n');
  const f = parser.parse(text);
  const g0 = f.gpus![0]!;
  const g1 = f.gpus![1]!;

  it('maps every field', () => {
    expect(f.host).toBe('node-a');
    expect(g0.index).toBe(0);
    expect(g0.busId).toBe('0000:17:00.0');
    expect(g0.utilization).toEqual({ gpuPct: 97 });
    expect(g0.memory).toEqual({ usedMiB: 70000, totalMiB: 81081 });
    expect(g0.pcie).toEqual({ genCurrent: 4, widthCurrent: 8, genMax: 5, widthMax: 16 });
    expect(g0.ecc).toEqual({
      correctedVolatile: 3,
      uncorrectedVolatile: 0,
      correctedAggregate: 12,
      uncorrectedAggregate: 1,
      remappedRows: { correctable: 2, uncorrectable: 1, failure: true },
    });
    expect(g0.metrics).toEqual({
      smActive: 0.42,
      smOccupancy: 0.21,
      tensorActive: 0.33,
      dramActive: 0.65,
      xidLast: 79,
    });
    expect(g0.temperatureC).toBe(61);
    expect(g0.power).toBeUndefined();
  });

  it('keeps MIG instances apart from the whole GPU', () => {
    expect(g1.index).toBe(1);
    expect(g1.utilization).toEqual({ gpuPct: 55 });
    expect(g1.memory).toBeUndefined();
    expect(g1.mig?.mode).toBe('enabled');
    expect(g1.mig?.devices?.map((d) => [d.gi, d.profile, d.memoryUsedMiB, d.memoryTotalMiB])).toEqual([
      [2, '3g.40gb', 1000, 40192],
      [9, '1g.10gb', 10, 9984],
    ]);
  });

  it('warns once about the NaN sample', () => {
    expect(f.warnings).toEqual([expect.stringMatching(/^1 sample\(s\) without a numeric value/)]);
  });

  it('does not set the host when the Hostname labels disagree', () => {
    const two = parser.parse(
      `DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="a"} 1\nDCGM_FI_DEV_GPU_UTIL{gpu="1",Hostname="b"} 2\n`,
    );
    expect(two.host).toBeUndefined();
    expect(two.gpus).toHaveLength(2);
    expect(two.warnings?.some((w) => /disagree on the Hostname/.test(w))).toBe(true);
  });

  it('keys GPUs by UUID when there is no gpu label', () => {
    const byUuid = parser.parse(
      'DCGM_FI_DEV_GPU_TEMP{UUID="GPU-x"} 40\nDCGM_FI_DEV_GPU_UTIL{UUID="GPU-x"} 3\n',
    );
    expect(byUuid.gpus).toEqual([{ uuid: 'GPU-x', temperatureC: 40, utilization: { gpuPct: 3 } }]);
  });

  it('reads an unlabelled DCGM MIG_MODE as the MIG mode', () => {
    const m = parser.parse('DCGM_FI_DEV_MIG_MODE{gpu="0"} 0\n');
    expect(m.gpus![0]!.mig).toEqual({ mode: 'disabled' });
  });
});

describe('dcgm-metrics: rejects what it cannot use', () => {
  it('says so on a blank input', () => {
    expect(() => parser.parse('  \n\n')).toThrow(/empty/);
  });

  it('throws on a Prometheus scrape without DCGM series', () => {
    expect(() => parser.parse('# TYPE go_goroutines gauge\ngo_goroutines 12\n')).toThrow(
      /no DCGM_FI_\* samples/,
    );
  });

  it('throws when no sample names a GPU', () => {
    expect(() => parser.parse('DCGM_FI_DEV_NVSWITCH_TEMPERATURE_CURRENT{nvswitch="0"} 40\n')).toThrow(
      /no GPU series/,
    );
  });

  it('throws when no value is numeric', () => {
    expect(() => parser.parse('DCGM_FI_DEV_GPU_UTIL{gpu="0"} ERROR\n')).toThrow(/no numeric/);
  });
});

describeRobustness(parser, {
  foreign: [
    'topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt',
    'dcgm/dcgmi-diag-r2-aws-p4de-8x-a100-80gb-dcgm3.3.3.txt',
  ],
  truncated: readReal(A800),
  noise: { alphabet: 'DCGM_FI_{}"=, \n\tabc019.-#', seed: 7 },
  odd: {
    'a label set cut in a value': 'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-',
    'a label set without its brace': 'DCGM_FI_DEV_GPU_UTIL{gpu="0"',
    'an empty label name': 'DCGM_FI_DEV_GPU_UTIL{="0"} 1',
    'no space before the value': 'DCGM_FI_DEV_GPU_UTIL{gpu="0"}1',
    'a 2 MB unterminated label value': `DCGM_FI_DEV_GPU_UTIL{gpu="0",x="${'a'.repeat(2_000_000)}`,
  },
});
