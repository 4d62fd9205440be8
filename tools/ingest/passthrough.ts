/**
 * A Proxmox host whose GPUs are passed through to VMs, merged with what its guests see.
 *
 * The host's own bundle knows the GPUs only from sysfs (bus id, NUMA node, local CPUs, PCIe link; the
 * GPUs are bound to vfio-pci, so nvidia-smi sees none) and the VM configs (`hostpciN` entries). Inside a
 * guest, nvidia-smi sees the passed-through GPUs on the VM's own PCI bus ids with their utilisation,
 * memory, processes and the rest. `mergeGuests` maps each guest GPU to its host GPU and copies what the
 * guest sees onto it, so the VM's workload has utilisation and the host can be scored.
 *
 * Mapping, per VM (guest):
 * 1. The VM's GPUs are its `hostpciN` entries in slot order whose bus id (or, for `mapping=<id>`, the
 *    host PCI mapping's paths) names a GPU of the host. Other functions of a card (the audio function
 *    `.1`), USB controllers, NICs and NVSwitch bridges name no GPU of the host and are ignored; vGPU
 *    entries (`mdev=`) share a GPU with other VMs and are not merged.
 * 2. Identity: a guest GPU whose UUID or serial a host GPU also has is that GPU.
 * 3. Order: the VM's remaining GPUs in hostpci order ↔ the guest's remaining GPUs in PCI bus order (how
 *    Proxmox places them: hostpciN behind the N-th root port, or at slot 0x10+N without pcie=1), only
 *    when both counts are equal and every remaining entry names exactly one host GPU — stated in a
 *    warning. When the counts differ (a GPU fell off the bus in the guest, a mapping is missing), nothing
 *    is guessed: the unmatched GPUs are named in a warning.
 *
 * A merged GPU keeps the host's physical facts — index, bus id, NUMA node, local CPUs, the PCIe link as
 * sysfs reads it (the guest's fills only what sysfs lacked) — and takes everything else the guest sees
 * that the host does not: uuid, serial, memory, utilisation, processes (re-indexed to the host GPU),
 * P-state, temperature, power, clock-event reasons, ECC, MIG state, DCGM metrics. The guest's name for
 * the GPU wins over the sysfs device-table name (nvidia-smi reads the board). The guest's virtualisation
 * mode (`Pass-Through`), host name, CPU, NICs, topology and workloads are not taken: on the host the GPU
 * is not virtual, and the guest's topology is the VM's PCI tree.
 *
 * Pure and deterministic: guests are taken in VM id order; the host snapshot is not changed.
 */
import { findGpuModel } from '../../scoring/gpu-models.ts';
import type { Conflict, Gpu, Process, Snapshot, Source, Workload } from '../../scoring/snapshot.ts';

export interface GuestSnapshot {
  /** the Proxmox VM id the guest runs as (inventory `vmid`). */
  vmid: number;
  snapshot: Snapshot;
  /** what the guest's data came from, for warnings (an inventory host name, a file name). */
  source?: string;
}

export interface MergeGuestsResult {
  snapshot: Snapshot;
  warnings: string[];
}

/** How a guest GPU was paired with a host GPU. */
type Method = 'uuid' | 'serial' | 'order';

interface Pair {
  host: Gpu;
  guest: Gpu;
  method: Method;
}

/** One `hostpciN` entry that names host GPUs. */
interface Entry {
  slot: string;
  /** the host GPUs it may be (one for a bus id; a mapping may list several paths). */
  gpus: Gpu[];
  raw: string;
}

/** Fields that are the host's physical facts, never taken from a guest. */
const HOST_ONLY = new Set(['index', 'busId', 'numaNode', 'cpuAffinity', 'virtualizationMode', 'family']);

/** Field paths that are measurements (a differing value is a `sampled` conflict). */
const SAMPLED_PREFIXES = [
  'memory.usedMiB',
  'utilization.',
  'power.drawW',
  'temperatureC',
  'pstate',
  'clockEventReasons',
  'pcie.genCurrent',
  'pcie.widthCurrent',
  'ecc.',
  'metrics.',
];

const GPU_FORMATS = ['nvidia-smi-xml', 'nvidia-smi-q', 'nvidia-smi-table', 'smi-csv', 'dcgm-metrics'];

const label = (g: Gpu) => `${g.index !== null ? `GPU${g.index} ` : ''}${g.busId ?? g.uuid ?? '?'}`;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `NVIDIA H100 80GB HBM3` and `NVIDIA H100 80GB HB...`: one is the other cut short. */
function cutOf(a: string, b: string): boolean {
  const cut = /(?:\.\.\.|…)$/;
  const prefix = (s: string) => s.replace(cut, '').trimEnd();
  return (cut.test(a) && b.startsWith(prefix(a))) || (cut.test(b) && a.startsWith(prefix(b)));
}

