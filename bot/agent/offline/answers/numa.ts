/** "Is the CPU pinning right?": workloads on CPUs of another NUMA node than their GPUs, the layout, the fix. */
import type { TopologyResult } from '../../../../tools/agent/tools/get-topology.ts';
import { type Phrases, printableCpus, TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { findingItem, findingsAbout, hasEntities, impactOf, stays, subjectOf, verdict } from './common.ts';
import type { Composer } from './types.ts';
import { workloadState } from './workload-state.ts';

const NUMA = TOPIC_RULES.numa!;

/** The NUMA layout: which node each GPU is on, their CPUs; or the nodes alone (numactl); or what is missing. */
function layoutAnswer(t: Phrases, host: string, topo: TopologyResult): string[] {
  const withNode = topo.gpus.filter((g) => g.numaNode !== null);
  if (withNode.length > 0) {
    const ids = [...new Set(withNode.map((g) => g.numaNode!))];
    return [
      t.numa.gpuNodes(
        host,
        ids.map((id) => {
          const gs = withNode.filter((g) => g.numaNode === id);
          return { node: id, gpus: gs.map((g) => g.index), cpus: printableCpus(gs[0]?.localCpus ?? null) };
        }),
      ),
    ];
  }
  if (topo.gpus.some((g) => g.localCpus !== null)) {
    const lists = [...new Set(topo.gpus.map((g) => g.localCpus).filter((c): c is string => c !== null))];
    return [
      t.numa.noNodes(
        host,
        lists.map((c) => ({
          gpus: topo.gpus.filter((g) => g.localCpus === c).map((g) => g.index),
          cpus: printableCpus(c),
        })),
      ),
    ];
  }
  if (topo.numaNodes.length > 0)
    return [
      t.numa.nodes(
        host,
        topo.numaNodes.length,
        topo.numaNodes.map((n) => ({ id: n.id, cpus: printableCpus(n.cpus), memoryMiB: n.memoryMiB })),
      ),
    ];
  return [];
}

/** "56-71,168-183" → its CPU ids. */
function cpuIds(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i - a < 4096; i++) out.push(i);
  }
  return out;
}

/** The NUMA node whose CPUs hold all of these (from numactl, or the GPUs' local CPUs), or null. */
function nodeOfCpus(cpus: string | null, topo: TopologyResult | undefined): number | null {
  if (!cpus || !topo) return null;
  const ids = cpuIds(cpus);
  if (ids.length === 0) return null;
  const nodes = [
    ...topo.numaNodes.map((n) => ({ id: n.id, cpus: n.cpus })),
    ...topo.gpus
      .filter((g) => g.numaNode !== null && g.localCpus)
      .map((g) => ({ id: g.numaNode!, cpus: g.localCpus! })),
  ];
  for (const n of nodes) {
    const set = new Set(cpuIds(n.cpus));
    if (ids.every((i) => set.has(i))) return n.id;
  }
  return null;
}

/** The first sentence of a text. */
const firstSentence = (s: string) => s.split(/(?<=[.!?])\s+/)[0] ?? s;

