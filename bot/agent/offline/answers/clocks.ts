/** "Is a GPU throttling / too hot?": clock-event reasons, temperature and power per GPU. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, subjectOf, verdict } from './common.ts';
import type { Composer } from './types.ts';
import { explain } from './why.ts';

const CLOCKS = TOPIC_RULES.clocks!;

export const clocks: Composer = {
  topic: 'clocks',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: CLOCKS } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], { ...subjectOf(u), rules: CLOCKS });
    const gpus = (r.data.collect_nvidia_smi?.gpus ?? []).filter(
      (g) => g.index !== null && (u.gpus.length === 0 || u.gpus.includes(g.index)),
    );
    const temps = gpus.filter((g) => g.temperatureC !== null);
    const direct: string[] = [];
    const support: string[] = [];
    const hottest = [...temps].sort((a, b) => b.temperatureC! - a.temperatureC!)[0];
    const owner = (i: number) =>
      r.data.collect_nvidia_smi?.workloads.find((w) => w.gpus.includes(i))?.name ?? null;
    const drawing = gpus.filter((g) => g.powerDrawW !== null).sort((a, b) => b.powerDrawW! - a.powerDrawW!);
    const hotAsked = /hot|temp|heat|therm|warm|온도|뜨거|발열|과열|열이/i.test(u.question);
    if (u.why && fs[0]) {
      // "why is GPU 2 so hot?": the cause (heat that is not the load is a cooling problem)
      direct.push(explain(fs[0], r, lang));
      support.push(...evidenceLines(fs[0], 1));
      support.push(`- ${fs[0].recommendation[lang]}`);
    } else if (u.why && hotAsked && u.gpus.length === 1 && gpus[0]?.temperatureC != null) {
      const g = gpus[0]!;
      direct.push(t.clocks.whyWarm(g.index!, g.temperatureC!, g.powerDrawW, g.powerLimitW, g.utilizationPct));
    } else if (drawing.length > 0 && /\bpower\b|\bwatts?\b|전력|와트|소비/i.test(u.question)) {
      // "how much power?": the draws first, then whether anything throttles
      direct.push(
        t.clocks.power(
          host,
          drawing.slice(0, 4).map((g) => ({ gpu: g.index!, draw: g.powerDrawW!, limit: g.powerLimitW })),
        ),
      );
      direct.push(
        fs.length > 0 ? t.sentence(fs.map((f) => f.title[lang]).join('; ')) : t.clocks.none(host, null),
      );
      for (const f of fs.slice(0, 2)) support.push(...evidenceLines(f, 1));
    } else if (hottest && hotAsked) {
      direct.push(
        verdict(u, fs.length > 0, lang) +
          t.clocks.hottest(
            host,
            hottest.index!,
            hottest.temperatureC!,
            owner(hottest.index!),
            temps.length === 1,
          ),
      );
      if (fs.length > 0) direct.push(t.sentence(fs.map((f) => f.title[lang]).join('; ')));
      for (const f of fs.slice(0, 2)) support.push(...evidenceLines(f, 1));
      if (fs[0]) support.push(`- ${fs[0].recommendation[lang]}`);
    } else if (fs.length > 0) {
      direct.push(
        verdict(u, true, lang) +
          t.clocks.found(
            host,
            fs.map((f) => f.title[lang]),
          ),
      );
      for (const f of fs.slice(0, 2)) support.push(...evidenceLines(f, 1));
      support.push(`- ${fs[0]!.recommendation[lang]}`);
    } else if (temps.length === 0 && gpus.every((g) => g.clockEventReasons === null))
      direct.push(t.clocks.noData(host));
    else {
      const hottest = [...temps].sort((a, b) => b.temperatureC! - a.temperatureC!)[0];
      direct.push(
        verdict(u, false, lang) +
          t.clocks.none(host, hottest ? { gpu: hottest.index!, c: hottest.temperatureC! } : null),
      );
    }
    const capped = gpus.filter((g) => g.clockEventReasons?.includes('sw_power_cap'));
    if (capped.length > 0)
      support.push(
        `- ${t.clocks.powerCap(capped.map((g) => ({ gpu: g.index!, draw: g.powerDrawW, limit: g.powerLimitW })))}`,
      );
    const list = [...temps]
      .sort((a, b) => b.temperatureC! - a.temperatureC!)
      .slice(0, u.wantsAll ? temps.length : 4);
    if (list.length > 0)
      support.push(
        `- ${t.clocks.temps(list.map((g) => ({ gpu: g.index!, c: g.temperatureC!, w: g.powerDrawW })))}`,
      );
    return {
      direct,
      support,
      more: null,
      focus: {
        gpus: fs.flatMap((f) => f.gpus).concat(u.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: CLOCKS,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
