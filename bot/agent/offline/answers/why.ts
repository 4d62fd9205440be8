/**
 * "Why?" after an answer (and "why is GPU 2 so hot?", "7번 gpu 왜 놀아?"): the cause of a finding, from the
 * tools' values — a GPU no VM passes through, a process that holds memory but computes nothing, two GPUs in
 * different NVLink groups, heat that is not the load — then its evidence and what to do.
 */
import type { Lang } from '../../../../scoring/report.ts';
import { gpuRange, TEXT } from '../text.ts';
import { evidenceLines, type Finding, findingsAbout, subjectOf } from './common.ts';
import { gpuViews, pathOf } from './gpus.ts';
import type { Composer, Results } from './types.ts';

const firstSentence = (s: string) => s.split(/(?<=[.!?])\s+/)[0] ?? s;

/** The cause of a finding in one line, from the tool results (its detail when nothing better is known). */
export function explain(f: Finding, r: Results, lang: Lang): string {
  const t = TEXT[lang];
  const c = r.data.collect_nvidia_smi;
  const topo = r.data.get_topology;
  const views = gpuViews(r);
  const g0 = f.gpus[0];
  const v = views.find((x) => x.index === g0);
  switch (f.rule) {
    case 'gpu-idle': {
      if (!v) break;
      const p = v.procs[0];
      if (p)
        return t.why.heldIdle(
          v.index,
          p.pid,
          p.name,
          p.usedMemoryMiB ?? v.gpu.memoryUsedMiB,
          v.gpu.utilizationPct,
        );
      if (v.workloads.length > 0)
        return t.why.workloadIdle(v.index, v.workloads[0]!.name, v.gpu.utilizationPct);
      const vms = (c?.workloads ?? []).filter((w) => w.vmid !== null);
      if (vms.length > 0) return t.why.notPassed(v.index, v.gpu.busId, vms.length);
      return t.why.nothingRuns(v.index, v.gpu.memoryUsedMiB, v.gpu.memoryTotalMiB, v.gpu.utilizationPct);
    }
    case 'nvlink-split': {
      const [a, b] = f.gpus;
      const groupOf = (i: number | undefined) =>
        topo?.nvlinkGroups.find((g) => i !== undefined && g.includes(i)) ?? null;
      if (a === undefined || b === undefined) break;
      return t.why.split(
        a,
        groupOf(a) ? gpuRange(groupOf(a)!) : null,
        b,
        groupOf(b) ? gpuRange(groupOf(b)!) : null,
        pathOf(topo, a, b),
      );
    }
    case 'cross-socket': {
      const [a, b] = f.gpus;
      if (a === undefined || b === undefined) break;
      const node = (i: number) =>
        views.find((x) => x.index === i)?.gpu.numaNode ??
        topo?.gpus.find((g) => g.index === i)?.numaNode ??
        null;
      return t.why.crossSocket(a, node(a), b, node(b), pathOf(topo, a, b));
    }
    case 'clock-throttle': {
      if (!v) break;
      const reasons = v.gpu.clockEventReasons ?? [];
      const thermal = reasons.find((x) => /thermal/.test(x));
      if (thermal)
        return t.why.thermal(v.index, v.gpu.powerDrawW, v.gpu.powerLimitW, v.gpu.temperatureC, thermal);
      if (reasons.some((x) => /power_cap/.test(x)))
        return t.why.powerCap(v.index, v.gpu.powerDrawW, v.gpu.powerLimitW);
      break;
    }
  }
  return firstSentence(f.detail[lang]);
}

export const why: Composer = {
  topic: 'why',
  calls: (_u, host) => [
    { name: 'find_bottlenecks', input: { host } },
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'get_topology', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const all = r.data.find_bottlenecks?.findings ?? [];
    const item = u.item;
    const f =
      (item &&
        all.find(
          (x) =>
            (item.rule === null || x.rule === item.rule) &&
            (item.workloads.length === 0 || item.workloads.some((w) => x.workloads.includes(w))) &&
            (item.gpus.length === 0 || item.gpus.some((g) => x.gpus.includes(g))),
        )) ??
      findingsAbout(all, subjectOf(u))[0] ??
      findingsAbout(all, { ...subjectOf(u), rules: [] })[0];
    const keep = u.previous ?? { topic: 'overview' as const, items: [] };
    if (!f)
      return {
        direct: [t.why.none(host)],
        support: [],
        more: t.more.overview,
        focus: { topic: keep.topic, gpus: u.gpus, workloads: u.workloads, rules: u.rules, items: keep.items },
      };
    const support = [...evidenceLines(f, 2), `- ${f.recommendation[lang]}`];
    return {
      direct: [explain(f, r, lang)],
      support,
      more: t.more.fix,
      focus: {
        topic: keep.topic,
        gpus: f.gpus,
        workloads: f.workloads,
        rules: [f.rule],
        items: keep.items.length > 0 ? keep.items : [],
      },
    };
  },
};
