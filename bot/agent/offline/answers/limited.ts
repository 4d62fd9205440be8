/**
 * Inputs that cannot answer the question (a `topo -m` upload has no utilisation, so no score, no idle GPUs,
 * no plan): say what they cannot tell and what to send, then what they do show (topology, NUMA, NICs, MIG
 * profiles, any finding).
 */
import { groupsText, printableCpus, TEXT } from '../text.ts';
import type { Composer } from './types.ts';

export const limited: Composer = {
  topic: 'overview',
  calls: (_u, host) => [
    { name: 'get_topology', input: { host } },
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host } },
  ],
  compose({ u, lang, host, entry, r }) {
    const t = TEXT[lang];
    const topo = r.data.get_topology;
    const c = r.data.collect_nvidia_smi;
    const what = t.limited.what[u.topic] ?? t.limited.what.overview!;
    const noUtil =
      topo?.missing.find((m) => m.startsWith('utilisation')) ??
      (entry.scoreReason?.en.startsWith('no utilisation data') ? 'utilisation' : undefined);
    const fs = r.data.find_bottlenecks?.findings ?? [];
    // what the file does show first when it is a problem (a pending row remap), then what it cannot tell
    const serious = fs.find((f) => f.severity !== 'info');
    const direct = [
      ...(serious ? [t.sentence(serious.title[lang])] : []),
      noUtil
        ? t.limited.noUtil(host, what, t.limited.utilSend)
        : t.limited.noScore(host, entry.scoreReason?.[lang] ?? '', what),
    ];
    const shows: string[] = [];
    if (topo && topo.nvlinkGroups.length > 0) shows.push(`NVLink ${groupsText(topo.nvlinkGroups)}`);
    else if (topo && topo.pairs.length > 0)
      shows.push(t.nvlink.noNvlink(host, [...new Set(topo.pairs.map((p) => p.raw))]));
    if (entry.gpus > 0) shows.push(t.limited.gpus(entry.gpus, entry.models));
    const busy = (c?.gpus ?? []).filter((g) => g.index !== null && g.utilizationPct !== null);
    if (serious) {
      // said first
    } else if (fs[0]) direct.push(t.sentence(fs[0].title[lang]));
    else if (busy.length > 0 && busy.length <= 2)
      for (const g of busy)
        direct.push(
          t.entity.gpu({
            gpu: g.index!,
            name: g.name,
            workloads: (c?.workloads ?? [])
              .filter((w) => w.gpus.includes(g.index!))
              .map((w) => ({ name: w.name, vmid: w.vmid, kind: w.kind })),
            util: g.utilizationPct,
            used: g.memoryUsedMiB,
            total: g.memoryTotalMiB,
            numa: g.numaNode,
            procs: (c?.processes ?? [])
              .filter((p) => p.gpu === g.index)
              .map((p) => ({ pid: p.pid, name: p.name, mem: p.usedMemoryMiB })),
          }),
        );
    else if (shows.length > 0)
      direct.push(t.limited.shows(shows.map((x) => x.replace(/[.]$/, '')).join('; ')));
    const support: string[] = [];
    if (topo && topo.nvlinkGroups.length > 0) {
      const inGroup = [...new Set(topo.pairs.filter((p) => p.raw.startsWith('NV')).map((p) => p.raw))];
      const across = [...new Set(topo.pairs.filter((p) => !p.raw.startsWith('NV')).map((p) => p.raw))];
      support.push(`- ${t.nvlink.groups(host, topo.nvlinkGroups, inGroup, across)}`);
    }
    if (topo) {
      const ids = [...new Set(topo.gpus.map((g) => g.numaNode).filter((n): n is number => n !== null))];
      if (ids.length > 0)
        support.push(
          `- ${t.numa.layout(
            ids.slice(0, 4).map((id) => ({
              id,
              cpus: printableCpus(topo.gpus.find((g) => g.numaNode === id)?.localCpus ?? null),
              gpus: topo.gpus.filter((g) => g.numaNode === id).map((g) => g.index),
            })),
          )}`,
        );
      for (const n of topo.nics.slice(0, 3))
        support.push(`- ${t.nic.line(n.device ?? n.id, n.id, n.nearestGpus, n.bestPath, n.numaNode)}`);
    }
    for (const g of (c?.gpus ?? [])
      .filter((x) => x.index !== null && x.mig.mode === 'enabled' && x.mig.instances.length > 0)
      .slice(0, 2)) {
      const line = t.mig.instances(
        g.index!,
        g.mig.instances.map((i) => i.profile ?? '?'),
      );
      if (u.topic === 'mig') direct.splice(1, direct.length - 1, line);
      else support.push(`- ${line}`);
    }
    if (topo && topo.gpus.length === 0 && topo.numaNodes.length > 0)
      support.push(
        `- ${t.numa.nodes(
          host,
          topo.numaNodes.length,
          topo.numaNodes.map((n) => ({ id: n.id, cpus: printableCpus(n.cpus), memoryMiB: n.memoryMiB })),
        )}`,
      );
    for (const g of (c?.gpus ?? []).filter((x) => x.index !== null && x.mig.profiles?.length).slice(0, 1)) {
      const line = t.mig.profiles(
        g.index!,
        g.mig.profiles!.map((p) => ({
          name: p.name,
          free: p.instancesFree,
          total: p.instancesTotal,
          gib: p.memoryGiB,
        })),
      );
      // a MIG question on a `mig -lgip` upload: the profiles are the answer it can give
      if (u.topic === 'mig') direct.splice(1, direct.length - 1, line);
      else support.push(`- ${line}`);
    }
    for (const f of fs.slice(0, 3)) support.push(`- ${f.detail[lang]}`, `- ${f.recommendation[lang]}`);
    for (const m of (topo?.missing ?? []).filter((x) => x !== noUtil)) support.push(`- ${t.missing(m)}`);
    if (c && c.inputs.length > 0) support.push(`- ${t.limited.inputs(c.inputs.slice(0, 4))}`);
    return {
      direct,
      support,
      more: null,
      focus: { gpus: [], workloads: [], rules: [], items: [] },
    };
  },
};
