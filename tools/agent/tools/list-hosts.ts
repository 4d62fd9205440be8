import { z } from 'zod';
import { GRADE_TEXT } from '../../../scoring/score.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { collectionOf, forModel } from './common.ts';

const Input = z.strictObject({});

async function run(_input: z.infer<typeof Input>, ctx: ToolContext) {
  const analysis = ctx.session.fullAnalysis();
  const hosts = analysis.hosts.map((h, i) => {
    const bySeverity = { critical: 0, warning: 0, info: 0 };
    for (const f of h.findings) bySeverity[f.severity]++;
    const host = h.host ?? `host-${i + 1}`;
    return {
      host,
      /** an inventory host's last collection (when, minutes ago); null for uploaded files. */
      collected: ctx.session.collectedAt(host) === null ? null : collectionOf(ctx, host),
      gpus: h.gpus.length,
      models: [...new Set(h.gpus.map((g) => g.name).filter((n): n is string => n !== null))],
      score: h.score
        ? { value: h.score.value, grade: h.score.grade, meaning: GRADE_TEXT[h.score.grade] }
        : null,
      scoreReason: h.scoreReason,
      findings: bySeverity,
      topFinding: h.findings[0] ? { rule: h.findings[0].rule, title: h.findings[0].title } : null,
      workloads: h.workloads.map((w) => ({
        name: w.name,
        kind: w.kind,
        gpus: w.gpus,
        vmid: w.vm?.vmid ?? null,
      })),
    };
  });
  // worst first: lowest score, hosts without a score after those with one, then by critical findings
  const order = [...hosts].sort(
    (a, b) =>
      (a.score?.value ?? 101) - (b.score?.value ?? 101) ||
      b.findings.critical - a.findings.critical ||
      a.host.localeCompare(b.host),
  );
  return {
    data: forModel(ctx, {
      count: hosts.length,
      fleet: analysis.fleet.score
        ? { score: analysis.fleet.score.value, grade: analysis.fleet.score.grade, gpus: analysis.fleet.gpus }
        : null,
      hosts: order,
      /** inventory hosts of this channel without a kept collection (their score history may still exist). */
      inventoryOnly: ctx.session.inventoryHosts().filter((n) => !hosts.some((h) => h.host === n)),
      notes: ctx.session.notes(),
    }),
  };
}

export type ListHostsResult = Awaited<ReturnType<typeof run>>['data'];

export const listHosts: ToolDef<z.infer<typeof Input>, ListHostsResult> = {
  name: 'list_hosts',
  description:
    'The GPU hosts this conversation has data for, worst first: per host the GPU count and models, the efficiency score and grade (or why there is none), the number of critical / warning / info findings, the most severe finding, and the workloads (name, kind, GPU indexes, Proxmox VM id). Also the fleet score (weighted by GPUs) and notes on inputs that could not be read. For inventory hosts, `collected` says when they were last collected (`minutesAgo`). Call it first when several hosts may be loaded, to compare hosts, or to resolve a host name.',
  input: Input,
  run,
};
