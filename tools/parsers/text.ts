/**
 * Small, pure text helpers shared by the parsers. Every helper is linear in its input and never throws
 * on odd text: it returns null for "unknown".
 */

/** Split into lines, accepting \n, \r\n and \r. */
export function lines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

const NULL_WORDS =
  /^\[?(n\/a|not supported|not available|unknown|unknown error|insufficient permissions|gpu is lost|requested functionality has been deprecated|none)\]?$/i;

/** true when a cell means "no value": `N/A`, `[N/A]`, `[Not Supported]`, `Unknown Error`, empty, `-`. */
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
  if (isNullWord(s)) return null;
  const m = /[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/i.exec(s as string);
  if (!m) return null;
  const v = Number(m[0]);
  return Number.isFinite(v) ? v : null;
}

/** Like num() but only for integers. */
export function int(s: string | undefined | null): number | null {
  const v = num(s);
  return v === null || !Number.isInteger(v) ? null : v;
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
  if (isNullWord(s)) return null;
  const m = /([-+]?\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\b/i.exec(s as string);
  if (!m) return null;
  const unit = (m[2] ?? defaultUnit).toLowerCase();
  const factor = UNIT_TO_MIB[unit];
  if (factor === undefined) return null;
  const v = Number(m[1]) * factor;
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null;
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

/** The largest CPU id we accept in a list; protects against `0-999999999` exhausting memory. */
export const MAX_CPU_ID = 1 << 16;

/**
 * Expand a cpuset list (`0-31,64-95`, `0,2,4`, `6 14 22`, `0-7,16-23`) into sorted unique ids.
 * Returns null for N/A-like or malformed lists.
 */
export function parseCpuList(s: string | undefined | null): number[] | null {
  if (isNullWord(s)) return null;
  const out = new Set<number>();
  for (const part of (s as string).trim().split(/[,\s;]+/)) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > MAX_CPU_ID) return null;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out.size === 0 ? null : [...out].sort((x, y) => x - y);
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
