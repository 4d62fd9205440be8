/** "Is any GPU running out of memory?": VRAM ≥ 95 % (OOM risk), oversized GPUs, the fullest GPUs. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, impactOf, subjectOf, verdict } from './common.ts';
import type { Composer } from './types.ts';

const MEMORY = TOPIC_RULES.memory!;

export const memory: Composer = {
  topic: 'memory',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: MEMORY } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const s = { ...subjectOf(u), rules: MEMORY };
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], s);
    const pressure = fs.filter((f) => f.rule === 'memory-pressure');
    const under = fs.filter((f) => f.rule === 'memory-underuse');
    const all = (r.data.collect_nvidia_smi?.gpus ?? []).filter((g) => g.index !== null);
    const gpus = all.filter((g) => u.gpus.length === 0 || u.gpus.includes(g.index!));
    const known = gpus.filter((g) => g.memoryUsedMiB !== null && g.memoryTotalMiB !== null);
    const owner = (i: number) =>
      r.data.collect_nvidia_smi?.workloads.find((w) => w.gpus.includes(i))?.name ?? null;
    const direct: string[] = [];
    const support: string[] = [];
    if (pressure.length > 0) {
      const f = pressure[0]!;
      direct.push(verdict(u, true, lang) + t.memory.pressure(host, f.title[lang], f.workloads[0] ?? null));
      direct.push(t.sentence(f.detail[lang].split(/(?<=[.!?])\s+/)[0] ?? ''));
      support.push(...evidenceLines(f, 1));
      if (impactOf(f, lang)) support.push(`- ${impactOf(f, lang)}`);
      support.push(`- ${f.recommendation[lang]}`);
    } else if (known.length === 0) direct.push(t.memory.noData(host));
    else {
      const fullest = [...known].sort(
        (a, b) => b.memoryUsedMiB! / b.memoryTotalMiB! - a.memoryUsedMiB! / a.memoryTotalMiB!,
      )[0]!;
      direct.push(
        verdict(u, false, lang) +
          t.memory.none(host, u.gpus.length > 0 ? u.gpus : null, {
            gpu: fullest.index!,
            used: fullest.memoryUsedMiB!,
            total: fullest.memoryTotalMiB!,
            workload: owner(fullest.index!),
          }),
      );
    }
    for (const f of [...pressure.slice(1), ...under].slice(0, 3))
      support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
    const top = [...known]
      .sort((a, b) => b.memoryUsedMiB! - a.memoryUsedMiB!)
      .slice(0, u.wantsAll ? known.length : 4);
    if (top.length > 0)
      support.push(
        `- ${t.memory.list(top.map((g) => ({ gpu: g.index!, used: g.memoryUsedMiB!, total: g.memoryTotalMiB! })))}`,
      );
    return {
      direct,
      support,
      more: pressure.length > 0 ? t.more.overview : null,
      focus: {
        gpus: fs.flatMap((f) => f.gpus).concat(u.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: MEMORY,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
