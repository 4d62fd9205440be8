/**
 * The Slack rendering of a reply, with replies built by the real conversation core (offline analyst, real
 * tools) on the h200 demo scenario: every message inside Block Kit's limits, nothing of the answer lost,
 * commands verbatim, Korean labels, text from the inputs escaped (no mention can be forged), and an
 * enormous answer cut at ten messages with a note. Also the mrkdwn conversion and the fixed texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../bot/conversation/reply.ts';
import { MemoryStore } from '../../bot/conversation/store.ts';
import { runTurn } from '../../bot/conversation/turn.ts';
import {
  ACTIONS,
  commandsMessages,
  escapeMrkdwn,
  type Intent,
  mrkdwn,
  planMessages,
  replyMessages,
  splitMrkdwn,
  textMessages,
} from '../../bot/slack/blocks.ts';
import {
  acceptedFormats,
  downloadError,
  failed,
  helpText,
  ignoredUpload,
  loadingMessages,
  noHosts,
  suggestedPrompts,
} from '../../bot/slack/texts.ts';
import { OutMessage } from '../../jobs/queue/contracts.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import type { InputFile } from '../../tools/ingest/index.ts';
import { scenarioFiles } from '../../tools/scenarios.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const INTENTS: Intent[] = ['ask', 'report', 'plan', 'commands', 'recheck', 'score', 'hosts', 'help'];
const QUESTIONS = ['give me the commands', '배치 계획 보여줘', 'why is training slow?', 'show all findings'];

type Message = Extract<OutMessage, { kind: 'message' }>;
type Block = NonNullable<Message['blocks']>[number];

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

const str = (x: unknown): string => (typeof x === 'string' ? x : '');
const textObj = (x: unknown): string => str((x as { text?: unknown } | undefined)?.text);
/** The text of a section or header block. */
const blockText = (b: Block | undefined): string => textObj(b?.text);

/** The texts of a block Slack shows (section text and fields, context elements, button labels). */
function blockTexts(b: Block): string[] {
  const out: string[] = [];
  if (b.text) out.push(blockText(b));
  for (const f of (b.fields as unknown[] | undefined) ?? []) out.push(textObj(f));
  for (const e of (b.elements as { type: string; text?: unknown }[] | undefined) ?? [])
    out.push(e.type === 'button' ? textObj(e.text) : textObj(e));
  return out;
}

/** Everything the messages show, in order (block texts; the fallback `text` is a copy of a first line). */
const shown = (msgs: Message[]) => msgs.flatMap((m) => (m.blocks ?? []).flatMap(blockTexts)).join('\n');

/** Slack's limits (../shared/reference/interfaces.md §1.6) and our own for one message. */
function checkLimits(msg: OutMessage): void {
  expect(OutMessage.safeParse(msg).success).toBe(true);
  if (msg.kind !== 'message') throw new Error('not a message');
  expect(msg.text.trim()).not.toBe('');
  expect(msg.text.length).toBeLessThanOrEqual(3000);
  const blocks = msg.blocks ?? [];
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(50);
  let total = 0;
  const actionIds = new Set<string>();
  for (const b of blocks) {
    switch (b.type) {
      case 'section': {
        const t = b.text as { type: string; text: string };
        expect(t.type).toBe('mrkdwn');
        expect(t.text.trim()).not.toBe('');
        expect(t.text.length).toBeLessThanOrEqual(3000);
        const fences = t.text.split('\n').filter((l) => l === '```').length;
        expect(fences % 2, `unbalanced code fences in: ${t.text.slice(0, 200)}`).toBe(0);
        const fields = (b.fields as { text: string }[] | undefined) ?? [];
        expect(fields.length).toBeLessThanOrEqual(10);
        for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(2000);
        break;
      }
      case 'header':
        expect(blockText(b).length).toBeLessThanOrEqual(150);
        break;
      case 'context': {
        const els = b.elements as { type: string; text: string }[];
        expect(els.length).toBeGreaterThan(0);
        expect(els.length).toBeLessThanOrEqual(10);
        for (const e of els) {
          expect(e.text.trim()).not.toBe('');
          expect(e.text.length).toBeLessThanOrEqual(3000);
        }
        break;
      }
      case 'actions': {
        const els = b.elements as {
          type: string;
          action_id: string;
          text: { text: string };
          value?: string;
        }[];
        expect(els.length).toBeLessThanOrEqual(25);
        for (const e of els) {
          expect(e.type).toBe('button');
          expect(e.text.text.length).toBeGreaterThan(0);
          expect(e.text.text.length).toBeLessThanOrEqual(75);
          expect((e.value ?? '').length).toBeLessThanOrEqual(2000);
          expect(actionIds.has(e.action_id)).toBe(false);
          actionIds.add(e.action_id);
        }
        break;
      }
      default:
        throw new Error(`unexpected block ${b.type}`);
    }
    for (const t of blockTexts(b)) {
      total += t.length;
      // the only `<` Slack sees opens a link to a web or mail address: never a mention, channel or command
      expect(t).not.toMatch(/<(?!https?:\/\/|mailto:)/);
    }
  }
  expect(total).toBeLessThanOrEqual(12_000);
  expect(msg.text).not.toMatch(/<(?!https?:\/\/|mailto:)/);
}

