/**
 * The readable terminal report of an analysis, in English or Korean. Pure: analysis in, string out.
 * Every number printed comes from the analysis (score, per-GPU values, finding impacts).
 */
import type { Analysis, HostAnalysis } from '../../scoring/analyze.ts';
import type { Finding } from '../../scoring/findings.ts';
import { GRADE_TEXT, WEIGHTS } from '../../scoring/score.ts';

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
  },
} as const;

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

export function renderHost(h: HostAnalysis, lang: Lang): string {
  const t = L[lang];
  const out: string[] = [`InfraLens — ${h.host ?? '(unnamed host)'}`, ''];
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
        g.name ?? '?',
        g.numaNode === null ? '?' : String(g.numaNode),
        g.utilizationPct === null ? '?' : `${g.utilizationPct}%`,
        `${gib(g.memoryUsedMiB)}/${gib(g.memoryTotalMiB)} GiB`,
        g.workloads.join(', ') || (g.score.allocated ? '' : t.free),
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
  if (h.notes.length > 0) out.push('', `${t.notes}:`, ...h.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}

export function renderAnalysis(a: Analysis, lang: Lang): string {
  const parts = a.hosts.map((h) => renderHost(h, lang));
  if (a.hosts.length > 1 && a.fleet.score) {
    const t = L[lang];
    const s = a.fleet.score;
    parts.push(
      `${t.fleet} (${a.fleet.hosts} ${t.hosts}, ${a.fleet.gpus} GPU): ${t.score} ${s.value.toFixed(1)} — ${s.grade} (${GRADE_TEXT[s.grade][lang]})`,
    );
  }
  return parts.join(`\n\n${'─'.repeat(72)}\n\n`);
}
