import type { z } from 'zod';
import { formatCpuList } from '../../../scoring/cpuset.ts';
import type { Link } from '../../../scoring/snapshot.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { forModel, HostArg } from './common.ts';

/** Best path first, as nvidia-smi's legend orders them. */
const RANK: Record<Link['kind'], number> = { NV: 0, PIX: 1, PXB: 2, PHB: 3, NODE: 4, SYS: 5 };

/** Connected components of the NVLink graph (GPU indexes). */
function nvlinkGroups(indexes: number[], nv: Link[]): number[][] {
  const parent = new Map(indexes.map((i) => [i, i]));
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const l of nv) {
    const a = Number(l.a.slice(3));
    const b = Number(l.b.slice(3));
    if (parent.has(a) && parent.has(b)) parent.set(find(a), find(b));
  }
  const groups = new Map<number, number[]>();
  for (const i of indexes) groups.set(find(i), [...(groups.get(find(i)) ?? []), i]);
  return [...groups.values()].filter((g) => g.length > 1).sort((x, y) => x[0]! - y[0]!);
}

async function run(input: z.infer<typeof HostArg>, ctx: ToolContext) {
  const s = ctx.session.snapshot(input.host);
  const h = ctx.session.hostAnalysis(input.host);
  const indexes = h.gpus.map((g) => g.index);
  const gpuLinks = s.links.filter((l) => l.a.startsWith('GPU') && l.b.startsWith('GPU'));
  const nicLinks = s.links.filter((l) => l.a.startsWith('NIC') !== l.b.startsWith('NIC'));
  const kindOf = (a: number, b: number) =>
    gpuLinks.find(
      (l) => (l.a === `GPU${a}` && l.b === `GPU${b}`) || (l.a === `GPU${b}` && l.b === `GPU${a}`),
    );
  const nv = gpuLinks.filter((l) => l.kind === 'NV');
  const missing: string[] = [];
  if (gpuLinks.length === 0) missing.push('GPU↔GPU links: send `nvidia-smi topo -m`');
  if (h.gpus.every((g) => g.numaNode === null))
    missing.push('NUMA nodes of the GPUs: send `nvidia-smi topo -m` with its NUMA column, or `numactl -H`');
  if (h.gpus.every((g) => g.utilizationPct === null))
    missing.push('utilisation and memory: send `nvidia-smi -q -x` (or the collector bundle)');
  return {
    data: forModel(ctx, {
      host: s.host,
      gpus: h.gpus.map((g) => {
        const raw = s.gpus.find((x) => x.index === g.index);
        return {
          index: g.index,
          name: g.name,
          numaNode: g.numaNode,
          localCpus: raw?.cpuAffinity ? formatCpuList(raw.cpuAffinity) : null,
          workloads: g.workloads,
        };
      }),
      hasNvlink: nv.length > 0,
      nvlinkGroups: nvlinkGroups(indexes, nv),
      /** every GPU pair with its path (NV# = NVLink with # links; PIX/PXB = PCIe switch; PHB = via the CPU's host bridge; NODE = within a NUMA node; SYS = across CPU sockets). */
      pairs: gpuLinks.map((l) => ({ a: l.a, b: l.b, kind: l.kind, nvlinks: l.nvlinks, raw: l.raw })),
      numaNodes: s.cpu.numaNodes.map((n) => ({
        id: n.id,
        cpus: formatCpuList(n.cpus),
        memoryMiB: n.memoryMiB,
        gpus: h.gpus.filter((g) => g.numaNode === n.id).map((g) => g.index),
      })),
      nics: s.nics.map((n) => {
        const near = nicLinks
          .filter((l) => l.a === n.id || l.b === n.id)
          .map((l) => ({ gpu: l.a === n.id ? l.b : l.a, kind: l.kind }))
          .sort((x, y) => RANK[x.kind] - RANK[y.kind]);
        const best = near[0]?.kind ?? null;
        return {
          id: n.id,
          device: n.device,
          numaNode: n.numaNode,
          bestPath: best,
          nearestGpus: best === null ? [] : near.filter((x) => x.kind === best).map((x) => x.gpu),
          /** the path from every GPU to this NIC, best first (as topo -m prints it). */
          gpuPaths: near.map((x) => ({ gpu: x.gpu, path: x.kind })),
        };
      }),
      workloads: h.workloads
        .filter((w) => w.gpus.length > 1)
        .map((w) => {
          const pairs: { a: number; b: number; kind: string | null }[] = [];
          for (let i = 0; i < w.gpus.length; i++)
            for (let j = i + 1; j < w.gpus.length; j++)
              pairs.push({ a: w.gpus[i]!, b: w.gpus[j]!, kind: kindOf(w.gpus[i]!, w.gpus[j]!)?.raw ?? null });
          const numa = new Set(w.gpus.map((i) => h.gpus.find((g) => g.index === i)?.numaNode ?? null));
          return {
            name: w.name,
            gpus: w.gpus,
            distributed: w.distributed,
            pairs,
            allNvlink: pairs.length > 0 && pairs.every((p) => p.kind?.startsWith('NV') ?? false),
            numaNodes: [...numa],
          };
        }),
      missing,
    }),
  };
}

export type TopologyResult = Awaited<ReturnType<typeof run>>['data'];

export const getTopology: ToolDef<z.infer<typeof HostArg>, TopologyResult> = {
  name: 'get_topology',
  description:
    'The topology of one host from `nvidia-smi topo -m`, numactl/lscpu and sysfs: every GPU pair\'s path (NV# = NVLink with # bonded links; PIX/PXB = through PCIe switches; PHB = through a CPU host bridge; NODE = across host bridges within one NUMA node; SYS = across CPU sockets), the NVLink groups (GPUs connected by NVLink), each GPU\'s NUMA node and local CPUs, the NUMA nodes (CPUs, memory MiB), the NICs (mlx5_*) with their nearest GPUs and the path from every GPU, and for every multi-GPU workload its GPU pairs, whether all are NVLink and which NUMA nodes it spans. `missing` says which outputs would allow more. Use for NVLink / topology / "which GPUs are connected" / NIC and GPUDirect RDMA / NUMA layout questions, and for topology-only uploads.',
  input: HostArg,
  run,
};
