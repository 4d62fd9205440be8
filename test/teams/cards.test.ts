/**
 * The Teams rendering of a reply, with replies built by the real conversation core (offline analyst, real
 * tools) on the h200 demo scenario: every card is a valid Adaptive Card 1.5 within the size limits (a small
 * structural checker below), the first TextBlock is the answer's first line, no figure appears that the
 * reply does not hold, commands are verbatim, Korean replies get Korean buttons, names from the inputs
 * cannot form markdown, and replies of hundreds of findings and commands are split across cards. Also the
 * chat-text conversion, the button values (`cardAction`) and the fixed texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../bot/conversation/reply.ts';
import { MemoryStore } from '../../bot/conversation/store.ts';
import { runTurn } from '../../bot/conversation/turn.ts';
import { mrkdwn } from '../../bot/slack/blocks.ts';
import { failed, helpText, ignoredUpload, noHosts, unknownHost } from '../../bot/slack/texts.ts';
import {
  CARD_ACTIONS,
  CARD_LIMITS,
  cardAction,
  cardActions,
  commandsCards,
  escapeMarkdown,
  jsonBytes,
  planCards,
  replyCards,
  textCards,
  toPlainText,
  toTeamsMarkdown,
} from '../../bot/teams/cards.ts';
import { TEAMS_COMMANDS } from '../../bot/teams/commands.ts';
import {
  consentDescription,
  fileDeclined,
  fileSent,
  filesOnlyInPersonal,
  noReportLink,
  rateLimited,
  reportLink,
  teamsHelp,
  welcome,
  working,
} from '../../bot/teams/texts.ts';
import type { TurnJob } from '../../jobs/queue/contracts.ts';
import { OutMessage } from '../../jobs/queue/contracts.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import type { Finding } from '../../scoring/findings.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import type { InputFile } from '../../tools/ingest/index.ts';
import { scenarioFiles } from '../../tools/scenarios.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const INTENTS: TurnJob['intent'][] = [
  'ask',
  'report',
  'plan',
  'commands',
  'recheck',
  'score',
  'hosts',
  'help',
];
const QUESTIONS = ['give me the commands', '배치 계획 보여줘', 'why is training slow?', 'show all findings'];

type Message = Extract<OutMessage, { kind: 'message' }>;
interface El {
  type: string;
  [k: string]: unknown;
}

async function ask(text: string, baseInputs: InputFile[] = scenarioFiles('h200')): Promise<Reply> {
  const { reply } = await runTurn(
    { conversationId: `t-${text}`, text },
    {
      store: new MemoryStore(),
      model: null,
      runner: new LocalRunner(),
      services: { renderReport: renderPdf, now: () => NOW },
      baseInputs,
      redact: true,
      now: () => NOW,
    },
  );
  return reply;
}

// ---------------------------------------------------------------------------------------------------------
// a small structural checker of Adaptive Cards 1.5 as Teams renders them

const ELEMENTS = new Set([
  'TextBlock',
  'RichTextBlock',
  'Image',
  'Container',
  'ColumnSet',
  'FactSet',
  'ImageSet',
  'ActionSet',
  'Table',
]);
const ACTION_TYPES = new Set([
  'Action.Submit',
  'Action.OpenUrl',
  'Action.ShowCard',
  'Action.ToggleVisibility',
  'Action.Execute',
]);
const ENUMS: Record<string, string[]> = {
  spacing: ['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding'],
  size: ['Small', 'Default', 'Medium', 'Large', 'ExtraLarge'],
  weight: ['Lighter', 'Default', 'Bolder'],
  color: ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'],
  fontType: ['Default', 'Monospace'],
};
const CONTAINER_STYLES = ['default', 'emphasis', 'good', 'attention', 'warning', 'accent'];
// C0 except newline, DEL, C1, bidi controls
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function checkEnums(e: El): void {
  for (const [k, allowed] of Object.entries(ENUMS))
    if (e[k] !== undefined) expect(allowed, `${e.type}.${k} = ${String(e[k])}`).toContain(e[k]);
  for (const k of ['wrap', 'isSubtle', 'separator'])
    if (e[k] !== undefined) expect(typeof e[k]).toBe('boolean');
}

function checkElement(e: El): void {
  expect(ELEMENTS, `element type ${e.type}`).toContain(e.type);
  checkEnums(e);
  switch (e.type) {
    case 'TextBlock':
      expect(typeof e.text).toBe('string');
      expect((e.text as string).trim(), 'an empty TextBlock').not.toBe('');
      expect(e.wrap).toBe(true);
      break;
    case 'RichTextBlock': {
      const inlines = e.inlines as El[];
      expect(inlines.length).toBeGreaterThan(0);
      for (const r of inlines) {
        expect(r.type).toBe('TextRun');
        expect((r.text as string).trim()).not.toBe('');
        checkEnums(r);
      }
      break;
    }
    case 'Container': {
      const items = e.items as El[];
      expect(items.length).toBeGreaterThan(0);
      if (e.style !== undefined) expect(CONTAINER_STYLES).toContain(e.style);
      for (const i of items) checkElement(i);
      break;
    }
    case 'ColumnSet': {
      const cols = e.columns as El[];
      expect(cols.length).toBeGreaterThan(0);
      for (const c of cols) {
        expect(c.type).toBe('Column');
        expect(['auto', 'stretch'].includes(c.width as string) || /^\d+px$/.test(String(c.width))).toBe(true);
        const items = c.items as El[];
        expect(items.length).toBeGreaterThan(0);
        for (const i of items) checkElement(i);
      }
      break;
    }
    case 'FactSet': {
      const facts = e.facts as { title: string; value: string }[];
      expect(facts.length).toBeGreaterThan(0);
      for (const f of facts) {
        expect(f.title.trim()).not.toBe('');
        expect(f.value.trim()).not.toBe('');
      }
      break;
    }
    default:
      throw new Error(`the renderer writes no ${e.type}`);
  }
}

/** Every string of a value. */
function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(strings);
  return [];
}

