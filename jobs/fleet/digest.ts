/**
 * The daily score post of a channel: the fleet table (host, grade, score, change since yesterday, top
 * finding), what is new and what got fixed since yesterday, and the fleet PDF (scoring/report buildReport
 * rendered by jobs/report/pdf). Hosts collected within the last hour are taken from history; the others
 * are collected first. Messages are Block Kit within Slack's limits (≤ 50 blocks, sections ≤ 3,000
 * characters; a fleet too large for one message says how many hosts are left to the PDF) and go through
 * the send queue like every reply.
 */

import type { Analysis, HostAnalysis } from '../../scoring/analyze.ts';
import { type DigestModel, digestModel, type HistoryFinding } from '../../scoring/history.ts';
import { buildReport, detailedHostsOf, type ReportTrend } from '../../scoring/report.ts';
import { fleetScore } from '../../scoring/score.ts';
import { jobId, type OutMessage } from '../queue/contracts.ts';
import { collectAndRecord } from './collect.ts';
import { esc, fmtChange, fmtScore } from './texts.ts';
import { type ChannelEntry, type FleetDeps, hostsOf, type Lang, langOf } from './types.ts';

/** A host collected within this long is not collected again for the digest. */
export const FRESH_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The fleet PDF charts the score of each host it details over this many days (from the history). */
export const TREND_DAYS = 7;
const SECTION_MAX = 2_900;
const MAX_BLOCKS = 50;
/** Slack refuses a message whose blocks hold more than about 12,000 characters: the table gets this many. */
const TABLE_CHARS = 6_000;
const NEWS_MAX = 10;
const TITLE_MAX = 120;

type Block = { type: string; [k: string]: unknown };

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** Lines packed into sections of at most SECTION_MAX characters. */
function sections(lines: readonly string[]): Block[] {
  const out: Block[] = [];
  let cur = '';
  for (const l of lines) {
    if (cur && cur.length + 1 + l.length > SECTION_MAX) {
      out.push(section(cur));
      cur = '';
    }
    cur = cur ? `${cur}\n${l}` : l.slice(0, SECTION_MAX);
  }
  if (cur) out.push(section(cur));
  return out;
}

