import { describe, expect, it } from 'vitest';
import { InputError } from '../../tools/errors.ts';
import type { Fragment } from '../../tools/ingest/fragment.ts';
import { decodeClockEventReasons, smiAppsCsvParser, smiCsvParser } from '../../tools/parsers/smi-csv.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const fixture = (name: string) => readReal(`smi-csv/${name}`);

function parse(text: string): Fragment {
  return smiCsvParser.parse(text);
}

describe('smi-csv: real fixtures', () => {
  it('H200 index,uuid,memory.used,memory.total,utilization.gpu', () => {
    const t = fixture('h200-8x-query-gpu-index-uuid-mem-util-busy.csv.txt');
    expect(smiCsvParser.detect(t)).toBeGreaterThanOrEqual(0.9);
    expect(smiAppsCsvParser.detect(t)).toBeLessThan(0.5);
    const f = parse(t);
    expect(f.format).toBe('smi-csv');
    expect(f.gpus).toHaveLength(8);
    expect(f.gpus![0]).toEqual({
      index: 0,
      uuid: 'GPU-a44622e3-2296-6285-0a86-84d0f6c67900',
      memory: { usedMiB: 130013, totalMiB: 143771 },
      utilization: { gpuPct: 100 },
    });
    expect(f.gpus![7]).toMatchObject({ index: 7, memory: { usedMiB: 58071 }, utilization: { gpuPct: 0 } });
    expect(f.warnings).toBeUndefined();
  });

  it('H100 name,memory.total: no identity column → numbered by row order, with a warning', () => {
    const f = parse(fixture('h100-8x-query-gpu-name-memtotal.csv.txt'));
    expect(f.gpus).toHaveLength(8);
    expect(f.gpus!.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f.gpus![3]).toEqual({ index: 3, name: 'NVIDIA H100 80GB HBM3', memory: { totalMiB: 81559 } });
    expect(f.warnings?.join('\n')).toMatch(/row order/);
  });

  it('P100 many fields: [Not Supported] fan ignored, pstate P0, driver_version, count ignored', () => {
    const f = parse(fixture('p100-pcie-4x-drv418-many-fields-not-supported-EDITED.csv.txt'));
    expect(f.driverVersion).toBe('418.87.01');
    expect(f.gpus).toHaveLength(4);
    expect(f.gpus![1]).toEqual({
      index: 1,
      name: 'Tesla P100-PCIE-16GB',
      memory: { totalMiB: 16280, usedMiB: 3256 },
      utilization: { gpuPct: 30, memoryPct: 20 },
      temperatureC: 25,
      power: { drawW: 25.05, limitW: 250 },
      pstate: 'P0',
    });
    expect(f.warnings).toBeUndefined();
  });

  it('RTX 3080 noheader with an "Unable to determine the device handle" line and a # comment', () => {
    const t = fixture(
      'rtx3080-8x-kvm-guest-query-gpu-noheader-unable-to-determine-handle-gpu3-EDITED.csv.txt',
    );
    const c = smiCsvParser.detect(t);
    expect(c).toBeGreaterThanOrEqual(0.5);
    expect(c).toBeLessThan(0.9);
    const f = parse(t);
    expect(f.gpus!.map((g) => g.index)).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(f.gpus![3]).toEqual({ index: 4, busId: '0000:05:00.0', name: 'NVIDIA GeForce RTX 3080' });
    const w = f.warnings!.join('\n');
    expect(w).toMatch(/GPU 3 \(0000:04:00\.0\)/);
    expect(w).toMatch(/index, pci\.bus_id, name/);
  });

  it('compute-apps with gpu_uuid and a [Not Found] process name', () => {
    const t = fixture('h200-8x-query-compute-apps-gpu_uuid-notfound-process.csv.txt');
    expect(smiAppsCsvParser.detect(t)).toBeGreaterThanOrEqual(0.9);
    expect(smiCsvParser.detect(t)).toBeLessThan(0.5);
    const f = smiAppsCsvParser.parse(t);
    expect(f.format).toBe('smi-apps-csv');
    expect(f.gpus).toBeUndefined();
    expect(f.processes).toHaveLength(8);
    expect(f.processes![0]).toEqual({
      pid: 1328667,
      name: '/usr/local/bin/python3.10',
      usedMemoryMiB: 130004,
      gpuUuid: 'GPU-a44622e3-2296-6285-0a86-84d0f6c67900',
    });
    expect(f.processes![7]).toMatchObject({ pid: 1758887, name: null, usedMemoryMiB: 58060 });
    expect(f.warnings).toBeUndefined();
  });

  it('compute-apps without a GPU column: gpuIndex null and a warning', () => {
    const f = smiAppsCsvParser.parse(fixture('compute-apps-2x-vllm-enginecore-single-gpu.csv.txt'));
    expect(f.processes).toEqual([
      { pid: 3858903, name: 'VLLM::EngineCore', usedMemoryMiB: 6265, gpuIndex: null },
      { pid: 3880364, name: 'VLLM::EngineCore', usedMemoryMiB: 5530, gpuIndex: null },
    ]);
    expect(f.warnings?.join('\n')).toMatch(/cannot be attributed to a GPU/);
  });
});

