/** "Which GPUs are connected by NVLink?", "Is NVLink used properly?": groups, pairs, the jobs that span them. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import {
  distinct,
  evidenceLines,
  findingItem,
  findingsAbout,
  impactOf,
  subjectOf,
  verdict,
  workloadItem,
} from './common.ts';
import type { Composer } from './types.ts';

const NVLINK = TOPIC_RULES.nvlink!;

export const nvlink: Composer = {
  topic: 'nvlink',
  calls: (_u, host) => [
    { name: 'get_topology', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: NVLINK } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const topo = r.data.get_topology;
    if (!topo)
      return {
        direct: [t.failed(r.errors.get_topology ?? '')],
        support: [],
        more: null,
        focus: { gpus: [], workloads: [], rules: NVLINK, items: [] },
      };
    const s = { ...subjectOf(u), rules: NVLINK };
    const fs = distinct(findingsAbout(r.data.find_bottlenecks?.findings ?? [], s));
    const kindOf = (a: number, b: number) =>
      topo.pairs.find(
        (p) => (p.a === `GPU${a}` && p.b === `GPU${b}`) || (p.a === `GPU${b}` && p.b === `GPU${a}`),
      )?.raw ?? null;
    const groups = topo.nvlinkGroups;
    const inGroup = [
      ...new Set(groups.flatMap((g) => g.flatMap((a) => g.filter((b) => b > a).map((b) => kindOf(a, b))))),
    ].filter((k): k is string => k?.startsWith('NV') === true);
    const groupOf = (i: number) => groups.find((g) => g.includes(i)) ?? null;
    const across = [
      ...new Set(
        topo.pairs
          .filter((p) => {
            const [a, b] = [Number(p.a.slice(3)), Number(p.b.slice(3))];
            return groupOf(a) === null || groupOf(a) !== groupOf(b);
          })
          .map((p) => p.raw),
      ),
    ];
    const multi = topo.workloads;
    const direct: string[] = [];
    const support: string[] = [];
    const named = multi.filter((w) => u.workloads.includes(w.name));
    let groupsShown = false;
    if (topo.pairs.length === 0) direct.push(t.nvlink.noLinks(host));
    else if (u.gpus.length >= 2) {
      const pairs = u.gpus.flatMap((a, i) => u.gpus.slice(i + 1).map((b) => ({ a, b, kind: kindOf(a, b) })));
      const allNv = pairs.every((p) => p.kind?.startsWith('NV'));
      direct.push(verdict({ ...u, asksOk: true }, !allNv, lang) + t.nvlink.pairs(pairs));
    } else if (u.gpus.length === 1) {
      const g = u.gpus[0]!;
      direct.push(t.nvlink.gpuGroup(host, g, groupOf(g), inGroup));
    } else if (named.length > 0) {
      for (const w of named.slice(0, 2))
        direct.push(
          verdict({ ...u, asksOk: true }, !w.allNvlink, lang) +
            t.nvlink.workload(w.name, w.pairs, w.allNvlink),
        );
    } else if (u.workloads.length > 0) {
      direct.push(t.nvlink.single(u.workloads[0]!));
    } else if (u.yesNo || /\bjobs?\b|workloads?|training|작업|워크로드|학습/i.test(u.question)) {
      // "is NVLink used properly?", "which job crosses sockets?": the jobs, split or not
      if (!topo.hasNvlink && u.asksOk && fs.length === 0 && topo.gpus.length > 1) {
        // "is this topo OK?" on a PCIe box: no NVLink is normal there; what matters is where the GPUs sit
        const nodes = [...new Set(topo.gpus.map((g) => g.numaNode))].filter((n): n is number => n !== null);
        const kinds = (same: boolean) => [
          ...new Set(
            topo.pairs
              .filter((p) => {
                const a = topo.gpus.find((g) => `GPU${g.index}` === p.a)?.numaNode;
                const b = topo.gpus.find((g) => `GPU${g.index}` === p.b)?.numaNode;
                return a !== undefined && b !== undefined && a !== null && (a === b) === same;
              })
              .map((p) => p.raw),
          ),
        ];
        const near = [...new Set(topo.nics.flatMap((n) => n.nearestGpus))];
        const far = topo.gpus.map((g) => `GPU${g.index}`).filter((g) => !near.includes(g));
        const farPath = [
          ...new Set(
            topo.nics.flatMap((n) => n.gpuPaths.filter((p) => far.includes(p.gpu)).map((p) => p.path)),
          ),
        ];
        direct.push(
          verdict({ ...u, asksOk: true }, false, lang) +
            t.nvlink.pcieBox(
              topo.gpus.length,
              nodes.map((n) => ({
                node: n,
                gpus: topo.gpus.filter((g) => g.numaNode === n).map((g) => g.index),
              })),
              kinds(true),
              kinds(false),
            ),
        );
        if (topo.nics.length > 0)
          direct.push(
            t.nvlink.pcieNics(
              topo.nics.map((n) => n.device ?? n.id),
              near,
              far,
              farPath.length === 1 ? farPath[0]! : null,
            ),
          );
        groupsShown = true;
      } else if (!topo.hasNvlink)
        direct.push(verdict({ ...u, asksOk: true }, true, lang) + t.nvlink.noNvlink(host, across));
      else if (fs[0]) {
        const f = fs[0];
        const w = multi.find((x) => f.workloads.includes(x.name));
        direct.push(
          verdict(u, true, lang) +
            t.nvlink.split(
              f.workloads[0] ?? '',
              f.gpus,
              w?.pairs.find((p) => !p.kind?.startsWith('NV'))?.kind ?? null,
              impactOf(f, lang),
            ),
        );
        const fine = multi.filter((x) => x.allNvlink);
        if (fine.length > 0) direct.push(t.nvlink.fine(fine.map((x) => ({ name: x.name, pairs: x.pairs }))));
      } else if (multi.length > 0)
        direct.push(
          verdict(u, false, lang) +
            t.nvlink.allGood(
              multi.map((w) => ({ name: w.name, gpus: w.gpus, kind: w.pairs[0]?.kind ?? null })),
            ),
        );
      // no job on the GPUs, and no utilisation either: the inputs cannot say what runs (a topology-only
      // upload), not that nothing runs
      else if (
        topo.gpus.every((g) => g.workloads.length === 0) &&
        topo.missing.some((m) => m.startsWith('utilisation'))
      )
        direct.push(t.nvlink.jobsUnknown(host));
      else direct.push(t.nvlink.unused(host));
    } else {
      groupsShown = topo.hasNvlink;
      direct.push(
        topo.hasNvlink ? t.nvlink.groups(host, groups, inGroup, across) : t.nvlink.noNvlink(host, across),
      );
    }
    // the other half of the picture: the groups when a job was asked about, the jobs when the groups were
    if (topo.hasNvlink && !groupsShown) support.push(`- ${t.nvlink.groups(host, groups, inGroup, across)}`);
    for (const w of multi.slice(0, 4)) {
      const numa = w.numaNodes.filter((n) => n !== null);
      support.push(`- ${t.nvlink.workloadShort(w.name, w.pairs, numa)}`);
    }
    if (fs[0]) {
      const w0 = fs[0].workloads[0];
      if (w0 === undefined || !direct.some((d) => d.includes(w0)))
        support.push(`- ${fs[0].title[lang]} — ${impactOf(fs[0], lang) ?? ''}`);
      support.push(...evidenceLines(fs[0], 1));
      const plan = r.data.generate_placement;
      const move = plan?.moves.find((m) => fs[0]!.workloads.includes(m.workload));
      const gain = plan?.expected.find(
        (g) => g.model === 'ring-allreduce' && move && g.summary.en.startsWith(`${move.workload}:`),
      );
      if (move)
        support.push(
          `- ${t.nvlink.fix(move.workload, move.to.gpus, gain?.summary[lang].replace(`${move.workload}: `, '') ?? null)}`,
        );
    }
    for (const m of topo.missing) support.push(`- ${t.missing(m)}`);
    const items =
      fs.length > 0
        ? fs.map((f) => findingItem(f, host))
        : multi.map((w) => workloadItem(w.name, w.gpus, host));
    return {
      direct: direct.slice(0, 2),
      support,
      more: fs.length > 0 ? t.more.fix : t.more.overview,
      focus: { gpus: u.gpus, workloads: fs[0]?.workloads ?? u.workloads, rules: NVLINK, items },
    };
  },
};
