/** "Why is the score C?": the score, its three components with weights and the GPUs that pull each down. */
import { TEXT } from '../text.ts';
import { distinct, findingItem } from './common.ts';
import type { Composer } from './types.ts';

const IO_RULES = ['nvlink-split', 'cross-socket', 'pcie-downtrained'];

export const score: Composer = {
  topic: 'score',
  calls: (_u, host) => [
    { name: 'compute_score', input: { host } },
    { name: 'find_bottlenecks', input: { host } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ lang, host, r }) {
    const t = TEXT[lang];
    const cs = r.data.compute_score;
    const findings = distinct(r.data.find_bottlenecks?.findings ?? []);
    if (!cs?.score)
      return {
        direct: [t.score.none(host, cs?.reason?.[lang] ?? r.errors.compute_score ?? '')],
        support: [],
        more: null,
        focus: { gpus: [], workloads: [], rules: [], items: [] },
      };
    const { value, grade, components: c, basis } = cs.score;
    const parts: [keyof typeof c, number | null][] = [
      ['gpu', c.gpu],
      ['numa', c.numa],
      ['io', c.io],
    ];
    const weakest = parts
      .filter((p): p is [keyof typeof c, number] => p[1] !== null)
      .sort((a, b) => a[1] - b[1])[0]!;
    const direct = [t.score.head(host, value, grade, t.grade[grade], weakest[0], weakest[1], c)];
    const alloc = cs.gpus.filter((g) => g.allocated);
    const support: string[] = [];
    const low = [...alloc].sort((a, b) => (a.gpuPart ?? 0) - (b.gpuPart ?? 0)).slice(0, 3);
    support.push(
      `- ${t.score.gpuLine(
        c.gpu,
        cs.weights.gpu,
        basis.gpus,
        low.map((g) => ({ gpu: g.index, util: g.utilizationPct, workload: g.workloads[0] ?? null })),
      )}`,
    );
    if (c.numa !== null) {
      const off = alloc.filter((g) => g.numaPart !== null && g.numaPart < 1);
      support.push(
        `- ${t.score.numaLine(
          c.numa,
          cs.weights.numa,
          basis.numaGpus,
          off.map((g) => g.index),
        )}`,
      );
    }
    if (c.io !== null) {
      const off = alloc.filter((g) => g.ioPart !== null && g.ioPart < 1).map((g) => g.index);
      const why = findings.filter((f) => IO_RULES.includes(f.rule) && f.gpus.some((g) => off.includes(g)));
      support.push(
        `- ${t.score.ioLine(c.io, cs.weights.io, basis.ioGpus, off, why[0]?.title[lang] ?? null)}`,
      );
    }
    support.push(`- ${t.score.scale(cs.gradeScale)}`);
    const plan = r.data.generate_placement;
    if (plan?.scoreAfter && plan.moves.length > 0)
      support.push(`- ${t.score.after(plan.objective.moves, plan.scoreAfter.value, plan.scoreAfter.grade)}`);
    return {
      direct,
      support,
      more: t.more.fix,
      focus: {
        gpus: [],
        workloads: [],
        rules: [],
        items: findings.slice(0, 6).map((f) => findingItem(f, host)),
      },
    };
  },
};
