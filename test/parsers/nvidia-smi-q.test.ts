import { describe, expect, it } from 'vitest';
import { nvidiaSmiQParser } from '../../tools/parsers/nvidia-smi-q.ts';
import {
  BYTE_ALPHABET,
  describeDetectIsolation,
  describeRobustness,
  inputError,
  lcg,
  noise,
  readReal,
} from '../helpers/fixtures.ts';

const fixture = (name: string) => readReal(`smi-xml/${name}`);

const L40S = fixture('q-text-l40s-1x-drv550.127.05-full.txt');
const ECC = fixture('q-text-h100class-8gpu-d-ECC-ROW_REMAPPER-pending-remap-unknown-error-EDITED.txt');

const parseError = (text: string) => inputError(() => nvidiaSmiQParser.parse(text));

/** A 2-GPU `nvidia-smi -q` in the style of older drivers (470-era names), MIG on GPU 1, processes. */
const TWO_GPUS = `
==============NVSMI LOG==============

Timestamp                                 : Mon Mar  7 10:00:00 2022
Driver Version                            : 470.57.02
CUDA Version                              : 11.4

Attached GPUs                             : 2
GPU 00000000:07:00.0
    Product Name                          : NVIDIA A100-SXM4-40GB
    MIG Mode
        Current                           : Disabled
        Pending                           : Disabled
    Serial Number                         : 1561221001234
    GPU UUID                              : GPU-aaaaaaaa-0000-0000-0000-000000000001
    PCI
        Bus Id                            : 00000000:07:00.0
        GPU Link Info
            PCIe Generation
                Max                       : 4
                Current                   : 3
            Link Width
                Max                       : 16x
                Current                   : 8x
    Performance State                     : P0
    Clocks Throttle Reasons
        Idle                              : Not Active
        Applications Clocks Setting       : Not Active
        SW Power Cap                      : Active
        HW Slowdown                       : Not Active
            HW Thermal Slowdown           : Active
            HW Power Brake Slowdown       : Not Active
        Sync Boost                        : Not Active
        SW Thermal Slowdown               : Not Active
        Display Clock Setting             : Not Active
    FB Memory Usage
        Total                             : 40536 MiB
        Used                              : 30000 MiB
        Free                              : 10536 MiB
    Utilization
        Gpu                               : 97 %
        Memory                            : 40 %
    ECC Mode
        Current                           : Enabled
        Pending                           : Enabled
    ECC Errors
        Volatile
            Single Bit
                Device Memory             : 2
                Register File             : N/A
                Total                     : 2
            Double Bit
                Device Memory             : 1
                Register File             : N/A
                Total                     : 1
        Aggregate
            Single Bit
                Device Memory             : 10
                Total                     : 10
            Double Bit
                Device Memory             : 0
                Total                     : 0
    Retired Pages
        Single Bit ECC                    : 0
        Double Bit ECC                    : 0
        Pending Page Blacklist            : No
    Remapped Rows                         : N/A
    Temperature
        GPU Current Temp                  : 71 C
    Power Readings
        Power Management                  : Supported
        Power Draw                        : 389.12 W
        Power Limit                       : 400.00 W
        Enforced Power Limit              : 400.00 W
    Processes
        GPU instance ID                   : N/A
        Compute instance ID               : N/A
        Process ID                        : 4242
            Type                          : C
            Name                          : python train.py
            Used GPU Memory               : 29000 MiB
        GPU instance ID                   : N/A
        Compute instance ID               : N/A
        Process ID                        : 4243
            Type                          : G
            Name                          : /usr/lib/xorg/Xorg
            Used GPU Memory               : 4 MiB

GPU 00000000:0F:00.0
    Product Name                          : NVIDIA A100-SXM4-40GB
    MIG Mode
        Current                           : Enabled
        Pending                           : Enabled
    MIG Devices
        MIG Device
            Index                         : 0
            GPU Instance ID               : 1
            Compute Instance ID           : 0
            Device Attributes
                Shared
                    Multiprocessor count  : 42
                    Copy Engine count     : 3
            FB Memory Usage
                Total                     : 19968 MiB
                Used                      : 13 MiB
        MIG Device
            Index                         : 1
            GPU Instance ID               : 2
            Compute Instance ID           : 0
            Device Attributes
                Shared
                    Multiprocessor count  : 42
            FB Memory Usage
                Total                     : 19968 MiB
                Used                      : 1500 MiB
    GPU UUID                              : GPU-aaaaaaaa-0000-0000-0000-000000000002
    PCI
        Bus Id                            : 00000000:0F:00.0
    Utilization
        Gpu                               : N/A
        Memory                            : N/A
    Processes
        GPU instance ID                   : 2
        Compute instance ID               : 0
        Process ID                        : 5151
            Type                          : C
            Name                          : vllm
            Used GPU Memory               : 1480 MiB
`;