/** Every non-empty line of the answer, as mrkdwn, appears in the messages in order. */
function expectAllLines(answer: string, msgs: Message[]): void {
  const all = shown(msgs);
  let at = 0;
  for (const line of mrkdwn(answer).split('\n')) {
    const l = line.trim();
    if (l === '' || l === '```') continue;
    const i = all.indexOf(l, at);
    expect(i, `missing or out of order: ${l}`).toBeGreaterThanOrEqual(0);
    at = i + l.length;
  }
}

describe('mrkdwn', () => {
  it.each([
    ['**bold** and __bold__', '*bold* and *bold*'],
    ['*italic* and _italic_', '_italic_ and _italic_'],
    ['***both***', '*_both_*'],
    ['a **b *c* d** e', 'a *b _c_ d* e'],
    ['~~gone~~', '~gone~'],
    ['# Heading', '*Heading*'],
    ['## Sub **x** heading ##', '*Sub x heading*'],
    ['[text](https://example.com/a?b=1&c=2)', '<https://example.com/a?b=1&amp;c=2|text>'],
    ['[<!channel>](https://x.y)', '<https://x.y|&lt;!channel&gt;>'],
    ['[x](javascript:alert(1))', '[x](javascript:alert(1))'],
    ['<https://slack.com>', '<https://slack.com>'],
    ['- item\n* item2\n  - nested\n+ plus', '• item\n• item2\n  • nested\n• plus'],
    ['1. first\n2. second', '1. first\n2. second'],
    ['```bash\necho <hi> && ls *x*\n```', '```\necho &lt;hi&gt; &amp;&amp; ls *x*\n```'],
    ['```\nnever closed', '```\nnever closed\n```'],
    ['~~~\n```\n~~~', '```\n``\u200b`\n```'],
    ['use `a < b **c**` here', 'use `a &lt; b **c**` here'],
    ['`unclosed code', '`unclosed code'],
    ['<!channel> *x*', '&lt;!channel&gt; _x_'],
    ['<@U123> <#C1|general> <!here>', '&lt;@U123&gt; &lt;#C1|general&gt; &lt;!here&gt;'],
    ['**<!here>**', '*&lt;!here&gt;*'],
    ['a & b <c> d &amp;', 'a &amp; b &lt;c&gt; d &amp;amp;'],
    ['<http://x|<!channel>>', '&lt;http://x|&lt;!channel&gt;&gt;'],
    ['train_rec_c and snake_case_name', 'train_rec_c and snake_case_name'],
    ['2 * 3 * 4', '2 * 3 * 4'],
    ['unclosed **bold', 'unclosed **bold'],
    ['> quote', '&gt; quote'],
    ['---', '──────────'],
    ['GPU3 ↔ GPU5 = SYS — ‘명령어 전부’', 'GPU3 ↔ GPU5 = SYS — ‘명령어 전부’'],
  ])('%j → %j', (md, out) => {
    expect(mrkdwn(md)).toBe(out);
  });

  it('stays linear on adversarial input', () => {
    // a quadratic scan would take minutes here; these finish at once
    for (const s of [
      '['.repeat(200_000),
      '[a]('.repeat(50_000),
      '*a '.repeat(70_000),
      '_a'.repeat(100_000),
      '` ``'.repeat(50_000),
      '<http://'.repeat(25_000),
      '&<>'.repeat(70_000),
      `a${'\n'.repeat(200_000)}b`,
      `${'**a '.repeat(50_000)}${' b**'.repeat(50_000)}`,
    ]) {
      const out = mrkdwn(s);
      expect(out).not.toMatch(/<(?!https?:\/\/)/);
      for (const piece of splitMrkdwn(out)) expect(piece.length).toBeLessThanOrEqual(3000);
    }
  });
});

