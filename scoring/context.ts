/**
 * What every rule and the score need to look things up in a snapshot, computed once per host.
 */
import { findGpuModel, type GpuModel, gpuModelByFamily } from './gpu-models.ts';
import { bestRingBottleneck, type LinkBandwidth, linkBandwidth } from './interconnect.ts';
import type { Gpu, Link, Snapshot, Workload } from './snapshot.ts';

export interface HostContext {
  snapshot: Snapshot;
  /** GPUs with a known index, by index. */
  gpu(index: number): Gpu | undefined;
  model(gpu: Gpu): GpuModel | null;
  /** the topo link between two GPUs, or undefined when the topology is unknown. */
  link(a: number, b: number): Link | undefined;
  linkBandwidth(a: number, b: number): LinkBandwidth | null;
  /** true when any GPU pair of the host is NVLink-connected. */
  hasNvlink: boolean;
  /** the workloads holding a GPU. */
  workloadsOf(index: number): Workload[];
  /** host CPUs local to a GPU (topo CPU affinity / sysfs local_cpulist, else its NUMA node's CPUs). */
  localCpus(gpu: Gpu): number[] | null;
  /** NUMA node of a GPU (its own, else derived from its local CPUs). */
  numaOf(gpu: Gpu): number | null;
  /** NUMA nodes that a CPU list touches. */
  numaNodesOfCpus(cpus: readonly number[]): number[];
  /** best-ring bottleneck bandwidth (GB/s per direction) over a set of GPU indexes, null if unknown. */
  ringGBs(set: readonly number[]): number | null;
  /** the best ring bottleneck any `n` GPUs of this host could get (for "ideal" comparisons). */
  bestRingGBsFor(n: number): number | null;
  /** a GPU is busy enough that link and clock states say something (not idling in P8). */
  isLoaded(gpu: Gpu): boolean;
  /** a GPU is held by a workload or runs a process. */
  isAllocated(gpu: Gpu): boolean;
  /** how the report names a GPU. */
  label(gpu: Gpu): string;
  /** the sources (files / sections) a format came from, for evidence lines. */
  sourceOf(format: string): string;
}

const pairKey = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);

