/**
 * Ingestion is linear in its input (issue 12), proved by counting work, not by a clock: the stress inputs
 * of the bench (bench/inputs.ts, seeded) at three sizes S, 2S, 4S, each parsed and merged (ingestHosts)
 * under the work meter (test/helpers/work.ts). Linear work grows by the same amount per byte from 2S to 4S
 * as from S to 2S (a fixed cost cancels out); a step that scans a growing list per row, or re-reads the
 * text per line, grows twice as fast per byte. The bound, 1.25 × per byte (a second doubling costing less
 * than 2.5× the first), leaves room for rounding in the inputs' sizes and nothing for a quadratic term.
 * The time these inputs take is `npm run bench`'s business ("ingest: 16 MiB …").
 */
import { describe, expect, it } from 'vitest';
import { MIB, queryGpuCsv, STRESS_INPUTS, type StressInput } from '../bench/inputs.ts';
import { ingestHosts } from '../tools/ingest/index.ts';
import { MAX_GPUS } from '../tools/parsers/limits.ts';
import { countWork } from './helpers/work.ts';

const KIB = 1024;

/** Work per byte added from 2S to 4S, over work per byte added from S to 2S. */
function growth(input: StressInput, sizes: readonly number[]): { ratio: number; work: number[] } {
  const texts = sizes.map((b) => input.make(b, 1));
  const ingest = (content: string) => () => {
    ingestHosts([{ name: input.file, content }]);
  };
  for (const t of texts) ingest(t)(); // fill what is remembered across calls (compiled regexes, memos)
  const work = texts.map((t) => countWork(ingest(t)));
  const [b0, b1, b2] = texts.map((t) => t.length) as [number, number, number];
  const [w0, w1, w2] = work as [number, number, number];
  return { ratio: (w2 - w1) / (b2 - b1) / ((w1 - w0) / (b1 - b0)), work };
}

// first: the work meter patches built-ins, and V8 keeps some of them on its slow paths afterwards
describe('a 16 MiB query-gpu CSV (about 110,000 rows)', () => {
  it('is read in full, capped at the GPU limit with a warning', () => {
    const text = queryGpuCsv(16 * MIB, 1);
    expect(text.length).toBeLessThanOrEqual(16 * MIB);
    const rows = text.split('\n').length - 2;
    const { snapshots, rejected } = ingestHosts([{ name: 'q.csv', content: text }]);
    expect(rejected).toEqual([]);
    const [s] = snapshots;
    expect(s?.gpus).toHaveLength(MAX_GPUS);
    expect(s?.gpus.map((g) => g.index)).toEqual(Array.from({ length: MAX_GPUS }, (_, i) => i));
    expect(s?.sources[0]?.warnings).toEqual([
      `q.csv: ${rows} GPUs: only the first ${MAX_GPUS} are read (the limit)`,
    ]);
  });
});

describe('ingestion work grows linearly with the input', () => {
  for (const input of STRESS_INPUTS) {
    it(`${input.name}: 64, 128, 256 KiB`, () => {
      const { ratio, work } = growth(input, [64 * KIB, 128 * KIB, 256 * KIB]);
      expect(work[2]).toBeGreaterThan(work[1]!);
      expect(ratio).toBeLessThan(1.25);
    });
  }

  // past the caps (1,024 GPUs, 4,096 processes), where the rest is dropped: that must be cheap too
  for (const input of STRESS_INPUTS.filter((s) =>
    ['query-gpu.csv', 'query-gpu-loop.csv', 'apps.csv', 'q-procs.xml'].includes(s.file),
  )) {
    it(`${input.name}: 0.5, 1, 2 MiB`, () => {
      const { ratio } = growth(input, [MIB / 2, MIB, 2 * MIB]);
      expect(ratio).toBeLessThan(1.25);
    });
  }
});

describe('the work meter', () => {
  it('sees a quadratic step', () => {
    // a dedupe that scans the list kept so far, per element: what the merge did before it was indexed
    const quadratic = (n: number) => () => {
      const kept: number[] = [];
      for (let i = 0; i < n; i++) if (!kept.includes(i)) kept.push(i);
    };
    const [w0, w1, w2] = [1000, 2000, 4000].map((n) => countWork(quadratic(n))) as [number, number, number];
    expect((w2 - w1) / 2000 / ((w1 - w0) / 1000)).toBeGreaterThan(1.8);
  });

  it('restores the built-ins', () => {
    const before = String.prototype.indexOf;
    countWork(() => 'abc'.indexOf('c'));
    expect(String.prototype.indexOf).toBe(before);
    expect(countWork(() => 'abc'.indexOf('c'))).toBeGreaterThan(0);
  });
});
