/**
 * "What does NUMA mean?", "vGPU가 뭐야?", "what does SYS mean in topo": a short plain definition first (the
 * glossary in text.ts), then what it means on this host, from the tool results.
 */
import type { Lang } from '../../../../scoring/report.ts';
import { gpuRange, groupsText, printableCpus, TEXT } from '../text.ts';
import type { Term } from '../topics.ts';
import { findingItem } from './common.ts';
import type { Call, Composer, Results } from './types.ts';

/** The tools a term's "here" line reads. */
function callsFor(term: Term, host: string): Call[] {
  const topo: Call = { name: 'get_topology', input: { host } };
  const smi: Call = { name: 'collect_nvidia_smi', input: { host } };
  switch (term) {
    case 'numa':
      return [topo, { name: 'find_numa_mismatch', input: { host } }];
    case 'nvlink':
    case 'sys':
    case 'node':
    case 'phb':
    case 'pix':
    case 'pxb':
    case 'nv':
    case 'rdma':
      return [topo];
    case 'allreduce':
      return [topo, { name: 'find_bottlenecks', input: { host, rules: ['nvlink-split', 'cross-socket'] } }];
    case 'mig':
    case 'vgpu':
    case 'mps':
    case 'timeslice':
      return [
        smi,
        { name: 'find_bottlenecks', input: { host, rules: ['mig-candidate', 'share-candidate'] } },
      ];
    default:
      return [smi];
  }
}

const PATH_TERMS: Partial<Record<Term, string>> = {
  sys: 'SYS',
  node: 'NODE',
  phb: 'PHB',
  pix: 'PIX',
  pxb: 'PXB',
};