function checkMessage(msg: OutMessage): asserts msg is Message {
  expect(OutMessage.safeParse(msg).success).toBe(true);
  if (msg.kind !== 'message') throw new Error('not a message');
  expect(msg.blocks).toBeUndefined();
  expect(msg.text.trim()).not.toBe('');
  expect(msg.text.length).toBeLessThanOrEqual(CARD_LIMITS.fallbackText);
  expect(msg.text).not.toMatch(CONTROL);
  const card = msg.card as { type: string; version: string; $schema: string; body: El[]; actions?: El[] };
  expect(card.type).toBe('AdaptiveCard');
  expect(card.version).toBe('1.5');
  expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
  expect(card.body.length).toBeGreaterThan(0);
  expect(jsonBytes(card)).toBeLessThanOrEqual(24_000);
  for (const e of card.body) checkElement(e);
  for (const a of card.actions ?? []) {
    expect(ACTION_TYPES).toContain(a.type);
    expect((a.title as string).trim()).not.toBe('');
    if (a.type === 'Action.Submit') expect(typeof a.data).toBe('object');
  }
  for (const s of strings(card))
    expect(s, `a control character in ${JSON.stringify(s)}`).not.toMatch(CONTROL);
}

function checkAll(msgs: OutMessage[]): Message[] {
  expect(msgs.length).toBeGreaterThan(0);
  expect(msgs.length).toBeLessThanOrEqual(50);
  for (const m of msgs) checkMessage(m);
  return msgs as Message[];
}

const cardOf = (m: Message) => m.card as unknown as { body: El[]; actions?: El[] };

/** The elements of cards in order, containers and columns opened. */
function flat(els: readonly El[]): El[] {
  return els.flatMap((e) => [
    e,
    ...flat((e.items as El[] | undefined) ?? []),
    ...flat(((e.columns as El[] | undefined) ?? []).flatMap((c) => c.items as El[])),
  ]);
}
const elements = (msgs: Message[]) => flat(msgs.flatMap((m) => cardOf(m).body));

/** What the cards show, in order: TextBlocks, TextRuns, facts. */
function shown(msgs: Message[]): string[] {
  return elements(msgs).flatMap((e) => {
    if (e.type === 'TextBlock') return [e.text as string];
    if (e.type === 'RichTextBlock') return (e.inlines as El[]).map((r) => r.text as string);
    if (e.type === 'FactSet')
      return (e.facts as { title: string; value: string }[]).map((f) => `${f.title}: ${f.value}`);
    return [];
  });
}

