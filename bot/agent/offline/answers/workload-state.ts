/** One workload as the tools see it: VM, kind, GPUs with their utilisation and NUMA node, links, CPUs. */
import type { Results } from './types.ts';

export interface WorkloadState {
  name: string;
  vmid: number | null;
  kind: string;
  gpus: number[];
  /** utilisation (%) of each GPU, in the order of `gpus`. */
  util: (number | null)[];
  /** the NUMA node of each GPU. */
  numa: (number | null)[];
  /** the path of each GPU pair as topo -m prints it (NV6, SYS, …). */
  pairs: { a: number; b: number; kind: string | null }[];
  allNvlink: boolean;
  cpus: string | null;
  /** the file it was declared in (103.conf). */
  source: string | null;
  /** the PCI devices its Proxmox VM passes through (bus id or mapping, with the hostpci slot). */
  hostpci: { slot: string; device: string }[];
}

export function workloadState(name: string, r: Results): WorkloadState | null {
  const c = r.data.collect_nvidia_smi;
  const w = c?.workloads.find((x) => x.name === name);
  if (!c || !w) return null;
  const topo = r.data.get_topology?.workloads.find((x) => x.name === name);
  const gpu = (i: number) => c.gpus.find((g) => g.index === i);
  return {
    name,
    vmid: w.vmid,
    kind: w.kind,
    gpus: w.gpus,
    util: w.gpus.map((i) => gpu(i)?.utilizationPct ?? null),
    numa: w.gpus.map((i) => gpu(i)?.numaNode ?? null),
    pairs: topo?.pairs ?? [],
    allNvlink: topo?.allNvlink ?? false,
    cpus: w.cpus,
    source: w.source,
    hostpci: w.hostpci.map((h) => ({ slot: h.slot, device: h.busId ?? h.mapping ?? h.mdev ?? '?' })),
  };
}
