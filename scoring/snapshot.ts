/**
 * The host snapshot: the single source of truth that every later stage (score, findings, placement,
 * report, bot) reads. Written once in zod; the TypeScript types are inferred from it.
 *
 * Conventions
 * - Unknown values are explicit `null`, never 0 and never absent.
 * - Memory is in MiB (as nvidia-smi prints it), power in W, temperature in °C, percentages 0–100.
 * - PCI bus ids are normalised to `dddd:bb:dd.f`, lower case (`00000000:17:00.0` → `0000:17:00.0`).
 * - CPU lists are expanded, sorted arrays of logical CPU ids.
 */
import { z } from 'zod';
import { GpuWindow } from './window.ts';

export const SCHEMA_VERSION = 1 as const;

const n = z.number().nullable();
const int = z.number().int().nullable();

export const LinkKind = z.enum(['NV', 'PIX', 'PXB', 'PHB', 'NODE', 'SYS']);
export type LinkKind = z.infer<typeof LinkKind>;

export const ClockEventReason = z.enum([
  'gpu_idle',
  'applications_clocks_setting',
  'sw_power_cap',
  'hw_slowdown',
  'sync_boost',
  'sw_thermal_slowdown',
  'hw_thermal_slowdown',
  'hw_power_brake_slowdown',
  'display_clocks_setting',
]);
export type ClockEventReason = z.infer<typeof ClockEventReason>;

export const MigDevice = z.object({
  /** GPU instance id (`GI ID` in `mig -lgi` / the default table). */
  gi: int,
  /** compute instance id. */
  ci: int,
  /** MIG device index within the GPU (`MIG 1g.10gb Device 0` in `nvidia-smi -L`). */
  device: int,
  /** profile name as nvidia-smi prints it, e.g. `1g.18gb`. */
  profile: z.string().nullable(),
  /** GPU-instance profile id (`mig -lgi` "Profile ID"). */
  profileId: int,
  uuid: z.string().nullable(),
  memoryTotalMiB: n,
  memoryUsedMiB: n,
  /** the instance's own utilisation (share of its slices), e.g. DCGM GR_ENGINE_ACTIVE per instance. */
  utilizationPct: n,
  smCount: int,
  /** placement `start:size` in memory slices, from `mig -lgi`. */
  placement: z.object({ start: z.number().int(), size: z.number().int() }).nullable(),
  /**
   * What the instance did over a time window (an `infralens-gpu-window` document: statistics of its
   * dcgm-exporter series by `GPU_I_ID`, scoring/window.ts); null when no window was given. Added in
   * schema 1 (a snapshot without it reads as null).
   */
  window: GpuWindow.nullable().default(null),
});
export type MigDevice = z.infer<typeof MigDevice>;

export const MigProfile = z.object({
  id: z.number().int(),
  name: z.string(),
  instancesFree: int,
  instancesTotal: int,
  memoryGiB: n,
  smCount: int,
});
export type MigProfile = z.infer<typeof MigProfile>;

