/** "Why is training slow?": the slow-making findings, the worst first, with evidence, impact and the fix. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import {
  distinct,
  evidenceLines,
  findingItem,
  findingsAbout,
  hasEntities,
  impactOf,
  movesAbout,
  stays,
  subjectOf,
  titleOf,
  verdict,
} from './common.ts';
import type { Composer } from './types.ts';
import { workloadState } from './workload-state.ts';

const SLOW = TOPIC_RULES.slow!;
const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export const slow: Composer = {
  topic: 'slow',
  calls: (_u, host) => [
    { name: 'find_bottlenecks', input: { host } },
    { name: 'generate_placement', input: { host } },
    { name: 'get_topology', input: { host } },
    { name: 'collect_nvidia_smi', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const s = { ...subjectOf(u), rules: SLOW };
    const all = r.data.find_bottlenecks?.findings ?? [];
    // training first when the question is about training, then the most severe, then the slow-making order
    const training = new Set(
      /train|학습/i.test(u.question)
        ? (r.data.collect_nvidia_smi?.workloads ?? []).filter((w) => w.kind === 'training').map((w) => w.name)
        : [],
    );
    const rank = (f: (typeof all)[number]) =>
      (training.size > 0 && !f.workloads.some((w) => training.has(w)) ? 100 : 0) +
      (SEVERITY_RANK[f.severity] ?? 2) * 10 +
      SLOW.indexOf(f.rule);
    const sorted = distinct(findingsAbout(all, s)).sort((a, b) => rank(a) - rank(b));
    const ofTraining = sorted.filter((f) => f.workloads.some((w) => training.has(w)));
    const found = ofTraining.length > 0 ? ofTraining : sorted;
    const plan = r.data.generate_placement;
    const support: string[] = [];
    const direct: string[] = [];
    if (found.length === 0) {
      const states = u.workloads.map((w) => workloadState(w, r)).filter((x) => x !== null);
      if (states.length > 0)
        for (const st of states.slice(0, 2)) direct.push(`${verdict(u, false, lang)}${t.slow.notSlow(st)}`);
      else direct.push(`${verdict(u, false, lang)}${t.slow.none(host, hasEntities(s) ? u.gpus : [])}`);
      const other = findingsAbout(all, { ...s, rules: [] }).slice(0, 3);
      for (const f of other)
        support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
      return {
        direct,
        support,
        more: t.more.overview,
        focus: {
          gpus: u.gpus,
          workloads: u.workloads,
          rules: SLOW,
          items: other.map((f) => findingItem(f, host)),
        },
      };
    }
    const main = found[0]!;
    const w = main.workloads[0] ?? null;
    direct.push(
      `${verdict(u, true, lang)}${hasEntities(s) && w ? t.slow.mainOf(w, titleOf(main, lang), main.gpus) : t.slow.main(host, main.title[lang], main.gpus, main.workloads.find((x) => !main.title[lang].includes(x)) ?? null)}`,
    );
    const impact = impactOf(main, lang);
    // the impact, or (a hot GPU has no computed impact) what the finding says happens
    direct.push(t.sentence(impact ?? main.detail[lang].split(/(?<=[.!?])\s+/)[0] ?? ''));
    support.push(...evidenceLines(main));
    const shown = found.slice(1, u.wantsAll ? found.length : 4);
    for (const f of shown)
      support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
    if (plan) {
      const move = movesAbout(plan, { gpus: [], workloads: w ? [w] : [], rules: [] })[0];
      const gain = plan.expected.find((g) => w !== null && g.summary.en.startsWith(`${w}:`));
      if (move)
        support.push(
          `- ${t.slow.fix(move.workload, move.to.gpus, move.to.numaNode, gain?.summary[lang].replace(`${w}: `, '') ?? null, stays(move))}`,
        );
    }
    if (!hasEntities(s))
      for (const wl of r.data.get_topology?.workloads ?? [])
        if (wl.allNvlink && !all.some((f) => f.workloads.includes(wl.name) && SLOW.includes(f.rule)))
          support.push(`- ${t.slow.fine(wl.name, wl.gpus, wl.pairs[0]?.kind ?? null)}`);
    const items = [main, ...shown];
    return {
      direct,
      support,
      more: found.length > items.length ? t.more.allFindings : t.more.fix,
      full: u.wantsAll,
      focus: {
        gpus: main.gpus,
        workloads: main.workloads,
        rules: SLOW,
        items: items.map((f) => findingItem(f, host)),
      },
    };
  },
};
