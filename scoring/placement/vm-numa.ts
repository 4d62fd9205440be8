/**
 * The virtual NUMA layout of a planned Proxmox VM (docs/placement.md, "Proxmox VMs"): one virtual node per
 * host NUMA node its CPUs span, each `numaN: cpus=<vCPU range>,hostnodes=<host node>,memory=<MiB>,
 * policy=bind`. Proxmox refuses to start a VM whose NUMA memory does not add up to its memory ("total
 * memory for NUMA nodes must be equal to vm static memory"), and QEMU wants each vCPU in one node, so the
 * vCPU ranges partition the VM's vCPUs (cores × sockets, Proxmox defaults 1 × 1), the memory of the nodes
 * sums to the VM's memory, and every `numaN` of today's config beyond the planned ones is deleted.
 */
import type { ProxmoxVm } from '../snapshot.ts';
import { apportion, type CpuGroup } from './cpus.ts';

export interface VirtualNode {
  id: number;
  /** first and last vCPU of the node. */
  vcpus: [number, number];
  /** host NUMA nodes its memory is bound to; null where an id is not known for sure (a placeholder). */
  hostnodes: number[] | null;
  /** the host CPUs of those nodes the VM runs on (to name the node in a placeholder). */
  hostCpus: number[];
  /** MiB; null when the VM's memory is not in the inputs (a placeholder). */
  memoryMiB: number | null;
}

export interface VmNumaLayout {
  nodes: VirtualNode[];
  /** ids of today's `numaN` entries the layout does not set: they are deleted. */
  remove: number[];
}

/** vCPUs of a VM as Proxmox counts them (`cores` × `sockets`, each 1 when not set). */
export const vcpusOf = (vm: ProxmoxVm) => (vm.cores ?? 1) * (vm.sockets ?? 1);

/** A node id is trusted in a command when the GPU or the numactl / lscpu table gave it. */
const trusted = (g: CpuGroup) => g.node !== null && (g.source === 'gpu' || g.source === 'cpu-table');

/**
 * The layout for a VM whose planned host CPUs are `cpus`, on the GPU groups `groups`. Groups without a
 * planned CPU are left out; with fewer vCPUs than groups the VM gets one virtual node bound to all of them.
 */
export function vmNumaLayout(
  vm: ProxmoxVm,
  groups: readonly CpuGroup[],
  cpus: readonly number[],
): VmNumaLayout {
  const mine = new Set(cpus);
  const parts = groups
    .map((g) => ({ g, cpus: g.cpus.filter((c) => mine.has(c)) }))
    .filter((p) => p.cpus.length > 0);
  if (parts.length === 0) return { nodes: [], remove: [] };
  const v = vcpusOf(vm);
  const memory = vm.memoryMiB === null ? null : Math.round(vm.memoryMiB);
  let nodes: VirtualNode[];
  if (v < parts.length) {
    nodes = [
      {
        id: 0,
        vcpus: [0, v - 1],
        hostnodes: parts.every((p) => trusted(p.g)) ? parts.map((p) => p.g.node!) : null,
        hostCpus: parts.flatMap((p) => p.cpus),
        memoryMiB: memory,
      },
    ];
  } else {
    const n = parts.length;
    const weights = parts.map((p) => p.cpus.length);
    const counts = apportion(v, weights, new Array(n).fill(1), new Array(n).fill(v));
    // memory in whole GiB when it divides (hugepages of 1 GiB need it), else in MiB; it sums to the VM's
    const unit = memory !== null && memory % 1024 === 0 && memory / 1024 >= n ? 1024 : 1;
    const mem =
      memory === null
        ? null
        : apportion(memory / unit, counts, new Array(n).fill(1), new Array(n).fill(memory / unit)).map(
            (x) => x * unit,
          );
    let first = 0;
    nodes = parts.map((p, k) => {
      const node: VirtualNode = {
        id: k,
        vcpus: [first, first + counts[k]! - 1],
        hostnodes: trusted(p.g) ? [p.g.node!] : null,
        hostCpus: p.cpus,
        memoryMiB: mem ? mem[k]! : null,
      };
      first += counts[k]!;
      return node;
    });
  }
  const remove = vm.numaNodes
    .map((x) => x.id)
    .filter((id) => id >= nodes.length)
    .sort((a, b) => a - b);
  return { nodes, remove };
}
