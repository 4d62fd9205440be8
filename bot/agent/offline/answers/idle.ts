/** "Which GPUs are idle?": unallocated or idle GPUs, whole GPUs held by small jobs, and what the plan frees. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, impactOf, subjectOf, verdict } from './common.ts';
import type { Composer } from './types.ts';

const IDLE = TOPIC_RULES.idle!;

export const idle: Composer = {
  topic: 'idle',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: [...IDLE, 'io-bound'] } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const gpus = r.data.collect_nvidia_smi?.gpus ?? [];
    const util = (i: number) => gpus.find((g) => g.index === i)?.utilizationPct ?? null;
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], { ...subjectOf(u), rules: IDLE });
    const idleFs = fs.filter((f) => f.rule === 'gpu-idle');
    const small = fs.filter((f) => f.rule === 'mig-candidate' || f.rule === 'share-candidate');
    const under = fs.filter((f) => f.rule === 'memory-underuse');
    // training GPUs that wait on their input are busy on paper and idle in fact
    const waiting = findingsAbout(r.data.find_bottlenecks?.findings ?? [], {
      ...subjectOf(u),
      rules: ['io-bound'],
    });
    const direct: string[] = [];
    const support: string[] = [];
    if (/busiest|most (?:busy|used|loaded)|바빠|바쁜|높/i.test(u.question)) {
      // "which GPU is the busiest?": the other end of the same data
      const top = gpus
        .filter((g) => g.index !== null && g.utilizationPct !== null)
        .sort((a, b) => b.utilizationPct! - a.utilizationPct!)
        .slice(0, 3);
      const owner = (i: number) =>
        r.data.collect_nvidia_smi?.workloads.find((w) => w.gpus.includes(i))?.name ?? null;
      if (top.length > 0)
        direct.push(
          t.idle.busiest(
            host,
            top.map((g) => ({ gpu: g.index!, util: g.utilizationPct!, workload: owner(g.index!) })),
          ),
        );
    }
    if (idleFs.length > 0)
      direct.push(
        `${verdict(u, true, lang)}${t.idle.idle(
          host,
          idleFs.map((f) => ({ title: f.title[lang], util: f.gpus.map(util) })),
        )}`,
      );
    if (small.length > 0)
      direct.push(
        (idleFs.length === 0 ? verdict(u, true, lang) : '') +
          t.idle.small(
            small.map((f) => ({
              gpu: f.gpus[0] ?? null,
              workload: f.workloads[0] ?? null,
              util: f.gpus[0] === undefined ? null : util(f.gpus[0]),
              fits: String(f.impact?.figures.profile ?? ''),
              shareGB: (f.impact?.figures.share_GB as number | undefined) ?? null,
              mig: f.rule === 'mig-candidate',
            })),
          ),
      );
    if (direct.length === 0) {
      const busy = gpus.filter((g) => g.utilizationPct !== null && g.index !== null);
      const lowest = [...busy].sort((a, b) => a.utilizationPct! - b.utilizationPct!)[0];
      direct.push(
        `${verdict(u, false, lang)}${
          busy.length === 0
            ? t.idle.noData(host)
            : t.idle.none(host, lowest ? { gpu: lowest.index!, util: lowest.utilizationPct! } : null)
        }`,
      );
    }
    if (idleFs[0]) {
      support.push(...evidenceLines(idleFs[0], 1));
      const impact = impactOf(idleFs[0], lang);
      if (impact) support.push(`- ${impact}`);
    }
    for (const f of [...small, ...under, ...waiting].slice(0, 4))
      support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
    const plan = r.data.generate_placement;
    if (plan) {
      const freed = plan.expected.find((g) => g.model === 'gpus-freed');
      const idleGpus = idleFs.flatMap((f) => f.gpus);
      const onIdle = plan.moves.filter((m) => m.to.gpus.some((g) => idleGpus.includes(g)));
      for (const m of onIdle) support.push(`- ${t.idle.planUses(m.workload, m.to.gpus)}`);
      if (freed) support.push(`- ${t.idle.planFrees(freed.summary[lang])}`);
    }
    return {
      direct,
      support,
      more: t.more.fix,
      focus: {
        gpus: fs.flatMap((f) => f.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: IDLE,
        items: [...idleFs, ...small, ...under].map((f) => findingItem(f, host)),
      },
    };
  },
};
