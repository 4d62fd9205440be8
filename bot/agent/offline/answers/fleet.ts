/**
 * Several hosts loaded: the fleet summary from list_hosts (worst first: host, grade, score, top finding)
 * and the comparison of hosts. Only list_hosts is needed.
 */
import type { Lang } from '../../../../scoring/report.ts';
import type { ListHostsResult } from '../../../../tools/agent/tools/list-hosts.ts';
import { TEXT } from '../text.ts';
import type { Understanding } from '../understand.ts';
import type { Composed, Finding } from './types.ts';

const hostItem = (host: string) => ({ kind: 'host' as const, host, rule: null, gpus: [], workloads: [] });

function hostLines(list: ListHostsResult, lang: Lang): string[] {
  const t = TEXT[lang];
  return list.hosts.map(
    (h) =>
      `- ${t.fleet.line({
        host: h.host,
        gpus: h.gpus,
        models: h.models,
        score: h.score,
        findings: h.findings,
        top: h.topFinding?.title[lang] ?? null,
      })}`,
  );
}

/** The fleet summary: every host worst first, then where to look next. */
export function fleetSummary(u: Understanding, lang: Lang, list: ListHostsResult): Composed {
  const t = TEXT[lang];
  const worst = list.hosts[0]!;
  const support = hostLines(list, lang).slice(0, u.wantsAll ? list.hosts.length : 8);
  if (list.notes[0]) support.push(`- ${list.notes[0]}`);
  return {
    direct: [
      t.fleet.head(
        list.count,
        list.fleet,
        worst,
        list.hosts.length <= 3 ? list.hosts.map((h) => ({ host: h.host, score: h.score })) : [],
      ),
    ],
    support,
    more: t.more.fleet(worst.host),
    focus: {
      topic: 'compare',
      gpus: [],
      workloads: [],
      rules: [],
      items: list.hosts.map((h) => hostItem(h.host)),
    },
  };
}

/** "Compare the servers", "which host is worse?" (and which one has the urgent hardware problems). */
export function compareHosts(
  u: Understanding,
  lang: Lang,
  list: ListHostsResult,
  urgent: ReadonlyMap<string, readonly Finding[]> = new Map(),
): Composed {
  const t = TEXT[lang];
  const scored = list.hosts.filter((h) => h.score !== null);
  if (list.hosts.length < 2) {
    const h = list.hosts[0]!;
    return {
      direct: [t.fleet.onlyOne(h.host, h.score)],
      support: hostLines(list, lang),
      more: t.more.overview,
      focus: { topic: 'compare', gpus: [], workloads: [], rules: [], items: [hostItem(h.host)] },
    };
  }
  const summary = fleetSummary(u, lang, list);
  if (scored.length >= 2) {
    const w = scored[0]!;
    const b = scored.at(-1)!;
    // a better score can hide a failing link or an overheating GPU: say which host needs hands first
    const hot = [...urgent.entries()].find(([h]) => h !== w.host);
    summary.direct = [
      t.fleet.compare(
        { host: w.host, v: w.score!.value, g: w.score!.grade },
        { host: b.host, v: b.score!.value, g: b.score!.grade },
        hot ? { host: hot[0], titles: hot[1].slice(0, 2).map((f) => f.title[lang]) } : null,
      ),
    ];
    const own = urgent.get(w.host);
    if (own)
      summary.direct.push(
        t.fleet.urgentToo(
          w.host,
          own.slice(0, 2).map((f) => f.title[lang]),
        ),
      );
  }
  return summary;
}