/** The monospace lines (commands, code), in order. */
function monospace(msgs: Message[]): string[] {
  return elements(msgs).flatMap((e) => {
    if (e.type === 'TextBlock' && e.fontType === 'Monospace') return [e.text as string];
    if (e.type === 'RichTextBlock')
      return (e.inlines as El[]).filter((r) => r.fontType === 'Monospace').map((r) => r.text as string);
    return [];
  });
}

const numbersIn = (s: string) => (s.match(/\d+(?:\.\d+)?/g) ?? []).map(Number);

/** Every figure the cards show is one the reply holds (its text, its parts, or the length of a list). */
function expectNoInventedNumbers(reply: Reply, msgs: Message[]): void {
  const lengths = [
    reply.parts.findings.length,
    reply.parts.commands.length,
    reply.parts.plan?.moves.length ?? 0,
    reply.parts.plan?.commands.length ?? 0,
  ];
  const allowed = new Set([...numbersIn(JSON.stringify({ ...reply, attachments: [] })), ...lengths]);
  for (const t of shown(msgs))
    for (const n of numbersIn(t)) expect(allowed.has(n), `${n} in ${JSON.stringify(t)}`).toBe(true);
}

const firstTextBlock = (m: Message) => cardOf(m).body.find((e) => e.type === 'TextBlock')!;

// ---------------------------------------------------------------------------------------------------------

describe('toTeamsMarkdown: chat text → the markdown of a TextBlock', () => {
  it.each([
    ['*bold* and _italic_', '**bold** and _italic_'],
    ['*_both_*', '**_both_**'],
    ['<https://example.com/a?b=1&amp;c=2|text>', '[text](https://example.com/a?b=1&c=2)'],
    ['<https://example.com>', '[https://example.com](https://example.com)'],
    ['[label](https://example.com/x)', '[label](https://example.com/x)'],
    ['&lt;!channel&gt; *x* a &amp; b', '<!channel> **x** a & b'],
    ['use `a *b* _c_ [d](e)` here', 'use a \\*b\\* \\_c\\_ [d\\](e) here'],
    ['train_rec_c and snake_case_name', 'train_rec_c and snake_case_name'],
    ['2 * 3 * 4', '2 \\* 3 \\* 4'],
    ['unclosed *bold', 'unclosed \\*bold'],
    ['~gone~ stays', 'gone stays'],
    ['[x](javascript:alert(1))', '[x\\](javascript:alert(1))'],
    ['\\[y\\](https://evil.example)', '[y\\](https://evil.example)'],
    ['{{DATE(2017-02-14T06:00:00Z, SHORT)}}', '{\u200b{DATE(2017-02-14T06:00:00Z, SHORT)}}'],
    ['GPU3 ↔ GPU5 = SYS — ‘명령어 전부’', 'GPU3 ↔ GPU5 = SYS — ‘명령어 전부’'],
    ['C:\\temp\\x', 'C:\\temp\\x'],
  ])('%j → %j', (chat, md) => {
    expect(toTeamsMarkdown(chat)).toBe(md);
  });

  it('plain text shows the characters', () => {
    expect(toPlainText('*bold* &lt;x&gt; <https://a.b|link> `a_b*`')).toBe('bold <x> link a_b*');
  });

  it('escapeMarkdown escapes what could become markup, and only that', () => {
    expect(escapeMarkdown('*x* [y](https://evil.example) _z_ a_b ~s~ `c` \\*')).toBe(
      '\\*x\\* [y\\](https://evil.example) \\_z\\_ a_b \\~s\\~ \\`c\\` \\\\\\*',
    );
    expect(escapeMarkdown('[downtime] 1.5× −59% <SR-IOV>')).toBe('[downtime] 1.5× −59% <SR-IOV>');
  });

  it('stays linear on adversarial input', () => {
    for (const s of [
      '*a '.repeat(70_000),
      '_a'.repeat(100_000),
      '<https://'.repeat(25_000),
      '`'.repeat(100_000),
    ]) {
      const msgs = checkAll(textCards(s));
      expect(msgs.length).toBeGreaterThan(0);
    }
  });
});

