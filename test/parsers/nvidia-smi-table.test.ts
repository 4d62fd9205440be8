import { describe, expect, it } from 'vitest';
import { nvidiaSmiTableParser as P } from '../../tools/parsers/nvidia-smi-table.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const fixture = (name: string) => readReal(`smi-default/${name}`);

const mig = (gi: number, ci: number, device: number, used: number, total: number, sm: number) => ({
  gi,
  ci,
  device,
  profile: null,
  profileId: null,
  uuid: null,
  memoryTotalMiB: total,
  memoryUsedMiB: used,
  utilizationPct: null,
  smCount: sm,
  placement: null,
  window: null,
});

describe('nvidia-smi table: real fixtures', () => {
  it('H200 p5en (580 layout, 8 processes, 4 with cut memory)', () => {
    const t = fixture('h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt');
    expect(P.detect(t)).toBeGreaterThanOrEqual(0.9);
    const f = P.parse(t);
    expect(f.format).toBe('nvidia-smi-table');
    expect(f.driverVersion).toBe('580.95.05');
    expect(f.cudaVersion).toBe('13.0');
    expect(f.gpus).toHaveLength(8);
    expect(f.gpus![0]).toEqual({
      index: 0,
      name: 'NVIDIA H200',
      busId: '0000:59:00.0',
      ecc: { mode: 'enabled', uncorrectedVolatile: 0 },
      temperatureC: 62,
      pstate: 'P0',
      power: { drawW: 434, limitW: 700 },
      memory: { usedMiB: 87321, totalMiB: 143771 },
      utilization: { gpuPct: 68 },
      mig: { mode: 'disabled', devices: [] },
    });
    expect(f.gpus![7]).toMatchObject({ index: 7, busId: '0000:a5:00.0', memory: { usedMiB: 135872 } });
    expect(f.processes).toHaveLength(8);
    expect(f.processes![0]).toEqual({
      gpuIndex: 0,
      pid: 969852,
      type: 'C',
      name: 'ray::MegatronTrainRayActor.train',
      usedMemoryMiB: 87186,
      gi: null,
      ci: null,
    });
    expect(f.processes!.filter((p) => p.usedMemoryMiB === null)).toHaveLength(4);
    expect(f.processes![4]).toMatchObject({ gpuIndex: 4, pid: 972057, name: 'sglang::scheduler_TP0' });
    expect(f.warnings).toHaveLength(4);
    expect(f.warnings![0]).toMatch(/13583\.\.\./);
  });

  it('H100 SXM 8x (565), no processes', () => {
    const f = P.parse(fixture('h100-sxm-8x-drv565.57.01-no-procs.txt'));
    expect(f.driverVersion).toBe('565.57.01');
    expect(f.cudaVersion).toBe('12.7');
    expect(f.gpus!.map((g) => g.busId)).toEqual([
      '0000:18:00.0',
      '0000:2a:00.0',
      '0000:3a:00.0',
      '0000:5d:00.0',
      '0000:9a:00.0',
      '0000:ab:00.0',
      '0000:ba:00.0',
      '0000:db:00.0',
    ]);
    expect(f.gpus![0]).toMatchObject({ name: 'NVIDIA H100 80GB HBM3', power: { drawW: 100, limitW: 700 } });
    expect(f.processes).toEqual([]);
    expect(f.warnings).toBeUndefined();
  });

  it('H100 NVL 2x (550)', () => {
    const f = P.parse(fixture('h100-nvl-2x-drv550.54.14-no-procs.txt'));
    expect(f.gpus).toHaveLength(2);
    expect(f.gpus![1]).toMatchObject({
      index: 1,
      busId: '0000:ae:00.0',
      temperatureC: 31,
      memory: { usedMiB: 0, totalMiB: 95830 },
      power: { drawW: 62, limitW: 310 },
    });
  });

  it('L40S (no MIG: MIG M. N/A → null), P8', () => {
    const f = P.parse(fixture('l40s-1x-drv550.127.05-no-procs.txt'));
    expect(f.gpus).toHaveLength(1);
    expect(f.gpus![0]).toMatchObject({ name: 'NVIDIA L40S', pstate: 'P8', mig: { mode: null } });
    expect(f.gpus![0]!.mig!.devices).toBeUndefined();
  });

  it('Quadro RTX 8000 10x (470 layout, ECC Off)', () => {
    const t = fixture('quadro-rtx8000-10x-drv470.63.01-no-procs.txt');
    expect(P.detect(t)).toBeGreaterThanOrEqual(0.9);
    const f = P.parse(t);
    expect(f.driverVersion).toBe('470.63.01');
    expect(f.cudaVersion).toBe('11.4');
    expect(f.gpus).toHaveLength(10);
    expect(f.gpus![9]).toEqual({
      index: 9,
      name: 'Quadro RTX 8000',
      busId: '0000:c2:00.0',
      ecc: { mode: 'disabled', uncorrectedVolatile: null },
      temperatureC: 18,
      pstate: 'P8',
      power: { drawW: 9, limitW: 260 },
      memory: { usedMiB: 1, totalMiB: 48601 },
      utilization: { gpuPct: 0 },
      mig: { mode: null },
    });
    expect(f.processes).toEqual([]);
  });

  it('A30 in MIG mode with 3 MIG devices (535)', () => {
    const f = P.parse(fixture('a30-mig-enabled-3-mig-devices-drv535.183.01.txt'));
    expect(f.gpus).toHaveLength(1);
    const g = f.gpus![0]!;
    expect(g).toMatchObject({
      index: 0,
      name: 'NVIDIA A30',
      busId: '0000:0b:00.0',
      ecc: { mode: 'enabled' },
      utilization: { gpuPct: null },
      memory: { usedMiB: 50, totalMiB: 24576 },
    });
    expect(g.mig).toEqual({
      mode: 'enabled',
      devices: [mig(2, 0, 0, 25, 11968, 28), mig(3, 0, 1, 12, 5952, 14), mig(4, 0, 2, 12, 5952, 14)],
    });
    expect(f.processes).toEqual([]);
  });

  it('H100 NVL on Azure in MIG mode (560), domain 0001', () => {
    const f = P.parse(fixture('h100-nvl-azure-mig-enabled-3-mig-devices-drv560.35.03.txt'));
    const g = f.gpus![0]!;
    expect(g.busId).toBe('0001:00:00.0');
    expect(g.mig?.devices?.map((d) => [d.gi, d.device, d.memoryTotalMiB, d.smCount])).toEqual([
      [1, 0, 47488, 60],
      [5, 1, 22144, 26],
      [13, 2, 11008, 16],
    ]);
  });

  it('PARTIAL: only the MIG devices table', () => {
    const t = fixture('a100-80gb-pcie-maxiv-mig-devices-table-only-PARTIAL.txt');
    expect(P.detect(t)).toBeGreaterThanOrEqual(0.9);
    const f = P.parse(t);
    expect(f.driverVersion).toBeUndefined();
    expect(f.processes).toBeUndefined();
    expect(f.gpus).toEqual([
      {
        index: 0,
        mig: {
          devices: [
            mig(2, 0, 0, 19, 40192, 42),
            mig(3, 0, 1, 13, 19968, 28),
            mig(9, 0, 2, 6, 9728, 14),
            mig(10, 0, 3, 6, 9728, 14),
          ],
        },
      },
    ]);
  });
});