/** What the term means on this host, in one line (null when the inputs say nothing about it). */
function here(term: Term, lang: Lang, host: string, r: Results): string | null {
  const t = TEXT[lang];
  const topo = r.data.get_topology;
  const c = r.data.collect_nvidia_smi;
  const gpus = (c?.gpus ?? []).filter((g) => g.index !== null || g.busId !== null);
  const label = (g: (typeof gpus)[number]) => (g.index !== null ? `GPU${g.index}` : `GPU ${g.busId}`);
  const fs = r.data.find_bottlenecks?.findings ?? [];
  switch (term) {
    case 'numa': {
      const withNode = (topo?.gpus ?? []).filter((g) => g.numaNode !== null);
      const mismatch = r.data.find_numa_mismatch?.findings ?? [];
      if (withNode.length === 0) return t.define.here.noNuma(host);
      const ids = [...new Set(withNode.map((g) => g.numaNode!))];
      return t.define.here.numa(
        host,
        ids.map((id) => ({
          node: id,
          gpus: withNode.filter((g) => g.numaNode === id).map((g) => g.index),
          cpus: printableCpus(withNode.find((g) => g.numaNode === id)?.localCpus ?? null),
        })),
        mismatch.map((f) => ({ workload: f.workloads[0] ?? '', gpus: f.gpus })),
        mismatch[0]?.impact?.summary[lang] ?? null,
      );
    }
    case 'nvlink':
    case 'nv': {
      if (!topo || topo.pairs.length === 0) return t.define.here.noLinks(host);
      if (!topo.hasNvlink) return t.nvlink.noNvlink(host, [...new Set(topo.pairs.map((p) => p.raw))]);
      const kinds = [...new Set(topo.pairs.filter((p) => p.raw.startsWith('NV')).map((p) => p.raw))];
      return t.define.here.nvlink(host, groupsText(topo.nvlinkGroups), kinds);
    }
    case 'sys':
    case 'node':
    case 'phb':
    case 'pix':
    case 'pxb': {
      if (!topo || topo.pairs.length === 0) return t.define.here.noLinks(host);
      const kind = PATH_TERMS[term]!;
      const pairs = topo.pairs.filter((p) => p.raw === kind);
      const nics = topo.nics.filter((n) => n.gpuPaths.some((p) => p.path === kind));
      if (pairs.length === 0 && nics.length === 0) return t.define.here.pathNone(host, kind);
      // the pairs between two sets of GPUs ("every pair between GPU0–GPU3 and GPU4–GPU7") when they are
      // exactly the pairs across two groups; else the first few pairs
      const side = (p: { a: string }) => Number(p.a.slice(3));
      const a = [...new Set(pairs.map(side))];
      const b = [...new Set(pairs.map((p) => Number(p.b.slice(3))))];
      const across =
        pairs.length > 0 &&
        a.every((x) => !b.includes(x)) &&
        pairs.length === a.length * b.length &&
        a.length > 1 &&
        b.length > 1;
      return t.define.here.path(
        host,
        kind,
        pairs.length,
        across ? { a: gpuRange(a), b: gpuRange(b) } : null,
        pairs.slice(0, 3).map((p) => `${p.a}–${p.b}`),
        nics.map((n) => ({
          nic: n.device ?? n.id,
          gpus: n.gpuPaths.filter((p) => p.path === kind).map((p) => p.gpu),
        })),
      );
    }
    case 'rdma': {
      const nics = topo?.nics ?? [];
      if (nics.length === 0) return t.nic.none(host);
      return t.nic.rdma(
        host,
        nics
          .filter((n) => n.bestPath === 'PIX' || n.bestPath === 'PXB')
          .map((n) => ({ device: n.device ?? n.id, gpus: n.nearestGpus, path: n.bestPath })),
      );
    }
    case 'allreduce': {
      const f = fs.find((x) => x.impact?.model === 'ring-allreduce') ?? fs[0];
      if (f?.impact) return t.define.here.finding(f.workloads[0] ?? null, f.impact.summary[lang]);
      const multi = (topo?.workloads ?? []).filter((w) => w.allNvlink);
      return multi.length > 0
        ? t.nvlink.allGood(multi.map((w) => ({ name: w.name, gpus: w.gpus, kind: w.pairs[0]?.kind ?? null })))
        : null;
    }
    case 'mig':
    case 'vgpu':
    case 'mps':
    case 'timeslice': {
      const models = [...new Set(gpus.map((g) => g.name).filter((n): n is string => n !== null))];
      const capable = gpus.some((g) => g.migCapable === true || (g.mig.profiles?.length ?? 0) > 0);
      const none = gpus.length > 0 && gpus.every((g) => g.migCapable === false);
      const candidates = fs
        .filter((f) => f.rule === 'mig-candidate' || f.rule === 'share-candidate')
        .map((f) => ({
          workload: f.workloads[0] ?? '?',
          gpu: f.gpus[0] ?? null,
          fits:
            f.rule === 'mig-candidate'
              ? `MIG ${String(f.impact?.figures.profile ?? '')}`
              : `${(f.impact?.figures.share_GB as number | undefined) ?? '?'} GB`,
        }));
      const enabled = gpus.filter((g) => g.mig.mode === 'enabled').map(label);
      return t.define.here.sharing(term === 'mig' ? 'mig' : 'share', host, {
        models,
        capable,
        none,
        enabled,
        candidates,
      });
    }
    case 'passthrough': {
      const vms = (c?.workloads ?? []).filter((w) => w.vmid !== null && w.hostpci.length > 0);
      if (vms.length === 0) return t.define.here.noVms(host);
      return t.define.here.passthrough(
        vms.slice(0, 3).map((w) => ({
          vmid: w.vmid!,
          name: w.name,
          devices: w.hostpci.map((h) => h.busId ?? h.mapping ?? h.mdev ?? '?'),
        })),
        vms.length,
      );
    }
    case 'pstate': {
      const known = gpus.filter((g) => g.pstate !== null);
      if (known.length === 0) return null;
      const states = [...new Set(known.map((g) => g.pstate!))].sort();
      return t.define.here.pstate(
        states.slice(0, 3).map((p) => ({
          pstate: p,
          gpus: known.filter((g) => g.pstate === p).map(label),
          util: known.filter((g) => g.pstate === p).map((g) => g.utilizationPct),
        })),
      );
    }
    case 'ecc':
    case 'remap': {
      const known = gpus.filter((g) => g.ecc.mode !== null || g.ecc.remappedRowsPending !== null);
      if (known.length === 0) return null;
      const pending = known.filter((g) => g.ecc.remappedRowsPending === true).map(label);
      const failed = known.filter((g) => g.ecc.remappedRowsFailure === true).map(label);
      const modes = [...new Set(known.map((g) => g.ecc.mode))];
      return t.define.here.ecc(known.length, modes, pending, failed);
    }
    case 'pcie': {
      const known = gpus.filter((g) => g.pcie.widthCurrent !== null);
      if (known.length === 0) return null;
      const g0 = known[0]!;
      const same = known.every(
        (g) => g.pcie.widthCurrent === g0.pcie.widthCurrent && g.pcie.genMax === g0.pcie.genMax,
      );
      const narrow = known.filter((g) => g.pcie.widthCurrent! < (g.pcie.widthMax ?? 0)).map(label);
      return t.define.here.pcie(known.length, same ? g0.pcie : null, narrow);
    }
  }
}

export const define: Composer = {
  topic: 'define',
  calls: (u, host) => {
    const seen = new Set<string>();
    return u.terms
      .flatMap((term) => callsFor(term, host))
      .filter((c) => {
        const k = `${c.name}:${JSON.stringify(c.input)}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
  },
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const direct: string[] = [];
    const support: string[] = [];
    for (const term of u.terms) {
      const line = here(term, lang, host, r);
      direct.push(t.define.terms[term]);
      if (line) (u.terms.length === 1 ? direct : support).push(u.terms.length === 1 ? line : `- ${line}`);
    }
    if (u.terms.length === 1) support.push(...t.define.more[u.terms[0]!].map((x) => `- ${x}`));
    const fs = [...(r.data.find_bottlenecks?.findings ?? []), ...(r.data.find_numa_mismatch?.findings ?? [])];
    return {
      direct,
      support,
      more: t.more.overview,
      focus: {
        gpus: [],
        workloads: [],
        rules: [],
        items: fs.slice(0, 4).map((f) => findingItem(f, host)),
      },
    };
  },
};
