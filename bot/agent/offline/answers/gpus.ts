/**
 * The GPUs as the tools see them, for answers that reason about them directly: which run nothing (no
 * workload, no process, no memory in use, 0 %), which run something idle, how well sets of GPUs are
 * connected, and which GPUs the placement plan leaves free. Only the tools' values; no threshold of its own.
 */
import type { CollectResult } from '../../../../tools/agent/tools/collect-nvidia-smi.ts';
import type { TopologyResult } from '../../../../tools/agent/tools/get-topology.ts';
import type { Finding, Move } from './common.ts';
import type { Results } from './types.ts';

export type Gpu = CollectResult['gpus'][number];
export type Proc = CollectResult['processes'][number];

export interface GpuView {
  index: number;
  gpu: Gpu;
  workloads: { name: string; vmid: number | null; kind: string }[];
  procs: Proc[];
  /** nothing runs on it: no workload, no process, no memory in use, 0 % (null: the inputs cannot tell). */
  free: boolean | null;
  /** something holds it (a workload or a process) but it computes nothing (0 %). */
  heldIdle: boolean;
}

/** The GPUs with an index, each with its workloads and processes, and whether it is free. */
export function gpuViews(r: Results): GpuView[] {
  const c = r.data.collect_nvidia_smi;
  const topo = r.data.get_topology;
  const fromSmi = (c?.gpus ?? []).filter((g) => g.index !== null);
  const usage = fromSmi.some((g) => g.utilizationPct !== null || g.memoryUsedMiB !== null);
  const views: GpuView[] = fromSmi.map((g) => {
    const workloads = (c?.workloads ?? [])
      .filter((w) => w.gpus.includes(g.index!))
      .map((w) => ({ name: w.name, vmid: w.vmid, kind: w.kind }));
    const procs = (c?.processes ?? []).filter((p) => p.gpu === g.index);
    const held = workloads.length > 0 || procs.length > 0;
    const free = !usage ? null : !held && (g.utilizationPct ?? 0) === 0 && (g.memoryUsedMiB ?? 0) === 0;
    return { index: g.index!, gpu: g, workloads, procs, free, heldIdle: held && g.utilizationPct === 0 };
  });
  // a topology-only input: the GPUs of topo -m, state unknown
  if (views.length === 0 && topo)
    for (const g of topo.gpus)
      views.push({
        index: g.index,
        gpu: {
          index: g.index,
          name: g.name,
          numaNode: g.numaNode,
          utilizationPct: null,
          memoryUsedMiB: null,
          memoryTotalMiB: null,
        } as Gpu,
        workloads: g.workloads.map((w) => ({ name: w, vmid: null, kind: 'other' })),
        procs: [],
        free: null,
        heldIdle: false,
      });
  return views;
}

/** topo -m paths, best first. */
const RANK: Record<string, number> = { NV: 0, PIX: 1, PXB: 2, PHB: 3, NODE: 4, SYS: 5 };
export const pathRank = (raw: string | null | undefined) =>
  raw === null || raw === undefined ? 9 : (RANK[raw.startsWith('NV') ? 'NV' : raw] ?? 9);

export function pathOf(topo: TopologyResult | undefined, a: number, b: number): string | null {
  return (
    topo?.pairs.find(
      (p) => (p.a === `GPU${a}` && p.b === `GPU${b}`) || (p.a === `GPU${b}` && p.b === `GPU${a}`),
    )?.raw ?? null
  );
}

/** The best path from a GPU to any NIC, and the NICs at that path. */
export function nearestNic(
  topo: TopologyResult | undefined,
  gpu: number,
): { path: string; nics: string[] } | null {
  let best: { path: string; nics: string[] } | null = null;
  for (const n of topo?.nics ?? []) {
    const p = n.gpuPaths.find((x) => x.gpu === `GPU${gpu}`)?.path;
    if (!p) continue;
    const name = n.device ?? n.id;
    if (!best || pathRank(p) < pathRank(best.path)) best = { path: p, nics: [name] };
    else if (pathRank(p) === pathRank(best.path)) best.nics.push(name);
  }
  return best;
}

export interface GpuSet {
  gpus: number[];
  /** the worst path between two of them (null for one GPU or when unknown). */
  path: string | null;
  numa: number | null;
  /** the worst of the GPUs' best paths to a NIC (null: no NIC known). */
  nic: string | null;
  nics: string[];
}

function combos(xs: readonly number[], k: number, limit = 400): number[][] {
  const out: number[][] = [];
  const rec = (start: number, cur: number[]) => {
    if (out.length >= limit) return;
    if (cur.length === k) {
      out.push([...cur]);
      return;
    }
    for (let i = start; i < xs.length; i++) rec(i + 1, [...cur, xs[i]!]);
  };
  rec(0, []);
  return out;
}

/** Sets of `n` of these GPUs, best connected first (path between them, one NUMA node, near a NIC). */
export function bestSets(
  topo: TopologyResult | undefined,
  views: GpuView[],
  among: number[],
  n: number,
): GpuSet[] {
  const numaOf = (i: number) =>
    views.find((v) => v.index === i)?.gpu.numaNode ?? topo?.gpus.find((g) => g.index === i)?.numaNode ?? null;
  const sets = combos(
    [...among].sort((a, b) => a - b),
    n,
  ).map((gs): GpuSet => {
    let worst: string | null = null;
    for (let i = 0; i < gs.length; i++)
      for (let j = i + 1; j < gs.length; j++) {
        const p = pathOf(topo, gs[i]!, gs[j]!);
        if (worst === null || pathRank(p) > pathRank(worst)) worst = p;
      }
    const nodes = [...new Set(gs.map(numaOf))];
    const near = gs.map((g) => nearestNic(topo, g));
    const nic = near.every((x) => x !== null)
      ? near.reduce((w, x) => (pathRank(x!.path) > pathRank(w) ? x!.path : w), near[0]!.path)
      : null;
    const nics = near.every((x) => x !== null)
      ? near.reduce<string[]>(
          (acc, x, i) => (i === 0 ? [...x!.nics] : acc.filter((m) => x!.nics.includes(m))),
          [],
        )
      : [];
    return { gpus: gs, path: worst, numa: nodes.length === 1 ? nodes[0]! : null, nic, nics };
  });
  const score = (s: GpuSet) => pathRank(s.path) * 100 + (s.numa === null ? 50 : 0) + pathRank(s.nic);
  return sets.sort((a, b) => score(a) - score(b));
}

/** The GPUs no workload holds once the plan's moves are made (whole-GPU and MIG targets count as held). */
export function freeAfterPlan(views: GpuView[], moves: readonly Move[]): number[] {
  const moved = new Set(moves.map((m) => m.workload));
  const held = new Set<number>();
  for (const v of views) {
    const stays =
      v.workloads.some((w) => !moved.has(w.name)) || (v.workloads.length === 0 && v.procs.length > 0);
    if (stays) held.add(v.index);
  }
  for (const m of moves) for (const g of m.to.gpus) held.add(g);
  return views
    .filter((v) => !held.has(v.index) && (v.free !== false || v.workloads.length > 0))
    .map((v) => v.index);
}

/** Findings that say a GPU is unhealthy (check the hardware before putting a job on it). */
export const HARDWARE = ['pcie-downtrained', 'clock-throttle', 'ecc-errors'];
export const hardwareFindings = (fs: readonly Finding[]) => fs.filter((f) => HARDWARE.includes(f.rule));
