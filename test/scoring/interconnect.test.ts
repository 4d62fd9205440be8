import { describe, expect, it } from 'vitest';
import {
  bestRingBottleneck,
  linkBandwidth,
  PCIE_PATH_EFFICIENCY,
  pcieGBs,
  ringAllReduceMs,
} from '../../scoring/interconnect.ts';
import { emptyGpu } from '../../scoring/snapshot.ts';

describe('interconnect model', () => {
  it('PCIe x16 line rates per direction match the cited table (§4: ≈16 / 31.5 / 63 GB/s)', () => {
    expect(pcieGBs(3, 16)).toBeCloseTo(15.76, 1);
    expect(pcieGBs(4, 16)).toBeCloseTo(31.5, 1);
    expect(pcieGBs(5, 16)).toBeCloseTo(63, 0);
    expect(pcieGBs(4, 1)).toBeCloseTo(1.97, 2);
  });

  it('ring all-reduce time is 2(n−1)/n · S / B', () => {
    expect(ringAllReduceMs(8, 2, 20)).toBeCloseTo(((2 * 7) / 8) * (2 / 20) * 1000, 6); // 175 ms, the §5 example
    expect(ringAllReduceMs(1, 1, 10)).toBe(0);
  });

  it('NVLink bandwidth = links × 25 GB/s per direction (NVLink 4), PCIe paths scale the line rate', () => {
    const g = { ...emptyGpu(), family: 'H200-NVL' };
    g.pcie.genMax = 5;
    expect(linkBandwidth({ a: 'GPU0', b: 'GPU1', kind: 'NV', nvlinks: 6, raw: 'NV6' }, g, g).gbs).toBe(150);
    expect(
      linkBandwidth({ a: 'GPU0', b: 'GPU5', kind: 'SYS', nvlinks: null, raw: 'SYS' }, g, g).gbs,
    ).toBeCloseTo(pcieGBs(5, 16) * PCIE_PATH_EFFICIENCY.SYS, 6);
    expect(PCIE_PATH_EFFICIENCY.SYS).toBeCloseTo(9.7 / 31.5, 6);
  });

  it('finds the best ring, not the worst pair', () => {
    // 4 GPUs: a ring 0-1-2-3-0 over fast links exists although 0-2 and 1-3 are slow
    const fast = new Set(['0-1', '1-2', '2-3', '0-3']);
    const bw = (a: number, b: number) => (fast.has(a < b ? `${a}-${b}` : `${b}-${a}`) ? 100 : 10);
    expect(bestRingBottleneck([0, 1, 2, 3], bw)).toBe(100);
    // split groups {0,1} {2,3}: every ring crosses twice
    const split = (a: number, b: number) => (Math.floor(a / 2) === Math.floor(b / 2) ? 100 : 10);
    expect(bestRingBottleneck([0, 1, 2, 3], split)).toBe(10);
    expect(bestRingBottleneck([0, 1], () => 42)).toBe(42);
    expect(bestRingBottleneck([0, 1, 2], (a, b) => (a === 0 && b === 2 ? null : 5))).toBeNull();
  });
});
