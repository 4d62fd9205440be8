/**
 * A Proxmox cluster's VM ↔ GPU ↔ NUMA map, from its API alone (no SSH): the files fetchCluster renders
 * (each VM's config, the PCI mappings, the node's GPUs with their NUMA nodes) are read by the same parsers
 * as uploaded files, one node at a time, and the map is read off the snapshot: each VM with the node's
 * GPUs its hostpci entries name, and the NUMA node of each; VMs whose device or mapping names no GPU of
 * the node say so.
 */
import type { Snapshot } from '../../scoring/snapshot.ts';
import { ingestHosts } from '../ingest/index.ts';
import type { ProxmoxApiEntry } from '../inventory/schema.ts';
import { nodeFiles, proxmoxSource } from './index.ts';
import { fetchCluster } from './proxmox-api.ts';

export interface ProxmoxMapVm {
  node: string;
  vmid: number;
  name: string | null;
  status: string | null;
  /** the node's GPUs the VM holds: index on the node (PCI order), bus id, model, NUMA node. */
  gpus: { gpu: number | null; busId: string | null; model: string | null; numaNode: number | null }[];
  /** hostpci entries that name no GPU of the node (a mapping of another node, a device not a GPU). */
  unresolved: string[];
  /** the VM's own NUMA pinning (`numa0: hostnodes=…`), as configured. */
  hostNodes: string[];
}

export interface ProxmoxMap {
  cluster: string;
  nodes: { node: string; gpus: number; numaNodes: number[] }[];
  vms: ProxmoxMapVm[];
  warnings: string[];
}

function vmsOf(
  node: string,
  snapshot: Snapshot,
  status: Map<number, { name: string | null; status: string | null }>,
): ProxmoxMapVm[] {
  const byIndex = new Map(snapshot.gpus.map((g) => [g.index, g]));
  return snapshot.workloads
    .filter((w) => w.vm?.vmid !== null && w.vm?.vmid !== undefined)
    .map((w) => {
      const vmid = w.vm!.vmid!;
      return {
        node,
        vmid,
        name: status.get(vmid)?.name ?? w.name,
        status: status.get(vmid)?.status ?? null,
        gpus: w.gpus.map((i) => {
          const g = byIndex.get(i);
          return { gpu: i, busId: g?.busId ?? null, model: g?.name ?? null, numaNode: g?.numaNode ?? null };
        }),
        unresolved: w.unresolvedGpus,
        hostNodes: w.vm!.numaNodes.map((n) => n.hostnodes).filter((x): x is string => x !== null),
      };
    });
}

/** Read the cluster and build its map; throws the source's error (auth, tls, timeout, unreachable). */
export async function proxmoxMap(
  entry: ProxmoxApiEntry,
  o: { signal?: AbortSignal } = {},
): Promise<ProxmoxMap> {
  const cluster = await fetchCluster(proxmoxSource(entry), o.signal ? { signal: o.signal } : {});
  const out: ProxmoxMap = { cluster: entry.name, nodes: [], vms: [], warnings: [...cluster.warnings] };
  for (const node of cluster.nodes) {
    const files = nodeFiles(cluster.files, node);
    const status = new Map(
      cluster.vms.filter((v) => v.node === node).map((v) => [v.vmid, { name: v.name, status: v.status }]),
    );
    if (files.length === 0) continue;
    const { snapshots, rejected } = ingestHosts(files, { host: node });
    for (const r of rejected) out.warnings.push(`${node}: ${r.error.describe()}`);
    const s = snapshots[0];
    if (!s) continue;
    out.nodes.push({
      node,
      gpus: s.gpus.length,
      numaNodes: [...new Set(s.gpus.map((g) => g.numaNode).filter((n): n is number => n !== null))].sort(),
    });
    out.vms.push(...vmsOf(node, s, status));
  }
  return out;
}
