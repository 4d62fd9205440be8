/**
 * Merge fragments from several inputs about one host into one Snapshot.
 *
 * - GPUs are matched by uuid, then PCI bus id, then nvidia-smi index.
 * - A field two inputs both state with different values is a conflict: the value of the more
 *   authoritative format (parser registry order) is kept, and the conflict is listed in
 *   `snapshot.conflicts` — never silently overwritten. Measurements (utilisation, power, …) taken at
 *   different moments are `sampled` conflicts; identity and configuration are `static`.
 * - Two values are not in conflict when they are equal within the precision printed (87 W and 87.88 W:
 *   the more precise is kept), or when one is the other cut short by nvidia-smi (`NVIDIA RTX PRO 6000
 *   Blac...` and the full name: the full one is kept, whatever the priority).
 * - Workload GPU references (indexes, bus ids, Proxmox `mapping=` ids) are resolved to GPU indexes.
 * - Every lookup is by key (Maps), so the merge is linear in the inputs; GPUs, NICs and processes per
 *   host are capped (limits.ts) with a warning.
 * - A GPU's (or MIG device's) `window` — statistics over a time window, from a gpu-window document — is
 *   one measurement: taken whole from the first input that gives one; a second window for the same GPU is
 *   left out with a warning (two windows' means are not one value to reconcile field by field).
 */
import { findGpuModel } from '../../scoring/gpu-models.ts';
import {
  type Conflict,
  type Cpu,
  emptyGpu,
  type Gpu,
  type Link,
  type MigDevice,
  type Nic,
  type NumaNode,
  type Process,
  SCHEMA_VERSION,
  type Snapshot,
  type Source,
  type Workload,
} from '../../scoring/snapshot.ts';
import { MAX_GPUS, MAX_NICS, MAX_PROCESSES } from '../parsers/limits.ts';
import { formatCpuList, normalizeBusId } from '../parsers/text.ts';
import type { AffinityCandidates, Fragment, GpuPatch, WorkloadSpec } from './fragment.ts';

export interface SourcedFragment {
  /** file name, or `file#section` for bundle sections. */
  source: string;
  /** merge priority: lower wins conflicts. */
  priority: number;
  fragment: Fragment;
}

/** Field paths (dot-separated, relative to a GPU) that are measurements, not configuration. */
const SAMPLED = new Set([
  'memory.usedMiB',
  'utilization.gpuPct',
  'utilization.memoryPct',
  'power.drawW',
  'temperatureC',
  'pstate',
  'clockEventReasons',
  'pcie.genCurrent',
  'pcie.widthCurrent',
  'ecc.correctedVolatile',
  'ecc.uncorrectedVolatile',
  'ecc.correctedAggregate',
  'ecc.uncorrectedAggregate',
  'ecc.remappedRows.correctable',
  'ecc.remappedRows.uncorrectable',
  'memoryUsedMiB',
]);
const isSampled = (path: string) => SAMPLED.has(path) || path.startsWith('metrics.');

/** Digits after the decimal point of a number as JavaScript prints it (`87` → 0, `87.88` → 2). */
function decimals(n: number): number {
  const t = String(n);
  if (t.includes('e')) return 0;
  const dot = t.indexOf('.');
  return dot < 0 ? 0 : t.length - dot - 1;
}

/**
 * Equal within the precision printed: the difference is below one unit of the last digit of the
 * coarser value (87 and 87.88: yes, nvidia-smi's table truncates or rounds what `-q` prints with
 * decimals; 87 and 88.4: no).
 */
function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  const unit = 10 ** -Math.min(decimals(a), decimals(b));
  return Math.abs(a - b) < unit - 1e-9;
}

const CUT = /(?:\.\.\.|…)$/;

/** `short` is `long` cut short by nvidia-smi (`NVIDIA RTX PRO 6000 Blac...`). */
function isCutOf(short: string, long: string): boolean {
  if (!CUT.test(short) || CUT.test(long)) return false;
  const prefix = short.replace(CUT, '').trimEnd();
  return prefix.length > 0 && long.length > prefix.length && long.startsWith(prefix);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, b);
  if (typeof a === 'string' && typeof b === 'string') return isCutOf(a, b) || isCutOf(b, a);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

