/**
 * Small, pure text helpers shared by the parsers. Every helper is linear in its input and never throws
 * on odd text: it returns null for "unknown".
 */

/** Split into lines, accepting \n, \r\n and \r. */
export function lines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

const NULL_WORDS =
  /^\[?(n\/a|not supported|not available|not found|unknown|unknown error|insufficient permissions|gpu is lost|requested functionality has been deprecated|none|err!)\]?$/i;

/**
 * true when a cell means "no value": `N/A`, `[N/A]`, `[Not Supported]`, `Not Found`, `Unknown Error`,
 * `[Unknown Error]`, `Not Available`, `ERR!`, empty, `-`.
 */
export function isNullWord(s: string | undefined | null): boolean {
  if (s === undefined || s === null) return true;
  const t = s.trim();
  return t === '' || t === '-' || t === '--' || NULL_WORDS.test(t);
}

/**
 * First number in a cell such as `87321MiB`, `87321 MiB`, `62C`, `434.51 W`, `68 %`, `+45`.
 * Returns null for N/A-like cells or when there is no number.
 */
export function num(s: string | undefined | null): number | null {
  if (s === undefined || s === null) return null;
  const t = s.trim();
  // most cells start with a digit (`87321MiB`, `434.51 W`): no "no value" word or `inf`/`nan` does
  const fast = leadingNumberEnd(t, 0);
  if (fast > 0) return Number(t.slice(0, fast));
  if (isNullWord(t)) return null;
  if (NON_FINITE_WORD.test(t)) {
    if (/nan/i.test(t)) return Number.NaN;
    return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  const m = /[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/i.exec(t);
  if (!m) return null;
  // `1e309` is Infinity: returned as such, so that checkFragment (limits.ts) rejects it with a warning
  return Number(m[0]);
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Where the number `\d+(\.\d+)?` starting at `at` in `t` ends, when `t` has a digit there and no
 * exponent follows (`1e309`); otherwise -1, and the caller takes its regular expression. The number
 * found is the one `/[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/i` finds first in a text that starts with it.
 */
function leadingNumberEnd(t: string, at: number): number {
  if (!isDigit(t.charCodeAt(at))) return -1;
  let i = at + 1;
  while (isDigit(t.charCodeAt(i))) i++;
  if (t.charCodeAt(i) === 46 && isDigit(t.charCodeAt(i + 1))) {
    i += 2;
    while (isDigit(t.charCodeAt(i))) i++;
  }
  const e = t.charCodeAt(i) | 0x20;
  return e === 101 ? -1 : i; // `e`/`E`: an exponent may follow
}

/** `inf`, `-Infinity`, `NaN`: a number that is not one (kept so that checkFragment can name it). */
const NON_FINITE_WORD = /^[-+]?(?:inf(?:inity)?|nan)$/i;

/** Like num() but only for integers (a non-finite number is passed on, for checkFragment to reject). */
export function int(s: string | undefined | null): number | null {
  const v = num(s);
  if (v === null) return null;
  if (!Number.isFinite(v)) return v;
  return Number.isInteger(v) ? v : null;
}

const UNIT_TO_MIB: Record<string, number> = {
  b: 1 / (1024 * 1024),
  kib: 1 / 1024,
  kb: 1 / 1024,
  mib: 1,
  mb: 1,
  gib: 1024,
  gb: 1024,
  tib: 1024 * 1024,
  tb: 1024 * 1024,
};

/** A memory amount in MiB: `143771 MiB`, `80GB`, `1.5 GiB`; a bare number is taken as `defaultUnit`. */
export function mib(s: string | undefined | null, defaultUnit: 'mib' | 'gib' | 'kib' = 'mib'): number | null {
  if (s === undefined || s === null) return null;
  let value: number;
  let unit: string;
  const end = leadingNumberEnd(s, 0);
  const rest = end > 0 ? s.slice(end).trim().toLowerCase() : null;
  if (rest !== null && (rest === '' || Object.hasOwn(UNIT_TO_MIB, rest))) {
    // `143771 MiB`, `80GB`, `1.5 GiB`, `512`: a number at the start, then at most a unit
    value = Number(s.slice(0, end));
    unit = rest === '' ? defaultUnit : rest;
  } else {
    if (isNullWord(s)) return null;
    // the exponent belongs to the number: `1e309 MiB` is not 309 MiB
    const m = /([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*([kmgt]i?b|b)?\b/i.exec(s);
    if (!m) return null;
    value = Number(m[1]);
    unit = (m[2] ?? defaultUnit).toLowerCase();
  }
  const factor = UNIT_TO_MIB[unit];
  if (factor === undefined) return null;
  const v = value * factor;
  // non-finite values are passed on for checkFragment (limits.ts) to reject with a warning
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v;
}

/**
 * Normalise a PCI address to `dddd:bb:dd.f` lower case. Accepts `00000000:17:00.0` (nvidia-smi),
 * `0000:17:00.0`, `17:00.0`, and Proxmox forms without function (`0000:3d:00`, `3d:00`, → `.0`).
 */
export function normalizeBusId(s: string | undefined | null): string | null {
  if (!s) return null;
  const m = /^\s*(?:([0-9a-f]{1,8}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})(?:\.([0-7]))?\s*$/i.exec(s);
  if (!m) return null;
  const domain = (m[1] ?? '0')
    .toLowerCase()
    .replace(/^0+(?=.)/, '')
    .padStart(4, '0')
    .slice(-4);
  const bus = m[2]!.toLowerCase().padStart(2, '0');
  const dev = m[3]!.toLowerCase().padStart(2, '0');
  const fn = m[4] ?? '0';
  return `${domain}:${bus}:${dev}.${fn}`;
}

/** The largest CPU id we accept in a list (Linux allows up to 8192 by default; 65 535 leaves room). */
export const MAX_CPU_ID = 65_535;

/** CPU ids one input may expand in all (its CPU lists together), so `0-65535` × 4 000 stays cheap. */
export const MAX_CPU_IDS_PER_INPUT = 1 << 20;

/**
 * The CPU ids a parser may still expand for one input. Create one per parse and pass it to every
 * parseCpuList call; lists that would exceed it are left unknown and counted in `cut`.
 */
export class CpuBudget {
  left: number;
  /** lists not expanded because the budget was spent. */
  cut = 0;
  constructor(limit = MAX_CPU_IDS_PER_INPUT) {
    this.left = limit;
  }
  /** The warning for the lists left unknown, or null when none was cut. */
  warning(): string | null {
    return this.cut === 0
      ? null
      : `${this.cut} CPU list(s) left unknown: one input may hold at most ${MAX_CPU_IDS_PER_INPUT.toLocaleString('en-US')} CPU ids in all`;
  }
}

/**
 * Expand a cpuset list (`0-31,64-95`, `0,2,4`, `6 14 22`, `0-7,16-23`) into sorted unique ids.
 * Returns null for N/A-like or malformed lists, ids above MAX_CPU_ID, and lists the budget cannot pay
 * for. Linear in the text plus the ids returned (ranges are merged before they are expanded).
 */
export function parseCpuList(s: string | undefined | null, budget?: CpuBudget): number[] | null {
  if (isNullWord(s)) return null;
  const ranges: [number, number][] = [];
  for (const part of (s as string).trim().split(/[,\s;]+/)) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > MAX_CPU_ID) return null;
    ranges.push([a, b]);
  }
  if (ranges.length === 0) return null;
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  let count = 0;
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) {
      if (r[1] > last[1]) {
        count += r[1] - last[1];
        last[1] = r[1];
      }
    } else {
      merged.push([r[0], r[1]]);
      count += r[1] - r[0] + 1;
    }
  }
  if (budget) {
    if (count > budget.left) {
      budget.cut++;
      return null;
    }
    budget.left -= count;
  }
  const out = new Array<number>(count);
  let k = 0;
  for (const [a, b] of merged) for (let i = a; i <= b; i++) out[k++] = i;
  return out;
}

/** Compress CPU ids into a cpuset list (shared with the core). */
export { formatCpuList } from '../../scoring/cpuset.ts';

/** `Enabled`/`Disabled` (any case) → enum; anything else → null. */
export function enabledDisabled(s: string | undefined | null): 'enabled' | 'disabled' | null {
  if (!s) return null;
  const t = s.trim().toLowerCase();
  if (t === 'enabled' || t === 'enable' || t === 'on') return 'enabled';
  if (t === 'disabled' || t === 'disable' || t === 'off') return 'disabled';
  return null;
}

/** `Yes`/`No` → boolean; anything else → null. */
export function yesNo(s: string | undefined | null): boolean | null {
  if (!s) return null;
  const t = s.trim().toLowerCase();
  if (t === 'yes' || t === 'true') return true;
  if (t === 'no' || t === 'false') return false;
  return null;
}

/**
 * The text inside a `| … |` table line (nvidia-smi mig -lgi / -lgip), trimmed: the outer `|` borders
 * dropped (a missing closing border is accepted). null when the line does not start with `|`.
 */
export function cellText(line: string): string | null {
  const t = line.trim();
  if (!t.startsWith('|')) return null;
  const inner = t.endsWith('|') && t.length > 1 ? t.slice(1, -1) : t.slice(1);
  return inner.trim();
}

/** A value as printed, or null when it is missing or a "no value" word (see isNullWord). */
export function valueOrNull(s: string | null | undefined): string | null {
  return s === null || s === undefined || isNullWord(s) ? null : s;
}

/** The most warnings a parser reports for one input (see capWarnings). */
export const MAX_WARNINGS = 20;

/**
 * At most MAX_WARNINGS remarks, so a garbled file cannot produce thousands: past the limit, the first
 * MAX_WARNINGS - 1 and a last one counting the rest.
 */
export function capWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [
    ...warnings.slice(0, MAX_WARNINGS - 1),
    `… and ${warnings.length - MAX_WARNINGS + 1} more warnings`,
  ];
}

