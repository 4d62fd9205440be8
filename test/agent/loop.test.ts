/**
 * The agent loop against a fake Anthropic server on 127.0.0.1 that speaks the Messages API, driven
 * through the real SDK (baseURL), with our real tools, runner and analysis.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { runAgent } from '../../bot/agent/loop.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import { Session } from '../../tools/agent/session.ts';
import type { Services } from '../../tools/agent/types.ts';
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
const services: Services = {
  renderReport: renderPdf,
  now: () => NOW,
};
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

const client = (maxRetries = 2) => new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries });
const ask = (question: string, extra: Partial<Parameters<typeof runAgent>[1]> = {}) =>
  runAgent(question, {
    client: client(),
    model: 'claude-sonnet-5-5',
    runner: new LocalRunner(5_000),
    session: new Session(scenarioFiles('h200')),
    services,
    ...extra,
  });
const messagesRequests = () => fake.requests.filter((r) => r.path === '/v1/messages');
/** The score as compute_score returned it to the model, from any earlier message of the request. */
const scoreFrom = (req: RecordedRequest) => {
  const messages = req.body.messages as { role: string }[];
  for (let i = messages.length; i > 0; i--) {
    const prefix = { ...req, body: { ...req.body, messages: messages.slice(0, i) } } as RecordedRequest;
    const r = toolResults(prefix).find((x) => toolResultText(x).includes('"grade"'));
    if (r) return (JSON.parse(toolResultText(r)) as { score: { value: number; grade: string } }).score;
  }
  return null;
};

