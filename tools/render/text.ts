/**
 * The readable terminal report of an analysis, in English or Korean. Pure: analysis in, string out.
 * Every number printed comes from the analysis (score, per-GPU values, finding impacts).
 *
 * Text from the inputs (names, GPU models, CPU lists, evidence) is printed one line per field: control
 * characters (e.g. `\e[2J`) are replaced, newlines become spaces, names are cut at 128 characters wherever
 * they appear and other fields at 2,000, with `…` (scoring/text-safety.ts).
 */
import type { Analysis, HostAnalysis } from '../../scoring/analyze.ts';
import type { Finding } from '../../scoring/findings.ts';
import { fixParticles } from '../../scoring/korean.ts';
import type { Placement } from '../../scoring/placement/schema.ts';
import { hostNames, numaOfTarget, SCORE_AFTER_UNKNOWN } from '../../scoring/report.ts';
import { GRADE_TEXT, WEIGHTS } from '../../scoring/score.ts';
import { FIELD_LIMITS, inlineNames, mapStrings, safeInline } from '../../scoring/text-safety.ts';

export type Lang = 'en' | 'ko';

const L = {
  en: {
    score: 'Efficiency score',
    noScore: 'No score',
    gpu: 'GPU utilisation',
    numa: 'NUMA alignment',
    io: 'Interconnect / I/O',
    weight: 'weight',
    over: (n: number) => `${n} GPU${n === 1 ? '' : 's'}`,
    notAssessed: 'not assessable',
    gpus: 'GPUs',
    head: ['GPU', 'model', 'NUMA', 'util', 'VRAM used', 'workload'],
    free: '(free)',
    findings: 'Findings',
    none: 'No findings.',
    sev: { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' },
    evidence: 'evidence',
    impact: 'impact',
    todo: 'do',
    notes: 'Notes on the inputs',
    fleet: 'Fleet',
    hosts: 'hosts',
    plan: 'Placement plan',
    objective: (v: number, s: number, m: number, c: number) =>
      `objective ${v} = score after ${s} − ${c} × ${m} move${m === 1 ? '' : 's'}`,
    moves: (m: number) => `${m} move${m === 1 ? '' : 's'}`,
    planHead: ['workload', 'now', 'planned', 'resolves'],
    noMoves: 'Every workload is already where it should be.',
    expected: 'Expected',
    commands: 'Commands (InfraLens never runs them)',
    downtime: 'downtime',
    manual: 'fill in <…> first',
    after: 'After the plan',
    remaining: 'remaining findings',
    noPlan: 'No placement plan',
    cpus: 'CPUs',
    migrations: 'Cross-host moves',
    gap: (o: number, b: number, g: number) => `fleet objective ${o}, upper bound ${b} (gap ${g})`,
    searchCap: (n: number) =>
      `the fleet search stopped at its cap of ${n} host solves: this is the best plan it found, within the gap above`,
  },
  ko: {
    score: '효율 점수',
    noScore: '점수 없음',
    gpu: 'GPU 활용도',
    numa: 'NUMA 정렬',
    io: '인터커넥트 / I/O',
    weight: '가중치',
    over: (n: number) => `GPU ${n}개 기준`,
    notAssessed: '평가 불가',
    gpus: 'GPU',
    head: ['GPU', '모델', 'NUMA', '사용률', 'VRAM 사용', '워크로드'],
    free: '(미할당)',
    findings: '발견 사항',
    none: '발견 사항이 없습니다.',
    sev: { critical: '심각', warning: '경고', info: '참고' },
    evidence: '근거',
    impact: '영향',
    todo: '조치',
    notes: '입력 관련 참고',
    fleet: '전체',
    hosts: '호스트',
    plan: '배치 계획',
    objective: (v: number, s: number, m: number, c: number) =>
      `목적값 ${v} = 변경 후 점수 ${s} − ${c} × 이동 ${m}건`,
    moves: (m: number) => `이동 ${m}건`,
    planHead: ['워크로드', '현재', '계획', '해소'],
    noMoves: '모든 워크로드가 이미 최적 위치에 있습니다.',
    expected: '기대 효과',
    commands: '명령 (InfraLens는 실행하지 않음)',
    downtime: '중단 필요',
    manual: '<…> 값을 먼저 채우세요',
    after: '계획 적용 후',
    remaining: '남는 발견 사항',
    noPlan: '배치 계획 없음',
    cpus: 'CPU',
    migrations: '호스트 간 이동',
    gap: (o: number, b: number, g: number) => `전체 목적값 ${o}, 상한 ${b} (차이 ${g})`,
    searchCap: (n: number) =>
      `플릿 탐색이 호스트 계산 상한(${n}회)에 도달해 멈췄습니다: 위 차이 안에서 찾은 가장 좋은 계획입니다`,
  },
} as const;

/** Every string of a value as one safe line (a field from the inputs never starts a line of its own). */
const clean = <T>(v: T): T => mapStrings(v, (s) => safeInline(s, FIELD_LIMITS.detail));
/** A name (host, workload, GPU model) in a table or heading. */
const name = (s: string) => safeInline(s, FIELD_LIMITS.name);

const gib = (mib: number | null) => (mib === null ? '?' : (mib / 1024).toFixed(1));

/** Display width: Hangul and other wide characters take two columns in a terminal. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => width(r[c] ?? ''))));
  return rows.map((r) =>
    `  ${r.map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]!))).join('  ')}`.trimEnd(),
  );
}

function renderFinding(f: Finding, i: number, lang: Lang): string[] {
  const t = L[lang];
  const out = [
    `${String(i + 1).padStart(2)}. [${t.sev[f.severity]}] ${f.title[lang]}  (${f.rule}${f.gpus.length ? `; ${f.gpus.map((g) => `GPU${g}`).join(', ')}` : ''})`,
    `    ${f.detail[lang]}`,
  ];
  for (const e of f.evidence) out.push(`    ${t.evidence}: ${e.text}  [${e.source}]`);
  if (f.impact) out.push(`    ${t.impact}: ${f.impact.summary[lang]}  (${f.impact.model})`);
  out.push(`    ${t.todo}: ${f.recommendation[lang]}`);
  return out;
}

export function renderHost(host: HostAnalysis, lang: Lang): string {
  const t = L[lang];
  const h = clean(inlineNames(host, hostNames(host), FIELD_LIMITS.name));
  const out: string[] = [`InfraLens — ${name(h.host ?? '(unnamed host)')}`, ''];
  if (h.score) {
    const s = h.score;
    out.push(`${t.score}: ${s.value.toFixed(1)} / 100 — ${s.grade} (${GRADE_TEXT[s.grade][lang]})`);
    const comp = (name: string, v: number | null, w: number, n: number) =>
      `  ${pad(name, 20)} ${v === null ? t.notAssessed.padStart(5) : v.toFixed(1).padStart(5)}   (${t.weight} ${w * 100}%${v === null ? '' : `, ${t.over(n)}`})`;
    out.push(comp(t.gpu, s.components.gpu, WEIGHTS.gpu, s.basis.gpus));
    out.push(comp(t.numa, s.components.numa, WEIGHTS.numa, s.basis.numaGpus));
    out.push(comp(t.io, s.components.io, WEIGHTS.io, s.basis.ioGpus));
  } else out.push(`${t.noScore}: ${h.scoreReason?.[lang] ?? ''}`);
  if (h.gpus.length > 0) {
    out.push('', `${t.gpus}:`);
    const rows: string[][] = [[...t.head]];
    for (const g of h.gpus)
      rows.push([
        String(g.index),
        name(g.name ?? '?'),
        g.numaNode === null ? '?' : String(g.numaNode),
        g.utilizationPct === null ? '?' : `${g.utilizationPct}%`,
        `${gib(g.memoryUsedMiB)}/${gib(g.memoryTotalMiB)} GiB`,
        g.workloads.map(name).join(', ') || (g.score.allocated ? '' : t.free),
      ]);
    out.push(...table(rows));
  }
  const counts = (['critical', 'warning', 'info'] as const)
    .map((s) => [s, h.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${t.sev[s].toLowerCase()}`);
  out.push('', `${t.findings} (${h.findings.length})${counts.length ? `: ${counts.join(', ')}` : ''}`);
  if (h.findings.length === 0) out.push(`  ${t.none}`);
  h.findings.forEach((f, i) => {
    out.push(...renderFinding(f, i, lang));
  });
  if (h.placement) out.push('', ...renderPlan(h.placement, lang));
  else if (h.placementReason) out.push('', `${t.noPlan}: ${h.placementReason}`);
  if (h.notes.length > 0) out.push('', `${t.notes}:`, ...h.notes.map((n) => `  - ${n}`));
  const text = out.join('\n');
  return lang === 'ko' ? fixParticles(text) : text;
}

export function renderPlan(plan: Placement, lang: Lang): string[] {
  const t = L[lang];
  const p = clean(
    inlineNames(
      plan,
      plan.moves.map((m) => m.workload),
      FIELD_LIMITS.name,
    ),
  );
  const where = (x: Placement['moves'][number]['from']) =>
    `${x.gpus.map((i) => `GPU${i}`).join(', ')}${x.form === 'whole' ? '' : ` ${x.form}`}${numaOfTarget(x) === null ? '' : ` @NUMA${numaOfTarget(x)}`} · ${t.cpus} ${x.cpus ?? '?'}`;
  const o = p.objective;
  // without a score after, what the inputs lack (the same words as the plan note, which is not repeated)
  const missing = o.scoreAfter === null ? (o.scoreAfterReason ?? SCORE_AFTER_UNKNOWN) : null;
  const out = [
    missing
      ? `${t.plan}: ${missing[lang]} (${t.moves(o.moves)})`
      : `${t.plan}: ${t.objective(o.value, o.scoreAfter!, o.moves, o.moveCost)}`,
  ];
  if (p.moves.length === 0) out.push(`  ${t.noMoves}`);
  else {
    const rows: string[][] = [[...t.planHead]];
    for (const m of p.moves)
      rows.push([name(m.workload), where(m.from), where(m.to), m.resolves.map((r) => r.rule).join(', ')]);
    out.push(...table(rows));
  }
  if (p.expected.length > 0)
    out.push('', `${t.expected}:`, ...p.expected.map((g) => `  - ${g.summary[lang]}  (${g.model})`));
  if (p.commands.length > 0) {
    out.push('', `${t.commands}:`);
    for (const c of p.commands)
      out.push(
        `  ${String(c.step).padStart(2)}. ${c.command}`,
        `      # ${c.what[lang]}${c.downtime ? ` [${t.downtime}]` : ''}${c.manual ? ` [${t.manual}]` : ''}`,
      );
  }
  if (p.after.score) {
    const rest = p.after.findings.map(
      (f) => `${f.rule}${f.gpus.length ? ` (${f.gpus.map((g) => `GPU${g}`).join(', ')})` : ''}`,
    );
    out.push(
      '',
      `${t.after}: ${p.after.score.value.toFixed(1)} / 100 — ${p.after.score.grade} (${GRADE_TEXT[p.after.score.grade][lang]})${rest.length ? `; ${t.remaining}: ${rest.join(', ')}` : ''}`,
    );
  }
  for (const n of p.notes) if (n !== missing?.en) out.push(`  - ${n}`);
  return lang === 'ko' ? out.map(fixParticles) : out;
}

export function renderAnalysis(analysis: Analysis, lang: Lang): string {
  const parts = analysis.hosts.map((h) => renderHost(h, lang));
  const fleet = clean(inlineNames(analysis.fleet, analysis.hosts.flatMap(hostNames), FIELD_LIMITS.name));
  if (analysis.hosts.length > 1 && fleet.score) {
    const t = L[lang];
    const s = fleet.score;
    const lines = [
      `${t.fleet} (${fleet.hosts} ${t.hosts}, ${fleet.gpus} GPU): ${t.score} ${s.value.toFixed(1)} — ${s.grade} (${GRADE_TEXT[s.grade][lang]})`,
    ];
    const fp = fleet.placement;
    if (fp) {
      lines.push(`${t.plan}: ${t.gap(fp.objective, fp.bound, fp.gap)}`);
      if (fp.searchCap !== null) lines.push(`  ${t.searchCap(fp.searchCap)}`);
      if (fp.migrations.length > 0)
        lines.push(
          `${t.migrations}:`,
          ...fp.migrations.map(
            (m) => `  - ${name(m.workload)}: ${name(m.from ?? '?')} → ${name(m.to ?? '?')}   $ ${m.command}`,
          ),
        );
    }
    parts.push(lines.join('\n'));
  }
  return parts.join(`\n\n${'─'.repeat(72)}\n\n`);
}
