import { describe, expect, it } from 'vitest';
import { lscpuParser as p } from '../../tools/parsers/lscpu.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const OWN = [
  'numa/lscpu-aws-p5en-xeon8488c-2socket-kvm-8xh200.txt',
  'numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt',
];

describe('lscpu parser', () => {
  it('reads the hierarchical layout (util-linux 2.39+) with a wrapped Flags value', () => {
    const fr = p.parse(readReal('numa/lscpu-aws-p5en-xeon8488c-2socket-kvm-8xh200.txt'));
    expect(fr.format).toBe('lscpu');
    expect(fr.warnings).toBeUndefined();
    const cpu = fr.cpu!;
    expect(cpu).toMatchObject({
      model: 'Intel(R) Xeon(R) Platinum 8488C',
      sockets: 2,
      coresPerSocket: 48,
      threadsPerCore: 2,
      logicalCpus: 192,
    });
    expect(cpu.numaNodes).toHaveLength(2);
    expect(cpu.numaNodes![0]!.cpus).toEqual([
      ...Array.from({ length: 48 }, (_, i) => i),
      ...Array.from({ length: 48 }, (_, i) => 96 + i),
    ]);
    expect(cpu.numaNodes![1]).toMatchObject({ id: 1, memoryMiB: null, freeMiB: null });
    expect(cpu.numaNodes![1]!.cpus).toHaveLength(96);
    expect('distances' in cpu).toBe(false);
  });

  it('reads the classic flat layout (EPYC 7742, NPS4)', () => {
    const cpu = p.parse(readReal('numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt')).cpu!;
    expect(cpu).toMatchObject({
      model: 'AMD EPYC 7742 64-Core Processor',
      sockets: 2,
      coresPerSocket: 64,
      threadsPerCore: 2,
      logicalCpus: 256,
    });
    expect(cpu.numaNodes!.map((n) => n.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(cpu.numaNodes![7]!.cpus[0]).toBe(112);
    expect(cpu.numaNodes![7]!.cpus.at(-1)).toBe(255);
  });

  it('is not confused by a terminal-wrapped Flags line at column 0, CRLF or tabs', () => {
    const text = [
      'Architecture:\tx86_64',
      'CPU(s):              8',
      'Flags:               fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge',
      'mca cmov pat pse36 clflush mmx fxsr sse sse2',
      'Thread(s) per core:  2   ',
      'Core(s) per socket:  4',
      'Socket(s):           1',
      'Model name:          Intel(R) Core(TM) i7-7700 CPU @ 3.60GHz',
      'NUMA node0 CPU(s):   0-7',
      'NUMA node1 CPU(s):   ',
    ].join('\r\n');
    const cpu = p.parse(text).cpu!;
    expect(cpu).toMatchObject({
      model: 'Intel(R) Core(TM) i7-7700 CPU @ 3.60GHz',
      sockets: 1,
      coresPerSocket: 4,
      threadsPerCore: 2,
      logicalCpus: 8,
    });
    expect(cpu.numaNodes).toEqual([
      { id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7], memoryMiB: null, freeMiB: null },
      { id: 1, cpus: [], memoryMiB: null, freeMiB: null },
    ]);
  });

  it('reads lscpu -J', () => {
    const json = JSON.stringify({
      lscpu: [
        { field: 'Architecture:', data: 'x86_64' },
        { field: 'CPU(s):', data: '192' },
        {
          field: 'Vendor ID:',
          data: 'GenuineIntel',
          children: [
            {
              field: 'Model name:',
              data: 'Intel(R) Xeon(R) Platinum 8488C',
              children: [
                { field: 'Thread(s) per core:', data: '2' },
                { field: 'Core(s) per socket:', data: '48' },
                { field: 'Socket(s):', data: '2' },
              ],
            },
          ],
        },
        { field: 'NUMA:', data: null, children: [{ field: 'NUMA node0 CPU(s):', data: '0-47,96-143' }] },
      ],
    });
    expect(p.detect(json)).toBeGreaterThanOrEqual(0.9);
    const cpu = p.parse(json).cpu!;
    expect(cpu).toMatchObject({ sockets: 2, coresPerSocket: 48, threadsPerCore: 2, logicalCpus: 192 });
    expect(cpu.numaNodes![0]!.cpus).toHaveLength(96);
  });

  it('takes the first CPU type of a heterogeneous (ARM big.LITTLE) listing and warns', () => {
    const text = [
      'Architecture:           aarch64',
      'CPU(s):                 8',
      'Vendor ID:              ARM',
      '  Model name:           Cortex-A55',
      '    Thread(s) per core: 1',
      '    Core(s) per cluster: 4',
      '    Socket(s):          -',
      '  Model name:           Cortex-A76',
      '    Thread(s) per core: 1',
      '    Core(s) per cluster: 4',
      '    Socket(s):          -',
    ].join('\n');
    const fr = p.parse(text);
    expect(fr.cpu).toMatchObject({
      model: 'Cortex-A55',
      sockets: null,
      coresPerSocket: null,
      logicalCpus: 8,
    });
    expect(fr.warnings!.join(' ')).toMatch(/2 CPU types/);
  });

  it('localised output: no crash, a specific InputError', () => {
    const text =
      'Architektur:             x86_64\nCPU(s) insgesamt:        8\nModellname:              Intel\n';
    expect(inputError(() => p.parse(text)).message).toMatch(/LC_ALL=C/);
  });

  it('rejects cut JSON with InputError', () => {
    inputError(() => p.parse('{"lscpu": 3'));
  });
});

describeDetectIsolation(p, { own: OWN, recognise: 0.9 });

describeRobustness(p, {
  foreign: ['numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt', 'mig/h100-80gb-hbm3-lgip.txt'],
  truncated: readReal('numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt'),
  noise: { seed: 42 },
  odd: {
    'a field with 1 MB of spaces': `a:${' '.repeat(1_000_000)}x`,
    '1 MB of spaces': `${' '.repeat(1_000_000)}`,
    'a 1 MB CPU count and a huge CPU range': `CPU(s): ${'1'.repeat(1_000_000)}\nNUMA node0 CPU(s): 0-999999999`,
    'JSON nested 5000 deep': `{"lscpu": [${'{"field":"x:","data":"1","children":['.repeat(5000)}]}`,
  },
});
