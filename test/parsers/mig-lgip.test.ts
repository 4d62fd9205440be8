import { describe, expect, it } from 'vitest';
import { migLgipParser as p } from '../../tools/parsers/mig-lgip.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';

const OWN = [
  'mig/a100-80gb-pcie-lgip-all-allocated.txt',
  'mig/a30-24gb-lgip.txt',
  'mig/h100-80gb-gcp-a3-lgip-doc-TRUNCATED.txt',
  'mig/h100-80gb-hbm3-lgip.txt',
  'mig/h100-nvl-94gb-azure-nc40ads-lgip-doc.txt',
  'mig/h100-sxm5-80gb-4gpu-node-lgip-all-gpus.txt',
  'mig/h200-141gb-lgip-FRAGMENT-a-gpu6-rows.txt',
];

describe('mig-lgip parser', () => {
  it('reads the H100 80GB table', () => {
    const fr = p.parse(readReal('mig/h100-80gb-hbm3-lgip.txt'));
    expect(fr.format).toBe('mig-lgip');
    expect(fr.warnings).toBeUndefined();
    expect(fr.gpus).toHaveLength(1);
    const g = fr.gpus![0]!;
    expect(g.index).toBe(0);
    const profiles = g.mig!.profiles!;
    expect(profiles.map((x) => x.name)).toEqual([
      '1g.10gb',
      '1g.10gb+me',
      '1g.20gb',
      '2g.20gb',
      '3g.40gb',
      '4g.40gb',
      '7g.80gb',
    ]);
    expect(profiles[0]).toEqual({
      id: 19,
      name: '1g.10gb',
      instancesFree: 7,
      instancesTotal: 7,
      memoryGiB: 9.75,
      smCount: 16,
    });
    expect(profiles[6]).toEqual({
      id: 0,
      name: '7g.80gb',
      instancesFree: 1,
      instancesTotal: 1,
      memoryGiB: 79.25,
      smCount: 132,
    });
    expect(profiles.map((x) => x.id)).toEqual([19, 20, 15, 14, 9, 5, 0]);
  });

  it('reads a 4-GPU table as 4 GPUs x 7 profiles', () => {
    const fr = p.parse(readReal('mig/h100-sxm5-80gb-4gpu-node-lgip-all-gpus.txt'));
    expect(fr.gpus!.map((g) => g.index)).toEqual([0, 1, 2, 3]);
    for (const g of fr.gpus!) {
      expect(g.mig!.profiles).toHaveLength(7);
      expect(g.mig!.profiles![4]).toMatchObject({ id: 9, name: '3g.40gb', smCount: 60, memoryGiB: 39.5 });
    }
  });

  it('accepts an all-allocated table (0/N free)', () => {
    const fr = p.parse(readReal('mig/a100-80gb-pcie-lgip-all-allocated.txt'));
    const profiles = fr.gpus![0]!.mig!.profiles!;
    expect(profiles).toHaveLength(7);
    expect(profiles.every((x) => x.instancesFree === 0)).toBe(true);
    expect(profiles.map((x) => x.instancesTotal)).toEqual([7, 1, 4, 3, 2, 1, 1]);
    expect(profiles[0]).toMatchObject({ id: 19, name: '1g.10gb', memoryGiB: 9.5, smCount: 14 });
    expect(fr.warnings).toBeUndefined();
  });

  it('reads A30 and H100 NVL tables', () => {
    const a30 = p.parse(readReal('mig/a30-24gb-lgip.txt')).gpus![0]!.mig!.profiles!;
    expect(a30.map((x) => [x.id, x.name])).toEqual([
      [14, '1g.6gb'],
      [21, '1g.6gb+me'],
      [5, '2g.12gb'],
      [6, '2g.12gb+me'],
      [0, '4g.24gb'],
    ]);
    expect(a30[4]).toMatchObject({ memoryGiB: 23.44, smCount: 56, instancesFree: 1, instancesTotal: 1 });
    const nvl = p.parse(readReal('mig/h100-nvl-94gb-azure-nc40ads-lgip-doc.txt')).gpus![0]!.mig!.profiles!;
    expect(nvl).toHaveLength(7);
    expect(nvl[6]).toMatchObject({ id: 0, name: '7g.94gb', memoryGiB: 93.12, smCount: 132 });
  });

  it('reads the rows of a truncated document and warns', () => {
    const fr = p.parse(readReal('mig/h100-80gb-gcp-a3-lgip-doc-TRUNCATED.txt'));
    expect(fr.gpus![0]!.mig!.profiles!.map((x) => x.name)).toEqual([
      '1g.10gb',
      '1g.10gb+me',
      '1g.20gb',
      '2g.20gb',
      '3g.40gb',
    ]);
    expect(fr.warnings!.join(' ')).toMatch(/truncated/);
  });

  it('rejects a header-less fragment with the specific reason', () => {
    const e = inputError(() => p.parse(readReal('mig/h200-141gb-lgip-FRAGMENT-a-gpu6-rows.txt')));
    expect(e.code).toBe('INPUT_TRUNCATED');
    expect(e.message).toMatch(/^fragment of mig -lgip: no GPU header/);
    expect(e.message).toMatch(/GPU 6/);
  });

  it('rejects mig -lgipp (placement table) as unsupported', () => {
    const text = readReal('mig/a30-24gb-lgipp-EDITED.txt');
    expect(p.detect(text)).toBeLessThan(0.5);
    const e = inputError(() => p.parse(text));
    expect(e.code).toBe('INPUT_UNSUPPORTED');
    expect(e.message).toMatch(/^nvidia-smi mig -lgipp \(placement table\)/);
  });

  it('accepts CRLF, tabs and trailing spaces', () => {
    const text = readReal('mig/h100-80gb-hbm3-lgip.txt')
      .split('\n')
      .map((l) => `${l.replace(/ {4}/g, '\t')}  `)
      .join('\r\n');
    const fr = p.parse(text);
    expect(fr.gpus![0]!.mig!.profiles).toHaveLength(7);
    expect(fr.gpus![0]!.mig!.profiles![0]).toMatchObject({ id: 19, memoryGiB: 9.75, smCount: 16 });
  });

  it('warns when the table is cut without its closing border', () => {
    const full = readReal('mig/h100-sxm5-80gb-4gpu-node-lgip-all-gpus.txt').split('\n');
    const cut = full.slice(0, full.length - 3).join('\n'); // drops the last row's 2nd line and border
    const fr = p.parse(cut);
    expect(fr.gpus).toHaveLength(4);
    expect(fr.warnings!.join(' ')).toMatch(/closing border/);
  });

  it('rejects the header without rows as truncated', () => {
    const head = readReal('mig/h100-80gb-hbm3-lgip.txt').split('\n').slice(0, 5).join('\n');
    expect(inputError(() => p.parse(head)).code).toBe('INPUT_TRUNCATED');
  });
});

describeDetectIsolation(p, { own: OWN, recognise: (rel) => (rel.includes('FRAGMENT') ? 0.5 : 0.9) });

describeRobustness(p, {
  foreign: ['mig/a30-lgi-3-gpu-instances.txt', 'numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt'],
  truncated: readReal('mig/h100-80gb-hbm3-lgip.txt'),
  noise: { seed: 42 },
  odd: {
    'a title line then 1 MB of spaces': `| GPU instance profiles: |\n|${' '.repeat(1_000_000)}x`,
    'a row with 1 MB of numbers': `|   0  MIG 1g.10gb ${'9 '.repeat(500_000)}`,
    '1 MB of | then 1 MB of dots': `${'|'.repeat(1_000_000)}\n${'.'.repeat(1_000_000)}`,
  },
});

describe('mig-lgip: profiles listed mean MIG is enabled', () => {
  it('each GPU with profiles that have instances gets mig.mode enabled', () => {
    const f = p.parse(readReal('mig/h100-sxm5-80gb-4gpu-node-lgip-all-gpus.txt'));
    expect(f.gpus?.length).toBeGreaterThan(1);
    for (const g of f.gpus ?? []) expect(g.mig?.mode, `GPU ${g.index}`).toBe('enabled');
  });
});
