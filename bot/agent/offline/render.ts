/**
 * The shape of every answer: the direct answer first (at most two lines), then about ten lines of support,
 * then at most one line on where to get more — unless the user asked for everything. Slack and Teams
 * markdown: short lines, `-` bullets, `code`; no tables.
 */
import type { Composed } from './answers/types.ts';

export const MAX_DIRECT = 2;
export const MAX_SUPPORT = 10;

/** "No: Every GPU …" reads "No: every GPU …" (a capitalised first word, not a name like GPU4 or VM). */
function afterPrefix(line: string): string {
  return line.replace(
    /^(Yes: |No: )([A-Z])(?=[a-z])/,
    (_m, p: string, c: string) => `${p}${c.toLowerCase()}`,
  );
}

export function render(c: Composed): string {
  const direct = c.direct.filter((l) => l.trim() !== '');
  const extra = direct.slice(MAX_DIRECT).map((l) => (l.startsWith('- ') ? l : `- ${l}`));
  const support = [...extra, ...c.support].filter((l) => l.trim() !== '');
  const shown = c.full ? support : support.slice(0, MAX_SUPPORT);
  const blocks = [direct.slice(0, MAX_DIRECT).map(afterPrefix).join('\n'), shown.join('\n'), c.more ?? ''];
  return blocks.filter((b) => b !== '').join('\n\n');
}