/** The calendar date of `now` in a time zone, `YYYY-MM-DD`. */
export function dateIn(now: Date, tz: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

const T = {
  en: {
    title: (d: string) => `Daily GPU score — ${d}`,
    fallback: (n: number, mean: string) => `Daily GPU score: ${n} hosts, mean score ${mean}`,
    summary: (n: number, mean: string, down: number) =>
      `${n} host${n === 1 ? '' : 's'} · mean score *${mean}*${down ? ` · ${down} not answering` : ''}`,
    table: '*Host — grade, score (since yesterday) — top finding*',
    none: 'no findings',
    failed: 'not answering',
    never: 'not collected yet',
    more: (n: number) => `…and ${n} more host${n === 1 ? '' : 's'} in the PDF`,
    appeared: '*New since yesterday*',
    gone: '*Fixed since yesterday*',
    nothingNew: 'Nothing new since yesterday.',
    moreNews: (n: number) => `…and ${n} more`,
    pdf: 'Fleet report (PDF)',
    noPdf: 'No host could be analysed, so there is no PDF today.',
  },
  ko: {
    title: (d: string) => `일일 GPU 점수 — ${d}`,
    fallback: (n: number, mean: string) => `일일 GPU 점수: 서버 ${n}대, 평균 ${mean}점`,
    summary: (n: number, mean: string, down: number) =>
      `서버 ${n}대 · 평균 점수 *${mean}*${down ? ` · ${down}대 응답 없음` : ''}`,
    table: '*서버 — 등급, 점수 (어제 대비) — 주요 발견*',
    none: '발견 사항 없음',
    failed: '응답 없음',
    never: '아직 수집 안 됨',
    more: (n: number) => `…나머지 ${n}대는 PDF에`,
    appeared: '*어제 이후 새로 생김*',
    gone: '*어제 이후 해결됨*',
    nothingNew: '어제 이후 달라진 것이 없습니다.',
    moreNews: (n: number) => `…그 외 ${n}개`,
    pdf: '플릿 리포트 (PDF)',
    noPdf: '분석된 서버가 없어 오늘은 PDF가 없습니다.',
  },
} as const;

/** At most this many live-source warnings are listed under a digest (the rest are counted). */
const SOURCE_NOTES_MAX = 5;

/**
 * The digest as Slack messages (the PDF is added by the caller). `sourceNotes`: live sources that failed
 * for this post's collections (a Prometheus token expired, a cluster not answering), `host: warning` —
 * listed under the table so a post scored from samples alone says why. Pure.
 */
export function digestMessages(
  model: DigestModel,
  lang: Lang,
  date: string,
  sourceNotes: readonly string[] = [],
): OutMessage[] {
  const t = T[lang];
  const mean = fmtScore(model.meanScore);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: t.title(date).slice(0, 150) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: t.summary(model.hosts, mean, model.unreachable) }],
    },
  ];
  const rowLine = (r: DigestModel['rows'][number]) => {
    const host = `*${esc(r.host, 80)}*`;
    if (r.error)
      return `:warning: ${host} — ${r.error.kind === 'never' ? t.never : `${t.failed} (${esc(r.error.kind, 40)})`}`;
    const head = `${host} — ${r.grade ?? '—'} ${fmtScore(r.score)} (${fmtChange(r.change)})`;
    return `${head} — ${r.top ? esc(r.top.title[lang], TITLE_MAX) : t.none}`;
  };
  const news = (label: string, items: DigestModel['appeared']) => {
    if (items.length === 0) return [];
    const lines = [label];
    for (const { host, finding } of items.slice(0, NEWS_MAX))
      lines.push(`• *${esc(host, 80)}*: ${findingLine(finding, lang)}`);
    if (items.length > NEWS_MAX) lines.push(t.moreNews(items.length - NEWS_MAX));
    return sections(lines);
  };
  const shownNotes = sourceNotes.slice(0, SOURCE_NOTES_MAX).map((n) => `:warning: ${esc(n, 300)}`);
  if (sourceNotes.length > SOURCE_NOTES_MAX)
    shownNotes.push(t.moreNews(sourceNotes.length - SOURCE_NOTES_MAX));
  const tail: Block[] = [
    { type: 'divider' },
    ...(model.appeared.length || model.gone.length
      ? [...news(t.appeared, model.appeared), ...news(t.gone, model.gone)]
      : [section(t.nothingNew)]),
    ...(shownNotes.length
      ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: shownNotes.join('\n').slice(0, 2900) }] }]
      : []),
  ];
  // the table, worst first, takes what the header and the news leave (blocks and characters); the rest of
  // a large fleet is in the PDF, and the message says how many hosts that is
  const room = MAX_BLOCKS - blocks.length - tail.length;
  const rows: string[] = [];
  let chars = t.table.length;
  for (const r of model.rows) {
    const line = rowLine(r);
    if (chars + line.length + 1 > TABLE_CHARS) break;
    rows.push(line);
    chars += line.length + 1;
  }
  const more = model.rows.length - rows.length;
  let table = sections([t.table, ...rows, ...(more > 0 ? [t.more(more)] : [])]);
  while (table.length > room && rows.length > 0) {
    rows.splice(-10);
    table = sections([t.table, ...rows, t.more(model.rows.length - rows.length)]);
  }
  blocks.push(...table, ...tail);
  return [{ kind: 'message', text: t.fallback(model.hosts, mean), blocks: blocks.slice(0, MAX_BLOCKS) }];
}

function findingLine(f: HistoryFinding, lang: Lang): string {
  const icon =
    f.severity === 'critical'
      ? ':red_circle:'
      : f.severity === 'warning'
        ? ':large_orange_circle:'
        : ':white_circle:';
  return `${icon} ${esc(f.title[lang], TITLE_MAX)}`;
}

export interface DigestResult {
  channel: string;
  hosts: number;
  collected: number;
  model: DigestModel;
  /** the PDF's sha256 in the blob store, null when no host could be analysed. */
  pdf: string | null;
  /** the send job's id. */
  sendId: string;
}

/** Find a configured channel by id (`C0123…`) or `surface:id`. */
export function channelNamed(deps: FleetDeps, name: string): ChannelEntry | undefined {
  return deps.inventory.channels.find((c) => c.id === name || `${c.surface}:${c.id}` === name);
}

/**
 * Build and post the digest of one channel. `runId` makes the send job's id (a scheduled run: the job's
 * id; so a retried digest job posts once).
 */