describe('replyCards with real replies', () => {
  const replies = new Map<string, Reply>();
  beforeAll(async () => {
    for (const q of QUESTIONS) replies.set(q, await ask(q));
  });

  it.each(QUESTIONS)('%s: every intent gives valid cards, the answer first, nothing invented', (q) => {
    const reply = replies.get(q)!;
    expect(reply.parts.plan).not.toBeNull();
    for (const intent of INTENTS) {
      const msgs = checkAll(replyCards(reply, { intent, buttons: true }));
      const first = reply.text.split('\n')[0]!;
      expect(firstTextBlock(msgs[0]!).text).toBe(toTeamsMarkdown(mrkdwn(first)));
      expect(msgs[0]!.text).toBe(escapeMarkdown(toPlainText(mrkdwn(first))));
      expectNoInventedNumbers(reply, msgs);

      // the answer's lines, in order (a plan or commands on their own: its lead paragraph only)
      const structured = intent === 'plan' || intent === 'commands';
      const answer = structured ? reply.text.split(/\n\s*\n/)[0]! : reply.text;
      const all = shown(msgs).join('\n');
      let at = 0;
      for (const line of mrkdwn(answer).split('\n')) {
        const body = line.replace(/^\s*(?:•|\d+\.)\s+/, '');
        if (body.trim() === '') continue;
        const md = toTeamsMarkdown(body);
        const i = all.indexOf(md, at);
        expect(i, `missing or out of order: ${md}`).toBeGreaterThanOrEqual(0);
        at = i + md.length;
      }
      expect(all).not.toContain('```');
      expect(all).not.toMatch(/&(?:lt|gt|amp);/);

      // the buttons: once, at the end of the last card, with the host
      const actions = msgs.flatMap((m) => cardOf(m).actions ?? []);
      expect(actions).toHaveLength(4);
      expect(cardOf(msgs.at(-1)!).actions).toHaveLength(4);
      expect(actions.map((a) => (a.data as { infralens: string }).infralens)).toEqual([...CARD_ACTIONS]);
      expect(actions.every((a) => (a.data as { host?: string }).host === 'gpu-node-01')).toBe(true);
      expect(actions.map((a) => a.title)).toEqual(
        reply.lang === 'ko'
          ? ['배치 계획', '명령어', 'PDF 리포트', '다시 확인']
          : ['Plan', 'Commands', 'PDF report', 'Re-check'],
      );
      for (const a of actions)
        expect(cardAction(a.data)).toEqual({
          intent: (a.data as { infralens: string }).infralens,
          host: 'gpu-node-01',
        });

      const commands = reply.parts.commands;
      const rows = elements(msgs).filter((e) => e.type === 'ColumnSet');
      if (intent === 'commands') {
        // every command verbatim, in order, in monospace
        expect(monospace(msgs)).toEqual(commands.map((c) => c.command));
        expect(rows).toHaveLength(0);
      } else if (intent === 'plan') {
        const plan = reply.parts.plan!;
        const facts = elements(msgs).filter((e) => e.type === 'FactSet');
        expect(facts).toHaveLength(1);
        const [fact] = facts[0]!.facts as { title: string; value: string }[];
        expect(fact!.value).toBe(
          `${plan.scoreBefore!.value.toFixed(1)} (${plan.scoreBefore!.grade}) → ${plan.scoreAfter!.value.toFixed(1)} (${plan.scoreAfter!.grade})`,
        );
        for (const m of plan.moves) expect(all).toContain(m.workload);
        for (const g of plan.expected) expect(all).toContain(g.summary[reply.lang]);
        expect(monospace(msgs)).toEqual([]);
      } else {
        // the findings, one row each: severity beside title and evidence
        expect(rows).toHaveLength(reply.parts.findings.length);
        const sev =
          reply.lang === 'ko'
            ? { critical: '심각', warning: '경고', info: '참고' }
            : { critical: 'Critical', warning: 'Warning', info: 'Info' };
        reply.parts.findings.forEach((f, k) => {
          const [left, right] = rows[k]!.columns as El[];
          expect((left!.items as El[])[0]!.text).toBe(sev[f.severity]);
          const texts = (right!.items as El[]).map((e) => e.text as string);
          expect(texts[0]).toBe(escapeMarkdown(f.title[reply.lang]));
          expect(texts[1]).toContain(f.evidence[0]!.text);
        });
        expect(monospace(msgs)).toEqual([]);
      }
    }
  });

  it('a Korean question gets Korean buttons, headings and labels', () => {
    const reply = replies.get('배치 계획 보여줘')!;
    expect(reply.lang).toBe('ko');
    const plan = shown(checkAll(replyCards(reply, { intent: 'plan', buttons: true }))).join('\n');
    expect(plan).toContain('**gpu-node-01의 배치 계획**: 이동 4건');
    expect(plan).toContain('**기대 효과**');
    expect(plan).toContain('점수: ');
    expect(plan).not.toMatch(/Expected gains|Moves|Score/);
    const cmds = shown(checkAll(replyCards(reply, { intent: 'commands', buttons: true }))).join('\n');
    expect(cmds).toContain('**명령어** (14개, 순서대로)');
    expect(cmds).toContain('[중단 필요]');
    const ask = shown(checkAll(replyCards(reply, { intent: 'ask', buttons: true }))).join('\n');
    expect(ask).toContain('**발견 사항** (11건, 심각한 순)');
  });

  it('without buttons: no actions', () => {
    const msgs = checkAll(replyCards(replies.get('show all findings')!, { intent: 'ask', buttons: false }));
    expect(msgs.every((m) => cardOf(m).actions === undefined)).toBe(true);
  });

  it('notes and the offline note in small grey text; Slack-escaped notes decoded once', () => {
    const base = replies.get('why is training slow?')!;
    const note = '(Answered by the offline analyst: Claude could not answer right now.)';
    const reply: Reply = {
      ...base,
      text: `${base.text}\n\n${note}`,
      fallbackReason: 'deadline exceeded',
      notes: ['topo <!channel>.txt: unknown format', ignoredUpload('en', ['a & b.png'])],
    };
    const msgs = checkAll(replyCards(reply, { intent: 'ask', buttons: true }));
    const subtle = elements(msgs)
      .filter((e) => e.type === 'TextBlock' && e.isSubtle === true && e.size === 'Small')
      .map((e) => e.text as string);
    expect(subtle).toContain('⚠️ topo <!channel>.txt: unknown format');
    expect(subtle.some((t) => t.startsWith('⚠️ I skipped a & b.png: it is not a format I read.'))).toBe(true);
    expect(subtle).toContain(toTeamsMarkdown(mrkdwn(note)));
    expect(shown(msgs).join('\n').split('offline analyst')).toHaveLength(2);
  });

  it('plan and commands alone', () => {
    const reply = replies.get('give me the commands')!;
    checkAll(planCards(reply.parts.plan!, 'en'));
    const msgs = checkAll(commandsCards(reply.parts.commands, 'ko'));
    expect(monospace(msgs)).toEqual(reply.parts.commands.map((c) => c.command));
    expect(commandsCards([], 'en')).toEqual([]);
  });
});

