/**
 * CPU affinity of a planned workload (docs/placement.md, "CPU affinity"). It is not a search variable: it
 * follows the GPUs. The GPUs of a workload are grouped by NUMA node (ctx.numaOf: the GPU's own id, the
 * numactl / lscpu table, or the grouping its CPU-affinity set gives); the workload gets CPUs local to
 * each group — the union when it needs that many, else its CPU count split over the groups in proportion
 * to their GPUs, at least one CPU per GPU's local set, so that no GPU is fed from another node. Its current
 * CPUs are kept when they already are such a set. Workloads of one node get disjoint CPUs while the node
 * has CPUs left (apply.ts passes what the others took).
 */
import type { HostContext, NumaSource } from '../context.ts';
import type { Workload } from '../snapshot.ts';

export interface CpuGroup {
  /** host NUMA node of the group's GPUs, null when not known (the group is then one GPU-affinity set). */
  node: number | null;
  /** where the node id comes from (HostContext.numaSource). */
  source: NumaSource | null;
  /** the group's GPUs (indexes, ascending). */
  gpus: number[];
  /** CPUs local to those GPUs (ascending), and as a set. */
  cpus: number[];
  set: ReadonlySet<number>;
  /** each GPU's local CPUs (for the one-CPU-per-GPU guarantee), distinct sets only. */
  local: ReadonlySet<number>[];
}

/** Identifies a group across workloads (for the disjoint-CPU bookkeeping). */
export const groupKey = (g: Pick<CpuGroup, 'node' | 'cpus'>) =>
  g.node !== null ? `node ${g.node}` : `cpus ${g.cpus.join(',')}`;

interface GpuCpus {
  node: number | null;
  source: NumaSource | null;
  local: number[];
  localKey: string;
  key: string;
}

type Template = Omit<CpuGroup, 'gpus'>;

// per host context: each GPU's CPU facts, the group templates (a node and the local sets of its GPUs) and
// the groups of each GPU set (the solver asks for every candidate set; groups are read-only)
const gpuFacts = new WeakMap<HostContext, Map<number, GpuCpus | null>>();
const templates = new WeakMap<HostContext, Map<string, Template>>();
const groupsOf = new WeakMap<HostContext, Map<string, CpuGroup[]>>();

function cached<K, V>(store: WeakMap<HostContext, Map<K, V>>, ctx: HostContext): Map<K, V> {
  let m = store.get(ctx);
  if (!m) {
    m = new Map();
    store.set(ctx, m);
  }
  return m;
}

function factsOf(ctx: HostContext, i: number): GpuCpus | null {
  const m = cached(gpuFacts, ctx);
  if (!m.has(i)) {
    const g = ctx.gpu(i);
    const local = g ? ctx.localCpus(g) : null;
    if (!g || !local || local.length === 0) m.set(i, null);
    else {
      const node = ctx.numaOf(g);
      const sorted = [...new Set(local)].sort((a, b) => a - b);
      const localKey = sorted.join(',');
      m.set(i, {
        node,
        source: ctx.numaSource(g),
        local: sorted,
        localKey,
        key: node !== null ? `node ${node}` : `cpus ${localKey}`,
      });
    }
  }
  return m.get(i)!;
}

function templateOf(ctx: HostContext, facts: readonly GpuCpus[]): Template {
  const distinct = [...new Map(facts.map((f) => [f.localKey, f])).values()];
  const key = `${facts[0]!.key}|${distinct.map((f) => f.localKey).join('|')}`;
  const m = cached(templates, ctx);
  let t = m.get(key);
  if (!t) {
    const set = new Set<number>();
    for (const f of distinct) for (const c of f.local) set.add(c);
    t = {
      node: facts[0]!.node,
      source: facts[0]!.source,
      cpus: [...set].sort((a, b) => a - b),
      set,
      local: distinct.map((f) => new Set(f.local)),
    };
    m.set(key, t);
  }
  return t;
}

/** The GPUs of a set with known local CPUs, grouped by NUMA node; in node order, unknown nodes last. */
export function cpuGroups(ctx: HostContext, gpus: readonly number[]): CpuGroup[] {
  const sorted = [...gpus].sort((a, b) => a - b);
  const cache = cached(groupsOf, ctx);
  const cacheKey = sorted.join(',');
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const byKey = new Map<string, { ids: number[]; facts: GpuCpus[] }>();
  for (const i of sorted) {
    const f = factsOf(ctx, i);
    if (!f) continue;
    const grp = byKey.get(f.key) ?? { ids: [], facts: [] };
    grp.ids.push(i);
    grp.facts.push(f);
    byKey.set(f.key, grp);
  }
  const out: CpuGroup[] = [...byKey.values()].map(({ ids, facts }) => ({
    ...templateOf(ctx, facts),
    gpus: ids,
  }));
  out.sort((a, b) => (a.node ?? Infinity) - (b.node ?? Infinity) || a.cpus[0]! - b.cpus[0]!);
  cache.set(cacheKey, out);
  return out;
}

/** CPU count a workload should get: its pinned CPUs today, else its VM's vCPUs, else null (all local ones). */
export function cpuCount(w: Workload): number | null {
  if (w.cpus && w.cpus.length > 0) return w.cpus.length;
  if (w.vm?.cores) return w.vm.cores * (w.vm.sockets ?? 1);
  return null;
}

