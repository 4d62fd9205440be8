/**
 * Evals as data (test/evals/<case>/case.json), run against the offline analyst in CI; with
 * ANTHROPIC_API_KEY and INFRALENS_LIVE_EVALS=1 also against the live model.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../bin/cli.ts';
import { checkGrounding } from '../bot/agent/grounding.ts';
import { runAgent } from '../bot/agent/loop.ts';
import { renderPdf } from '../jobs/report/pdf.ts';
import { LocalRunner, resultText } from '../tools/agent/runner.ts';
import { Session } from '../tools/agent/session.ts';
import type { Services, ToolOutcome, ToolRunner } from '../tools/agent/types.ts';

const DIR = new URL('./evals/', import.meta.url).pathname;
const NOW = new Date('2026-11-26T09:00:00Z');
const services: Services = {
  renderReport: renderPdf,
  now: () => NOW,
};

interface Case {
  question: string;
  scenario?: string;
  inputs?: string[];
  expect: {
    lang: 'en' | 'ko';
    rules: string[];
    notRules?: string[];
    gpus: number[];
    mentions: string[];
    plan?: boolean;
    pdf?: boolean;
  };
}

/** A runner that records every result text, so the answer can be checked against them. */
class Recording implements ToolRunner {
  readonly texts: string[] = [];
  private readonly inner = new LocalRunner();
  async run(name: string, input: unknown, ctx: Parameters<ToolRunner['run']>[2]): Promise<ToolOutcome> {
    const o = await this.inner.run(name, input, ctx);
    this.texts.push(resultText(o));
    return o;
  }
}

const cases = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function sessionOf(name: string, c: Case): Session {
  if (c.scenario) return new Session(scenarioFiles(c.scenario));
  return new Session((c.inputs ?? []).map((p) => ({ name: p, content: readFileSync(join(DIR, name, p)) })));
}

async function runCase(name: string, client: Anthropic | null) {
  const c = JSON.parse(readFileSync(join(DIR, name, 'case.json'), 'utf8')) as Case;
  const runner = new Recording();
  const r = await runAgent(c.question, {
    client,
    model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-5-5',
    runner,
    session: sessionOf(name, c),
    services,
  });
  return { c, r, runner };
}

function check({ c, r, runner }: Awaited<ReturnType<typeof runCase>>) {
  expect(r.lang).toBe(c.expect.lang);
  const rules = new Set(r.findings.map((f) => f.rule));
  for (const rule of c.expect.rules) expect(rules.has(rule as never), `rule ${rule}`).toBe(true);
  for (const rule of c.expect.notRules ?? []) expect(rules.has(rule as never), `rule ${rule}`).toBe(false);
  for (const g of c.expect.gpus) expect(r.text).toMatch(new RegExp(`GPU${g}\\b`));
  for (const m of c.expect.mentions) expect(r.text).toContain(m);
  if (c.expect.pdf) expect(r.pdf?.bytes.length ?? 0).toBeGreaterThan(1000);
  if (c.expect.plan) expect(r.toolCalls.map((t) => t.name)).toContain('generate_placement');
  // no number, GPU index or identifier in the answer that no tool result of the turn contains
  expect(checkGrounding(r.text, [c.question, ...runner.texts])).toEqual([]);
}

describe('evals: offline analyst', () => {
  for (const name of cases)
    it(name, async () => {
      const run = await runCase(name, null);
      expect(run.r.mode).toBe('offline');
      check(run);
    });
});

const live = process.env.ANTHROPIC_API_KEY && process.env.INFRALENS_LIVE_EVALS === '1';
describe.runIf(live)('evals: live model (opt-in)', () => {
  for (const name of cases)
    it(name, async () => {
      const client = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY!, maxRetries: 2 });
      const run = await runCase(name, client);
      check(run);
    }, 180_000);
});