describe('names from the inputs', () => {
  it('a host called like markdown shows as written: no link, no emphasis', async () => {
    const host = '*x* [y](https://evil.example/p) _z_';
    const files = scenarioFiles('h200').map((f) =>
      f.name.endsWith('bundle.txt')
        ? {
            ...f,
            content: Buffer.from(f.content as Uint8Array)
              .toString()
              .replace('host=gpu-node-01', `host=${host}`),
          }
        : f,
    );
    for (const q of ['show all findings', 'give me the commands']) {
      const reply = await ask(q, files);
      expect(reply.text).toContain(host);
      for (const intent of ['ask', 'plan', 'commands'] as const) {
        const msgs = checkAll(replyCards(reply, { intent, buttons: true }));
        const texts = elements(msgs)
          .filter((e) => e.type === 'TextBlock' && e.fontType !== 'Monospace')
          .map((e) => e.text as string);
        for (const t of texts) {
          expect(t).not.toMatch(/(?<!\\)\]\(https:\/\/evil/);
          expect(t).not.toMatch(/(?<!\\)\*x/);
          expect(t).not.toMatch(/(?<![\\\w])_z/);
        }
        expect(texts.join('\n')).toContain(escapeMarkdown(host));
        expect(msgs[0]!.text).toContain(escapeMarkdown(host, null));
        const data = cardOf(msgs.at(-1)!).actions![0]!.data;
        expect(cardAction(data)).toEqual({ intent: 'plan', host });
      }
    }
  });
});

