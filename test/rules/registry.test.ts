import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeHost, HostAnalysis } from '../../scoring/analyze.ts';
import { Finding, RULE_IDS } from '../../scoring/findings.ts';
import { RULES } from '../../scoring/rules/index.ts';
import type { Rule } from '../../scoring/rules/types.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { InputError } from '../../tools/errors.ts';
import { type InputFile, ingest } from '../../tools/ingest/index.ts';
import { real, scenario, workloads } from './helpers.ts';

const RULES_DIR = fileURLToPath(new URL('../../scoring/rules/', import.meta.url));
const TESTS_DIR = fileURLToPath(new URL('./', import.meta.url));
const REAL_DIR = fileURLToPath(new URL('../../samples/real/', import.meta.url));
/** Files of scoring/rules that are not rules. */
const SHARED = ['index.ts', 'types.ts', 'util.ts', 'sharing.ts', 'readings.ts'];

function realFiles(dir = REAL_DIR, prefix = ''): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return realFiles(path, `${prefix}${name}/`);
      return name.endsWith('.md') ? [] : [`${prefix}${name}`];
    })
    .sort();
}

/** The snapshot of some files, or null when every file is rejected (an InputError naming the reason). */
function tryIngest(files: InputFile[]): Snapshot | null {
  try {
    return ingest(files).snapshot;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return null;
  }
}

/** analyzeHost must not throw, no rule may fail, and every finding must be schema-valid. */
function analyzeClean(snapshot: Snapshot): HostAnalysis {
  const a = analyzeHost(snapshot);
  expect(a.notes.filter((n) => n.startsWith('rule '))).toEqual([]);
  for (const f of a.findings) expect(Finding.safeParse(f).error, `${f.rule}: ${f.title.en}`).toBeUndefined();
  expect(HostAnalysis.safeParse(a).error).toBeUndefined();
  return a;
}

describe('rule registry', () => {
  it('holds exactly the 15 rule ids of RULE_IDS, in that order, once each', () => {
    expect(RULE_IDS).toHaveLength(15);
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.summary.length, r.id).toBeGreaterThan(10);
  });

  it('one file per rule in scoring/rules, named by its id, plus the shared helpers', () => {
    const files = readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => !SHARED.includes(f)).sort()).toEqual(RULE_IDS.map((id) => `${id}.ts`).sort());
  });

  it.each(RULE_IDS)('%s.ts exports the registered rule, and it has its own test file', async (id) => {
    const mod = (await import(`../../scoring/rules/${id}.ts`)) as Record<string, unknown>;
    const rules = Object.values(mod).filter(
      (v): v is Rule => typeof v === 'object' && v !== null && 'evaluate' in v && 'id' in v,
    );
    expect(rules.map((r) => r.id)).toEqual([id]);
    expect(RULES).toContain(rules[0]);
    expect(readdirSync(TESTS_DIR)).toContain(`${id}.test.ts`);
  });
});

describe('analyzeHost on every real fixture', () => {
  const files = realFiles();

  it('there are real fixtures to analyse', () => {
    expect(files.length).toBeGreaterThan(80);
  });

  it.each(files)('%s', (rel) => {
    const snap = tryIngest([real(rel)]);
    if (snap === null) return; // rejected with a reason: covered by the ingestion tests
    analyzeClean(snap);
    // and with workloads on its GPUs: a distributed job pinned to a few CPUs over all of them, then a
    // single-GPU inference job on each (the inputs every rule reads)
    const ids = snap.gpus.map((g) => g.index).filter((i): i is number => i !== null);
    if (ids.length === 0) return;
    const training = tryIngest([
      real(rel),
      workloads([{ name: 'job', kind: 'training', gpus: ids, cpus: '0-3', distributed: true }]),
    ]);
    analyzeClean(training!);
    const inference = tryIngest([
      real(rel),
      workloads(ids.map((i) => ({ name: `svc-${i}`, kind: 'inference' as const, gpus: [i] }))),
    ]);
    analyzeClean(inference!);
  });

  it.each(['h200', 'l40s'] as const)('demo scenario %s', (name) => {
    const a = analyzeClean(tryIngest(scenario(name))!);
    expect(a.findings.length).toBeGreaterThan(0);
  });
});
