/**
 * "Were the GPUs of gpu-a busy yesterday?", "이번 주 gpu-a GPU 놀았어?", "idle overnight?": what an
 * inventory host's GPUs did over a window, from its Prometheus (get_gpu_window). First line: how many of
 * its GPUs were mostly idle over the window and the idlest one; then one line per GPU (idle hours of the
 * window, SM active mean and p95) and the window-based findings' titles. Every number is copied from the
 * tool's result. A host without a Prometheus is not answered here (the caller falls through).
 */
import type { Lang } from '../../../../scoring/report.ts';
import type { GetGpuWindowResult } from '../../../../tools/agent/tools/get-gpu-window.ts';
import type { ToolCall, ToolContext, ToolRunner } from '../../../../tools/agent/types.ts';
import { historyHost } from './history.ts';

/** Words of a time window … */
const WHEN =
  /\byesterday\b|\btoday\b|\bthis week\b|\blast (?:week|night|\d+ (?:hours?|days?))\b|\bpast (?:week|day|\d+ (?:hours?|days?))\b|\bovernight\b|\b\d+\s*(?:h|hours?|d|days?)\b|어제|오늘|이번\s*주|지난\s*주|최근\s*\d+\s*(?:시간|일)|밤새|주말/i;
/** … about what the GPUs did. */
const WHAT =
  /\bidle\b|\bbusy\b|\butili[sz](?:ation|ed)\b|\busage\b|\bused\b|\bwork(?:ing|ed)?\b|\bactive\b|\bdoing\b|사용률|사용량|유휴|놀|쉬었|바빴|일했|돌았|활용/i;

export function isWindowQuestion(question: string): boolean {
  return WHEN.test(question) && WHAT.test(question);
}

/** The window words of a question, as get_gpu_window takes them. */
export function windowWords(question: string): string | undefined {
  const m =
    /\b(yesterday|today|this week|last week)\b/i.exec(question) ??
    /(어제|오늘|이번\s*주|지난\s*주)/.exec(question) ??
    /\b(\d+)\s*(h|hours?|d|days?)\b/i.exec(question) ??
    /최근\s*(\d+)\s*(시간|일)/.exec(question);
  if (!m) return /overnight|밤새/i.test(question) ? '12h' : undefined;
  if (m[2] !== undefined) return `${m[1]}${/^(h|hour|시간)/i.test(m[2]) ? 'h' : 'd'}`;
  return m[1]!.toLowerCase();
}

const T = {
  en: {
    head: (h: string, w: string, idle: number, n: number, worst: string | null) =>
      `${h} over ${w}: ${idle} of ${n} GPU${n === 1 ? '' : 's'} idle most of the time${worst ? `; the idlest is ${worst}` : ''}.`,
    gpu: (g: GetGpuWindowResult['gpus'][number]) =>
      `- ${label(g)}: ${g.idleHours === null ? 'idle time unknown' : `idle ${g.idleHours} h of ${g.windowHours} h`}${g.smActivePct ? `, SM active ${g.smActivePct.mean} % on average (p95 ${g.smActivePct.p95} %)` : g.utilPct ? `, utilisation ${g.utilPct.mean} % on average (p95 ${g.utilPct.p95} %)` : ''}${g.coveragePct !== null && g.coveragePct < 50 ? ` — data for ${g.coveragePct} % of the window` : ''}`,
    findings: 'With the window',
    missing: (m: string[]) => `Series without data: ${m.join(', ')}.`,
    failed: (why: string) => `I could not read the GPU window: ${why}${/[.?!]$/.test(why) ? '' : '.'}`,
  },
  ko: {
    head: (h: string, w: string, idle: number, n: number, worst: string | null) =>
      `${h}의 ${w}: GPU ${n}개 중 ${idle}개가 대부분의 시간 동안 유휴${worst ? `; 가장 많이 쉰 것은 ${worst}` : ''}.`,
    gpu: (g: GetGpuWindowResult['gpus'][number]) =>
      `- ${label(g)}: ${g.idleHours === null ? '유휴 시간 알 수 없음' : `${g.windowHours}시간 중 ${g.idleHours}시간 유휴`}${g.smActivePct ? `, SM 활성 평균 ${g.smActivePct.mean} % (p95 ${g.smActivePct.p95} %)` : g.utilPct ? `, 사용률 평균 ${g.utilPct.mean} % (p95 ${g.utilPct.p95} %)` : ''}${g.coveragePct !== null && g.coveragePct < 50 ? ` — 기간의 ${g.coveragePct} %만 데이터 있음` : ''}`,
    findings: '기간 기준 발견 사항',
    missing: (m: string[]) => `데이터가 없는 시리즈: ${m.join(', ')}.`,
    failed: (why: string) => `GPU 사용 기간 데이터를 읽지 못했습니다: ${why}${/[.?!]$/.test(why) ? '' : '.'}`,
  },
} as const;

