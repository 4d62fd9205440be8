/**
 * A turn's reply as Slack messages: the markdown answer converted to Slack mrkdwn, cut into Block Kit
 * sections and messages that stay inside Slack's limits, the plan or the commands rendered natively, and the
 * buttons (Plan / Commands / PDF report / Re-check). Pure: a Reply in, OutMessages out (the PDF upload is
 * added by the caller).
 *
 * Safety: every character of the answer is written through `mrkdwn`, which escapes `&`, `<` and `>`, so text
 * from the inputs (a host called `<!channel>`) can never form a Slack mention, channel ping or link; the
 * only `<…>` it writes are the links the markdown itself held (`[text](https://…)`), to http(s)/mailto URLs.
 */

import type { OutMessage } from '../../jobs/queue/contracts.ts';
import type { Lang } from '../../scoring/report.ts';
import { clip, safeInline, safeText } from '../../scoring/text-safety.ts';
import type { GeneratePlacementResult } from '../../tools/agent/tools/generate-placement.ts';
import { moveLine } from '../agent/offline/answers/common.ts';
import type { Reply } from '../conversation/reply.ts';

/** The `action_id` of each button (the interactivity handler dispatches on them). */
export const ACTIONS = {
  plan: 'infralens_plan',
  commands: 'infralens_commands',
  report: 'infralens_report',
  recheck: 'infralens_recheck',
} as const;

/** Block Kit limits (../shared/reference/interfaces.md §1.6), with margins where Slack's counting is vague. */
export const SLACK_LIMITS = {
  /** blocks in one message. */
  blocks: 50,
  /** a section's text. */
  sectionText: 3000,
  /** elements of a context block, and the text of each. */
  contextElements: 10,
  contextText: 3000,
  /** block text of one message in all (~13k already fails with msg_blocks_too_long). */
  messageText: 12_000,
  /** the notification fallback `text`. */
  fallbackText: 3000,
  buttonText: 75,
  buttonValue: 2000,
  /** messages of one reply; past this the rest is left to the PDF report (and said so). */
  messages: 10,
} as const;

/** A command longer than this (escaped) is cut into several code blocks. */
export const COMMAND_PART = 2900;

export type Intent = 'ask' | 'report' | 'plan' | 'commands' | 'recheck' | 'score' | 'hosts' | 'help';

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

type Message = Extract<OutMessage, { kind: 'message' }>;
type Command = GeneratePlacementResult['commands'][number];

// ---------------------------------------------------------------------------------------------------------
// markdown → mrkdwn

/** Escape the three characters Slack treats as control characters in message text. */
export function escapeMrkdwn(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 38 && c !== 60 && c !== 62) continue; // & < >
    out += s.slice(from, i) + (c === 38 ? '&amp;' : c === 60 ? '&lt;' : '&gt;');
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * Escape as `escapeMrkdwn`, leaving the entities `&amp;`, `&lt;`, `&gt;` as they are: for notes, which are
 * either plain text (a file name) or texts of bot/slack/texts.ts that are already escaped. Either way no
 * `<` reaches Slack, so nothing in them can form a mention or a link.
 */
export function escapeOnce(s: string): string {
  return s
    .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** Text inside a code block or span: escaped, and a ``` in it cannot end Slack's code block early. */
function escapeCode(s: string): string {
  return escapeMrkdwn(s).replaceAll('```', '``\u200b`');
}

const isSpace = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n';
const isPunct = (c: string | undefined) => c !== undefined && /[\p{P}\p{S}]/u.test(c);

interface Fence {
  ch: '`' | '~';
  len: number;
  indent: number;
}

/** A fenced code block's opening line (up to 3 spaces, ≥ 3 backticks or tildes, an info string). */
function openingFence(line: string): Fence | null {
  let i = 0;
  while (i < line.length && i < 4 && line[i] === ' ') i++;
  if (i > 3) return null;
  const ch = line[i];
  if (ch !== '`' && ch !== '~') return null;
  let j = i;
  while (line[j] === ch) j++;
  if (j - i < 3) return null;
  if (ch === '`' && line.includes('`', j)) return null; // ```x``` is inline code
  return { ch, len: j - i, indent: i };
}