/** Head of a text for cheap format detection (detectors must not scan a whole 50 MB input). */
export function head(text: string, chars = 4096): string {
  return text.length <= chars ? text : text.slice(0, chars);
}

/**
 * C0 and C1 control characters (tab and newline included: a value is one line), DEL, and the Unicode
 * direction overrides (U+200E/F, U+202A–U+202E, U+2066–U+2069) that can make text read differently
 * from what it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` without control characters (see CONTROL_CHARS); a tab or line break becomes a space. */
export function stripControl(s: string): string {
  if (!hasControl(s)) return s;
  CONTROL_CHARS.lastIndex = 0;
  return s.replace(CONTROL_CHARS, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_TEST = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Whether `s` holds a CONTROL_CHARS character; a loop for the short strings most values are. */
function hasControl(s: string): boolean {
  if (s.length > 32) return CONTROL_TEST.test(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      c < 0x20 ||
      (c >= 0x7f &&
        (c <= 0x9f ||
          c === 0x200e ||
          c === 0x200f ||
          (c >= 0x202a && c <= 0x202e) ||
          (c >= 0x2066 && c <= 0x2069)))
    )
      return true;
  }
  return false;
}

/** An accepted range of a numeric field: `min`…`max`, optionally integers only. */
export interface Range {
  min: number;
  max: number;
  int?: boolean;
}

/**
 * Check a number against its range. Returns the number when it is finite, inside the range (and an
 * integer when the range says so); otherwise null, after `warn(why)` with a reason naming the value
 * and the range. The one range check every parser's values go through (limits.ts, checkFragment).
 */
export function checkRange(v: number, range: Range, warn: (why: string) => void): number | null {
  if (!Number.isFinite(v)) {
    warn(`${String(v)} is not a finite number`);
    return null;
  }
  if (v < range.min || v > range.max) {
    warn(`${v} is outside ${range.min}–${range.max}`);
    return null;
  }
  if (range.int && !Number.isInteger(v)) {
    warn(`${v} is not a whole number`);
    return null;
  }
  return v;
}
