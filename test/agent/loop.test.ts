/**
 * The Claude path of a turn against a fake Anthropic server on 127.0.0.1 that speaks the Messages API,
 * driven through the real SDK (AnthropicModel with baseURL), with our real conversation core, tools,
 * runner, grounding and redaction. The fake checks every request (roles alternate, every tool_use answered
 * first in the next message, tool schemas, cache breakpoints, thinking) and records it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { AnthropicModel } from '../../bot/agent/anthropic.ts';
import { MemoryStore } from '../../bot/conversation/store.ts';
import { runTurn, type TurnDeps } from '../../bot/conversation/turn.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import {
  apiError,
  type FakeAnthropic,
  type RecordedRequest,
  reply,
  startFakeAnthropic,
  text,
  toolResults,
  toolResultText,
  toolUse,
} from '../fakes/anthropic.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.violations.length = 0;
});

let n = 0;
function deps(extra: Partial<TurnDeps> = {}): TurnDeps {
  return {
    store: new MemoryStore(),
    model: new AnthropicModel({
      apiKey: 'sk-test-secret',
      baseURL: fake.url,
      model: 'claude-sonnet-5-5',
      maxRetries: 2,
    }),
    runner: new LocalRunner(5_000),
    services: { renderReport: renderPdf, now: () => NOW },
    baseInputs: scenarioFiles('h200'),
    redact: true,
    now: () => NOW,
    ...extra,
  };
}
const ask = (question: string, d: TurnDeps = deps(), conversationId = `c${++n}`) =>
  runTurn({ conversationId, text: question }, d).then((r) => r.reply);
const messagesRequests = () => fake.requests.filter((r) => r.path === '/v1/messages');
type Msg = { role: string; content: unknown };
const lastMessage = (req: RecordedRequest) => (req.body.messages as Msg[]).at(-1)!;
/** the text of a message, whether its content is a string or blocks. */
const textOf = (m: Msg) =>
  typeof m.content === 'string'
    ? m.content
    : (m.content as { text?: string }[]).map((b) => b.text ?? '').join('\n');
/** the JSON a tool returned to the model, from the last message of a request. */
const resultJson = (req: RecordedRequest, i = 0) => JSON.parse(toolResultText(toolResults(req)[i]!));