/**
 * Split `total` over `weights` as evenly as the weights say (largest remainder), each part at least
 * `min[k]` and at most `cap[k]`. The parts sum to `total` unless the minimums exceed it or the caps fall
 * short of it.
 */
export function apportion(total: number, weights: readonly number[], min: number[], cap: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const target = weights.map((w) => (total * w) / sum);
  const out = target.map((x, k) => Math.min(cap[k]!, Math.max(min[k]!, Math.floor(x))));
  let diff = out.reduce((a, b) => a + b, 0) - total;
  while (diff !== 0) {
    let best = -1;
    for (let k = 0; k < out.length; k++) {
      const room = diff > 0 ? out[k]! > min[k]! : out[k]! < cap[k]!;
      if (!room) continue;
      // giving: the part furthest below its share; taking: the part furthest above it
      const gap = diff > 0 ? out[k]! - target[k]! : target[k]! - out[k]!;
      if (best < 0 || gap > (diff > 0 ? out[best]! - target[best]! : target[best]! - out[best]!)) best = k;
    }
    if (best < 0) break;
    out[best]! += diff > 0 ? -1 : 1;
    diff += diff > 0 ? -1 : 1;
  }
  return out;
}

/**
 * Whether a workload keeps today's CPUs on `groups` (before what other workloads take): they all are local
 * to these GPUs and include a CPU local to each of them. pickCpus changes them otherwise (or, with no
 * group, keeps them).
 */
export function keepsCpus(w: Workload, groups: readonly CpuGroup[]): boolean {
  if (groups.length === 0) return true;
  const current = w.cpus ?? [];
  if (current.length === 0) return false;
  return (
    current.every((c) => groups.some((g) => g.set.has(c))) &&
    groups.every((g) => g.local.every((l) => current.some((c) => l.has(c))))
  );
}

const pools = new WeakMap<readonly CpuGroup[], { sorted: number[]; set: Set<number> }>();

/** The CPUs of all groups, sorted and as a set (cached per groups list). */
function poolOf(groups: readonly CpuGroup[]): { sorted: readonly number[]; set: ReadonlySet<number> } {
  if (groups.length === 1) return { sorted: groups[0]!.cpus, set: groups[0]!.set };
  let p = pools.get(groups);
  if (!p) {
    const set = new Set<number>();
    for (const g of groups) for (const c of g.cpus) set.add(c);
    p = { sorted: [...set].sort((a, b) => a - b), set };
    pools.set(groups, p);
  }
  return p;
}

/**
 * The CPUs a workload gets on the GPU groups `groups`. `used` (per group key) holds CPUs other workloads
 * already took: they are avoided while the group has others. Without local CPUs for any GPU the workload
 * keeps its CPUs.
 */
export function pickCpus(
  w: Workload,
  groups: readonly CpuGroup[],
  used?: ReadonlyMap<string, ReadonlySet<number>>,
): number[] | null {
  if (groups.length === 0) return w.cpus;
  const pool = poolOf(groups);
  const takenIn = groups.map((g) => used?.get(groupKey(g)));
  const want = cpuCount(w);
  const current = w.cpus ?? [];
  // today's CPUs already are local to every GPU, all on these groups and free: they stay
  if (
    keepsCpus(w, groups) &&
    groups.every((g, k) => !takenIn[k] || current.every((c) => !g.set.has(c) || !takenIn[k]!.has(c)))
  )
    return [...current].sort((a, b) => a - b);
  if (want === null || want >= pool.set.size) return [...pool.sorted];
  // at least one CPU per GPU-local set of each group; the rest in proportion to the group's GPUs
  const min = groups.map((g) => g.local.length);
  const quota = apportion(
    Math.max(
      want,
      min.reduce((a, b) => a + b, 0),
    ),
    groups.map((g) => g.gpus.length),
    min,
    groups.map((g) => g.cpus.length),
  );
  const mine = new Set(current);
  const out: number[] = [];
  groups.forEach((g, k) => {
    // preference: today's CPUs that are free, then free ones, then ones others took (each ascending)
    const taken = takenIn[k];
    const ranks: number[][] = [[], [], []];
    for (const c of g.cpus) ranks[taken?.has(c) ? 2 : mine.has(c) ? 0 : 1]!.push(c);
    const ordered = [...ranks[0]!, ...ranks[1]!, ...ranks[2]!];
    const pick = new Set<number>();
    for (const l of g.local) {
      let covered = false;
      for (const c of pick)
        if (l.has(c)) {
          covered = true;
          break;
        }
      if (covered) continue;
      const c = ordered.find((x) => l.has(x));
      if (c !== undefined) pick.add(c);
    }
    for (const c of ordered) {
      if (pick.size >= quota[k]!) break;
      pick.add(c);
    }
    out.push(...pick);
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Record `cpus` as taken in the groups they belong to. */
export function takeCpus(
  used: Map<string, Set<number>>,
  groups: readonly CpuGroup[],
  cpus: readonly number[],
) {
  for (const g of groups) {
    const key = groupKey(g);
    const set = used.get(key) ?? new Set<number>();
    for (const c of cpus) if (g.set.has(c)) set.add(c);
    used.set(key, set);
  }
}