/** The file(s) a snapshot's GPU readings came from, for conflict values. */
function gpuSourceOf(s: Snapshot, fallback: string): string {
  for (const f of GPU_FORMATS) {
    const files = s.sources.filter((x) => x.format === f).map((x) => x.file);
    if (files.length > 0) return files.join(', ');
  }
  return fallback;
}

/**
 * Copy into `host` what `guest` says and `host` does not (null, or an empty MIG device list). A value
 * both state differently stays the host's, listed as a conflict; the GPU name is the guest's.
 */
function fill(
  host: Record<string, unknown>,
  guest: Record<string, unknown>,
  prefix: string,
  subject: string,
  sources: { host: string; guest: string },
  conflicts: Conflict[],
): void {
  for (const [key, gv] of Object.entries(guest)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (prefix === '' && HOST_ONLY.has(key)) continue;
    if (gv === null || gv === undefined) continue;
    const hv = host[key];
    const emptyList = Array.isArray(hv) && hv.length === 0 && path === 'mig.devices';
    if (hv === null || hv === undefined || emptyList) {
      host[key] = structuredClone(gv);
      continue;
    }
    if (isPlainObject(hv) && isPlainObject(gv)) {
      fill(hv, gv, path, subject, sources, conflicts);
      continue;
    }
    if (same(hv, gv)) continue;
    if (typeof hv === 'string' && typeof gv === 'string' && cutOf(hv, gv)) {
      if (hv.length < gv.length) host[key] = gv;
      continue;
    }
    // nvidia-smi in the guest reads the board's name; the host's comes from a PCI device-id table
    const keep = path === 'name' ? gv : hv;
    conflicts.push({
      subject,
      field: path,
      kind: SAMPLED_PREFIXES.some((p) => path === p || path.startsWith(p)) ? 'sampled' : 'static',
      kept: keep,
      values: [
        { source: sources.host, value: hv },
        { source: sources.guest, value: gv },
      ],
    });
    host[key] = keep;
  }
}

/** The VM's `hostpciN` entries that name GPUs of the host, in slot order, with what was set aside. */
function vmEntries(
  w: Workload,
  host: Snapshot,
  byBus: ReadonlyMap<string, Gpu>,
  vmLabel: string,
  warnings: string[],
): { entries: Entry[]; unresolved: string[] } {
  const entries: Entry[] = [];
  const unresolved: string[] = [];
  const seen = new Set<Gpu>();
  for (const h of w.vm?.hostpci ?? []) {
    let gpus: Gpu[];
    if (h.busId !== null) {
      const g = byBus.get(h.busId);
      gpus = g ? [g] : [];
    } else if (h.mapping !== null) {
      const paths = host.pciMappings[h.mapping];
      if (paths === undefined) {
        unresolved.push(`${h.slot} mapping=${h.mapping}`);
        warnings.push(
          `${vmLabel}: ${h.slot} uses PCI mapping '${h.mapping}', which the host bundle does not define (/etc/pve/mapping/pci.cfg): the device behind it is unknown`,
        );
        continue;
      }
      gpus = [...new Set(paths.map((p) => byBus.get(p)).filter((g): g is Gpu => g !== undefined))];
    } else continue;
    if (gpus.length === 0) continue; // an audio function, USB controller, NIC, NVSwitch: not a GPU
    if (h.mdev !== null) {
      warnings.push(
        `${vmLabel}: ${h.slot} is a vGPU (mdev=${h.mdev}) of ${gpus.map(label).join(', ')}: a vGPU shares its GPU with other VMs, so the guest's readings are not merged into it`,
      );
      continue;
    }
    if (gpus.every((g) => seen.has(g))) continue; // the same card named twice (`41:00` and `41:00.0`)
    for (const g of gpus) seen.add(g);
    entries.push({ slot: h.slot, gpus, raw: h.raw });
  }
  return { entries, unresolved };
}

/** Guest GPUs that stand for a passed-through GPU, in PCI bus order (then index). */
function guestGpus(s: Snapshot): Gpu[] {
  return s.gpus
    .filter((g) => !/^vgpu$/i.test(g.virtualizationMode?.trim() ?? ''))
    .sort(
      (a, b) =>
        (a.busId === null ? 1 : 0) - (b.busId === null ? 1 : 0) ||
        (a.busId ?? '').localeCompare(b.busId ?? '') ||
        (a.index ?? 1e9) - (b.index ?? 1e9),
    );
}

/**
 * Merge guest views into the host snapshot (see the module comment). Returns a new snapshot and the
 * warnings about the mapping (which method paired the GPUs when it was not an identity match, what
 * could not be paired and why).
 */
