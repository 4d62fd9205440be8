/**
 * Findings are data: rules return them, the report renders them, the model explains them.
 * Rule ids are part of the public JSON contract (docs/json.md).
 */
import { z } from 'zod';

export const RULE_IDS = [
  'numa-mismatch',
  'nvlink-split',
  'cross-socket',
  'mig-candidate',
  'share-candidate',
  'gpu-idle',
  'memory-pressure',
  'memory-underuse',
  'io-bound',
  'pcie-downtrained',
  'clock-throttle',
  'ecc-errors',
  'nic-far',
  // host facts from the topology alone (info; they need no workload)
  'gpu-interconnect',
  'nic-layout',
] as const;
export const RuleId = z.enum(RULE_IDS);

/**
 * Rules that report host facts read from the topology alone: info level, no workload, and nothing a
 * placement can resolve (a plan's "remaining findings" can leave them out).
 */
export const HOST_FACT_RULES: readonly RuleId[] = ['gpu-interconnect', 'nic-layout'];
export type RuleId = z.infer<typeof RuleId>;

export const Severity = z.enum(['critical', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** User-facing text in both languages; the chat surface or CLI picks one. */
export const Text = z.object({ en: z.string(), ko: z.string() });
export type Text = z.infer<typeof Text>;

export const Evidence = z.object({
  /** where the value comes from: a file, `file#section`, or the format id. */
  source: z.string(),
  /** the exact value or raw line used, e.g. `topo -m: GPU3 ↔ GPU5 = SYS`. */
  text: z.string(),
});
export type Evidence = z.infer<typeof Evidence>;

export const Impact = z.object({
  /** the documented model (docs/scoring.md), e.g. `ring-allreduce`, `numa-remote-h2d`. */
  model: z.string(),
  /** the headline number and its unit. */
  value: z.number(),
  unit: z.string(),
  /** one line saying what the number is, in both languages. */
  summary: Text,
  /** every figure the computation used (inputs and intermediate results), for tracing. */
  figures: z.record(z.string(), z.union([z.number(), z.string()])),
  /** source keys of cited figures (../shared/reference/domain-facts.md). */
  sources: z.array(z.string()),
});
export type Impact = z.infer<typeof Impact>;

export const Finding = z.object({
  rule: RuleId,
  severity: Severity,
  gpus: z.array(z.number().int()),
  workloads: z.array(z.string()),
  title: Text,
  detail: Text,
  evidence: z.array(Evidence),
  impact: Impact.nullable(),
  recommendation: Text,
});
export type Finding = z.infer<typeof Finding>;

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule) ||
      (a.gpus[0] ?? -1) - (b.gpus[0] ?? -1) ||
      (a.workloads[0] ?? '').localeCompare(b.workloads[0] ?? ''),
  );
}

/** Round for display in text and in impact figures (numbers in text must equal the figures). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
