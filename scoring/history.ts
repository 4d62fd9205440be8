/**
 * Score history as data: the record one collection of a host leaves (score, grade, components and the
 * fingerprinted findings, or the error that stopped it), and what is read from a series of them — the
 * trend (with a sparkline for chat), before/after comparison (what got fixed, what is new, what remains)
 * and the daily digest's model. Pure: records and `now` in, data out; storage is jobs/fleet/history.ts.
 */
import { z } from 'zod';
import type { HostAnalysis } from './analyze.ts';
import { SEVERITY_ORDER, Severity, Text } from './findings.ts';
import { fingerprintFindings } from './fingerprint.ts';
import { Grade } from './score.ts';

export const HistoryFinding = z.object({
  fingerprint: z.string(),
  rule: z.string(),
  severity: Severity,
  title: Text,
});
export type HistoryFinding = z.infer<typeof HistoryFinding>;

/** One collection of one host. `score` is null when the host could not be scored (or collected). */
export const HistoryRecord = z.object({
  /** when it was collected (ms since the epoch). */
  at: z.number(),
  score: z.number().nullable(),
  grade: Grade.nullable(),
  components: z
    .object({ gpu: z.number(), numa: z.number().nullable(), io: z.number().nullable() })
    .nullable(),
  findings: z.array(HistoryFinding),
  /** a failed collection: why (`kind` from the collector: auth, host-key, timeout, unreachable, ingest…). */
  error: z.object({ kind: z.string(), message: z.string() }).optional(),
});
export type HistoryRecord = z.infer<typeof HistoryRecord>;

/** The record of a host's analysis collected at `at`. */
export function recordOf(host: string, analysis: HostAnalysis, at: number): HistoryRecord {
  return {
    at,
    score: analysis.score?.value ?? null,
    grade: analysis.score?.grade ?? null,
    components: analysis.score ? { ...analysis.score.components } : null,
    findings: fingerprintFindings(host, analysis).map(({ fingerprint, finding }) => ({
      fingerprint,
      rule: finding.rule,
      severity: finding.severity,
      title: { en: finding.title.en, ko: finding.title.ko },
    })),
  };
}

