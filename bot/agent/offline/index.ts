/**
 * The offline analyst: the product without an LLM. It understands the question (topic, host, GPUs, VMs,
 * workloads, yes/no, follow-ups through the previous answer's focus), calls the same tools Claude uses
 * through the same runner, and writes a short answer from their results with the composer of that topic:
 * the direct answer first, then the evidence, then where to get more. Every number in it is copied from a
 * tool result, so it is grounded by construction.
 */
import type { Lang } from '../../../scoring/report.ts';
import type { ListHostsResult } from '../../../tools/agent/tools/list-hosts.ts';
import type { ToolCall, ToolContext, ToolRunner } from '../../../tools/agent/types.ts';
import { questionIdentities } from '../identities.ts';
import { HARDWARE } from './answers/gpus.ts';
import { historyAnswer, isHistoryQuestion } from './answers/history.ts';
import {
  type Composed,
  type Composer,
  compareHosts,
  composerFor,
  fleetSummary,
  limited,
  NEEDS_UTILISATION,
  type Results,
  type ToolName,
} from './answers/index.ts';
import type { Call, Finding } from './answers/types.ts';
import { isWindowQuestion, windowAnswer } from './answers/window.ts';
import { type Focus, parseFocus } from './focus.ts';
import { render } from './render.ts';
import { polish, TEXT } from './text.ts';
import { type Known, type Understanding, understand } from './understand.ts';

export { Focus, parseFocus } from './focus.ts';
export { type Understanding, understand } from './understand.ts';

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

/** Topics answered host by host when several hosts are loaded and none is named. */
const PER_HOST_LIMIT = 3;

class Calls {
  readonly done: ToolCall[] = [];
  /** no host has a workload: there is nothing to place, so generate_placement is not called. */
  noWorkloads = false;
  constructor(private readonly req: OfflineRequest) {}

  async run(calls: readonly Call[]): Promise<Results> {
    const r: Results = { data: {}, errors: {} };
    for (const c of calls) {
      if (c.name === 'generate_placement' && this.noWorkloads) continue;
      const outcome = await this.req.runner.run(c.name, c.input, this.req.ctx);
      this.done.push({ name: c.name, input: c.input, outcome });
      if (outcome.status === 'success') (r.data as Record<ToolName, unknown>)[c.name] = outcome.data;
      else r.errors[c.name] = outcome.error;
    }
    return r;
  }
}

function knownOf(list: ListHostsResult): Known {
  return {
    hosts: list.hosts.map((h) => h.host),
    workloads: list.hosts.flatMap((h) =>
      h.workloads.map((w) => ({ name: w.name, host: h.host, vmid: w.vmid, gpus: w.gpus })),
    ),
  };
}

function focusOf(u: Understanding, host: string | null, c: Composed): Focus {
  return {
    v: 1,
    topic: c.focus.topic ?? u.topic,
    host,
    gpus: [...new Set(c.focus.gpus)].slice(0, 64),
    workloads: [...new Set(c.focus.workloads)].slice(0, 64),
    rules: [...new Set(c.focus.rules)].slice(0, 20),
    items: c.focus.items.slice(0, 40),
  };
}

/** The composer for a host: the limited one when the inputs cannot answer a question that needs utilisation. */
function composerOf(u: Understanding, entry: ListHostsResult['hosts'][number]): Composer {
  // a fix of a named subject (a pending row remap) needs no utilisation
  const subject = u.rules.length > 0 || u.gpus.length > 0 || u.workloads.length > 0;
  if (entry.score === null && NEEDS_UTILISATION.includes(u.topic) && !(u.topic === 'fix' && subject))
    return limited;
  return composerFor(u.topic);
}

async function answerHost(
  u: Understanding,
  host: string,
  list: ListHostsResult,
  lang: Lang,
  calls: Calls,
): Promise<Composed> {
  const entry = list.hosts.find((h) => h.host === host) ?? list.hosts[0]!;
  const composer = composerOf(u, entry);
  const r = await calls.run(composer.calls(u, host, lang));
  return composer.compose({ u, lang, host, entry, r });
}

/** Several hosts, none named: each host's direct answer (a few hosts), or the fleet summary. */
async function answerFleet(
  u: Understanding,
  list: ListHostsResult,
  lang: Lang,
  calls: Calls,
): Promise<Composed> {
  const fleetTopics = ['overview', 'score', 'compare', 'change', 'fix', 'finding'];
  if (fleetTopics.includes(u.topic) || list.hosts.length > PER_HOST_LIMIT) return fleetSummary(u, lang, list);
  const parts: { host: string; c: Composed }[] = [];
  for (const h of list.hosts) parts.push({ host: h.host, c: await answerHost(u, h.host, list, lang, calls) });
  // "where should a new job go?": the host with room first
  if (parts.some((p) => p.c.rank !== undefined)) parts.sort((a, b) => (b.c.rank ?? 0) - (a.c.rank ?? 0));
  const t = TEXT[lang];
  // every line says which host it is about
  const named = (host: string, line: string) => (line.includes(host) ? line : `${host}: ${line}`);
  const bullet = (host: string, line: string) => `- ${named(host, line.replace(/^- /, ''))}`;
  return {
    direct: parts.map((p) => named(p.host, p.c.direct[0] ?? '')),
    support: [
      ...new Set(
        parts.flatMap((p) =>
          [...p.c.direct.slice(1), ...p.c.support.slice(0, 2)].map((l) => bullet(p.host, l)),
        ),
      ),
    ],
    more: t.more.fleet(list.hosts[0]!.host),
    focus: {
      gpus: [],
      workloads: [],
      rules: parts.flatMap((p) => p.c.focus.rules),
      items: parts.flatMap((p) => p.c.focus.items),
    },
  };
}

