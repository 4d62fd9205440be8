import { describe, expect, it } from 'vitest';
import { nvidiaSmiLParser as p } from '../../tools/parsers/nvidia-smi-L.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const OWN = [
  'mig/a100-80gb-pcie-maxiv-nvidia-smi-L-4-mig-mixed.txt',
  'mig/a30-nvidia-smi-L-3-mig-devices.txt',
  'mig/h100-80gb-4x-nvidia-smi-L-gpu3-one-mig-2g.20gb.txt',
  'mig/h100-80gb-hbm3-nvidia-smi-L-4-mig-mixed.txt',
];

describe('nvidia-smi -L parser', () => {
  it('reads a GPU with 4 MIG devices', () => {
    const fr = p.parse(readReal('mig/h100-80gb-hbm3-nvidia-smi-L-4-mig-mixed.txt'));
    expect(fr.format).toBe('nvidia-smi-L');
    expect(fr.warnings).toBeUndefined();
    expect(fr.gpus).toHaveLength(1);
    const g = fr.gpus![0]!;
    expect(g).toMatchObject({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-b4895dbf-9350-2524-a89b-98161ddd9fe4',
    });
    expect(g.mig!.mode).toBe('enabled');
    expect(g.mig!.devices!.map((d) => [d.device, d.profile])).toEqual([
      [0, '3g.40gb'],
      [1, '2g.20gb'],
      [2, '1g.10gb'],
      [3, '1g.10gb'],
    ]);
    expect(g.mig!.devices![0]).toEqual({
      gi: null,
      ci: null,
      device: 0,
      profile: '3g.40gb',
      profileId: null,
      uuid: 'MIG-7089d0f3-293f-58c9-8f8c-5ea666eedbde',
      memoryTotalMiB: null,
      memoryUsedMiB: null,
      utilizationPct: null,
      smCount: null,
      placement: null,
      window: null,
    });
  });

  it('leaves MIG out for GPUs without MIG lines', () => {
    const fr = p.parse(readReal('mig/h100-80gb-4x-nvidia-smi-L-gpu3-one-mig-2g.20gb.txt'));
    expect(fr.gpus!.map((g) => g.index)).toEqual([0, 1, 2, 3]);
    for (const g of fr.gpus!.slice(0, 3)) expect(g.mig).toBeUndefined();
    expect(fr.gpus![3]!.uuid).toBe('GPU-5ea04b20-4cc3-4d84-0bb2-e4143be8e874');
    expect(fr.gpus![3]!.mig!.mode).toBe('enabled');
    expect(fr.gpus![3]!.mig!.devices!.map((d) => [d.device, d.profile, d.uuid])).toEqual([
      [0, '2g.20gb', 'MIG-55d07ceb-ef71-58e0-87c2-0477d96fa03f'],
    ]);
  });

  it('reads the A30 and A100 PCIe listings', () => {
    const a30 = p.parse(readReal('mig/a30-nvidia-smi-L-3-mig-devices.txt')).gpus![0]!;
    expect(a30.name).toBe('NVIDIA A30');
    expect(a30.mig!.devices!.map((d) => d.profile)).toEqual(['2g.12gb', '1g.6gb', '1g.6gb']);
    const a100 = p.parse(readReal('mig/a100-80gb-pcie-maxiv-nvidia-smi-L-4-mig-mixed.txt')).gpus![0]!;
    expect(a100.name).toBe('NVIDIA A100 80GB PCIe');
    expect(a100.mig!.devices).toHaveLength(4);
  });

  it('reads legacy MIG naming and UUIDs (GI/CI from MIG-GPU-…/gi/ci), CI-subdivided profiles as printed', () => {
    const text = [
      'GPU 0: A100-SXM4-40GB (UUID: GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f)',
      '  MIG 1c.3g.20gb Device 0: (UUID: MIG-GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f/1/0)',
      '  MIG 1c.3g.20gb Device 1: (UUID: MIG-GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f/1/1)',
      '  MIG 1g.5gb Device 2: (UUID: MIG-GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f/11/0)',
      'GPU 1: A100-SXM4-40GB (UUID: GPU-11107e51-6363-81fc-8a73-0fd446a734f5)',
    ].join('\r\n');
    const fr = p.parse(text);
    expect(fr.gpus).toHaveLength(2);
    const d = fr.gpus![0]!.mig!.devices!;
    expect(d.map((x) => [x.device, x.profile, x.gi, x.ci])).toEqual([
      [0, '1c.3g.20gb', 1, 0],
      [1, '1c.3g.20gb', 1, 1],
      [2, '1g.5gb', 11, 0],
    ]);
    expect(d[0]!.uuid).toBe('MIG-GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f/1/0');
    expect(fr.gpus![1]!.mig).toBeUndefined();
  });

  it('keeps device-handle errors as warnings', () => {
    const text =
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-d6a2c177-4cd8-8d01-0310-79f2720f37de)\n' +
      'Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error\n';
    expect(p.detect(text)).toBeGreaterThanOrEqual(0.9);
    const fr = p.parse(text);
    expect(fr.gpus).toHaveLength(1);
    expect(fr.warnings![0]).toMatch(/0000:3B:00.0/);
  });

  it('does not fire on nvidia-smi nvlink -s (same GPU line, then Link lines)', () => {
    expect(p.detect(readReal('dcgm/nvidia-smi-nvlink-s-aws-p4de-a100-gpu0-12-links.txt'))).toBeLessThan(0.5);
  });

  it('rejects MIG lines without a GPU line, and a cut GPU line, with InputError', () => {
    const e = inputError(() =>
      p.parse('  MIG 1g.10gb     Device  2: (UUID: MIG-9d14fb21-4ae1-546f-a636-011582899c39)\n'),
    );
    expect(e.code).toBe('INPUT_TRUNCATED');
    // a line cut before its closing parenthesis is not a GPU line
    inputError(() => p.parse('GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-d6a2c1'));
  });
});

describeDetectIsolation(p, { own: OWN, recognise: 0.9 });

describeRobustness(p, {
  foreign: [
    'smi-default/l40s-1x-drv550.127.05-no-procs.txt',
    'smi-xml/q-text-l40s-1x-drv550.127.05-full.txt',
  ],
  truncated: readReal('mig/h100-80gb-hbm3-nvidia-smi-L-4-mig-mixed.txt'),
  noise: { seed: 42 },
  odd: {
    'a GPU line with a 2 MB name': `GPU 0: ${'a '.repeat(1_000_000)}(UUID: GPU-1)`,
    'a GPU line of 300 000 "(UUID: "': `GPU 0: ${'(UUID: '.repeat(300_000)}`,
    'a MIG line with a 2 MB name': `  MIG ${'x '.repeat(1_000_000)}`,
  },
});