export const numa: Composer = {
  topic: 'numa',
  calls: (_u, host) => [
    { name: 'find_numa_mismatch', input: { host } },
    { name: 'get_topology', input: { host } },
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const nm = r.data.find_numa_mismatch;
    const s = { ...subjectOf(u), rules: NUMA };
    const fs = findingsAbout(nm?.findings ?? [], s);
    const checked = (nm?.checked ?? []).filter((w) => u.workloads.length === 0 || u.workloads.includes(w));
    const direct: string[] = [];
    const support: string[] = [];
    const topo = r.data.get_topology;
    const layoutAsked =
      /each gpu|every gpu|which (?:numa )?node|how many|layout|gpu마다|각\s*gpu|몇\s*개|어느\s*(?:numa\s*)?노드|어떻게\s*(?:돼|되|구성)|구성/i.test(
        u.question,
      );
    const pinningAsked = /\bpin|affinity|피닝|고정|친화|어피니티/i.test(u.question);
    const layoutOnly =
      layoutAsked || (fs.length === 0 && checked.length === 0 && !hasEntities(s) && !pinningAsked);
    const gpuNodesKnown = (topo?.gpus ?? []).some((g) => g.numaNode !== null);
    if (u.yesNo && !gpuNodesKnown && fs.length === 0 && checked.length === 0) {
      // "is the NUMA setup OK?" without the GPUs' nodes: it cannot be judged
      direct.push(t.numa.cannotJudge(host));
      if (topo) {
        const layout = layoutAnswer(t, host, topo)[0];
        if (layout) support.push(`- ${layout}`);
        for (const m of topo.missing) support.push(`- ${t.missing(m)}`);
      }
    } else if (topo && layoutOnly) {
      direct.push(...layoutAnswer(t, host, topo));
      if (checked.length === 0) for (const m of topo.missing) support.push(`- ${t.missing(m)}`);
    }
    const wl = r.data.collect_nvidia_smi?.workloads ?? [];
    if (direct.length > 0) {
      // answered: the layout
    } else if (fs.length > 0) {
      direct.push(
        verdict(u, true, lang) +
          t.numa.mismatch(
            host,
            fs.map((f) => {
              const w = wl.find((x) => x.name === f.workloads[0]);
              const gpuNodes = [
                ...new Set(f.gpus.map((g) => topo?.gpus.find((x) => x.index === g)?.numaNode ?? null)),
              ];
              return {
                workload: f.workloads[0] ?? '',
                vmid: w?.vmid ?? null,
                gpus: f.gpus,
                cpuNode: nodeOfCpus(w?.cpus ?? null, topo),
                gpuNode: gpuNodes.length === 1 ? gpuNodes[0]! : null,
              };
            }),
          ),
      );
      const impact = impactOf(fs[0]!, lang);
      if (impact) direct.push(t.sentence(impact));
    } else if (checked.length === 0) direct.push(t.numa.unknown(host, hasEntities(s) ? u.workloads : []));
    else if (u.workloads.length > 0) {
      // "what about VM 101?": that workload, with what shows it is well placed
      for (const name of u.workloads.slice(0, 2)) {
        const st = workloadState(name, r);
        if (!st) continue;
        const nodes = [...new Set(st.numa)];
        direct.push(
          verdict(u, false, lang) +
            t.numa.workloadOk(st, nodes.length === 1 ? nodes[0]! : null, nodeOfCpus(st.cpus, topo)),
        );
      }
      if (direct.length === 0) direct.push(verdict(u, false, lang) + t.numa.aligned(host, checked));
    } else direct.push(verdict(u, false, lang) + t.numa.aligned(host, checked));
    for (const f of fs.slice(0, u.wantsAll ? fs.length : 3)) {
      support.push(`- ${firstSentence(f.detail[lang])}`);
      const cpus = f.evidence.findIndex((e) => e.startsWith('affinity'));
      if (cpus >= 0)
        support.push(
          `  ${f.evidence[cpus]}${f.evidenceSources?.[cpus] ? ` (${f.evidenceSources[cpus]})` : ''}`,
        );
    }
    if (topo && !layoutOnly) {
      const layout = layoutAnswer(t, host, topo)[0];
      if (layout) support.push(`- ${layout}`);
    }
    const plan = r.data.generate_placement;
    if (plan)
      for (const f of fs.slice(0, 2)) {
        const m = plan.moves.find(
          (x) => f.workloads.includes(x.workload) && x.resolves.includes('numa-mismatch'),
        );
        if (m)
          support.push(`- ${t.numa.fix(m.workload, m.to.gpus, m.to.numaNode, m.to.cpus, stays(m) !== null)}`);
        else support.push(`- ${f.recommendation[lang]}`);
      }
    return {
      direct,
      support,
      more: fs.length > 0 ? t.more.commands : t.more.overview,
      focus: {
        gpus: fs.flatMap((f) => f.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: NUMA,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
