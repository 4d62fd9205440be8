/**
 * A stable fingerprint per finding: the same problem found tomorrow has the same fingerprint, so history
 * can tell what is new, what got fixed and what remains, and an alert is raised once per problem.
 *
 * It hashes what the finding is about — the host, the rule and its subject (the GPUs by bus id where the
 * analysis knows it, else by index; the workloads by name, a Proxmox VM by its id) — and never its
 * numbers or its text, which change with every collection. Pure: no clock, no I/O.
 */
import { createHash } from 'node:crypto';
import type { HostAnalysis } from './analyze.ts';
import type { Finding } from './findings.ts';

/** What a fingerprint is computed from (docs: the subject of a finding). */
export interface FindingSubject {
  host: string;
  rule: string;
  /** GPU identities: `bus:<id>` where known, else `gpu:<index>`; sorted. */
  gpus: string[];
  /** workload identities: `vm:<vmid>` for a Proxmox VM, else `w:<name>`; sorted. */
  workloads: string[];
}

/** The GPU and workload facts a subject needs from the finding's host (optional: indexes and names do). */
export type SubjectContext = Pick<HostAnalysis, 'gpus' | 'workloads'>;

/** The subject of a finding on a host. */
export function subjectOf(host: string, finding: Finding, ctx?: SubjectContext): FindingSubject {
  const busOf = new Map<number, string>();
  for (const g of ctx?.gpus ?? []) if (g.busId) busOf.set(g.index, g.busId.toLowerCase());
  const vmOf = new Map<string, number>();
  for (const w of ctx?.workloads ?? []) if (w.vm && w.vm.vmid !== null) vmOf.set(w.name, w.vm.vmid);
  const gpus = [...new Set(finding.gpus.map((i) => (busOf.has(i) ? `bus:${busOf.get(i)}` : `gpu:${i}`)))];
  const workloads = [
    ...new Set(finding.workloads.map((name) => (vmOf.has(name) ? `vm:${vmOf.get(name)}` : `w:${name}`))),
  ];
  return { host, rule: finding.rule, gpus: gpus.sort(), workloads: workloads.sort() };
}

/** The fingerprint of a subject: 16 hex digits of a SHA-256 over its parts. */
export function fingerprintOf(subject: FindingSubject): string {
  const canonical = JSON.stringify([subject.host, subject.rule, subject.gpus, subject.workloads]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The fingerprint of a finding on a host (pass the host's analysis to identify GPUs by bus id). */
export function fingerprint(host: string, finding: Finding, ctx?: SubjectContext): string {
  return fingerprintOf(subjectOf(host, finding, ctx));
}

/**
 * Every finding of a host analysis with its fingerprint, in the analysis's order. Two findings with the
 * same subject (one rule firing twice on the same GPUs) keep the first.
 */
export function fingerprintFindings(
  host: string,
  analysis: SubjectContext & Pick<HostAnalysis, 'findings'>,
): { fingerprint: string; finding: Finding }[] {
  const seen = new Set<string>();
  const out: { fingerprint: string; finding: Finding }[] = [];
  for (const finding of analysis.findings) {
    const fp = fingerprint(host, finding, analysis);
    if (seen.has(fp)) continue;
    seen.add(fp);
    out.push({ fingerprint: fp, finding });
  }
  return out;
}
