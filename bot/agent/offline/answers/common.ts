/**
 * What several composers read from the tool results: the findings about a subject, the moves and commands
 * that concern it, lines that quote a finding's evidence with its source, and focus items.
 */
import type { Lang } from '../../../../scoring/report.ts';
import type { FindBottlenecksResult } from '../../../../tools/agent/tools/find-bottlenecks.ts';
import type { GeneratePlacementResult } from '../../../../tools/agent/tools/generate-placement.ts';
import type { FocusItem } from '../focus.ts';
import { code, gpuList, TEXT } from '../text.ts';
import type { Understanding } from '../understand.ts';

export type Finding = FindBottlenecksResult['findings'][number];
export type Move = GeneratePlacementResult['moves'][number];
export type Command = GeneratePlacementResult['commands'][number];

/** What the question is about: GPUs, workloads, rules (all empty = the whole host). */
export interface Subject {
  gpus: number[];
  workloads: string[];
  rules: string[];
}

export const subjectOf = (u: Understanding): Subject => ({
  gpus: u.gpus,
  workloads: u.workloads,
  rules: u.rules,
});

export const hasEntities = (s: Subject) => s.gpus.length > 0 || s.workloads.length > 0;

/** A finding about the subject's GPUs or workloads (any finding when it names none). */
export function concerns(f: Finding, s: Subject): boolean {
  if (!hasEntities(s)) return true;
  return f.gpus.some((g) => s.gpus.includes(g)) || f.workloads.some((w) => s.workloads.includes(w));
}

/** The findings of these rules (in the tools' order, most severe first) about the subject. */
export function findingsAbout(
  all: readonly Finding[],
  s: Subject,
  rules: readonly string[] = s.rules,
): Finding[] {
  return all.filter((f) => (rules.length === 0 || rules.includes(f.rule)) && concerns(f, s));
}

/** The moves of the plan that concern the subject (its workloads, its GPUs, its rules); all of them for none. */
export function movesAbout(plan: GeneratePlacementResult, s: Subject): Move[] {
  if (!hasEntities(s) && s.rules.length === 0) return plan.moves;
  // named workloads say it all; GPUs only when no workload is named
  if (s.workloads.length > 0) return plan.moves.filter((m) => s.workloads.includes(m.workload));
  return plan.moves.filter(
    (m) =>
      m.from.gpus.some((g) => s.gpus.includes(g)) ||
      m.to.gpus.some((g) => s.gpus.includes(g)) ||
      (!hasEntities(s) && m.resolves.some((r) => s.rules.includes(r))),
  );
}

/**
 * These moves and every move they depend on: the moves that vacate a GPU they move into, and so on (VM 102
 * takes GPU2 only once VM 103 has left it). In the plan's order.
 */
export function withDisplaced(plan: GeneratePlacementResult, moves: readonly Move[]): Move[] {
  const out = [...moves];
  for (let i = 0; i < out.length; i++) {
    const into = out[i]!.to.gpus;
    for (const m of plan.moves)
      if (!out.includes(m) && m.from.gpus.some((g) => into.includes(g) && !m.to.gpus.includes(g)))
        out.push(m);
  }
  return plan.moves.filter((m) => out.includes(m));
}

/** The moves of the plan that need one of these done first (they move into a GPU these vacate). */
export function dependents(plan: GeneratePlacementResult, moves: readonly Move[]): Move[] {
  const vacated = new Set(moves.flatMap((m) => m.from.gpus.filter((g) => !m.to.gpus.includes(g))));
  return plan.moves.filter((m) => !moves.includes(m) && m.to.gpus.some((g) => vacated.has(g)));
}

/** What a subset of the plan depends on: the added moves and the GPUs each frees for the asked ones. */
export function dependencyNote(
  plan: GeneratePlacementResult,
  asked: readonly Move[],
  lang: Lang,
  included = true,
): string | null {
  if (asked.length === 0 || asked.length === plan.moves.length) return null;
  const t = TEXT[lang];
  const all = withDisplaced(plan, asked);
  const added = all.filter((m) => !asked.includes(m));
  const into = new Set(all.flatMap((m) => m.to.gpus));
  if (added.length > 0)
    return t.fix.dependsOn(
      added.map((m) => ({
        workload: m.workload,
        vmid: m.vmid,
        frees: m.from.gpus.filter((g) => into.has(g) && !m.to.gpus.includes(g)),
      })),
      included,
    );
  const later = dependents(plan, asked);
  if (asked.every((m) => stays(m)) && later.length === 0) return t.fix.keeps;
  const vacated = new Set(asked.flatMap((m) => m.from.gpus));
  return t.fix.independent(
    [...new Set(asked.flatMap((m) => m.to.gpus))],
    later.map((m) => ({ workload: m.workload, vmid: m.vmid, gpus: m.to.gpus.filter((g) => vacated.has(g)) })),
  );
}