describe('smi-csv: synthetic', () => {
  it('shuffled fields with a nounits header', () => {
    const t = [
      'pci.bus_id, memory.total, index, memory.used, name, utilization.gpu',
      '00000000:17:00.0, 81559, 1, 1234, NVIDIA H100 80GB HBM3, 42',
      '00000000:0F:00.0, 81559, 0, 0, NVIDIA H100 80GB HBM3, 0',
    ].join('\n');
    expect(smiCsvParser.detect(t)).toBeGreaterThanOrEqual(0.9);
    const f = parse(t);
    expect(f.gpus).toEqual([
      {
        busId: '0000:17:00.0',
        memory: { totalMiB: 81559, usedMiB: 1234 },
        index: 1,
        name: 'NVIDIA H100 80GB HBM3',
        utilization: { gpuPct: 42 },
      },
      {
        busId: '0000:0f:00.0',
        memory: { totalMiB: 81559, usedMiB: 0 },
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        utilization: { gpuPct: 0 },
      },
    ]);
  });

  it('CRLF, trailing spaces, comments and blank lines', () => {
    const t = '# collected by hand\r\nindex, name  \r\n\r\n0, NVIDIA L40S   \r\n1, NVIDIA L40S\r\n';
    const f = parse(t);
    expect(f.gpus).toEqual([
      { index: 0, name: 'NVIDIA L40S' },
      { index: 1, name: 'NVIDIA L40S' },
    ]);
  });

  it('clocks_event_reasons.active bitmask is decoded', () => {
    expect(decodeClockEventReasons('0x0000000000000004')).toEqual(['sw_power_cap']);
    expect(decodeClockEventReasons('0x0000000000000000')).toEqual([]);
    expect(decodeClockEventReasons('0x00000000000000C1')).toEqual([
      'gpu_idle',
      'hw_thermal_slowdown',
      'hw_power_brake_slowdown',
    ]);
    expect(decodeClockEventReasons('[N/A]')).toBeNull();
    const t = [
      'index, clocks_event_reasons.active, clocks_event_reasons.supported',
      '0, 0x0000000000000004, 0x00000000000001FF',
      '1, 0x0000000000000000, 0x00000000000001FF',
      '2, [N/A], [N/A]',
    ].join('\n');
    const f = parse(t);
    expect(f.gpus!.map((g) => g.clockEventReasons)).toEqual([['sw_power_cap'], [], null]);
  });

  it('per-reason clock columns (old clocks_throttle_reasons names too)', () => {
    const all = [
      'gpu_idle',
      'applications_clocks_setting',
      'sw_power_cap',
      'hw_slowdown',
      'sync_boost',
      'sw_thermal_slowdown',
      'hw_thermal_slowdown',
      'hw_power_brake_slowdown',
    ];
    const header = ['index', ...all.map((r) => `clocks_throttle_reasons.${r}`)].join(', ');
    const idle = ['0', ...all.map(() => 'Not Active')].join(', ');
    const capped = ['1', ...all.map((r) => (r === 'sw_power_cap' ? 'Active' : 'Not Active'))].join(', ');
    const f = parse([header, idle, capped].join('\n'));
    expect(f.gpus!.map((g) => g.clockEventReasons)).toEqual([[], ['sw_power_cap']]);
    // only one reason queried and not active: nothing is known about the others
    const g = parse('index, clocks_event_reasons.hw_slowdown\n0, Not Active\n1, Active\n');
    expect(g.gpus!.map((x) => x.clockEventReasons)).toEqual([null, ['hw_slowdown']]);
  });

  it('maps pcie, mig, ecc, remapped rows and power fields; unknown fields are ignored', () => {
    const t = [
      'index, pcie.link.gen.gpucurrent, pcie.link.gen.max, pcie.link.width.current, pcie.link.width.max, mig.mode.current, mig.mode.pending, power.draw [W], power.draw.instant [W], power.limit [W], ecc.mode.current, ecc.errors.corrected.volatile.total, ecc.errors.uncorrected.aggregate.total, retired_pages.pending, remapped_rows.pending, temperature.memory, serial, clocks.max.sm [MHz]',
      '0, 4, 5, 8, 16, Disabled, Enabled, [N/A], 301.5 W, 700.00 W, Enabled, 3, 0, No, [N/A], 40, 1654922001234, 1980 MHz',
    ].join('\n');
    const f = parse(t);
    expect(f.gpus![0]).toEqual({
      index: 0,
      pcie: { genCurrent: 4, genMax: 5, widthCurrent: 8, widthMax: 16 },
      mig: { mode: 'disabled', pendingMode: 'enabled' },
      power: { drawW: 301.5, limitW: 700 },
      ecc: {
        mode: 'enabled',
        correctedVolatile: 3,
        uncorrectedAggregate: 0,
        retiredPagesPending: false,
        remappedRows: { pending: null },
      },
      serial: '1654922001234',
    });
  });

  it('unknown-error cells are null, not 0', () => {
    const f = parse('index, memory.used [MiB], utilization.gpu [%]\n0, [Unknown Error], N/A\n');
    expect(f.gpus![0]).toEqual({ index: 0, memory: { usedMiB: null }, utilization: { gpuPct: null } });
  });

  it('a "GPU is lost" error line with a bus id only', () => {
    const t = [
      'Unable to determine the device handle for GPU0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU',
      'index, pci.bus_id',
      '0, 00000000:1A:00.0',
    ].join('\n');
    const f = parse(t);
    expect(f.gpus).toEqual([{ index: 0, busId: '0000:1a:00.0' }]);
    expect(f.warnings?.[0]).toMatch(/0000:3b:00\.0/);
  });

  it('without an identity column and with a GPU missing, indexes stay null', () => {
    const t = 'Unable to determine the device handle for GPU1: 0000:02:00.0: Unknown Error\nname\nTesla T4\n';
    const f = parse(t);
    expect(f.gpus).toEqual([{ name: 'Tesla T4', index: null }]);
    expect(f.warnings).toHaveLength(2);
  });

  it('header only → INPUT_TRUNCATED; compute-apps header only → no processes', () => {
    expect(inputError(() => parse('index, name, memory.used [MiB]\n')).code).toBe('INPUT_TRUNCATED');
    const f = smiAppsCsvParser.parse('gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n');
    expect(f.processes).toEqual([]);
  });

  it('a cut-short last row is skipped with a warning', () => {
    const f = parse('index, name, memory.used [MiB]\n0, NVIDIA A100-SXM4-80GB, 10 MiB\n1, NVIDIA A1');
    expect(f.gpus).toHaveLength(1);
    expect(f.warnings?.[0]).toMatch(/cut short/);
  });

  it('a process name containing a comma', () => {
    const f = smiAppsCsvParser.parse(
      'pid, process_name, gpu_bus_id, used_memory [MiB]\n42, python train.py --a=1,2, 00000000:17:00.0, 100 MiB\n',
    );
    expect(f.processes).toEqual([
      { pid: 42, name: 'python train.py --a=1,2', gpuBusId: '0000:17:00.0', usedMemoryMiB: 100 },
    ]);
  });

  it('noheader with ambiguous columns is rejected', () => {
    const e = inputError(() =>
      parse('0, 00000000:01:00.0, 81559 MiB, 1234 MiB\n1, 00000000:02:00.0, 81559 MiB, 0 MiB\n'),
    );
    expect(e.code).toBe('INPUT_UNSUPPORTED');
    expect(e.message).toMatch(
      /columns 3 .*, 4 .* cannot be identified; re-run with --format=csv \(not noheader\)/,
    );
    // a lone integer column that is not a plausible index (45 with one GPU)
    expect(inputError(() => parse('45, 00000000:01:00.0\n')).code).toBe('INPUT_UNSUPPORTED');
  });

  it('noheader uuid + name', () => {
    const f = parse('GPU-11111111-2222-3333-4444-555555555555, NVIDIA A10\n');
    expect(f.gpus).toEqual([{ uuid: 'GPU-11111111-2222-3333-4444-555555555555', name: 'NVIDIA A10' }]);
  });

  it('an invalid field error and a driver failure are InputErrors', () => {
    expect(inputError(() => parse('Field "foo" is not a valid field to query.\n')).code).toBe(
      'INPUT_MALFORMED',
    );
    const e = inputError(() =>
      parse("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n"),
    );
    expect(e.message).toMatch(/NVIDIA driver/);
  });

  it('rejects --query-accounted-apps', () => {
    const t =
      'gpu_name, gpu_bus_id, pid, gpu_utilization [%], mem_utilization [%], max_memory_usage [MiB], time [ms]\n';
    expect(inputError(() => smiAppsCsvParser.parse(t)).code).toBe('INPUT_UNSUPPORTED');
  });
});

