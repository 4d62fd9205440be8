/**
 * What every rule and the score need to look things up in a snapshot, computed once per host.
 */
import { formatCpuList } from './cpuset.ts';
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
  /**
   * Whether a CPU list includes at least one CPU local to the GPU (`localCpus`); null when the GPU's local
   * CPUs are unknown. An empty list includes none.
   */
  touchesLocalCpus(gpu: Gpu, cpus: readonly number[]): boolean | null;
  /** `formatCpuList(cpus)` (scoring/cpuset.ts), written once per list. */
  cpuListText(cpus: readonly number[]): string;
  /**
   * The topo links between a GPU, by its name in the matrix (`GPU3`), and a NIC, in matrix order: links
   * with one end named so and the other a `NIC…`.
   */
  nicLinksOf(gpuName: string): readonly Link[];
}

export type NumaSource = 'gpu' | 'cpu-table' | 'cpu-affinity';

/**
 * The key of an unordered GPU pair: one number for the usual indexes (integers in [0, 2^20)), else the
 * `a-b` string (what odd names parse to, e.g. NaN, keeps a key of its own).
 */
const PAIR_BASE = 2 ** 20;
const smallIndex = (x: number) => Number.isInteger(x) && x >= 0 && x < PAIR_BASE;
const pairKey = (a: number, b: number): number | string =>
  smallIndex(a) && smallIndex(b)
    ? a < b
      ? a * PAIR_BASE + b
      : b * PAIR_BASE + a
    : a < b
      ? `${a}-${b}`
      : `${b}-${a}`;

/** CPU ids a bitmap holds; lists with larger (or odd) ids use a Set. */
const BITMAP_CPUS = 1 << 16;

/** A membership test over a CPU list, built once: a bitmap for the usual ids, a Set otherwise. */
function cpuMembership(cpus: readonly number[]): (c: number) => boolean {
  let max = -1;
  for (const c of cpus) {
    if (!Number.isInteger(c) || c < 0 || c >= BITMAP_CPUS) {
      const set = new Set(cpus);
      return (x) => set.has(x);
    }
    if (c > max) max = c;
  }
  const bits = new Uint8Array(max + 1);
  for (const c of cpus) bits[c] = 1;
  // Object.is(-0, 0) aside, a Set would answer the same: only integers in [0, max] can be members
  return (x) => bits[x] === 1;
}

/**
 * `formatCpuList` of a list already in strictly ascending order (the usual case), without its copy, Set
 * and sort: the same runs, the same text. Null for any other list.
 */
