/**
 * The fleet in the conversation: what a chat turn and the tools need from the fleet layer (jobs/fleet).
 *
 * - Each inventory host's last collected bundle is kept (`capture` wraps the fleet's collector), so the
 *   hosts a channel's groups cover are known hosts of its conversations, answered from their last
 *   collection (`inputsFor`: the bundles and the manifest tools/agent/session.ts reads).
 * - The tools' FleetPort: collect a host now (a re-check: recorded in its history, alerts evaluated) and
 *   read its score history.
 * - The re-check's chat answer: the score before → after, then what got fixed, what is new, what remains.
 */
import type { FleetService } from '../jobs/fleet/service.ts';
import { comparisonLines, esc, fmtChange, fmtScore } from '../jobs/fleet/texts.ts';
import { type CollectFn, type HostEntry, hostsOf } from '../jobs/fleet/types.ts';
import type { Kv } from '../jobs/queue/kv.ts';
import { analyzeFleet, type HostAnalysis } from '../scoring/analyze.ts';
import type { Comparison, HistoryFinding, HistoryRecord } from '../scoring/history.ts';
import type { Lang } from '../scoring/report.ts';
import { WindowDocument } from '../scoring/window.ts';
import { FLEET_MANIFEST, type FleetManifest } from '../tools/agent/session.ts';
import { WINDOW_HOW } from '../tools/agent/tools/get-gpu-window.ts';
import { type FleetCollection, type FleetPort, type FleetWindow, ToolFailure } from '../tools/agent/types.ts';
import { type InputFile, ingestHosts } from '../tools/ingest/index.ts';
import { hostWindow } from '../tools/sources/index.ts';
import { type ProxmoxMap, proxmoxMap } from '../tools/sources/proxmox-map.ts';

const DAY_MS = 86_400_000;
/** how long a host's last bundle is kept (as long as the fleet keeps its latest analysis). */
export const BUNDLE_TTL_SEC = 2 * 86_400;
/** the most inventory hosts a conversation analyses at once (hosts named in the question first). */
export const SESSION_HOSTS = 12;

const bundleKey = (host: string) => `fleet-bundle-${host}`;

interface KeptBundle {
  bundle: string;
  at: number;
}

/** A collector that keeps each host's last good bundle (for the chat) and returns what it returned. */
export function keepBundles(collect: CollectFn, kv: Kv, ttlSec = BUNDLE_TTL_SEC): CollectFn {
  return async (inv, hosts, opts) => {
    const outcomes = await collect(inv, hosts, opts);
    const at = Date.now();
    const kept = outcomes.flatMap((o) =>
      o.ok ? [{ key: bundleKey(o.host), value: { bundle: o.bundle, at } satisfies KeptBundle, ttlSec }] : [],
    );
    await kv.multiSetJson(kept);
    return outcomes;
  };
}

