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

/** A GPU as one input sees it. It must carry at least one of index, busId or uuid to be merged. */
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
  /** non-fatal remarks about this input (e.g. "GPU 3: Unable to determine the device handle"). */
  warnings?: string[];
}