describe('nvidia-smi -q: L40S, full -a output (driver 550)', () => {
  const f = nvidiaSmiQParser.parse(L40S);
  const g = f.gpus?.[0];

  it('reads the header and the single GPU as index 0', () => {
    expect(f.format).toBe('nvidia-smi-q');
    expect(f.driverVersion).toBe('550.127.05');
    expect(f.cudaVersion).toBe('12.4');
    expect(f.gpus).toHaveLength(1);
    expect(f.warnings).toBeUndefined();
    expect(g?.index).toBe(0);
    expect(g?.busId).toBe('0000:a1:00.0');
  });

  it('reads identity and configuration', () => {
    expect(g?.name).toBe('NVIDIA L40S');
    expect(g?.uuid).toBe('GPU-1db6b1cf-de5e-b497-caca-1a027578d587');
    expect(g?.serial).toBe('1323623029179');
    expect(g?.mig).toEqual({ mode: null, pendingMode: null, devices: [] });
    expect(g?.pcie).toEqual({ genCurrent: 1, genMax: 4, widthCurrent: 16, widthMax: 16 });
    expect(g).not.toHaveProperty('family');
    expect(g).not.toHaveProperty('numaNode');
  });

  it('reads the measurements', () => {
    expect(g?.memory).toEqual({ totalMiB: 46068, usedMiB: 1 });
    expect(g?.utilization).toEqual({ gpuPct: 0, memoryPct: 0 });
    expect(g?.power).toEqual({ drawW: 33.44, limitW: 350 });
    expect(g?.temperatureC).toBe(30);
    expect(g?.pstate).toBe('P8');
    expect(g?.clockEventReasons).toEqual(['gpu_idle']);
  });

  it('reads ECC and memory health', () => {
    expect(g?.ecc).toEqual({
      mode: 'enabled',
      correctedVolatile: 0,
      uncorrectedVolatile: 0,
      correctedAggregate: 0,
      uncorrectedAggregate: 0,
      retiredPagesPending: null,
      remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failure: false },
    });
  });

  it('reads `Processes : None` as no processes', () => {
    expect(f.processes).toEqual([]);
  });

  it('gives the same result with CRLF line ends and tab indentation', () => {
    const tabbed = L40S.replace(/ {4}/g, '\t').replace(/\n/g, '\r\n');
    expect(nvidiaSmiQParser.parse(tabbed)).toEqual(f);
  });

  it('reads a cut-off output as far as it goes', () => {
    const cut = nvidiaSmiQParser.parse(L40S.slice(0, L40S.indexOf('    Fan Speed')));
    expect(cut.gpus?.[0]?.name).toBe('NVIDIA L40S');
    expect(cut.gpus?.[0]?.pcie?.widthMax).toBe(16);
    expect(cut.gpus?.[0]).not.toHaveProperty('memory');
    expect(cut).not.toHaveProperty('processes');
  });
});