const WINDOWS = `Fri Jun  3 10:00:00 2022
+-----------------------------------------------------------------------------+
| NVIDIA-SMI 512.15       Driver Version: 512.15       CUDA Version: 11.6     |
|-------------------------------+----------------------+----------------------+
| GPU  Name            TCC/WDDM | Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|                               |                      |               MIG M. |
|===============================+======================+======================|
|   0  NVIDIA GeForce ... WDDM  | 00000000:01:00.0  On |                  N/A |
| 30%   45C    P8    20W / 320W |    900MiB / 10240MiB |      5%      Default |
|                               |                      |                  N/A |
+-------------------------------+----------------------+----------------------+

+-----------------------------------------------------------------------------+
| Processes:                                                                  |
|  GPU   GI   CI        PID   Type   Process name                  GPU Memory |
|        ID   ID                                                   Usage      |
|=============================================================================|
|    0   N/A  N/A      1234    C+G   C:\\Windows\\explorer.exe          N/A      |
+-----------------------------------------------------------------------------+
`;

const OLD_418 = `+-----------------------------------------------------------------------------+
| NVIDIA-SMI 418.87.01    Driver Version: 418.87.01    CUDA Version: 10.1     |
|-------------------------------+----------------------+----------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|===============================+======================+======================|
|   0  Tesla V100-SXM2...  On   | 00000000:00:1E.0 Off |                    2 |
| N/A   44C    P0    39W / 300W |   1234MiB / 16130MiB |     12%      Default |
+-------------------------------+----------------------+----------------------+
|   1  Tesla V100-SXM2...  On   | 00000000:00:1F.0 Off |                    0 |
| N/A   40C    P0    38W / 300W |      0MiB / 16130MiB |      0%      Default |
+-------------------------------+----------------------+----------------------+

+-----------------------------------------------------------------------------+
| Processes:                                                       GPU Memory |
|  GPU       PID   Type   Process name                             Usage      |
|=============================================================================|
|    0     12345      C   /opt/conda/bin/python train.py              1223MiB |
+-----------------------------------------------------------------------------+
`;

const MIG_PROCS = `+-----------------------------------------------------------------------------+
| Processes:                                                                  |
|  GPU   GI   CI        PID   Type   Process name                  GPU Memory |
|        ID   ID                                                   Usage      |
|=============================================================================|
|    0    1    0      28223      C   python3                          5120MiB |
|    0    2    0      28224      C   python3                            N/A    |
+-----------------------------------------------------------------------------+
`;

