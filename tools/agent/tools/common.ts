import { z } from 'zod';
import type { Finding } from '../../../scoring/findings.ts';

/** `host`: as the model writes it; the schema sent to the model lists the conversation's hosts (enum). */
export const hostField = z
  .string()
  .max(200)
  .optional()
  .describe('the host, exactly as list_hosts names it; may be omitted when only one host is loaded');

export const HostArg = z.strictObject({ host: hostField });

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