describe('nvidia-smi -q -d ECC,ROW_REMAPPER -i 52:00.0 (one of 8 GPUs, fault state)', () => {
  const f = nvidiaSmiQParser.parse(ECC);
  const g = f.gpus?.[0];

  it('reads the one GPU by bus id, without an index', () => {
    expect(f.gpus).toHaveLength(1);
    expect(g?.busId).toBe('0000:52:00.0');
    expect(g?.index).toBeNull();
    expect(f.warnings).toContain(
      '1 of 8 attached GPUs present (filtered with -i?): indexes unknown, GPUs matched by bus id',
    );
  });

  it('reads the pending row remap, ECC mode `Unknown Error` → null, N/A counters → null', () => {
    expect(g?.ecc).toEqual({
      mode: null,
      correctedVolatile: null,
      uncorrectedVolatile: null,
      correctedAggregate: null,
      uncorrectedAggregate: null,
      remappedRows: { correctable: 0, uncorrectable: 1, pending: true, failure: false },
    });
    expect(f.warnings?.some((w) => w.includes('ECC Mode/Current'))).toBe(true);
  });

  it('says nothing about sections the output does not have', () => {
    expect(g).not.toHaveProperty('name');
    expect(g).not.toHaveProperty('memory');
    expect(g).not.toHaveProperty('uuid');
    expect(g).not.toHaveProperty('clockEventReasons');
    expect(f).not.toHaveProperty('processes');
  });
});

describe('nvidia-smi -q: older names, several GPUs, MIG devices, processes', () => {
  const f = nvidiaSmiQParser.parse(TWO_GPUS);
  const [g0, g1] = f.gpus ?? [];

  it('indexes the GPUs in order', () => {
    expect(f.gpus?.map((g) => [g.index, g.busId])).toEqual([
      [0, '0000:07:00.0'],
      [1, '0000:0f:00.0'],
    ]);
    expect(f.driverVersion).toBe('470.57.02');
  });

  it('reads throttle reasons (nested rows), single/double bit ECC, old power rows', () => {
    expect(g0?.clockEventReasons).toEqual(['sw_power_cap', 'hw_thermal_slowdown']);
    expect(g0?.pcie).toEqual({ genCurrent: 3, genMax: 4, widthCurrent: 8, widthMax: 16 });
    expect(g0?.ecc).toEqual({
      mode: 'enabled',
      correctedVolatile: 2,
      uncorrectedVolatile: 1,
      correctedAggregate: 10,
      uncorrectedAggregate: 0,
      retiredPagesPending: false,
      remappedRows: { correctable: null, uncorrectable: null, pending: null, failure: null },
    });
    expect(g0?.power).toEqual({ drawW: 389.12, limitW: 400 });
    expect(g0?.mig).toEqual({ mode: 'disabled', pendingMode: 'disabled', devices: [] });
  });

  it('reads the MIG devices', () => {
    expect(g1?.mig?.mode).toBe('enabled');
    expect(
      g1?.mig?.devices?.map((d) => [d.device, d.gi, d.ci, d.smCount, d.memoryTotalMiB, d.memoryUsedMiB]),
    ).toEqual([
      [0, 1, 0, 42, 19968, 13],
      [1, 2, 0, 42, 19968, 1500],
    ]);
    expect(g1?.utilization).toEqual({ gpuPct: null, memoryPct: null });
  });

  it('reads the processes of every GPU', () => {
    expect(
      f.processes?.map((p) => [p.pid, p.type, p.name, p.usedMemoryMiB, p.gi, p.ci, p.gpuBusId, p.gpuIndex]),
    ).toEqual([
      [4242, 'C', 'python train.py', 29000, null, null, '0000:07:00.0', 0],
      [4243, 'G', '/usr/lib/xorg/Xorg', 4, null, null, '0000:07:00.0', 0],
      [5151, 'C', 'vllm', 1480, 2, 0, '0000:0f:00.0', 1],
    ]);
    expect(f.processes?.[2]?.gpuUuid).toBe('GPU-aaaaaaaa-0000-0000-0000-000000000002');
  });

  it('reads processes of drivers that print no instance ids', () => {
    const old = TWO_GPUS.replace(/^ {8}(GPU|Compute) instance ID .*\n/gm, '');
    expect(nvidiaSmiQParser.parse(old).processes?.map((p) => p.pid)).toEqual([4242, 4243, 5151]);
  });

  it('does not guess indexes when the attached count is missing', () => {
    const noCount = nvidiaSmiQParser.parse(TWO_GPUS.replace(/^Attached GPUs.*\n/m, ''));
    expect(noCount.gpus?.map((g) => g.index)).toEqual([null, null]);
    expect(noCount.processes?.[0]).not.toHaveProperty('gpuIndex');
  });
});

