/**
 * The report model: what the PDF (and any other surface) shows, as plain data in one language. Pure:
 * analysis + language + date in, blocks out. The renderer (jobs/report/pdf.ts) only lays them out, so
 * every number here comes from the analysis.
 *
 * Text from the inputs is made safe here (scoring/text-safety.ts): control characters replaced, one line
 * per field, and cut with `…` at FIELD_LIMITS: names 128 characters, lines (titles, evidence, cells) 500,
 * details (detail, recommendation, commands) 2,000.
 */
import type { Analysis, HostAnalysis } from './analyze.ts';
import type { Finding, Severity, Text } from './findings.ts';
import { fixParticles } from './korean.ts';
import type { Target } from './placement/schema.ts';
import { fleetScore, GRADE_TEXT, type Grade, type Score, WEIGHTS } from './score.ts';
import type { LinkKind } from './snapshot.ts';
import { clip, FIELD_LIMITS, inlineNames, mapStrings, safeInline } from './text-safety.ts';

export type Lang = 'en' | 'ko';

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string; muted?: boolean }
  | { kind: 'facts'; rows: [string, string][] }
  | {
      kind: 'score';
      value: number;
      grade: Grade;
      gradeText: string;
      components: { label: string; value: number | null; weight: number; basis: string }[];
    }
  | { kind: 'scoreMissing'; text: string }
  | {
      kind: 'bars';
      title: string;
      legend: [string, string];
      rows: { label: string; a: number | null; b: number | null }[];
      /** after each value (default `%`); values are 0–100. */
      unit?: string;
    }
  | {
      kind: 'topology';
      gpus: { label: string; numa: string; workload: string }[];
      /** cells[i][j]: the topo code between GPU i and GPU j ('X' on the diagonal, '' unknown). */
      cells: string[][];
      kinds: (LinkKind | 'X' | null)[][];
      legend: { kind: LinkKind; text: string }[];
    }
  | { kind: 'table'; columns: { title: string; width: number }[]; rows: string[][] }
  | {
      kind: 'finding';
      severity: Severity;
      severityText: string;
      rule: string;
      title: string;
      detail: string;
      evidence: string[];
      impact: string | null;
      recommendation: string;
    }
  | { kind: 'commands'; items: { step: number; command: string; note: string }[] }
  | { kind: 'list'; items: string[] }
  | {
      kind: 'trend';
      title: string;
      /** the window (ms since the epoch) and its ends as dates. */
      from: number;
      to: number;
      fromLabel: string;
      toLabel: string;
      /** the score of each collection, oldest first (null: a failed collection); at most TREND_POINTS. */
      points: { at: number; score: number | null }[];
      /** the grade bands, best first: the lowest score of each. */
      bands: { grade: Grade; min: number }[];
    };

export interface Section {
  title: string;
  blocks: Block[];
  /** start the section on a new page. */
  newPage?: boolean;
}

export interface ReportModel {
  lang: Lang;
  title: string;
  subject: string;
  date: string;
  header: string;
  cover: Block[];
  sections: Section[];
  /** every string the renderer may draw that is not in the blocks (labels, page words). */
  labels: { page: string; of: string; generated: string };
}