/** The hardware findings of the hosts that have critical ones (a comparison says which host is urgent). */
async function urgentFindings(list: ListHostsResult, calls: Calls): Promise<Map<string, Finding[]>> {
  const out = new Map<string, Finding[]>();
  if (list.hosts.length < 2) return out;
  for (const h of list.hosts.filter((x) => x.findings.critical > 0).slice(0, PER_HOST_LIMIT)) {
    const r = await calls.run([{ name: 'find_bottlenecks', input: { host: h.host, rules: HARDWARE } }]);
    const fs = (r.data.find_bottlenecks?.findings ?? []).filter((f) => f.severity === 'critical');
    if (fs.length > 0) out.set(h.host, fs);
  }
  return out;
}

export async function offlineAnswer(req: OfflineRequest): Promise<OfflineAnswer> {
  const { question, lang } = req;
  const t = TEXT[lang];
  const previous = parseFocus(req.focus);
  const calls = new Calls(req);

  // off-topic needs no tool
  const first = understand(question, { hosts: req.hosts, workloads: [] }, previous);
  if (first.offTopic) return { text: t.offTopic, calls: [], focus: previous };
  // what the GPUs did over a window (yesterday, this week): the host's Prometheus, when it has one
  if (isWindowQuestion(question)) {
    const w = await windowAnswer(req);
    if (w) return { text: polish(w.text, lang), calls: w.calls, focus: previous };
  }
  // a host's score over time: the inventory's history (hosts from files have none, and it says so)
  if (
    isHistoryQuestion(question) &&
    (req.ctx.session.inventoryHosts().length > 0 || /\bscores?\b|\bgrades?\b|점수|등급/i.test(question))
  ) {
    const h = await historyAnswer(req);
    return { text: polish(h.text, lang), calls: h.calls, focus: previous };
  }

  const listed = await calls.run([{ name: 'list_hosts', input: {} }]);
  const list = listed.data.list_hosts;
  if (!list || list.hosts.length === 0) {
    const why = listed.errors.list_hosts ?? '';
    const head = why.startsWith('none of the inputs could be read')
      ? t.unreadable(why.replace(/^none of the inputs could be read: /, ''))
      : t.noData;
    return { text: polish(`${head}\n\n${t.noDataMore}`, lang), calls: calls.done, focus: previous };
  }
  calls.noWorkloads = list.hosts.every((h) => h.workloads.length === 0);

  const u = understand(question, knownOf(list), previous);
  const hosts = list.hosts.map((h) => h.host);
  if (u.offTopic) return { text: t.offTopic, calls: calls.done, focus: previous };
  // a definition, or data InfraLens never collects, needs no host: said once, with the first host's facts
  if ((u.topic === 'absent' || u.topic === 'define') && u.host === null && hosts.length > 1)
    u.host = hosts[0]!;
  if (u.unknownHosts.length > 0 && !u.hostNamed) {
    // the name as typed, when the grounding lets an answer repeat it (a host-like name, not "node7")
    const typed = new Set(questionIdentities(question).map((x) => x.toLowerCase()));
    const asked = u.unknownHosts.find((h) => typed.has(h.toLowerCase())) ?? null;
    const text = `${t.unknownHost(asked, hosts)}\n\n${t.unknownHostMore(hosts)}`;
    return { text, calls: calls.done, focus: previous };
  }

  let composed: Composed;
  let host: string | null = u.host;
  if (u.topic === 'compare') {
    // "summarise all servers": the summary, not a ranking
    const summary =
      /요약|정리|summar|overview|all (?:the |my |our )?(?:servers|hosts|nodes)|every (?:server|host)|전체\s*(?:서버|호스트|현황)|모든\s*(?:서버|호스트)/i.test(
        u.question,
      ) && !/비교|compar|\bvs\b|worse|better|worst|best|나쁜|좋은|어느|which/i.test(u.question);
    composed = summary
      ? fleetSummary(u, lang, list)
      : compareHosts(u, lang, list, await urgentFindings(list, calls));
    host = null;
  } else if (u.topic === 'report' && !u.hostNamed && hosts.length > 1) {
    // a report of every host unless one is named
    host = null;
    composed = await answerHost({ ...u, host: null }, hosts[0]!, list, lang, calls);
  } else if (host === null && u.topic === 'report') {
    composed = await answerHost(u, hosts[0]!, list, lang, calls);
  } else if (host === null) {
    composed = await answerFleet(u, list, lang, calls);
  } else {
    composed = await answerHost(u, host, list, lang, calls);
  }
  // an inventory host's facts are its last collection's: say when that was
  const collected = host ? list.hosts.find((h) => h.host === host)?.collected : null;
  const when = collected?.source === 'inventory' ? `\n\n${t.collected(host!, collected.minutesAgo)}` : '';
  return {
    text: polish(render(composed) + when, lang),
    calls: calls.done,
    focus: focusOf(u, host, composed),
  };
}
