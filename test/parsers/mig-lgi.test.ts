import { describe, expect, it } from 'vitest';
import { migLgiParser as p } from '../../tools/parsers/mig-lgi.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const OWN = [
  'mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt',
  'mig/a100-40gb-openshift-lgi-7x-1g.5gb-unordered-placements.txt',
  'mig/a30-lgi-3-gpu-instances.txt',
  'mig/h100-80gb-hbm3-lgi-7x-1g.10gb.txt',
];

describe('mig-lgi parser', () => {
  it('keeps non-sequential GI ids and unordered placements as printed (A100 40GB)', () => {
    const fr = p.parse(readReal('mig/a100-40gb-openshift-lgi-7x-1g.5gb-unordered-placements.txt'));
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
      utilizationPct: null,
      smCount: null,
      placement: { start: 4, size: 1 },
      window: null,
    });
  });

  it('reads H100 7x 1g.10gb and A30 mixed instances', () => {
    const h = p.parse(readReal('mig/h100-80gb-hbm3-lgi-7x-1g.10gb.txt')).gpus![0]!.mig!.devices!;
    expect(h.map((x) => x.gi)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(h.map((x) => x.placement)).toEqual([0, 1, 2, 3, 4, 5, 6].map((start) => ({ start, size: 1 })));
    const a30 = p.parse(readReal('mig/a30-lgi-3-gpu-instances.txt')).gpus![0]!.mig!.devices!;
    expect(a30.map((x) => [x.gi, x.profile, x.profileId, x.placement])).toEqual([
      [3, '1g.6gb', 14, { start: 0, size: 1 }],
      [4, '1g.6gb', 14, { start: 1, size: 1 }],
      [2, '2g.12gb', 5, { start: 2, size: 2 }],
    ]);
  });

  it('reads a multi-GPU fragment per GPU', () => {
    const fr = p.parse(readReal('mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt'));
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
    const text = readReal('mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt');
    const cut = `${text}|   2  MIG 1g.10gb         19       11          2:1     |\n+----------------------+\n|   2  MIG 1g.10gb    19`;
    const fr = p.parse(cut);
    expect(fr.gpus!.map((g) => g.index)).toEqual([0, 1, 2]);
    expect(fr.gpus![2]!.mig!.devices).toHaveLength(1);
    expect(fr.warnings!.join(' ')).toMatch(/GPU 2 may be incomplete/);
  });

  it('reads header-less rows with a warning', () => {
    const rows = readReal('mig/a30-lgi-3-gpu-instances.txt').split('\n').slice(5).join('\n');
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
    const text = readReal('mig/a30-lgi-3-gpu-instances.txt')
      .split('\n')
      .map((l) => `${l.replace(/ {4}/g, '\t')}   `)
      .join('\r\n');
    const d = p.parse(text).gpus![0]!.mig!.devices!;
    expect(d.map((x) => x.gi)).toEqual([3, 4, 2]);
  });

  it('rejects the header without rows with InputError', () => {
    const head = readReal('mig/a30-lgi-3-gpu-instances.txt').split('\n').slice(0, 5).join('\n');
    inputError(() => p.parse(head));
  });
});

describeDetectIsolation(p, { own: OWN, recognise: 0.9 });

describeRobustness(p, {
  foreign: ['mig/h100-80gb-hbm3-lgip.txt', 'numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt'],
  truncated: readReal('mig/a30-lgi-3-gpu-instances.txt'),
  noise: { seed: 42 },
  odd: {
    'a title line then 1 MB of spaces': `| GPU instances: |\n|${' '.repeat(1_000_000)}x`,
    'a row with 1 MB of numbers': `|   0  MIG 1g.10gb ${'9 '.repeat(500_000)}`,
    '1 MB of | then 2 MB of +-': `${'|'.repeat(1_000_000)}\n${'+-'.repeat(1_000_000)}`,
  },
});
