/**
 * What the rule tests (test/rules/*.test.ts) share: real inputs and synthetic ones fed through the real
 * ingestion path, a rule runner that checks the Finding contract, a Snapshot builder for cases no input
 * format can express, and the documented models (docs/scoring.md) recomputed from their constants.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { Finding, type RuleId, round } from '../../scoring/findings.ts';
import { RULES } from '../../scoring/rules/index.ts';
import { emptyGpu, type Gpu, Snapshot, type SnapshotInput, type Workload } from '../../scoring/snapshot.ts';
import { type InputFile, ingest } from '../../tools/ingest/index.ts';

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));

/** A real command output under samples/real (provenance: samples/real/SOURCES.md), named by its path. */
export function real(rel: string): InputFile {
  return { name: rel, content: readFileSync(`${SAMPLES}real/${rel}`, 'utf8') };
}

/**
 * A real output with edits, each replacing one occurrence of `from`: the only one, or the `nth` (0-based)
 * when the text repeats it (e.g. one `<gpu>` block of several). The name says it was edited.
 */
export function realEdited(
  rel: string,
  edits: readonly [from: string, to: string, nth?: number][],
): InputFile {
  let text = real(rel).content as string;
  for (const [from, to, nth] of edits) {
    const parts = text.split(from);
    const n = parts.length - 1;
    if (nth === undefined ? n !== 1 : nth >= n)
      throw new Error(`${rel}: "${from}" occurs ${n} times (edit ${nth ?? 'the only one'})`);
    const at = nth ?? 0;
    text = parts.slice(0, at + 1).join(from) + to + parts.slice(at + 1).join(from);
  }
  return { name: `${rel} (edited)`, content: text };
}

/** A demo scenario (samples/scenarios/<name>): the bundle and its Proxmox VM configs. */
export function scenario(name: 'h200' | 'l40s'): InputFile[] {
  const dir = `${SAMPLES}scenarios/${name}/`;
  const confs = readdirSync(`${dir}qemu-server`)
    .filter((f) => f.endsWith('.conf'))
    .sort();
  return [
    { name: `${name}/bundle.txt`, content: readFileSync(`${dir}bundle.txt`, 'utf8') },
    ...confs.map((f) => ({
      name: `${name}/qemu-server/${f}`,
      content: readFileSync(`${dir}qemu-server/${f}`, 'utf8'),
    })),
  ];
}

export interface WorkloadInput {
  name: string;
  kind: 'training' | 'inference' | 'other';
  gpus: (number | string)[];
  cpus?: string;
  distributed?: boolean;
  memoryGiB?: number;
}

/** A workloads file (tools/parsers/workloads.ts format). */
export function workloads(list: readonly WorkloadInput[], name = 'workloads.json'): InputFile {
  return { name, content: JSON.stringify({ workloads: list }, null, 2) };
}

/**
 * An `nvidia-smi --query-gpu=… --format=csv` output: the header is the first row's keys in order
 * (e.g. `memory.used [MiB]`), cells are written as given.
 */
export function smiCsv(rows: readonly Record<string, string | number>[], name = 'query-gpu.csv'): InputFile {
  const fields = Object.keys(rows[0] ?? {});
  const lines = [
    fields.join(', '),
    ...rows.map((r) => fields.map((f) => String(r[f] ?? '[N/A]')).join(', ')),
  ];
  return { name, content: `${lines.join('\n')}\n` };
}

/** Ingest files as the CLI does; every file must be used. */
export function ingestAll(files: readonly InputFile[]): Snapshot {
  const { snapshot, rejected } = ingest(files);
  expect(rejected.map((r) => `${r.file}: ${r.error.message}`)).toEqual([]);
  return snapshot;
}

/**
 * Run one rule on a snapshot. Every finding must validate against the zod `Finding` schema, carry the
 * rule's id, cite only GPUs and workloads of the snapshot, and the whole analysis must report the same
 * findings without a rule failure.
 */
export function run(id: RuleId, snapshot: Snapshot): Finding[] {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  const findings = rule.evaluate(buildContext(Snapshot.parse(snapshot)));
  const gpuIds = new Set(snapshot.gpus.map((g) => g.index));
  const names = new Set(snapshot.workloads.map((w) => w.name));
  for (const f of findings) {
    expect(Finding.safeParse(f).error).toBeUndefined();
    expect(f.rule).toBe(id);
    for (const g of f.gpus) expect(gpuIds.has(g), `GPU${g} in ${id}`).toBe(true);
    for (const w of f.workloads) expect(names.has(w), `${w} in ${id}`).toBe(true);
    expect(f.evidence.length).toBeGreaterThan(0);
    for (const e of f.evidence) {
      expect(e.source.length).toBeGreaterThan(0);
      expect(e.text.length).toBeGreaterThan(0);
    }
  }
  const analysis = analyzeHost(snapshot);
  expect(analysis.notes.filter((n) => n.startsWith('rule '))).toEqual([]);
  expect(analysis.findings.filter((f) => f.rule === id)).toHaveLength(findings.length);
  return findings;
}

