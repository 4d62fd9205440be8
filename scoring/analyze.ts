/**
 * Snapshot → analysis: the score, the per-GPU view and the findings of every rule. Pure and
 * deterministic; the JSON contract (`analyze --json`) is documented in docs/json.md.
 */
import { z } from 'zod';
import { buildContext } from './context.ts';
import { Finding, sortFindings, Text } from './findings.ts';
import { Placement } from './placement/schema.ts';
import { RULES } from './rules/index.ts';
import { fleetScore, GpuScore, Score, scoreHost } from './score.ts';
import { Link, type Snapshot, Workload } from './snapshot.ts';

export const GpuView = z.object({
  index: z.number().int(),
  name: z.string().nullable(),
  family: z.string().nullable(),
  busId: z.string().nullable(),
  numaNode: z.number().int().nullable(),
  utilizationPct: z.number().nullable(),
  memoryUsedMiB: z.number().nullable(),
  memoryTotalMiB: z.number().nullable(),
  migMode: z.enum(['enabled', 'disabled']).nullable(),
  workloads: z.array(z.string()),
  /** per-GPU score parts (0–1), see docs/scoring.md. */
  score: GpuScore.omit({ gpu: true }),
});
export type GpuView = z.infer<typeof GpuView>;

export const HostAnalysis = z.object({
  host: z.string().nullable(),
  gpus: z.array(GpuView),
  links: z.array(Link),
  workloads: z.array(Workload),
  score: Score.nullable(),
  /** why `score` is null. */
  scoreReason: Text.nullable(),
  findings: z.array(Finding),
  /** input warnings and conflicts worth telling the user (from the snapshot). */
  notes: z.array(z.string()),
  /** the placement plan (docs/placement.md); null when not asked for or nothing to place. */
  placement: Placement.nullable(),
  /** why `placement` is null, when a plan was asked for. */
  placementReason: z.string().nullable(),
});
export type HostAnalysis = z.infer<typeof HostAnalysis>;

export const Analysis = z.object({
  schemaVersion: z.literal(1),
  fleet: z.object({
    hosts: z.number().int(),
    gpus: z.number().int(),
    score: Score.nullable(),
    /** fleet placement (docs/placement.md), when plans were asked for. */
    placement: z
      .object({
        objective: z.number(),
        bound: z.number(),
        gap: z.number(),
        migrations: z.array(
          z.object({
            workload: z.string(),
            from: z.string().nullable(),
            to: z.string().nullable(),
            command: z.string(),
          }),
        ),
        /** the cap of host solves when the fleet search stopped at it (the plan is the best found), else null. */
        searchCap: z.number().int().nullable(),
      })
      .nullable(),
  }),
  hosts: z.array(HostAnalysis),
});
export type Analysis = z.infer<typeof Analysis>;

export function analyzeHost(snapshot: Snapshot): HostAnalysis {
  const ctx = buildContext(snapshot);
  const { score, reason, perGpu, notes: scoreNotes } = scoreHost(ctx);
  const notes: string[] = [];
  const findings: Finding[] = [];
  for (const rule of RULES) {
    try {
      findings.push(...rule.evaluate(ctx));
    } catch (e) {
      // a rule bug must not take the whole analysis down; say so instead
      notes.push(`rule ${rule.id} failed: ${(e as Error).message}`);
    }
  }
  for (const c of snapshot.conflicts)
    if (c.kind === 'static')
      notes.push(
        `conflict on ${c.subject} ${c.field}: ${c.values.map((v) => `${JSON.stringify(v.value)} (${v.source})`).join(' vs ')}; kept ${JSON.stringify(c.kept)}`,
      );
  notes.push(...snapshot.warnings);
  // values the score had to clamp or leave out (scoring/score.ts)
  notes.push(...scoreNotes);
  // the first score of each GPU index (a host's GPUs, not a search per GPU)
  const scoreOf = new Map<number, GpuScore>();
  for (const p of perGpu) if (!scoreOf.has(p.gpu)) scoreOf.set(p.gpu, p);
  const gpus: GpuView[] = [];
  for (const g of snapshot.gpus) {
    if (g.index === null) continue;
    const s = scoreOf.get(g.index);
    gpus.push({
      index: g.index,
      name: g.name,
      family: g.family,
      busId: g.busId,
      numaNode: ctx.numaOf(g),
      utilizationPct: g.utilization.gpuPct,
      memoryUsedMiB: g.memory.usedMiB,
      memoryTotalMiB: g.memory.totalMiB,
      migMode: g.mig.mode,
      workloads: ctx.workloadsOf(g.index).map((w) => w.name),
      score: s
        ? { allocated: s.allocated, gpuScore: s.gpuScore, weight: s.weight, numa: s.numa, io: s.io }
        : { allocated: false, gpuScore: null, weight: 1, numa: null, io: null },
    });
  }
  return {
    host: snapshot.host,
    gpus,
    links: snapshot.links,
    workloads: snapshot.workloads,
    score,
    scoreReason: reason,
    findings: flattenTexts(sortFindings(findings)),
    notes,
    placement: null,
    placementReason: null,
  };
}

export function analyzeFleet(snapshots: readonly Snapshot[]): Analysis {
  const hosts = snapshots.map(analyzeHost);
  return {
    schemaVersion: 1,
    fleet: {
      hosts: hosts.length,
      gpus: hosts.reduce((a, h) => a + h.gpus.length, 0),
      score: fleetScore(hosts.map((h) => h.score)),
      placement: null,
    },
    hosts,
  };
}

/**
 * The findings' texts as flat strings. V8 keeps a string built by a template literal as a tree of its
 * parts (a rope: one heap object per part, ~575 per host); reading one character flattens it into one
 * string, and the collector then drops the tree. The texts are the same; a fleet's analysis holds about a
 * quarter less memory and the collector copies a third as many objects (measured on 500 hosts of
 * test/helpers/fleet.ts: 15.7 → 11.7 MB, 462,000 → 167,000 objects). Consumers that serialise the
 * analysis would flatten them anyway.
 */
function flattenTexts(findings: Finding[]): Finding[] {
  const flat = (s: string) => s.charCodeAt(0);
  const text = (t: Text) => {
    flat(t.en);
    flat(t.ko);
  };
  for (const f of findings) {
    text(f.title);
    text(f.detail);
    text(f.recommendation);
    for (const e of f.evidence) {
      flat(e.source);
      flat(e.text);
    }
    if (f.impact) text(f.impact.summary);
  }
  return findings;
}
