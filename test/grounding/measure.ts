/**
 * Precision and recall of the grounding checker on the labelled sentences (test/grounding/labelled.json).
 * The sources are the analysis of each demo scenario, computed as the CLI does and passed as the one tool
 * result (parsed JSON). "Positive" = an invented sentence flagged.
 */
import { readFileSync } from 'node:fs';
import { scenarioFiles } from '../../bin/cli.ts';
import { checkGrounding, GroundingIndex } from '../../bot/agent/grounding.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';

export interface Labelled {
  text: string;
  grounded: boolean;
  scenario: 'h200' | 'l40s';
  why: string;
}

export interface Measure {
  n: number;
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
  /** the sentences the checker got wrong, with what it flagged. */
  wrong: { text: string; grounded: boolean; flagged: string[]; why: string }[];
}

export function labelled(): Labelled[] {
  return JSON.parse(readFileSync(new URL('./labelled.json', import.meta.url), 'utf8')) as Labelled[];
}

/** The analysis of a demo scenario as one tool result (parsed JSON, as the model sees it). */
export function scenarioResult(scenario: string): unknown {
  return JSON.parse(JSON.stringify(analyzeAndPlan(ingestHosts(scenarioFiles(scenario)).snapshots)));
}

const indexes = new Map<string, GroundingIndex>();
export function scenarioIndex(scenario: string): GroundingIndex {
  let index = indexes.get(scenario);
  if (!index) {
    index = new GroundingIndex([scenarioResult(scenario)]);
    indexes.set(scenario, index);
  }
  return index;
}

/** A 15-line answer about the H200 demo in the shape the model writes (the last line is invented). */
export const SAMPLE_ANSWER = [
  'gpu-node-01 scores 62.0/100 — grade C (inefficient).',
  'Why training is slow:',
  '1. **train-vision-b** is split across NVLink groups (GPU3, GPU5): 51.5 ms instead of 6.7 ms, 7.7× slower.',
  '2. train-rec-c runs on NUMA node 1 while GPU2 sits on node 0; copies get about 25.8 GB/s (−59%).',
  '3. GPU2 runs at 34% with 90,114 MiB (88.0 GiB) in use, so it waits 66% of the time.',
  '4. GPU4 is idle: 24 GPU·hours a day.',
  'Proposed placement (4 moves), score after: 82.3 (grade B), up 20.3 points:',
  '- train-vision-b: GPU3, GPU5 → GPU2, GPU3 on NUMA node 0',
  '- train-rec-c: GPU2 → GPU4 (CPUs 56-71,168-183)',
  '- infer-chat and infer-embed share GPU5 as two 1g.18gb MIG instances, freeing 1 GPU.',
  'Expected: host↔GPU copies get back 144% more bandwidth (×2.44).',
  'First commands (14 in total; InfraLens never runs them):',
  '`qm shutdown 102`',
  '`nvidia-smi -i 5 -mig 1`',
  'GPU9 runs at 80 °C.',
].join('\n');

export function measureGrounding(entries: readonly Labelled[] = labelled()): Measure {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const wrong: Measure['wrong'] = [];
  for (const e of entries) {
    const bad = checkGrounding(e.text, scenarioIndex(e.scenario));
    const flagged = bad.length > 0;
    if (flagged && !e.grounded) tp++;
    else if (flagged) fp++;
    else if (!e.grounded) fn++;
    if (flagged === e.grounded)
      wrong.push({ text: e.text, grounded: e.grounded, flagged: bad.flatMap((b) => b.claims), why: e.why });
  }
  return {
    n: entries.length,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    tp,
    fp,
    fn,
    wrong,
  };
}
