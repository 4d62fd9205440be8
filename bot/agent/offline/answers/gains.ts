/** "How much faster will it be?": the plan's computed gains (all-reduce time, score, NUMA bandwidth, GPUs freed). */
import { TEXT } from '../text.ts';
import { hasEntities, moveItem, movesAbout, subjectOf } from './common.ts';
import type { Composer } from './types.ts';

export const gains: Composer = {
  topic: 'gains',
  calls: (_u, host) => [
    { name: 'generate_placement', input: { host } },
    { name: 'find_bottlenecks', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const plan = r.data.generate_placement;
    if (!plan)
      return {
        direct: [t.fix.noPlan(host, r.errors.generate_placement ?? '')],
        support: [],
        more: null,
        focus: { gpus: [], workloads: [], rules: [], items: [] },
      };
    const s = subjectOf(u);
    const moves = hasEntities(s) ? movesAbout(plan, { ...s, rules: [] }) : plan.moves;
    const mine = (summary: string) =>
      !hasEntities(s) || moves.some((m) => summary.startsWith(`${m.workload}:`));
    const speed = plan.expected.filter((g) => g.model === 'ring-allreduce' && mine(g.summary.en));
    const score = plan.expected.find((g) => g.model === 'efficiency-score');
    const direct: string[] = [];
    // for one workload: what its own move brings (the impact of the findings the move resolves)
    const own = hasEntities(s)
      ? (r.data.find_bottlenecks?.findings ?? []).filter((f) =>
          moves.some((m) => f.workloads.includes(m.workload) && m.resolves.includes(f.rule) && f.impact),
        )
      : [];
    if (plan.moves.length === 0) direct.push(t.gains.nothing(host));
    else if (hasEntities(s) && !speed[0] && own[0]) {
      for (const f of own.slice(0, 2))
        direct.push(t.sentence(`${f.workloads[0]}: ${f.impact!.summary[lang]}`));
    } else if (speed[0]) {
      direct.push(t.sentence(speed[0].summary[lang]));
      if (score) direct.push(t.gains.score(host, score.summary[lang]));
    } else if (score) direct.push(t.gains.score(host, score.summary[lang]));
    const support = plan.expected
      .filter((g) => !direct.some((d) => d.toLowerCase().includes(g.summary[lang].toLowerCase())))
      .filter((g) => g.model !== 'ring-allreduce' || mine(g.summary.en))
      .map((g) => `- ${g.summary[lang]}`);
    if (hasEntities(s) && moves.length === 0 && plan.moves.length > 0)
      support.unshift(`- ${t.gains.notMoved(u.workloads, u.gpus)}`);
    if (plan.moves.length > 0)
      support.push(`- ${t.gains.cost(plan.objective.moves, plan.commands.filter((c) => c.downtime).length)}`);
    return {
      direct,
      support,
      more: plan.moves.length > 0 ? t.more.fix : null,
      focus: {
        gpus: moves.flatMap((m) => m.to.gpus),
        workloads: moves.map((m) => m.workload),
        rules: [],
        items: moves.map((m) => moveItem(m, host)),
      },
    };
  },
};
