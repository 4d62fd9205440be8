/**
 * The conversation core with the scripted model (the model port's fake) and the real tools, analysis,
 * grounding and redaction: state that survives a store round trip, uploads, the language of a turn,
 * attachments collected from tool results, history trimming, and the offline turns' history.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { ModelError } from '../../bot/agent/model.ts';
import { MemoryStore } from '../../bot/conversation/store.ts';
import { runTurn, type TurnDeps, trimHistory } from '../../bot/conversation/turn.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import { call, lastResults, ScriptedModel, say } from '../fakes/scripted-model.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const services = { renderReport: renderPdf, now: () => NOW };

function deps(model: ScriptedModel | null, extra: Partial<TurnDeps> = {}): TurnDeps {
  return {
    store: new MemoryStore(),
    model,
    runner: new LocalRunner(5_000),
    services,
    redact: true,
    now: () => NOW,
    ...extra,
  };
}
const json = (s: string) => JSON.parse(s);
/** the text of a recorded message (the request copy of the last message carries a cache breakpoint). */
const textOf = (m: { content: unknown }) =>
  typeof m.content === 'string'
    ? m.content
    : (m.content as { text?: string }[]).map((b) => b.text ?? '').join('');

describe('conversation core', () => {
  it('with the scripted model and redaction on, host-specific tools run and the answer reaches the user', async () => {
    const model = new ScriptedModel([
      call(['compute_score', { host: 'HOST_1' }], ['find_numa_mismatch', { host: 'HOST_1' }]),
      (req) => {
        const [score, numa] = lastResults(req).map((r) => json(r.content));
        return say(
          `${score.host} scores ${score.score.value} (${score.score.grade}); ${numa.findings[0].workloads[0]} runs on the wrong NUMA node for GPU${numa.findings[0].gpus[0]}.`,
        );
      },
    ]);
    const d = deps(model, { baseInputs: scenarioFiles('h200') });
    const { reply } = await runTurn({ conversationId: 't1', text: 'Is gpu-node-01 pinned right?' }, d);
    expect(reply.mode).toBe('llm');
    expect(reply.text).toBe('gpu-node-01 scores 62 (C); train-rec-c runs on the wrong NUMA node for GPU2.');
    expect(reply.toolCalls.every((t) => t.ok)).toBe(true);
    expect(textOf(model.requests[0]!.messages[0]!)).toBe('Is HOST_1 pinned right?');
    expect(reply.parts.findings.map((f) => f.rule)).toEqual(['numa-mismatch', 'numa-mismatch']);
  });

  it('keeps its state as plain data: another worker (fresh deps, same store) continues the conversation', async () => {
    const store = new MemoryStore();
    const m1 = new ScriptedModel([call(['compute_score']), say('The server scores 62 (grade C).')]);
    await runTurn(
      { conversationId: 't2', text: 'score?' },
      deps(m1, { store, baseInputs: scenarioFiles('h200') }),
    );
    const saved = await store.load('t2');
    expect(saved).not.toBeNull();
    expect(JSON.parse(JSON.stringify(saved))).toEqual(saved);
    expect(saved!.history).toHaveLength(4);
    const m2 = new ScriptedModel([say('Its GPU component is 53.')]);
    const { reply, state } = await runTurn(
      { conversationId: 't2', text: 'and the GPU part?' },
      deps(m2, { store, baseInputs: scenarioFiles('h200') }),
    );
    expect(m2.requests[0]!.messages).toHaveLength(5);
    expect(reply.text).toBe('Its GPU component is 53.');
    expect(reply.removed).toEqual([]);
    expect(state.turns).toBe(2);
  });

  it('uploads join the inputs; a file that cannot be read is named with its reason and not kept', async () => {
    const store = new MemoryStore();
    const topo = readFileSync('samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt');
    const { reply, state } = await runTurn(
      {
        conversationId: 't3',
        text: 'which GPUs share a NUMA node?',
        files: [
          { name: '/home/alice/topo.txt', content: topo },
          { name: 'notes.txt', content: 'hello, this is not a command output' },
        ],
      },
      deps(null, { store }),
    );
    expect(state.inputs.map((i) => i.name)).toEqual(['topo.txt']);
    expect(reply.notes).toHaveLength(1);
    expect(reply.notes[0]).toMatch(/^notes\.txt: /);
    expect(JSON.stringify(state)).not.toContain('/home/alice');
    expect(reply.toolCalls.length).toBeGreaterThan(0);
    // the next turn still has the topology
    const next = await runTurn(
      { conversationId: 't3', text: 'and which NICs are there?' },
      deps(null, { store }),
    );
    expect(next.state.inputs).toHaveLength(1);
    expect(next.reply.toolCalls.some((t) => t.ok)).toBe(true);
  });

  it('answers in the language of the question; a question without words keeps the conversation language', async () => {
    const store = new MemoryStore();
    const d = deps(null, { store, baseInputs: scenarioFiles('h200') });
    const a = await runTurn({ conversationId: 't4', text: '점수 알려줘' }, d);
    expect(a.reply.lang).toBe('ko');
    const b = await runTurn({ conversationId: 't4', text: 'GPU 5?' }, d);
    expect(b.reply.lang).toBe('ko');
    const c = await runTurn({ conversationId: 't4', text: 'what about GPU 5?' }, d);
    expect(c.reply.lang).toBe('en');
  });

  it('attachments come from the tool results (the PDF), not from shared state', async () => {
    const model = new ScriptedModel([
      call(['create_report', { lang: 'en' }]),
      say('The report is attached.'),
    ]);
    const { reply } = await runTurn(
      { conversationId: 't5', text: 'send me the report' },
      deps(model, { baseInputs: scenarioFiles('h200') }),
    );
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments[0]!.filename).toBe('infralens-report-gpu-node-01-2026-11-26.pdf');
    expect(Buffer.from(reply.attachments[0]!.bytes.subarray(0, 5)).toString()).toBe('%PDF-');
  });

  it('an offline turn is stored as valid Messages API history that a later Claude turn reads', async () => {
    const store = new MemoryStore();
    await runTurn(
      { conversationId: 't6', text: 'why is training slow?' },
      deps(null, { store, baseInputs: scenarioFiles('h200') }),
    );
    const model = new ScriptedModel([say('As said: train-vision-b is split across NVLink groups.')]);
    const { reply } = await runTurn(
      { conversationId: 't6', text: 'summarise that in one line' },
      deps(model, { store, baseInputs: scenarioFiles('h200') }),
    );
    const msgs = model.requests[0]!.messages;
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    const uses = (msgs[1]!.content as { type: string; id: string }[]).filter((b) => b.type === 'tool_use');
    const results = (msgs[2]!.content as { type: string; tool_use_id: string }[]).map((b) => b.tool_use_id);
    expect(results).toEqual(uses.map((u) => u.id));
    expect(JSON.stringify(msgs)).not.toContain('gpu-node-01');
    expect(reply.mode).toBe('llm');
  });

  it('a model outage mid-conversation is answered offline; the conversation goes on', async () => {
    const model = new ScriptedModel([new ModelError('unavailable', 'OverloadedError: 529')]);
    const { reply } = await runTurn(
      { conversationId: 't7', text: 'why is training slow?' },
      deps(model, { baseInputs: scenarioFiles('h200') }),
    );
    expect(reply.mode).toBe('offline');
    expect(reply.fallbackReason).toBe('OverloadedError: 529');
    expect(reply.text).toContain('offline analyst');
  });

  it('masks the asking user’s name and id before the model', async () => {
    const model = new ScriptedModel([say('Hello USER_1.')]);
    const { reply } = await runTurn(
      { conversationId: 't8', text: 'hi, I am jdoe', user: { id: 'U0123ABC', name: 'jdoe' } },
      deps(model, { baseInputs: scenarioFiles('h200') }),
    );
    expect(textOf(model.requests[0]!.messages[0]!)).toBe('hi, I am USER_1');
    expect(reply.text).toBe('Hello jdoe.');
  });

  it('trims the oldest whole turns when the history grows too long, keeping the latest', () => {
    const turn = (q: string) => [
      { role: 'user' as const, content: q },
      { role: 'assistant' as const, content: [{ type: 'text', text: 'x'.repeat(100) }] },
    ];
    const h = [...turn('one'), ...turn('two'), ...turn('three')];
    const t = trimHistory(h, 300);
    expect(t[0]!.content).toBe('two');
    expect(trimHistory(h, 10)[0]!.content).toBe('three');
  });
});
