/**
 * The interconnect model: how fast GPUs exchange data over each kind of link, and what that means for a
 * ring all-reduce. Every constant cites ../shared/reference/domain-facts.md (§4, §5); see docs/scoring.md.
 */
import { gpuModelByFamily } from './gpu-models.ts';
import type { Gpu, Link, LinkKind } from './snapshot.ts';

/** PCIe payload bandwidth per lane and direction, GB/s (Gen3 16 / Gen4 31.5 / Gen5 63 / Gen6 126 for x16; §4). */
const PCIE_LANE_GBS: Record<number, number> = { 1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.877 };

/** PCIe bandwidth, GB/s per direction, for a generation and width. */
export function pcieGBs(gen: number, width: number): number {
  return (PCIE_LANE_GBS[gen] ?? PCIE_LANE_GBS[4]!) * width;
}

/**
 * Share of the x16 line rate that GPU-to-GPU traffic reaches over each PCIe path, from the 8× L40S Gen4
 * measurement (S33: single hop 26.3, flat ring 20.75, cross-NUMA 9.7 GB/s against 31.5 GB/s line rate).
 */
export const PCIE_PATH_EFFICIENCY: Record<Exclude<LinkKind, 'NV'>, number> = {
  PIX: 26.3 / 31.5,
  PXB: 26.3 / 31.5,
  PHB: 20.75 / 31.5,
  NODE: 20.75 / 31.5,
  SYS: 9.7 / 31.5,
};

/** NVLink bandwidth per link and direction, GB/s (§4: NVLink 2/3/4 = 25, NVLink 5 = 50). */
export function nvlinkPerLinkGBs(family: string | null): number {
  return family === 'B200' ? 50 : 25;
}

/** Host PCIe generation for a pair of GPUs: the lower of their max link gens, else the model's, else Gen4. */
function pairPcieGen(a: Gpu | undefined, b: Gpu | undefined): number {
  const gen = (g: Gpu | undefined) => g?.pcie.genMax ?? gpuModelByFamily(g?.family ?? null)?.pcieGen ?? null;
  const ga = gen(a);
  const gb = gen(b);
  if (ga !== null && gb !== null) return Math.min(ga, gb);
  return ga ?? gb ?? 4;
}

export interface LinkBandwidth {
  kind: LinkKind;
  raw: string;
  /** effective GB/s per direction between the two GPUs. */
  gbs: number;
}

/** Effective GB/s per direction over one topo link between two GPUs. */
export function linkBandwidth(link: Link, a: Gpu | undefined, b: Gpu | undefined): LinkBandwidth {
  if (link.kind === 'NV') {
    const links = link.nvlinks ?? 1;
    return { kind: 'NV', raw: link.raw, gbs: links * nvlinkPerLinkGBs(a?.family ?? b?.family ?? null) };
  }
  const x16 = pcieGBs(pairPcieGen(a, b), 16);
  return { kind: link.kind, raw: link.raw, gbs: x16 * PCIE_PATH_EFFICIENCY[link.kind] };
}

/** Ring all-reduce time, ms: each GPU sends and receives 2(n−1)/n × S over the bottleneck link (S28). */
export function ringAllReduceMs(n: number, sizeGB: number, gbs: number): number {
  if (n < 2 || gbs <= 0) return 0;
  return ((2 * (n - 1)) / n) * (sizeGB / gbs) * 1000;
}

/**
 * The best ring through every GPU of `set`: the largest bottleneck bandwidth over all Hamiltonian cycles
 * (exact, by dynamic programming over subsets, for up to 12 GPUs; above that, the bottleneck of the
 * best spanning tree — an upper bound). `bw(i, j)` returns the pair's GB/s or null when unknown;
 * unknown pairs are not used. Returns null when no ring through known links exists.
 */
export function bestRingBottleneck(
  set: readonly number[],
  bw: (a: number, b: number) => number | null,
): number | null {
  const n = set.length;
  if (n < 2) return null;
  const m: (number | null)[][] = set.map((a, i) =>
    set.map((b, j) => (i === j ? null : i < j ? bw(a, b) : bw(b, a))),
  );
  if (n === 2) return m[0]![1] ?? null;
  const values = [...new Set(m.flat().filter((x): x is number => x !== null))].sort((x, y) => y - x);
  for (const t of values) {
    if (
      n <= 12
        ? hasHamiltonianCycle(n, (i, j) => (m[i]![j] ?? -1) >= t)
        : connected(n, (i, j) => (m[i]![j] ?? -1) >= t)
    )
      return t;
  }
  return null;
}

function hasHamiltonianCycle(n: number, edge: (i: number, j: number) => boolean): boolean {
  // dp[mask] = bitset of end vertices of paths from vertex 0 covering `mask`
  const full = (1 << n) - 1;
  const dp = new Uint32Array(1 << n);
  dp[1] = 1;
  for (let mask = 1; mask <= full; mask++) {
    if (!(mask & 1) || dp[mask] === 0) continue;
    for (let v = 0; v < n; v++) {
      if (!(dp[mask]! & (1 << v))) continue;
      for (let w = 1; w < n; w++) if (!(mask & (1 << w)) && edge(v, w)) dp[mask | (1 << w)]! |= 1 << w;
    }
  }
  for (let v = 1; v < n; v++) if (dp[full]! & (1 << v) && edge(v, 0)) return true;
  return false;
}

function connected(n: number, edge: (i: number, j: number) => boolean): boolean {
  const seen = new Set([0]);
  const stack = [0];
  while (stack.length) {
    const v = stack.pop()!;
    for (let w = 0; w < n; w++)
      if (!seen.has(w) && edge(v, w)) {
        seen.add(w);
        stack.push(w);
      }
  }
  return seen.size === n;
}
