/** "The second one", "자세히": one finding in full — detail, every evidence line with its source, impact, fix. */
import { TEXT } from '../text.ts';
import {
  commandLine,
  commandsFor,
  evidenceLines,
  findingItem,
  findingsAbout,
  impactOf,
  moveLine,
  subjectOf,
} from './common.ts';
import type { Composer } from './types.ts';

export const finding: Composer = {
  topic: 'finding',
  calls: (_u, host) => [
    { name: 'find_bottlenecks', input: { host } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const all = r.data.find_bottlenecks?.findings ?? [];
    const s = subjectOf(u);
    const f = findingsAbout(all, s)[0] ?? findingsAbout(all, { ...s, rules: [] })[0];
    if (!f)
      return {
        direct: [t.finding.none(host)],
        support: [],
        more: t.more.overview,
        focus: { gpus: u.gpus, workloads: u.workloads, rules: u.rules, items: [] },
      };
    const direct = [t.finding.head(f.title[lang], t.severity[f.severity], f.rule)];
    const impact = impactOf(f, lang);
    if (impact) direct.push(t.sentence(impact));
    const support = [
      `- ${f.detail[lang]}`,
      ...evidenceLines(f, 4),
      `- ${t.finding.todo(f.recommendation[lang])}`,
    ];
    const plan = r.data.generate_placement;
    const move = plan?.moves.find((m) => f.workloads.includes(m.workload) && m.resolves.includes(f.rule));
    if (plan && move) {
      support.push(moveLine(move, lang));
      for (const c of commandsFor(plan, [move])
        .filter((c) => !c.command.startsWith('qm start') && !c.command.startsWith('qm shutdown'))
        .slice(0, 3))
        support.push(commandLine(c, lang));
    }
    return {
      direct,
      support,
      more: move ? t.more.allCommands(plan!.commands.length) : t.more.overview,
      full: u.wantsDetail,
      focus: { gpus: f.gpus, workloads: f.workloads, rules: [f.rule], items: [findingItem(f, host)] },
    };
  },
};