describe('nvidia-smi table: synthetic', () => {
  it('Windows (WDDM, cut name, C+G process with N/A memory)', () => {
    const f = P.parse(WINDOWS);
    expect(f.driverVersion).toBe('512.15');
    expect(f.gpus![0]).toMatchObject({
      index: 0,
      name: 'NVIDIA GeForce ...',
      busId: '0000:01:00.0',
      ecc: { mode: null },
      temperatureC: 45,
      power: { drawW: 20, limitW: 320 },
    });
    expect(f.processes).toEqual([
      {
        gpuIndex: 0,
        pid: 1234,
        type: 'C+G',
        name: 'C:\\Windows\\explorer.exe',
        usedMemoryMiB: null,
        gi: null,
        ci: null,
      },
    ]);
    expect(f.warnings?.join('\n')).toMatch(/name is cut short/);
  });

  it('pre-MIG driver: two-line GPU blocks, processes without GI/CI, CRLF and trailing spaces', () => {
    const f = P.parse(OLD_418.replace(/\n/g, '   \r\n'));
    expect(f.gpus).toHaveLength(2);
    expect(f.gpus![0]).toMatchObject({
      index: 0,
      busId: '0000:00:1e.0',
      ecc: { mode: 'enabled', uncorrectedVolatile: 2 },
      memory: { usedMiB: 1234, totalMiB: 16130 },
      utilization: { gpuPct: 12 },
    });
    expect(f.gpus![0]!.mig).toBeUndefined();
    expect(f.processes).toEqual([
      { gpuIndex: 0, pid: 12345, type: 'C', name: '/opt/conda/bin/python train.py', usedMemoryMiB: 1223 },
    ]);
  });

  it('processes on MIG instances carry GI/CI', () => {
    expect(P.detect(MIG_PROCS)).toBeGreaterThanOrEqual(0.5);
    const f = P.parse(MIG_PROCS);
    expect(f.gpus).toEqual([]);
    expect(f.processes).toEqual([
      { gpuIndex: 0, pid: 28223, type: 'C', name: 'python3', usedMemoryMiB: 5120, gi: 1, ci: 0 },
      { gpuIndex: 0, pid: 28224, type: 'C', name: 'python3', usedMemoryMiB: null, gi: 2, ci: 0 },
    ]);
  });

  it('a table cut in the middle keeps the GPUs read so far', () => {
    const t = fixture('h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt');
    const cut = t.slice(0, t.indexOf('00000000:8B:00.0') + 5);
    const f = P.parse(cut);
    expect(f.gpus!.length).toBe(4);
    expect(f.processes).toBeUndefined();
  });

  it('banner only → INPUT_TRUNCATED; driver failure → INPUT_MALFORMED', () => {
    const t = fixture('h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt');
    expect(inputError(() => P.parse(t.slice(0, t.indexOf('| GPU  Name')))).code).toBe('INPUT_TRUNCATED');
    const e = inputError(() =>
      P.parse("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n"),
    );
    expect(e.code).toBe('INPUT_MALFORMED');
  });
});

describeRobustness(P, {
  foreign: ['mig/h100-80gb-hbm3-lgip.txt', 'smi-csv/h200-8x-query-gpu-index-uuid-mem-util-busy.csv.txt'],
  truncated: fixture('h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt'),
  noise: { alphabet: '|+-= 0123456789GPUMiBW/%\nabcNVIDIA-SMI.', seed: 11 },
  odd: {
    'a banner cut short': '+-------\n| NVIDIA-SMI 5',
    'one long table line': `|${'   0  x  |'.repeat(200_000)}`,
  },
});

describeDetectIsolation(P, { own: (rel) => rel.startsWith('smi-default/'), minOthers: 30 });

describe('nvidia-smi table: failing GPU', () => {
  it('ERR! cells are null and warned about; stderr lines become warnings', () => {
    const t = `Unable to determine the device handle for GPU0000:1F:00.0: Unknown Error
${OLD_418.replace(
  '|   1  Tesla V100-SXM2...  On   | 00000000:00:1F.0 Off |                    0 |\n| N/A   40C    P0    38W / 300W |      0MiB / 16130MiB |      0%      Default |',
  '|   1  Tesla V100-SXM2...  On   | 00000000:00:1F.0 Off |                 ERR! |\n|ERR!  ERR!  ERR!   ERR! / ERR! |      0MiB / 16130MiB |    ERR!      Default |',
)}`;
    const f = P.parse(t);
    expect(f.gpus![1]).toMatchObject({
      index: 1,
      ecc: { mode: null },
      temperatureC: null,
      pstate: null,
      power: { drawW: null, limitW: null },
      utilization: { gpuPct: null },
    });
    const w = f.warnings!.join('\n');
    expect(w).toMatch(/Unable to determine the device handle/);
    expect(w).toMatch(/GPU 1: nvidia-smi shows ERR!/);
  });
});

describe('nvidia-smi table: R610+ banner (`KMD Version:`, `CUDA UMD Version:`)', () => {
  it('reads the driver and CUDA versions under their new names', () => {
    const f = P.parse(fixture('h200-8x-aws-p5en-R610-banner-KMD-CUDA-UMD-version-EDITED.txt'));
    expect(f.driverVersion).toBe('610.43.02');
    expect(f.cudaVersion).toBe('13.3');
    // the rest of the table reads as before
    const before = P.parse(fixture('h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt'));
    expect(f.gpus).toEqual(before.gpus);
    expect(f.processes).toEqual(before.processes);
  });
});