describeRobustness([smiCsvParser, smiAppsCsvParser], {
  foreign: [
    'topo/rtx4090-8x-pcie-2socket-all-sys-2nic.txt',
    'smi-default/h100-nvl-2x-drv550.54.14-no-procs.txt',
  ],
  truncated: fixture('h200-8x-query-gpu-index-uuid-mem-util-busy.csv.txt'),
  noise: { alphabet: 'abc, .:|0123456789\n\t-[]GPU', seed: 7 },
  odd: {
    'truncated header': 'inde',
    'one long line of commas': ','.repeat(1_000_000),
  },
});

// smi-default (the default table) is not smi-csv's own either: one test per file
describeDetectIsolation([smiCsvParser, smiAppsCsvParser], {
  own: (rel) => rel.startsWith('smi-csv/'),
  minOthers: 30,
});

describe('smi-csv: noheader edge cases', () => {
  it('a cut-short last row of a noheader CSV is skipped with a warning', () => {
    const f = smiCsvParser.parse('0, 00000000:01:00.0, Tesla T4\n1, 00000000:02:00.0, Tesla T4\n2, 0000');
    expect(f.gpus).toHaveLength(2);
    expect(f.warnings?.join('\n')).toMatch(/line 3: the last row is cut short/);
  });
  it('ragged noheader rows are rejected', () => {
    const t = '0, 00000000:01:00.0, Tesla T4\n1, 00000000:02:00.0\n2, 00000000:03:00.0, Tesla T4\n';
    expect(() => smiCsvParser.parse(t)).toThrow(InputError);
  });
});
