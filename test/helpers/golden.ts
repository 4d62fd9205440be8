/**
 * Golden files: input → expected JSON. Shared by the golden test and scripts/update-goldens.ts.
 * Regenerating goldens is explicit (`npm run goldens:update`), never automatic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scenarioFiles } from '../../bin/cli.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import { InputError } from '../../tools/errors.ts';
import { ingest, ingestHosts } from '../../tools/ingest/index.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const SAMPLES = join(ROOT, 'samples');
export const GOLDEN_DIR = join(ROOT, 'test/golden');

/** Every input that has a golden: the real outputs, the sample bundles and the demo scenarios. */
export function goldenInputs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.md')) out.push(relative(SAMPLES, p));
    }
  };
  walk(join(SAMPLES, 'real'));
  walk(join(SAMPLES, 'bundles'));
  // GPU windows (infralens-gpu-window documents): the live ones recorded from a real Prometheus
  walk(join(SAMPLES, 'window'));
  for (const name of readdirSync(join(SAMPLES, 'scenarios')).sort())
    if (statSync(join(SAMPLES, 'scenarios', name)).isDirectory()) out.push(`scenarios/${name}`);
  return out;
}

export function goldenPath(input: string): string {
  return join(GOLDEN_DIR, `${input}.json`);
}

export type GoldenResult =
  | { snapshot: unknown }
  | { analysis: unknown }
  | { rejected: { code: string; message: string } };

/** What InfraLens makes of one sample file, in the golden form. */
export function goldenOf(input: string): GoldenResult {
  if (input.startsWith('scenarios/')) {
    // a scenario's golden is its whole analysis with the plan (`demo --scenario NAME --json`)
    return {
      analysis: analyzeAndPlan(ingestHosts(scenarioFiles(input.slice('scenarios/'.length))).snapshots),
    };
  }
  if (input === 'window/h200-demo-24h.json') {
    // the demo server scored over its synthetic day: the analysis with the plan (each workload's window
    // moves with it, scoring/placement/apply.ts)
    return {
      analysis: analyzeAndPlan(
        ingestHosts([...scenarioFiles('h200'), { name: input, content: readFileSync(join(SAMPLES, input)) }])
          .snapshots,
      ),
    };
  }
  const content = readFileSync(join(SAMPLES, input));
  try {
    const { snapshot, rejected } = ingest([{ name: input, content }]);
    if (rejected[0])
      return { rejected: { code: rejected[0].error.code, message: rejected[0].error.message } };
    return { snapshot };
  } catch (e) {
    if (e instanceof InputError) return { rejected: { code: e.code, message: e.message } };
    throw e;
  }
}

export function serialize(result: GoldenResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
