import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../tools/errors.ts';
import { numactlParser as p } from '../../tools/parsers/numactl.ts';

const root = fileURLToPath(new URL('../../samples/real/', import.meta.url));
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const allFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? allFiles(join(dir, f)) : [join(dir, f)],
  );

const OWN = [
  'numa/numactl-H-princeton-adroit-h11g2-interleaved-2node-4xa100pcie.txt',
  'numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt',
  'numa/numactl-hardware-epyc9575f-2node-3tb-smt-off-8xmi355x.txt',
];

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

function randomText(bytes: number, seed = 42): string {
  const alphabet = 'abcdefGPU0123456789 |:/.-+=\t\n()MIGnodecpus';
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < bytes; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out.push(alphabet[s % alphabet.length]!);
  }
  return out.join('');
}

describe('numactl -H parser', () => {
  it('detects its own fixtures', () => {
    for (const f of OWN) expect(p.detect(read(f)), f).toBeGreaterThanOrEqual(0.9);
  });

  it('does not fire on any other sample', () => {
    for (const file of allFiles(root)) {
      const rel = relative(root, file).split('\\').join('/');
      if (OWN.includes(rel)) continue;
      expect(p.detect(readFileSync(file, 'utf8')), rel).toBeLessThan(0.5);
    }
  });

  it('reads della: 2 nodes, MiB as printed, distance 32', () => {
    const fr = p.parse(read('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt'));
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
    const adroit = p.parse(read('numa/numactl-H-princeton-adroit-h11g2-interleaved-2node-4xa100pcie.txt'))
      .cpu!;
    expect(adroit.numaNodes![0]!.cpus.slice(0, 4)).toEqual([0, 2, 4, 6]);
    expect(adroit.numaNodes![1]!.cpus.slice(0, 4)).toEqual([1, 3, 5, 7]);
    expect(adroit.distances).toEqual([
      [10, 20],
      [20, 10],
    ]);
    const epyc = p.parse(read('numa/numactl-hardware-epyc9575f-2node-3tb-smt-off-8xmi355x.txt')).cpu!;
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
    const text = read('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt')
      .split('\n')
      .slice(0, 5)
      .join('\n');
    const fr = p.parse(text);
    expect(fr.cpu!.numaNodes).toHaveLength(2);
    expect(fr.cpu!.numaNodes![1]!.memoryMiB).toBeNull();
    expect('distances' in fr.cpu!).toBe(false);
    expect(fr.warnings!.length).toBeGreaterThan(0);
  });

  it('rejects empty, garbage, "No NUMA available" and foreign inputs with InputError', () => {
    expect(thrown(() => p.parse('')).code).toBe('INPUT_EMPTY');
    thrown(() => p.parse('\u0000\u0001\u0002\uFFFD binary \u0007'.repeat(100)));
    expect(thrown(() => p.parse('No NUMA available on this system\n')).code).toBe('INPUT_UNSUPPORTED');
    thrown(() => p.parse(read('numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt')));
    thrown(() => p.parse(read('mig/h100-80gb-hbm3-lgip.txt')));
    expect(thrown(() => p.parse('available: 2 nodes (0-1)\n')).code).toBe('INPUT_TRUNCATED');
  });

  it('handles ~5 MB of random text and long odd lines quickly', () => {
    const inputs = [
      randomText(5_000_000),
      `node 0 cpus: ${'1 '.repeat(1_000_000)}`,
      `node 0 cpus: 0-999999999\nnode 0 size: ${'9'.repeat(400)} MB`,
      `available: 2 nodes (0-1)\nnode distances:\nnode ${'0 '.repeat(500_000)}\n 0: ${'10 '.repeat(500_000)}`,
      `available: ${' '.repeat(1_000_000)}x`,
    ];
    for (const text of inputs) {
      const t0 = performance.now();
      expect(p.detect(text)).toBeGreaterThanOrEqual(0);
      try {
        p.parse(text);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
      }
      expect(performance.now() - t0).toBeLessThan(3000);
    }
  });
});
