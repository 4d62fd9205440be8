import { describe, expect, it } from 'vitest';
import { numactlParser as p } from '../../tools/parsers/numactl.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const OWN = [
  'numa/numactl-H-princeton-adroit-h11g2-interleaved-2node-4xa100pcie.txt',
  'numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt',
  'numa/numactl-hardware-epyc9575f-2node-3tb-smt-off-8xmi355x.txt',
];

describe('numactl -H parser', () => {
  it('reads della: 2 nodes, MiB as printed, distance 32', () => {
    const fr = p.parse(readReal('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt'));
    expect(fr.format).toBe('numactl');
    expect(fr.warnings).toBeUndefined();
    const cpu = fr.cpu!;
    expect(cpu.numaNodes).toHaveLength(2);
    expect(cpu.numaNodes![0]).toEqual({
      id: 0,
      cpus: Array.from({ length: 24 }, (_, i) => i),
      memoryMiB: 515346,
      freeMiB: 510311,
    });
    expect(cpu.numaNodes![1]!.cpus).toEqual(Array.from({ length: 24 }, (_, i) => 24 + i));
    expect(cpu.numaNodes![1]!.memoryMiB).toBe(516087);
    expect(cpu.distances).toEqual([
      [10, 32],
      [32, 10],
    ]);
    expect(cpu.model).toBeUndefined();
  });

  it('reads interleaved CPU numbering (adroit) and 3 TB nodes (EPYC 9575F)', () => {
    const adroit = p.parse(readReal('numa/numactl-H-princeton-adroit-h11g2-interleaved-2node-4xa100pcie.txt'))
      .cpu!;
    expect(adroit.numaNodes![0]!.cpus.slice(0, 4)).toEqual([0, 2, 4, 6]);
    expect(adroit.numaNodes![1]!.cpus.slice(0, 4)).toEqual([1, 3, 5, 7]);
    expect(adroit.distances).toEqual([
      [10, 20],
      [20, 10],
    ]);
    const epyc = p.parse(readReal('numa/numactl-hardware-epyc9575f-2node-3tb-smt-off-8xmi355x.txt')).cpu!;
    expect(epyc.numaNodes!.map((n) => [n.id, n.cpus.length, n.memoryMiB, n.freeMiB])).toEqual([
      [0, 64, 1547791, 1484025],
      [1, 64, 1548128, 1483555],
    ]);
  });

  it('keeps memory-only nodes with cpus [] and reorders nothing', () => {
    const text = [
      'available: 4 nodes (0-1,8-9)',
      'node 0 cpus: 0 1 2 3',
      'node 0 size: 1000 MB',
      'node 0 free: 900 MB',
      'node 1 cpus: 4 5 6 7',
      'node 1 size: 1000 MB',
      'node 1 free: 800 MB',
      'node 8 cpus:',
      'node 8 size: 16128 MB',
      'node 8 free: 16000 MB',
      'node 9 cpus: ',
      'node 9 size: 0 MB',
      'node 9 free: 0 MB',
      'node distances:',
      'node   0   1   8   9 ',
      '  0:  10  40  80  80 ',
      '  1:  40  10  80  80 ',
      '  8:  80  80  10  80 ',
      '  9:  80  80  80  10 ',
    ].join('\r\n');
    const fr = p.parse(text);
    expect(fr.warnings).toBeUndefined();
    expect(fr.cpu!.numaNodes!.map((n) => [n.id, n.cpus, n.memoryMiB])).toEqual([
      [0, [0, 1, 2, 3], 1000],
      [1, [4, 5, 6, 7], 1000],
      [8, [], 16128],
      [9, [], 0],
    ]);
    expect(fr.cpu!.distances![2]).toEqual([80, 80, 10, 80]);
  });

  it('warns on a truncated output and leaves distances out', () => {
    const text = readReal('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt')
      .split('\n')
      .slice(0, 5)
      .join('\n');
    const fr = p.parse(text);
    expect(fr.cpu!.numaNodes).toHaveLength(2);
    expect(fr.cpu!.numaNodes![1]!.memoryMiB).toBeNull();
    expect('distances' in fr.cpu!).toBe(false);
    expect(fr.warnings!.length).toBeGreaterThan(0);
  });

  it('rejects "No NUMA available" and a bare "available:" line with InputError', () => {
    expect(inputError(() => p.parse('No NUMA available on this system\n')).code).toBe('INPUT_UNSUPPORTED');
    expect(inputError(() => p.parse('available: 2 nodes (0-1)\n')).code).toBe('INPUT_TRUNCATED');
  });
});

describeDetectIsolation(p, { own: OWN, recognise: 0.9 });

describeRobustness(p, {
  foreign: ['numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt', 'mig/h100-80gb-hbm3-lgip.txt'],
  truncated: readReal('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt'),
  noise: { seed: 42 },
  odd: {
    'a node with 1 000 000 CPUs': `node 0 cpus: ${'1 '.repeat(1_000_000)}`,
    'a huge CPU range and a 400-digit size': `node 0 cpus: 0-999999999\nnode 0 size: ${'9'.repeat(400)} MB`,
    'a 500 000-node distance table': `available: 2 nodes (0-1)\nnode distances:\nnode ${'0 '.repeat(500_000)}\n 0: ${'10 '.repeat(500_000)}`,
    '1 MB of spaces after available:': `available: ${' '.repeat(1_000_000)}x`,
  },
});
