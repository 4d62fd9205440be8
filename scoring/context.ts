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
  /**
   * NUMA node of a GPU: its own (topo `NUMA Affinity`, sysfs `numa_node`), else the node of the numactl /
   * lscpu table that holds its local CPUs, else one derived from the CPU-affinity sets (numaSource).
   */
  numaOf(gpu: Gpu): number | null;
  /**
   * Where `numaOf` came from: `gpu` (the GPU's own NUMA id), `cpu-table` (numactl / lscpu), `cpu-affinity`
   * (derived from the GPUs' CPU-affinity sets: the grouping is certain, the id is inferred), or null.
   */
  numaSource(gpu: Gpu): NumaSource | null;
  /** NUMA nodes that a CPU list touches (the numactl / lscpu table, else the derived grouping). */
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

export type NumaSource = 'gpu' | 'cpu-table' | 'cpu-affinity';

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
  const tableNode = (g: Gpu): number | null => {
    if (!g.cpuAffinity || g.cpuAffinity.length === 0) return null;
    const s = new Set<number>();
    for (const c of g.cpuAffinity) {
      const n = cpuToNode.get(c);
      if (n !== undefined) s.add(n);
    }
    return s.size === 1 ? [...s][0]! : null;
  };
  const derived = deriveNumaNodes(snapshot.gpus, tableNode);
  const nodeOfCpu = (c: number): number | undefined =>
    cpuToNode.size > 0 ? cpuToNode.get(c) : derived.nodeOfCpu(c);
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
      return tableNode(g) ?? derived.nodeOf(g);
    },
    numaSource(g) {
      if (g.numaNode !== null) return 'gpu';
      if (tableNode(g) !== null) return 'cpu-table';
      return derived.nodeOf(g) !== null ? 'cpu-affinity' : null;
    },
    numaNodesOfCpus(cpus) {
      const s = new Set<number>();
      for (const c of cpus) {
        const n = nodeOfCpu(c);
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

const affinityKey = (cpus: readonly number[]) => [...cpus].sort((a, b) => a - b).join(',');

/** Contiguous runs of a sorted CPU list, as [first, length]. */
function runsOf(sorted: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && c === last[0] + last[1]) last[1]++;
    else out.push([c, 1]);
  }
  return out;
}

/**
 * NUMA nodes for GPUs whose inputs carry no NUMA id (older drivers, `topo -m` without the NUMA column or
 * with `N/A`) and no numactl / lscpu table: GPUs with the same CPU-affinity set share a node, and
 * disjoint sets are different nodes — the grouping is what the affinity says. The id is inferred: a set
 * that equals the affinity of a GPU with a known id takes that id; otherwise, when every set is made of
 * runs of one length b repeated every p CPUs (Linux numbers the CPUs of node n as n·b … n·b+b−1, then the
 * hyperthread siblings one period later: `48-63,176-191` is node 3 of 16-CPU nodes), the id is
 * (first CPU mod p) / b, and any CPU maps to its node the same way (read from two sets or more, or from
 * one that starts at CPU 0 or repeats); else ids follow the order of the sets' first CPUs, skipping known ids, and
 * CPUs outside every set map to no node. Overlapping, non-identical
 * sets say nothing: those GPUs keep no node.
 */