describe('size: long replies are split into cards', () => {
  let base: Reply;
  beforeAll(async () => {
    base = await ask('give me the commands');
  });

  /** n findings with Korean titles and markdown-ish evidence, and n commands. */
  function huge(n: number): Reply {
    const f0 = base.parts.findings[0]!;
    const findings: Finding[] = Array.from({ length: n }, (_, k) => ({
      ...f0,
      severity: (['critical', 'warning', 'info'] as const)[k % 3]!,
      workloads: [`job-${k}`],
      title: {
        en: `job-${k}: split across NVLink groups`,
        ko: `job-${k}: 분산 학습이 NVLink 그룹을 가로질러 배치됨 (${k}번째)`,
      },
      evidence: [
        {
          source: `h200/bundle.txt#topo-${k}`,
          text: `topo -m: GPU${k % 8} ↔ GPU${(k + 3) % 8} = SYS *${k}* _x_`,
        },
      ],
    }));
    const c0 = base.parts.commands[0]!;
    const commands = Array.from({ length: n }, (_, k) => ({
      ...c0,
      step: k + 1,
      command:
        k % 3 === 0
          ? `qm set ${100 + k} --hostpci0 <SR-IOV function of 0000:ab:00>,mdev=<type ${k}> --affinity ${k}-${k + 7}`
          : k % 3 === 1
            ? `echo ${k} > /sys/bus/pci/devices/0000:ab:00.0/sriov_numvfs && ls *_${k}_*`
            : `nvidia-smi mig -i ${k % 8} -cgi 19,19 -C`,
      what: { en: `step ${k}`, ko: `${k}번째 단계: GPU${k % 8}의 MIG 인스턴스를 만듭니다` },
    }));
    const plan = { ...base.parts.plan!, commands };
    return { ...base, lang: 'ko', parts: { ...base.parts, findings, plan, commands } };
  }

  it('hundreds of findings (Korean) are all shown, in order, across cards within the limits', () => {
    const reply = huge(300);
    const msgs = checkAll(replyCards(reply, { intent: 'ask', buttons: true }));
    expect(msgs.length).toBeGreaterThan(1);
    expect(msgs.length).toBeLessThanOrEqual(CARD_LIMITS.messages);
    const titles = elements(msgs)
      .filter((e) => e.type === 'ColumnSet')
      .map((e) => ((e.columns as El[])[1]!.items as El[])[0]!.text);
    expect(titles).toEqual(reply.parts.findings.map((f) => escapeMarkdown(f.title.ko)));
    expect(cardOf(msgs.at(-1)!).actions!.map((a) => a.title)).toEqual([
      '배치 계획',
      '명령어',
      'PDF 리포트',
      '다시 확인',
    ]);
    expect(msgs.slice(0, -1).every((m) => cardOf(m).actions === undefined)).toBe(true);
    expect(msgs[1]!.text).toBe(`InfraLens (2/${msgs.length})`);
    expectNoInventedNumbers(reply, msgs);
  });

  it('a list of hundreds of commands is split across cards, every command verbatim and in order', () => {
    const reply = huge(300);
    const msgs = checkAll(replyCards(reply, { intent: 'commands', buttons: true }));
    expect(msgs.length).toBeGreaterThan(1);
    expect(monospace(msgs)).toEqual(reply.parts.commands.map((c) => c.command));
    // a command's step and its command stay together on one card
    for (const m of msgs)
      for (const box of cardOf(m).body.filter((e) => e.type === 'Container'))
        expect((box.items as El[]).length).toBe(2);
    expectNoInventedNumbers(reply, msgs);
  });

  it('a command longer than a card is cut into parts that join back into it', () => {
    const long = `qm set 101 ${Array.from({ length: 4000 }, (_, k) => `--arg${k} 값_${k}<c>`).join(' ')}`;
    expect(jsonBytes(long)).toBeGreaterThan(24_000);
    const c = { ...base.parts.commands[0]!, step: 1, command: long };
    const plan = { ...base.parts.plan!, commands: [c] };
    for (const lang of ['en', 'ko'] as const) {
      const reply: Reply = { ...base, lang, parts: { ...base.parts, plan, commands: [c] } };
      const msgs = checkAll(replyCards(reply, { intent: 'commands', buttons: true }));
      expect(msgs.length).toBeGreaterThan(1);
      expect(monospace(msgs).join('')).toBe(long);
      expect(shown(msgs).join('\n')).toContain(
        lang === 'ko' ? '한 줄로 이어 붙이세요' : 'join them into one line',
      );
    }
  });

  it('a reply past the card limit ends with a note and the buttons', () => {
    const reply = huge(3000);
    for (const [intent, lang] of [
      ['ask', 'ko'],
      ['commands', 'en'],
    ] as const) {
      const msgs = checkAll(replyCards({ ...reply, lang }, { intent, buttons: true }));
      expect(msgs).toHaveLength(CARD_LIMITS.messages);
      const last = cardOf(msgs.at(-1)!);
      expect(last.actions).toHaveLength(4);
      expect(last.body.at(-1)!.text).toContain(
        lang === 'ko' ? 'PDF 리포트에 있습니다' : 'The rest is in the PDF report',
      );
    }
  });

  it('a 600 KB answer with code blocks, and one 100 KB line, stay within the limits', () => {
    const paras: string[] = [];
    for (let p = 0; paras.join('\n\n').length < 600_000; p++) {
      const lines = Array.from(
        { length: 5 },
        (_, k) => `- line ${p}.${k}: **GPU${k}** runs \`train_${p}\` & waits <${p}>`,
      );
      if (p % 40 === 0)
        lines.push('```sh', ...Array.from({ length: 10 }, (_, k) => `echo ${p}.${k} <x> && y *z*`), '```');
      paras.push(lines.join('\n'));
    }
    const text = `The answer in one line.\n\n${paras.join('\n\n')}`;
    const msgs = checkAll(replyCards({ ...base, text }, { intent: 'ask', buttons: true }));
    expect(msgs).toHaveLength(CARD_LIMITS.messages);
    expect(firstTextBlock(msgs[0]!).text).toBe('The answer in one line.');
    expect(monospace(msgs)).toContain('echo 0.0 <x> && y *z*');

    const line = `Start. ${'한국어 단어와 word '.repeat(8000)}end.`;
    const one = checkAll(replyCards({ ...base, text: line }, { intent: 'ask', buttons: false }));
    const blocks = elements(one).filter((e) => e.type === 'TextBlock');
    expect(blocks.length).toBeGreaterThan(3);
    expect(one[0]!.text.length).toBeLessThanOrEqual(CARD_LIMITS.fallbackText);
  });

  it('control characters in the answer never reach a card', () => {
    const text = `Bell\u0007 and \u202eevil\u202c here\n\n- item \u0000 one`;
    checkAll(replyCards({ ...base, text }, { intent: 'ask', buttons: true }));
  });
});

