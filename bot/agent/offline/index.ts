/**
 * The offline analyst: the product without an LLM. The question's intent picks a fixed plan of tool calls
 * (the same tools, through the same runner), and the answer is written from templates in the question's
 * language. Every number in it is copied from a tool result, so it is grounded by construction.
 */
import type { Lang } from '../../../scoring/report.ts';
import type { ComputeScoreResult } from '../../../tools/agent/tools/compute-score.ts';
import type { CreateReportResult } from '../../../tools/agent/tools/create-report.ts';
import type { FindBottlenecksResult } from '../../../tools/agent/tools/find-bottlenecks.ts';
import type { GeneratePlacementResult } from '../../../tools/agent/tools/generate-placement.ts';
import type { ToolCall, ToolContext, ToolRunner } from '../../../tools/agent/types.ts';

export type Intent = 'slow' | 'free' | 'report' | 'score' | 'plan' | 'overview';

export function intentOf(question: string): Intent {
  const q = question.toLowerCase();
  if (/report|pdf|보고서|리포트/.test(q)) return 'report';
  if (/free up|idle|waste|unused|reclaim|mig|놀고|유휴|낭비|회수|남는|비어/.test(q)) return 'free';
  if (/slow|bottleneck|why|느려|느린|느림|병목|왜/.test(q)) return 'slow';
  if (/plan|placement|move|rearrange|배치|옮기|재배치/.test(q)) return 'plan';
  if (/score|grade|efficien|점수|등급|효율/.test(q)) return 'score';
  return 'overview';
}

interface Call {
  name: string;
  input: Record<string, unknown>;
}

function planFor(intent: Intent, lang: Lang): Call[] {
  const base: Call[] = [{ name: 'compute_score', input: {} }];
  switch (intent) {
    case 'slow':
      return [...base, { name: 'find_bottlenecks', input: {} }, { name: 'generate_placement', input: {} }];
    case 'free':
      return [
        ...base,
        {
          name: 'find_bottlenecks',
          input: { rules: ['gpu-idle', 'mig-candidate', 'share-candidate', 'memory-underuse'] },
        },
        { name: 'generate_placement', input: {} },
      ];
    case 'plan':
      return [...base, { name: 'generate_placement', input: {} }];
    case 'score':
      return [...base, { name: 'find_bottlenecks', input: {} }];
    case 'report':
      return [
        ...base,
        { name: 'find_bottlenecks', input: {} },
        { name: 'generate_placement', input: {} },
        { name: 'create_report', input: { lang } },
      ];
    default:
      return [...base, { name: 'find_bottlenecks', input: {} }, { name: 'generate_placement', input: {} }];
  }
}

/** The tools' results, typed (the analyst only reads what the tools returned). */
interface Results {
  compute_score?: ComputeScoreResult;
  find_bottlenecks?: FindBottlenecksResult;
  generate_placement?: GeneratePlacementResult;
  create_report?: CreateReportResult;
}

const L = {
  en: {
    score: (h: string, v: string, g: string, gt: string) => `${h} scores ${v}/100 — grade ${g} (${gt}).`,
    noScore: (h: string, why: string) => `${h} has no efficiency score: ${why}`,
    slowLead: 'Why it is slow:',
    freeLead: 'GPUs you can free or share:',
    findingsLead: 'What InfraLens found:',
    none: 'No bottleneck found in the data.',
    plan: (n: number, a: string, g: string) =>
      `Proposed placement (${n} move${n === 1 ? '' : 's'}), score after: ${a} (grade ${g}):`,
    noMoves: 'No move is needed: every workload is already well placed.',
    gains: 'Expected gains:',
    commands: (n: number) => `First commands (${n} in total; InfraLens never runs them):`,
    report: (f: string) => `The PDF report is attached (${f}).`,
    more: (n: number) => `(the most important shown; ${n} findings in total)`,
    grade: { A: 'optimal', B: 'good', C: 'inefficient', D: 'serious waste', F: 'critical' } as Record<
      string,
      string
    >,
    failed: (tool: string, why: string) => `(${tool} could not run: ${why})`,
    inShort: (titles: string[]) => `In short: ${titles.join('; ')}.`,
  },
  ko: {
    score: (h: string, v: string, g: string, gt: string) =>
      `${h}의 효율 점수는 ${v}/100, 등급 ${g}(${gt})입니다.`,
    noScore: (h: string, why: string) => `${h}의 효율 점수는 없습니다: ${why}`,
    slowLead: '느린 이유:',
    freeLead: '회수하거나 나눠 쓸 수 있는 GPU:',
    findingsLead: 'InfraLens가 찾은 문제:',
    none: '데이터에서 병목을 찾지 못했습니다.',
    plan: (n: number, a: string, g: string) => `제안 배치 (이동 ${n}건), 적용 후 점수: ${a} (등급 ${g}):`,
    noMoves: '옮길 필요가 없습니다: 모든 워크로드가 이미 잘 배치되어 있습니다.',
    gains: '기대 효과:',
    commands: (n: number) => `처음 실행할 명령 (총 ${n}개, InfraLens는 실행하지 않음):`,
    report: (f: string) => `PDF 보고서를 첨부했습니다 (${f}).`,
    more: (n: number) => `(중요한 것만 표시; 전체 ${n}건)`,
    grade: { A: '최적', B: '양호', C: '비효율', D: '심각한 낭비', F: '위험' } as Record<string, string>,
    failed: (tool: string, why: string) => `(${tool} 실행 실패: ${why})`,
    inShort: (titles: string[]) => `요약: ${titles.join('; ')}.`,
  },
};