describe('agent loop', () => {
  it('runs scripted tool calls (parallel ones too) and answers with grounded numbers', async () => {
    fake.script([
      reply([text('Let me look.'), toolUse('compute_score', {}), toolUse('find_numa_mismatch', {})]),
      (req) => {
        const s = scoreFrom(req)!;
        return reply([
          text(
            `The server scores ${s.value} (grade ${s.grade}). GPU2 and GPU5 use CPUs on the other NUMA node.`,
          ),
        ]);
      },
    ]);
    const r = await ask('why is training slow?');
    expect(fake.violations).toEqual([]);
    expect(r.mode).toBe('llm');
    expect(r.text).toBe('The server scores 62 (grade C). GPU2 and GPU5 use CPUs on the other NUMA node.');
    expect(r.toolCalls).toEqual([
      { name: 'compute_score', ok: true },
      { name: 'find_numa_mismatch', ok: true },
    ]);
    expect(r.findings.flatMap((f) => f.gpus).sort()).toEqual([2, 5]);
    // both tool_use ids answered in one user message
    const second = messagesRequests()[1]!;
    expect(toolResults(second)).toHaveLength(2);
    // the request carries our zod-generated tool schemas
    const tools = (messagesRequests()[0]!.body.tools as { name: string }[]).map((t) => t.name);
    expect(tools).toEqual([
      'list_hosts',
      'collect_nvidia_smi',
      'compute_score',
      'find_numa_mismatch',
      'find_bottlenecks',
      'generate_placement',
      'create_report',
    ]);
  });

  it('returns bad arguments and unknown tools to the model as is_error results, and goes on', async () => {
    fake.script([
      reply([
        toolUse('find_bottlenecks', { rules: ['no-such-rule'] }),
        toolUse('reboot_server', { host: 'x' }),
      ]),
      reply([text('Those calls failed; nothing to report.')]),
    ]);
    const r = await ask('check it');
    expect(fake.violations).toEqual([]);
    const results = toolResults(messagesRequests()[1]!);
    expect(results.every((x) => x.is_error === true)).toBe(true);
    expect(toolResultText(results[0]!)).toMatch(/invalid arguments for find_bottlenecks: rules\.0/);
    expect(toolResultText(results[1]!)).toBe("unknown tool 'reboot_server'");
    expect(r.mode).toBe('llm');
  });

  it('retries a 429 (retry-after) through the SDK and still answers with the model', async () => {
    fake.script([apiError(429, 'rate_limit_error', { retryAfterMs: 1 }), reply([text('All good.')])]);
    const r = await ask('hello');
    expect(r.mode).toBe('llm');
    expect(messagesRequests()).toHaveLength(2);
  });

  it('falls back to the offline analyst when the API stays overloaded (529 after retries)', async () => {
    fake.script([
      apiError(529, 'overloaded_error', { retryAfterMs: 1 }),
      apiError(529, 'overloaded_error', { retryAfterMs: 1 }),
      apiError(529, 'overloaded_error', { retryAfterMs: 1 }),
    ]);
    const r = await ask('why is training slow?');
    expect(r.mode).toBe('offline');
    expect(r.fallbackReason).toMatch(/529/);
    expect(r.text).toContain('train-vision-b');
    expect(r.text).toContain('offline analyst');
  });

  it('asks again with more room when max_tokens cut a tool call', async () => {
    fake.script([
      reply([toolUse('compute_score', {})], 'max_tokens'),
      reply([toolUse('compute_score', {})]),
      (req) => reply([text(`Score ${scoreFrom(req)!.value}.`)]),
    ]);
    const r = await ask('score?', { maxTokens: 1000 });
    const reqs = messagesRequests();
    expect(reqs.map((q) => q.body.max_tokens)).toEqual([1000, 2000, 2000]);
    expect(r.text).toBe('Score 62.');
    expect(fake.violations).toEqual([]);
  });

  it('resends after pause_turn', async () => {
    fake.script([reply([text('Working…')], 'pause_turn'), reply([text('Done.')])]);
    const r = await ask('hello');
    expect(r.text).toBe('Done.');
    expect(messagesRequests()).toHaveLength(2);
  });

  it('catches an ungrounded number: re-prompts once, then removes the claim and says so', async () => {
    fake.script([
      reply([toolUse('compute_score', {})]),
      reply([text('The server scores 62 (grade C). GPU utilisation is 99.9% on average.')]),
      reply([text('The server scores 62 (grade C). GPU utilisation averages 99.9%.')]),
    ]);
    const r = await ask('how efficient is it?');
    const third = messagesRequests()[2]!;
    const last = (third.body.messages as { role: string; content: unknown }[]).at(-1)!;
    expect(last.role).toBe('user');
    expect(String(last.content)).toMatch(/not in any tool result.*99\.9/);
    expect(r.removed).toContain('99.9');
    expect(r.text).not.toContain('99.9');
    expect(r.text).toContain('The server scores 62 (grade C).');
    expect(r.text).toContain('could not be verified');
  });

  it('accepts the corrected answer after the re-prompt', async () => {
    fake.script([
      reply([toolUse('compute_score', {})]),
      reply([text('GPU7 is at 100% and the score is 71.')]),
      (req) => reply([text(`The score is ${scoreFrom(req)!.value}.`)]),
    ]);
    const r = await ask('score?');
    expect(r.removed).toEqual([]);
    expect(r.text).toBe('The score is 62.');
  });

  it('redacts host names before the model and restores them in the answer', async () => {
    fake.script([reply([toolUse('list_hosts', {})]), reply([text('You have one host: HOST_1.')])]);
    const r = await ask('which hosts do I have? gpu-node-01 is mine');
    const sent = JSON.stringify(messagesRequests().map((q) => q.body));
    expect(sent).not.toContain('gpu-node-01');
    expect(sent).toContain('HOST_1');
    expect(r.text).toBe('You have one host: gpu-node-01.');
  });

  it('keeps the same placeholders across the turns of one conversation', async () => {
    const session = new Session(scenarioFiles('h200'));
    fake.script([reply([text('Noted.')]), reply([text('Still IP_1.')])]);
    const first = await ask('my node is at 10.1.2.3', { session });
    const second = await ask('is 10.1.2.3 the same node?', { session, history: first.history });
    const bodies = messagesRequests().map((q) => JSON.stringify(q.body));
    expect(bodies.every((b) => !b.includes('10.1.2.3') && b.includes('IP_1'))).toBe(true);
    expect(second.text).toBe('Still 10.1.2.3.');
  });

  it('a tool that fails (no data) is an is_error result naming the cause', async () => {
    fake.script([reply([toolUse('compute_score', {})]), reply([text('There is no data yet.')])]);
    const r = await ask('score?', { session: new Session([]) });
    const res = toolResults(messagesRequests()[1]!)[0]!;
    expect(res.is_error).toBe(true);
    expect(toolResultText(res)).toMatch(/no host data: upload a bundle/);
    expect(r.mode).toBe('llm');
  });

  it('stops at the iteration cap and answers offline', async () => {
    fake.script(Array.from({ length: 3 }, () => reply([toolUse('list_hosts', {})])));
    const r = await ask('loop forever', { maxIterations: 3 });
    expect(r.mode).toBe('offline');
    expect(r.fallbackReason).toBe('iteration cap reached');
  });

  it('with no API key the offline analyst answers in the language of the question', async () => {
    const r = await ask('학습이 왜 느려?', { client: null });
    expect(r.mode).toBe('offline');
    expect(r.lang).toBe('ko');
    expect(r.text).toContain('느린 이유');
    expect(fake.requests).toHaveLength(0);
  });
});
