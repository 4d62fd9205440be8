/**
 * Text from the inputs (host, VM and workload names, GPU product names, process names, CPU lists, file
 * names) is copied into everything InfraLens renders: the terminal report, the PDF and chat replies. This
 * module makes such text safe to show. Pure: strings in, strings out.
 *
 * - Control characters are replaced by U+FFFD (one per run), so a cleaned value shows that it was cleaned:
 *   C0 (U+0000–U+001F) except tab and newline where the format allows them, DEL (U+007F), C1
 *   (U+0080–U+009F), and the bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
 *   U+2066–U+2069) that reorder what a reader sees. CRLF counts as a newline; U+2028/U+2029 are newlines.
 * - `safeInline` is for single-line fields (a name, a table cell, an evidence line): newlines and tabs
 *   become one space, so a name cannot start a line of its own (e.g. forge a "Commands" block).
 * - A value longer than `maxLen` characters (code points) is cut and ends with `…`.
 */

/** What a removed control character becomes (the PDF font has no glyph for it: the PDF draws `?`). */
export const REPLACEMENT = '\uFFFD';
/** What a cut value ends with. */
export const ELLIPSIS = '…';

/** The longest a field of a report may be, in characters (README: "The PDF report"). */
export const FIELD_LIMITS = {
  /** host, VM, workload, GPU product and file names. */
  name: 128,
  /** one line: a title, an evidence line, a table cell, a list item. */
  line: 500,
  /** a paragraph: a finding's detail and recommendation, a command. */
  detail: 2000,
} as const;

// C0 without tab and newline, DEL, C1, and the bidi controls (Unicode property Bidi_Control)
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;
const NEWLINES = /\r\n|[\u2028\u2029]/g;
const INLINE_BREAKS = /[ \t]*[\n\t][ \t\n]*/g;

/** Cut `s` to at most `maxLen` characters (code points, so a surrogate pair is never split), ending with `…`. */
export function clip(s: string, maxLen: number): string {
  if (s.length <= maxLen) return s; // UTF-16 length ≥ code points: nothing to cut
  const chars = Array.from(s);
  if (chars.length <= maxLen) return s;
  if (maxLen <= 0) return '';
  return `${chars.slice(0, maxLen - 1).join('')}${ELLIPSIS}`;
}

/** Multi-line text: control characters replaced (newline and tab kept), cut at `maxLen` with `…`. */
export function safeText(s: string, maxLen?: number): string {
  const out = s.replace(NEWLINES, '\n').replace(CONTROL, REPLACEMENT);
  return maxLen === undefined ? out : clip(out, maxLen);
}

/** A single-line field: as `safeText`, and newlines and tabs become one space. */
export function safeInline(s: string, maxLen?: number): string {
  const out = safeText(s).replace(INLINE_BREAKS, ' ');
  return maxLen === undefined ? out : clip(out, maxLen);
}

/** Whether a single-line field is shown as it is (no control character, newline or tab in it). */
export function isInline(s: string): boolean {
  return safeInline(s) === s;
}

/**
 * Names (hosts, workloads, GPU models) are copied into titles, details and evidence by the rules: write
 * every occurrence of each name that is not already a safe, short line as `safeInline(name, maxLen)`, in
 * every string of `value`, so a name is cut and kept on one line wherever it appears.
 */
export function inlineNames<T>(value: T, names: Iterable<string | null | undefined>, maxLen?: number): T {
  const swaps = new Map<string, string>();
  for (const n of names)
    if (n && n.length > 1 && !swaps.has(n)) {
      const safe = safeInline(n, maxLen);
      if (safe !== n) swaps.set(n, safe);
    }
  if (swaps.size === 0) return value;
  const order = [...swaps].sort((a, b) => b[0].length - a[0].length); // longest first
  return mapStrings(value, (s) => {
    let out = s;
    for (const [n, safe] of order) if (out.includes(n)) out = out.split(n).join(safe);
    return out;
  });
}

/**
 * Apply `f` to every string of a value: arrays and plain objects are copied, numbers, booleans, null and
 * anything else (byte arrays, dates) are kept as they are. Object keys are kept.
 */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
