/** "Can we use GPUDirect RDMA?": the NICs, the GPUs next to each, the jobs whose GPUs are far from every NIC. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, impactOf, subjectOf } from './common.ts';
import { nearestNic } from './gpus.ts';
import type { Composer } from './types.ts';

const NIC = TOPIC_RULES.nic!;

export const nic: Composer = {
  topic: 'nic',
  calls: (_u, host) => [
    { name: 'get_topology', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: NIC } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const topo = r.data.get_topology;
    const nics = topo?.nics ?? [];
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], { ...subjectOf(u), rules: NIC });
    const direct: string[] = [];
    const support: string[] = [];
    const near = nics.filter((n) => n.bestPath === 'PIX' || n.bestPath === 'PXB');
    if (nics.length === 0) direct.push(t.nic.none(host));
    else if (u.gpus.length > 0 && u.gpus.length <= 2 && !u.yesNo) {
      // "which NIC is closest to GPU 3?": that GPU's best path and the NICs at it
      for (const g of u.gpus) {
        const near = nearestNic(topo, g);
        if (near)
          direct.push(t.nic.forGpu(g, near.nics, near.path, near.path === 'PIX' || near.path === 'PXB'));
      }
      if (direct.length === 0)
        direct.push(
          t.entity.noGpu(
            host,
            (topo?.gpus ?? []).map((x) => x.index),
          ),
        );
    } else if (u.yesNo)
      direct.push(
        (near.length > 0 ? t.yes : t.no) +
          t.nic.rdma(
            host,
            near.map((n) => ({ device: n.device ?? n.id, gpus: n.nearestGpus, path: n.bestPath })),
          ),
      );
    else
      direct.push(
        t.nic.list(
          host,
          nics.map((n) => ({ device: n.device ?? n.id, gpus: n.nearestGpus, path: n.bestPath })),
        ),
      );
    if (fs[0]) direct.push(t.nic.far(fs[0].title[lang], impactOf(fs[0], lang)));
    for (const n of nics.slice(0, u.wantsAll ? nics.length : 4))
      support.push(`- ${t.nic.line(n.device ?? n.id, n.id, n.nearestGpus, n.bestPath, n.numaNode)}`);
    if (fs[0]) {
      support.push(...evidenceLines(fs[0], 2));
      support.push(`- ${fs[0].recommendation[lang]}`);
    }
    for (const m of topo?.missing ?? []) support.push(`- ${t.missing(m)}`);
    return {
      direct,
      support,
      more: null,
      focus: {
        gpus: fs.flatMap((f) => f.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: NIC,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