describe('nvidia-smi -q: damaged and foreign input', () => {
  it('rejects a header without any GPU section as truncated', () => {
    const header = ECC.slice(0, ECC.indexOf('GPU 00000000'));
    const e = parseError(header);
    expect(e.code).toBe('INPUT_TRUNCATED');
    expect(e.message).toMatch(/^nvidia-smi -q output without any GPU section/);
    expect(parseError('==============NVSMI LOG==============\n').code).toBe('INPUT_TRUNCATED');
  });
});

const rnd = lcg(7);
const RANDOM = noise(5 * 1024 * 1024, ' \t\n\r:GPU0123456789abcdef.=NVSMILOG AttachedXx', rnd);
const BINARY = noise(4096, BYTE_ALPHABET, rnd);
const DEEP = Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}Key ${i} : ${i}`).join('\n');

describeRobustness(nvidiaSmiQParser, {
  binaryCode: 'INPUT_BINARY',
  foreign: [
    { rel: 'smi-xml/l4-2x-drv555.42.06-with-processes.xml', code: 'INPUT_MALFORMED' },
    { rel: 'topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt', code: 'INPUT_MALFORMED' },
  ],
  truncated: L40S,
  odd: {
    '5 MiB of random text': RANDOM,
    'a header and a GPU line, then 5 MiB of random text': `==============NVSMI LOG==============\nAttached GPUs : 1\nGPU 00000000:01:00.0\n${RANDOM}`,
    'a GPU section nested 3000 deep': `GPU 00000000:01:00.0\n${DEEP}`,
    'random bytes': BINARY,
    '100 000 colons': ':'.repeat(100000),
    '20 000 Processes sections':
      'GPU 00000000:01:00.0\n' + '    Processes\n        Process ID : 1\n'.repeat(20000),
  },
  codes: ['INPUT_MALFORMED', 'INPUT_TRUNCATED', 'INPUT_BINARY'],
  maxTotalMs: 5000,
});

describe('nvidia-smi -q: detect', () => {
  it('claims nvidia-smi -q output', () => {
    expect(nvidiaSmiQParser.detect(L40S)).toBeGreaterThanOrEqual(0.9);
    expect(nvidiaSmiQParser.detect(ECC)).toBeGreaterThanOrEqual(0.9);
    expect(nvidiaSmiQParser.detect(TWO_GPUS.replace(/=+NVSMI LOG=+/, ''))).toBeGreaterThanOrEqual(0.9);
    expect(nvidiaSmiQParser.detect('')).toBe(0);
  });
});

describeDetectIsolation(nvidiaSmiQParser, { own: (rel) => /(^|\/)q-text-[^/]*\.txt$/.test(rel) });

describe('nvidia-smi -q: values that mean "unknown", and which ones are worth a warning', () => {
  it('PCIe `Host Max: Unknown Error` (normal in a VM) is not reported as a failing GPU', () => {
    const vm = L40S.replace(/(Host Max\s+:) 4/, '$1 Unknown Error');
    expect(vm).not.toBe(L40S);
    const f = nvidiaSmiQParser.parse(vm);
    expect(f.gpus?.[0]?.pcie?.genMax).toBe(nvidiaSmiQParser.parse(L40S).gpus?.[0]?.pcie?.genMax);
    expect(f.warnings ?? []).toEqual([]);
  });

  it('`CUDA Version : Not Found` (a vGPU host driver) is unknown, not a version', () => {
    const f = nvidiaSmiQParser.parse(L40S.replace(/(CUDA Version\s+:) 12\.4/, '$1 Not Found'));
    expect(f.cudaVersion).toBeNull();
    expect(f.driverVersion).toBe('550.127.05');
  });

  it('an Unknown Error elsewhere says the field could not be read; GPU is lost says so', () => {
    const f = nvidiaSmiQParser.parse(L40S.replace(/(Product Name\s+:) .*/, '$1 Unknown Error'));
    expect(f.warnings?.[0]).toMatch(
      /^GPU 0000:[0-9a-f:.]+: nvidia-smi could not read Product Name \("Unknown Error"\): left unknown$/,
    );
    const lost = nvidiaSmiQParser.parse(L40S.replace(/(Product Name\s+:) .*/, '$1 GPU is lost'));
    expect(lost.warnings?.[0]).toMatch(/nvidia-smi reports "GPU is lost" \(Product Name\)/);
  });
});
