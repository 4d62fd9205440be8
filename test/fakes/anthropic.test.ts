import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiError,
  type FakeAnthropic,
  reply,
  startFakeAnthropic,
  text,
  toolResults,
  toolResultText,
  toolUse,
} from './anthropic.ts';

const MODEL = 'claude-sonnet-5-5';

const TOOLS: Anthropic.Tool[] = [
  {
    name: 'run_nvidia_smi',
    description: 'Run nvidia-smi on a host',
    input_schema: { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] },
  },
  {
    name: 'read_topology',
    description: 'Read nvidia-smi topo -m',
    input_schema: { type: 'object', properties: { host: { type: 'string' } } },
  },
];

let fake: FakeAnthropic;
let client: Anthropic;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 2 });
});

afterEach(async () => {
  await fake.close();
});

/** POST a raw JSON body (for requests the SDK types would not let us build). */
async function rawPost(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer test-key',
      'anthropic-version': '2026-10-21',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

function validBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra };
}

describe('fake Anthropic server driven by the real SDK', () => {
  it('answers a text reply with the full message shape', async () => {
    fake.script([reply([text('hello from the fake')])]);
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      system: 'You are InfraLens.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.id).toBe('msg_fake_1');
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.model).toBe(MODEL);
    expect(msg.content).toEqual([{ type: 'text', text: 'hello from the fake' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.stop_sequence).toBeNull();
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
    expect(msg.usage.cache_creation_input_tokens).toBe(0);
    expect(msg.usage.cache_read_input_tokens).toBe(0);

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/messages');
    expect(req.headers.authorization).toBe('Bearer test-key');
    expect(req.headers['anthropic-version']).toBeTruthy();
    expect(req.headers['x-stainless-retry-count']).toBe('0');
    expect(req.body.model).toBe(MODEL);
    expect(req.body.system).toBe('You are InfraLens.');
    expect(fake.violations).toEqual([]);
    expect(fake.pending()).toBe(0);
  });

  it('runs a tool_use turn then accepts a correct tool_result follow-up', async () => {
    fake.script([
      reply([text('Checking.'), toolUse('run_nvidia_smi', { host: 'gpu1' }, 'toolu_A')]),
      // Dynamic reply: echo the number seen in the tool_result.
      (req) => {
        const [r] = toolResults(req);
        const n = r ? /\d+/.exec(toolResultText(r))?.[0] : undefined;
        return reply([text(`utilisation is ${n ?? '?'}%`)]);
      },
    ]);
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Why is gpu1 idle?' }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages });
    expect(first.stop_reason).toBe('tool_use');
    const tu = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(tu).toMatchObject({ id: 'toolu_A', name: 'run_nvidia_smi', input: { host: 'gpu1' } });

    messages.push({ role: 'assistant', content: first.content });
    messages.push({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: tu!.id, content: 'GPU-Util 37 %' },
        { type: 'text', text: 'continue' },
      ],
    });
    const second = await client.messages.create({ model: MODEL, max_tokens: 512, tools: TOOLS, messages });
    expect(second.content).toEqual([{ type: 'text', text: 'utilisation is 37%' }]);
    expect(second.id).toBe('msg_fake_2');
    expect(fake.requests).toHaveLength(2);
    expect(fake.violations).toEqual([]);
  });

  it('generates toolu_ ids when the script omits them', async () => {
    fake.script([reply([toolUse('run_nvidia_smi', { host: 'a' }), toolUse('read_topology', { host: 'a' })])]);
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'go' }],
    });
    const ids = msg.content.filter((b) => b.type === 'tool_use').map((b) => b.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^toolu_/);
    expect(new Set(ids).size).toBe(2);
  });

  it('records a violation when a tool_result is missing', async () => {
    fake.script([
      reply([
        toolUse('run_nvidia_smi', { host: 'gpu1' }, 'toolu_1'),
        toolUse('read_topology', {}, 'toolu_2'),
      ]),
      reply([text('ok')]),
    ]);
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'go' }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 100, tools: TOOLS, messages });
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' }] });
    // The fake still answers; the violation is what tests assert on.
    const second = await client.messages.create({ model: MODEL, max_tokens: 100, tools: TOOLS, messages });
    expect(second.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatch(/^#1 POST \/v1\/messages: .*missing tool_result.*toolu_2/);
  });

  it('accepts parallel tool_use blocks answered together, and flags misplaced results', async () => {
    fake.script([
      reply([
        text('Two checks.'),
        toolUse('run_nvidia_smi', { host: 'gpu1' }, 'toolu_p1'),
        toolUse('read_topology', { host: 'gpu1' }, 'toolu_p2'),
      ]),
      reply([text('done')]),
      reply([text('done again')]),
    ]);
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'go' }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 100, tools: TOOLS, messages });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content.filter((b) => b.type === 'tool_use')).toHaveLength(2);
    messages.push({ role: 'assistant', content: first.content });

    // Results in a different order than the calls are fine.
    await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools: TOOLS,
      messages: [
        ...messages,
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_p2',
              content: [{ type: 'text', text: 'GPU0 X NV12' }],
            },
            { type: 'tool_result', tool_use_id: 'toolu_p1', content: 'fail', is_error: true },
          ],
        },
      ],
    });
    expect(fake.violations).toEqual([]);

    // A text block before the results is a violation.
    await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools: TOOLS,
      messages: [
        ...messages,
        {
          role: 'user',
          content: [
            { type: 'text', text: 'here you go' },
            { type: 'tool_result', tool_use_id: 'toolu_p1', content: 'a' },
            { type: 'tool_result', tool_use_id: 'toolu_p2', content: 'b' },
          ],
        },
      ],
    });
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatch(/must come first/);
  });

  it('lets the SDK retry a 429 with retry-after: 0 and then succeed', async () => {
    fake.script([apiError(429, 'rate_limit_error', { retryAfter: 0 }), reply([text('after retry')])]);
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'after retry' }]);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.headers['x-stainless-retry-count']).toBe('0');
    expect(fake.requests[1]!.headers['x-stainless-retry-count']).toBe('1');
    expect(fake.violations).toEqual([]);
  });

  it('makes the SDK throw status 529 after 529 overloaded three times (maxRetries 2)', async () => {
    const overloaded = apiError(529, 'overloaded_error', { message: 'Overloaded', retryAfterMs: 1 });
    fake.script([overloaded, overloaded, overloaded]);
    const err = await client.messages
      .create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(529);
    expect(apiErr.type).toBe('overloaded_error');
    expect(apiErr.requestID).toMatch(/^req_fake_/);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(fake.violations).toEqual([]);
  });

  it('makes the SDK throw a 400 without retrying', async () => {
    fake.script([apiError(400, 'invalid_request_error', { message: 'bad thing' }), reply([text('unused')])]);
    await expect(
      client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.pending()).toBe(1);
  });

  it('passes the max_tokens stop reason through', async () => {
    fake.script([reply([text('truncat')], 'max_tokens')]);
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'write a lot' }],
    });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(fake.violations).toEqual([]);
  });

  it('honours scripted usage', async () => {
    fake.script([
      { content: [text('x')], stop_reason: 'end_turn', usage: { input_tokens: 11, output_tokens: 7 } },
    ]);
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(msg.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
  });

  it('answers 500 and records a violation when the script runs out, without SDK retries', async () => {
    await expect(
      client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 500, type: 'api_error' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.violations).toEqual(['#0 POST /v1/messages: no scripted turn left']);
  });

  it('rejects streaming with a 400 and a violation', async () => {
    fake.script([reply([text('unused')])]);
    await expect(
      client.messages.create({
        model: MODEL,
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]).toMatch(/streaming/);
    expect(fake.pending()).toBe(1);
  });

  it('serves GET /v1/models and count_tokens', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['claude-sonnet-5-5']);
    expect(models.data[0]!.display_name).toBe('Claude Sonnet 5.5');
    const one = await client.models.retrieve('claude-sonnet-5-5');
    expect(one.id).toBe('claude-sonnet-5-5');

    const count = await client.messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'how many tokens is this?' }],
    });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(fake.violations).toEqual([]);
  });
});