/** The record of a collection that failed. */
export function errorRecord(error: { kind: string; message: string }, at: number): HistoryRecord {
  return { at, score: null, grade: null, components: null, findings: [], error: { ...error } };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

// ---------------------------------------------------------------------------------------------------------
// trend

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A unicode sparkline of values (▁ lowest … █ highest); a missing value (a failed collection) is `·`.
 * `lo`/`hi` fix the scale (default: the values' own range; a flat series is drawn mid-height).
 */
export function sparkline(values: readonly (number | null)[], lo?: number, hi?: number): string {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return values.map(() => '·').join('');
  const min = lo ?? Math.min(...known);
  const max = hi ?? Math.max(...known);
  return values
    .map((v) => {
      if (v === null) return '·';
      if (max - min < 1e-9) return BARS[3];
      const i = Math.round(((Math.min(max, Math.max(min, v)) - min) / (max - min)) * (BARS.length - 1));
      return BARS[i];
    })
    .join('');
}

export interface Trend {
  /** records in the series, failed collections included. */
  points: number;
  /** records with a score. */
  scored: number;
  /** failed collections. */
  failures: number;
  min: number | null;
  max: number | null;
  first: number | null;
  last: number | null;
  /** last − first (one decimal), null with fewer than one score. */
  change: number | null;
  from: number | null;
  to: number | null;
  /** at most `width` characters, one per record (older records averaged into buckets when there are more). */
  sparkline: string;
}

/** The trend of a host's records (any order; they are sorted by time). */
export function trend(records: readonly HistoryRecord[], width = 24): Trend {
  const sorted = [...records].sort((a, b) => a.at - b.at);
  const scores = sorted.map((r) => r.score);
  const known = scores.filter((v): v is number => v !== null);
  const first = known[0] ?? null;
  const last = known.at(-1) ?? null;
  return {
    points: sorted.length,
    scored: known.length,
    failures: sorted.filter((r) => r.error).length,
    min: known.length ? Math.min(...known) : null,
    max: known.length ? Math.max(...known) : null,
    first,
    last,
    change: first !== null && last !== null ? round1(last - first) : null,
    from: sorted[0]?.at ?? null,
    to: sorted.at(-1)?.at ?? null,
    sparkline: sparkline(bucket(scores, width)),
  };
}

/** At most `width` values: consecutive values averaged (a bucket of failures only stays null). */
function bucket(values: readonly (number | null)[], width: number): (number | null)[] {
  if (values.length <= width) return [...values];
  const out: (number | null)[] = [];
  for (let b = 0; b < width; b++) {
    const part = values
      .slice(Math.floor((b * values.length) / width), Math.floor(((b + 1) * values.length) / width))
      .filter((v): v is number => v !== null);
    out.push(part.length ? part.reduce((a, v) => a + v, 0) / part.length : null);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// before / after

export interface Comparison {
  scoreBefore: number | null;
  scoreAfter: number | null;
  /** after − before (one decimal); null when either has no score. */
  scoreChange: number | null;
  gradeBefore: Grade | null;
  gradeAfter: Grade | null;
  /** findings of `before` that `after` no longer has (fixed). */
  gone: HistoryFinding[];
  /** findings of `after` that `before` did not have (new). */
  appeared: HistoryFinding[];
  /** findings of both (as `after` has them). */
  remaining: HistoryFinding[];
}

const bySeverity = (a: HistoryFinding, b: HistoryFinding) =>
  SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];

/**
 * What changed between two records of a host. A missing `before` counts every finding of `after` as new;
 * a failed collection on either side compares nothing (no findings gone or new: they are unknown).
 */
export function compare(before: HistoryRecord | null, after: HistoryRecord | null): Comparison {
  const scoreBefore = before?.score ?? null;
  const scoreAfter = after?.score ?? null;
  const base: Comparison = {
    scoreBefore,
    scoreAfter,
    scoreChange: scoreBefore !== null && scoreAfter !== null ? round1(scoreAfter - scoreBefore) : null,
    gradeBefore: before?.grade ?? null,
    gradeAfter: after?.grade ?? null,
    gone: [],
    appeared: [],
    remaining: [],
  };
  if (!after || after.error || before?.error) return base;
  const had = new Set((before?.findings ?? []).map((f) => f.fingerprint));
  const has = new Set(after.findings.map((f) => f.fingerprint));
  base.gone = (before?.findings ?? []).filter((f) => !has.has(f.fingerprint)).sort(bySeverity);
  base.appeared = after.findings.filter((f) => !had.has(f.fingerprint)).sort(bySeverity);
  base.remaining = after.findings.filter((f) => had.has(f.fingerprint)).sort(bySeverity);
  return base;
}

// ---------------------------------------------------------------------------------------------------------
// the daily digest

export interface DigestHostInput {
  host: string;
  /** the host's latest record (null: never collected). */
  now: HistoryRecord | null;
  /** its record at or before a day ago (null: none that old). */
  yesterday: HistoryRecord | null;
}

export interface DigestRow {
  host: string;
  grade: Grade | null;
  score: number | null;
  /** score change since yesterday (one decimal), null when unknown. */
  change: number | null;
  /** the most severe finding that is not a host fact (info findings only when nothing else). */
  top: HistoryFinding | null;
  /** the latest collection failed: why. */
  error: { kind: string; message: string } | null;
  /** the latest record's time, null when never collected. */
  at: number | null;
}

export interface DigestModel {
  rows: DigestRow[];
  /** findings new since yesterday, per host. */
  appeared: { host: string; finding: HistoryFinding }[];
  /** findings gone since yesterday, per host. */
  gone: { host: string; finding: HistoryFinding }[];
  /** mean score of the hosts with one (one decimal). */
  meanScore: number | null;
  hosts: number;
  unreachable: number;
}

/** Rules that describe the host's hardware, not a problem (never a "top finding" or news). */
const FACT_RULES = new Set(['gpu-interconnect', 'nic-layout']);

function topFinding(r: HistoryRecord): HistoryFinding | null {
  const problems = r.findings.filter((f) => !FACT_RULES.has(f.rule));
  return [...problems].sort(bySeverity)[0] ?? null;
}

/** The digest of hosts: worst score first (failed and unscored hosts first of all), news and fixes. */
export function digestModel(inputs: readonly DigestHostInput[]): DigestModel {
  const rows: DigestRow[] = inputs.map(({ host, now, yesterday }) => ({
    host,
    grade: now?.grade ?? null,
    score: now?.score ?? null,
    change: compare(yesterday, now).scoreChange,
    top: now && !now.error ? topFinding(now) : null,
    error: now?.error ?? (now ? null : { kind: 'never', message: 'not collected yet' }),
    at: now?.at ?? null,
  }));
  rows.sort(
    (a, b) =>
      Number(b.error !== null) - Number(a.error !== null) ||
      (a.score ?? -1) - (b.score ?? -1) ||
      a.host.localeCompare(b.host),
  );
  const appeared: DigestModel['appeared'] = [];
  const gone: DigestModel['gone'] = [];
  for (const { host, now, yesterday } of inputs) {
    // no record a day old: the host is new to the fleet, nothing is news yet
    if (!yesterday) continue;
    const c = compare(yesterday, now);
    for (const f of c.appeared) if (!FACT_RULES.has(f.rule)) appeared.push({ host, finding: f });
    for (const f of c.gone) if (!FACT_RULES.has(f.rule)) gone.push({ host, finding: f });
  }
  const scores = rows.map((r) => r.score).filter((s): s is number => s !== null);
  return {
    rows,
    appeared,
    gone,
    meanScore: scores.length ? round1(scores.reduce((a, s) => a + s, 0) / scores.length) : null,
    hosts: rows.length,
    unreachable: rows.filter((r) => r.error !== null).length,
  };
}