describe('cardAction', () => {
  it('reads the buttons it wrote', () => {
    for (const a of cardActions('en', 'gpu-node-01'))
      expect(cardAction(a.data)).toEqual({
        intent: (a.data as { infralens: string }).infralens,
        host: 'gpu-node-01',
      });
    expect(cardAction({ infralens: 'report' })).toEqual({ intent: 'report' });
    expect(cardAction({ infralens: 'recheck', host: 'gpu-a', msteams: { x: 1 } })).toEqual({
      intent: 'recheck',
      host: 'gpu-a',
    });
    // a host cut for the button (200 characters) is still accepted back
    const long = cardActions('ko', 'h'.repeat(500))[0]!.data;
    expect(cardAction(long)?.host).toHaveLength(200);
  });

  it.each([
    [{ infralens: 'rm -rf' }],
    [{ infralens: 'ask' }],
    [{ infralens: 'help' }],
    [{ infralens: ['plan'] }],
    [{ infralens: 'PLAN' }],
    [{ host: 'gpu-a' }],
    [{ infralens: 'plan', host: 'x'.repeat(201) }],
    [{ infralens: 'plan', host: 'gpu-a\n/infralens report' }],
    [{ infralens: 'plan', host: 'gpu\u202e-a' }],
    [{ infralens: 'plan', host: 42 }],
    [{ infralens: 'plan', host: { toString: 'x' } }],
    ['plan'],
    ['{"infralens":"plan"}'],
    [null],
    [undefined],
    [42],
    [[{ infralens: 'plan' }]],
    [Object.create({ infralens: 'plan' })],
    [new Map([['infralens', 'plan']])],
  ])('refuses %j', (v) => {
    expect(cardAction(v)).toBeNull();
  });
});

