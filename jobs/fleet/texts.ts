/**
 * The fleet's chat texts (alerts, recoveries, the daily digest) in both languages, written as Slack mrkdwn.
 * Text that comes from hosts or the inventory (host names, finding titles, error messages) goes through
 * `esc`, which escapes `&`, `<` and `>`: nothing in it can form a mention, a channel ping or a link.
 */
import type { Comparison, HistoryFinding } from '../../scoring/history.ts';
import type { Lang } from './types.ts';

/** Escape Slack's three control characters and flatten to one line, cut at `max` characters. */
export function esc(s: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const line = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const cut = line.length > max ? `${line.slice(0, max - 1)}…` : line;
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A score with one decimal, or a dash. */
export const fmtScore = (s: number | null) => (s === null ? '—' : s.toFixed(1));

/** A signed change with one decimal (`+3.2`, `−11.6`, `±0.0`), or a dash. */
export function fmtChange(c: number | null): string {
  if (c === null) return '—';
  if (Math.abs(c) < 0.05) return '±0.0';
  return c > 0 ? `+${c.toFixed(1)}` : `−${Math.abs(c).toFixed(1)}`;
}

export const titleOf = (f: Pick<HistoryFinding, 'title'>, lang: Lang) => esc(f.title[lang], 200);

const SEVERITY: Record<HistoryFinding['severity'], Record<Lang, string>> = {
  critical: { en: 'critical', ko: '심각' },
  warning: { en: 'warning', ko: '경고' },
  info: { en: 'info', ko: '정보' },
};
export const severityOf = (f: HistoryFinding, lang: Lang) => SEVERITY[f.severity][lang];

export const ALERT_TEXT = {
  scoreDrop: (lang: Lang, host: string, before: number, after: number, grades: string) =>
    lang === 'ko'
      ? `:chart_with_downwards_trend: *${esc(host)}* 점수 하락: ${fmtScore(before)} → ${fmtScore(after)} (${fmtChange(after - before)}점${grades})`
      : `:chart_with_downwards_trend: *${esc(host)}* score dropped: ${fmtScore(before)} → ${fmtScore(after)} (${fmtChange(after - before)} points${grades})`,
  scoreBack: (lang: Lang, host: string, baseline: number, now: number | null) =>
    lang === 'ko'
      ? `:white_check_mark: *${esc(host)}* 점수 회복: ${fmtScore(now)} (하락 전 ${fmtScore(baseline)})`
      : `:white_check_mark: *${esc(host)}* score recovered: ${fmtScore(now)} (${fmtScore(baseline)} before the drop)`,
  critical: (lang: Lang, host: string, f: HistoryFinding) =>
    lang === 'ko'
      ? `:rotating_light: *${esc(host)}* 새 심각 발견: ${titleOf(f, lang)}`
      : `:rotating_light: *${esc(host)}* new critical finding: ${titleOf(f, lang)}`,
  criticalGone: (lang: Lang, host: string, f: HistoryFinding) =>
    lang === 'ko'
      ? `:white_check_mark: *${esc(host)}* 해결됨: ${titleOf(f, lang)}`
      : `:white_check_mark: *${esc(host)}* resolved: ${titleOf(f, lang)}`,
  unreachable: (
    lang: Lang,
    host: string,
    n: number,
    error: { kind: string; message: string } | undefined,
  ) => {
    const why = error ? ` (${esc(error.kind, 40)}: ${esc(error.message, 300)})` : '';
    return lang === 'ko'
      ? `:warning: *${esc(host)}* 응답 없음: 연속 ${n}회 수집 실패${why}`
      : `:warning: *${esc(host)}* is not answering: ${n} collections in a row failed${why}`;
  },
  answering: (lang: Lang, host: string) =>
    lang === 'ko'
      ? `:white_check_mark: *${esc(host)}* 다시 응답함`
      : `:white_check_mark: *${esc(host)}* is answering again`,
};

/** The chat lines of a before/after comparison (the re-check's answer, for the chat layer). */
export function comparisonLines(host: string, c: Comparison, lang: Lang): string[] {
  const ko = lang === 'ko';
  const lines = [
    ko
      ? `*${esc(host)}* 점수: ${fmtScore(c.scoreBefore)} → ${fmtScore(c.scoreAfter)} (${fmtChange(c.scoreChange)})`
      : `*${esc(host)}* score: ${fmtScore(c.scoreBefore)} → ${fmtScore(c.scoreAfter)} (${fmtChange(c.scoreChange)})`,
  ];
  const list = (label: string, fs: HistoryFinding[]) => {
    if (fs.length === 0) return;
    lines.push(`*${label}*`);
    for (const f of fs.slice(0, 10)) lines.push(`• ${titleOf(f, lang)} (${severityOf(f, lang)})`);
    if (fs.length > 10) lines.push(ko ? `…그 외 ${fs.length - 10}개` : `…and ${fs.length - 10} more`);
  };
  list(ko ? '해결됨' : 'Fixed', c.gone);
  list(ko ? '새로 생김' : 'New', c.appeared);
  list(ko ? '남아 있음' : 'Remaining', c.remaining);
  return lines;
}
