/**
 * "What should I change first?", "제일 급한 거 뭐야?": the most severe findings first. A hardware problem
 * (a downtrained link, a throttling GPU, memory errors) is checked before anything is moved; otherwise the
 * move that resolves the worst finding, with its commands and the steps those depend on.
 */
import type { FocusItem } from '../focus.ts';
import { TEXT } from '../text.ts';
import {
  commandLine,
  commandsFor,
  dependencyNote,
  distinct,
  findingItem,
  impactOf,
  moveItem,
  stays,
  titleOf,
  withDisplaced,
} from './common.ts';
import { HARDWARE } from './gpus.ts';
import type { Composer } from './types.ts';

const RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export const first: Composer = {
  topic: 'first',
  calls: (_u, host) => [
    { name: 'find_bottlenecks', input: { host } },
    { name: 'generate_placement', input: { host } },
    { name: 'collect_nvidia_smi', input: { host } },
  ],
  compose({ lang, host, r }) {
    const t = TEXT[lang];
    const all = distinct(r.data.find_bottlenecks?.findings ?? []).filter((f) => f.severity !== 'info');
    const plan = r.data.generate_placement;
    const gpus = r.data.collect_nvidia_smi?.gpus ?? [];
    const temp = (i: number | undefined) => gpus.find((g) => g.index === i)?.temperatureC ?? null;
    const direct: string[] = [];
    const support: string[] = [];
    if (all.length === 0) {
      direct.push(t.first.nothing(host));
      return {
        direct,
        support,
        more: t.more.overview,
        focus: { gpus: [], workloads: [], rules: [], items: [] },
      };
    }
    const sorted = [...all].sort(
      (a, b) =>
        (RANK[a.severity] ?? 2) - (RANK[b.severity] ?? 2) ||
        Number(!HARDWARE.includes(a.rule)) - Number(!HARDWARE.includes(b.rule)),
    );
    const top = sorted.filter((f) => f.severity === sorted[0]!.severity);
    const hardware = top.filter((f) => HARDWARE.includes(f.rule));
    const moveOf = (f: (typeof all)[number]) =>
      plan?.moves.find((m) => m.resolves.includes(f.rule) && f.workloads.includes(m.workload)) ?? null;
    const items: FocusItem[] = [];
    if (hardware.length > 0) {
      // hardware first: nothing should be moved onto a GPU that is failing
      direct.push(
        t.first.hardware(
          hardware.slice(0, 2).map((f) => ({
            title: f.title[lang],
            impact: impactOf(f, lang),
            temp: f.rule === 'clock-throttle' ? temp(f.gpus[0]) : null,
          })),
          sorted[0]!.severity === 'critical',
        ),
      );
      for (const f of hardware.slice(0, 2)) support.push(`- ${f.recommendation[lang]}`);
      items.push(...hardware.map((f) => findingItem(f, host)));
      const next = sorted.find((f) => !HARDWARE.includes(f.rule) && moveOf(f));
      if (next && plan) {
        const m = moveOf(next)!;
        support.push(`- ${t.first.next(m.workload, m.vmid, m.to.gpus, titleOf(next, lang), stays(m))}`);
        items.push(findingItem(next, host));
      }
    } else {
      const f = top[0]!;
      const m = moveOf(f);
      if (m && plan) {
        direct.push(
          t.first.move(
            { workload: m.workload, vmid: m.vmid, to: m.to.gpus, stays: stays(m) },
            titleOf(f, lang),
            impactOf(f, lang),
            top.length === 1 && f.severity === 'critical',
          ),
        );
        const moves = withDisplaced(plan, [m]);
        const note = dependencyNote(plan, [m], lang);
        if (note) direct.push(note);
        for (const c of commandsFor(plan, moves)) support.push(commandLine(c, lang));
        items.push(findingItem(f, host), ...moves.filter((x) => x !== m).map((x) => moveItem(x, host)));
      } else {
        direct.push(t.first.finding(f.title[lang], impactOf(f, lang)));
        support.push(`- ${f.recommendation[lang]}`);
        items.push(findingItem(f, host));
      }
    }
    const rest = sorted.filter(
      (f) => !items.some((i) => i.rule === f.rule && i.workloads.join() === f.workloads.join()),
    );
    if (rest[0]) support.push(`- ${t.first.after(rest.slice(0, 2).map((f) => f.title[lang]))}`);
    return {
      direct,
      support,
      // several hosts: the one with the most severe problems first
      rank: all.filter((f) => f.severity === 'critical').length * 10 + hardware.length,
      more: plan && plan.commands.length > 0 ? t.more.allCommands(plan.commands.length) : t.more.overview,
      focus: {
        gpus: items[0]?.gpus ?? [],
        workloads: items[0]?.workloads ?? [],
        rules: items[0]?.rule ? [items[0].rule] : [],
        items,
      },
    };
  },
};
