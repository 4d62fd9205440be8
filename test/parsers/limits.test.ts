/**
 * The shared helpers every parser's values go through: "no value" words, numbers that are not numbers,
 * CPU lists and their budget, control characters, and checkFragment (ranges, caps).
 */
import { describe, expect, it } from 'vitest';
import type { Fragment } from '../../tools/ingest/fragment.ts';
import { checkFragment, MAX_GPUS, MAX_NICS, MAX_PROCESSES } from '../../tools/parsers/limits.ts';
import {
  CpuBudget,
  checkRange,
  int,
  isNullWord,
  MAX_CPU_ID,
  MAX_CPU_IDS_PER_INPUT,
  mib,
  num,
  parseCpuList,
  stripControl,
} from '../../tools/parsers/text.ts';

describe('"no value" words', () => {
  it('Not Found, Unknown Error, [Unknown Error], Not Available and ERR! mean unknown, like N/A', () => {
    for (const w of [
      'Not Found',
      '[Not Found]',
      'Unknown Error',
      '[Unknown Error]',
      'Not Available',
      'ERR!',
      'N/A',
    ])
      expect(isNullWord(w), w).toBe(true);
    for (const w of ['Not Found', 'ERR!', '[Unknown Error]']) expect(num(w), w).toBeNull();
    expect(isNullWord('Found')).toBe(false);
  });
});

