/**
 * "How did gpu-node-01 do this week?", "이번 주 gpu-node-01 어땠어?", "gpu-node-01 점수 추이": the score
 * history of an inventory host (get_history). First line: the change over the window with the sparkline;
 * then the lowest and highest score, the grades, what got fixed and what is new. Without history: say so
 * and how to get it. Every number is copied from the tool's result.
 */
import type { Lang } from '../../../../scoring/report.ts';
import type { GetHistoryResult } from '../../../../tools/agent/tools/get-history.ts';
import type { ToolCall, ToolContext, ToolRunner } from '../../../../tools/agent/types.ts';
import { questionIdentities } from '../../identities.ts';
import { TEXT } from '../text.ts';

/** Words that ask about a host's score over time. */
export const HISTORY =
  /\bthis week\b|\blast (?:week|month|\d+ days?)\b|\bpast (?:week|month|\d+ days?)\b|\btrend|\bhistory\b|\bover time\b|how (?:did|has) [\w.-]+ (?:do|done|been)|\bsince (?:yesterday|last week|monday)\b|이번\s*주|지난\s*(?:주|달|\d+\s*일)|최근\s*\d+\s*일|추이|이력|히스토리|어땠|변화\s*추세|그동안/i;

export function isHistoryQuestion(question: string): boolean {
  return HISTORY.test(question);
}

/** The window a question asks about, in days (default a week). */
export function daysOf(question: string): number {
  const n = /(\d{1,2})\s*(?:days?\b|일)/i.exec(question);
  if (n) return Math.min(90, Math.max(1, Number(n[1])));
  if (/\bmonth\b|이번\s*달|지난\s*달|한\s*달/i.test(question)) return 30;
  if (/\btoday\b|\byesterday\b|오늘|어제/i.test(question)) return 1;
  return 7;
}

const one = (x: number) => x.toFixed(1);
const signed = (x: number) => (Math.abs(x) < 0.05 ? '±0.0' : x > 0 ? `+${one(x)}` : `−${one(Math.abs(x))}`);

const T = {
  en: {
    window: (d: number) => (d === 1 ? 'the last day' : d === 7 ? 'the last 7 days' : `the last ${d} days`),
    head: (h: string, w: string, r: GetHistoryResult) =>
      r.first !== null && r.last !== null && r.change !== null
        ? `${h} over ${w}: ${one(r.first)} → ${one(r.last)} (${signed(r.change)} points) \`${r.sparkline}\` — ${r.points} collection${r.points === 1 ? '' : 's'}.`
        : `${h} over ${w}: ${r.points} collection${r.points === 1 ? '' : 's'}, none with a score \`${r.sparkline}\`.`,
    range: (r: GetHistoryResult) =>
      `Lowest ${one(r.min!)}, highest ${one(r.max!)}${r.firstGrade && r.lastGrade ? `; grade ${r.firstGrade} → ${r.lastGrade}` : ''}.`,
    fixed: 'Fixed since the first collection',
    appeared: 'New since the first collection',
    none: 'No findings came or went over the window.',
    remaining: (n: number) =>
      `${n} finding${n === 1 ? '' : 's'} remain${n === 1 ? 's' : ''} at the latest collection.`,
    failures: (n: number) => `${n} collection${n === 1 ? '' : 's'} failed in the window.`,
    lastError: (k: string, m: string) => `The latest collection failed (${k}: ${m}).`,
    empty: (h: string, w: string) => `${h} has no score history over ${w} yet.`,
    how: 'History is kept for the inventory hosts (INFRALENS_CONFIG) the bot collects: on a schedule (INFRALENS_COLLECT_MINUTES), at each daily post and at every re-check. Say "re-check HOST" to collect one now.',
    more: (h: string) =>
      `Say "re-check ${h}" to collect it now and see what changed since the last collection.`,
    failed: (why: string) => `I could not read the score history: ${why}.`,
  },
  ko: {
    window: (d: number) => (d === 1 ? '최근 1일' : d === 7 ? '최근 7일' : `최근 ${d}일`),
    head: (h: string, w: string, r: GetHistoryResult) =>
      r.first !== null && r.last !== null && r.change !== null
        ? `${h}의 ${w} 점수: ${one(r.first)} → ${one(r.last)} (${signed(r.change)}점) \`${r.sparkline}\` — 수집 ${r.points}회.`
        : `${h}의 ${w}: 수집 ${r.points}회, 점수가 있는 수집이 없습니다 \`${r.sparkline}\`.`,
    range: (r: GetHistoryResult) =>
      `최저 ${one(r.min!)}, 최고 ${one(r.max!)}${r.firstGrade && r.lastGrade ? `; 등급 ${r.firstGrade} → ${r.lastGrade}` : ''}.`,
    fixed: '첫 수집 이후 해결됨',
    appeared: '첫 수집 이후 새로 생김',
    none: '기간 중 새로 생기거나 해결된 발견 사항은 없습니다.',
    remaining: (n: number) => `최근 수집 기준 발견 사항 ${n}개가 남아 있습니다.`,
    failures: (n: number) => `기간 중 수집 ${n}회가 실패했습니다.`,
    lastError: (k: string, m: string) => `최근 수집이 실패했습니다 (${k}: ${m}).`,
    empty: (h: string, w: string) => `${h}는 ${w} 동안의 점수 이력이 아직 없습니다.`,
    how: '점수 이력은 봇이 수집하는 인벤토리(INFRALENS_CONFIG) 호스트에 대해 쌓입니다: 주기 수집(INFRALENS_COLLECT_MINUTES), 매일 게시, 다시 확인할 때마다. 지금 수집하려면 "HOST 다시 확인해줘"라고 하세요.',
    more: (h: string) =>
      `"${h} 다시 확인해줘"라고 하면 지금 다시 수집해 마지막 수집 이후 바뀐 점을 알려 드립니다.`,
    failed: (why: string) => `점수 이력을 읽지 못했습니다: ${why}.`,
  },
} as const;