describe('the Claude path through the real SDK', () => {
  it('runs parallel tool calls and answers with grounded numbers; caching, thinking and schemas are right', async () => {
    fake.script([
      reply([toolUse('compute_score', {}), toolUse('find_bottlenecks', { rules: ['nvlink-split'] })]),
      (req) => {
        const score = resultJson(req, 0).score;
        const f = resultJson(req, 1).findings[0];
        return reply([
          text(
            `Training is slow because ${f.workloads[0]} is split across NVLink groups: its all-reduce takes ${f.impact.figures.allreduce_ms} ms instead of ${f.impact.figures.best_allreduce_ms} ms.\nThe server scores ${score.value} (grade ${score.grade}).`,
          ),
        ]);
      },
    ]);
    const r = await ask('why is training slow?');
    expect(r.mode).toBe('llm');
    expect(r.text.split('\n')[0]).toBe(
      'Training is slow because train-vision-b is split across NVLink groups: its all-reduce takes 51.5 ms instead of 6.7 ms.',
    );
    expect(r.text).toContain('The server scores 62 (grade C).');
    expect(r.removed).toEqual([]);
    expect(r.parts.score).toMatchObject({ value: 62, grade: 'C' });
    expect(r.parts.findings.map((f) => f.rule)).toEqual(['nvlink-split']);
    expect(fake.violations).toEqual([]);
    const [first, second] = messagesRequests();
    // cache breakpoints: the system prompt, the last tool, the last message
    expect((first!.body.system as { cache_control?: unknown }[])[0]!.cache_control).toEqual({
      type: 'ephemeral',
    });
    const tools = first!.body.tools as {
      name: string;
      cache_control?: unknown;
      input_schema: Record<string, unknown>;
    }[];
    expect(tools.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
    expect(tools.slice(0, -1).every((t) => t.cache_control === undefined)).toBe(true);
    const lastBlocks = lastMessage(second!).content as { cache_control?: unknown }[];
    expect(lastBlocks.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
    expect(first!.body.thinking).toEqual({ type: 'adaptive' });
    expect(first!.body.max_tokens).toBe(8192);
    // strict schemas: no extra properties, the host limited to the conversation's (masked) hosts
    const fb = tools.find((t) => t.name === 'find_bottlenecks')!.input_schema;
    expect(fb.additionalProperties).toBe(false);
    expect((fb.properties as Record<string, { enum?: string[] }>).host!.enum).toEqual(['HOST_1']);
    // the API key never travels in a body or a reply
    expect(JSON.stringify(fake.requests.map((q) => q.body))).not.toContain('sk-test-secret');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test-secret');
  });

  it('with redaction on, a host-specific tool call made with the placeholder runs on the real host and the answer reaches the user', async () => {
    fake.script([
      reply([toolUse('list_hosts', {})]),
      (req) => {
        const host = resultJson(req).hosts[0].host;
        return reply([toolUse('find_bottlenecks', { host, rules: ['mig-candidate'] })]);
      },
      (req) => {
        const res = resultJson(req);
        return reply([
          text(
            `${res.host} has ${res.count} inference jobs that fit MIG ${res.findings[0].impact.figures.profile}.`,
          ),
        ]);
      },
    ]);
    const r = await ask('which inference jobs on gpu-node-01 could share a GPU?');
    expect(r.mode).toBe('llm');
    const second = messagesRequests()[1]!;
    expect(toolResultText(toolResults(second)[0]!)).toContain('"host":"HOST_1"');
    const third = messagesRequests()[2]!;
    expect(toolResults(third)[0]!.is_error).toBeUndefined();
    expect(resultJson(third).host).toBe('HOST_1');
    expect(r.text).toBe('gpu-node-01 has 2 inference jobs that fit MIG 1g.18gb.');
    expect(r.toolCalls.map((t) => [t.name, t.ok, (t.input as { host?: string }).host])).toEqual([
      ['list_hosts', true, undefined],
      ['find_bottlenecks', true, 'gpu-node-01'],
    ]);
    const sent = JSON.stringify(messagesRequests().map((q) => q.body));
    expect(sent).not.toContain('gpu-node-01');
  });

  it('returns bad arguments and unknown tools to the model as is_error results, and goes on', async () => {
    fake.script([
      reply([toolUse('compute_score', { host: 7 }), toolUse('drop_tables', {})]),
      reply([text('Sorry, let me retry.')]),
    ]);
    const r = await ask('score?');
    const results = toolResults(messagesRequests()[1]!);
    expect(results.map((x) => x.is_error)).toEqual([true, true]);
    expect(toolResultText(results[0]!)).toMatch(/invalid arguments for compute_score: host/);
    expect(toolResultText(results[1]!)).toBe("unknown tool 'drop_tables'");
    expect(r.text).toBe('Sorry, let me retry.');
    expect(fake.violations).toEqual([]);
  });

  it('retries a 429 (retry-after) through the SDK and still answers with the model', async () => {
    fake.script([apiError(429, 'rate_limit_error', { retryAfterMs: 1 }), reply([text('All good.')])]);
    const r = await ask('hello');
    expect(r.mode).toBe('llm');
    expect(messagesRequests()).toHaveLength(2);
  });

  it('falls back to the offline analyst when the API stays overloaded (529 after retries), and says so', async () => {
    fake.script([
      apiError(529, 'overloaded_error', { retryAfterMs: 1 }),
      apiError(529, 'overloaded_error', { retryAfterMs: 1 }),
      apiError(529, 'overloaded_error', { retryAfterMs: 1 }),
    ]);
    const r = await ask('why is training slow?');
    expect(r.mode).toBe('offline');
    expect(r.fallbackReason).toMatch(/529|Overloaded/);
    expect(r.text).toContain('train-vision-b');
    expect(r.text).toContain('offline analyst');
  });

  it('a rejected key falls back offline and names the settings to check, never the key', async () => {
    fake.script([apiError(401, 'authentication_error')]);
    const r = await ask('score?');
    expect(r.mode).toBe('offline');
    expect(r.text).toContain('ANTHROPIC_API_KEY');
    expect(r.text).toContain('62.0');
    expect(`${r.text}${r.fallbackReason}`).not.toContain('sk-test-secret');
  });

  it('asks again with more room when max_tokens cut a tool call', async () => {
    fake.script([
      reply([toolUse('compute_score', {})], 'max_tokens'),
      reply([toolUse('compute_score', {})]),
      (req) => reply([text(`Score ${resultJson(req).score.value}.`)]),
    ]);
    const r = await ask('score?', deps({ limits: { maxTokens: 1000 } }));
    expect(messagesRequests().map((q) => q.body.max_tokens)).toEqual([1000, 2000, 2000]);
    expect(r.text).toBe('Score 62.');
    expect(fake.violations).toEqual([]);
  });

  it('asks again with more room when max_tokens stopped the answer during thinking (no text)', async () => {
    fake.script([
      reply(
        [{ type: 'thinking', thinking: 'Let me think about the NUMA layout…', signature: 'sig' }],
        'max_tokens',
      ),
      reply([toolUse('compute_score', {})]),
      reply([text('The server scores 62 (grade C).')]),
    ]);
    const r = await ask('score?');
    expect(messagesRequests().map((q) => q.body.max_tokens)).toEqual([8192, 16000, 16000]);
    expect(r.text).toBe('The server scores 62 (grade C).');
    expect(r.text).not.toContain('cut short');
  });

  it('sends thinking blocks back unchanged with the tool results', async () => {
    const thinking = { type: 'thinking' as const, thinking: 'I need the score.', signature: 'sig-1' };
    fake.script([reply([thinking, toolUse('compute_score', {})]), reply([text('Grade C.')])]);
    await ask('grade?');
    const second = messagesRequests()[1]!;
    const assistant = (second.body.messages as Msg[]).at(-2)!;
    expect((assistant.content as unknown[])[0]).toEqual(thinking);
    expect(fake.violations).toEqual([]);
  });

  it('resends after pause_turn', async () => {
    fake.script([reply([text('Working…')], 'pause_turn'), reply([text('Done.')])]);
    const r = await ask('hello');
    expect(r.text).toBe('Done.');
    expect(messagesRequests()).toHaveLength(2);
  });

  it('a refusal is answered by the offline analyst, said as such', async () => {
    fake.script([reply([], 'refusal')]);
    const r = await ask('why is training slow?');
    expect(r.mode).toBe('offline');
    expect(r.fallbackReason).toMatch(/refusal/);
    expect(r.text).toContain('train-vision-b');
    expect(r.text).toContain('offline analyst');
  });

  it('a context window exceeded is answered by the offline analyst', async () => {
    fake.script([reply([text('partial')], 'model_context_window_exceeded')]);
    const r = await ask('학습이 왜 느려?');
    expect(r.mode).toBe('offline');
    expect(r.lang).toBe('ko');
    expect(r.fallbackReason).toMatch(/context window/);
    expect(r.text).toContain('오프라인 분석기');
  });

  it('an ungrounded number: re-prompts once, then removes only that clause and keeps the right answer', async () => {
    fake.script([
      reply([toolUse('compute_score', {})]),
      reply([text('The server scores 62 (grade C). GPU utilisation averages 99.9% across the host.')]),
      reply([text('The server scores 62 (grade C). GPU utilisation averages 99.9% across the host.')]),
    ]);
    const r = await ask('how efficient is it?');
    const third = messagesRequests()[2]!;
    expect(textOf(lastMessage(third))).toMatch(/not in any tool result.*99\.9/);
    expect(r.removed).toContain('99.9%');
    expect(r.text).not.toContain('99.9');
    expect(r.text.split('\n')[0]).toBe('The server scores 62 (grade C).');
    expect(r.text).toContain('could not be verified');
    expect(fake.violations).toEqual([]);
  });

  it('a number only the question contains grounds nothing', async () => {
    fake.script([
      reply([toolUse('compute_score', {})]),
      reply([text('The grade is C. Yes, the score is 71.')]),
      reply([text('The grade is C. Yes, the score is 71.')]),
    ]);
    const r = await ask('is the score 71?');
    expect(r.mode).toBe('llm');
    expect(r.text).not.toContain('score is 71');
    expect(r.text).toContain('The grade is C.');
  });

  it('accepts the corrected answer after the re-prompt', async () => {
    fake.script([
      reply([toolUse('compute_score', {})]),
      reply([text('GPU7 is at 100% and the score is 71.')]),
      (req) => {
        // the correction request carries the answer's own tool results forward
        expect(JSON.stringify(req.body.messages)).toContain('\\"grade\\":\\"C\\"');
        return reply([text('The score is 62.')]);
      },
    ]);
    const r = await ask('score?');
    expect(r.removed).toEqual([]);
    expect(r.text).toBe('The score is 62.');
  });

  it('when grounding leaves nothing, the offline analyst answers instead', async () => {
    fake.script([reply([text('It is 42% faster at 80 °C.')]), reply([text('It is 42% faster at 80 °C.')])]);
    const r = await ask('how much faster would the plan make training?');
    expect(r.mode).toBe('offline');
    expect(r.fallbackReason).toMatch(/verified/);
    expect(r.text).not.toContain('42%');
    expect(r.text).toContain('82.3');
  });

  it('stops at the iteration cap and answers offline', async () => {
    fake.script(Array.from({ length: 3 }, () => reply([toolUse('list_hosts', {})])));
    const r = await ask('loop forever', deps({ limits: { maxIterations: 3 } }));
    expect(r.mode).toBe('offline');
    expect(r.fallbackReason).toBe('iteration cap reached');
  });

  it('a follow-up keeps the history: numbers from the first turn ground the second answer', async () => {
    const d = deps();
    fake.script([
      reply([toolUse('compute_score', {})]),
      reply([text('The server scores 62 (grade C).')]),
      (req) => {
        const msgs = req.body.messages as Msg[];
        expect(msgs).toHaveLength(5); // q1, tool_use, tool_result, answer, q2
        return reply([text('The NUMA part is 85.7 and the GPU part 53.')]);
      },
    ]);
    await ask('score?', d, 'thread-1');
    const r = await ask('and its components?', d, 'thread-1');
    expect(r.text).toBe('The NUMA part is 85.7 and the GPU part 53.');
    expect(r.removed).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('keeps the same placeholders across the turns of one conversation', async () => {
    const d = deps();
    fake.script([reply([text('Noted.')]), reply([text('Still IP_1.')])]);
    await ask('my node is at 10.1.2.3', d, 'thread-ip');
    const second = await ask('is 10.1.2.3 the same node?', d, 'thread-ip');
    const bodies = messagesRequests().map((q) => JSON.stringify(q.body));
    expect(bodies.every((b) => !b.includes('10.1.2.3') && b.includes('IP_1'))).toBe(true);
    expect(second.text).toBe('Still 10.1.2.3.');
  });

  it('a tool that fails (no data) is an is_error result naming the cause', async () => {
    fake.script([reply([toolUse('compute_score', {})]), reply([text('There is no data yet.')])]);
    const r = await ask('score?', deps({ baseInputs: [] }));
    const res = toolResults(messagesRequests()[1]!)[0]!;
    expect(res.is_error).toBe(true);
    expect(toolResultText(res)).toMatch(/no host data: upload/);
    expect(r.mode).toBe('llm');
  });
});