function deriveNumaNodes(
  gpus: readonly Gpu[],
  tableNode: (g: Gpu) => number | null,
): { nodeOf(g: Gpu): number | null; nodeOfCpu(c: number): number | undefined } {
  const none = { nodeOf: () => null, nodeOfCpu: () => undefined };
  const needed = gpus.filter(
    (g) => g.numaNode === null && tableNode(g) === null && g.cpuAffinity && g.cpuAffinity.length > 0,
  );
  if (needed.length === 0) return none;
  // distinct affinity sets of every GPU, and the ids some of them are known to have
  const sets = new Map<string, number[]>();
  const known = new Map<string, number>();
  for (const g of gpus) {
    if (!g.cpuAffinity || g.cpuAffinity.length === 0) continue;
    const key = affinityKey(g.cpuAffinity);
    if (!sets.has(key))
      sets.set(
        key,
        [...new Set(g.cpuAffinity)].sort((a, b) => a - b),
      );
    const id = g.numaNode ?? tableNode(g);
    if (id !== null && !known.has(key)) known.set(key, id);
  }
  // a set that overlaps another one without being equal to it is not a node
  const owner = new Map<number, string>();
  const overlapping = new Set<string>();
  for (const [key, cpus] of sets)
    for (const c of cpus) {
      const o = owner.get(c);
      if (o !== undefined && o !== key) {
        overlapping.add(o);
        overlapping.add(key);
      } else owner.set(c, key);
    }
  const clean = [...sets].filter(([key]) => !overlapping.has(key));
  const ids = new Map<string, number>();
  for (const [key] of clean) if (known.has(key)) ids.set(key, known.get(key)!);
  // the numbering pattern is read from several sets, or from one that starts at CPU 0 (node 0) or repeats
  // (a node with its hyperthread siblings); one run elsewhere (e.g. a cgroup's share of a node) says
  // nothing about its node's number
  const corroborated =
    clean.length > 1 || (clean.length === 1 && (clean[0]![1][0] === 0 || runsOf(clean[0]![1]).length > 1));
  const pattern = corroborated ? blockPattern(clean.map(([, cpus]) => cpus)) : null;
  const idOf = pattern
    ? (c: number) => Math.floor((pattern.period ? c % pattern.period : c) / pattern.b)
    : null;
  const patternFits =
    idOf !== null &&
    clean.every(([key, cpus]) => !known.has(key) || idOf(cpus[0]!) === known.get(key)) &&
    new Set(clean.map(([, cpus]) => idOf(cpus[0]!))).size === clean.length;
  let byCpu: ((c: number) => number | undefined) | null = null;
  if (patternFits) {
    for (const [key, cpus] of clean) if (!ids.has(key)) ids.set(key, idOf!(cpus[0]!));
    byCpu = (c) => idOf!(c);
  } else {
    const used = new Set(ids.values());
    let next = 0;
    for (const [key] of clean.sort((a, b) => a[1][0]! - b[1][0]!)) {
      if (ids.has(key)) continue;
      while (used.has(next)) next++;
      ids.set(key, next);
      used.add(next);
    }
    const cpuNode = new Map<number, number>();
    for (const [key, cpus] of clean) for (const c of cpus) cpuNode.set(c, ids.get(key)!);
    byCpu = (c) => cpuNode.get(c);
  }
  return {
    nodeOf(g) {
      if (g.numaNode !== null || !g.cpuAffinity || g.cpuAffinity.length === 0) return null;
      return ids.get(affinityKey(g.cpuAffinity)) ?? null;
    },
    nodeOfCpu: (c) => byCpu!(c),
  };
}

/**
 * The Linux numbering pattern of node CPU sets, when every set has the same number of runs, every run the
 * same length b, aligned to b, and the runs of a set follow each other every `period` CPUs (null with one run).
 */
function blockPattern(sets: readonly (readonly number[])[]): { b: number; period: number | null } | null {
  if (sets.length === 0) return null;
  const all = sets.map(runsOf);
  const b = all[0]![0]![1];
  const r = all[0]!.length;
  // runs of single CPUs (a VM's scattered vCPUs) say nothing about the numbering
  if (b < 2) return null;
  let period: number | null = null;
  for (const runs of all) {
    if (runs.length !== r) return null;
    for (const [first, len] of runs) if (len !== b || first % b !== 0) return null;
    for (let k = 1; k < runs.length; k++) {
      const step = runs[k]![0] - runs[k - 1]![0];
      if (period === null) period = step;
      else if (step !== period) return null;
    }
  }
  // the first runs of all sets must sit inside one period
  if (period !== null && all.some((runs) => runs[0]![0] >= period!)) return null;
  return { b, period };
}