function closesFence(line: string, f: Fence): boolean {
  let i = 0;
  while (i < line.length && i < 4 && line[i] === ' ') i++;
  if (i > 3) return false;
  let j = i;
  while (line[j] === f.ch) j++;
  return j - i >= f.len && line.slice(j).trim() === '';
}

/** `# Heading` → its text; null when the line is not an ATX heading. */
function heading(line: string): string | null {
  let i = 0;
  while (i < line.length && i < 4 && line[i] === ' ') i++;
  if (i > 3) return null;
  let j = i;
  while (line[j] === '#') j++;
  if (j === i || j - i > 6 || (j < line.length && line[j] !== ' ' && line[j] !== '\t')) return null;
  let text = line.slice(j).trim();
  // an optional closing run of #s, preceded by a space
  let k = text.length;
  while (k > 0 && text[k - 1] === '#') k--;
  if (k < text.length && (k === 0 || text[k - 1] === ' ')) text = text.slice(0, k).trim();
  return text;
}

/** A thematic break (`---`, `***`, `___`, spaces allowed). */
function isRule(line: string): boolean {
  const t = line.trim();
  if (t.length < 3) return false;
  const c = t[0];
  if (c !== '-' && c !== '*' && c !== '_') return false;
  let n = 0;
  for (const x of t) {
    if (x === c) n++;
    else if (x !== ' ' && x !== '\t') return false;
  }
  return n >= 3;
}

type Token = { kind: 'text'; s: string } | { kind: 'raw'; s: string } | Delim;
interface Delim {
  kind: 'delim';
  ch: '*' | '_' | '~';
  n: number;
  open: boolean;
  close: boolean;
  out: string | null;
}

/** How far a link's parts, or a pair of emphasis markers, are looked for (keeps the scan linear). */
const LINK_TEXT_MAX = 1000;
const URL_MAX = 2048;
const OPENERS_SEARCH = 32;
const SAFE_URL = /^(?:https?:\/\/|mailto:)[^\s<>|]+$/i;

