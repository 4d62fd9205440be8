import { z } from 'zod';
import type { Finding } from '../../../scoring/findings.ts';

export const HostArg = z.object({
  host: z
    .string()
    .optional()
    .describe('host name from list_hosts; may be omitted when only one host is loaded'),
});

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
