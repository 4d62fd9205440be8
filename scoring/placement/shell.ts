/**
 * Shell safety of the plan's commands. Names, bus ids, mapping ids, host names and CPU lists come from the
 * inputs; every such value placed in a command goes through `shq`, and every command and explanation
 * through `oneLine`, so that a workload named `train$(curl …|sh)` stays a literal word and a name with a
 * newline cannot start a line of its own (e.g. forge a "Commands" block). Placeholders (`<…>`) are written
 * by the planner, never taken from the inputs.
 */

/** What a control character becomes (U+FFFD shows that the value was cleaned). */
export const REPLACEMENT = '\uFFFD';

// C0 (newline and tab included), DEL, C1, line / paragraph separators and the bidirectional controls that
// reorder what a reader sees (Unicode Bidi_Control), plus zero-width characters
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

/** Characters a POSIX shell word may hold without quoting. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One line: every run of control characters (newlines included) becomes U+FFFD. */
export function oneLine(s: string): string {
  return s.replace(CONTROL, REPLACEMENT);
}

/**
 * A value as one POSIX shell word: unchanged when it only has characters that need no quoting, else in
 * single quotes (a `'` inside becomes `'\''`). Control characters are replaced first, so the word is
 * always on one line.
 */
export function shq(value: string | number): string {
  const s = oneLine(String(value));
  if (SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