/** One line of inline markdown as mrkdwn: emphasis, code spans, links; everything else escaped. */
function inline(line: string, boldMarkers = true): string {
  const tokens: Token[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') tokens.push({ kind: 'text', s: text });
    text = '';
  };
  // backtick runs, for finding the closing run of a code span in linear time
  const runs: { pos: number; len: number }[] = [];
  for (let i = 0; i < line.length; ) {
    if (line[i] !== '`') {
      i++;
      continue;
    }
    let j = i;
    while (line[j] === '`') j++;
    runs.push({ pos: i, len: j - i });
    i = j;
  }
  const byLen = new Map<number, { idx: number[]; at: number }>();
  runs.forEach((r, k) => {
    const e = byLen.get(r.len) ?? { idx: [], at: 0 };
    e.idx.push(k);
    byLen.set(r.len, e);
  });
  let run = 0; // the index of the next backtick run in `runs`

  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '`') {
      while (run < runs.length && runs[run]!.pos < i) run++;
      const r = runs[run];
      if (!r || r.pos !== i) {
        text += c;
        i++;
        continue;
      }
      const same = byLen.get(r.len)!;
      while (same.at < same.idx.length && same.idx[same.at]! <= run) same.at++;
      const closer = same.at < same.idx.length ? runs[same.idx[same.at]!]! : null;
      if (!closer) {
        text += '`'.repeat(r.len);
        i += r.len;
        run++;
        continue;
      }
      let content = line.slice(i + r.len, closer.pos);
      if (content.length > 2 && content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '')
        content = content.slice(1, -1);
      flush();
      tokens.push({
        kind: 'raw',
        s:
          content.includes('`') || content.trim() === ''
            ? escapeCode(line.slice(i, closer.pos + r.len))
            : `\`${escapeCode(content)}\``,
      });
      i = closer.pos + r.len;
      run = same.idx[same.at]! + 1;
      continue;
    }
    if (c === '\\' && i + 1 < line.length && /[!-/:-@[-`{-~]/.test(line[i + 1]!) && line[i + 1] !== '`') {
      text += line[i + 1];
      i += 2;
      continue;
    }
    if (c === '[') {
      const link = linkAt(line, i);
      if (link) {
        flush();
        const label = escapeMrkdwn(link.label.replaceAll('`', ''));
        tokens.push({ kind: 'raw', s: label ? `<${link.url}|${label}>` : `<${link.url}>` });
        i = link.end;
        continue;
      }
    }
    if (c === '<' && (line.startsWith('http://', i + 1) || line.startsWith('https://', i + 1))) {
      let j = i + 1;
      const stop = Math.min(line.length, i + 1 + URL_MAX);
      while (j < stop && line[j] !== '>' && line[j] !== '<' && !isSpace(line[j])) j++;
      const url = line.slice(i + 1, j);
      if (line[j] === '>' && SAFE_URL.test(url)) {
        flush();
        tokens.push({ kind: 'raw', s: `<${url.replaceAll('&', '&amp;')}>` });
        i = j + 1;
        continue;
      }
    }
    if (c === '*' || c === '_' || c === '~') {
      let j = i;
      while (line[j] === c) j++;
      const before = i > 0 ? line[i - 1] : undefined;
      const after = line[j];
      const left = !isSpace(after) && (!isPunct(after) || isSpace(before) || isPunct(before));
      const right = !isSpace(before) && (!isPunct(before) || isSpace(after) || isPunct(after));
      const n = j - i;
      const usable = c === '~' ? n === 2 : n <= 3;
      flush();
      tokens.push({
        kind: 'delim',
        ch: c,
        n,
        open: usable && (c === '_' ? left && (!right || isPunct(before)) : left),
        close: usable && (c === '_' ? right && (!left || isPunct(after)) : right),
        out: null,
      });
      i = j;
      continue;
    }
    text += c;
    i++;
  }
  flush();

  // pair the emphasis markers: a closer takes the nearest opener of the same character and length
  const stack: Delim[] = [];
  for (const t of tokens) {
    if (t.kind !== 'delim') continue;
    let matched = false;
    if (t.close) {
      for (let k = stack.length - 1; k >= 0 && k >= stack.length - OPENERS_SEARCH; k--) {
        const o = stack[k]!;
        if (o.ch !== t.ch || o.n !== t.n) continue;
        const [open, close] = markers(t.ch, t.n, boldMarkers);
        o.out = open;
        t.out = close;
        stack.length = k; // markers between them stay literal
        matched = true;
        break;
      }
    }
    if (!matched && t.open) stack.push(t);
  }
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'text') out += escapeMrkdwn(t.s);
    else if (t.kind === 'raw') out += t.s;
    else out += t.out ?? t.ch.repeat(t.n);
  }
  return out;
}

/** The mrkdwn markers for a pair of markdown emphasis markers. */
function markers(ch: '*' | '_' | '~', n: number, bold: boolean): [string, string] {
  if (ch === '~') return ['~', '~'];
  if (n === 1) return ['_', '_'];
  if (n === 2) return bold ? ['*', '*'] : ['', ''];
  return bold ? ['*_', '_*'] : ['_', '_'];
}

/** `[label](url)` at `i`, when the URL is http(s) or mailto. */
function linkAt(line: string, i: number): { label: string; url: string; end: number } | null {
  let j = i + 1;
  const stopText = Math.min(line.length, i + 1 + LINK_TEXT_MAX);
  while (j < stopText && line[j] !== ']' && line[j] !== '[') j++;
  if (line[j] !== ']' || line[j + 1] !== '(') return null;
  let k = j + 2;
  const stopUrl = Math.min(line.length, k + URL_MAX);
  while (k < stopUrl && line[k] !== ')' && !isSpace(line[k])) k++;
  if (line[k] !== ')') return null;
  const url = line.slice(j + 2, k);
  if (!SAFE_URL.test(url)) return null;
  return { label: line.slice(i + 1, j), url: url.replaceAll('&', '&amp;'), end: k + 1 };
}

