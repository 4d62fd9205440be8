/**
 * MIG layouts (scoring/placement/mig-layout.ts) against the placement rules of domain facts §2c: which
 * multisets of GPU-instance profiles fit one GPU, where the instances land, and the creation order. The
 * property test compares `layout` with a brute-force search written here, independently of the solver.
 */

import { describe, expect, it } from 'vitest';
import { GPU_MODELS, type GpuModel, type MigProfileSpec } from '../../scoring/gpu-models.ts';
import { creationOrder, layout, type PlacedInstance } from '../../scoring/placement/mig-layout.ts';
import { rng } from '../helpers/random-host.ts';

const MIG_MODELS = GPU_MODELS.filter((m) => m.migCapable);
const memorySlices = (m: GpuModel) => Math.max(...m.migProfiles.map((p) => p.memorySlices));
const computeSlices = (m: GpuModel) => Math.max(...m.migProfiles.map((p) => p.compute));
const EIGHT_SLICE = MIG_MODELS.filter((m) => memorySlices(m) === 8);

/** The profile of `model` with `compute` compute slices (and `mem` memory slices; else the smallest). */
function prof(model: GpuModel, compute: number, mem?: number): MigProfileSpec {
  const p = model.migProfiles
    .filter((x) => x.compute === compute && (mem === undefined || x.memorySlices === mem))
    .sort((a, b) => a.memorySlices - b.memorySlices)[0];
  if (!p) throw new Error(`${model.family} has no ${compute}g profile with ${mem ?? 'any'} memory slices`);
  return p;
}

/** `n` copies of a profile. */
const times = (n: number, p: MigProfileSpec) => Array.from({ length: n }, () => p);

/** A placement is valid: allowed starts, inside the GPU, no overlap, the same multiset as asked. */
function expectValid(model: GpuModel, asked: readonly MigProfileSpec[], placed: PlacedInstance[] | null) {
  expect(placed, `${model.family}: ${asked.map((p) => p.name).join('+')} should fit`).not.toBeNull();
  const used = new Array<boolean>(memorySlices(model)).fill(false);
  for (const { profile, start } of placed!) {
    expect(profile.starts, `${profile.name} at ${start}`).toContain(start);
    expect(start + profile.memorySlices).toBeLessThanOrEqual(memorySlices(model));
    for (let s = start; s < start + profile.memorySlices; s++) {
      expect(used[s], `${model.family}: slice ${s} used twice`).toBe(false);
      used[s] = true;
    }
  }
  const ids = (xs: readonly MigProfileSpec[]) => xs.map((p) => p.id).sort((a, b) => a - b);
  expect(ids(placed!.map((p) => p.profile))).toEqual(ids(asked));
  // instances come back in creation order
  expect(placed!.map((p) => p.profile.id)).toEqual(creationOrder(asked).map((p) => p.id));
  expect(placed!.reduce((a, p) => a + p.profile.compute, 0)).toBeLessThanOrEqual(computeSlices(model));
}

describe('layout: every MIG-capable model', () => {
  it('covers the models of the table (8-slice and A30)', () => {
    expect(MIG_MODELS.map((m) => m.family)).toEqual(
      expect.arrayContaining([
        'H200-NVL',
        'H200-SXM',
        'H100-SXM',
        'H100-NVL',
        'A100-80GB',
        'A100-40GB',
        'A30',
      ]),
    );
    expect(EIGHT_SLICE.length).toBe(MIG_MODELS.length - 1);
  });

  for (const model of MIG_MODELS)
    it(`${model.family}: every profile fits alone, at an allowed start`, () => {
      for (const p of model.migProfiles) {
        const placed = layout(model, [p]);
        expectValid(model, [p], placed);
        expect(placed).toHaveLength(1);
      }
      expect(layout(model, [])).toEqual([]);
    });

  it('a model without MIG places nothing', () => {
    const l40s = GPU_MODELS.find((m) => m.family === 'L40S')!;
    const h100 = GPU_MODELS.find((m) => m.family === 'H100-SXM')!;
    expect(l40s.migCapable).toBe(false);
    expect(layout(l40s, [h100.migProfiles[0]!])).toBeNull();
    expect(layout(l40s, [])).toEqual([]);
  });
});