function label(g: GetGpuWindowResult['gpus'][number]): string {
  const base = g.gpu === null ? g.uuid : `GPU ${g.gpu}`;
  return g.migInstance ? `${base} MIG ${g.migInstance.profile ?? `GI ${g.migInstance.id}`}` : base;
}

/** "Mostly idle": idle at least 80 % of the window's hours (the idle rule's threshold, docs/scoring.md). */
const mostlyIdle = (g: GetGpuWindowResult['gpus'][number]) =>
  g.idleHours !== null && g.windowHours > 0 && g.idleHours / g.windowHours >= 0.8;

/** Compose the answer from get_gpu_window's result (pure). */
export function composeWindow(lang: Lang, r: GetGpuWindowResult): string {
  const t = T[lang];
  const w = windowLabel(r.window?.label ?? '24h', lang);
  const gpus = r.gpus.filter((g) => g.migInstance === null);
  const shown = gpus.length > 0 ? gpus : r.gpus;
  const idle = shown.filter(mostlyIdle);
  const worst = [...shown]
    .filter((g) => g.idleHours !== null)
    .sort((a, b) => (b.idleHours ?? 0) - (a.idleHours ?? 0))[0];
  const head = t.head(r.host, w, idle.length, shown.length, worst ? label(worst) : null);
  const lines = r.gpus.slice(0, 16).map(t.gpu);
  const found = r.findings
    .filter((f) => f.severity !== 'info')
    .slice(0, 4)
    .map((f) => `- ${f.title[lang]}`);
  return [
    head,
    lines.join('\n'),
    found.length ? `${t.findings}:\n${found.join('\n')}` : '',
    // NVLink and PCIe series are absent on many GPUs by design (a PCIe card, default counters): not news
    ...[r.missingSeries.filter((m) => !/NVLINK|PCIE/.test(m))].map((m) => (m.length ? t.missing(m) : '')),
  ]
    .filter((b) => b !== '')
    .join('\n\n');
}

/**
 * Run get_gpu_window for the question's host; null when the host has no GPU window (no Prometheus, no
 * inventory) so the caller answers another way.
 */
export async function windowAnswer(req: {
  question: string;
  lang: Lang;
  runner: ToolRunner;
  ctx: ToolContext;
  hosts: readonly string[];
}): Promise<{ text: string; calls: ToolCall[] } | null> {
  const known = [...new Set([...req.ctx.session.inventoryHosts(), ...req.hosts])];
  if (req.ctx.session.inventoryHosts().length === 0) return null;
  const host = historyHost(req.question, known);
  const words = windowWords(req.question);
  const input = { ...(host ? { host } : {}), ...(words ? { window: words } : {}) };
  const outcome = await req.runner.run('get_gpu_window', input, req.ctx);
  const calls: ToolCall[] = [{ name: 'get_gpu_window', input, outcome }];
  if (outcome.status === 'success')
    return { text: composeWindow(req.lang, outcome.data as GetGpuWindowResult), calls };
  if (/no GPU window|without an inventory|no Prometheus|several inventory hosts/.test(outcome.error))
    return null;
  return { text: T[req.lang].failed(outcome.error.replace(/[.\s]+$/, '')), calls };
}

/** The window's label in the answer's language (the source names windows in English). */
export function windowLabel(label: string, lang: Lang): string {
  if (lang === 'en') return label;
  const fixed: Record<string, string> = {
    today: '오늘',
    yesterday: '어제',
    'this week': '이번 주',
    'last week': '지난주',
  };
  if (fixed[label]) return fixed[label];
  const m = /^(\d+)([hd])$/.exec(label);
  return m ? `최근 ${m[1]}${m[2] === 'h' ? '시간' : '일'}` : label;
}