describe('replyMessages with real replies', () => {
  const replies = new Map<string, Reply>();
  beforeAll(async () => {
    for (const q of QUESTIONS) replies.set(q, await ask(q));
  });

  it.each(QUESTIONS)('%s: every intent renders within the limits, losing nothing', (q) => {
    const reply = replies.get(q)!;
    expect(reply.parts.plan).not.toBeNull();
    for (const intent of INTENTS) {
      const msgs = replyMessages(reply, { intent });
      expect(msgs.length).toBeGreaterThan(0);
      for (const m of msgs) checkLimits(m);
      const first = mrkdwn(reply.text.split('\n')[0]!);
      expect(blockText(msgs[0]!.blocks![0])).toContain(first);
      expect(msgs[0]!.text).toBe(first);
      // a plan or commands shown as their own blocks: the answer keeps its lead paragraph only (the moves
      // and commands are not listed twice); any other intent shows the whole answer
      const structured = intent === 'plan' || (intent === 'commands' && reply.parts.commands.length > 0);
      expectAllLines(structured ? reply.text.split(/\n\s*\n/)[0]! : reply.text, msgs);
      // the buttons come last, once, with the host
      const actions = msgs.flatMap((m) => m.blocks ?? []).filter((b) => b.type === 'actions');
      expect(actions).toHaveLength(1);
      expect(msgs.at(-1)!.blocks!.at(-1)!.type).toBe('actions');
      const buttons = actions[0]!.elements as { action_id: string; value?: string; text: { text: string } }[];
      expect(buttons.map((b) => b.action_id)).toEqual(Object.values(ACTIONS));
      expect(buttons.every((b) => b.value === 'gpu-node-01')).toBe(true);
      expect(buttons.map((b) => b.text.text)).toEqual(
        reply.lang === 'ko'
          ? ['배치 계획', '명령어', 'PDF 리포트', '다시 확인']
          : ['Plan', 'Commands', 'PDF report', 'Re-check'],
      );

      const all = shown(msgs);
      const commands = reply.parts.commands;
      expect(commands.length).toBeGreaterThan(0);
      if (intent === 'commands')
        for (const c of commands) expect(all).toContain(`\`\`\`\n${escapeMrkdwn(c.command)}\n\`\`\``);
      else expect(all).not.toContain('```');
      if (intent === 'plan') {
        for (const g of reply.parts.plan!.expected)
          expect(all).toContain(escapeMrkdwn(g.summary[reply.lang]));
        for (const m of reply.parts.plan!.moves) expect(all).toContain(m.workload);
      }
    }
  });

  it('a Korean question gets Korean buttons and Korean plan headings', () => {
    const reply = replies.get('배치 계획 보여줘')!;
    expect(reply.lang).toBe('ko');
    const all = shown(replyMessages(reply, { intent: 'plan' }));
    expect(all).toContain('배치 계획');
    expect(all).toContain('*기대 효과*');
    expect(all).not.toContain('Expected gains');
    const cmds = shown(replyMessages(reply, { intent: 'commands' }));
    expect(cmds).toContain('*명령어*');
    expect(cmds).toContain('[중단 필요]');
  });

  it('without buttons: no actions block', () => {
    const msgs = replyMessages(replies.get('show all findings')!, { intent: 'ask', buttons: false });
    expect(msgs.flatMap((m) => m.blocks ?? []).some((b) => b.type === 'actions')).toBe(false);
  });

  it('notes go to a context block; the offline note of a fallback is shown once, as context', () => {
    const base = replies.get('why is training slow?')!;
    const note = '(Answered by the offline analyst: Claude could not answer right now.)';
    const reply: Reply = {
      ...base,
      text: `${base.text}\n\n${note}`,
      fallbackReason: 'deadline exceeded',
      notes: ['topo <!channel>.txt: unknown format', 'a & b.txt: empty file'],
    };
    const msgs = replyMessages(reply, { intent: 'ask' });
    for (const m of msgs) checkLimits(m);
    const blocks = msgs.flatMap((m) => m.blocks ?? []);
    const sections = blocks
      .filter((b) => b.type === 'section')
      .map(blockText)
      .join('\n');
    const context = blocks.filter((b) => b.type === 'context').flatMap(blockTexts);
    expect(sections).not.toContain('offline analyst');
    expect(context).toContain(note);
    expect(context).toContain('⚠️ topo &lt;!channel&gt;.txt: unknown format');
    expect(context).toContain('⚠️ a &amp; b.txt: empty file');
    expect(shown(msgs).split('offline analyst')).toHaveLength(2);
    expectAllLines(reply.text, msgs);
  });

  it('a host name from the inputs cannot ping the channel', async () => {
    const files = scenarioFiles('h200').map((f) =>
      f.name.endsWith('bundle.txt')
        ? {
            ...f,
            content: Buffer.from(f.content as Uint8Array)
              .toString()
              .replace('host=gpu-node-01', 'host=<!channel> *x*'),
          }
        : f,
    );
    for (const q of ['show all findings', 'give me the commands']) {
      const reply = await ask(q, files);
      expect(reply.text).toContain('<!channel> *x*');
      for (const intent of ['ask', 'plan', 'commands'] as const) {
        const msgs = replyMessages(reply, { intent });
        for (const m of msgs) checkLimits(m);
        const all = `${msgs.map((m) => m.text).join('\n')}\n${shown(msgs)}`;
        expect(all).not.toContain('<!channel>');
        expect(all).toContain('&lt;!channel&gt;');
      }
    }
  });

  it('plan and commands alone', () => {
    const reply = replies.get('give me the commands')!;
    for (const m of [
      ...planMessages(reply.parts.plan!, 'en'),
      ...commandsMessages(reply.parts.commands, 'ko'),
    ])
      checkLimits(m);
    expect(commandsMessages([], 'en')).toEqual([]);
  });
});