/** A host name as a word of a text ("re-check gpu-a", "gpu-a 다시 확인"), case-insensitive. */
export function mentions(text: string, host: string): boolean {
  const esc = host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.-])${esc}(?![\\w-]|\\.\\w)`, 'i').test(text);
}

/** "re-check gpu-a", "verify gpu-a after the fix", "gpu-a 다시 확인해줘", "재확인". */
export const RECHECK =
  /\bre-?check|\bcheck (?:it |again|now)|\bverify\b|\bcollect (?:it )?again|다시\s*(?:확인|점검|체크|수집|검사)|재확인|재점검|재수집|재검사/i;

export class FleetChat implements FleetPort {
  constructor(
    private readonly fleet: FleetService,
    private readonly kv: Kv,
  ) {}

  /** The inventory hosts a channel's groups cover (none for a channel not in the inventory). */
  channelHosts(surface: 'slack' | 'teams', channel: string): HostEntry[] {
    const inv = this.fleet.deps.inventory;
    const seen = new Map<string, HostEntry>();
    for (const c of inv.channels)
      if (c.surface === surface && c.id === channel) for (const h of hostsOf(inv, c)) seen.set(h.name, h);
    return inv.hosts.filter((h) => seen.has(h.name));
  }

  /**
   * The inputs of a conversation in a channel with inventory hosts: the manifest naming them, and the last
   * bundle of up to SESSION_HOSTS of them (those the text names first) unless `namesOnly` (the thread has
   * files of its own: the inventory hosts are known for their history only). Empty when the channel sees
   * no inventory host.
   */
  async inputsFor(
    surface: 'slack' | 'teams',
    channel: string,
    text: string,
    namesOnly = false,
  ): Promise<InputFile[]> {
    const hosts = this.channelHosts(surface, channel);
    if (hosts.length === 0) return [];
    const named = hosts.filter((h) => mentions(text, h.name));
    const order = [...named, ...hosts.filter((h) => !named.includes(h))].slice(0, SESSION_HOSTS);
    const files: InputFile[] = [];
    const manifest: FleetManifest = { infralens: 'fleet', hosts: [], inventory: hosts.map((h) => h.name) };
    if (!namesOnly)
      for (const h of order) {
        const kept = (await this.kv.getJson(bundleKey(h.name))) as KeptBundle | null;
        if (typeof kept?.bundle !== 'string' || typeof kept.at !== 'number') continue;
        const file = `${h.name}.bundle.txt`;
        manifest.hosts.push({ name: h.name, file, at: kept.at });
        files.push({ name: file, content: kept.bundle });
      }
    return [{ name: FLEET_MANIFEST, content: JSON.stringify(manifest) }, ...files];
  }

  /** The inventory host of a channel that a text names (exactly one), or null. */
  namedHost(surface: 'slack' | 'teams', channel: string, text: string): HostEntry | null {
    const named = this.channelHosts(surface, channel).filter((h) => mentions(text, h.name));
    return named.length === 1 ? named[0]! : null;
  }

  async collect(host: string): Promise<FleetCollection> {
    const r = await this.fleet.recheck(host);
    const kept = r.error ? null : ((await this.kv.getJson(bundleKey(host))) as KeptBundle | null);
    return {
      host,
      at: r.after.at,
      bundle: typeof kept?.bundle === 'string' ? kept.bundle : null,
      record: r.after,
      before: r.before,
      error: r.error,
    };
  }

  /**
   * The host's GPU window from its Prometheus, and its last kept collection analysed with it (the window's
   * statistics in place of the one-second sample). A source failure is the tool's error, in words.
   */
  async window(host: string, words?: string): Promise<FleetWindow> {
    const inv = this.fleet.deps.inventory;
    const entry = inv.hosts.find((h) => h.name === host);
    if (!entry) throw new ToolFailure(`no host named '${host}' in the inventory`);
    if (!entry.prometheus) throw new ToolFailure(`${host} has no Prometheus in the inventory: ${WINDOW_HOW}`);
    let file: InputFile;
    try {
      file = await hostWindow(inv, entry, {
        now: this.fleet.deps.now(),
        ...(words ? { window: words } : {}),
      });
    } catch (e) {
      // a source's error already names the host and the source, in one line
      throw new ToolFailure(String((e as Error).message));
    }
    const doc = WindowDocument.parse(JSON.parse(String(file.content)));
    const kept = (await this.kv.getJson(bundleKey(host))) as KeptBundle | null;
    let analysis: HostAnalysis | null = null;
    if (typeof kept?.bundle === 'string') {
      const { snapshots } = ingestHosts([{ name: `${host}.bundle.txt`, content: kept.bundle }, file], {
        host,
      });
      if (snapshots[0]) analysis = analyzeFleet([snapshots[0]]).hosts[0] ?? null;
    }
    return { host, doc, analysis };
  }

  proxmoxClusters(): string[] {
    return this.fleet.deps.inventory.proxmox.map((c) => c.name);
  }

  /** A Proxmox cluster's VM ↔ GPU ↔ NUMA map, read through its API now. */
  proxmoxMap(cluster?: string): Promise<ProxmoxMap> {
    const all = this.fleet.deps.inventory.proxmox;
    const entry = cluster ? all.find((c) => c.name === cluster) : all[0];
    if (!entry) throw new ToolFailure(`no Proxmox cluster named '${cluster ?? ''}' in the inventory`);
    return proxmoxMap(entry);
  }

  history(host: string, days: number): Promise<HistoryRecord[]> {
    const now = this.fleet.deps.now().getTime();
    return this.fleet.deps.history.range(host, now - days * DAY_MS, now);
  }

  /** Re-check a host and answer in chat (mrkdwn): the first line answers, then the findings. */
  async recheckText(host: string, lang: Lang): Promise<string> {
    const r = await this.fleet.recheck(host);
    return recheckText(host, r, lang);
  }
}

/** Findings that are problems (the host's facts, info findings, are not "fixed" or "remaining"). */
const problems = (fs: readonly HistoryFinding[]) => fs.filter((f) => f.severity !== 'info');

/** The re-check's answer: "gpu-a: 62.0 → 71.5 (+9.5); 2 findings fixed, 1 remains", then the lists. */
export function recheckText(
  host: string,
  r: {
    before: HistoryRecord | null;
    after: HistoryRecord;
    comparison: Comparison;
    error: { kind: string; message: string } | null;
    warnings?: readonly string[];
  },
  lang: Lang,
): string {
  // a live source that failed (Prometheus, the Proxmox API): the answer is from SSH alone, and says so
  const live = (r.warnings ?? [])
    .filter((w) => /^(GPU window|Proxmox API)/.test(w))
    .map((w) => `:warning: ${esc(w, 400)}`);
  const ko = lang === 'ko';
  const h = `*${esc(host)}*`;
  if (r.error) {
    const why = `${esc(r.error.kind, 40)}: ${esc(r.error.message, 300)}`;
    const last = r.before
      ? ko
        ? ` 마지막 정상 수집의 점수는 ${fmtScore(r.before.score)}${r.before.grade ? ` (${r.before.grade})` : ''}입니다.`
        : ` The last good collection scored ${fmtScore(r.before.score)}${r.before.grade ? ` (${r.before.grade})` : ''}.`
      : '';
    return ko
      ? `${h}: 다시 수집하지 못했습니다 (${why}).${last}`
      : `${h}: the re-check could not collect (${why}).${last}`;
  }
  const c: Comparison = {
    ...r.comparison,
    gone: problems(r.comparison.gone),
    appeared: problems(r.comparison.appeared),
    remaining: problems(r.comparison.remaining),
  };
  const counts = ko
    ? [
        `${c.gone.length}개 해결`,
        ...(c.appeared.length ? [`${c.appeared.length}개 새로 생김`] : []),
        `${c.remaining.length}개 남음`,
      ].join(', ')
    : [
        `${c.gone.length} finding${c.gone.length === 1 ? '' : 's'} fixed`,
        ...(c.appeared.length ? [`${c.appeared.length} new`] : []),
        `${c.remaining.length} remain${c.remaining.length === 1 ? 's' : ''}`,
      ].join(', ');
  const grade = (g: string | null) => (g ? ` ${g}` : '');
  const first = r.before
    ? `${h}: ${fmtScore(c.scoreBefore)}${grade(c.gradeBefore)} → ${fmtScore(c.scoreAfter)}${grade(c.gradeAfter)} (${fmtChange(c.scoreChange)}); ${counts}`
    : ko
      ? `${h}: 첫 수집입니다. 점수 ${fmtScore(c.scoreAfter)}${grade(c.gradeAfter)}; 발견 ${c.appeared.length}개`
      : `${h}: first collection, score ${fmtScore(c.scoreAfter)}${grade(c.gradeAfter)}; ${c.appeared.length} finding${c.appeared.length === 1 ? '' : 's'}`;
  const lists = r.before ? comparisonLines(host, c, lang).slice(1) : [];
  return [first, ...lists, ...live].join('\n');
}

/** The note under a re-check of uploaded files: a live re-check needs the host in the inventory. */
export function recheckFilesNote(lang: Lang, host: string | undefined): string {
  const name = host ? esc(host, 200) : null;
  return lang === 'ko'
    ? `업로드된 파일을 다시 분석했습니다. ${name ? `${name}을(를) ` : ''}실시간으로 다시 수집하려면 인벤토리(INFRALENS_CONFIG)에 호스트를 등록하고 이 채널의 그룹에 넣어야 합니다.`
    : `Re-analysed the uploaded files. A live re-check${name ? ` of ${name}` : ''} needs the host in the inventory (INFRALENS_CONFIG) and in a group of this channel.`;
}
