import { describe, expect, it } from 'vitest';
import { agentConfigFrom, DEFAULT_MODEL } from '../../bot/agent/config.ts';
import { checkGrounding, GroundingIndex, stripUngrounded } from '../../bot/agent/grounding.ts';
import { languageOf } from '../../bot/agent/lang.ts';
import { understand } from '../../bot/agent/offline/index.ts';
import { Redactor } from '../../bot/agent/redact.ts';
import { toolSchemas } from '../../tools/agent/index.ts';
import { ConfigError } from '../../tools/errors.ts';

describe('grounding', () => {
  const sources = new GroundingIndex([
    JSON.parse(
      '{"score":{"value":62,"grade":"C"},"gpus":[{"index":5,"name":"NVIDIA H200 NVL"}],"profile":"1g.18gb","cpus":"56-71,168-183"}',
    ),
  ]);
  it('accepts numbers, GPU indexes and identifiers that the tool results contain', () => {
    expect(
      checkGrounding('Score 62.0/100, grade C. GPU5 (H200) fits 1g.18gb; CPUs 56-71,168-183.', sources),
    ).toEqual([]);
  });
  it('flags invented numbers, GPU indexes and identifiers', () => {
    const bad = checkGrounding('Score 62. GPU9 is idle. It fits 2g.35gb and wastes 37%.', sources);
    expect(bad.flatMap((b) => b.claims).sort()).toEqual(['2g.35gb', '37%', 'GPU9'].sort());
  });
  it('strips only the ungrounded sentences', () => {
    const text = 'Score 62. It wastes 37%.';
    expect(stripUngrounded(text, checkGrounding(text, sources))).toBe('Score 62.');
  });
});

describe('redaction', () => {
  it('masks host names, serials, IPs and UUIDs and restores them', () => {
    const r = new Redactor(true);
    r.add('HOST', ['gpu-node-01']);
    r.add('SERIAL', ['1654523003308']);
    const masked = r.mask(
      'gpu-node-01 (10.0.3.17) GPU-c5533cd4-5a60-059e-348d-b6d7466932e4 serial 1654523003308',
    );
    expect(masked).toBe('HOST_1 (IP_1) UUID_1 serial SERIAL_1');
    expect(r.unmask('HOST_1 at IP_1')).toBe('gpu-node-01 at 10.0.3.17');
    expect(new Redactor(false).mask('gpu-node-01')).toBe('gpu-node-01');
  });
});

describe('language and intent', () => {
  it('answers Korean questions in Korean', () => {
    expect(languageOf('학습이 왜 느려?')).toBe('ko');
    expect(languageOf('why is training slow?')).toBe('en');
  });
  it('understands what the question asks (the offline analyst; details in test/agent/offline/)', () => {
    const known = { hosts: ['gpu-node-01'], workloads: [] };
    expect(understand('why is training slow?', known, null).topic).toBe('slow');
    expect(understand('학습이 왜 느려?', known, null).topic).toBe('slow');
    expect(understand('which GPUs can I free up?', known, null).topic).toBe('idle');
    expect(understand('give me the report', known, null).topic).toBe('report');
    expect(understand('보고서 만들어 줘', known, null).topic).toBe('report');
  });
});

describe('config and tool schemas', () => {
  it('reads the environment once: defaults, and a clear error for bad values', () => {
    const c = agentConfigFrom({});
    expect(c).toMatchObject({ apiKey: null, model: DEFAULT_MODEL, redact: true });
    expect(DEFAULT_MODEL).not.toMatch(/sonnet-4-5/); // end of life 2026-11-30
    expect(() => agentConfigFrom({ ANTHROPIC_BASE_URL: 'not a url' })).toThrow(ConfigError);
    expect(agentConfigFrom({ INFRALENS_REDACT: '0', ANTHROPIC_API_KEY: 'k' })).toMatchObject({
      redact: false,
      apiKey: 'k',
    });
  });
  it('every tool schema is an object schema without $schema', () => {
    for (const t of toolSchemas()) {
      expect(t.input_schema.type).toBe('object');
      expect('$schema' in t.input_schema).toBe(false);
      expect(t.description.length).toBeGreaterThan(20);
    }
  });
});