describe('replyMessages with long answers', () => {
  let base: Reply;
  beforeAll(async () => {
    base = await ask('give me the commands');
  });

  it('a 200 KB answer is cut into at most 10 messages within the limits, the last saying the rest is in the PDF', () => {
    const paras: string[] = [];
    for (let p = 0; paras.join('\n\n').length < 200_000; p++) {
      const lines = Array.from(
        { length: 5 },
        (_, k) =>
          `- line ${p}.${k}: **GPU${k}** runs \`train-${p}\` on NUMA node ${k % 2} & waits <${p}> for data`,
      );
      if (p % 40 === 0)
        lines.push('```', ...Array.from({ length: 10 }, (_, k) => `code ${p}.${k} <x> && y`), '```');
      paras.push(lines.join('\n'));
    }
    const text = `The answer in one line.\n\n${paras.join('\n\n')}`;
    expect(text.length).toBeGreaterThan(200_000);
    for (const lang of ['en', 'ko'] as const) {
      const msgs = replyMessages({ ...base, text, lang }, { intent: 'ask' });
      expect(msgs).toHaveLength(10);
      for (const m of msgs) checkLimits(m);
      const last = msgs.at(-1)!.blocks!;
      expect(last.at(-1)!.type).toBe('actions');
      expect(blockText(last.at(-2))).toContain(
        lang === 'ko' ? 'PDF 리포트에 있습니다' : 'The rest is in the PDF report',
      );
      expect(msgs[0]!.text).toBe('The answer in one line.');
      // what is shown is the start of the answer, in order; what is not shown is the end
      const all = shown(msgs);
      const lines = mrkdwn(text)
        .split('\n')
        .filter((l) => l.trim() !== '' && l !== '```');
      let at = 0;
      let k = 0;
      for (; k < lines.length; k++) {
        const i = all.indexOf(lines[k]!, at);
        if (i < 0) break;
        at = i + lines[k]!.length;
      }
      expect(k).toBeGreaterThan(lines.length / 10);
      expect(k).toBeLessThan(lines.length);
      for (const l of lines.slice(k)) if (l.startsWith('• line')) expect(all).not.toContain(l);
    }
  });

  it('a long code block keeps its fences balanced across sections and messages', () => {
    const code = Array.from({ length: 400 }, (_, k) => `echo line-${k} "$HOME" <in >out`);
    const text = `Here is the script:\n\n\`\`\`sh\n${code.join('\n')}\n\`\`\`\n\nRun it as root.`;
    const msgs = replyMessages({ ...base, text }, { intent: 'ask' });
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) checkLimits(m);
    expectAllLines(text, msgs);
    // every code line is inside a code block of its section
    for (const b of msgs.flatMap((m) => m.blocks ?? []).filter((x) => x.type === 'section')) {
      let inCode = false;
      for (const l of blockText(b).split('\n')) {
        if (l === '```') inCode = !inCode;
        else if (l.startsWith('echo line-')) expect(inCode).toBe(true);
      }
    }
  });

  it('a command longer than a block is cut into parts, with a note, and nothing of it is lost', () => {
    const long = `qm set 101 ${Array.from({ length: 600 }, (_, k) => `--arg${k} a&b<c>`).join(' ')}`;
    expect(long.length).toBeGreaterThan(2900);
    const plan = { ...base.parts.plan!, commands: [{ ...base.parts.commands[0]!, step: 1, command: long }] };
    const reply: Reply = { ...base, parts: { ...base.parts, plan, commands: plan.commands } };
    const msgs = replyMessages(reply, { intent: 'commands' });
    for (const m of msgs) checkLimits(m);
    const all = shown(msgs);
    expect(all).toContain('join them into one line');
    const commandPart = all.slice(all.indexOf('*Commands*'));
    const parts = [...commandPart.matchAll(/```\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(escapeMrkdwn(long));
  });
});

describe('texts', () => {
  it('fixed texts read the same raw or through mrkdwn, in both languages, and fit a message', () => {
    for (const lang of ['en', 'ko'] as const) {
      for (const t of [helpText(lang), acceptedFormats(lang), noHosts(lang)]) {
        expect(mrkdwn(t)).toBe(t);
        for (const m of textMessages(t)) checkLimits(m);
      }
      expect(helpText(lang)).toContain('/infralens score [HOST]');
      expect(acceptedFormats(lang)).toContain('`nvidia-smi topo -m`');
      expect(acceptedFormats(lang)).toContain('`infralens collect-script`');
      expect(loadingMessages(lang).length).toBeLessThanOrEqual(10);
    }
  });

  it('suggested prompts mix both languages, at most 4', () => {
    for (const lang of [undefined, 'en', 'ko'] as const) {
      const p = suggestedPrompts(lang);
      expect(p.length).toBeLessThanOrEqual(4);
      expect(p.some((x) => /[가-힣]/.test(x.message))).toBe(true);
      expect(p.some((x) => /^[\x20-\x7e]+$/.test(x.message))).toBe(true);
    }
    expect(suggestedPrompts('ko')[0]!.message).toMatch(/[가-힣]/);
  });

  it('values from outside are escaped; Korean particles follow the name', () => {
    expect(ignoredUpload('en', ['<!channel>.png'])).toContain('&lt;!channel&gt;.png: it is not');
    expect(ignoredUpload('ko', ['a.png', 'b.pdf'])).toMatch(/^a\.png, b\.pdf는 /);
    expect(failed('en', 'Redis <down>')).toContain('Redis &lt;down&gt;');
    expect(failed('ko', 'x')).toContain('어떤 서버도 바꾸지 않았습니다');
    expect(downloadError('en', 'login_page', 'topo.txt')).toContain('files:read');
    expect(downloadError('ko', 'too_large', 'dump.log')).toMatch(/^dump\.log는 16 MiB/);
  });
});