export async function runDigest(
  deps: FleetDeps,
  channel: ChannelEntry,
  runId: string,
): Promise<DigestResult> {
  const now = deps.now();
  const nowMs = now.getTime();
  const hosts = hostsOf(deps.inventory, channel);
  const stale = [];
  for (const h of hosts) {
    const latest = await deps.history.latest(h.name);
    if (!latest || latest.error || nowMs - latest.at > FRESH_MS) stale.push(h);
  }
  const fresh = new Map<string, HostAnalysis>();
  // live sources that failed in this post's collections: the post says so (the hosts are scored without)
  const sourceNotes: string[] = [];
  if (stale.length > 0) {
    const r = await collectAndRecord(deps, stale);
    for (const x of r.hosts) {
      if (x.analysis) fresh.set(x.host, x.analysis);
      for (const w of x.warnings)
        if (/^(GPU window|Proxmox API)/.test(w)) sourceNotes.push(`${x.host}: ${w}`);
    }
  }
  const inputs = await Promise.all(
    hosts.map(async (h) => ({
      host: h.name,
      now: await deps.history.latest(h.name),
      yesterday: await deps.history.atOrBefore(h.name, nowMs - DAY_MS),
    })),
  );
  const model = digestModel(inputs);
  const lang = langOf(channel);
  const tz = channel.digest === false ? 'Asia/Seoul' : channel.digest.tz;
  const date = dateIn(now, tz);
  const messages = digestMessages(model, lang, date, sourceNotes);

  // the fleet PDF from every host's latest analysis
  const analyses: HostAnalysis[] = [];
  for (const h of hosts) {
    const a = fresh.get(h.name) ?? (await deps.history.latestAnalysis(h.name));
    if (a) analyses.push(a);
  }
  let pdf: string | null = null;
  if (analyses.length > 0) {
    const analysis: Analysis = {
      schemaVersion: 1,
      fleet: {
        hosts: analyses.length,
        gpus: analyses.reduce((n, a) => n + a.gpus.length, 0),
        score: fleetScore(analyses.map((a) => a.score)),
        placement: null,
      },
      hosts: analyses,
    };
    // the score trend of each host the PDF details (two collections or more in the window)
    const trends: Record<string, ReportTrend> = {};
    for (const a of detailedHostsOf(analysis)) {
      if (a.host === null) continue;
      // up to now: the hosts collected for this digest were recorded after it started
      const recs = await deps.history.range(a.host, nowMs - TREND_DAYS * DAY_MS, deps.now().getTime());
      if (recs.length > 1)
        trends[a.host] = { days: TREND_DAYS, points: recs.map((r) => ({ at: r.at, score: r.score })) };
    }
    const bytes = await deps.renderPdf(
      buildReport(analysis, lang, now, {
        trends,
        date,
        // the hosts the post lists as not answering are named in the PDF too
        unreachable: model.rows.flatMap((r) =>
          r.error
            ? [
                {
                  host: r.host,
                  kind: r.error.kind === 'never' ? T[lang].never : r.error.kind,
                  message: r.error.message,
                },
              ]
            : [],
        ),
      }),
      now,
    );
    pdf = await deps.outbox.blobs.put(bytes);
    messages.push({ kind: 'file', filename: `infralens-fleet-${date}.pdf`, title: T[lang].pdf, sha256: pdf });
  } else messages.push({ kind: 'message', text: T[lang].noPdf });

  const sendId = jobId('digest', channel.surface, channel.id, runId);
  await deps.outbox.enqueueSend(
    { to: { surface: channel.surface, channel: channel.id, thread: null }, messages, done: 0 },
    sendId,
  );
  deps.log.info('fleet: digest queued', {
    channel: channel.id,
    hosts: hosts.length,
    collected: stale.length,
  });
  return { channel: channel.id, hosts: hosts.length, collected: stale.length, model, pdf, sendId };
}

/**
 * Post a digest now (`infralens digest --now [CHANNEL]`): to the named channel (by id or `surface:id`,
 * even one whose daily post is off), or to every channel with a daily post.
 */
export async function digestNow(deps: FleetDeps, channel?: string): Promise<DigestResult[]> {
  let targets: ChannelEntry[];
  if (channel !== undefined) {
    const c = channelNamed(deps, channel);
    if (!c)
      throw new Error(
        `no channel '${channel}' in the inventory (channels: ${deps.inventory.channels.map((x) => x.id).join(', ') || 'none'})`,
      );
    targets = [c];
  } else targets = deps.inventory.channels.filter((c) => c.digest !== false);
  const runId = `now-${deps.now().getTime()}`;
  const out: DigestResult[] = [];
  for (const c of targets) out.push(await runDigest(deps, c, runId));
  return out;
}
