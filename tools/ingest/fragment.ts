/**
 * What one parser returns: the part of a host snapshot that one input says something about.
 * A field that is absent means "this input does not say"; `null` means "this input says: unknown".
 * The merge step (merge.ts) turns fragments from several inputs into one Snapshot.
 */
import type { Cpu, Gpu, Link, Nic, Process, ProxmoxVm, WorkloadKind } from '../../scoring/snapshot.ts';

/** A deep partial that keeps arrays (and nullable objects) whole. */
export type Patch<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? Patch<T[K]> : T[K];
};

/**
 * A GPU as one input sees it. It must carry at least one of index, busId or uuid to be merged. A `window`
 * (the gpu-window document's statistics, on the GPU or on a MIG device) is taken whole, never merged field
 * by field: the first input's is kept (merge.ts).
 */
export type GpuPatch = Patch<Gpu>;

/** A process as one input sees it; the GPU may be named by index, uuid or bus id. */
export type ProcessPatch = Partial<Process> & { gpuBusId?: string | null };

/** A workload as an input declares it; GPU references are resolved against the merged GPUs. */
export interface WorkloadSpec {
  name: string;
  kind: WorkloadKind;
  /** nvidia-smi indexes (numbers) or PCI bus ids (strings, any common spelling). */
  gpuRefs: (number | string)[];
  /** CPU affinity, expanded. null = not pinned / not stated. */
  cpus: number[] | null;
  /** null = use the default (true for training on more than one GPU). */
  distributed: boolean | null;
  memoryGiB: number | null;
  vm: ProxmoxVm | null;
}

/**
 * Readings of a `topo -m` row whose CPU Affinity and NUMA Affinity ran together (`0-45,92-1370`), when the
 * file alone cannot tell which is right; the merge takes one when the host's CPU facts (numactl -H,
 * lscpu) leave exactly one. `numaNode: null` is the reading "all of it is the CPU list".
 */
export interface AffinityCandidates {
  /** `GPU<i>` or `NIC<i>`. */
  endpoint: string;
  /** the field as printed. */
  raw: string;
  candidates: { cpus: number[]; numaNode: number | null }[];
}

export interface Fragment {
  /** the format id of the parser that produced it. */
  format: string;
  host?: string | null;
  driverVersion?: string | null;
  cudaVersion?: string | null;
  cpu?: Patch<Omit<Cpu, 'numaNodes' | 'distances'>> & Partial<Pick<Cpu, 'numaNodes' | 'distances'>>;
  gpus?: GpuPatch[];
  nics?: Nic[];
  links?: Link[];
  processes?: ProcessPatch[];
  workloads?: WorkloadSpec[];
  /** true when this input lists every GPU of the host (e.g. the sysfs scan), so PCI order gives indexes. */
  gpusComplete?: boolean;
  /** Proxmox PCI resource mappings (`/etc/pve/mapping/pci.cfg`): mapping id → bus ids. */
  pciMappings?: Record<string, string[]>;
  /** CPU/NUMA affinity fields of `topo -m` rows that ran together, left for the merge to settle. */
  affinityCandidates?: AffinityCandidates[];
  /** non-fatal remarks about this input (e.g. "GPU 3: Unable to determine the device handle"). */
  warnings?: string[];
}