export const Gpu = z.object({
  index: int,
  uuid: z.string().nullable(),
  name: z.string().nullable(),
  /** normalised model key from the model table (e.g. `H200-NVL`, `H100-SXM-80GB`, `L40S`), or null. */
  family: z.string().nullable(),
  busId: z.string().nullable(),
  serial: z.string().nullable(),
  memory: z.object({ totalMiB: n, usedMiB: n }),
  utilization: z.object({ gpuPct: n, memoryPct: n }),
  mig: z.object({
    /** current MIG mode; null when unknown or the GPU has no MIG (`N/A`, `[N/A]`). */
    mode: z.enum(['enabled', 'disabled']).nullable(),
    pendingMode: z.enum(['enabled', 'disabled']).nullable(),
    devices: z.array(MigDevice),
    /** GPU-instance profiles from `mig -lgip`, or null when not captured. */
    profiles: z.array(MigProfile).nullable(),
  }),
  pcie: z.object({ genCurrent: int, genMax: int, widthCurrent: int, widthMax: int }),
  /** active clock-event (throttle) reasons; [] = none active; null = unknown. */
  clockEventReasons: z.array(ClockEventReason).nullable(),
  power: z.object({ drawW: n, limitW: n }),
  temperatureC: n,
  pstate: z.string().nullable(),
  /**
   * nvidia-smi's "Virtualization Mode" (`-q`) / `<virtualization_mode>` (`-q -x`) as printed: `None` (bare
   * metal), `Pass-Through` (a GPU passed through to this VM or cloud instance), `VGPU` (a vGPU guest),
   * `Host VGPU` / `Host VSGA` (the hypervisor host); null when not in the inputs. Added in schema 1
   * (a snapshot without it reads as null).
   */
  virtualizationMode: z.string().nullable().default(null),
  ecc: z.object({
    mode: z.enum(['enabled', 'disabled']).nullable(),
    correctedVolatile: int,
    uncorrectedVolatile: int,
    correctedAggregate: int,
    uncorrectedAggregate: int,
    retiredPagesPending: z.boolean().nullable(),
    remappedRows: z.object({
      correctable: int,
      uncorrectable: int,
      pending: z.boolean().nullable(),
      failure: z.boolean().nullable(),
    }),
  }),
  /** host NUMA node the GPU is attached to (topo `NUMA Affinity`, sysfs `numa_node`). */
  numaNode: int,
  /** host CPUs local to the GPU (topo `CPU Affinity`, sysfs `local_cpulist`). */
  cpuAffinity: z.array(z.number().int()).nullable(),
  /** DCGM profiling ratios (0–1) and byte rates, when a dcgm-exporter scrape was given. */
  metrics: z.object({
    smActive: n,
    smOccupancy: n,
    tensorActive: n,
    dramActive: n,
    pcieTxBytesPerSec: n,
    pcieRxBytesPerSec: n,
    xidLast: int,
  }),
  /**
   * What the GPU did over a time window (an `infralens-gpu-window` document: mean, p95 and idle time of its
   * dcgm-exporter series, scoring/window.ts), matched by UUID; null when no window was given. The score and
   * the rules prefer it to the one-second sample above. Added in schema 1 (a snapshot without it reads as
   * null).
   */
  window: GpuWindow.nullable().default(null),
});
export type Gpu = z.infer<typeof Gpu>;

/** An endpoint of the topology matrix: `GPU<i>` (nvidia-smi index) or `NIC<i>`. */
export const Endpoint = z.string().regex(/^(GPU|NIC)\d+$/);

export const Link = z.object({
  a: Endpoint,
  b: Endpoint,
  kind: LinkKind,
  /** number of bonded NVLinks for `NV#`, else null. */
  nvlinks: int,
  /** the cell exactly as printed (e.g. `SOC` for legacy drivers, kind `SYS`). */
  raw: z.string(),
});
export type Link = z.infer<typeof Link>;

export const Nic = z.object({
  id: z.string().regex(/^NIC\d+$/),
  device: z.string().nullable(),
  numaNode: int,
  cpuAffinity: z.array(z.number().int()).nullable(),
});
export type Nic = z.infer<typeof Nic>;

export const NumaNode = z.object({
  id: z.number().int(),
  cpus: z.array(z.number().int()),
  memoryMiB: n,
  freeMiB: n,
});
export type NumaNode = z.infer<typeof NumaNode>;

export const Cpu = z.object({
  model: z.string().nullable(),
  /**
   * lscpu's "Hypervisor vendor" (`KVM`, `Microsoft`, `VMware`, `Xen`, …): the host is a VM or cloud
   * instance; null when the inputs do not say (lscpu prints it only under a hypervisor). Added in schema 1
   * (a snapshot without it reads as null).
   */
  hypervisor: z.string().nullable().default(null),
  sockets: int,
  coresPerSocket: int,
  threadsPerCore: int,
  logicalCpus: int,
  numaNodes: z.array(NumaNode),
  /** NUMA distance matrix in node order, from `numactl -H`. */
  distances: z.array(z.array(z.number())).nullable(),
});
export type Cpu = z.infer<typeof Cpu>;

export const Process = z.object({
  pid: int,
  gpuIndex: int,
  gpuUuid: z.string().nullable(),
  name: z.string().nullable(),
  type: z.string().nullable(),
  usedMemoryMiB: n,
  /** MIG GPU/compute instance the process runs on, if any. */
  gi: int,
  ci: int,
});
export type Process = z.infer<typeof Process>;

export const WorkloadKind = z.enum(['training', 'inference', 'other']);
export type WorkloadKind = z.infer<typeof WorkloadKind>;

export const HostPci = z.object({
  slot: z.string(),
  /** normalised bus id; a Proxmox id without function (`0000:17:00`) means all functions (`.0` here). */
  busId: z.string().nullable(),
  mapping: z.string().nullable(),
  mdev: z.string().nullable(),
  pcie: z.boolean().nullable(),
  raw: z.string(),
});
export type HostPci = z.infer<typeof HostPci>;