/**
 * The subset of CommonMark our answers use, as Slack mrkdwn: `**bold**`/`__bold__` → `*bold*`, `*italic*`/
 * `_italic_` → `_italic_`, `~~strike~~` → `~strike~`, `# Heading` → `*Heading*`, `[text](url)` →
 * `<url|text>`, `-`/`*`/`+` bullets → `•`, fenced code (its info string dropped) and inline code kept;
 * `&`, `<`, `>` escaped everywhere else. An unclosed fence is closed at the end. Linear in the input.
 */
export function mrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let fence: Fence | null = null;
  for (const line of lines) {
    if (fence) {
      if (closesFence(line, fence)) {
        out.push('```');
        fence = null;
      } else {
        let k = 0;
        while (k < fence.indent && line[k] === ' ') k++;
        out.push(escapeCode(line.slice(k)));
      }
      continue;
    }
    const f = openingFence(line);
    if (f) {
      out.push('```');
      fence = f;
      continue;
    }
    const h = heading(line);
    if (h !== null) {
      const t = inline(h, false);
      out.push(t === '' ? '' : `*${t}*`);
      continue;
    }
    if (isRule(line)) {
      out.push('──────────');
      continue;
    }
    let s = 0;
    while (line[s] === ' ') s++;
    const b = line[s];
    if ((b === '-' || b === '*' || b === '+') && (line[s + 1] === ' ' || line[s + 1] === '\t')) {
      out.push(`${line.slice(0, s)}• ${inline(line.slice(s + 2).trimStart())}`);
      continue;
    }
    out.push(inline(line));
  }
  if (fence) out.push('```');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// splitting

const isFenceLine = (l: string | undefined) => l === '```';

/**
 * Cut mrkdwn at a position ≤ max that splits no surrogate pair, no `&amp;`-style entity and, when it can,
 * no `<url|text>` link.
 */
function safeCut(s: string, from: number, max: number): number {
  let end = Math.min(s.length, from + max);
  if (end === s.length) return end;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  for (let k = end - 1; k >= Math.max(from, end - 5); k--) {
    if (s[k] === ';') break;
    if (s[k] === '&') {
      if (k > from) end = k;
      break;
    }
  }
  for (let k = end - 1; k >= from; k--) {
    if (s[k] === '>') break;
    if (s[k] === '<') {
      if (k > from) end = k;
      break;
    }
  }
  return end;
}

function hardSplit(s: string, max: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < s.length) {
    const end = safeCut(s, at, max);
    out.push(s.slice(at, end));
    at = end;
  }
  return out;
}

const SEPARATORS = ['\n\n', '\n', ' '] as const;

/** Pieces of at most `max` characters, cut at paragraphs, then lines, then words, then anywhere safe. */
function splitLevel(s: string, max: number, level: number): string[] {
  if (s.length <= max) return [s];
  const sep = SEPARATORS[level];
  if (sep === undefined) return hardSplit(s, max);
  const parts = s.split(sep);
  if (parts.length === 1) return splitLevel(s, max, level + 1);
  const out: string[] = [];
  let cur: string | null = null;
  for (const p of parts) {
    const subs = p.length <= max ? [p] : splitLevel(p, max, level + 1);
    subs.forEach((x, k) => {
      if (k === 0 && cur !== null && cur.length + sep.length + x.length <= max) cur += sep + x;
      else {
        if (cur !== null) out.push(cur);
        cur = x;
      }
    });
  }
  if (cur !== null) out.push(cur);
  return out;
}

/**
 * mrkdwn cut into pieces of at most `max` characters (at paragraph, then line, then word boundaries), each
 * with its code fences balanced: a code block cut in two is closed at the end of one piece and reopened at
 * the start of the next. Pieces with nothing to show are dropped.
 */