describe('numbers that are not numbers', () => {
  it('"1e309 MiB" is not 309 MiB: the exponent belongs to the number, which is not finite', () => {
    expect(mib('1e309 MiB')).toBe(Number.POSITIVE_INFINITY);
    expect(mib('1e3 MiB')).toBe(1000);
    expect(mib('80GB')).toBe(81920);
  });

  it('Infinity, NaN and overflowing numbers are passed on (for checkFragment to reject), not read as 0 or null', () => {
    expect(num('1e309')).toBe(Number.POSITIVE_INFINITY);
    expect(num('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(num('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(num('NaN')).toBeNaN();
    expect(int('1e309')).toBe(Number.POSITIVE_INFINITY);
    expect(int('1.5')).toBeNull();
    expect(int('-4')).toBe(-4);
  });

  it('checkRange rejects non-finite, out-of-range and fractional values with a reason', () => {
    const why: string[] = [];
    const w = (s: string) => why.push(s);
    expect(checkRange(50, { min: 0, max: 100 }, w)).toBe(50);
    expect(checkRange(-5, { min: 0, max: 100 }, w)).toBeNull();
    expect(checkRange(250, { min: 0, max: 100 }, w)).toBeNull();
    expect(checkRange(Number.NaN, { min: 0, max: 100 }, w)).toBeNull();
    expect(checkRange(2.5, { min: 0, max: 8, int: true }, w)).toBeNull();
    expect(why).toEqual([
      '-5 is outside 0–100',
      '250 is outside 0–100',
      'NaN is not a finite number',
      '2.5 is not a whole number',
    ]);
  });
});

describe('CPU lists', () => {
  it('ids above 65535 make a list unknown', () => {
    expect(MAX_CPU_ID).toBe(65_535);
    expect(parseCpuList('0-65535')).toHaveLength(65_536);
    expect(parseCpuList('0-65536')).toBeNull();
    expect(parseCpuList('0-3,2-5,9')).toEqual([0, 1, 2, 3, 4, 5, 9]);
  });

  it('`0-65535` × 4 000 with one budget: the first lists are expanded, the rest left unknown', () => {
    const budget = new CpuBudget();
    let expanded = 0;
    for (let i = 0; i < 4000; i++) if (parseCpuList('0-65535', budget) !== null) expanded++;
    expect(expanded).toBe(MAX_CPU_IDS_PER_INPUT / 65_536);
    expect(budget.cut).toBe(4000 - expanded);
    expect(budget.warning()).toMatch(
      /CPU list\(s\) left unknown: one input may hold at most 1,048,576 CPU ids/,
    );
  });
});

describe('control characters', () => {
  it('are stripped; tabs and line breaks become spaces; direction overrides go too', () => {
    expect(stripControl('NVIDIA H200\u001b[31m\u0007')).toBe('NVIDIA H200[31m');
    expect(stripControl('a\tb\nc')).toBe('a b c');
    expect(stripControl('python\u202Egnp.exe')).toBe('pythongnp.exe');
    expect(stripControl('plain')).toBe('plain');
  });
});

describe('checkFragment: every parser output is held to the ranges and caps', () => {
  const frag = (f: Omit<Fragment, 'format'>): Fragment => ({ format: 'test', ...f });

  it('utilisation below 0 or above 100 %, used above total, non-finite numbers: unknown, with a warning naming file and field', () => {
    const out = checkFragment(
      frag({
        gpus: [
          {
            index: 0,
            utilization: { gpuPct: -5, memoryPct: 250 },
            memory: { totalMiB: 81559, usedMiB: 90000 },
          },
          { index: 1, power: { drawW: Number.POSITIVE_INFINITY, limitW: 700 }, temperatureC: Number.NaN },
        ],
      }),
      'q.xml',
    );
    expect(out.gpus?.[0]).toMatchObject({
      utilization: { gpuPct: null, memoryPct: null },
      memory: { totalMiB: 81559, usedMiB: null },
    });
    expect(out.gpus?.[1]).toMatchObject({ power: { drawW: null, limitW: 700 }, temperatureC: null });
    expect(out.warnings).toEqual([
      'q.xml: GPU 0 utilization.gpuPct -5 is outside 0–100: left unknown',
      'q.xml: GPU 0 utilization.memoryPct 250 is outside 0–100: left unknown',
      'q.xml: GPU 1 power.drawW Infinity is not a finite number: left unknown',
      'q.xml: GPU 1 temperatureC NaN is not a finite number: left unknown',
      'q.xml: GPU 0 memory.usedMiB 90000 is above the total 81559: left unknown',
    ]);
  });

  it('a VM with `cores: -4` and `memory: 1e308`: both unknown', () => {
    const out = checkFragment(
      frag({
        workloads: [
          {
            name: 'train-01',
            kind: 'training',
            gpuRefs: [],
            cpus: null,
            distributed: null,
            memoryGiB: null,
            vm: {
              vmid: 102,
              hostpci: [],
              affinity: null,
              numa: null,
              numaNodes: [],
              cores: -4,
              sockets: 1,
              memoryMiB: 1e308,
              machine: null,
              tags: [],
            },
          },
        ],
      }),
      '102.conf',
    );
    expect(out.workloads?.[0]?.vm).toMatchObject({ cores: null, sockets: 1, memoryMiB: null, vmid: 102 });
    expect(out.warnings).toEqual([
      '102.conf: workload train-01 vm.cores -4 is outside 1–4096: left unknown',
      '102.conf: workload train-01 vm.memoryMiB 1e+308 is outside 1–67108864: left unknown',
    ]);
  });

  it('caps GPUs, NICs and processes with a warning', () => {
    const out = checkFragment(
      frag({
        gpus: Array.from({ length: MAX_GPUS + 5 }, (_, i) => ({ index: i % MAX_GPUS })),
        nics: Array.from({ length: MAX_NICS + 1 }, (_, i) => ({
          id: `NIC${i}`,
          device: null,
          numaNode: null,
          cpuAffinity: null,
        })),
        processes: Array.from({ length: MAX_PROCESSES + 2 }, (_, i) => ({ pid: i })),
      }),
      'big.txt',
    );
    expect(out.gpus).toHaveLength(MAX_GPUS);
    expect(out.nics).toHaveLength(MAX_NICS);
    expect(out.processes).toHaveLength(MAX_PROCESSES);
    expect(out.warnings).toEqual(
      expect.arrayContaining([
        `big.txt: ${MAX_GPUS + 5} GPUs: only the first ${MAX_GPUS} are read (the limit)`,
        `big.txt: ${MAX_NICS + 1} NICs: only the first ${MAX_NICS} are read (the limit)`,
        `big.txt: ${MAX_PROCESSES + 2} processes: only the first ${MAX_PROCESSES} are read (the limit)`,
      ]),
    );
  });

  it('strips control characters from every string kept: GPU names, process names, hosts, warnings', () => {
    const out = checkFragment(
      frag({
        host: 'node\u001b]0;pwned\u0007-01',
        gpus: [{ index: 0, name: 'NVIDIA H200\u001b[2J' }],
        processes: [{ pid: 1, name: 'python\u0000 train.py\u009b' }],
        warnings: ['nvidia-smi reported: "\u001b[31mERR\u001b[0m"'],
      }),
    );
    expect(out.host).toBe('node]0;pwned-01');
    expect(out.gpus?.[0]?.name).toBe('NVIDIA H200[2J');
    expect(out.processes?.[0]?.name).toBe('python train.py');
    expect(out.warnings).toEqual(['nvidia-smi reported: "[31mERR[0m"']);
  });

  it('leaves a valid fragment as it is', () => {
    const f = frag({
      gpus: [
        { index: 0, memory: { totalMiB: 81559, usedMiB: 1 }, pcie: { genCurrent: 5, widthCurrent: 16 } },
      ],
    });
    expect(checkFragment(f, 'x')).toEqual(f);
  });
});