describe('layout: 8-memory-slice models (A100 / H100 / H200 / B200), domain facts §2c', () => {
  for (const m of EIGHT_SLICE)
    describe(m.family, () => {
      const g1 = prof(m, 1, 1);
      const g1x2 = prof(m, 1, 2);
      const g2 = prof(m, 2);
      const g3 = prof(m, 3);
      const g4 = prof(m, 4);
      const g7 = prof(m, 7);

      it('uses the documented profile ids and starts', () => {
        expect([g1, g1x2, g2, g3, g4, g7].map((p) => [p.id, p.memorySlices, p.starts])).toEqual([
          [19, 1, [0, 1, 2, 3, 4, 5, 6]],
          [15, 2, [0, 2, 4, 6]],
          [14, 2, [0, 2, 4]],
          [9, 4, [0, 4]],
          [5, 4, [0]],
          [0, 8, [0]],
        ]);
      });

      it('7×1g fits, 8×1g does not', () => {
        expectValid(m, times(7, g1), layout(m, times(7, g1)));
        expect(layout(m, times(8, g1))).toBeNull();
      });

      it('3g+3g fits (all 8 memory slices), 3g+3g+1g does not', () => {
        const two = layout(m, [g3, g3]);
        expectValid(m, [g3, g3], two);
        expect(two!.map((p) => p.start).sort()).toEqual([0, 4]);
        expect(layout(m, [g3, g3, g1])).toBeNull();
      });

      it('4g+3g fits (4g at 0, 3g at 4); 4g+4g and 7g+anything do not', () => {
        const placed = layout(m, [g3, g4]);
        expectValid(m, [g3, g4], placed);
        expect(placed!.find((p) => p.profile === g4)!.start).toBe(0);
        expect(placed!.find((p) => p.profile === g3)!.start).toBe(4);
        expect(layout(m, [g4, g4])).toBeNull();
        expect(layout(m, [g7, g1])).toBeNull();
      });

      it('3g+2g+1g+1g fits (NVIDIA example): the 3g must go to slices 4–7', () => {
        const asked = [g1, g2, g1, g3];
        const placed = layout(m, asked);
        expectValid(m, asked, placed);
        expect(placed!.find((p) => p.profile === g3)!.start).toBe(4);
      });

      it('2g+1g×5 fits, 2g×3+1g fits', () => {
        expectValid(m, [g2, ...times(5, g1)], layout(m, [g2, ...times(5, g1)]));
        expectValid(m, [...times(3, g2), g1], layout(m, [...times(3, g2), g1]));
      });

      it('mig-parted "all-balanced" (2×1g + 1×2g + 1×3g) fits', () => {
        const asked = [g1, g1, g2, g3];
        expectValid(m, asked, layout(m, asked));
      });

      it('more instances of a profile than its maximum do not fit', () => {
        expect(layout(m, [g4, g4])).toBeNull(); // 4g: max 1
        expect(layout(m, times(5, g1x2))).toBeNull(); // 1g.20gb-class: max 4
        expect(layout(m, times(3, g3))).toBeNull(); // 3g: max 2
        expect(layout(m, times(4, g2))).toBeNull(); // 2g: max 3
        expect(layout(m, [g7, g7])).toBeNull();
        expectValid(m, times(4, g1x2), layout(m, times(4, g1x2)));
        expectValid(m, times(3, g2), layout(m, times(3, g2)));
      });

      it('2g×3 + 1g.20gb-class fills all 8 slices (the 1g.20gb-class at start 6); one more 1g does not fit', () => {
        const asked = [...times(3, g2), g1x2];
        const placed = layout(m, asked);
        expectValid(m, asked, placed);
        expect(placed!.find((p) => p.profile === g1x2)!.start).toBe(6);
        expect(layout(m, [...asked, g1])).toBeNull();
      });
    });
});

describe('layout: A30 (4 memory slices)', () => {
  const a30 = MIG_MODELS.find((m) => m.family === 'A30')!;
  const g1 = prof(a30, 1);
  const g2 = prof(a30, 2);
  const g4 = prof(a30, 4);

  it('uses the documented ids and starts', () => {
    expect([g1, g2, g4].map((p) => [p.name, p.id, p.starts])).toEqual([
      ['1g.6gb', 14, [0, 1, 2, 3]],
      ['2g.12gb', 5, [0, 2]],
      ['4g.24gb', 0, [0]],
    ]);
  });

  it('1g×4 fits, 1g×5 does not', () => {
    expectValid(a30, times(4, g1), layout(a30, times(4, g1)));
    expect(layout(a30, times(5, g1))).toBeNull();
  });

  it('2g+2g fits, 2g+1g+1g fits, 2g×3 does not', () => {
    expectValid(a30, [g2, g2], layout(a30, [g2, g2]));
    expectValid(a30, [g1, g2, g1], layout(a30, [g1, g2, g1]));
    expect(layout(a30, times(3, g2))).toBeNull();
  });

  it('4g only alone', () => {
    expectValid(a30, [g4], layout(a30, [g4]));
    expect(layout(a30, [g4, g1])).toBeNull();
    expect(layout(a30, [g4, g2])).toBeNull();
    expect(layout(a30, [g4, g4])).toBeNull();
  });
});