/** One question to the offline analyst. */
export interface OfflineRequest {
  question: string;
  lang: Lang;
  runner: ToolRunner;
  ctx: ToolContext;
  /** what the previous answer was about (its `focus`), for follow-ups; null at the start. */
  focus: unknown;
  /** the hosts of the conversation ([] when there is no data). */
  hosts: string[];
}

export interface OfflineAnswer {
  text: string;
  calls: ToolCall[];
  /** what this answer was about (plain JSON, stored with the conversation for the next turn). */
  focus: unknown;
}

export async function offlineAnswer(req: OfflineRequest): Promise<OfflineAnswer> {
  const { question, lang, runner, ctx } = req;
  const t = L[lang];
  const intent = intentOf(question);
  const outcomes: ToolCall[] = [];
  const results: Results = {};
  const lines: string[] = [];
  for (const call of planFor(intent, lang)) {
    const outcome = await runner.run(call.name, call.input, ctx);
    outcomes.push({ name: call.name, input: call.input, outcome });
    if (outcome.status === 'success') (results as Record<string, unknown>)[call.name] = outcome.data;
    else lines.push(t.failed(call.name, outcome.error));
  }
  const score = results.compute_score;
  if (score) {
    const host = score.host ?? '?';
    lines.unshift(
      score.score
        ? t.score(
            host,
            Number(score.score.value).toFixed(1),
            score.score.grade,
            t.grade[score.score.grade] ?? '',
          )
        : t.noScore(host, score.reason?.[lang] ?? ''),
    );
  }
  const all = results.find_bottlenecks?.findings;
  // for "why is it slow", the causes of slow jobs come first
  const SLOW = [
    'nvlink-split',
    'cross-socket',
    'numa-mismatch',
    'io-bound',
    'pcie-downtrained',
    'clock-throttle',
    'memory-pressure',
  ];
  const found =
    intent === 'slow' && all
      ? [
          ...all
            .filter((f) => SLOW.includes(f.rule))
            .sort((a, b) => SLOW.indexOf(a.rule) - SLOW.indexOf(b.rule)),
          ...all.filter((f) => !SLOW.includes(f.rule)),
        ]
      : all;
  if (found && found.length > 0) {
    // the diagnosis first, in one sentence, for someone who does not read topo -m
    const top = found.slice(0, 3).map((f) => f.title[lang]);
    lines.push(t.inShort(top));
  }
  if (found) {
    lines.push('', intent === 'slow' ? t.slowLead : intent === 'free' ? t.freeLead : t.findingsLead);
    if (found.length === 0) lines.push(t.none);
    const shown = found.slice(0, 6);
    shown.forEach((f, i) => {
      lines.push(`${i + 1}. ${f.title[lang]}`);
      lines.push(`   ${f.detail[lang]}`);
      if (f.evidence?.[0]) lines.push(`   ${f.evidence[0]}`);
      if (f.impact) lines.push(`   ${f.impact.summary[lang]}`);
    });
    if (found.length > shown.length) lines.push(t.more(results.find_bottlenecks!.count));
  }
  const plan = results.generate_placement;
  if (plan) {
    lines.push('');
    if (plan.moves.length === 0) lines.push(t.noMoves);
    else {
      lines.push(
        t.plan(
          plan.objective.moves,
          plan.scoreAfter ? Number(plan.scoreAfter.value).toFixed(1) : '?',
          plan.scoreAfter?.grade ?? '?',
        ),
      );
      for (const m of plan.moves)
        lines.push(
          `- ${m.workload}: ${m.from.gpus.map((g) => `GPU${g}`).join(', ')} → ${m.to.gpus.map((g) => `GPU${g}`).join(', ')}${m.to.form === 'whole' ? '' : ` (${m.to.form})`}${m.resolves.length ? ` — ${m.resolves.join(', ')}` : ''}`,
        );
      if (plan.expected.length) {
        lines.push(t.gains);
        for (const g of plan.expected) lines.push(`- ${g.summary[lang]}`);
      }
      if (plan.commands.length) {
        lines.push(t.commands(plan.commands.length));
        for (const c of plan.commands.slice(0, 3)) lines.push(`  ${c.step}. ${c.command}`);
      }
    }
  }
  const report = results.create_report;
  if (report) lines.push('', t.report(report.attached));
  return { text: lines.join('\n').trim(), calls: outcomes, focus: null };
}