export const VmNumaNode = z.object({
  id: z.number().int(),
  cpus: z.string().nullable(),
  hostnodes: z.string().nullable(),
  memoryMiB: n,
  policy: z.string().nullable(),
});

export const ProxmoxVm = z.object({
  vmid: int,
  hostpci: z.array(HostPci),
  affinity: z.string().nullable(),
  numa: z.boolean().nullable(),
  numaNodes: z.array(VmNumaNode),
  cores: int,
  sockets: int,
  memoryMiB: n,
  machine: z.string().nullable(),
  tags: z.array(z.string()),
});
export type ProxmoxVm = z.infer<typeof ProxmoxVm>;

export const Workload = z.object({
  name: z.string(),
  kind: WorkloadKind,
  /** nvidia-smi indexes of the GPUs the workload holds (resolved from bus ids where needed). */
  gpus: z.array(z.number().int()),
  /** the references as given, when some could not be resolved to a GPU of this host. */
  unresolvedGpus: z.array(z.string()),
  /** host CPUs the workload may run on (cpuset list expanded), null = not pinned / unknown. */
  cpus: z.array(z.number().int()).nullable(),
  distributed: z.boolean(),
  memoryGiB: n,
  /** where the workload came from: the file and format. */
  source: z.object({ file: z.string(), format: z.string() }),
  vm: ProxmoxVm.nullable(),
});
export type Workload = z.infer<typeof Workload>;

export const Source = z.object({
  file: z.string(),
  /** format id, or `bundle:<section>` for sections of an InfraLens bundle. */
  format: z.string(),
  warnings: z.array(z.string()),
});
export type Source = z.infer<typeof Source>;

export const ConflictValue = z.object({ source: z.string(), value: z.unknown() });

export const Conflict = z.object({
  /** `GPU<i>`/`bus id`, `cpu`, `host`, or `workload:<name>`. */
  subject: z.string(),
  field: z.string(),
  /** static: identity/configuration disagreed (suspicious); sampled: a measurement taken at another moment. */
  kind: z.enum(['static', 'sampled']),
  kept: z.unknown(),
  values: z.array(ConflictValue),
});
export type Conflict = z.infer<typeof Conflict>;

export const Snapshot = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  host: z.string().nullable(),
  driverVersion: z.string().nullable(),
  cudaVersion: z.string().nullable(),
  cpu: Cpu,
  gpus: z.array(Gpu),
  nics: z.array(Nic),
  links: z.array(Link),
  processes: z.array(Process),
  workloads: z.array(Workload),
  /** Proxmox PCI resource mappings (`/etc/pve/mapping/pci.cfg`): mapping id → bus ids on this host. */
  pciMappings: z.record(z.string(), z.array(z.string())),
  sources: z.array(Source),
  conflicts: z.array(Conflict),
  warnings: z.array(z.string()),
});
export type Snapshot = z.infer<typeof Snapshot>;
/** A snapshot as it may be read (fields added later, such as `virtualizationMode`, may be absent). */
export type SnapshotInput = z.input<typeof Snapshot>;

export function emptyGpu(): Gpu {
  return {
    index: null,
    uuid: null,
    name: null,
    family: null,
    busId: null,
    serial: null,
    memory: { totalMiB: null, usedMiB: null },
    utilization: { gpuPct: null, memoryPct: null },
    mig: { mode: null, pendingMode: null, devices: [], profiles: null },
    pcie: { genCurrent: null, genMax: null, widthCurrent: null, widthMax: null },
    clockEventReasons: null,
    power: { drawW: null, limitW: null },
    temperatureC: null,
    pstate: null,
    virtualizationMode: null,
    ecc: {
      mode: null,
      correctedVolatile: null,
      uncorrectedVolatile: null,
      correctedAggregate: null,
      uncorrectedAggregate: null,
      retiredPagesPending: null,
      remappedRows: { correctable: null, uncorrectable: null, pending: null, failure: null },
    },
    numaNode: null,
    cpuAffinity: null,
    metrics: {
      smActive: null,
      smOccupancy: null,
      tensorActive: null,
      dramActive: null,
      pcieTxBytesPerSec: null,
      pcieRxBytesPerSec: null,
      xidLast: null,
    },
    window: null,
  };
}

export function emptyMigDevice(): MigDevice {
  return {
    gi: null,
    ci: null,
    device: null,
    profile: null,
    profileId: null,
    uuid: null,
    memoryTotalMiB: null,
    memoryUsedMiB: null,
    utilizationPct: null,
    smCount: null,
    placement: null,
    window: null,
  };
}