const word = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The host a history question names: one of the known hosts, else a host-like word (the tool says it is unknown). */
export function historyHost(question: string, known: readonly string[]): string | undefined {
  const named = known.filter((h) =>
    new RegExp(`(?<![\\w.-])${word(h)}(?![\\w-]|\\.\\w)`, 'i').test(question),
  );
  if (named.length > 0) return named[0];
  return questionIdentities(question)[0];
}

/** Compose the answer from get_history's result (pure; the caller runs the tool). */
export function composeHistory(lang: Lang, r: GetHistoryResult): string {
  const t = T[lang];
  const w = t.window(r.days);
  if (r.points === 0) return `${t.empty(r.host, w)}\n\n${t.how}`;
  const lines = [t.head(r.host, w, r)];
  if (r.min !== null && r.max !== null) lines.push(t.range(r));
  const support: string[] = [];
  const title = (f: GetHistoryResult['fixed'][number]) => `${f.title[lang]} (${f.severity})`;
  if (r.fixed.length) support.push(`- ${t.fixed}: ${r.fixed.slice(0, 5).map(title).join('; ')}`);
  if (r.appeared.length) support.push(`- ${t.appeared}: ${r.appeared.slice(0, 5).map(title).join('; ')}`);
  if (!r.fixed.length && !r.appeared.length && r.scored >= 2) support.push(`- ${t.none}`);
  if (r.scored > 0) support.push(`- ${t.remaining(r.remaining)}`);
  if (r.failures > 0) support.push(`- ${t.failures(r.failures)}`);
  if (r.lastError) support.push(`- ${t.lastError(r.lastError.kind, r.lastError.message)}`);
  return [lines.join('\n'), support.join('\n'), t.more(r.host)].filter((b) => b !== '').join('\n\n');
}

/** Run get_history for the question's host and write the answer (unknown host: say so, list the known). */
export async function historyAnswer(req: {
  question: string;
  lang: Lang;
  runner: ToolRunner;
  ctx: ToolContext;
  hosts: readonly string[];
}): Promise<{ text: string; calls: ToolCall[] }> {
  const known = [...new Set([...req.ctx.session.inventoryHosts(), ...req.hosts])];
  const host = historyHost(req.question, known);
  const input = { ...(host ? { host } : {}), days: daysOf(req.question) };
  const outcome = await req.runner.run('get_history', input, req.ctx);
  const calls: ToolCall[] = [{ name: 'get_history', input, outcome }];
  if (outcome.status === 'success')
    return { text: composeHistory(req.lang, outcome.data as GetHistoryResult), calls };
  if (outcome.error.startsWith('unknown host') && known.length > 0) {
    const t = TEXT[req.lang];
    return { text: `${t.unknownHost(host ?? null, known)}\n\n${t.unknownHostMore(known)}`, calls };
  }
  return { text: T[req.lang].failed(outcome.error.replace(/[.\s]+$/, '')), calls };
}
