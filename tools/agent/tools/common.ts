import { z } from 'zod';
import type { Finding } from '../../../scoring/findings.ts';

/** `host`: as the model writes it; the schema sent to the model lists the conversation's hosts (enum). */
export const hostField = z
  .string()
  .max(200)
  .optional()
  .describe('the host, exactly as list_hosts names it; may be omitted when only one host is loaded');

export const HostArg = z.strictObject({ host: hostField });

/** A source as the user knows it: the file name (no folders) and the bundle section, e.g. `bundle.txt#topo-m`. */
function sourceName(source: string): string {
  return source
    .split(', ')
    .map((s) => s.split(/[\\/]/).pop() ?? s)
    .join(', ');
}

/** A finding as the model sees it: English and Korean text, evidence, impact; no internal fields. */
export function compactFinding(f: Finding) {
  return {
    rule: f.rule,
    severity: f.severity,
    gpus: f.gpus,
    workloads: f.workloads,
    title: f.title,
    detail: f.detail,
    evidence: f.evidence.map((e) => e.text),
    /** where each evidence line comes from (file name, `#section` of a bundle), in the same order. */
    evidenceSources: f.evidence.map((e) => sourceName(e.source)),
    impact: f.impact
      ? {
          model: f.impact.model,
          value: f.impact.value,
          unit: f.impact.unit,
          summary: f.impact.summary,
          figures: f.impact.figures,
        }
      : null,
    recommendation: f.recommendation,
  };
}
export type CompactFinding = ReturnType<typeof compactFinding>;