describe('creationOrder: largest first (domain facts §2c: `-cgi 9,19,14,19` works, `19,19,14,9` fails)', () => {
  const h100 = MIG_MODELS.find((m) => m.family === 'H100-SXM')!;
  const byId = (id: number) => h100.migProfiles.find((p) => p.id === id)!;

  it('puts the 3g (id 9) before the 2g and the 1g instances, whatever order they are asked in', () => {
    const order = creationOrder([19, 19, 14, 9].map(byId)).map((p) => p.id);
    expect(order[0]).toBe(9);
    expect(order).toEqual([9, 14, 19, 19]);
    // every instance comes before every instance with fewer memory slices
    for (const m of MIG_MODELS) {
      const o = creationOrder([...m.migProfiles].reverse());
      for (let i = 1; i < o.length; i++)
        expect(o[i - 1]!.memorySlices).toBeGreaterThanOrEqual(o[i]!.memorySlices);
    }
  });

  it('does not reorder its input in place', () => {
    const asked = [19, 14, 9].map(byId);
    creationOrder(asked);
    expect(asked.map((p) => p.id)).toEqual([19, 14, 9]);
  });

  /**
   * A driver model consistent with S14: each `-cgi` instance takes the highest free allowed start. It
   * reproduces the documented failure of `19,19,14,9` and success of `9,19,14,19`.
   */
  function driverCreates(model: GpuModel, order: readonly MigProfileSpec[]): boolean {
    const used = new Array<boolean>(memorySlices(model)).fill(false);
    for (const p of order) {
      const free = p.starts.filter(
        (s) =>
          s + p.memorySlices <= used.length &&
          Array.from({ length: p.memorySlices }, (_, d) => used[s + d]).every((u) => !u),
      );
      if (free.length === 0) return false;
      const s = Math.max(...free);
      for (let d = 0; d < p.memorySlices; d++) used[s + d] = true;
    }
    return true;
  }

  it('the driver model reproduces the documented orders', () => {
    expect(driverCreates(h100, [19, 19, 14, 9].map(byId))).toBe(false);
    expect(driverCreates(h100, [9, 19, 14, 19].map(byId))).toBe(true);
  });

  it('creating in creationOrder succeeds under the driver model for every multiset that fits', () => {
    for (const model of MIG_MODELS) {
      let checked = 0;
      const rec = (from: number, acc: MigProfileSpec[]) => {
        if (acc.length > 0 && layout(model, acc)) {
          checked++;
          expect(driverCreates(model, creationOrder(acc)), acc.map((p) => p.name).join('+')).toBe(true);
        }
        if (acc.length === 8) return;
        for (let i = from; i < model.migProfiles.length; i++) rec(i, [...acc, model.migProfiles[i]!]);
      };
      rec(0, []);
      expect(checked, model.family).toBeGreaterThan(memorySlices(model) === 8 ? 50 : 5);
    }
  });
});

/** Brute force: try every start of every instance (in the given order), independent of layout(). */
function bruteForceFits(model: GpuModel, profiles: readonly MigProfileSpec[]): boolean {
  if (profiles.reduce((a, p) => a + p.compute, 0) > computeSlices(model)) return false;
  for (const p of model.migProfiles)
    if (profiles.filter((x) => x === p).length > p.maxInstances) return false;
  const slots = memorySlices(model);
  const used = new Array<boolean>(slots).fill(false);
  const rec = (k: number): boolean => {
    if (k === profiles.length) return true;
    const p = profiles[k]!;
    for (const s of p.starts) {
      if (s + p.memorySlices > slots) continue;
      const span = Array.from({ length: p.memorySlices }, (_, d) => s + d);
      if (span.some((x) => used[x])) continue;
      for (const x of span) used[x] = true;
      const ok = rec(k + 1);
      for (const x of span) used[x] = false;
      if (ok) return true;
    }
    return false;
  };
  return rec(0);
}

describe('layout = brute force on 500 seeded random multisets per 8-slice model', () => {
  for (const model of EIGHT_SLICE)
    it(model.family, () => {
      const r = rng(0x5eed + model.family.length * 7919 + model.memoryGiB);
      let fit = 0;
      let noFit = 0;
      for (let n = 0; n < 500; n++) {
        const count = 1 + Math.floor(r() * 8);
        const asked = Array.from(
          { length: count },
          () => model.migProfiles[Math.floor(r() * model.migProfiles.length)]!,
        );
        const expected = bruteForceFits(model, asked);
        const placed = layout(model, asked);
        expect(placed !== null, `#${n}: ${asked.map((p) => p.name).join('+')}`).toBe(expected);
        if (placed) {
          expectValid(model, asked, placed);
          fit++;
        } else noFit++;
      }
      // both outcomes are exercised
      expect(fit).toBeGreaterThan(50);
      expect(noFit).toBeGreaterThan(50);
    });
});