export function mergeGuests(host: Snapshot, guests: readonly GuestSnapshot[]): MergeGuestsResult {
  const snapshot = structuredClone(host);
  const warnings: string[] = [];
  const byBus = new Map<string, Gpu>();
  const byUuid = new Map<string, Gpu>();
  const bySerial = new Map<string, Gpu>();
  for (const g of snapshot.gpus) {
    if (g.busId && !byBus.has(g.busId)) byBus.set(g.busId, g);
    if (g.uuid && !byUuid.has(g.uuid.toLowerCase())) byUuid.set(g.uuid.toLowerCase(), g);
    if (g.serial && !bySerial.has(g.serial)) bySerial.set(g.serial, g);
  }
  const vms = new Map<number, Workload>();
  for (const w of snapshot.workloads) if (w.vm?.vmid != null && !vms.has(w.vm.vmid)) vms.set(w.vm.vmid, w);
  const hostName = snapshot.host ?? 'the host';
  const hostSource =
    snapshot.sources
      .filter((s) => s.format === 'sysfs-pci')
      .map((s) => s.file)
      .join(', ') || hostName;

  const order = guests.map((g, i) => ({ g, i })).sort((a, b) => a.g.vmid - b.g.vmid || a.i - b.i);
  const claimed = new Map<Gpu, number>();
  const seenVmids = new Set<number>();
  const drivers = new Map<string, number[]>();
  const cudas = new Map<string, number[]>();
  const touched = new Set<Gpu>();
  const guestSources: Source[] = [];

  if (guests.length > 0 && snapshot.gpus.length === 0)
    warnings.push(
      `${hostName} shows no GPUs (no sysfs-pci section in its bundle?): the guests' GPUs cannot be placed on it`,
    );

  for (const { g: guest } of order) {
    const from = guest.source ?? guest.snapshot.host ?? `the guest of VM ${guest.vmid}`;
    if (seenVmids.has(guest.vmid)) {
      warnings.push(`VM ${guest.vmid}: a second guest view (${from}) was ignored; the first one is used`);
      continue;
    }
    seenVmids.add(guest.vmid);
    const w = vms.get(guest.vmid);
    if (!w) {
      const known = [...vms.keys()].sort((a, b) => a - b);
      warnings.push(
        `guest ${from} runs as VM ${guest.vmid}, but ${hostName} has no VM config with that id (${known.length > 0 ? `VMs: ${known.join(', ')}` : 'no VM configs in its bundle'}): its GPUs were not merged`,
      );
      continue;
    }
    const vmLabel = `VM ${guest.vmid} (${w.name})`;
    guestSources.push(...guest.snapshot.sources.map((s) => structuredClone(s)));
    const gs = guest.snapshot;
    if (gs.driverVersion)
      drivers.set(gs.driverVersion, [...(drivers.get(gs.driverVersion) ?? []), guest.vmid]);
    if (gs.cudaVersion) cudas.set(gs.cudaVersion, [...(cudas.get(gs.cudaVersion) ?? []), guest.vmid]);
    for (const m of gs.warnings) warnings.push(`${vmLabel}, guest ${from}: ${m}`);
    if (gs.workloads.length > 0)
      warnings.push(
        `${vmLabel}: the guest's own workloads (${gs.workloads.map((x) => x.name).join(', ')}) are not carried over: on ${hostName} the VM is the workload`,
      );

    const { entries, unresolved } = vmEntries(w, snapshot, byBus, vmLabel, warnings);
    const inGuest = guestGpus(gs);
    const pairs: Pair[] = [];
    const usedGuest = new Set<Gpu>();
    const usedHost = new Set<Gpu>();
    const vmGpus = new Set(entries.flatMap((e) => e.gpus));

    // identity: a UUID or serial both sides know
    for (const gg of inGuest) {
      let hg: Gpu | undefined;
      let method: Method = 'uuid';
      if (gg.uuid) hg = byUuid.get(gg.uuid.toLowerCase());
      if (!hg && gg.serial) {
        hg = bySerial.get(gg.serial);
        method = 'serial';
      }
      if (!hg || usedHost.has(hg)) continue;
      if (!vmGpus.has(hg))
        warnings.push(
          `${vmLabel}: guest GPU ${gg.busId ?? gg.uuid} is host ${label(hg)} by its ${method}, but the VM config does not pass that GPU through (changed since the VM started?): merged by ${method}`,
        );
      pairs.push({ host: hg, guest: gg, method });
      usedGuest.add(gg);
      usedHost.add(hg);
    }

    // order: the rest, when it leaves nothing to guess
    const restEntries = entries.filter((e) => !e.gpus.some((g) => usedHost.has(g)));
    const restGuest = inGuest.filter((g) => !usedGuest.has(g));
    const ambiguous = restEntries.filter((e) => e.gpus.length > 1);
    if (restEntries.length > 0 || restGuest.length > 0) {
      const hostList = restEntries.map((e) => `${e.slot} ${e.gpus.map(label).join(' or ')}`).join(', ');
      const guestList = restGuest
        .map((g) => g.busId ?? (g.index !== null ? `GPU${g.index}` : '?'))
        .join(', ');
      if (restEntries.length === restGuest.length && ambiguous.length === 0 && unresolved.length === 0) {
        restEntries.forEach((e, k) => {
          pairs.push({ host: e.gpus[0]!, guest: restGuest[k]!, method: 'order' });
        });
        warnings.push(
          `${vmLabel}: ${restGuest.length} guest GPU(s) matched to host GPUs by order (hostpci order ↔ the guest's PCI bus order), as no UUID or serial is known on both sides: ${restEntries
            .map(
              (e, k) =>
                `${e.slot} ${label(e.gpus[0]!)} → guest ${restGuest[k]!.busId ?? `GPU${restGuest[k]!.index}`}`,
            )
            .join(', ')}`,
        );
      } else {
        const why =
          ambiguous.length > 0
            ? `${ambiguous.map((e) => e.slot).join(', ')} name several host GPUs (a PCI mapping with several paths: Proxmox picks a free one at start)`
            : unresolved.length > 0
              ? `${unresolved.join(', ')} could not be resolved`
              : `the VM passes through ${restEntries.length + pairs.length} GPU(s) but the guest shows ${restGuest.length + pairs.length}`;
        warnings.push(
          `${vmLabel}: ${why}, so its GPUs cannot be matched by order without guessing; not merged — host GPUs: ${hostList || 'none'}; guest GPUs: ${guestList || 'none'}${restGuest.length < restEntries.length ? ' (a GPU missing in the guest may have fallen off the bus: lspci shows it as rev ff, dmesg Xid 79)' : ''}`,
        );
      }
    }

    // copy the guest's view onto the host GPUs
    const hostOfGuest = new Map<Gpu, Gpu>();
    for (const p of pairs) {
      const prev = claimed.get(p.host);
      if (prev !== undefined) {
        warnings.push(
          `${vmLabel}: host ${label(p.host)} was already merged from VM ${prev}'s guest (two VM configs pass it through): VM ${guest.vmid}'s view of it was ignored`,
        );
        continue;
      }
      claimed.set(p.host, guest.vmid);
      hostOfGuest.set(p.guest, p.host);
      touched.add(p.host);
      fill(
        p.host as unknown as Record<string, unknown>,
        p.guest as unknown as Record<string, unknown>,
        '',
        p.host.index !== null ? `GPU${p.host.index}` : (p.host.busId ?? '?'),
        { host: hostSource, guest: gpuSourceOf(gs, from) },
        snapshot.conflicts,
      );
    }

    // processes, on the host GPU's index
    const guestByIndex = new Map<number, Gpu>();
    const guestByUuid = new Map<string, Gpu>();
    for (const g of inGuest) {
      if (g.index !== null) guestByIndex.set(g.index, g);
      if (g.uuid) guestByUuid.set(g.uuid, g);
    }
    for (const p of gs.processes) {
      const gg =
        (p.gpuUuid ? guestByUuid.get(p.gpuUuid) : undefined) ??
        (p.gpuIndex !== null ? guestByIndex.get(p.gpuIndex) : undefined);
      const hg = gg ? hostOfGuest.get(gg) : undefined;
      if (!hg) continue;
      const proc: Process = { ...p, gpuIndex: hg.index, gpuUuid: p.gpuUuid ?? hg.uuid };
      snapshot.processes.push(proc);
    }

    // the guest's own disagreements about a merged GPU, under the host GPU's name
    for (const c of gs.conflicts) {
      const m = /^GPU(\d+)$/.exec(c.subject);
      const gg = m ? guestByIndex.get(Number(m[1])) : undefined;
      const hg = gg ? hostOfGuest.get(gg) : undefined;
      if (hg)
        snapshot.conflicts.push({
          ...structuredClone(c),
          subject: hg.index !== null ? `GPU${hg.index}` : (hg.busId ?? c.subject),
        });
    }
  }

  for (const g of touched) g.family = findGpuModel(g.name, g.memory.totalMiB)?.family ?? null;
  snapshot.sources.push(...guestSources);
  const version = (field: 'driverVersion' | 'cudaVersion', seen: Map<string, number[]>) => {
    if (snapshot[field] !== null || seen.size === 0) return;
    const list = [...seen].sort((a, b) => Math.min(...a[1]) - Math.min(...b[1]));
    snapshot[field] = list[0]![0];
    if (list.length > 1)
      snapshot.conflicts.push({
        subject: 'host',
        field,
        kind: 'static',
        kept: list[0]![0],
        values: list.map(([value, ids]) => ({ source: `VM ${ids.join(', ')}`, value })),
      });
  };
  version('driverVersion', drivers);
  version('cudaVersion', cudas);
  return { snapshot, warnings };
}
