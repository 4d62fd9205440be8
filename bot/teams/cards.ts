/**
 * A turn's reply as Microsoft Teams messages: Adaptive Cards 1.5 (what Teams renders), the twin of
 * bot/slack/blocks.ts. The answer first (its first line answers the question), the notes, the findings as a
 * compact list (severity, title, evidence), the plan with the before → after score the tool computed, the
 * commands verbatim in monospace, and the buttons (Action.Submit, parsed back by `cardAction`). Pure: a Reply
 * in, OutMessages out (the PDF is added by the caller).
 *
 * Markdown: TextBlocks render a subset (`**bold**`, `_italic_`, `- ` and `1. ` lists, `[label](url)`); no
 * headings, code or quotes. The core's markdown goes through Slack's converter (`mrkdwn`, one tested
 * CommonMark reading) and then `toTeamsMarkdown`, which also reads the shared chat texts (Slack mrkdwn:
 * `*bold*`, `<url|label>`, `&lt;`). Every character that is not our own markup is escaped, so a host or
 * process name (`*x*`, `[y](https://…)`) shows as written: names of the reply's hosts and workloads are
 * kept whole through the conversion, and fields we place ourselves are escaped before they are written.
 * Commands and code are shown verbatim: a TextBlock when nothing in them is markdown, else a RichTextBlock
 * (its TextRuns are never read as markdown), so what is copied is what the plan says.
 *
 * Size: a Teams message carries about 28 KB; each card here is at most 24,000 bytes of JSON and a reply at
 * most 20 cards (a send job holds 50 messages, the PDF included); past that the last card says the rest is
 * in the PDF report.
 */

import type { OutMessage, TurnJob } from '../../jobs/queue/contracts.ts';
import type { Finding, Severity } from '../../scoring/findings.ts';
import type { Lang } from '../../scoring/report.ts';
import { clip, safeInline, safeText } from '../../scoring/text-safety.ts';
import type { GeneratePlacementResult } from '../../tools/agent/tools/generate-placement.ts';
import { stays } from '../agent/offline/answers/common.ts';
import { gpuList } from '../agent/offline/text.ts';
import type { Reply } from '../conversation/reply.ts';
import { mrkdwn } from '../slack/blocks.ts';

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

export const CARD_LIMITS = {
  /** one card's JSON, UTF-8 bytes (Teams refuses a message past about 28 KB). */
  cardBytes: 24_000,
  /** one element's text, JSON bytes: a card always holds a few of them and the buttons. */
  textBytes: 8_000,
  /** cards of one reply; past this the rest is left to the PDF report (and said so). */
  messages: 20,
  /** the fallback `text` of a message (the first line's characters, escaped), characters. */
  fallbackText: 1000,
  /** the host an Action.Submit carries (TurnJob.host allows 200). */
  host: 200,
  /** a finding's title or evidence line, characters. */
  line: 500,
} as const;

