import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../tools/errors.ts';
import { migLgiParser as p } from '../../tools/parsers/mig-lgi.ts';

const root = fileURLToPath(new URL('../../samples/real/', import.meta.url));
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const allFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? allFiles(join(dir, f)) : [join(dir, f)],
  );

const OWN = [
  'mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt',
  'mig/a100-40gb-openshift-lgi-7x-1g.5gb-unordered-placements.txt',
  'mig/a30-lgi-3-gpu-instances.txt',
  'mig/h100-80gb-hbm3-lgi-7x-1g.10gb.txt',
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

describe('mig-lgi parser', () => {
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

  it('keeps non-sequential GI ids and unordered placements as printed (A100 40GB)', () => {
    const fr = p.parse(read('mig/a100-40gb-openshift-lgi-7x-1g.5gb-unordered-placements.txt'));
    expect(fr.format).toBe('mig-lgi');
    expect(fr.warnings).toBeUndefined();
    expect(fr.gpus).toHaveLength(1);
    const g = fr.gpus![0]!;
    expect(g.index).toBe(0);
    expect(g.mig!.mode).toBe('enabled');
    const d = g.mig!.devices!;
    expect(d.map((x) => x.gi)).toEqual([7, 8, 9, 11, 12, 13, 14]);
    expect(d.map((x) => x.placement!.start)).toEqual([4, 5, 6, 0, 1, 2, 3]);
    expect(d.every((x) => x.profile === '1g.5gb' && x.profileId === 19 && x.placement!.size === 1)).toBe(
      true,
    );
    expect(d[0]).toEqual({
      gi: 7,
      ci: null,
      device: null,
      profile: '1g.5gb',
      profileId: 19,
      uuid: null,
      memoryTotalMiB: null,
      memoryUsedMiB: null,
      smCount: null,
      placement: { start: 4, size: 1 },
    });
  });

  it('reads H100 7x 1g.10gb and A30 mixed instances', () => {
    const h = p.parse(read('mig/h100-80gb-hbm3-lgi-7x-1g.10gb.txt')).gpus![0]!.mig!.devices!;
    expect(h.map((x) => x.gi)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(h.map((x) => x.placement)).toEqual([0, 1, 2, 3, 4, 5, 6].map((start) => ({ start, size: 1 })));
    const a30 = p.parse(read('mig/a30-lgi-3-gpu-instances.txt')).gpus![0]!.mig!.devices!;
    expect(a30.map((x) => [x.gi, x.profile, x.profileId, x.placement])).toEqual([
      [3, '1g.6gb', 14, { start: 0, size: 1 }],
      [4, '1g.6gb', 14, { start: 1, size: 1 }],
      [2, '2g.12gb', 5, { start: 2, size: 2 }],
    ]);
  });

  it('reads a multi-GPU fragment per GPU', () => {
    const fr = p.parse(read('mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt'));
    expect(fr.gpus!.map((g) => g.index)).toEqual([0, 1]);
    expect(
      fr.gpus![0]!.mig!.devices!.map((x) => [x.gi, x.profile, x.placement!.start, x.placement!.size]),
    ).toEqual([
      [9, '1g.10gb', 2, 1],
      [10, '1g.10gb', 3, 1],
      [3, '2g.20gb', 0, 2],
      [2, '3g.40gb', 4, 4],
    ]);
    expect(fr.gpus![1]!.mig!.devices!.map((x) => x.gi)).toEqual([13, 14, 5, 1]);
  });

  it('parses the complete rows of a table cut mid-row and warns', () => {
    const text = read('mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt');
    const cut = `${text}|   2  MIG 1g.10gb         19       11          2:1     |\n+----------------------+\n|   2  MIG 1g.10gb    19`;
    const fr = p.parse(cut);
    expect(fr.gpus!.map((g) => g.index)).toEqual([0, 1, 2]);
    expect(fr.gpus![2]!.mig!.devices).toHaveLength(1);
    expect(fr.warnings!.join(' ')).toMatch(/GPU 2 may be incomplete/);
  });

  it('reads header-less rows with a warning', () => {
    const rows = read('mig/a30-lgi-3-gpu-instances.txt').split('\n').slice(5).join('\n');
    const fr = p.parse(rows);
    expect(fr.gpus![0]!.mig!.devices).toHaveLength(3);
    expect(fr.warnings!.join(' ')).toMatch(/without the "GPU instances:" header/);
  });

  it('"No GPU instances found" gives no devices and a warning', () => {
    const text = 'No GPU instances found: Not Found\n';
    expect(p.detect(text)).toBeGreaterThanOrEqual(0.5);
    const fr = p.parse(text);
    expect(fr.gpus).toEqual([]);
    expect(fr.warnings).toHaveLength(1);
  });

  it('accepts CRLF, tabs and trailing spaces', () => {
    const text = read('mig/a30-lgi-3-gpu-instances.txt')
      .split('\n')
      .map((l) => `${l.replace(/ {4}/g, '\t')}   `)
      .join('\r\n');
    const d = p.parse(text).gpus![0]!.mig!.devices!;
    expect(d.map((x) => x.gi)).toEqual([3, 4, 2]);
  });

  it('rejects empty, garbage and foreign inputs with InputError', () => {
    expect(thrown(() => p.parse('')).code).toBe('INPUT_EMPTY');
    thrown(() => p.parse('\u0000\u0001\u0002\uFFFD binary \u0007'.repeat(100)));
    thrown(() => p.parse(read('mig/h100-80gb-hbm3-lgip.txt')));
    thrown(() => p.parse(read('numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt')));
    const head = read('mig/a30-lgi-3-gpu-instances.txt').split('\n').slice(0, 5).join('\n');
    thrown(() => p.parse(head));
  });

  it('handles ~5 MB of random text and long odd lines quickly', () => {
    const inputs = [
      randomText(5_000_000),
      `| GPU instances: |\n|${' '.repeat(1_000_000)}x`,
      `|   0  MIG 1g.10gb ${'9 '.repeat(500_000)}`,
      `${'|'.repeat(1_000_000)}\n${'+-'.repeat(1_000_000)}`,
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