export function splitMrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): string[] {
  const out: string[] = [];
  let open = false;
  for (const piece of splitLevel(text, max - 8, 0)) {
    let a = 0;
    let z = piece.length;
    while (a < z && piece[a] === '\n') a++;
    while (z > a && piece[z - 1] === '\n') z--;
    const lines = piece.slice(a, z).split('\n');
    const res: string[] = [];
    if (open) {
      if (isFenceLine(lines[0])) {
        lines.shift(); // the previous piece already closed this block
        open = false;
      } else res.push('```');
    }
    for (const l of lines) {
      res.push(l);
      if (isFenceLine(l)) open = !open;
    }
    if (open) {
      // a piece that ends with the line opening a block leaves it to the next piece; else close it here
      if (isFenceLine(res[res.length - 1])) res.pop();
      else res.push('```');
    }
    const body = res.join('\n');
    if (body.replaceAll('```', '').trim() !== '') out.push(body);
  }
  return out;
}

/** Cut mrkdwn to `max` characters without breaking an entity or a link; ends with `…` when cut. */
export function clipMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, safeCut(s, 0, max - 1))}…`;
}

// ---------------------------------------------------------------------------------------------------------
// blocks

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

function sections(text: string): SlackBlock[] {
  return splitMrkdwn(text, SLACK_LIMITS.sectionText).map(section);
}

/** Context blocks (small grey text) for lines of mrkdwn: each element ≤ 3000, ≤ 10 elements a block. */
function contextBlocks(lines: readonly string[]): SlackBlock[] {
  const elements = lines
    .flatMap((l) => splitMrkdwn(l, SLACK_LIMITS.contextText))
    .map((text) => ({ type: 'mrkdwn', text }));
  const out: SlackBlock[] = [];
  for (let i = 0; i < elements.length; i += SLACK_LIMITS.contextElements)
    out.push({ type: 'context', elements: elements.slice(i, i + SLACK_LIMITS.contextElements) });
  return out;
}

const LABELS: Record<Lang, Record<keyof typeof ACTIONS, string>> = {
  en: { plan: 'Plan', commands: 'Commands', report: 'PDF report', recheck: 'Re-check' },
  ko: { plan: '배치 계획', commands: '명령어', report: 'PDF 리포트', recheck: '다시 확인' },
};

/** The buttons of a reply; `value` carries the host (omitted when the reply names none). */
export function actionsBlock(lang: Lang, host: string | null | undefined): SlackBlock {
  const value = host ? clip(safeInline(host), 500) : '';
  return {
    type: 'actions',
    block_id: 'infralens_actions',
    elements: (Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]).map((k) => ({
      type: 'button',
      action_id: ACTIONS[k],
      text: { type: 'plain_text', text: LABELS[lang][k], emoji: true },
      ...(value ? { value } : {}),
    })),
  };
}

/** The block text Slack counts against a message: sections, context elements, button labels. */
export function blockTextLength(b: SlackBlock): number {
  const textOf = (x: unknown) =>
    typeof x === 'object' && x !== null && typeof (x as { text?: unknown }).text === 'string'
      ? (x as { text: string }).text.length
      : 0;
  let n = textOf(b.text);
  if (Array.isArray(b.fields)) for (const f of b.fields) n += textOf(f);
  if (Array.isArray(b.elements))
    for (const e of b.elements) n += textOf(e) + textOf((e as { text?: unknown }).text);
  return n;
}

const T: Record<
  Lang,
  {
    more: (n: number, buttons: boolean) => string;
    planHead: (host: string | null, moves: number) => string;
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
    continued: (k: number, n: number) => string;
  }
> = {
  en: {
    more: (n, buttons) =>
      `_This answer is longer than Slack can show: ${n} more section${n === 1 ? ' is' : 's are'} not shown here. The rest is in the PDF report${buttons ? ' (press *PDF report*)' : ' (ask for the report)'}._`,
    planHead: (host, moves) =>
      `*Placement plan${host ? ` for ${host}` : ''}*: ${moves} move${moves === 1 ? '' : 's'}`,
    moves: '*Moves*',
    noMoves: 'No moves: the current placement is the best the plan found.',
    gains: '*Expected gains*',
    remaining: '*Still open after the plan*',
    notes: '*Notes*',
    scoreUnknown: (why) => `Score after the plan unknown: ${why}`,
    commandsHead: (n) =>
      `*Commands* (${n}, in order). InfraLens never runs them: an operator reviews and runs them.`,
    downtime: 'downtime',
    manual: 'fill in <…>',
    longCommand: (parts) =>
      `(a long command, cut into ${parts} parts below: join them into one line, without line breaks, before running it)`,
    part: (k, n) => `(part ${k} of ${n})`,
    continued: (k, n) => `InfraLens (${k}/${n})`,
  },
  ko: {
    more: (n, buttons) =>
      `_답이 Slack에 다 담기지 않아 ${n}개 섹션을 여기 싣지 못했습니다. 나머지는 PDF 리포트에 있습니다${buttons ? ' (*PDF 리포트* 버튼)' : ' (리포트를 요청하세요)'}._`,
    planHead: (host, moves) => `*${host ? `${host}의 ` : ''}배치 계획*: 이동 ${moves}건`,
    moves: '*이동*',
    noMoves: '이동 없음: 지금 배치가 계획이 찾은 최선입니다.',
    gains: '*기대 효과*',
    remaining: '*계획 후에도 남는 항목*',
    notes: '*참고*',
    scoreUnknown: (why) => `계획 후 점수를 알 수 없음: ${why}`,
    commandsHead: (n) =>
      `*명령어* (${n}개, 순서대로). InfraLens는 실행하지 않습니다: 운영자가 검토하고 실행합니다.`,
    downtime: '중단 필요',
    manual: '값 채워 넣기',
    longCommand: (parts) =>
      `(긴 명령이라 아래 ${parts}개 부분으로 나눴습니다: 실행하기 전에 줄바꿈 없이 한 줄로 이어 붙이세요)`,
    part: (k, n) => `(${n}개 중 ${k}번째 부분)`,
    continued: (k, n) => `InfraLens (${k}/${n})`,
  },
};

/** The plan's moves, expected gains, remaining findings and notes, as the tool gave them. */
export function planBlocks(plan: GeneratePlacementResult, lang: Lang): SlackBlock[] {
  const t = T[lang];
  const md: string[] = [
    t.planHead(plan.host === null ? null : escapeMrkdwn(safeInline(plan.host)), plan.moves.length),
  ];
  if (plan.moves.length === 0) md.push(escapeMrkdwn(t.noMoves));
  else md.push('', t.moves, ...plan.moves.map((m) => mrkdwn(moveLine(m, lang))));
  if (plan.expected.length > 0)
    md.push('', t.gains, ...plan.expected.map((g) => `• ${escapeMrkdwn(safeInline(g.summary[lang]))}`));
  if (plan.scoreAfter === null && plan.objective.scoreAfterReason)
    md.push('', escapeMrkdwn(t.scoreUnknown(safeInline(plan.objective.scoreAfterReason[lang]))));
  if (plan.remainingFindings.length > 0)
    md.push(
      '',
      t.remaining,
      ...plan.remainingFindings.map((f) => `• ${escapeMrkdwn(safeInline(f.title[lang]))}`),
    );
  if (plan.notes.length > 0)
    md.push('', t.notes, ...plan.notes.map((n) => `• ${escapeMrkdwn(safeInline(n))}`));
  return sections(md.join('\n'));
}

/** One command: its step and what it does, then the command verbatim in a code block (or several). */
function commandItems(c: Command, lang: Lang): string[] {
  const t = T[lang];
  const flags = [c.downtime ? t.downtime : null, c.manual ? t.manual : null].filter((x) => x !== null);
  const head = `*${c.step}.* ${escapeMrkdwn(safeInline(c.what[lang]))}${flags.length ? ` [${escapeMrkdwn(flags.join(', '))}]` : ''}`;
  const cmd = escapeCode(safeInline(c.command));
  const item = `${head}\n\`\`\`\n${cmd}\n\`\`\``;
  if (item.length <= SLACK_LIMITS.sectionText) return [item];
  const heads = splitMrkdwn(head, SLACK_LIMITS.sectionText - 300);
  const last = heads.pop() ?? '';
  if (cmd.length + 8 <= SLACK_LIMITS.sectionText) return [...heads, last, `\`\`\`\n${cmd}\n\`\`\``];
  const parts = hardSplit(cmd, COMMAND_PART);
  return [
    ...heads,
    `${last}\n${escapeMrkdwn(t.longCommand(parts.length))}`,
    ...parts.map((p, k) => `${escapeMrkdwn(t.part(k + 1, parts.length))}\n\`\`\`\n${p}\n\`\`\``),
  ];
}