/** The commands that carry out these moves (their VM's steps, and the MIG steps on their target GPUs). */
export function commandsFor(plan: GeneratePlacementResult, moves: readonly Move[]): Command[] {
  if (moves.length === plan.moves.length) return plan.commands;
  const names = moves.filter((m) => m.vmid === null).map((m) => m.workload);
  const vmids = moves.map((m) => m.vmid).filter((v): v is number => v !== null);
  const migGpus = moves.filter((m) => m.to.form !== 'whole').flatMap((m) => m.to.gpus);
  return plan.commands.filter((c) =>
    /^qm\s/.test(c.command)
      ? vmids.some((v) => new RegExp(String.raw`^qm \w+ ${v}\b`).test(c.command))
      : /^nvidia-smi\s/.test(c.command)
        ? migGpus.some((g) => new RegExp(String.raw`^nvidia-smi (?:mig )?-i ${g}\b`).test(c.command))
        : names.some((n) => c.what.en.includes(n)),
  );
}

/** A move that keeps its GPUs (only its CPUs change): its new CPUs; null for a move to other GPUs. */
export function stays(m: Move): { cpus: string | null } | null {
  const same =
    m.to.form === 'whole' &&
    m.from.gpus.length === m.to.gpus.length &&
    m.from.gpus.every((g) => m.to.gpus.includes(g));
  return same ? { cpus: m.to.cpus } : null;
}

/** A finding's title without the workload prefix the rules put in front ("train-rec-c: CPUs on …"). */
export function titleOf(f: Finding, lang: Lang): string {
  const t = f.title[lang];
  const w = f.workloads[0];
  return w && t.startsWith(`${w}: `) ? t.slice(w.length + 2) : t;
}

export const impactOf = (f: Finding, lang: Lang): string | null => f.impact?.summary[lang] ?? null;

/** "evidence (source)" lines of a finding. */
export function evidenceLines(f: Finding, max = 2): string[] {
  return f.evidence.slice(0, max).map((e, i) => {
    const src = f.evidenceSources?.[i];
    return `- ${e}${src ? ` (${src})` : ''}`;
  });
}

/** One move as a line: "train-vision-b (VM 102): GPU3, GPU5 → GPU2, GPU3 (NUMA 0), CPUs 24-39,136-151". */
export function moveLine(m: Move, lang: Lang): string {
  const vm = m.vmid === null ? '' : ` (VM ${m.vmid})`;
  const form = m.to.form === 'whole' ? '' : ` ${m.to.form}`;
  const numa = m.to.numaNode === null ? '' : ` (NUMA ${m.to.numaNode})`;
  const cpus = m.to.cpus ? `, CPUs ${code(m.to.cpus)}` : '';
  const fixes =
    m.resolves.length > 0
      ? lang === 'ko'
        ? ` — 해소: ${m.resolves.join(', ')}`
        : ` — fixes ${m.resolves.join(', ')}`
      : '';
  const where = stays(m)
    ? lang === 'ko'
      ? `${gpuList(m.to.gpus)} 그대로`
      : `stays on ${gpuList(m.to.gpus)}`
    : `${gpuList(m.from.gpus)} → ${gpuList(m.to.gpus)}`;
  return `- ${m.workload}${vm}: ${where}${form}${numa}${cpus}${fixes}`;
}

/** One command as a numbered line with what it does. */
export function commandLine(c: Command, lang: Lang): string {
  const flags = [
    c.downtime ? (lang === 'ko' ? '중단 필요' : 'downtime') : null,
    c.manual ? (lang === 'ko' ? '값 채워 넣기' : 'fill in <…>') : null,
  ]
    .filter((x) => x !== null)
    .join(', ');
  return `${c.step}. ${code(c.command)} — ${c.what[lang]}${flags ? ` [${flags}]` : ''}`;
}

export const findingItem = (f: Finding, host: string): FocusItem => ({
  kind: 'finding',
  host,
  rule: f.rule,
  gpus: f.gpus,
  workloads: f.workloads,
});

export const moveItem = (m: Move, host: string): FocusItem => ({
  kind: 'move',
  host,
  rule: m.resolves[0] ?? null,
  gpus: [...new Set([...m.from.gpus, ...m.to.gpus])],
  workloads: [m.workload],
});

export const workloadItem = (name: string, gpus: number[], host: string): FocusItem => ({
  kind: 'workload',
  host,
  rule: null,
  gpus,
  workloads: [name],
});

export const gpuItem = (gpu: number, workloads: string[], host: string): FocusItem => ({
  kind: 'gpu',
  host,
  rule: null,
  gpus: [gpu],
  workloads,
});

/** Remove repeated findings that say the same thing about the same GPUs (cross-socket after nvlink-split). */
export function distinct(fs: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.workloads.join(',')}|${f.gpus.join(',')}|${f.impact ? `${f.impact.model}:${f.impact.value}` : f.rule}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A line after its yes/no prefix: capitalised when there is none ("a one-GPU job fits" → "A one-GPU …"). */
export function lead(prefix: string, line: string): string {
  return prefix === '' && /^[a-z]+\s/.test(line)
    ? `${line.charAt(0).toUpperCase()}${line.slice(1)}`
    : `${prefix}${line}`;
}

/**
 * "Yes: " / "No: " for a yes/no question, by what it asks: whether a problem exists ("Any ECC errors?":
 * a problem → yes) or whether something is fine ("Are the links OK?": a problem → no). '' otherwise.
 */
export function verdict(u: Understanding, problem: boolean, lang: Lang): string {
  if (!u.yesNo) return '';
  const yes = u.asksOk ? !problem : problem;
  return yes ? TEXT[lang].yes : TEXT[lang].no;
}