/** The buttons: Action.Submit `data.infralens` values, each the intent of the turn it starts. */
export const CARD_ACTIONS = ['plan', 'commands', 'report', 'recheck'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

export interface CardElement {
  type: string;
  [key: string]: unknown;
}

export type AdaptiveCard = {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: CardElement[];
  actions?: CardElement[];
  /** Teams: use the whole width of the conversation (commands are long). */
  msteams: { width: 'Full' };
};

type Message = Extract<OutMessage, { kind: 'message' }>;
type Command = GeneratePlacementResult['commands'][number];
type Move = GeneratePlacementResult['moves'][number];

// ---------------------------------------------------------------------------------------------------------
// escaping

const isWord = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const isSpace = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n';
const isAsciiPunct = (c: string | undefined) => c !== undefined && /[!-/:-@[-`{-~]/.test(c);

/**
 * Text as Teams markdown that shows exactly these characters, with as few backslashes as that takes (some
 * mobile clients show them): `*`, `~` and `` ` `` escaped; `_` unless inside a word (never emphasis there);
 * `]` before `(` (it would end a link's label); `\` before punctuation or at the end (it would escape what
 * follows); `{{` broken so it cannot call DATE()/TIME(). `followedBy` is the character written after `s`:
 * '' for none (the end of the text), null when not known (escape as if it could be anything).
 */
export function escapeMarkdown(s: string, followedBy: string | null = ''): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = i + 1 < s.length ? s[i + 1]! : followedBy;
    if (c === '*' || c === '~' || c === '`') out += `\\${c}`;
    else if (
      (c === ']' && (next === null || next === '(')) ||
      (c === '\\' && (next === null || next === '' || isAsciiPunct(next)))
    )
      out += `\\${c}`;
    else if (c === '_' && !(isWord(s[i - 1]) && isWord(next ?? undefined))) out += '\\_';
    else if (c === '{' && (next === '{' || next === null)) out += '{\u200b';
    else out += c;
  }
  return out;
}

/**
 * A line that would start a list, heading, quote or rule where it should be a paragraph: its start escaped
 * (only when it would: `-59%` or `1.5×` stay as they are).
 */
function lineStart(md: string): string {
  const t = md.trimStart();
  if (/^(?:[+\-*](?:\s|$)|#{1,6}(?:\s|$)|>|[-=]{3,}\s*$)/.test(t)) return `\\${t}`;
  const n = /^(\d{1,9})[.)](?:\s|$)/.exec(t);
  return n ? `${n[1]}\\${t.slice(n[1]!.length)}` : t;
}

/** Nothing in the line is markdown: a TextBlock shows it as it is. */
function verbatim(line: string): boolean {
  return (
    line !== '' &&
    !/^\s/.test(line) &&
    lineStart(line) === line &&
    !/[\\*_~`[\]&<]|\{\{/.test(line) &&
    !/^[-=]+\s*$/.test(line)
  );
}

// names from the inputs, kept whole through the markdown conversion as private-use placeholders
const PUA_FIRST = 0xe000;
const PUA_MAX = 0x1000;
const PUA = /[\ue000-\uefff]/;

interface Names {
  list: readonly string[];
}
const NO_NAMES: Names = { list: [] };

/**
 * Each placeholder back to its name: escaped for markdown (`followedBy` as in `escapeMarkdown`), or raw
 * for verbatim and plain text.
 */
function restore(s: string, names: Names, markdown: boolean, followedBy: string | null = ''): string {
  const parts: string[] = []; // text, name, text, name, …, text
  let from = 0;
  if (names.list.length > 0)
    for (let i = 0; i < s.length; i++) {
      const k = s.charCodeAt(i) - PUA_FIRST;
      if (k < 0 || k >= names.list.length) continue;
      parts.push(s.slice(from, i), names.list[k]!);
      from = i + 1;
    }
  parts.push(s.slice(from));
  if (!markdown) return parts.join('');
  // right to left, so that each piece knows the character that follows it
  let out = '';
  let next = followedBy;
  for (let k = parts.length - 1; k >= 0; k--) {
    const e = escapeMarkdown(parts[k]!, next);
    out = e + out;
    if (e !== '') next = e[0]!;
  }
  return out;
}

/** The names worth protecting (they hold a markdown character) replaced by placeholders, longest first. */
function protect(text: string, names: Iterable<string | null | undefined>): { text: string; names: Names } {
  if (PUA.test(text)) return { text, names: NO_NAMES };
  const list = [
    ...new Set(
      [...names].filter(
        (n): n is string => !!n && n.length > 1 && escapeMarkdown(n) !== n && text.includes(n),
      ),
    ),
  ]
    .sort((a, b) => b.length - a.length)
    .slice(0, PUA_MAX);
  let out = text;
  list.forEach((n, k) => {
    out = out.split(n).join(String.fromCharCode(PUA_FIRST + k));
  });
  return { text: out, names: { list } };
}

// ---------------------------------------------------------------------------------------------------------
// chat text (Slack mrkdwn, the core's markdown after `mrkdwn`) → Teams markdown

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot);/g, (e) => ENTITIES[e]!);
/** Slack's converter breaks ``` inside code with a zero-width space: put it back for the verbatim copy. */
const unbreakFence = (s: string) => s.replaceAll('``\u200b`', '```');

const SAFE_URL = /^(?:https?:\/\/|mailto:)[^\s<>|]+$/i;
const SLACK_LINK = /^<((?:https?:\/\/|mailto:)[^\s<>|]{1,2048})(?:\|([^<>\n]{0,1000}))?>/i;
const MD_LINK = /^\[([^[\]\n]{0,1000})\]\(((?:https?:\/\/|mailto:)[^\s()<>]{1,2048})\)/i;

/** A URL as a markdown link destination: no space or parenthesis can end it early. */
const linkUrl = (u: string) => u.replace(/[()\s]/g, (c) => encodeURIComponent(c));

type Tok =
  | { kind: 'text'; s: string }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'delim'; ch: '*' | '_' | '~'; open: boolean; close: boolean; pair: boolean };

const OPENERS_SEARCH = 32;

function tokens(line: string): Tok[] {
  const out: Tok[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') out.push({ kind: 'text', s: text });
    text = '';
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length && /[!-/:-@[-`{-~]/.test(line[i + 1]!)) {
      text += line[i + 1];
      i += 2;
      continue;
    }
    if (c === '&') {
      const m = /^&(?:amp|lt|gt|quot);/.exec(line.slice(i, i + 6));
      if (m) {
        text += ENTITIES[m[0]];
        i += m[0].length;
        continue;
      }
    }
    if (c === '`') {
      const j = line.indexOf('`', i + 1);
      if (j > i + 1) {
        text += unbreakFence(decode(line.slice(i + 1, j)));
        i = j + 1;
        continue;
      }
    }
    if (c === '<' || c === '[') {
      const rest = line.slice(i, i + 3100);
      const m = c === '<' ? SLACK_LINK.exec(rest) : MD_LINK.exec(rest);
      if (m) {
        const url = decode(c === '<' ? m[1]! : m[2]!);
        const label = decode(c === '<' ? (m[2] ?? '') : m[1]!).replaceAll('`', '');
        if (SAFE_URL.test(url)) {
          flush();
          out.push({ kind: 'link', label: label.trim() === '' ? url : label, url });
          i += m[0].length;
          continue;
        }
      }
    }
    if (c === '*' || c === '_' || c === '~') {
      let j = i;
      while (line[j] === c) j++;
      const before = i > 0 ? line[i - 1] : undefined;
      const after = line[j];
      // a single marker, not inside a word (`snake_case` is a name, not emphasis)
      if (j - i === 1 && !(isWord(before) && isWord(after))) {
        flush();
        out.push({
          kind: 'delim',
          ch: c,
          open: !isSpace(after) && !isWord(before),
          close: !isSpace(before) && !isWord(after),
          pair: false,
        });
      } else text += line.slice(i, j);
      i = j;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  // a closer takes the nearest opener of the same character; markers between them stay literal
  const stack: Extract<Tok, { kind: 'delim' }>[] = [];
  for (const t of out) {
    if (t.kind !== 'delim') continue;
    let matched = false;
    if (t.close)
      for (let k = stack.length - 1; k >= 0 && k >= stack.length - OPENERS_SEARCH; k--) {
        if (stack[k]!.ch !== t.ch) continue;
        stack[k]!.pair = true;
        t.pair = true;
        stack.length = k;
        matched = true;
        break;
      }
    if (!matched && t.open) stack.push(t);
  }
  return out;
}

/** One line of chat text as Teams markdown (or, `plain`, as the characters it shows). */
function inline(line: string, names: Names, plain: boolean): string {
  const toks = tokens(line);
  // right to left, so that each piece of text knows the character that follows it
  let out = '';
  let next: string | null = '';
  for (let k = toks.length - 1; k >= 0; k--) {
    const t = toks[k]!;
    let piece: string;
    if (t.kind === 'text') piece = restore(t.s, names, !plain, next);
    else if (t.kind === 'link') {
      const label = t.label.replace(/[[\]]/g, '');
      piece = plain
        ? restore(t.label, names, false)
        : `[${restore(label, names, true, ']')}](${linkUrl(t.url)})`;
    } else if (!t.pair) piece = plain ? t.ch : `\\${t.ch}`;
    else piece = plain ? '' : t.ch === '*' ? '**' : t.ch === '_' ? '_' : ''; // no strikethrough in cards
    out = piece + out;
    if (piece !== '') next = piece[0]!;
  }
  return out;
}

/**
 * One line of chat text — Slack mrkdwn as bot/slack/texts.ts writes it (`*bold*`, `_italic_`, `` `code` ``,
 * `<url|label>`, `&amp;`/`&lt;`/`&gt;`), also `[label](url)` and backslash escapes — as the Markdown of a
 * Teams TextBlock: `**bold**`, `_italic_`, `[label](url)` (http, https, mailto only), code as its text,
 * everything else escaped.
 */
export function toTeamsMarkdown(line: string): string {
  return inline(safeInline(line), NO_NAMES, false);
}

/** One line of chat text as the plain characters it shows (the notification fallback). */
export function toPlainText(line: string): string {
  return inline(safeInline(line), NO_NAMES, true);
}

// ---------------------------------------------------------------------------------------------------------
// sizes

/** The bytes a character adds to a JSON string (UTF-8; `"`, `\` and control characters escaped). */
function charBytes(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2;
  if (code < 0x20) return code === 0x0a || code === 0x09 ? 2 : 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2; // half of a 4-byte pair
  return 3;
}

export const jsonBytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x), 'utf8');

/** The end of the longest piece of `s` from `at` that fits `max` JSON bytes (never splitting a pair). */
function fitEnd(s: string, at: number, max: number): number {
  let end = at;
  let size = 0;
  while (end < s.length) {
    const b = charBytes(s.charCodeAt(end));
    if (size + b > max) break;
    size += b;
    end++;
  }
  if (end < s.length && end > at + 1) {
    const c = s.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
  }
  return Math.max(end, at + 1);
}

/** `s` cut into pieces of at most `max` JSON bytes, exactly (the pieces join back into `s`). */
function hardSplit(s: string, max: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < s.length; ) {
    const end = fitEnd(s, at, max);
    out.push(s.slice(at, end));
    at = end;
  }
  return out;
}

/**
 * Teams markdown cut into pieces of at most `max` JSON bytes, at a line break (lists stay lists), else a
 * space, else anywhere that does not split an escape; a piece that starts mid-line is a paragraph.
 */
function splitMarkdown(s: string, max: number): string[] {
  const out: string[] = [];
  let at = 0;
  let midLine = false;
  while (at < s.length) {
    let end = fitEnd(s, at, max);
    const piece = (to: number) => (midLine ? lineStart(s.slice(at, to)) : s.slice(at, to));
    if (end >= s.length) {
      out.push(piece(s.length));
      break;
    }
    const nl = s.lastIndexOf('\n', end);
    if (nl > at) {
      out.push(piece(nl));
      at = nl + 1;
      midLine = false;
      continue;
    }
    const sp = s.lastIndexOf(' ', end);
    if (sp > at) {
      out.push(piece(sp));
      at = sp + 1;
      midLine = true;
      continue;
    }
    let bs = 0;
    while (end - 1 - bs >= at && s[end - 1 - bs] === '\\') bs++;
    if (bs % 2 === 1 && end - 1 > at) end--;
    out.push(piece(end));
    at = end;
    midLine = true;
  }
  return out.filter((p) => p.trim() !== '');
}

// ---------------------------------------------------------------------------------------------------------
// elements

type Spacing = 'None' | 'Small' | 'Default' | 'Medium' | 'Large';
interface TextStyle {
  spacing?: Spacing;
  isSubtle?: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: 'Attention' | 'Warning' | 'Accent' | 'Good';
  separator?: boolean;
}

const textBlock = (text: string, style: TextStyle = {}): CardElement => ({
  type: 'TextBlock',
  text,
  wrap: true,
  ...style,
});

/** Teams markdown as TextBlocks, each within the element size. */
function textBlocks(md: string, style: TextStyle = {}): CardElement[] {
  const { separator: _first, ...rest } = style;
  return splitMarkdown(md, CARD_LIMITS.textBytes).map((t, k) =>
    textBlock(t, k === 0 ? style : { ...rest, spacing: 'None' }),
  );
}

/** One line shown verbatim in monospace (raw text, never read as markdown). */
function mono(line: string, spacing: Spacing = 'None'): CardElement {
  return verbatim(line)
    ? { type: 'TextBlock', text: line, wrap: true, fontType: 'Monospace', spacing }
    : { type: 'RichTextBlock', spacing, inlines: [{ type: 'TextRun', text: line, fontType: 'Monospace' }] };
}

/** Verbatim lines in a grey box, cut into boxes within the element size; blank lines are not shown. */
function codeBoxes(lines: readonly string[]): CardElement[] {
  const items = lines
    .filter((l) => l.trim() !== '')
    .flatMap((l) => hardSplit(l, CARD_LIMITS.textBytes - 200))
    .map((l) => mono(l));
  const out: CardElement[] = [];
  let cur: CardElement[] = [];
  let size = 0;
  for (const it of items) {
    const n = jsonBytes(it) + 1;
    if (cur.length > 0 && size + n > CARD_LIMITS.textBytes) {
      out.push({ type: 'Container', style: 'emphasis', spacing: 'Small', items: cur });
      cur = [];
      size = 0;
    }
    cur.push(it);
    size += n;
  }
  if (cur.length > 0) out.push({ type: 'Container', style: 'emphasis', spacing: 'Small', items: cur });
  return out;
}

const BULLET = /^\s*[•◦▪]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const RULE = '──────────';

/**
 * Chat text (mrkdwn, see `toTeamsMarkdown`) as card elements: a TextBlock per line (a paragraph's lines
 * close together), a TextBlock per run of `•` or numbered items (a Teams list), a grey box of verbatim
 * lines per code block, and a rule as a separator. `style` applies to every TextBlock.
 */
function chatElements(text: string, names: Names, style: TextStyle = {}): CardElement[] {
  const out: CardElement[] = [];
  let separator = false;
  let newParagraph = true;
  const push = (els: CardElement[]) => {
    if (els.length === 0) return;
    if (separator) els[0] = { ...els[0]!, separator: true, spacing: 'Medium' };
    separator = false;
    newParagraph = false;
    out.push(...els);
  };
  const lines = safeText(text).replace(/\r\n?/g, '\n').split('\n');
  let code: string[] | null = null;
  let list: { ordered: boolean; items: string[] } | null = null;
  const endList = () => {
    if (!list) return;
    push(listTextBlocks(list.items, { ...style, spacing: newParagraph ? 'Medium' : 'Small' }));
    list = null;
  };
  for (const raw of lines) {
    if (code) {
      if (raw.trim() === '```') {
        push(codeBoxes(code.map((l) => restore(unbreakFence(decode(l)), names, false))));
        code = null;
      } else code.push(raw);
      continue;
    }
    if (raw.trim() === '```') {
      endList();
      code = [];
      continue;
    }
    if (raw.trim() === '') {
      endList();
      newParagraph = true;
      continue;
    }
    if (raw.trim() === RULE) {
      endList();
      separator = true;
      newParagraph = true;
      continue;
    }
    const b = BULLET.exec(raw);
    const n = b ? null : NUMBERED.exec(raw);
    if (b || n) {
      const ordered = !!n;
      if (list && list.ordered !== ordered) endList();
      list ??= { ordered, items: [] };
      const body = lineStart(inline(b ? b[1]! : n![2]!, names, false));
      list.items.push(ordered ? `${n![1]}. ${body}` : `- ${body}`);
      continue;
    }
    endList();
    const md = lineStart(inline(raw, names, false));
    if (md.trim() === '') continue;
    push(textBlocks(md, { ...style, spacing: newParagraph ? 'Medium' : 'None' }));
  }
  endList();
  if (code) push(codeBoxes(code.map((l) => restore(unbreakFence(decode(l)), names, false))));
  // the first element of a run sits where the caller puts it
  if (out[0] && out[0].type === 'TextBlock' && !style.spacing) {
    const { spacing: _drop, ...rest } = out[0];
    out[0] = rest as CardElement;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// texts

const T: Record<
  Lang,
  {
    sev: Record<Severity, string>;
    findingsHead: (n: number) => string;
    more: (n: number, buttons: boolean) => string;
    planHead: (host: string | null, moves: number) => string;
    score: string;
    moves: string;
    noMoves: string;
    gains: string;
    remaining: string;
    notes: string;
    scoreUnknown: (why: string) => string;
    commandsHead: (n: number) => string;
    downtime: string;
    manual: string;
    longCommand: (parts: number) => string;
    part: (k: number, n: number) => string;
    fixes: (rules: string) => string;
    staysOn: (gpus: string) => string;
  }
> = {
  en: {
    sev: { critical: 'Critical', warning: 'Warning', info: 'Info' },
    findingsHead: (n) => `**Findings** (${n}, most severe first)`,
    more: (n, buttons) =>
      `_This answer is longer than Teams can show: ${n} more part${n === 1 ? ' is' : 's are'} not shown here. The rest is in the PDF report${buttons ? ' (press PDF report)' : ' (ask for the report)'}._`,
    planHead: (host, moves) =>
      `**Placement plan${host ? ` for ${host}` : ''}**: ${moves} move${moves === 1 ? '' : 's'}`,
    score: 'Score',
    moves: '**Moves**',
    noMoves: 'No moves: the current placement is the best the plan found.',
    gains: '**Expected gains**',
    remaining: '**Still open after the plan**',
    notes: '**Notes**',
    scoreUnknown: (why) => `Score after the plan unknown: ${why}`,
    commandsHead: (n) =>
      `**Commands** (${n}, in order). InfraLens never runs them: an operator reviews and runs them.`,
    downtime: 'downtime',
    manual: 'fill in <…>',
    longCommand: (parts) =>
      `(a long command, cut into ${parts} parts below: join them into one line, without line breaks, before running it)`,
    part: (k, n) => `(part ${k} of ${n})`,
    fixes: (rules) => ` — fixes ${rules}`,
    staysOn: (gpus) => `stays on ${gpus}`,
  },
  ko: {
    sev: { critical: '심각', warning: '경고', info: '참고' },
    findingsHead: (n) => `**발견 사항** (${n}건, 심각한 순)`,
    more: (n, buttons) =>
      `_답이 Teams에 다 담기지 않아 ${n}개 부분을 여기 싣지 못했습니다. 나머지는 PDF 리포트에 있습니다${buttons ? ' (PDF 리포트 버튼)' : ' (리포트를 요청하세요)'}._`,
    planHead: (host, moves) => `**${host ? `${host}의 ` : ''}배치 계획**: 이동 ${moves}건`,
    score: '점수',
    moves: '**이동**',
    noMoves: '이동 없음: 지금 배치가 계획이 찾은 최선입니다.',
    gains: '**기대 효과**',
    remaining: '**계획 후에도 남는 항목**',
    notes: '**참고**',
    scoreUnknown: (why) => `계획 후 점수를 알 수 없음: ${why}`,
    commandsHead: (n) =>
      `**명령어** (${n}개, 순서대로). InfraLens는 실행하지 않습니다: 운영자가 검토하고 실행합니다.`,
    downtime: '중단 필요',
    manual: '값 채워 넣기',
    longCommand: (parts) =>
      `(긴 명령이라 아래 ${parts}개 부분으로 나눴습니다: 실행하기 전에 줄바꿈 없이 한 줄로 이어 붙이세요)`,
    part: (k, n) => `(${n}개 중 ${k}번째 부분)`,
    fixes: (rules) => ` — 해소: ${rules}`,
    staysOn: (gpus) => `${gpus} 그대로`,
  },
};

const LABELS: Record<Lang, Record<CardAction, string>> = {
  en: { plan: 'Plan', commands: 'Commands', report: 'PDF report', recheck: 'Re-check' },
  ko: { plan: '배치 계획', commands: '명령어', report: 'PDF 리포트', recheck: '다시 확인' },
};

/** A value from the inputs on one line, cut, escaped. */
const value = (s: string, max: number = CARD_LIMITS.line) => escapeMarkdown(safeInline(s, max));

// ---------------------------------------------------------------------------------------------------------
// findings, plan, commands

const SEV_COLOR: Record<Severity, TextStyle['color'] | undefined> = {
  critical: 'Attention',
  warning: 'Warning',
  info: undefined,
};

/** One finding: its severity (coloured) beside its title and first evidence line. */
function findingRow(f: Finding, lang: Lang): CardElement {
  const e = f.evidence[0];
  const src = e?.source.split('/').pop();
  const evidence = e ? `${e.text}${src ? ` (${src})` : ''}` : null;
  const color = SEV_COLOR[f.severity];
  return {
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      {
        type: 'Column',
        width: 'auto',
        items: [
          textBlock(T[lang].sev[f.severity], {
            weight: 'Bolder',
            ...(color ? { color } : { isSubtle: true }),
          }),
        ],
      },
      {
        type: 'Column',
        width: 'stretch',
        items: [
          textBlock(value(f.title[lang])),
          ...(evidence
            ? [textBlock(value(evidence), { isSubtle: true, size: 'Small', spacing: 'None' })]
            : []),
        ],
      },
    ],
  };
}

/** The findings as a compact list, most severe first as the tools sorted them. */
export function findingElements(findings: readonly Finding[], lang: Lang): CardElement[] {
  if (findings.length === 0) return [];
  return [
    textBlock(T[lang].findingsHead(findings.length), { spacing: 'Large', separator: true }),
    ...findings.map((f) => findingRow(f, lang)),
  ];
}

/** A move as a line, like the offline analyst's `moveLine`, with every name escaped. */
function moveText(m: Move, lang: Lang): string {
  const vm = m.vmid === null ? '' : ` (VM ${m.vmid})`;
  const form = m.to.form === 'whole' ? '' : ` ${value(m.to.form)}`;
  const numa = m.to.numaNode === null ? '' : ` (NUMA ${m.to.numaNode})`;
  const cpus = m.to.cpus ? `, CPUs ${value(m.to.cpus)}` : '';
  const fixes = m.resolves.length > 0 ? T[lang].fixes(value(m.resolves.join(', '))) : '';
  const where = stays(m)
    ? T[lang].staysOn(gpuList(m.to.gpus))
    : `${gpuList(m.from.gpus)} → ${gpuList(m.to.gpus)}`;
  return `${value(m.workload)}${vm}: ${where}${form}${numa}${cpus}${fixes}`;
}

/** Lines as one list (TextBlocks within the element size). */
const listBlocks = (items: readonly string[], style: TextStyle = {}): CardElement[] =>
  items.length === 0
    ? []
    : listTextBlocks(
        items.map((x) => `- ${lineStart(x)}`),
        style,
      );

/** List items (`- x`, `1. x`) packed into TextBlocks that fit; an item longer than one is cut into paragraphs. */
function listTextBlocks(lines: readonly string[], style: TextStyle): CardElement[] {
  const blocks: string[] = [];
  let cur = '';
  for (const l of lines) {
    if (cur !== '' && jsonBytes(cur) + jsonBytes(l) > CARD_LIMITS.textBytes) {
      blocks.push(cur);
      cur = '';
    }
    cur = cur === '' ? l : `${cur}\n${l}`;
  }
  if (cur !== '') blocks.push(cur);
  return blocks.flatMap((b, k) => textBlocks(b, k === 0 ? style : { ...style, spacing: 'None' }));
}

/** A score as every InfraLens text shows it (one decimal, the grade), or a dash: shown, never computed. */
const scoreText = (s: { value: number; grade: string } | null) =>
  s ? `${s.value.toFixed(1)} (${escapeMarkdown(safeInline(s.grade, 8))})` : '—';

/** The plan: its head, the score before → after as the tool computed it, moves, gains, what remains. */
export function planElements(plan: GeneratePlacementResult, lang: Lang): CardElement[] {
  const t = T[lang];
  const host = plan.host === null ? null : value(plan.host, CARD_LIMITS.host);
  const out: CardElement[] = [
    textBlock(t.planHead(host, plan.moves.length), { spacing: 'Large', separator: true }),
  ];
  if (plan.scoreBefore || plan.scoreAfter)
    out.push({
      type: 'FactSet',
      spacing: 'Small',
      facts: [{ title: t.score, value: `${scoreText(plan.scoreBefore)} → ${scoreText(plan.scoreAfter)}` }],
    });
  if (plan.scoreAfter === null && plan.objective.scoreAfterReason)
    out.push(
      textBlock(escapeMarkdown(t.scoreUnknown(safeInline(plan.objective.scoreAfterReason[lang]))), {}),
    );
  if (plan.moves.length === 0) out.push(textBlock(t.noMoves));
  else
    out.push(
      textBlock(t.moves, { spacing: 'Medium' }),
      ...listBlocks(
        plan.moves.map((m) => moveText(m, lang)),
        { spacing: 'Small' },
      ),
    );
  const section = (head: string, items: string[]) => {
    if (items.length > 0)
      out.push(textBlock(head, { spacing: 'Medium' }), ...listBlocks(items, { spacing: 'Small' }));
  };
  section(
    t.gains,
    plan.expected.map((g) => value(g.summary[lang])),
  );
  section(
    t.remaining,
    plan.remainingFindings.map((f) => value(f.title[lang])),
  );
  section(
    t.notes,
    plan.notes.map((n) => value(n, 2000)),
  );
  return out;
}

/** The longest piece of a command in one element (JSON bytes); longer ones are cut, with a note. */
const COMMAND_PART_BYTES = CARD_LIMITS.textBytes - 400;

/** One command: its step and what it does, then the command verbatim (in parts when it is huge). */
function commandItems(c: Command, lang: Lang): CardElement[] {
  const t = T[lang];
  const flags = [c.downtime ? t.downtime : null, c.manual ? t.manual : null].filter((x) => x !== null);
  const head = `**${c.step}.** ${value(c.what[lang], 2000)}${flags.length ? ` ${escapeMarkdown(`[${flags.join(', ')}]`)}` : ''}`;
  const cmd = safeInline(c.command);
  const parts = cmd === '' ? [] : hardSplit(cmd, COMMAND_PART_BYTES);
  const box = (items: CardElement[]): CardElement => ({ type: 'Container', spacing: 'Medium', items });
  if (parts.length <= 1) return [box([textBlock(head), ...(parts[0] ? [mono(parts[0], 'Small')] : [])])];
  return [
    box([textBlock(head), textBlock(escapeMarkdown(t.longCommand(parts.length)), { isSubtle: true })]),
    ...parts.map((p, k) =>
      box([
        textBlock(escapeMarkdown(t.part(k + 1, parts.length)), { isSubtle: true, size: 'Small' }),
        mono(p, 'None'),
      ]),
    ),
  ];
}

/** Every command of a plan, in order, each verbatim in monospace. */
export function commandElements(commands: readonly Command[], lang: Lang): CardElement[] {
  if (commands.length === 0) return [];
  return [
    textBlock(T[lang].commandsHead(commands.length), { spacing: 'Large', separator: true }),
    ...commands.flatMap((c) => commandItems(c, lang)),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// buttons

/** The buttons of a reply; `data.host` carries the host (omitted when the reply names none). */
export function cardActions(lang: Lang, host: string | null | undefined): CardElement[] {
  const h = host ? clip(safeInline(host), CARD_LIMITS.host) : '';
  return CARD_ACTIONS.map((a) => ({
    type: 'Action.Submit',
    title: LABELS[lang][a],
    data: { infralens: a, ...(h ? { host: h } : {}) },
  }));
}

/**
 * A submitted card's `value` (the activity's `value` when a button is pressed) as the turn it asks for;
 * null for anything else: not a plain object, an unknown action, a host that is not a short, clean line.
 */
export function cardAction(value: unknown): { intent: TurnJob['intent']; host?: string } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return null;
  const v = value as Record<string, unknown>;
  const intent = v.infralens;
  if (typeof intent !== 'string' || !(CARD_ACTIONS as readonly string[]).includes(intent)) return null;
  if (v.host === undefined || v.host === null || v.host === '') return { intent: intent as CardAction };
  if (typeof v.host !== 'string' || v.host.length > CARD_LIMITS.host) return null;
  const host = v.host.trim();
  if (host === '' || safeInline(host) !== host) return null;
  return { intent: intent as CardAction, host };
}

// ---------------------------------------------------------------------------------------------------------
// cards

function card(body: CardElement[], actions: CardElement[] = []): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: '1.5',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

/**
 * Elements packed into cards of at most `cardBytes`, the buttons on the last. More than `messages` cards:
 * the last one ends with `note(n)` (n = the elements left out) before the buttons.
 */
function paginate(
  body: readonly CardElement[],
  actions: CardElement[],
  note: (left: number) => CardElement,
): AdaptiveCard[] {
  const max = CARD_LIMITS.cardBytes;
  const base = jsonBytes(card([]));
  const actionBytes = actions.length > 0 ? jsonBytes(card([], actions)) - base : 0;
  const sizes = body.map((e) => jsonBytes(e) + 1);
  const pages: number[][] = []; // element indexes
  let cur: number[] = [];
  let size = base;
  sizes.forEach((n, i) => {
    if (cur.length > 0 && size + n > max) {
      pages.push(cur);
      cur = [];
      size = base;
    }
    cur.push(i);
    size += n;
  });
  // the buttons go on the last card: what does not fit beside them moves to one more
  const moved: number[] = [];
  while (cur.length > 0 && size + actionBytes > max) {
    const i = cur.pop()!;
    moved.unshift(i);
    size -= sizes[i]!;
  }
  if (cur.length > 0) pages.push(cur);
  if (moved.length > 0) pages.push(moved);
  if (pages.length === 0 && actions.length > 0) return [card([], actions)];
  const toCards = (ps: number[][], buttons: boolean) =>
    ps.map((p, k) =>
      card(
        p.map((i) => body[i]!),
        buttons && k === ps.length - 1 ? actions : [],
      ),
    );
  if (pages.length <= CARD_LIMITS.messages) return toCards(pages, true);

  // too long for one reply: the first cards as packed, then what fits before the note and the buttons
  const kept = pages.slice(0, CARD_LIMITS.messages - 1);
  let used = kept.reduce((a, p) => a + p.length, 0);
  const reserve = jsonBytes(note(body.length)) + 16 + actionBytes;
  const last: number[] = [];
  size = base;
  while (used < body.length && size + sizes[used]! + reserve <= max) {
    last.push(used);
    size += sizes[used]!;
    used++;
  }
  const cards = toCards(kept, false);
  cards.push(card([...last.map((i) => body[i]!), note(body.length - used)], actions));
  return cards;
}

/**
 * Cards as messages: the first with `first` (plain characters) as its fallback text, later ones numbered.
 * The fallback is escaped like any text (a surface may render it as markdown beside the card): for most
 * answers that changes nothing, and a name from the inputs cannot form a link there either.
 */
function messages(cards: AdaptiveCard[], first: string): Message[] {
  const max = CARD_LIMITS.fallbackText;
  let lead = escapeMarkdown(first);
  if (lead.length > max) lead = escapeMarkdown(clip(first, max / 2)); // escaping at most doubles it
  return cards.map((c, i) => ({
    kind: 'message',
    text: i === 0 && lead !== '' ? lead : `InfraLens (${i + 1}/${cards.length})`,
    card: c,
  }));
}

/** The first line of chat text worth notifying with: not empty, not a code fence. */
function firstLine(chat: string): string {
  for (const l of chat.split('\n')) if (l.trim() !== '' && l.trim() !== '```' && l.trim() !== RULE) return l;
  return '';
}

/** The offline analyst's note at the end of the answer ("(Answered by the offline analyst: …)"), if any. */
function offlineNote(reply: Reply): { answer: string; note: string | null } {
  if (reply.mode !== 'offline' || !reply.fallbackReason) return { answer: reply.text, note: null };
  const cut = reply.text.lastIndexOf('\n\n');
  const last = reply.text.slice(cut + 2).trim();
  if (cut < 0 || !last.startsWith('(') || !last.endsWith(')') || last.includes('\n'))
    return { answer: reply.text, note: null };
  return { answer: reply.text.slice(0, cut), note: last };
}

const SUBTLE: TextStyle = { isSubtle: true, size: 'Small' };

/**
 * A reply as Teams messages (kind 'message', each with an Adaptive Card 1.5): the answer, the notes (files
 * that could not be read) and the offline analyst's note in small grey text, then — intent 'plan' — the
 * plan with its score before → after, moves and gains, or — intent 'commands' — every command verbatim,
 * or — any other intent — the findings as a compact list; the buttons at the end of the last card. A plan
 * or commands shown on their own keep only the answer's lead paragraph (nothing listed twice).
 */
export function replyCards(
  reply: Reply,
  opts: { intent: TurnJob['intent']; buttons: boolean },
): OutMessage[] {
  const lang = reply.lang;
  const { answer: full, note } = offlineNote(reply);
  const plan = reply.parts.plan;
  const commands = plan?.commands ?? reply.parts.commands;
  const structured = (opts.intent === 'plan' && plan) || (opts.intent === 'commands' && commands.length > 0);
  const answer = structured ? (full.split(/\n\s*\n/)[0] ?? full) : full;
  const names = [
    reply.parts.score?.host,
    plan?.host,
    ...(plan?.moves.map((m) => m.workload) ?? []),
    ...reply.parts.findings.flatMap((f) => f.workloads),
  ];
  // names from the inputs become placeholders before the markdown is read, and come back escaped
  const prot = protect(safeText(answer), names);
  const chat = mrkdwn(prot.text);
  const body: CardElement[] = chatElements(chat, prot.names);
  const context = [...reply.notes.map((n) => `⚠️ ${safeText(n).trim()}`), ...(note ? [mrkdwn(note)] : [])];
  for (const c of context) body.push(...chatElements(c, NO_NAMES, { ...SUBTLE, spacing: 'Small' }));
  if (opts.intent === 'plan' && plan) body.push(...planElements(plan, lang));
  else if (opts.intent === 'commands') body.push(...commandElements(commands, lang));
  else body.push(...findingElements(reply.parts.findings, lang));
  const actions = opts.buttons ? cardActions(lang, reply.parts.score?.host ?? plan?.host) : [];
  if (body.length === 0 && actions.length === 0) return [];
  const cards = paginate(body, actions, (left) =>
    textBlock(T[lang].more(left, opts.buttons), { spacing: 'Large', separator: true }),
  );
  const first = firstLine(chat);
  return messages(
    cards,
    first ? inline(first, prot.names, true) : toPlainText(firstLine(mrkdwn(reply.text))),
  );
}

/** The plan alone as cards (no answer, no buttons). */
export function planCards(plan: GeneratePlacementResult, lang: Lang): OutMessage[] {
  const cards = paginate(planElements(plan, lang), [], (left) => textBlock(T[lang].more(left, false)));
  return messages(cards, '');
}

/** The commands alone as cards (no answer, no buttons). */
export function commandsCards(commands: readonly Command[], lang: Lang): OutMessage[] {
  const els = commandElements(commands, lang);
  if (els.length === 0) return [];
  return messages(
    paginate(els, [], (left) => textBlock(T[lang].more(left, false))),
    '',
  );
}

/**
 * A fixed text as cards: chat text as bot/slack/texts.ts and bot/teams/texts.ts write it (see
 * `toTeamsMarkdown`), its first line as the fallback.
 */
export function textCards(text: string): OutMessage[] {
  const els = chatElements(text, NO_NAMES);
  if (els.length === 0) return [];
  return messages(
    paginate(els, [], (left) => textBlock(T.en.more(left, false))),
    toPlainText(firstLine(safeText(text))),
  );
}