describe('texts', () => {
  it('every fixed text renders as a valid card, in both languages', () => {
    for (const lang of ['en', 'ko'] as const) {
      for (const t of [
        teamsHelp(lang),
        welcome(lang),
        fileSent(lang, 'report.pdf'),
        fileDeclined(lang, 'report.pdf'),
        reportLink(lang, 'https://bot.example.com/reports/abc', 24),
        noReportLink(lang),
        filesOnlyInPersonal(lang),
        rateLimited(lang),
        working(lang),
        helpText(lang),
        noHosts(lang),
        unknownHost(lang, '<x>', ['gpu-a']),
      ]) {
        const msgs = checkAll(textCards(t));
        expect(msgs[0]!.text).toBe(escapeMarkdown(toPlainText(t.split('\n')[0]!)));
        if (lang === 'ko') expect(t).toMatch(/[가-힣]/);
      }
    }
  });

  it('help lists every command word, how to send files and the formats read', () => {
    for (const lang of ['en', 'ko'] as const) {
      const help = teamsHelp(lang);
      for (const c of TEAMS_COMMANDS) expect(help).toContain(`\`${c.title}`);
      expect(help).toContain('`score [HOST]`');
      expect(help).toContain('`nvidia-smi topo -m`');
      expect(help).toContain('`infralens collect-script`');
      // Korean help has a Korean description for every command
      if (lang === 'ko') for (const c of TEAMS_COMMANDS) expect(help).not.toContain(c.description);
      const all = shown(checkAll(textCards(help))).join('\n');
      expect(all).toContain('- score [HOST]: ');
      expect(all).not.toContain('`');
    }
  });

  it('file names are escaped for both readings; the consent text is plain', () => {
    const name = 'a*b_<c>&.pdf';
    expect(fileSent('en', name)).toBe('Here is the report: a\\*b\\_&lt;c&gt;&amp;.pdf');
    expect(shown(checkAll(textCards(fileSent('en', name))))).toEqual([
      'Here is the report: a\\*b\\_<c>&.pdf',
    ]);
    expect(fileDeclined('ko', 'x.pdf')).toMatch(/^x\.pdf는 보내지 않았습니다/);
    expect(consentDescription('en', `${name}\n\u0007x`)).toBe(
      'The InfraLens PDF report a*b_<c>&.pdf \uFFFDx. Accept to save it to your OneDrive.',
    );
    expect(consentDescription('ko', 'r.pdf')).toContain('OneDrive');
  });

  it('the report link says how long it works; a bad URL gives the personal-chat text', () => {
    const url = 'https://bot.example.com/reports/t0k3n?x=1&y=2';
    expect(reportLink('en', url, 24)).toBe(
      `The PDF report: [download it here](${url}) (the link works for 24 hours)`,
    );
    expect(reportLink('en', url, 1)).toContain('works for 1 hour)');
    expect(reportLink('ko', url, 48)).toContain('48시간 동안 유효합니다');
    const card = shown(checkAll(textCards(reportLink('en', url, 24))));
    expect(card[0]).toContain(`[download it here](${url})`);
    for (const bad of [
      'javascript:alert(1)',
      'https://x.example/a b',
      'https://x.example/)[y](https://evil',
    ]) {
      expect(reportLink('en', bad, 24)).toBe(noReportLink('en'));
    }
    expect(noReportLink('ko')).toContain('개인 채팅');
    expect(filesOnlyInPersonal('en')).toContain('personal chat');
  });

  it('Slack texts shown in Teams: their escapes decoded once, their code as text', () => {
    expect(shown(checkAll(textCards(failed('en', 'Redis <down> & out'))))[0]).toContain('Redis <down> & out');
    const formats = shown(checkAll(textCards(helpText('ko')))).join('\n');
    expect(formats).toContain('- nvidia-smi topo -m');
  });
});