function ascendingCpuList(cpus: readonly number[]): string | null {
  for (let k = 1; k < cpus.length; k++) if (!(cpus[k]! > cpus[k - 1]!)) return null;
  let out = '';
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    out += `${out === '' ? '' : ','}${i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`}`;
    i = j + 1;
  }
  return out;
}

/**
 * The NUMA node of each CPU in the numactl / lscpu table (a later node wins a CPU listed twice, as a Map
 * filled in table order would), read by index for the usual CPU ids.
 */
function cpuNodeTable(nodes: Snapshot['cpu']['numaNodes']): {
  size: number;
  get(c: number): number | undefined;
} {
  let max = -1;
  let small = true;
  let size = 0;
  for (const n of nodes)
    for (const c of n.cpus) {
      size++;
      if (!Number.isInteger(c) || c < 0 || c >= BITMAP_CPUS) small = false;
      else if (c > max) max = c;
    }
  if (!small) {
    const m = new Map<number, number>();
    for (const n of nodes) for (const c of n.cpus) m.set(c, n.id);
    return m;
  }
  // node ids are integers (snapshot schema); NaN marks a CPU of no node
  const byCpu = new Float64Array(max + 1).fill(Number.NaN);
  for (const n of nodes) for (const c of n.cpus) byCpu[c] = n.id;
  return {
    size,
    get(c) {
      const v = byCpu[c];
      return v === undefined || Number.isNaN(v) ? undefined : v;
    },
  };
}

export function buildContext(snapshot: Snapshot): HostContext {
  const byIndex = new Map<number, Gpu>();
  for (const g of snapshot.gpus) if (g.index !== null) byIndex.set(g.index, g);
  const links = new Map<number | string, Link>();
  let hasNvlink = false;
  for (const l of snapshot.links) {
    if (!l.a.startsWith('GPU') || !l.b.startsWith('GPU')) continue;
    links.set(pairKey(Number(l.a.slice(3)), Number(l.b.slice(3))), l);
    if (l.kind === 'NV') hasNvlink = true;
  }
  // built on first use: many hosts never ask
  let cpuToNodeTable: ReturnType<typeof cpuNodeTable> | undefined;
  const cpuToNode = () => (cpuToNodeTable ??= cpuNodeTable(snapshot.cpu.numaNodes));
  const tableNodes = new Map<Gpu, number | null>();
  const tableNode = (g: Gpu): number | null => {
    if (!g.cpuAffinity || g.cpuAffinity.length === 0) return null;
    const known = tableNodes.get(g);
    if (known !== undefined) return known;
    const table = cpuToNode();
    // the one node all of the GPU's CPUs in the table belong to, else null
    let node: number | null = null;
    let many = false;
    for (const c of g.cpuAffinity) {
      const n = table.get(c);
      if (n === undefined) continue;
      if (node === null) node = n;
      else if (n !== node) many = true;
    }
    const id = many ? null : node;
    tableNodes.set(g, id);
    return id;
  };
  const derived = deriveNumaNodes(snapshot.gpus, tableNode);
  const nodeOfCpu = (c: number): number | undefined =>
    cpuToNode().size > 0 ? cpuToNode().get(c) : derived.nodeOfCpu(c);
  const workloadsByGpu = new Map<number, Workload[]>();
  for (const w of snapshot.workloads)
    for (const i of w.gpus) {
      const list = workloadsByGpu.get(i);
      if (list) list.push(w);
      else workloadsByGpu.set(i, [w]);
    }
  const processGpus = new Set<number>();
  for (const p of snapshot.processes) if (p.gpuIndex !== null) processGpus.add(p.gpuIndex);

  const modelCache = new Map<Gpu, GpuModel | null>();
  const model = (g: Gpu) => {
    if (!modelCache.has(g))
      modelCache.set(g, gpuModelByFamily(g.family) ?? findGpuModel(g.name, g.memory.totalMiB));
    return modelCache.get(g) ?? null;
  };
  const bwCache = new Map<number | string, LinkBandwidth | null>();
  const bw = (a: number, b: number): LinkBandwidth | null => {
    const k = pairKey(a, b);
    let v = bwCache.get(k);
    if (v === undefined) {
      const l = links.get(k);
      v = l ? linkBandwidth(l, byIndex.get(a), byIndex.get(b)) : null;
      bwCache.set(k, v);
    }
    return v;
  };
  const ring = (set: readonly number[]) => bestRingBottleneck(set, (a, b) => bw(a, b)?.gbs ?? null);
  const bestFor = new Map<number, number | null>();
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);
  const localCpus = (g: Gpu): number[] | null => {
    if (g.cpuAffinity && g.cpuAffinity.length > 0) return g.cpuAffinity;
    const node = g.numaNode === null ? undefined : snapshot.cpu.numaNodes.find((n) => n.id === g.numaNode);
    return node && node.cpus.length > 0 ? node.cpus : null;
  };
  const localSets = new Map<Gpu, ((c: number) => boolean) | null>();
  const labels = new Map<Gpu, string>();
  const sources = new Map<string, string>();
  const cpuTexts = new Map<readonly number[], string>();
  let nicLinks: Map<string, Link[]> | undefined;
  const NO_LINKS: readonly Link[] = [];

  const ctx: HostContext = {
    snapshot,
    gpu: (i) => byIndex.get(i),
    model,
    link: (a, b) => links.get(pairKey(a, b)),
    linkBandwidth: bw,
    hasNvlink,
    workloadsOf: (i) => workloadsByGpu.get(i) ?? [],
    localCpus,
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
      if (snapshot.workloads.length === 0) {
        // over a window (scoring/window.ts): any activity or memory held on average, as for a sample
        const w = g.window;
        if (w) {
          const active = w.util?.mean ?? ((w.smActive ?? w.grEngineActive)?.mean ?? 0) * 100;
          return active > 0 || (w.fbUsedMiB?.mean ?? 0) > 0.02 * (g.memory.totalMiB ?? Infinity);
        }
        return (
          (g.utilization.gpuPct ?? 0) > 0 || (g.memory.usedMiB ?? 0) > 0.02 * (g.memory.totalMiB ?? Infinity)
        );
      }
      return false;
    },
    label(g) {
      let s = labels.get(g);
      if (s === undefined) {
        s = g.index !== null ? `GPU${g.index}` : `GPU ${g.busId ?? g.uuid ?? '?'}`;
        labels.set(g, s);
      }
      return s;
    },
    sourceOf(format) {
      let text = sources.get(format);
      if (text === undefined) {
        const s = snapshot.sources.filter((x) => x.format === format).map((x) => x.file);
        text = s.length > 0 ? s.join(', ') : format;
        sources.set(format, text);
      }
      return text;
    },
    touchesLocalCpus(g, cpus) {
      let has = localSets.get(g);
      if (has === undefined) {
        const local = localCpus(g);
        has = local ? cpuMembership(local) : null;
        localSets.set(g, has);
      }
      if (has === null) return null;
      for (const c of cpus) if (has(c)) return true;
      return false;
    },
    nicLinksOf(gpuName) {
      if (nicLinks === undefined) {
        nicLinks = new Map();
        for (const l of snapshot.links) {
          // the end that is not the NIC (a NIC–NIC cell is keyed by a NIC name, which no GPU has)
          const end = l.b.startsWith('NIC') ? l.a : l.a.startsWith('NIC') ? l.b : null;
          if (end === null) continue;
          const list = nicLinks.get(end);
          if (list) list.push(l);
          else nicLinks.set(end, [l]);
        }
      }
      return nicLinks.get(gpuName) ?? NO_LINKS;
    },
    cpuListText(cpus) {
      let text = cpuTexts.get(cpus);
      if (text === undefined) {
        text = ascendingCpuList(cpus) ?? formatCpuList(cpus);
        cpuTexts.set(cpus, text);
      }
      return text;
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
  const nodeOfGpu = new Map<Gpu, number | null>();
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
      // asked for each time a rule reads the GPU's node: its affinity set's key is written once
      let id = nodeOfGpu.get(g);
      if (id === undefined) {
        id = ids.get(affinityKey(g.cpuAffinity)) ?? null;
        nodeOfGpu.set(g, id);
      }
      return id;
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
