/** "How is it?", "상태 어때?": the score, the count of findings, the worst ones, what the plan would bring. */
import { TEXT } from '../text.ts';
import { distinct, findingItem, impactOf, titleOf, verdict } from './common.ts';
import type { Composer } from './types.ts';

export const overview: Composer = {
  topic: 'overview',
  calls: (_u, host) => [
    { name: 'compute_score', input: { host } },
    { name: 'find_bottlenecks', input: { host } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, entry, r }) {
    const t = TEXT[lang];
    const score = r.data.compute_score?.score ?? null;
    const fb = r.data.find_bottlenecks;
    const plan = r.data.generate_placement;
    const findings = distinct(fb?.findings ?? []);
    const bad = (fb?.bySeverity.critical ?? 0) > 0 || (score !== null && !['A', 'B'].includes(score.grade));
    const head = score
      ? t.overview.head(host, score.value, score.grade, t.grade[score.grade], fb?.count ?? 0, fb?.bySeverity)
      : t.overview.noScore(host, r.data.compute_score?.reason?.[lang] ?? '');
    const direct: string[] = [];
    // "which VM is the problem?": the workloads with findings, the worst first
    const byWorkload = [...new Set(findings.flatMap((f) => f.workloads.slice(0, 1)))].map((w) => ({
      w,
      f: findings.find((f) => f.workloads[0] === w)!,
    }));
    const vmOf = (w: string) => entry.workloads.find((x) => x.name === w)?.vmid ?? null;
    if (u.whichWorkload && byWorkload.length > 0) {
      const [top, ...rest] = byWorkload;
      direct.push(t.overview.culprit(vmOf(top!.w), top!.w, titleOf(top!.f, lang), impactOf(top!.f, lang)));
      if (rest.length > 0)
        direct.push(
          t.overview.alsoCulprits(
            rest.slice(0, 3).map((x) => ({ vmid: vmOf(x.w), workload: x.w, title: titleOf(x.f, lang) })),
          ),
        );
      const support = [`- ${head}`];
      return {
        direct,
        support,
        more: t.more.fix,
        focus: {
          gpus: top!.f.gpus,
          workloads: [top!.w],
          rules: [],
          items: byWorkload.map((x) => findingItem(x.f, host)),
        },
      };
    }
    // a yes/no only for a question about the server's state ("is it OK?", "any problems?"), never for one
    // this answer does not address
    const aboutState = u.asksOk || /problem|issue|wrong|trouble|문제|이상|괜찮|상태/i.test(u.question);
    direct.push(`${aboutState ? verdict(u, bad, lang) : ''}${head}`);
    if (findings[0]) {
      const impact = impactOf(findings[0], lang);
      direct.push(t.overview.worst(findings[0].title[lang], impact));
    }
    const shown = findings.slice(1, u.wantsAll ? findings.length : 5);
    const support = shown.map((f) => {
      const impact = impactOf(f, lang);
      return `- ${f.title[lang]}${impact ? ` — ${impact}` : ''}`;
    });
    if (findings.length === 0) support.push(`- ${t.overview.clean()}`);
    if (plan?.scoreAfter && plan.moves.length > 0)
      support.push(
        `- ${t.overview.plan(plan.objective.moves, plan.scoreAfter.value, plan.scoreAfter.grade)}`,
      );
    return {
      direct,
      support,
      more: findings.length > shown.length + 1 ? t.more.allFindings : t.more.overview,
      full: u.wantsAll,
      focus: {
        gpus: [],
        workloads: [],
        rules: [],
        items: findings.slice(0, 5).map((f) => findingItem(f, host)),
      },
    };
  },
};