/** Every command of a plan, in order, each verbatim in a code block; sections packed up to 3000 chars. */
export function commandBlocks(commands: readonly Command[], lang: Lang): SlackBlock[] {
  if (commands.length === 0) return [];
  const items = [T[lang].commandsHead(commands.length), ...commands.flatMap((c) => commandItems(c, lang))];
  const out: string[] = [];
  let cur = '';
  for (const it of items) {
    if (cur !== '' && cur.length + 2 + it.length <= SLACK_LIMITS.sectionText) cur += `\n\n${it}`;
    else {
      if (cur !== '') out.push(cur);
      cur = it;
    }
  }
  if (cur !== '') out.push(cur);
  return out.map(section);
}

// ---------------------------------------------------------------------------------------------------------
// messages

/** The first line worth notifying with: not empty, not a code fence. */
function firstLine(mrk: string): string {
  for (const l of mrk.split('\n')) if (l.trim() !== '' && !isFenceLine(l)) return l.trim();
  return '';
}

function blockFirstLine(b: SlackBlock | undefined): string {
  if (!b) return '';
  const t = (b.text as { text?: string } | undefined)?.text;
  if (typeof t === 'string') return firstLine(t);
  const e = (b.elements as { text?: unknown }[] | undefined)?.[0]?.text;
  return typeof e === 'string' ? firstLine(e) : '';
}

