/**
 * Evals as data: every folder of test/evals/ holds a case.json (inputs, and the turns of one conversation
 * with what a good answer to each must satisfy; format in test/evals/README.md). Each case runs as one
 * conversation through the conversation core (`runTurn`), in CI against the offline analyst, and with
 * ANTHROPIC_API_KEY and INFRALENS_LIVE_EVALS=1 also against the live model. Every reply is checked against
 * its turn's expectations and for grounding (no number, GPU index or identifier that no successful tool
 * result of the conversation so far supports).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCENARIOS, scenarioFiles } from '../bin/cli.ts';
import { AnthropicModel } from '../bot/agent/anthropic.ts';
import { checkGrounding, GroundingIndex } from '../bot/agent/grounding.ts';
import { questionIdentities } from '../bot/agent/identities.ts';
import type { ModelPort } from '../bot/agent/model.ts';
import type { Reply } from '../bot/conversation/reply.ts';
import { MemoryStore } from '../bot/conversation/store.ts';
import { runTurn } from '../bot/conversation/turn.ts';
import { renderPdf } from '../jobs/report/pdf.ts';
import { toolByName } from '../tools/agent/index.ts';
import { LocalRunner } from '../tools/agent/runner.ts';
import type { Services, ToolContext, ToolOutcome, ToolRunner } from '../tools/agent/types.ts';
import type { InputFile } from '../tools/ingest/index.ts';

const DIR = new URL('./evals/', import.meta.url).pathname;
const NOW = new Date('2026-11-26T09:00:00Z');
const services: Services = { renderReport: renderPdf, now: () => NOW };

const Expect = z.strictObject({
  lang: z.enum(['en', 'ko']),
  first: z.array(z.string().min(1)).optional(),
  firstAny: z.array(z.string().min(1)).min(1).optional(),
  contains: z.array(z.string().min(1)).optional(),
  notContains: z.array(z.string().min(1)).optional(),
  maxLines: z.number().int().positive().optional(),
  tools: z.array(z.string().min(1)).optional(),
  noTools: z.array(z.string().min(1)).optional(),
  pdf: z.boolean().optional(),
});
type Expect = z.infer<typeof Expect>;

const Case = z.strictObject({
  about: z.string().min(1),
  inputs: z
    .strictObject({
      scenarios: z.array(z.enum(SCENARIOS)).optional(),
      files: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  turns: z.array(z.strictObject({ ask: z.string().min(1), expect: Expect })).min(1),
});
type Case = z.infer<typeof Case>;

/** Non-empty lines of the reply text, as the expectations count them. */
const DEFAULT_MAX_LINES = 15;

