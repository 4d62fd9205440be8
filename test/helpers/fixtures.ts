/**
 * What every parser test (test/parsers/*.test.ts) shares: the real samples under samples/real, InputError
 * assertions, a deterministic noise generator, and two builders that register the cases every parser
 * must pass (CONTRIBUTING.md, "adding an input format"):
 *
 * - `describeDetectIsolation`: `detect < 0.5` on every real sample that is not the parser's own
 *   (optionally `detect ≥ x` on its own);
 * - `describeRobustness`: empty, binary, another command's output, its own output cut short, a few MB of
 *   noise and the parser's odd inputs → `InputError` or a result, never another exception, quickly.
 *
 * Parser-specific cases (exact error codes and messages, synthetic inputs) stay in the parser's file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, InputError } from '../../tools/errors.ts';
import type { ParseHint, Parser } from '../../tools/parsers/types.ts';

/** Absolute path of samples/real/, with a trailing separator. */
export const REAL_DIR = fileURLToPath(new URL('../../samples/real/', import.meta.url));

let allReal: string[] | undefined;

function walk(dir: string, prefix: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`, out);
    else out.push(`${prefix}${name}`);
  }
  return out;
}

/**
 * Every file under samples/real, as sorted `/`-separated paths relative to it (`topo/….txt`). The
 * Markdown notes (SOURCES.md) are left out unless `docs` is set: they are not command outputs, but a
 * detector must not claim them either.
 */
export function realFiles(options: { docs?: boolean } = {}): string[] {
  allReal ??= walk(REAL_DIR, '', []).sort();
  return options.docs ? [...allReal] : allReal.filter((rel) => !rel.endsWith('.md'));
}

const texts = new Map<string, string>();

/** The text of samples/real/`rel` (read once per test file). */
export function readReal(rel: string): string {
  let text = texts.get(rel);
  if (text === undefined) {
    text = readFileSync(join(REAL_DIR, rel), 'utf8');
    texts.set(rel, text);
  }
  return text;
}

/** Runs `fn`, which must throw an InputError (with `code` when given); returns the error. */
export function inputError(fn: () => unknown, code?: ErrorCode): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    if (code !== undefined) expect((e as InputError).code).toBe(code);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

/** 'ok' when `fn` returns, else the InputError code; any other exception fails the test. */
export function outcome(fn: () => unknown): 'ok' | ErrorCode {
  try {
    fn();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).code;
  }
}

/** A deterministic pseudo-random generator (the classic `rand()` LCG): 31-bit non-negative integers. */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s;
  };
}

/**
 * Deterministic noise of at least `length` characters: pieces of `alphabet` (characters of a string, or
 * tokens) picked by `lcg(seed)`, or by a generator passed in to continue its sequence.
 */
export function noise(
  length: number,
  alphabet: string | readonly string[],
  seed: number | (() => number),
): string {
  const rnd = typeof seed === 'number' ? lcg(seed) : seed;
  const parts: string[] = [];
  let len = 0;
  while (len < length) {
    const piece = alphabet[rnd() % alphabet.length]!;
    parts.push(piece);
    len += piece.length;
  }
  return parts.join('');
}

/** A noise alphabet for line-oriented text formats (table borders, numbers, GPU/MIG/node words). */
export const TEXT_NOISE_ALPHABET = 'abcdefGPU0123456789 |:/.-+=\t\n()MIGnodecpus';

/** The 256 code points U+0000–U+00FF, as an alphabet for `noise()`: bytes read as latin-1. */
export const BYTE_ALPHABET = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

/** Blank inputs: every parser throws INPUT_EMPTY. */
export const BLANK_SAMPLES: readonly string[] = ['', '  \n\t\n', '  \n\n ', '  \n\n', '\n \n'];

/** Binary inputs: every parser detects 0 and throws an InputError. */
export const BINARY_SAMPLES: readonly string[] = [
  String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)),
  '\u0000\u0001\u0002\uFFFD binary \u0007'.repeat(100),
  '\u0000\u0001\u0002PK\u0003\u0004\u00ff\u00fe',
  '\u0000\u0001\u0002PK\u0003\u0004\u00ff',
  '\u0000\u0001\u0002ELF\u0000\u0000',
  '\u0000\u0001ELF\u0000',
  '\u0000\u0001\u00ff\ufffd binary',
  '\u0000\u0001binary\u00ff',
  '\u0000\u0001binary',
  '\u0000\u0001\u0002',
];

/** One parser, or several that share their test inputs (smi-csv and smi-apps-csv). */
export type Parsers = Parser | readonly Parser[];

function asList(parsers: Parsers): readonly Parser[] {
  return 'detect' in parsers ? [parsers] : parsers;
}

function ids(parsers: readonly Parser[]): string {
  return parsers.map((p) => p.id).join(' + ');
}

export interface DetectIsolationOptions {
  /**
   * The parser's own real samples, left out of the `< threshold` check: a list of paths relative to
   * samples/real (each must exist) or a predicate. None by default.
   */
  own?: readonly string[] | ((rel: string) => boolean);
  /** When set, `detect ≥ recognise` on each own sample (a number, or one per path). */
  recognise?: number | ((rel: string) => number);
  /** `detect` must stay below this on every other sample; 0.5 by default. */
  threshold?: number;
  /** There must be more than this many other samples; 0 by default. */
  minOthers?: number;
}

/**
 * Registers `<ids>: detect on the real samples`: one test per file under samples/real (SOURCES.md
 * included) that is not the parser's own, asserting `detect < threshold` for every parser given; and, with
 * `recognise`, one test per own sample.
 */
export function describeDetectIsolation(parsers: Parsers, options: DetectIsolationOptions = {}): void {
  const list = asList(parsers);
  const { own = [], recognise, threshold = 0.5, minOthers = 0 } = options;
  const all = realFiles({ docs: true });
  let isOwn: (rel: string) => boolean;
  if (typeof own === 'function') isOwn = own;
  else {
    const missing = own.filter((rel) => !all.includes(rel));
    if (missing.length > 0)
      throw new Error(`own samples not found under samples/real: ${missing.join(', ')}`);
    isOwn = (rel) => own.includes(rel);
  }
  const mine = all.filter(isOwn);
  const others = all.filter((rel) => !isOwn(rel));

  describe(`${ids(list)}: detect on the real samples`, () => {
    it(`has more than ${minOthers} other samples to check`, () => {
      expect(others.length).toBeGreaterThan(minOthers);
    });

    if (recognise !== undefined) {
      it.each(mine)('recognises %s', (rel) => {
        const min = typeof recognise === 'number' ? recognise : recognise(rel);
        for (const p of list) expect(p.detect(readReal(rel)), p.id).toBeGreaterThanOrEqual(min);
      });
    }

    it.each(others)(`detect < ${threshold} on %s`, (rel) => {
      for (const p of list) expect(p.detect(readReal(rel)), p.id).toBeLessThan(threshold);
    });
  });
}

/** Another command's output, by its path under samples/real; with `code`, the InputError code expected. */
export type ForeignSample = string | { rel: string; code: ErrorCode };

export interface RobustnessOptions {
  /** passed to every `parse` call. */
  hint?: ParseHint;
  /** with it, binary input must throw this code. */
  binaryCode?: ErrorCode;
  /** other commands' real outputs: `detect < 0.5`, and `parse` throws an InputError. */
  foreign?: readonly ForeignSample[];
  /** a valid input of the format, cut at ¼, ½ and ¾ of its length: InputError or a result. */
  truncated?: string;
  /**
   * ~`length` characters (5 000 000 by default) of `noise(length, alphabet, seed)`; the alphabet is
   * TEXT_NOISE_ALPHABET by default.
   */
  noise?: { seed: number; alphabet?: string | readonly string[]; length?: number };
  /** the parser's own odd inputs, by label (a function is called when its test runs). */
  odd?: Readonly<Record<string, string | (() => string)>>;
  /** with it, the noise and odd inputs may only end in a result or one of these InputError codes. */
  codes?: readonly ErrorCode[];
  /** time limit for detect + parse of one noise or odd input, in ms; 3000 by default. */
  maxMs?: number;
  /** with it, the noise and odd inputs together must take less than this, in ms. */
  maxTotalMs?: number;
}

/**
 * Registers `<ids>: robustness`, for every parser given:
 * - blank input (BLANK_SAMPLES): `detect('')` is 0, `parse` throws INPUT_EMPTY;
 * - binary input (BINARY_SAMPLES): `detect` is 0, `parse` throws an InputError (`binaryCode`);
 * - each `foreign` sample: `detect < 0.5`, `parse` throws an InputError (its `code`);
 * - `truncated` cut short, `noise` and each `odd` input: `detect` in [0, 1] and `parse` returns or
 *   throws an InputError (one of `codes`), within `maxMs` (and `maxTotalMs` for noise + odd together).
 */
export function describeRobustness(parsers: Parsers, options: RobustnessOptions = {}): void {
  const list = asList(parsers);
  const { hint, binaryCode, foreign = [], truncated, codes, maxMs = 3000, maxTotalMs } = options;
  const parse = (p: Parser, text: string) => (hint === undefined ? p.parse(text) : p.parse(text, hint));

  /** detect in [0, 1]; parse returns or throws an allowed InputError; both within maxMs. */
  const survives = (text: string, allowed?: readonly ErrorCode[]): number => {
    let total = 0;
    for (const p of list) {
      const t0 = performance.now();
      const d = p.detect(text);
      expect(d, p.id).toBeGreaterThanOrEqual(0);
      expect(d, p.id).toBeLessThanOrEqual(1);
      const result = outcome(() => parse(p, text));
      if (allowed !== undefined) expect(['ok', ...allowed], p.id).toContain(result);
      const ms = performance.now() - t0;
      expect(ms, p.id).toBeLessThan(maxMs);
      total += ms;
    }
    return total;
  };

  const garbage: [string, string | (() => string)][] = [];
  if (options.noise) {
    const { seed, alphabet = TEXT_NOISE_ALPHABET, length = 5_000_000 } = options.noise;
    garbage.push([`~${Math.round(length / 1e6)} MB of random text`, () => noise(length, alphabet, seed)]);
  }
  garbage.push(...Object.entries(options.odd ?? {}));

  describe(`${ids(list)}: robustness`, () => {
    it('blank input: detect 0, INPUT_EMPTY', () => {
      for (const p of list) {
        expect(p.detect(''), p.id).toBe(0);
        for (const text of BLANK_SAMPLES) {
          expect(p.detect(text), p.id).toBeLessThan(0.5);
          inputError(() => parse(p, text), 'INPUT_EMPTY');
        }
      }
    });

    it('binary garbage: detect 0, InputError', () => {
      for (const p of list) {
        for (const text of BINARY_SAMPLES) {
          expect(p.detect(text), p.id).toBe(0);
          inputError(() => parse(p, text), binaryCode);
        }
      }
    });

    for (const sample of foreign) {
      const { rel, code } = typeof sample === 'string' ? { rel: sample, code: undefined } : sample;
      it(`another command's output (${rel}): detect < 0.5, InputError`, () => {
        const text = readReal(rel);
        for (const p of list) {
          expect(p.detect(text), p.id).toBeLessThan(0.5);
          inputError(() => parse(p, text), code);
        }
      });
    }

    if (truncated !== undefined) {
      it('its own output cut short: InputError or a result, quickly', () => {
        for (const k of [1, 2, 3]) survives(truncated.slice(0, Math.floor((truncated.length * k) / 4)));
      });
    }

    let garbageMs = 0;
    for (const [label, input] of garbage) {
      it(`${label}: InputError or a result, quickly`, () => {
        garbageMs += survives(typeof input === 'function' ? input() : input, codes);
      });
    }

    if (maxTotalMs !== undefined) {
      it(`the noise and odd inputs above take less than ${maxTotalMs} ms together`, () => {
        expect(garbageMs).toBeLessThan(maxTotalMs);
      });
    }
  });
}