export function buildContext(snapshot: Snapshot): HostContext {
  const byIndex = new Map<number, Gpu>();
  for (const g of snapshot.gpus) if (g.index !== null) byIndex.set(g.index, g);
  const links = new Map<string, Link>();
  for (const l of snapshot.links) {
    if (!l.a.startsWith('GPU') || !l.b.startsWith('GPU')) continue;
    links.set(pairKey(Number(l.a.slice(3)), Number(l.b.slice(3))), l);
  }
  const cpuToNode = new Map<number, number>();
  for (const n of snapshot.cpu.numaNodes) for (const c of n.cpus) cpuToNode.set(c, n.id);
  const workloadsByGpu = new Map<number, Workload[]>();
  for (const w of snapshot.workloads)
    for (const i of w.gpus) workloadsByGpu.set(i, [...(workloadsByGpu.get(i) ?? []), w]);
  const processGpus = new Set(
    snapshot.processes.map((p) => p.gpuIndex).filter((x): x is number => x !== null),
  );

  const modelCache = new Map<Gpu, GpuModel | null>();
  const model = (g: Gpu) => {
    if (!modelCache.has(g))
      modelCache.set(g, gpuModelByFamily(g.family) ?? findGpuModel(g.name, g.memory.totalMiB));
    return modelCache.get(g) ?? null;
  };
  const bwCache = new Map<string, LinkBandwidth | null>();
  const bw = (a: number, b: number): LinkBandwidth | null => {
    const k = pairKey(a, b);
    if (!bwCache.has(k)) {
      const l = links.get(k);
      bwCache.set(k, l ? linkBandwidth(l, byIndex.get(a), byIndex.get(b)) : null);
    }
    return bwCache.get(k) ?? null;
  };
  const ring = (set: readonly number[]) => bestRingBottleneck(set, (a, b) => bw(a, b)?.gbs ?? null);
  const bestFor = new Map<number, number | null>();
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);

  const ctx: HostContext = {
    snapshot,
    gpu: (i) => byIndex.get(i),
    model,
    link: (a, b) => links.get(pairKey(a, b)),
    linkBandwidth: bw,
    hasNvlink: snapshot.links.some((l) => l.kind === 'NV' && l.a.startsWith('GPU') && l.b.startsWith('GPU')),
    workloadsOf: (i) => workloadsByGpu.get(i) ?? [],
    localCpus(g) {
      if (g.cpuAffinity && g.cpuAffinity.length > 0) return g.cpuAffinity;
      const node = g.numaNode === null ? undefined : snapshot.cpu.numaNodes.find((n) => n.id === g.numaNode);
      return node && node.cpus.length > 0 ? node.cpus : null;
    },
    numaOf(g) {
      if (g.numaNode !== null) return g.numaNode;
      const nodes = g.cpuAffinity ? ctx.numaNodesOfCpus(g.cpuAffinity) : [];
      return nodes.length === 1 ? nodes[0]! : null;
    },
    numaNodesOfCpus(cpus) {
      const s = new Set<number>();
      for (const c of cpus) {
        const n = cpuToNode.get(c);
        if (n !== undefined) s.add(n);
      }
      return [...s].sort((a, b) => a - b);
    },
    ringGBs: ring,
    bestRingGBsFor(n) {
      if (!bestFor.has(n)) bestFor.set(n, bestRingFor(indexes, n, ring, bw));
      return bestFor.get(n) ?? null;
    },
    isLoaded(g) {
      if (g.utilization.gpuPct !== null) return g.utilization.gpuPct >= 10;
      return g.pstate === 'P0' || g.pstate === 'P1' || g.pstate === 'P2';
    },
    isAllocated(g) {
      if (g.index !== null && (workloadsByGpu.has(g.index) || processGpus.has(g.index))) return true;
      if (g.mig.devices.length > 0) return true;
      // no workload information at all: a GPU with work on it counts as allocated
      if (snapshot.workloads.length === 0)
        return (
          (g.utilization.gpuPct ?? 0) > 0 || (g.memory.usedMiB ?? 0) > 0.02 * (g.memory.totalMiB ?? Infinity)
        );
      return false;
    },
    label: (g) => (g.index !== null ? `GPU${g.index}` : `GPU ${g.busId ?? g.uuid ?? '?'}`),
    sourceOf(format) {
      const s = snapshot.sources.filter((x) => x.format === format).map((x) => x.file);
      return s.length > 0 ? s.join(', ') : format;
    },
  };
  return ctx;
}

/**
 * The best bottleneck any n GPUs can reach. PCIe levels nest and NVLink groups are cliques on the
 * hardware we know, so the candidates are the groups connected at or above each bandwidth tier; we
 * check rings over the n best-connected GPUs of each group.
 */
function bestRingFor(
  indexes: readonly number[],
  n: number,
  ring: (set: readonly number[]) => number | null,
  bw: (a: number, b: number) => LinkBandwidth | null,
): number | null {
  if (n < 2 || indexes.length < n) return null;
  const tiers = new Set<number>();
  for (const a of indexes) for (const b of indexes) if (a < b) tiers.add(bw(a, b)?.gbs ?? -1);
  const sorted = [...tiers].filter((t) => t > 0).sort((x, y) => y - x);
  for (const t of sorted) {
    // components of the graph of links at least t
    const seen = new Set<number>();
    for (const start of indexes) {
      if (seen.has(start)) continue;
      const comp = [start];
      seen.add(start);
      for (let k = 0; k < comp.length; k++)
        for (const w of indexes)
          if (!seen.has(w) && (bw(comp[k]!, w)?.gbs ?? -1) >= t) {
            seen.add(w);
            comp.push(w);
          }
      if (comp.length >= n) {
        const r = ring(comp.slice(0, n));
        if (r !== null && r >= t) return r;
      }
    }
  }
  return ring(indexes.slice(0, n));
}