/** A LocalRunner that keeps every successful result's data, to ground the answers of the conversation. */
class RecordingRunner implements ToolRunner {
  readonly results: unknown[] = [];
  private readonly inner = new LocalRunner();
  async run(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutcome> {
    const outcome = await this.inner.run(name, input, ctx);
    // as the loop does: a tool's data, and the text of a tool's error (an answer may quote it)
    this.results.push(outcome.status === 'success' ? outcome.data : { error: outcome.error });
    return outcome;
  }
}

const cases = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function loadCase(name: string): Case {
  const raw = JSON.parse(readFileSync(join(DIR, name, 'case.json'), 'utf8')) as unknown;
  const parsed = Case.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${name}/case.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** The inputs every turn of the case sees: the demo scenarios and the case's files (named as uploaded). */
function baseInputs(name: string, c: Case): InputFile[] {
  const scenarios = c.inputs?.scenarios ?? [];
  const files = c.inputs?.files ?? [];
  // with several hosts, each VM config joins the host whose GPUs its hostpci entries name
  return [
    ...scenarios.flatMap((s) => scenarioFiles(s)),
    ...files.map((p) => ({ name: basename(p), content: readFileSync(join(DIR, name, p)) })),
  ];
}

// ---- matching --------------------------------------------------------------------------------------

/** Case-insensitive, `GPU 2` = `GPU2`, `34 %` = `34%`, runs of blanks as one space. */
const normalise = (s: string) =>
  s
    .toLowerCase()
    .replace(/\bgpu[ \t]+(?=\d)/g, 'gpu')
    .replace(/(\d)[ \t]+%/g, '$1%')
    .replace(/[ \t\u00a0]+/g, ' ');

const alnum = (ch: string | undefined) => ch !== undefined && /[a-z0-9]/i.test(ch);

/**
 * Whether the text holds the needle as a whole token at its ASCII letter/digit edges: `GPU2` is not in
 * `GPU20`, `no` is not in `node`, `62` is not in `162` (but is in `62.0`); a plural `s` may follow a word
 * (`NVLink` is in `NVLinks`). Korean needles match inside words (particles attach to them).
 */
function holds(text: string, needle: string): boolean {
  const t = normalise(text);
  const n = normalise(needle).trim();
  const startsAlnum = alnum(n[0]);
  const endsAlnum = alnum(n[n.length - 1]);
  const endsLetter = /[a-z]$/.test(n);
  for (let i = t.indexOf(n); i !== -1; i = t.indexOf(n, i + 1)) {
    const before = t[i - 1];
    const after = t[i + n.length];
    if (startsAlnum && (alnum(before) || (/^\d/.test(n) && before === '.' && /\d/.test(t[i - 2] ?? ''))))
      continue;
    if (endsAlnum && alnum(after) && !(endsLetter && after === 's' && !alnum(t[i + n.length + 1]))) continue;
    return true;
  }
  return false;
}

const nonEmptyLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const HANGUL = /[\uac00-\ud7a3]/;

/** Every expectation of one turn the reply breaks, each as one line saying what was expected. */
function broken(reply: Reply, e: Expect): string[] {
  const out: string[] = [];
  const lines = nonEmptyLines(reply.text);
  const head = lines.slice(0, 2).join('\n');
  if (reply.lang !== e.lang) out.push(`lang: expected ${e.lang}, the reply says ${reply.lang}`);
  if (e.lang === 'ko' && !HANGUL.test(head)) out.push('lang: the first 2 lines hold no Korean');
  if (e.lang === 'en' && HANGUL.test(reply.text)) out.push('lang: an English answer holds Korean text');
  for (const s of e.first ?? []) if (!holds(head, s)) out.push(`first: "${s}" not in the first 2 lines`);
  if (e.firstAny && !e.firstAny.some((s) => holds(head, s)))
    out.push(`firstAny: none of ${JSON.stringify(e.firstAny)} in the first 2 lines`);
  for (const s of e.contains ?? []) if (!holds(reply.text, s)) out.push(`contains: "${s}" missing`);
  for (const s of e.notContains ?? []) if (holds(reply.text, s)) out.push(`notContains: "${s}" present`);
  const max = e.maxLines ?? DEFAULT_MAX_LINES;
  if (lines.length > max) out.push(`maxLines: ${lines.length} non-empty lines, at most ${max}`);
  const called = new Set(reply.toolCalls.map((t) => t.name));
  for (const t of e.tools ?? []) if (!called.has(t)) out.push(`tools: ${t} was not called`);
  for (const t of e.noTools ?? []) if (called.has(t)) out.push(`noTools: ${t} was called`);
  const pdf = reply.attachments.some((a) => a.kind === 'pdf' && a.bytes.byteLength > 1000);
  if (e.pdf !== undefined && pdf !== e.pdf)
    out.push(e.pdf ? 'pdf: no PDF attachment came with the reply' : 'pdf: a PDF came with the reply');
  return out;
}

// ---- running ----------------------------------------------------------------------------------------

async function runCase(name: string, model: ModelPort | null): Promise<string[]> {
  const c = loadCase(name);
  const runner = new RecordingRunner();
  const store = new MemoryStore();
  const inputs = baseInputs(name, c);
  const problems: string[] = [];
  const asked: string[] = [];
  for (const [i, turn] of c.turns.entries()) {
    const { reply } = await runTurn(
      { conversationId: `eval-${name}`, text: turn.ask },
      {
        store,
        model,
        runner,
        services,
        baseInputs: inputs,
        redact: true,
        now: () => NOW,
      },
    );
    const bad = broken(reply, turn.expect);
    // as the loop grounds Claude's answers: the data of every successful tool result so far; of the
    // questions only the names typed in them (a host asked about), never their numbers
    asked.push(...questionIdentities(turn.ask));
    const ungrounded = checkGrounding(
      reply.text,
      new GroundingIndex([{ identities: asked }, ...runner.results]),
    );
    for (const u of ungrounded) bad.push(`grounding: ${u.claims.join(', ')} in "${u.sentence.trim()}"`);
    if (bad.length > 0)
      problems.push(
        [
          `── ${name}, turn ${i + 1}/${c.turns.length} (${reply.mode}): ${JSON.stringify(turn.ask)}`,
          `   about: ${c.about}`,
          ...bad.map((b) => `   ✗ ${b}`),
          `   tools: ${reply.toolCalls.map((t) => `${t.name}${t.ok ? '' : ' (error)'}`).join(', ') || '(none)'}`,
          '   reply:',
          ...reply.text.split('\n').map((l) => `   │ ${l}`),
        ].join('\n'),
      );
  }
  return problems;
}

describe('evals: case files and matching', () => {
  it('every case folder holds a valid case.json whose files and tools exist', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const name of cases) {
      const c = loadCase(name);
      for (const p of c.inputs?.files ?? []) expect(() => readFileSync(join(DIR, name, p)), p).not.toThrow();
      for (const turn of c.turns)
        for (const tool of [...(turn.expect.tools ?? []), ...(turn.expect.noTools ?? [])])
          expect(toolByName(tool), `${name}: tool ${tool}`).toBeDefined();
    }
  });

  it('matches whole tokens, case-insensitively', () => {
    expect(holds('GPU 2 waits', 'GPU2')).toBe(true);
    expect(holds('gpu20 waits', 'GPU2')).toBe(false);
    expect(holds('NUMA node 1', 'No')).toBe(false);
    expect(holds('**No** — all 0', 'no')).toBe(true);
    expect(holds('score 62.0 / 100', '62')).toBe(true);
    expect(holds('score 162', '62')).toBe(false);
    expect(holds('score 1.62', '62')).toBe(false);
    expect(holds('both NVLinks', 'NVLink')).toBe(true);
    expect(holds('Gen4 x16', 'x1')).toBe(false);
    expect(holds('at 34 % utilisation', '34%')).toBe(true);
    expect(holds('train-rec-c은(는) GPU2를', 'train-rec-c')).toBe(true);
    expect(holds('문제없습니다', '없습니다')).toBe(true);
  });
});

describe('evals: offline analyst', () => {
  for (const name of cases)
    it(name, async () => {
      const problems = await runCase(name, null);
      if (problems.length > 0) expect.fail(`\n${problems.join('\n')}`);
    }, 60_000);
});

const live = Boolean(process.env.ANTHROPIC_API_KEY) && process.env.INFRALENS_LIVE_EVALS === '1';
describe.runIf(live)('evals: live model (opt-in)', () => {
  for (const name of cases)
    it(name, async () => {
      const model = new AnthropicModel({
        apiKey: process.env.ANTHROPIC_API_KEY!,
        model: process.env.INFRALENS_MODEL ?? 'claude-sonnet-5-5',
      });
      const problems = await runCase(name, model);
      if (problems.length > 0) expect.fail(`\n${problems.join('\n')}`);
    }, 180_000);
});
