import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenInputs, goldenOf, goldenPath, ROOT, SAMPLES, serialize } from './helpers/golden.ts';

describe('golden: sample in → expected JSON out', () => {
  for (const input of goldenInputs()) {
    it(input, () => {
      const path = goldenPath(input);
      expect(existsSync(path), `no golden for ${input}: run npm run goldens:update and review it`).toBe(true);
      expect(serialize(goldenOf(input))).toBe(readFileSync(path, 'utf8'));
    });
  }
});

describe('real fixtures', () => {
  const shared = join(ROOT, '../shared/fixtures/real');
  const list = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? list(p) : [p];
    });

  it.runIf(existsSync(shared))(
    'every file of ../shared/fixtures/real is copied unchanged into samples/real',
    () => {
      for (const rel of list(shared).map((p) => relative(shared, p))) {
        const copy = join(SAMPLES, 'real', rel);
        expect(existsSync(copy), `${rel} missing from samples/real`).toBe(true);
        expect(readFileSync(copy).equals(readFileSync(join(shared, rel))), `${rel} differs`).toBe(true);
      }
    },
  );

  it('every real output is parsed, or rejected with a specific reason (never "unknown format")', () => {
    const real = goldenInputs().filter((p) => p.startsWith('real/'));
    expect(real.length).toBeGreaterThan(80);
    for (const input of real) {
      const r = goldenOf(input);
      if ('rejected' in r) {
        expect(r.rejected.code, input).not.toBe('INPUT_UNKNOWN_FORMAT');
        expect(r.rejected.message.length, input).toBeGreaterThan(20);
      } else {
        expect('snapshot' in r, input).toBe(true);
        const snap = (r as { snapshot: unknown }).snapshot as {
          gpus: unknown[];
          cpu: { numaNodes: unknown[] };
          workloads: unknown[];
          processes: unknown[];
        };
        expect(
          snap.gpus.length + snap.cpu.numaNodes.length + snap.workloads.length + snap.processes.length,
          input,
        ).toBeGreaterThan(0);
      }
    }
  });
});