describe('fake Anthropic wire details and validation (raw HTTP)', () => {
  it('sends the error body and retry headers', async () => {
    fake.script([
      apiError(429, 'rate_limit_error', { retryAfter: 3, retryAfterMs: 3000, shouldRetry: true }),
    ]);
    const res = await rawPost('/v1/messages', validBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('retry-after-ms')).toBe('3000');
    expect(res.headers.get('x-should-retry')).toBe('true');
    const rid = res.headers.get('request-id');
    expect(rid).toMatch(/^req_fake_/);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'fake: rate_limit_error' },
      request_id: rid,
    });
  });

  it('flags bad headers and top-level fields', async () => {
    fake.script([reply([text('a')]), reply([text('b')])]);
    const res = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 5,
        max_tokens: 1.5,
        messages: [],
        thread: { type: 'create' },
        system: 7,
      }),
    });
    expect(res.status).toBe(200);
    const v = fake.violations.join('\n');
    expect(v).toMatch(/missing auth/);
    expect(v).toMatch(/anthropic-version/);
    expect(v).toMatch(/`model`/);
    expect(v).toMatch(/max_tokens/);
    expect(v).toMatch(/`messages` must be a non-empty array/);
    expect(v).toMatch(/`thread`/);
    expect(v).toMatch(/`system`/);

    // x-api-key auth is accepted too.
    fake.violations.length = 0;
    await rawPost('/v1/messages', validBody({ system: [{ type: 'text', text: 's' }] }), {
      authorization: '',
      'x-api-key': 'k',
    });
    expect(fake.violations).toEqual([]);
  });

  it('flags role order problems and stray tool_results', async () => {
    fake.script([reply([text('a')]), reply([text('b')]), reply([text('c')])]);
    await rawPost('/v1/messages', validBody({ messages: [{ role: 'assistant', content: 'hi' }] }));
    await rawPost(
      '/v1/messages',
      validBody({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      }),
    );
    await rawPost(
      '/v1/messages',
      validBody({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'text', text: 'no tools here' }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] },
        ],
      }),
    );
    expect(fake.violations).toHaveLength(3);
    expect(fake.violations[0]).toMatch(/^#0 .*messages\[0\]\.role must be 'user'/);
    expect(fake.violations[1]).toMatch(/^#1 .*roles must alternate/);
    expect(fake.violations[2]).toMatch(/^#2 .*tool_result for \[toolu_x\] without a tool_use/);
  });

  it('flags bad tool definitions', async () => {
    fake.script([reply([text('a')])]);
    await rawPost(
      '/v1/messages',
      validBody({
        tools: [
          { name: 'ok_tool', description: 'fine', input_schema: { type: 'object' } },
          {
            name: 'with_schema',
            description: 'has $schema',
            input_schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' },
          },
          { name: 'not_object', description: 'array schema', input_schema: { type: 'array' } },
          { name: 'no_description', input_schema: { type: 'object' } },
        ],
      }),
    );
    expect(fake.violations).toHaveLength(3);
    expect(fake.violations[0]).toMatch(/'with_schema'.*\$schema/);
    expect(fake.violations[1]).toMatch(/'not_object'.*input_schema\.type must be 'object'/);
    expect(fake.violations[2]).toMatch(/'no_description'.*description/);
  });

  it('records unknown routes', async () => {
    const res = await rawPost('/v1/complete', {});
    expect(res.status).toBe(404);
    expect(fake.violations).toEqual(['#0 POST /v1/complete: unknown route']);
  });
});