/** Of two equal values (see equal), whether `next` says more than `cur`: more decimals, or uncut. */
function better(cur: unknown, next: unknown): boolean {
  if (typeof cur === 'number' && typeof next === 'number') return decimals(next) > decimals(cur);
  if (typeof cur === 'string' && typeof next === 'string') return isCutOf(cur, next);
  return false;
}

class ConflictLog {
  readonly list: Conflict[] = [];
  private readonly byKey = new Map<string, Conflict>();
  add(subject: string, field: string, kept: unknown, keptSource: string, value: unknown, source: string) {
    const key = `${subject}\u0000${field}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (!existing.values.some((v) => v.source === source)) existing.values.push({ source, value });
      return;
    }
    const c: Conflict = {
      subject,
      field,
      kind: isSampled(field) ? 'sampled' : 'static',
      kept,
      values: [
        { source: keptSource, value: kept },
        { source, value },
      ],
    };
    this.list.push(c);
    this.byKey.set(key, c);
  }
}

/**
 * Deep-merge `patch` into `target` in place. Leaves (and arrays) set to undefined are skipped; null
 * never replaces a value; differing values are logged as conflicts. `origin` records which source set
 * each leaf, so a conflict names both sides.
 */
function mergeInto(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  origin: Map<string, string>,
  source: string,
  subject: string,
  conflicts: ConflictLog,
  prefix = '',
): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const cur = target[key];
    const isPlainObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (isPlainObject && cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      mergeInto(
        cur as Record<string, unknown>,
        value as Record<string, unknown>,
        origin,
        source,
        subject,
        conflicts,
        path,
      );
      continue;
    }
    if (value === null) {
      if (!origin.has(path)) origin.set(path, source);
      continue;
    }
    if (cur === null || cur === undefined || !origin.has(path)) {
      target[key] = value;
      origin.set(path, source);
      continue;
    }
    if (!equal(cur, value)) conflicts.add(subject, path, cur, origin.get(path) ?? '?', value, source);
    else if (better(cur, value)) {
      target[key] = value;
      origin.set(path, source);
    }
  }
}

interface GpuSlot {
  gpu: Gpu;
  origin: Map<string, string>;
}

function gpuSubject(g: Gpu): string {
  return g.index !== null ? `GPU${g.index}` : (g.busId ?? g.uuid ?? 'GPU?');
}

/** The GPU slots of a host, found by uuid, bus id or index without scanning. */
class GpuIndex {
  readonly slots: GpuSlot[] = [];
  private readonly byUuid = new Map<string, GpuSlot>();
  private readonly byBus = new Map<string, GpuSlot>();
  private readonly byIndex = new Map<number, GpuSlot[]>();

  find(p: GpuPatch): GpuSlot | undefined {
    const uuid = p.uuid ?? null;
    const bus = p.busId ?? null;
    const idx = p.index ?? null;
    if (uuid) {
      const s = this.byUuid.get(uuid);
      if (s) return s;
    }
    if (bus) {
      const s = this.byBus.get(bus);
      if (s) return s;
    }
    if (idx !== null) {
      // an index match must not contradict a known identity
      return this.byIndex
        .get(idx)
        ?.find(
          (x) =>
            x.gpu.index === idx &&
            !(uuid && x.gpu.uuid && x.gpu.uuid !== uuid) &&
            !(bus && x.gpu.busId && x.gpu.busId !== bus),
        );
    }
    return undefined;
  }

  add(slot: GpuSlot): void {
    this.slots.push(slot);
  }

  /** Record the slot's identity after a merge step (first claim of a key wins, as a scan would find). */
  update(slot: GpuSlot): void {
    const g = slot.gpu;
    if (g.uuid && !this.byUuid.has(g.uuid)) this.byUuid.set(g.uuid, slot);
    if (g.busId && !this.byBus.has(g.busId)) this.byBus.set(g.busId, slot);
    if (g.index !== null) {
      const list = this.byIndex.get(g.index);
      if (!list) this.byIndex.set(g.index, [slot]);
      else if (!list.includes(slot)) list.push(slot);
    }
  }
}

/**
 * Take a window whole (see the header): set it where none is, else warn that this one is left out. `origin`
 * records which source gave the kept one.
 */
function takeWindow(
  target: { window: Gpu['window'] },
  window: Gpu['window'] | undefined,
  origin: Map<string, string>,
  source: string,
  subject: string,
  warnings: string[],
): void {
  if (!window) return;
  if (target.window === null) {
    target.window = window;
    origin.set('window', source);
    return;
  }
  warnings.push(
    `${source}: ${subject} already has a window (${target.window.label} from ${origin.get('window') ?? '?'}): this one (${window.label}) is left out`,
  );
}

/** MIG devices seen by different commands share different keys: uuid, (gi,ci), device index. */
function mergeMigDevices(
  into: MigDevice[],
  incoming: readonly MigDevice[],
  source: string,
  subject: string,
  conflicts: ConflictLog,
  origins: Map<MigDevice, Map<string, string>>,
  warnings: string[],
): void {
  const used = new Set<MigDevice>();
  for (const d of incoming) {
    let m =
      (d.uuid && into.find((x) => x.uuid === d.uuid)) ||
      (d.gi !== null &&
        into.find(
          (x) => x.gi === d.gi && (x.ci === null || d.ci === null || x.ci === d.ci) && !used.has(x),
        )) ||
      (d.device !== null && into.find((x) => x.device === d.device && !used.has(x))) ||
      undefined;
    if (!m) {
      // no shared key (e.g. `-L` gives device index + uuid, `-lgi` gives GI ids): pair in order by profile
      m = into.find(
        (x) =>
          !used.has(x) &&
          x.profile === d.profile &&
          !(x.gi !== null && d.gi !== null) &&
          !(x.device !== null && d.device !== null) &&
          !(x.uuid && d.uuid),
      );
    }
    if (m) {
      used.add(m);
      let o = origins.get(m);
      if (!o) {
        o = new Map();
        origins.set(m, o);
      }
      const { window, ...rest } = d;
      mergeInto(
        m as unknown as Record<string, unknown>,
        rest as unknown as Record<string, unknown>,
        o,
        source,
        `${subject} MIG ${m.gi ?? m.device ?? '?'}`,
        conflicts,
      );
      takeWindow(m, window, o, source, `${subject} MIG ${m.gi ?? m.device ?? '?'}`, warnings);
    } else {
      const copy = { ...d };
      into.push(copy);
      used.add(copy);
      origins.set(copy, new Map(Object.keys(d).map((k) => [k, source])));
    }
  }
}

function mergeNumaNodes(
  into: NumaNode[],
  incoming: readonly NumaNode[],
  source: string,
  conflicts: ConflictLog,
  origin: Map<string, string>,
) {
  for (const n of incoming) {
    const cur = into.find((x) => x.id === n.id);
    if (!cur) {
      into.push({ ...n, cpus: [...n.cpus] });
      origin.set(`numa${n.id}`, source);
      continue;
    }
    if (cur.cpus.length === 0) cur.cpus = [...n.cpus];
    else if (n.cpus.length > 0 && !equal(cur.cpus, n.cpus))
      conflicts.add(
        'cpu',
        `numaNodes[${n.id}].cpus`,
        cur.cpus,
        origin.get(`numa${n.id}`) ?? '?',
        n.cpus,
        source,
      );
    if (cur.memoryMiB === null) cur.memoryMiB = n.memoryMiB;
    if (cur.freeMiB === null) cur.freeMiB = n.freeMiB;
  }
}

export interface MergeOptions {
  /** host name given by the user (`--host`); wins over names found in the inputs. */
  host?: string;
}

export function mergeFragments(input: readonly SourcedFragment[], options: MergeOptions = {}): Snapshot {
  const frags = [...input].sort((a, b) => a.priority - b.priority);
  const conflicts = new ConflictLog();
  const warnings: string[] = [];
  const sources: Source[] = frags.map((f) => ({
    file: f.source,
    format: f.fragment.format,
    warnings: f.fragment.warnings ?? [],
  }));

  // host, driver, CUDA
  const top: Record<string, unknown> = { host: null, driverVersion: null, cudaVersion: null };
  const topOrigin = new Map<string, string>();
  if (options.host) {
    top.host = options.host;
    topOrigin.set('host', '--host');
  }
  for (const f of frags) {
    const { host, driverVersion, cudaVersion } = f.fragment;
    mergeInto(
      top,
      options.host ? { driverVersion, cudaVersion } : { host, driverVersion, cudaVersion },
      topOrigin,
      f.source,
      'host',
      conflicts,
    );
  }

  // CPU / NUMA
  const cpu: Cpu = {
    model: null,
    hypervisor: null,
    sockets: null,
    coresPerSocket: null,
    threadsPerCore: null,
    logicalCpus: null,
    numaNodes: [],
    distances: null,
  };
  const cpuOrigin = new Map<string, string>();
  for (const f of frags) {
    const c = f.fragment.cpu;
    if (!c) continue;
    const { numaNodes, distances, ...rest } = c;
    mergeInto(cpu as unknown as Record<string, unknown>, rest, cpuOrigin, f.source, 'cpu', conflicts);
    if (numaNodes) mergeNumaNodes(cpu.numaNodes, numaNodes, f.source, conflicts, cpuOrigin);
    if (distances && cpu.distances === null) cpu.distances = distances;
  }
  cpu.numaNodes.sort((a, b) => a.id - b.id);

  // GPUs
  const index = new GpuIndex();
  const migOrigins = new Map<MigDevice, Map<string, string>>();
  let overCap = 0;
  for (const f of frags) {
    for (const raw of f.fragment.gpus ?? []) {
      const p: GpuPatch = { ...raw };
      if (p.busId !== undefined) p.busId = normalizeBusId(p.busId);
      if (p.index == null && !p.busId && !p.uuid) {
        warnings.push(`${f.source}: a GPU without index, bus id or uuid was ignored`);
        continue;
      }
      let slot = index.find(p);
      if (!slot) {
        if (index.slots.length >= MAX_GPUS) {
          overCap++;
          continue;
        }
        slot = { gpu: emptyGpu(), origin: new Map() };
        index.add(slot);
      }
      const { mig, window, ...rest } = p;
      mergeInto(
        slot.gpu as unknown as Record<string, unknown>,
        rest as Record<string, unknown>,
        slot.origin,
        f.source,
        gpuSubject(slot.gpu),
        conflicts,
      );
      takeWindow(slot.gpu, window, slot.origin, f.source, gpuSubject(slot.gpu), warnings);
      if (mig) {
        const { devices, ...migRest } = mig;
        mergeInto(
          slot.gpu.mig as unknown as Record<string, unknown>,
          migRest as Record<string, unknown>,
          slot.origin,
          f.source,
          gpuSubject(slot.gpu),
          conflicts,
          'mig',
        );
        if (devices)
          mergeMigDevices(
            slot.gpu.mig.devices,
            devices,
            f.source,
            gpuSubject(slot.gpu),
            conflicts,
            migOrigins,
            warnings,
          );
      }
      index.update(slot);
    }
  }
  if (overCap > 0)
    warnings.push(
      `more than ${MAX_GPUS} GPUs in the inputs: ${overCap} GPU entries past the limit were ignored (check that all inputs are from one host)`,
    );
  const gpus = index.slots.map((s) => s.gpu);
  // nvidia-smi numbers GPUs in PCI bus order; only an input known to list every GPU (the sysfs scan of a
  // passthrough host, where nvidia-smi sees nothing) lets us derive indexes from it
  const complete = frags.some((f) => f.fragment.gpusComplete === true);
  if (complete && gpus.length > 0 && gpus.every((g) => g.index === null && g.busId !== null)) {
    [...gpus]
      .sort((a, b) => (a.busId! < b.busId! ? -1 : 1))
      .forEach((g, i) => {
        g.index = i;
      });
    warnings.push(
      'no input gave nvidia-smi GPU indexes: indexes were assigned in PCI bus order (nvidia-smi’s default order)',
    );
  }
  for (const g of gpus) {
    g.family = findGpuModel(g.name, g.memory.totalMiB)?.family ?? null;
    g.mig.devices.sort((a, b) => (a.gi ?? a.device ?? 0) - (b.gi ?? b.device ?? 0));
    if (g.mig.devices.length > 0 && g.mig.mode === null) g.mig.mode = 'enabled';
  }
  gpus.sort((a, b) => (a.index ?? 1e9) - (b.index ?? 1e9) || ((a.busId ?? '') < (b.busId ?? '') ? -1 : 1));
  const seenIndex = new Set<number>();
  for (const g of gpus) {
    if (g.index === null) continue;
    if (seenIndex.has(g.index))
      warnings.push(
        `two different GPUs claim index ${g.index} (bus ids differ): check that all inputs are from one host`,
      );
    seenIndex.add(g.index);
  }
  const gpuByIndex = new Map<number, Gpu>();
  const gpuByUuid = new Map<string, Gpu>();
  const gpuByBus = new Map<string, Gpu>();
  for (const g of gpus) {
    if (g.index !== null && !gpuByIndex.has(g.index)) gpuByIndex.set(g.index, g);
    if (g.uuid && !gpuByUuid.has(g.uuid)) gpuByUuid.set(g.uuid, g);
    if (g.busId && !gpuByBus.has(g.busId)) gpuByBus.set(g.busId, g);
  }

  // NICs and links
  const nics: Nic[] = [];
  const nicById = new Map<string, Nic>();
  let nicsOverCap = 0;
  for (const f of frags)
    for (const n of f.fragment.nics ?? []) {
      const cur = nicById.get(n.id);
      if (!cur) {
        if (nics.length >= MAX_NICS) {
          nicsOverCap++;
          continue;
        }
        const copy = { ...n };
        nics.push(copy);
        nicById.set(n.id, copy);
      } else {
        if (cur.device === null) cur.device = n.device;
        if (cur.numaNode === null) cur.numaNode = n.numaNode;
        if (cur.cpuAffinity === null) cur.cpuAffinity = n.cpuAffinity;
      }
    }
  if (nicsOverCap > 0) warnings.push(`more than ${MAX_NICS} NICs in the inputs: ${nicsOverCap} ignored`);
  nics.sort((a, b) => Number(a.id.slice(3)) - Number(b.id.slice(3)));
  resolveAffinity(frags, cpu, gpuByIndex, nicById, warnings);
  // links: one per unordered pair of endpoints, found by the endpoints' numbers (a capped topo matrix
  // has ~800 000 links: no string key or map entry per link). A link is not copied: nothing changes one
  // after parsing, and the fragments are not used after the merge.
  const links: Link[] = [];
  const linkSource: string[] = [];
  const endpointNo = new Map<string, number>();
  const numbered = (e: string) => {
    let k = endpointNo.get(e);
    if (k === undefined) {
      k = endpointNo.size;
      endpointNo.set(e, k);
    }
    return k;
  };
  for (const f of frags)
    for (const l of f.fragment.links ?? []) {
      numbered(l.a);
      numbered(l.b);
    }
  const ends = endpointNo.size;
  // pair (lo, hi) → position in `links` + 1 (0: none yet): a flat table up to 2 048 endpoints (16 MiB)
  const flat = ends <= 2048 ? new Int32Array(ends * ends) : null;
  const nested = new Map<number, Map<number, number>>();
  for (const f of frags)
    for (const l of f.fragment.links ?? []) {
      const x = numbered(l.a);
      const y = numbered(l.b);
      const lo = Math.min(x, y);
      const hi = Math.max(x, y);
      let at: number;
      if (flat) at = flat[lo * ends + hi]! - 1;
      else at = (nested.get(lo)?.get(hi) ?? 0) - 1;
      if (at < 0) {
        if (flat) flat[lo * ends + hi] = links.length + 1;
        else {
          let row = nested.get(lo);
          if (!row) {
            row = new Map();
            nested.set(lo, row);
          }
          row.set(hi, links.length + 1);
        }
        links.push(l);
        linkSource.push(f.source);
        continue;
      }
      const cur = links[at]!;
      if (cur.kind !== l.kind || cur.nvlinks !== l.nvlinks)
        conflicts.add(`${cur.a}-${cur.b}`, 'link', cur.raw, linkSource[at] ?? '?', l.raw, f.source);
    }

  // processes
  const processes: Process[] = [];
  const byPid = new Map<number, Process[]>();
  let procsOverCap = 0;
  for (const f of frags)
    for (const p of f.fragment.processes ?? []) {
      const bus = normalizeBusId(p.gpuBusId ?? null);
      const byUuid = p.gpuUuid ? gpuByUuid.get(p.gpuUuid) : undefined;
      const byBus = bus ? gpuByBus.get(bus) : undefined;
      const gpu = byUuid ?? byBus;
      const proc: Process = {
        pid: p.pid ?? null,
        gpuIndex: gpu?.index ?? p.gpuIndex ?? null,
        gpuUuid: p.gpuUuid ?? gpu?.uuid ?? null,
        name: p.name ?? null,
        type: p.type ?? null,
        usedMemoryMiB: p.usedMemoryMiB ?? null,
        gi: p.gi ?? null,
        ci: p.ci ?? null,
      };
      const dup =
        proc.pid === null
          ? undefined
          : byPid.get(proc.pid)?.find((x) => x.gpuIndex === proc.gpuIndex || x.gpuIndex === null);
      if (dup) {
        for (const k of Object.keys(proc) as (keyof Process)[]) {
          const v = proc[k];
          if (v === null) continue;
          const d = dup[k];
          // a process name cut short by the table (`ray::MegatronTr...`) gives way to the whole one
          if (d === null || (typeof d === 'string' && typeof v === 'string' && isCutOf(d, v)))
            (dup as Record<string, unknown>)[k] = v;
        }
      } else if (processes.length >= MAX_PROCESSES) procsOverCap++;
      else {
        processes.push(proc);
        if (proc.pid !== null) {
          const list = byPid.get(proc.pid);
          if (list) list.push(proc);
          else byPid.set(proc.pid, [proc]);
        }
      }
    }
  if (procsOverCap > 0)
    warnings.push(`more than ${MAX_PROCESSES} GPU processes in the inputs: ${procsOverCap} ignored`);

  // workloads
  const mappings: Record<string, string[]> = {};
  for (const f of frags)
    for (const [id, buses] of Object.entries(f.fragment.pciMappings ?? {}))
      mappings[id] ??= buses.map((b) => normalizeBusId(b)).filter((b): b is string => b !== null);
  const workloads: Workload[] = [];
  const workloadByName = new Map<string, Workload>();
  for (const f of frags)
    for (const spec of f.fragment.workloads ?? []) {
      const w = resolveWorkload(spec, f, gpus.length, gpuByIndex, gpuByBus, mappings, warnings);
      const cur = workloadByName.get(w.name);
      if (!cur) {
        workloads.push(w);
        workloadByName.set(w.name, w);
        continue;
      }
      // the same workload declared twice (e.g. a Proxmox VM and a workloads file entry): fill gaps,
      // report disagreements
      const subject = `workload:${w.name}`;
      if (cur.kind === 'other' && w.kind !== 'other') cur.kind = w.kind;
      else if (w.kind !== 'other' && w.kind !== cur.kind)
        conflicts.add(subject, 'kind', cur.kind, cur.source.file, w.kind, w.source.file);
      if (cur.gpus.length === 0 && cur.unresolvedGpus.length === 0) {
        cur.gpus = w.gpus;
        cur.unresolvedGpus = w.unresolvedGpus;
      } else if ((w.gpus.length > 0 || w.unresolvedGpus.length > 0) && !equal(cur.gpus, w.gpus))
        conflicts.add(subject, 'gpus', cur.gpus, cur.source.file, w.gpus, w.source.file);
      if (cur.cpus === null) cur.cpus = w.cpus;
      else if (w.cpus !== null && !equal(cur.cpus, w.cpus))
        conflicts.add(subject, 'cpus', cur.cpus, cur.source.file, w.cpus, w.source.file);
      if (cur.memoryGiB === null) cur.memoryGiB = w.memoryGiB;
      if (spec.distributed !== null) cur.distributed = spec.distributed;
      else cur.distributed = cur.kind === 'training' && cur.gpus.length > 1;
      cur.vm ??= w.vm;
    }

  return {
    schemaVersion: SCHEMA_VERSION,
    host: (top.host as string | null) ?? null,
    driverVersion: (top.driverVersion as string | null) ?? null,
    cudaVersion: (top.cudaVersion as string | null) ?? null,
    cpu,
    gpus,
    nics,
    links,
    processes,
    workloads,
    pciMappings: mappings,
    sources,
    conflicts: conflicts.list,
    warnings,
  };
}

function resolveWorkload(
  spec: WorkloadSpec,
  f: SourcedFragment,
  gpuCount: number,
  gpuByIndex: ReadonlyMap<number, Gpu>,
  gpuByBus: ReadonlyMap<string, Gpu>,
  mappings: Record<string, string[]>,
  warnings: string[],
): Workload {
  const resolved = new Set<number>();
  const unresolved: string[] = [];
  for (const ref of spec.gpuRefs) {
    if (typeof ref === 'number') {
      if (gpuCount === 0 || gpuByIndex.has(ref)) resolved.add(ref);
      else unresolved.push(String(ref));
      continue;
    }
    const buses = ref.startsWith('mapping:')
      ? (mappings[ref.slice('mapping:'.length)] ?? null)
      : [normalizeBusId(ref)].filter((b): b is string => b !== null);
    if (buses === null) {
      unresolved.push(ref);
      warnings.push(
        `workload ${spec.name}: PCI mapping '${ref.slice(8)}' is not defined in the inputs (/etc/pve/mapping/pci.cfg)`,
      );
      continue;
    }
    let hit = false;
    for (const b of buses) {
      const g = gpuByBus.get(b);
      if (g && g.index !== null) {
        resolved.add(g.index);
        hit = true;
      }
    }
    if (!hit) unresolved.push(ref);
  }
  if (unresolved.length > 0 && gpuCount > 0)
    warnings.push(`workload ${spec.name}: ${unresolved.join(', ')} is not a GPU of this host`);
  const gpuList = [...resolved].sort((a, b) => a - b);
  return {
    name: spec.name,
    kind: spec.kind,
    gpus: gpuList,
    unresolvedGpus: unresolved,
    cpus: spec.cpus,
    distributed: spec.distributed ?? (spec.kind === 'training' && gpuList.length > 1),
    memoryGiB: spec.memoryGiB,
    source: { file: f.source, format: f.fragment.format },
    vm: spec.vm,
  };
}

/**
 * CPU/NUMA affinity that a `topo -m` paste ran together (`0-45,92-1370`: CPUs `0-45,92-137`, NUMA `0`)
 * and that the file alone could not settle: a reading is taken when exactly one fits what the other
 * inputs say about the host — its CPUs are exactly the CPUs of that NUMA node (numactl -H, lscpu), or,
 * failing that, only one reading keeps every CPU id below the host's CPU count (lscpu). Otherwise the
 * fields stay unknown (the topo source already says why).
 */
function resolveAffinity(
  frags: readonly SourcedFragment[],
  cpu: Cpu,
  gpuByIndex: ReadonlyMap<number, Gpu>,
  nicById: ReadonlyMap<string, Nic>,
  warnings: string[],
): void {
  const nodeCpus = new Map(cpu.numaNodes.filter((n) => n.cpus.length > 0).map((n) => [n.id, n.cpus]));
  const logical = cpu.logicalCpus;
  if (nodeCpus.size === 0 && logical === null) return;
  for (const f of frags)
    for (const item of f.fragment.affinityCandidates ?? []) {
      const target = endpoint(item, gpuByIndex, nicById);
      if (!target || target.cpuAffinity !== null || target.numaNode !== null) continue;
      const pick = pickCandidate(item, nodeCpus, logical);
      if (!pick) continue;
      target.cpuAffinity = pick.candidate.cpus;
      target.numaNode = pick.candidate.numaNode;
      warnings.push(
        `${f.source}: ${item.endpoint}: CPU Affinity and NUMA Affinity run together ("${item.raw}") read as CPUs ${formatCpuList(pick.candidate.cpus)}, NUMA node ${pick.candidate.numaNode ?? 'unknown'} (${pick.why})`,
      );
    }
}

function endpoint(
  item: AffinityCandidates,
  gpuByIndex: ReadonlyMap<number, Gpu>,
  nicById: ReadonlyMap<string, Nic>,
): { cpuAffinity: number[] | null; numaNode: number | null } | undefined {
  const g = /^GPU(\d+)$/.exec(item.endpoint);
  if (g) return gpuByIndex.get(Number(g[1]));
  return nicById.get(item.endpoint);
}

function pickCandidate(
  item: AffinityCandidates,
  nodeCpus: ReadonlyMap<number, number[]>,
  logical: number | null,
): { candidate: AffinityCandidates['candidates'][number]; why: string } | null {
  const byNode = item.candidates.filter((c) => {
    if (c.numaNode === null) return false;
    const cpus = nodeCpus.get(c.numaNode);
    return cpus !== undefined && equal(cpus, c.cpus);
  });
  if (byNode.length === 1)
    return { candidate: byNode[0]!, why: `the CPUs of NUMA node ${byNode[0]!.numaNode} in the other inputs` };
  if (byNode.length > 1 || logical === null) return null;
  const fits = item.candidates.filter((c) => c.cpus.length > 0 && c.cpus[c.cpus.length - 1]! < logical);
  if (fits.length === 1)
    return { candidate: fits[0]!, why: `the only reading within the host's ${logical} CPUs` };
  return null;
}