/**
 * Blocks packed into messages of at most 50 blocks and 12,000 characters of block text, `tail` (the
 * buttons) at the end of the last. More than 10 messages: the tenth ends with `note(n)` (n = the body
 * blocks left out) and the tail.
 */
function paginate(
  body: SlackBlock[],
  tail: SlackBlock[],
  note: (left: number) => SlackBlock,
): SlackBlock[][] {
  const { blocks: maxBlocks, messageText: maxText, messages: maxMessages } = SLACK_LIMITS;
  const pages: SlackBlock[][] = [];
  let cur: SlackBlock[] = [];
  let size = 0;
  for (const b of body) {
    const n = blockTextLength(b);
    if (cur.length > 0 && (cur.length + 1 > maxBlocks || size + n > maxText)) {
      pages.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(b);
    size += n;
  }
  const tailSize = tail.reduce((a, b) => a + blockTextLength(b), 0);
  if (
    tail.length > 0 &&
    cur.length > 0 &&
    (cur.length + tail.length > maxBlocks || size + tailSize > maxText)
  ) {
    pages.push(cur);
    cur = [];
  }
  cur.push(...tail);
  if (cur.length > 0) pages.push(cur);
  if (pages.length <= maxMessages) return pages;

  // too long for Slack: the first nine messages as packed, then what fits before the note and the buttons
  const kept = pages.slice(0, maxMessages - 1);
  let used = kept.reduce((a, p) => a + p.length, 0);
  const sample = note(body.length - used);
  const reserveText = blockTextLength(sample) + tailSize + 16; // the count in the note may grow a digit
  const reserveBlocks = 1 + tail.length;
  const last: SlackBlock[] = [];
  size = 0;
  while (used < body.length) {
    const n = blockTextLength(body[used]!);
    if (last.length + 1 + reserveBlocks > maxBlocks || size + n + reserveText > maxText) break;
    last.push(body[used]!);
    size += n;
    used++;
  }
  last.push(note(body.length - used), ...tail);
  return [...kept, last];
}

function toMessages(pages: SlackBlock[][], firstText: string): Message[] {
  return pages.map((blocks, i) => {
    const line = i === 0 && firstText !== '' ? firstText : blockFirstLine(blocks[0]);
    const text = line !== '' ? line : T.en.continued(i + 1, pages.length);
    return { kind: 'message', text: clipMrkdwn(text, SLACK_LIMITS.fallbackText), blocks };
  });
}

export interface ReplyMessageOptions {
  intent: Intent;
  /** the Plan / Commands / PDF report / Re-check buttons (default true). */
  buttons?: boolean;
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

/**
 * A reply as Slack messages (kind 'message'): the answer as sections, a context block for the notes (files
 * that could not be read) and for the offline analyst's note, then — intent 'plan' — the plan's moves and
 * gains, or — intent 'commands' — every command in code blocks, and the buttons at the end of the last
 * message. Every message stays inside Block Kit's limits; what does not fit goes to further messages, and
 * past ten messages the last one says that the rest is in the PDF report.
 */
export function replyMessages(reply: Reply, opts: ReplyMessageOptions): Message[] {
  const lang = reply.lang;
  const { answer: full, note } = offlineNote(reply);
  const plan = reply.parts.plan;
  const commands = plan?.commands ?? reply.parts.commands;
  // a plan or commands shown as their own blocks: the answer keeps only its lead paragraph, so the moves
  // and commands are not listed twice in one message
  const structured = (opts.intent === 'plan' && plan) || (opts.intent === 'commands' && commands.length > 0);
  const answer = structured ? (full.split(/\n\s*\n/)[0] ?? full) : full;
  const answerMrk = mrkdwn(answer);
  const body: SlackBlock[] = sections(answerMrk);
  const context = [
    ...reply.notes.map((n) => `⚠️ ${escapeOnce(safeText(n).trim())}`),
    ...(note ? [mrkdwn(note)] : []),
  ];
  body.push(...contextBlocks(context));
  if (opts.intent === 'plan' && plan) body.push(...planBlocks(plan, lang));
  if (opts.intent === 'commands') body.push(...commandBlocks(commands, lang));
  const buttons = opts.buttons ?? true;
  const tail = buttons ? [actionsBlock(lang, reply.parts.score?.host ?? plan?.host)] : [];
  if (body.length === 0 && tail.length === 0) return [];
  const pages = paginate(body, tail, (left) => section(T[lang].more(left, buttons)));
  return toMessages(pages, firstLine(answerMrk) || firstLine(mrkdwn(reply.text)));
}

/** The plan alone as messages (no answer, no buttons). */
export function planMessages(plan: GeneratePlacementResult, lang: Lang): Message[] {
  return toMessages(
    paginate(planBlocks(plan, lang), [], (left) => section(T[lang].more(left, false))),
    '',
  );
}

/** The commands alone as messages (no answer, no buttons). */
export function commandsMessages(commands: readonly Command[], lang: Lang): Message[] {
  const blocks = commandBlocks(commands, lang);
  if (blocks.length === 0) return [];
  return toMessages(
    paginate(blocks, [], (left) => section(T[lang].more(left, false))),
    '',
  );
}

/** A fixed text (bot/slack/texts.ts, already mrkdwn) as messages: sections, the first line as fallback. */
export function textMessages(text: string): Message[] {
  const blocks = sections(text);
  if (blocks.length === 0) return [];
  return toMessages(
    paginate(blocks, [], (left) => section(T.en.more(left, false))),
    firstLine(text),
  );
}
