import { describe, expect, it } from 'vitest';
import { formatCpuList, isNullWord, mib, normalizeBusId, num, parseCpuList } from '../tools/parsers/text.ts';

describe('text helpers', () => {
  it('reads N/A-like cells as null, never 0', () => {
    for (const s of ['N/A', '[N/A]', '[Not Supported]', 'Unknown Error', '', '  ', '-', undefined, null])
      expect(num(s)).toBeNull();
    expect(isNullWord('[Insufficient Permissions]')).toBe(true);
    expect(num('0')).toBe(0);
  });
  it('reads numbers with units', () => {
    expect(num('87321MiB')).toBe(87321);
    expect(num('434.51 W')).toBe(434.51);
    expect(num('68 %')).toBe(68);
    expect(mib('80GB')).toBe(81920);
    expect(mib('1.5 GiB')).toBe(1536);
    expect(mib('143771 MiB')).toBe(143771);
  });
  it('normalises PCI bus ids from every spelling', () => {
    expect(normalizeBusId('00000000:17:00.0')).toBe('0000:17:00.0');
    expect(normalizeBusId('0000:3D:00')).toBe('0000:3d:00.0');
    expect(normalizeBusId('17:00.0')).toBe('0000:17:00.0');
    expect(normalizeBusId('00000001:C1:00.1')).toBe('0001:c1:00.1');
    expect(normalizeBusId('mapping=gpu0')).toBeNull();
  });
  it('expands and compresses cpuset lists', () => {
    expect(parseCpuList('0-3,8,10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('6,14,22,30')).toEqual([6, 14, 22, 30]);
    expect(parseCpuList('N/A')).toBeNull();
    expect(parseCpuList('3-1')).toBeNull();
    expect(parseCpuList('0-999999999')).toBeNull();
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe('0-3,8,10-11');
  });
});