const T = {
  en: {
    title: 'GPU efficiency report',
    host: 'Host',
    fleet: 'Fleet',
    hosts: 'hosts',
    date: 'Date',
    gpus: 'GPUs',
    score: 'Score breakdown',
    gpuPart: 'GPU utilisation',
    numaPart: 'NUMA alignment',
    ioPart: 'Interconnect / I/O',
    basis: (n: number) => `${n} GPU${n === 1 ? '' : 's'}`,
    perGpu: 'Per GPU: utilisation and memory in use (%)',
    util: 'utilisation',
    vram: 'VRAM used',
    topology: 'Topology',
    topologyNote:
      'GPU-to-GPU paths from nvidia-smi topo -m. Green: NVLink; blue: one PCIe switch; amber: through the CPU; red: across CPU sockets.',
    noTopology: 'No topology in the inputs (send nvidia-smi topo -m or the bundle).',
    findings: 'Findings',
    noFindings: 'No findings: nothing to fix on this host.',
    evidence: 'Evidence',
    impact: 'Impact',
    todo: 'Recommendation',
    sev: { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' } as Record<Severity, string>,
    plan: 'Placement plan',
    planHead: ['Workload', 'Now', 'Planned', 'Resolves'],
    noMoves: 'Every workload is already placed well: no move is proposed.',
    expected: 'Expected gains',
    commands: 'Commands, in order (InfraLens never runs them)',
    downtime: 'downtime',
    manual: 'fill in <…> first',
    after: (v: string, g: string, gt: string) => `After the plan: ${v} / 100, grade ${g} (${gt}).`,
    objective: (v: number, s: string, m: number, c: number) =>
      `Objective ${v} = score after ${s} − ${c} × ${m} move(s).`,
    noScoreAfter: (why: string, m: number) => `${why} (${m} move(s)).`,
    noPlan: 'No placement plan',
    appendix: 'Appendix',
    raw: 'Inputs the findings cite',
    how: 'How the score is computed',
    howText: [
      'GPU score (per allocated GPU) = ((utilisation / 100) × 0.4 + (VRAM used / VRAM total) × 0.3) / 0.7. The published formula tops out at 0.7; dividing by 0.7 keeps its 4 : 3 weighting and lets a fully used server score 100.',
      'NUMA score (per allocated GPU) = 1.0 when the workload has CPUs local to the GPU, 0.5 when it has none.',
      'I/O score (per allocated GPU) = the lower of: the bandwidth of the best ring through its distributed job’s GPUs ÷ the best ring any as many GPUs of the host could form, and current ÷ maximum PCIe link bandwidth when loaded.',
      'Efficiency = 100 × (0.6 × GPU + 0.2 × NUMA + 0.2 × I/O); parts that cannot be assessed are left out and the weights renormalised. Grades: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, F below.',
      'Every impact states its model and figures; the figures come from the inputs and from cited measurements (see docs/scoring.md).',
    ],
    glossary: 'Glossary',
    terms: [
      [
        'NUMA',
        'A server with two CPU sockets has two memory domains (NUMA nodes). A GPU is wired to one of them; a job whose CPUs and memory sit on the other one moves every byte across the link between the sockets.',
      ],
      [
        'NVLink',
        'A direct GPU-to-GPU link, many times faster than PCIe. nvidia-smi topo -m shows it as NV# (the number of bonded links). Distributed training wants all its GPUs on one NVLink group.',
      ],
      [
        'PCIe path (PIX, PXB, PHB, NODE, SYS)',
        'How far two devices are apart over PCIe: one switch (PIX), several switches (PXB), through the CPU (PHB, NODE), or across CPU sockets (SYS, slowest).',
      ],
      [
        'MIG',
        'Multi-Instance GPU: an A100/H100/H200/B200 split into up to 7 isolated GPUs (e.g. 1g.18gb = 1/7 of the compute, 18 GB). Small inference jobs share one card instead of holding whole cards.',
      ],
      [
        'Passthrough',
        'A whole physical GPU given to one virtual machine (Proxmox hostpci). Nothing else can use it.',
      ],
      [
        'vGPU / time-slicing',
        'A GPU shared by several VMs or containers in turns; the way to share GPUs without MIG (L40S, L40, L4).',
      ],
    ] as [string, string][],
    page: 'Page',
    of: 'of',
    generated: 'Generated by InfraLens',
    summary: (
      h: string,
      v: string,
      g: string,
      gt: string,
      crit: number,
      warn: number,
      top: string,
      plan: string,
    ) =>
      `${h} scores ${v} out of 100 — grade ${g} (${gt}). InfraLens found ${crit} critical and ${warn} warning finding(s)${top ? `; the most important: ${top}` : ''}.${plan}`,
    summaryPlan: (a: string, g: string, m: number) =>
      ` The proposed placement (${m} move(s)) would raise it to ${a} (grade ${g}).`,
    summaryNoScore: (h: string, n: number) =>
      `${h}: no efficiency score (no utilisation data); ${n} finding(s) from the topology and configuration.`,
    overview: 'Fleet overview',
    detailed: 'Detailed',
    detailedFact: (n: number, total: number) =>
      `${n} of ${total} hosts (the lowest scores); the other ${total - n} are summarised in the fleet overview`,
    detailNote: (n: number, total: number) =>
      `Every host is in the table below, lowest score first. The ${n} lowest-scoring hosts are detailed in the sections that follow (score, topology, findings, plan); the other ${total - n} are summarised here only.`,
    overviewHead: ['Host', 'GPUs', 'Score', 'Critical / warning', 'After the plan', 'Most important finding'],
    noScore: 'no score',
    scoreBars: 'Score by host: now and after the plan (of 100)',
    now: 'now',
    afterPlan: 'after the plan',
    grades: 'Hosts by grade',
    fleetSummary: (v: string, g: string, gt: string, n: number, crit: number, warn: number, after: string) =>
      `The fleet of ${n} hosts scores ${v} out of 100 — grade ${g} (${gt}). InfraLens found ${crit} critical and ${warn} warning finding(s) across it.${after}`,
    fleetAfter: (a: string, g: string) =>
      ` With every host's proposed plan it would score ${a} (grade ${g}).`,
    notAnswering: (n: number) => `Not answering (${n}): no data from these hosts for this report`,
    fleetNoScore: (n: number, crit: number, warn: number) =>
      `No fleet score (no utilisation data). InfraLens found ${crit} critical and ${warn} warning finding(s) across the ${n} hosts.`,
    migrations: 'Moves between hosts',
    migrationsHead: ['Workload', 'From', 'To'],
    more: (n: number) => `… and ${n} more`,
  },
  ko: {
    title: 'GPU 효율 진단 보고서',
    host: '호스트',
    fleet: '전체',
    hosts: '대',
    date: '일자',
    gpus: 'GPU',
    score: '점수 구성',
    gpuPart: 'GPU 활용도',
    numaPart: 'NUMA 정렬',
    ioPart: '인터커넥트 / I/O',
    basis: (n: number) => `GPU ${n}개 기준`,
    perGpu: 'GPU별 사용률과 메모리 사용 (%)',
    util: '사용률',
    vram: 'VRAM 사용',
    topology: '토폴로지',
    topologyNote:
      'nvidia-smi topo -m의 GPU 간 경로. 초록: NVLink, 파랑: PCIe 스위치 하나, 노랑: CPU 경유, 빨강: CPU 소켓 간.',
    noTopology: '입력에 토폴로지가 없습니다 (nvidia-smi topo -m 또는 번들을 보내 주세요).',
    findings: '발견 사항',
    noFindings: '발견 사항이 없습니다: 이 호스트는 고칠 것이 없습니다.',
    evidence: '근거',
    impact: '영향',
    todo: '권고',
    sev: { critical: '심각', warning: '경고', info: '참고' } as Record<Severity, string>,
    plan: '배치 계획',
    planHead: ['워크로드', '현재', '계획', '해소'],
    noMoves: '모든 워크로드가 이미 잘 배치되어 있어 이동을 제안하지 않습니다.',
    expected: '기대 효과',
    commands: '실행 순서대로의 명령 (InfraLens는 실행하지 않음)',
    downtime: '중단 필요',
    manual: '<…> 값을 먼저 채우세요',
    after: (v: string, g: string, gt: string) => `계획 적용 후: ${v} / 100, 등급 ${g} (${gt}).`,
    objective: (v: number, s: string, m: number, c: number) =>
      `목적값 ${v} = 변경 후 점수 ${s} − ${c} × 이동 ${m}건.`,
    noScoreAfter: (why: string, m: number) => `${why} (이동 ${m}건).`,
    noPlan: '배치 계획 없음',
    appendix: '부록',
    raw: '발견 사항이 인용한 입력',
    how: '점수 계산 방법',
    howText: [
      'GPU 점수(할당된 GPU마다) = ((사용률 / 100) × 0.4 + (VRAM 사용 / VRAM 전체) × 0.3) / 0.7. 공개된 공식은 최대 0.7이므로 0.7로 나누어 4 : 3 가중치를 유지하면서 완전히 활용된 서버가 100점이 되게 했습니다.',
      'NUMA 점수(할당된 GPU마다) = 워크로드가 GPU에 로컬한 CPU를 쓰면 1.0, 하나도 없으면 0.5.',
      'I/O 점수(할당된 GPU마다) = 분산 작업의 GPU를 잇는 최선의 링 대역폭 ÷ 호스트에서 같은 수의 GPU로 만들 수 있는 최선의 링, 그리고 부하 중 현재 ÷ 최대 PCIe 링크 대역폭 중 낮은 값.',
      '효율 = 100 × (0.6 × GPU + 0.2 × NUMA + 0.2 × I/O). 평가할 수 없는 항목은 빼고 가중치를 다시 맞춥니다. 등급: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, F 그 미만.',
      '모든 영향 수치는 모델과 사용한 값을 밝히며, 값은 입력과 인용된 측정치에서 나옵니다 (docs/scoring.md).',
    ],
    glossary: '용어 설명',
    terms: [
      [
        'NUMA',
        'CPU 소켓이 두 개인 서버에는 메모리 영역(NUMA 노드)이 두 개 있습니다. GPU는 그중 하나에 연결되며, CPU와 메모리가 다른 쪽에 있는 작업은 모든 데이터가 소켓 간 연결을 건너야 합니다.',
      ],
      [
        'NVLink',
        'GPU끼리 직접 잇는 연결로 PCIe보다 몇 배 빠릅니다. nvidia-smi topo -m에서 NV#(묶인 링크 수)로 표시됩니다. 분산 학습은 모든 GPU가 한 NVLink 그룹 안에 있어야 좋습니다.',
      ],
      [
        'PCIe 경로 (PIX, PXB, PHB, NODE, SYS)',
        '두 장치가 PCIe로 얼마나 떨어져 있는지: 스위치 하나(PIX), 여러 스위치(PXB), CPU 경유(PHB, NODE), CPU 소켓 간(SYS, 가장 느림).',
      ],
      [
        'MIG',
        'Multi-Instance GPU: A100/H100/H200/B200을 최대 7개의 격리된 GPU로 나눕니다 (예: 1g.18gb = 연산 1/7, 18 GB). 소형 추론 작업이 카드 한 장을 통째로 쓰지 않고 나눠 씁니다.',
      ],
      [
        '패스스루',
        '물리 GPU 한 장을 가상 머신 하나에 통째로 넘기는 방식(Proxmox hostpci). 다른 누구도 쓸 수 없습니다.',
      ],
      [
        'vGPU / 시분할',
        '여러 VM이나 컨테이너가 GPU를 번갈아 나눠 쓰는 방식. MIG가 없는 GPU(L40S, L40, L4)를 공유하는 방법입니다.',
      ],
    ] as [string, string][],
    page: '페이지',
    of: '/',
    generated: 'InfraLens 생성',
    summary: (
      h: string,
      v: string,
      g: string,
      gt: string,
      crit: number,
      warn: number,
      top: string,
      plan: string,
    ) =>
      `${h}의 효율 점수는 100점 만점에 ${v}점, 등급 ${g}(${gt})입니다. 심각 ${crit}건, 경고 ${warn}건을 찾았습니다${top ? `. 가장 중요한 문제: ${top}` : ''}.${plan}`,
    summaryPlan: (a: string, g: string, m: number) =>
      ` 제안한 배치(이동 ${m}건)를 적용하면 ${a}점(등급 ${g})으로 오릅니다.`,
    summaryNoScore: (h: string, n: number) =>
      `${h}: 사용률 데이터가 없어 효율 점수는 없습니다. 토폴로지와 설정에서 ${n}건을 찾았습니다.`,
    overview: '전체 요약',
    detailed: '상세 분석',
    detailedFact: (n: number, total: number) =>
      `${total}대 중 점수가 가장 낮은 ${n}대. 나머지 ${total - n}대는 전체 요약에만 나옵니다`,
    detailNote: (n: number, total: number) =>
      `모든 호스트가 아래 표에 점수가 낮은 순서로 나옵니다. 점수가 가장 낮은 ${n}대는 이어지는 절에서 자세히 다루고(점수, 토폴로지, 발견 사항, 배치 계획), 나머지 ${total - n}대는 여기에서만 요약합니다.`,
    overviewHead: ['호스트', 'GPU', '점수', '심각 / 경고', '계획 적용 후', '가장 중요한 발견 사항'],
    noScore: '점수 없음',
    scoreBars: '호스트별 점수: 현재와 계획 적용 후 (100점 만점)',
    now: '현재',
    afterPlan: '계획 적용 후',
    grades: '등급별 호스트',
    fleetSummary: (v: string, g: string, gt: string, n: number, crit: number, warn: number, after: string) =>
      `호스트 ${n}대 전체의 효율 점수는 100점 만점에 ${v}점, 등급 ${g}(${gt})입니다. 전체에서 심각 ${crit}건, 경고 ${warn}건을 찾았습니다.${after}`,
    fleetAfter: (a: string, g: string) =>
      ` 호스트마다 제안한 배치를 모두 적용하면 ${a}점(등급 ${g})이 됩니다.`,
    notAnswering: (n: number) => `응답 없음 (${n}개): 이 보고서에는 이 호스트들의 데이터가 없습니다`,
    fleetNoScore: (n: number, crit: number, warn: number) =>
      `사용률 데이터가 없어 전체 점수는 없습니다. 호스트 ${n}대에서 심각 ${crit}건, 경고 ${warn}건을 찾았습니다.`,
    migrations: '호스트 간 이동',
    migrationsHead: ['워크로드', '출발', '도착'],
    more: (n: number) => `… 외 ${n}건`,
  },
} as const;

/** Said when a plan has no score after and gives no reason (a plan of an older version). */
export const SCORE_AFTER_UNKNOWN: Text = { en: 'no score after', ko: '변경 후 점수 없음' };

/**
 * The NUMA node(s) of a plan target as shown in a plan table: `0`, or `0+1` for a job whose GPUs span
 * nodes (its `numaNode` is null, `numaNodes` has them); null when none is known.
 */
export function numaOfTarget(x: Pick<Target, 'numaNode' | 'numaNodes'>): string | null {
  if (x.numaNode !== null) return String(x.numaNode);
  return x.numaNodes && x.numaNodes.length > 0 ? x.numaNodes.join('+') : null;
}

/** A host, workload or file name from the inputs. */
const name = (s: string | null | undefined, fallback = '?') => safeInline(s ?? fallback, FIELD_LIMITS.name);
/** One line: a title, an evidence line, a table cell, a list item. */
const line = (s: string) => safeInline(s, FIELD_LIMITS.line);
/** A paragraph: a detail, a recommendation, a command. */
const detail = (s: string) => safeInline(s, FIELD_LIMITS.detail);
/** An evidence line: the value and, in brackets, its sources (file names), 500 characters in all. */
function evidenceLine(text: string, source: string): string {
  const src = safeInline(
    source
      .split(', ')
      .map((s) => name(s))
      .join(', '),
    FIELD_LIMITS.line / 2,
  );
  return `${safeInline(text, FIELD_LIMITS.line - src.length - 4)}  [${src}]`;
}

const KIND_OF = (raw: string): LinkKind | null => {
  if (/^NV\d+$/.test(raw)) return 'NV';
  if (raw === 'SOC') return 'SYS';
  return (['PIX', 'PXB', 'PHB', 'NODE', 'SYS'] as const).find((k) => k === raw) ?? null;
};

const LEGEND: Record<Lang, { kind: LinkKind; text: string }[]> = {
  en: [
    { kind: 'NV', text: 'NV# NVLink' },
    { kind: 'PIX', text: 'PIX/PXB PCIe switch' },
    { kind: 'NODE', text: 'PHB/NODE via CPU' },
    { kind: 'SYS', text: 'SYS across sockets' },
  ],
  ko: [
    { kind: 'NV', text: 'NV# NVLink' },
    { kind: 'PIX', text: 'PIX/PXB PCIe 스위치' },
    { kind: 'NODE', text: 'PHB/NODE CPU 경유' },
    { kind: 'SYS', text: 'SYS 소켓 간' },
  ],
};

function scoreBlock(s: Score, lang: Lang): Block {
  const t = T[lang];
  return {
    kind: 'score',
    value: s.value,
    grade: s.grade,
    gradeText: GRADE_TEXT[s.grade][lang],
    components: [
      { label: t.gpuPart, value: s.components.gpu, weight: WEIGHTS.gpu, basis: t.basis(s.basis.gpus) },
      { label: t.numaPart, value: s.components.numa, weight: WEIGHTS.numa, basis: t.basis(s.basis.numaGpus) },
      { label: t.ioPart, value: s.components.io, weight: WEIGHTS.io, basis: t.basis(s.basis.ioGpus) },
    ],
  };
}

function hostSections(h: HostAnalysis, lang: Lang, multi: boolean, trend: Block[] = []): Section[] {
  const t = T[lang];
  const host = name(h.host, '(unnamed host)');
  const sections: Section[] = [];
  const prefix = multi ? `${host}: ` : '';

  // score breakdown and per-GPU bars
  const score: Block[] = [];
  if (h.score) score.push(scoreBlock(h.score, lang));
  else score.push({ kind: 'scoreMissing', text: detail(h.scoreReason?.[lang] ?? '') });
  score.push(...trend);
  if (h.gpus.length > 0)
    score.push({
      kind: 'bars',
      title: t.perGpu,
      legend: [t.util, t.vram],
      rows: h.gpus.map((g) => ({
        label: line(
          `GPU${g.index}${g.workloads.length ? ` · ${g.workloads.map((w) => name(w)).join(', ')}` : ''}`,
        ),
        a: g.utilizationPct,
        b:
          g.memoryUsedMiB !== null && g.memoryTotalMiB
            ? Math.round((g.memoryUsedMiB / g.memoryTotalMiB) * 1000) / 10
            : null,
      })),
    });
  sections.push({ title: `${prefix}${t.score}`, blocks: score, newPage: true });

  // topology grid
  const gpuLinks = h.links.filter((l) => l.a.startsWith('GPU') && l.b.startsWith('GPU'));
  const topo: Block[] = [];
  if (gpuLinks.length > 0) {
    const ids = h.gpus.map((g) => g.index);
    const cell = (a: number, b: number) => {
      if (a === b) return 'X';
      const l = gpuLinks.find(
        (x) => (x.a === `GPU${a}` && x.b === `GPU${b}`) || (x.a === `GPU${b}` && x.b === `GPU${a}`),
      );
      return l ? clip(safeInline(l.raw), 8) : '';
    };
    const cells = ids.map((a) => ids.map((b) => cell(a, b)));
    topo.push(
      { kind: 'paragraph', text: t.topologyNote, muted: true },
      {
        kind: 'topology',
        gpus: h.gpus.map((g) => ({
          label: `GPU${g.index}`,
          numa: g.numaNode === null ? '?' : `NUMA ${g.numaNode}`,
          workload: line(g.workloads.map((w) => name(w)).join(', ')),
        })),
        cells,
        kinds: cells.map((row) => row.map((c) => (c === 'X' ? 'X' : KIND_OF(c)))),
        legend: LEGEND[lang],
      },
    );
  } else topo.push({ kind: 'paragraph', text: t.noTopology, muted: true });
  sections.push({ title: `${prefix}${t.topology}`, blocks: topo, newPage: gpuLinks.length > 0 });

  // findings
  const findings: Block[] =
    h.findings.length === 0
      ? [{ kind: 'paragraph', text: t.noFindings }]
      : h.findings.map((f) => findingBlock(f, lang));
  sections.push({ title: `${prefix}${t.findings} (${h.findings.length})`, blocks: findings, newPage: true });

  // placement
  const plan: Block[] = [];
  const p = h.placement;
  if (p) {
    const o = p.objective;
    plan.push({
      kind: 'paragraph',
      text:
        o.scoreAfter === null
          ? detail(t.noScoreAfter((o.scoreAfterReason ?? SCORE_AFTER_UNKNOWN)[lang], o.moves))
          : t.objective(o.value, o.scoreAfter.toFixed(1), o.moves, o.moveCost),
      muted: true,
    });
    if (p.moves.length === 0) plan.push({ kind: 'paragraph', text: t.noMoves });
    else {
      const where = (x: (typeof p.moves)[number]['from']) =>
        `${line(`${x.gpus.map((i) => `GPU${i}`).join(', ')}${x.form === 'whole' ? '' : ` ${x.form}`}${numaOfTarget(x) === null ? '' : ` (NUMA ${numaOfTarget(x)})`}`)}\n${line(`CPU ${x.cpus ?? '?'}`)}`;
      plan.push({
        kind: 'table',
        columns: [
          { title: t.planHead[0], width: 0.2 },
          { title: t.planHead[1], width: 0.27 },
          { title: t.planHead[2], width: 0.27 },
          { title: t.planHead[3], width: 0.26 },
        ],
        rows: p.moves.map((m) => [
          name(m.workload),
          where(m.from),
          where(m.to),
          line(m.resolves.map((r) => r.rule).join(', ')),
        ]),
      });
    }
    if (p.expected.length > 0)
      plan.push(
        { kind: 'heading', text: t.expected },
        { kind: 'list', items: p.expected.map((g) => line(g.summary[lang])) },
      );
    if (p.after.score)
      plan.push({
        kind: 'paragraph',
        text: t.after(
          p.after.score.value.toFixed(1),
          p.after.score.grade,
          GRADE_TEXT[p.after.score.grade][lang],
        ),
      });
    if (p.commands.length > 0)
      plan.push(
        { kind: 'heading', text: t.commands },
        {
          kind: 'commands',
          items: p.commands.map((c) => ({
            step: c.step,
            command: detail(c.command),
            note: line(
              `${c.what[lang]}${c.downtime ? ` [${t.downtime}]` : ''}${c.manual ? ` [${t.manual}]` : ''}`,
            ),
          })),
        },
      );
  } else
    plan.push({ kind: 'paragraph', text: detail(`${t.noPlan}: ${h.placementReason ?? ''}`), muted: true });
  sections.push({ title: `${prefix}${t.plan}`, blocks: plan, newPage: true });
  return sections;
}

function findingBlock(f: Finding, lang: Lang): Block {
  const t = T[lang];
  return {
    kind: 'finding',
    severity: f.severity,
    severityText: t.sev[f.severity],
    rule: f.rule,
    title: line(f.title[lang]),
    detail: detail(f.detail[lang]),
    evidence: f.evidence.map((e) => evidenceLine(e.text, e.source)),
    impact: f.impact ? line(`${f.impact.summary[lang]} (${f.impact.model})`) : null,
    recommendation: detail(f.recommendation[lang]),
  };
}

/** The names from the inputs in a host's analysis: the host, its GPU models and its workloads. */
export function hostNames(h: HostAnalysis): string[] {
  return [
    h.host ?? '',
    ...h.gpus.flatMap((g) => [g.name ?? '', ...g.workloads]),
    ...h.workloads.map((w) => w.name),
    ...(h.placement?.moves.map((m) => m.workload) ?? []),
  ];
}

/** How many hosts a fleet report details (the lowest scores); the others are summarised. */
export const DETAILED_HOSTS = 5;

/** Hosts from worst to best: lowest score first (hosts without one after), then most critical and warning
 * findings, then input order. */
function worstFirst(hosts: readonly HostAnalysis[]): HostAnalysis[] {
  const count = (h: HostAnalysis, s: Severity) => h.findings.filter((f) => f.severity === s).length;
  return hosts
    .map((h, i) => ({ h, i }))
    .sort(
      (x, y) =>
        (x.h.score?.value ?? Infinity) - (y.h.score?.value ?? Infinity) ||
        count(y.h, 'critical') - count(x.h, 'critical') ||
        count(y.h, 'warning') - count(x.h, 'warning') ||
        x.i - y.i,
    )
    .map((x) => x.h);
}

/** The score a host would have after its plan (its score when it has no plan or the plan none). */
const scoreAfter = (h: HostAnalysis): Score | null =>
  h.placement && h.placement.moves.length > 0 && h.placement.after.score ? h.placement.after.score : h.score;

/** The fleet overview: every host in one table and one chart, worst first, and the moves between hosts. */
function fleetOverview(a: Analysis, ranked: HostAnalysis[], detailed: number, lang: Lang): Section {
  const t = T[lang];
  const total = a.hosts.length;
  const count = (h: HostAnalysis, s: Severity) => h.findings.filter((f) => f.severity === s).length;
  const fmt = (s: Score | null) => (s ? `${s.value.toFixed(1)} ${s.grade}` : t.noScore);
  const blocks: Block[] = [];
  if (detailed < total) blocks.push({ kind: 'paragraph', text: t.detailNote(detailed, total), muted: true });
  blocks.push({
    kind: 'table',
    columns: [
      { title: t.overviewHead[0], width: 0.2 },
      { title: t.overviewHead[1], width: 0.07 },
      { title: t.overviewHead[2], width: 0.1 },
      { title: t.overviewHead[3], width: 0.12 },
      { title: t.overviewHead[4], width: 0.12 },
      { title: t.overviewHead[5], width: 0.39 },
    ],
    rows: ranked.map((h) => {
      const after = scoreAfter(h);
      return [
        name(h.host, '(unnamed host)'),
        String(h.gpus.length),
        fmt(h.score),
        `${count(h, 'critical')} / ${count(h, 'warning')}`,
        after === h.score ? '—' : fmt(after),
        line(h.findings[0]?.title[lang] ?? ''),
      ];
    }),
  });
  const grades = (['A', 'B', 'C', 'D', 'F'] as const).map(
    (g) => `${g} ${a.hosts.filter((h) => h.score?.grade === g).length}`,
  );
  const unscored = a.hosts.filter((h) => !h.score).length;
  blocks.push({
    kind: 'paragraph',
    text: `${t.grades}: ${grades.join(' · ')}${unscored ? ` · ${t.noScore} ${unscored}` : ''}`,
  });
  blocks.push({
    kind: 'bars',
    title: t.scoreBars,
    legend: [t.now, t.afterPlan],
    unit: '',
    rows: ranked.map((h) => ({
      label: name(h.host, '(unnamed host)'),
      a: h.score?.value ?? null,
      b: scoreAfter(h)?.value ?? null,
    })),
  });
  const moves = a.fleet.placement?.migrations ?? [];
  if (moves.length > 0) {
    const shown = moves.slice(0, 30);
    blocks.push(
      { kind: 'heading', text: t.migrations },
      {
        kind: 'table',
        columns: [
          { title: t.migrationsHead[0], width: 0.4 },
          { title: t.migrationsHead[1], width: 0.3 },
          { title: t.migrationsHead[2], width: 0.3 },
        ],
        rows: shown.map((m) => [name(m.workload), name(m.from, '—'), name(m.to, '—')]),
      },
    );
    if (moves.length > shown.length)
      blocks.push({ kind: 'paragraph', text: t.more(moves.length - shown.length), muted: true });
  }
  return { title: t.overview, blocks, newPage: true };
}

// ---------------------------------------------------------------------------------------------------------
// the score trend of a host with history (the digest's fleet PDF, a collected host's report)

/** A host's score over its last days, from the score history (jobs/fleet): one point per collection. */
export interface ReportTrend {
  /** the window: the last `days` days before the report's date. */
  days: number;
  /** oldest first or in any order; `score` null: a collection that failed or could not be scored. */
  points: { at: number; score: number | null }[];
}

/** The most points a trend chart draws (more are averaged in consecutive buckets). */
export const TREND_POINTS = 200;

/** The lowest score of each grade (scoring/score.ts gradeOf). */
export const GRADE_BANDS: { grade: Grade; min: number }[] = [
  { grade: 'A', min: 90 },
  { grade: 'B', min: 75 },
  { grade: 'C', min: 60 },
  { grade: 'D', min: 40 },
  { grade: 'F', min: 0 },
];

const TREND_T = {
  en: {
    title: (d: number) => `Score over the last ${d} day${d === 1 ? '' : 's'}`,
    collections: (n: number, failed: number) =>
      `${n} collection${n === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}`,
    change: (d: number, first: string, last: string, change: string, n: string) =>
      `Score trend over the last ${d} day${d === 1 ? '' : 's'}: ${first} → ${last} (${change}), ${n}.`,
    unchanged: 'no change',
    points: (c: string) => `${c} points`,
    none: (d: number, n: string) => `No score in the last ${d} day${d === 1 ? '' : 's'} (${n}).`,
  },
  ko: {
    title: (d: number) => `최근 ${d}일 점수 추이`,
    collections: (n: number, failed: number) => `수집 ${n}회${failed ? `, 실패 ${failed}회` : ''}`,
    change: (d: number, first: string, last: string, change: string, n: string) =>
      `최근 ${d}일 점수 추이: ${first} → ${last} (${change}), ${n}.`,
    unchanged: '변화 없음',
    points: (c: string) => `${c}점`,
    none: (d: number, n: string) => `최근 ${d}일 동안 점수 없음 (${n}).`,
  },
} as const;

/** The points, at most TREND_POINTS: consecutive points averaged (a bucket of failures stays null). */
function trendPoints(points: readonly { at: number; score: number | null }[]) {
  if (points.length <= TREND_POINTS) return points.map((p) => ({ at: p.at, score: p.score }));
  const out: { at: number; score: number | null }[] = [];
  for (let b = 0; b < TREND_POINTS; b++) {
    const part = points.slice(
      Math.floor((b * points.length) / TREND_POINTS),
      Math.floor(((b + 1) * points.length) / TREND_POINTS),
    );
    const known = part.map((p) => p.score).filter((v): v is number => v !== null);
    out.push({
      at: Math.round(part.reduce((a, p) => a + p.at, 0) / part.length),
      score: known.length ? Math.round((known.reduce((a, v) => a + v, 0) / known.length) * 10) / 10 : null,
    });
  }
  return out;
}

/** The sentence and the chart of a host's trend (nothing for an empty one). */
function trendBlocks(tr: ReportTrend, lang: Lang, now: Date): Block[] {
  const t = TREND_T[lang];
  const days = Math.max(1, Math.round(tr.days));
  const from = now.getTime() - days * 86_400_000;
  // a collection made while the report was being prepared (after `now`) is in it
  const points = tr.points.filter((p) => Number.isFinite(p.at) && p.at >= from).sort((a, b) => a.at - b.at);
  if (points.length === 0) return [];
  const to = Math.max(now.getTime(), points.at(-1)!.at);
  const scored = points.filter((p): p is { at: number; score: number } => p.score !== null);
  const n = t.collections(points.length, points.length - scored.length);
  if (scored.length === 0) return [{ kind: 'paragraph', text: t.none(days, n), muted: true }];
  const first = scored[0]!.score;
  const last = scored.at(-1)!.score;
  const change = Math.round((last - first) * 10) / 10;
  const changeText =
    Math.abs(change) < 0.05
      ? t.unchanged
      : t.points(change > 0 ? `+${change.toFixed(1)}` : `−${Math.abs(change).toFixed(1)}`);
  return [
    { kind: 'paragraph', text: t.change(days, first.toFixed(1), last.toFixed(1), changeText, n) },
    {
      kind: 'trend',
      title: t.title(days),
      from,
      to,
      fromLabel: new Date(from).toISOString().slice(0, 10),
      toLabel: new Date(to).toISOString().slice(0, 10),
      points: trendPoints(points),
      bands: GRADE_BANDS.map((b) => ({ ...b })),
    },
  ];
}

/** The hosts a report details: all of a fleet within `detailedHosts`, else the lowest-scoring ones. */
export function detailedHostsOf(
  analysis: Pick<Analysis, 'hosts'>,
  options: { detailedHosts?: number } = {},
): HostAnalysis[] {
  const limit = Math.max(1, options.detailedHosts ?? DETAILED_HOSTS);
  return analysis.hosts.length <= limit ? analysis.hosts : worstFirst(analysis.hosts).slice(0, limit);
}

export interface ReportOptions {
  /** how many hosts a fleet report details (default DETAILED_HOSTS). */
  detailedHosts?: number;
  /** score trends by host name (from the history): a chart and the change in the host's score section. */
  trends?: Readonly<Record<string, ReportTrend>>;
  /**
   * the report's calendar date `YYYY-MM-DD` as its readers count days (a daily post dates it in its
   * channel's time zone); default: the UTC date of `now`.
   */
  date?: string;
  /**
   * hosts that were asked for but did not answer (a daily post's failed collections): listed on the
   * cover, so the report does not read as if the fleet were only the hosts it analyses.
   */
  unreachable?: readonly { host: string; kind: string; message: string }[];
}

/**
 * The report of an analysis (one host or a fleet) in one language, dated `now` (passed in: no clock). A
 * fleet report has an overview of every host (table and chart, worst first) and details the
 * `detailedHosts` lowest-scoring hosts (all of them when there are no more); it says how many. A host
 * with a trend in `options.trends` gets its chart and change in its score section; a host without one is
 * rendered exactly as without the option.
 */
export function buildReport(
  input: Analysis,
  lang: Lang,
  now: Date,
  options: ReportOptions = {},
): ReportModel {
  const t = T[lang];
  // a name is cut and kept on one line wherever the rules quoted it (titles, details, evidence)
  const analysis = inlineNames(input, input.hosts.flatMap(hostNames), FIELD_LIMITS.name);
  const multi = analysis.hosts.length > 1;
  const total = analysis.hosts.length;
  const limit = Math.max(1, options.detailedHosts ?? DETAILED_HOSTS);
  const ranked = worstFirst(analysis.hosts);
  // a fleet within the limit is detailed in input order, a larger one worst first
  const detailedHosts = total <= limit ? analysis.hosts : ranked.slice(0, limit);
  const date =
    options.date && /^\d{4}-\d{2}-\d{2}$/.test(options.date) ? options.date : now.toISOString().slice(0, 10);
  const names = analysis.hosts.map((h) => name(h.host));
  // a large fleet is named by its first hosts and a count (every host is in the overview)
  const subject = multi
    ? line(
        `${t.fleet}: ${names.length > 8 ? `${names.slice(0, 6).join(', ')} … (+${names.length - 6})` : names.join(', ')}`,
      )
    : name(analysis.hosts[0]?.host, '(unnamed host)');

  const cover: Block[] = [];
  const facts: [string, string][] = [
    [multi ? t.fleet : t.host, multi ? `${total} ${t.hosts}` : subject],
    [t.gpus, String(analysis.fleet.gpus)],
    [t.date, date],
  ];
  if (detailedHosts.length < total) facts.push([t.detailed, t.detailedFact(detailedHosts.length, total)]);
  cover.push({ kind: 'facts', rows: facts });
  const s = multi ? analysis.fleet.score : (analysis.hosts[0]?.score ?? null);
  if (s) cover.push(scoreBlock(s, lang));
  if (detailedHosts.length < total) {
    const all = analysis.hosts.flatMap((h) => h.findings);
    const crit = all.filter((f) => f.severity === 'critical').length;
    const warn = all.filter((f) => f.severity === 'warning').length;
    const after = fleetScore(analysis.hosts.map(scoreAfter));
    cover.push({
      kind: 'paragraph',
      text: s
        ? t.fleetSummary(
            s.value.toFixed(1),
            s.grade,
            GRADE_TEXT[s.grade][lang],
            total,
            crit,
            warn,
            after && after.value !== s.value ? t.fleetAfter(after.value.toFixed(1), after.grade) : '',
          )
        : t.fleetNoScore(total, crit, warn),
    });
  }
  for (const h of detailedHosts.length < total ? [] : analysis.hosts) {
    const crit = h.findings.filter((f) => f.severity === 'critical').length;
    const warn = h.findings.filter((f) => f.severity === 'warning').length;
    const top = line(h.findings[0]?.title[lang] ?? '');
    const p = h.placement;
    const plan =
      p?.after.score && h.score && p.moves.length > 0
        ? t.summaryPlan(p.after.score.value.toFixed(1), p.after.score.grade, p.moves.length)
        : '';
    cover.push({
      kind: 'paragraph',
      text: detail(
        h.score
          ? t.summary(
              name(h.host),
              h.score.value.toFixed(1),
              h.score.grade,
              GRADE_TEXT[h.score.grade][lang],
              crit,
              warn,
              top,
              plan,
            )
          : t.summaryNoScore(name(h.host), h.findings.length),
      ),
    });
  }

  const gone = options.unreachable ?? [];
  if (gone.length > 0) {
    const shown = gone.slice(0, 30);
    cover.push(
      { kind: 'heading', text: t.notAnswering(gone.length) },
      { kind: 'list', items: shown.map((u) => line(`${name(u.host)} — ${u.kind}: ${u.message}`)) },
    );
    if (gone.length > shown.length)
      cover.push({ kind: 'paragraph', text: t.more(gone.length - shown.length), muted: true });
  }

  const sections = [
    ...(multi ? [fleetOverview(analysis, ranked, detailedHosts.length, lang)] : []),
    ...detailedHosts.flatMap((h) => {
      // looked up by the host's name as given (the model's copy may have a long name cut)
      const given = input.hosts[analysis.hosts.indexOf(h)]?.host;
      const tr = given != null ? options.trends?.[given] : undefined;
      return hostSections(h, lang, multi, tr ? trendBlocks(tr, lang, now) : []);
    }),
  ];

  // appendix: cited inputs (trimmed), the score, the glossary
  const cited = new Map<string, Set<string>>();
  for (const h of detailedHosts)
    for (const f of h.findings)
      for (const e of f.evidence) {
        const source = line(e.source);
        const set = cited.get(source) ?? new Set<string>();
        set.add(line(e.text));
        cited.set(source, set);
      }
  const rawBlocks: Block[] = [];
  for (const [source, lines] of [...cited].sort((a, b) => a[0].localeCompare(b[0]))) {
    const list = [...lines];
    rawBlocks.push({ kind: 'paragraph', text: source, muted: true });
    rawBlocks.push({
      kind: 'list',
      items: list.length > 12 ? [...list.slice(0, 12), `… (+${list.length - 12})`] : list,
    });
  }
  sections.push({
    title: t.appendix,
    newPage: true,
    blocks: [
      { kind: 'heading', text: t.raw },
      ...rawBlocks,
      { kind: 'heading', text: t.how },
      ...t.howText.map((text) => ({ kind: 'paragraph' as const, text })),
      { kind: 'heading', text: t.glossary },
      { kind: 'facts', rows: t.terms },
    ],
  });

  // Korean particles after words from the inputs (`GPU4가`, `train-rec-c는`), whatever wrote them
  const ko = lang === 'ko';
  return {
    lang,
    title: `InfraLens — ${t.title}`,
    subject,
    date,
    header: `InfraLens · ${subject} · ${date}`,
    cover: ko ? cover.map(particlesOf) : cover,
    sections: ko
      ? sections.map((s) => ({ ...s, title: fixParticles(s.title), blocks: s.blocks.map(particlesOf) }))
      : sections,
    labels: { page: t.page, of: t.of, generated: t.generated },
  };
}

/** A block's Korean text with every particle fallback (`이(가)`) resolved; commands are left as they are. */
function particlesOf(b: Block): Block {
  if (b.kind === 'commands')
    return { ...b, items: b.items.map((i) => ({ ...i, note: fixParticles(i.note) })) };
  return mapStrings(b, fixParticles);
}

/** Every string of a report, for font subsetting. */
export function reportText(m: ReportModel): string {
  const out: string[] = [
    m.title,
    m.subject,
    m.date,
    m.header,
    m.labels.page,
    m.labels.of,
    m.labels.generated,
    '0123456789%·…—−×→↔ /',
  ];
  const visit = (b: Block) => out.push(JSON.stringify(b));
  for (const b of m.cover) visit(b);
  for (const s of m.sections) {
    out.push(s.title);
    for (const b of s.blocks) visit(b);
  }
  return out.join('\n');
}