/** Ingest, then run one rule. */
export function runOn(id: RuleId, files: readonly InputFile[]): Finding[] {
  return run(id, ingestAll(files));
}

export const texts = (f: Finding): string[] => f.evidence.map((e) => e.text);

/** The one finding of a list (fails when there are none or several). */
export function one(findings: readonly Finding[]): Finding {
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

// ---------------------------------------------------------------------------------------------------
// Synthetic snapshots (for what no input format can say, e.g. a GPU whose NUMA node is unknown)

/** A GPU with an index and the given fields (the rest unknown, as `emptyGpu()`). */
export function gpu(index: number, edit: (g: Gpu) => void = () => {}): Gpu {
  const g = emptyGpu();
  g.index = index;
  edit(g);
  return g;
}

/** A workload as the merge step produces it. */
export function workload(
  name: string,
  kind: Workload['kind'],
  gpus: number[],
  extra: Partial<Omit<Workload, 'name' | 'kind' | 'gpus'>> = {},
): Workload {
  return {
    name,
    kind,
    gpus,
    unresolvedGpus: [],
    cpus: null,
    distributed: kind === 'training' && gpus.length > 1,
    memoryGiB: null,
    source: { file: 'workloads.yaml', format: 'workloads' },
    vm: null,
    ...extra,
  };
}

/** A schema-valid Snapshot from parts (validated with `Snapshot.parse`). */
export function snapshot(parts: Partial<SnapshotInput>): Snapshot {
  return Snapshot.parse({
    schemaVersion: 1,
    host: null,
    driverVersion: null,
    cudaVersion: null,
    cpu: {
      model: null,
      sockets: null,
      coresPerSocket: null,
      threadsPerCore: null,
      logicalCpus: null,
      numaNodes: [],
      distances: null,
    },
    gpus: [],
    nics: [],
    links: [],
    processes: [],
    workloads: [],
    pciMappings: {},
    sources: [],
    conflicts: [],
    warnings: [],
    ...parts,
  });
}

// ---------------------------------------------------------------------------------------------------
// The documented models (docs/scoring.md), recomputed here from their cited constants

/** PCIe payload GB/s per lane and direction (S25). */
export const LANE_GBS: Record<number, number> = { 1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938 };
export const lineRate = (gen: number, width = 16): number => LANE_GBS[gen]! * width;

/** Share of the x16 line rate GPU↔GPU traffic reaches per topo path (S33: 8× L40S Gen4). */
export const PATH_SHARE = {
  PIX: 26.3 / 31.5,
  PXB: 26.3 / 31.5,
  PHB: 20.75 / 31.5,
  NODE: 20.75 / 31.5,
  SYS: 9.7 / 31.5,
};
/** NVLink 2/3/4: 25 GB/s per link and direction (S25). */
export const NVLINK_GBS = 25;

/** Ring all-reduce time in ms: t = 2(n−1)/n × S / B (S28). */
export const ringMs = (n: number, sizeGB: number, gbs: number): number =>
  ((2 * (n - 1)) / n) * (sizeGB / gbs) * 1000;

/** The `ring-allreduce` impact the rules state for S = 1 GB: times rounded to 0.1 ms, then their ratio. */
export function expectRingImpact(f: Finding, n: number, actualGBs: number, bestGBs: number): void {
  const actualMs = round(ringMs(n, 1, actualGBs), 1);
  const bestMs = round(ringMs(n, 1, bestGBs), 1);
  const factor = round(actualMs / bestMs, 1);
  expect(f.impact).not.toBeNull();
  expect(f.impact!.model).toBe('ring-allreduce');
  expect(f.impact!.unit).toBe('×');
  expect(f.impact!.value).toBe(factor);
  expect(f.impact!.figures).toEqual({
    gpus: n,
    gradient_GB: 1,
    bottleneck_GBs: round(actualGBs, 1),
    best_GBs: round(bestGBs, 1),
    allreduce_ms: actualMs,
    best_allreduce_ms: bestMs,
    slowdown: factor,
  });
  expect(f.impact!.summary.en).toContain(`takes ${actualMs} ms instead of ${bestMs} ms`);
  expect(f.impact!.summary.en).toContain(`(${factor}× slower)`);
  expect(f.impact!.sources).toContain('S28');
}
