/**
 * The bounds every input is held to, and `checkFragment`, which applies them to what any parser returns
 * (ingest calls it on every fragment, bundle sections included, so a new parser gets it for free).
 *
 * - Counts are capped (GPUs, NICs, processes, workloads, MIG devices, NUMA nodes): the surplus is
 *   dropped with a warning. They keep a hostile input from making the merge slow or huge.
 * - Every number is checked against the range of its field (`RANGES`): a value that is not finite
 *   (`1e309`, `Infinity`, `NaN`), outside its range (utilisation -5 % or 250 %, `cores: -4`,
 *   `memory: 1e308`) or fractional where a count is expected becomes unknown (null), with a warning
 *   naming the file, the entity and the field. Used memory above the total is rejected the same way.
 * - Every string loses its control characters (`stripControl`): names, hosts, process names and the
 *   warnings that quote the input reach terminals, chat messages and commands.
 *
 * Pure: data in, data out.
 */
import type { Link } from '../../scoring/snapshot.ts';
import type { Fragment } from '../ingest/fragment.ts';
import { checkRange, MAX_CPU_ID, type Range, stripControl } from './text.ts';

/** GPUs per input and per host (the largest single hosts have 16; NVL72 racks are 72). */
export const MAX_GPUS = 1024;
/** NICs per host (topo columns). */
export const MAX_NICS = 256;
/** GPU processes per input and per host. */
export const MAX_PROCESSES = 4096;
/** Workloads per input (a workloads file, or VM configs). */
export const MAX_WORKLOADS = 1024;
/** MIG devices (and MIG profiles) per GPU; the most a GPU has today is 7. */
export const MAX_MIG_DEVICES = 64;
/** The largest NUMA node id (Linux allows 1 024 nodes). */
export const MAX_NUMA_NODE = 1023;
/** Remarks kept per input (a garbled file must not produce thousands). */
export const MAX_SOURCE_WARNINGS = 100;

const GPU_MIB: Range = { min: 0, max: 1 << 20 }; // 1 TiB per GPU
const HOST_MIB: Range = { min: 0, max: 2 ** 32 }; // 4 PiB
const PCT: Range = { min: 0, max: 100 };
const RATIO: Range = { min: 0, max: 1 };
const COUNT: Range = { min: 0, max: Number.MAX_SAFE_INTEGER, int: true };
const SMALL_ID: Range = { min: 0, max: 1023, int: true };
const GPU_INDEX: Range = { min: 0, max: MAX_GPUS - 1, int: true };
const NUMA: Range = { min: 0, max: MAX_NUMA_NODE, int: true };
const WATTS: Range = { min: 0, max: 5000 };

/** What happens to a value outside its range: unknown (null), or the element holding it is dropped. */
type OnBad = 'null' | 'drop-element' | 'null-parent';

/**
 * Field ranges, by path in the fragment (`[]` = any element). A number at a path not listed is only
 * checked for being finite.
 */
export const RANGES: ReadonlyMap<string, Range & { onBad?: OnBad }> = new Map<
  string,
  Range & { onBad?: OnBad }
>([
  ['gpus[].index', GPU_INDEX],
  ['gpus[].memory.totalMiB', GPU_MIB],
  ['gpus[].memory.usedMiB', GPU_MIB],
  ['gpus[].utilization.gpuPct', PCT],
  ['gpus[].utilization.memoryPct', PCT],
  ['gpus[].mig.devices[].gi', SMALL_ID],
  ['gpus[].mig.devices[].ci', SMALL_ID],
  ['gpus[].mig.devices[].device', SMALL_ID],
  ['gpus[].mig.devices[].profileId', SMALL_ID],
  ['gpus[].mig.devices[].memoryTotalMiB', GPU_MIB],
  ['gpus[].mig.devices[].memoryUsedMiB', GPU_MIB],
  ['gpus[].mig.devices[].utilizationPct', PCT],
  ['gpus[].mig.devices[].smCount', { min: 0, max: 4096, int: true }],
  ['gpus[].mig.devices[].placement.start', { min: 0, max: 64, int: true, onBad: 'null-parent' }],
  ['gpus[].mig.devices[].placement.size', { min: 0, max: 64, int: true, onBad: 'null-parent' }],
  ['gpus[].mig.profiles[].id', { ...SMALL_ID, onBad: 'drop-element' }],
  ['gpus[].mig.profiles[].instancesFree', { min: 0, max: MAX_MIG_DEVICES, int: true }],
  ['gpus[].mig.profiles[].instancesTotal', { min: 0, max: MAX_MIG_DEVICES, int: true }],
  ['gpus[].mig.profiles[].memoryGiB', { min: 0, max: 1024 }],
  ['gpus[].mig.profiles[].smCount', { min: 0, max: 4096, int: true }],
  ['gpus[].pcie.genCurrent', { min: 1, max: 8, int: true }],
  ['gpus[].pcie.genMax', { min: 1, max: 8, int: true }],
  ['gpus[].pcie.widthCurrent', { min: 1, max: 64, int: true }],
  ['gpus[].pcie.widthMax', { min: 1, max: 64, int: true }],
  ['gpus[].power.drawW', WATTS],
  ['gpus[].power.limitW', WATTS],
  ['gpus[].temperatureC', { min: -60, max: 200 }],
  ['gpus[].ecc.correctedVolatile', COUNT],
  ['gpus[].ecc.uncorrectedVolatile', COUNT],
  ['gpus[].ecc.correctedAggregate', COUNT],
  ['gpus[].ecc.uncorrectedAggregate', COUNT],
  ['gpus[].ecc.remappedRows.correctable', COUNT],
  ['gpus[].ecc.remappedRows.uncorrectable', COUNT],
  ['gpus[].numaNode', NUMA],
  ['gpus[].metrics.smActive', RATIO],
  ['gpus[].metrics.smOccupancy', RATIO],
  ['gpus[].metrics.tensorActive', RATIO],
  ['gpus[].metrics.dramActive', RATIO],
  ['gpus[].metrics.pcieTxBytesPerSec', { min: 0, max: 1e13 }],
  ['gpus[].metrics.pcieRxBytesPerSec', { min: 0, max: 1e13 }],
  ['gpus[].metrics.xidLast', { min: 0, max: 1e6, int: true }],
  ['nics[].numaNode', NUMA],
  ['links[].nvlinks', { min: 1, max: 64, int: true }],
  ['cpu.sockets', { min: 1, max: 1024, int: true }],
  ['cpu.coresPerSocket', { min: 1, max: MAX_CPU_ID + 1, int: true }],
  ['cpu.threadsPerCore', { min: 1, max: 64, int: true }],
  ['cpu.logicalCpus', { min: 1, max: MAX_CPU_ID + 1, int: true }],
  ['cpu.numaNodes[].id', { ...NUMA, onBad: 'drop-element' }],
  ['cpu.numaNodes[].memoryMiB', HOST_MIB],
  ['cpu.numaNodes[].freeMiB', HOST_MIB],
  ['processes[].pid', { min: 0, max: 2 ** 32, int: true }],
  ['processes[].gpuIndex', GPU_INDEX],
  ['processes[].usedMemoryMiB', GPU_MIB],
  ['processes[].gi', SMALL_ID],
  ['processes[].ci', SMALL_ID],
  ['workloads[].memoryGiB', { min: 0, max: 65_536 }],
  ['workloads[].vm.vmid', { min: 100, max: 999_999_999, int: true }],
  ['workloads[].vm.cores', { min: 1, max: 4096, int: true }],
  ['workloads[].vm.sockets', { min: 1, max: 1024, int: true }],
  ['workloads[].vm.memoryMiB', { min: 1, max: 2 ** 26 }], // 64 TiB
  ['workloads[].vm.numaNodes[].id', { ...NUMA, onBad: 'drop-element' }],
  ['workloads[].vm.numaNodes[].memoryMiB', { min: 1, max: 2 ** 26 }],
]);

/** Paths of lists of CPU ids (checked as a whole: one bad id makes the list unknown). */
const CPU_LISTS = new Set([
  'gpus[].cpuAffinity',
  'nics[].cpuAffinity',
  'cpu.numaNodes[].cpus',
  'workloads[].cpus',
]);

/** Array caps, by path: the elements past the cap are dropped with a warning. */
const CAPS: ReadonlyMap<string, { max: number; what: string }> = new Map([
  ['gpus', { max: MAX_GPUS, what: 'GPUs' }],
  ['nics', { max: MAX_NICS, what: 'NICs' }],
  ['processes', { max: MAX_PROCESSES, what: 'processes' }],
  ['workloads', { max: MAX_WORKLOADS, what: 'workloads' }],
  ['cpu.numaNodes', { max: MAX_NUMA_NODE + 1, what: 'NUMA nodes' }],
  ['gpus[].mig.devices', { max: MAX_MIG_DEVICES, what: 'MIG devices of a GPU' }],
  ['gpus[].mig.profiles', { max: MAX_MIG_DEVICES, what: 'MIG profiles of a GPU' }],
]);

const DROP = Symbol('drop');
const NULL_PARENT = Symbol('null-parent');
type Out = unknown | typeof DROP | typeof NULL_PARENT;

const MAX_DEPTH = 12;
/** Range remarks kept per input before they are counted. */
const MAX_RANGE_WARNINGS = 10;

class Checker {
  readonly remarks: string[] = [];
  private extra = 0;
  constructor(private readonly file: string) {}

  remark(where: string, why: string): void {
    if (this.remarks.length >= MAX_RANGE_WARNINGS) {
      this.extra++;
      return;
    }
    const prefix = this.file === '' ? '' : `${stripControl(this.file)}: `;
    this.remarks.push(`${prefix}${stripControl(where)} ${why}: left unknown`);
  }

  finish(): string[] {
    return this.extra === 0
      ? this.remarks
      : [...this.remarks, `… and ${this.extra} more values out of range, left unknown`];
  }

  visit(v: unknown, path: string, where: string, depth: number): Out {
    if (typeof v === 'string') return stripControl(v);
    if (typeof v === 'number') {
      const range = RANGES.get(path);
      if (!range) {
        if (Number.isFinite(v)) return v;
        this.remark(where, `${String(v)} is not a finite number`);
        return null;
      }
      const ok = checkRange(v, range, (why) => this.remark(where, why));
      if (ok !== null) return ok;
      return range.onBad === 'drop-element' ? DROP : range.onBad === 'null-parent' ? NULL_PARENT : null;
    }
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) {
      if (CPU_LISTS.has(path)) return this.cpuList(v, where);
      if (path === 'links') return this.links(v as Link[]);
      const cap = CAPS.get(path);
      let list: unknown[] = v;
      if (cap && v.length > cap.max) {
        this.cut(cap.what, v.length, cap.max);
        list = v.slice(0, cap.max);
      }
      const childPath = `${path}[]`;
      const out: unknown[] = [];
      if (list.every((x) => typeof x === 'number')) {
        // a list of numbers (distances rows, candidate CPU lists): one range, no per-element labels
        const range = RANGES.get(childPath);
        for (const x of list as number[]) {
          const ok = range
            ? checkRange(x, range, (why) => this.remark(where, why))
            : Number.isFinite(x)
              ? x
              : null;
          if (ok !== null) out.push(ok); // a bad element is dropped (distances are re-checked below)
        }
        return out;
      }
      list.forEach((x, i) => {
        const label = elementLabel(path, x, i);
        const r = this.visit(x, childPath, label.startsWith('[') ? `${where}${label}` : label, depth + 1);
        if (r === DROP || r === NULL_PARENT || (r === null && typeof x === 'number')) return;
        out.push(r);
      });
      return out;
    }
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(obj)) {
      if (x === undefined) continue;
      const childPath = path === '' ? k : `${path}.${k}`;
      const childWhere = where === '' ? k : where.endsWith(' ') ? `${where}${k}` : `${where}.${k}`;
      const r = this.visit(x, childPath, childWhere, depth + 1);
      if (r === DROP) return DROP;
      if (r === NULL_PARENT) return null;
      out[k] = r;
    }
    return out;
  }

  /**
   * Links (up to ~800 000 from a capped topo matrix): a loop without per-element paths. A link that needs
   * no change is kept as it is (shared with the input, which is not changed): most are.
   */
  private links(v: Link[]): Link[] {
    const range = RANGES.get('links[].nvlinks')!;
    const out: Link[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const l = v[i]!;
      const nvlinks =
        l.nvlinks === null
          ? null
          : checkRange(l.nvlinks, range, (why) => this.remark(`link ${l.a}–${l.b} nvlinks`, why));
      const a = stripControl(l.a);
      const b = stripControl(l.b);
      const raw = stripControl(l.raw);
      out[i] =
        a === l.a && b === l.b && raw === l.raw && nvlinks === l.nvlinks
          ? l
          : { a, b, kind: l.kind, nvlinks, raw };
    }
    return out;
  }

  private cpuList(v: unknown[], where: string): number[] | null {
    for (const x of v) {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > MAX_CPU_ID) {
        this.remark(where, `holds ${String(x)}, not a CPU id (0–${MAX_CPU_ID})`);
        return null;
      }
    }
    return v as number[];
  }

  cut(what: string, had: number, max: number): void {
    const prefix = this.file === '' ? '' : `${stripControl(this.file)}: `;
    this.remarks.unshift(`${prefix}${had} ${what}: only the first ${max} are read (the limit)`);
  }
}

/** ` GPU 3 `, ` process 1234 `, ` workload train-a `: how an array element is named in a remark. */
function elementLabel(path: string, x: unknown, i: number): string {
  const o = (x !== null && typeof x === 'object' ? x : {}) as Record<string, unknown>;
  const named = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  switch (path) {
    case 'gpus':
      return `GPU ${named(o.index) ?? named(o.busId) ?? named(o.uuid) ?? `#${i + 1}`} `;
    case 'processes':
      return `process ${named(o.pid) ?? `#${i + 1}`} `;
    case 'workloads':
      return `workload ${named(o.name) ?? `#${i + 1}`} `;
    case 'nics':
      return `${named(o.id) ?? `NIC #${i + 1}`} `;
    case 'links':
      return `link ${named(o.a) ?? '?'}–${named(o.b) ?? '?'} `;
    default:
      return `[${i}]`;
  }
}

/**
 * `fragment` with every count capped, every number range-checked and every string stripped of control
 * characters; the remarks are appended to its warnings, each naming `file` (the file name, or
 * `file#section` for a bundle section). Returns a new fragment; the input is not changed.
 */
export function checkFragment(fragment: Fragment, file = ''): Fragment {
  const c = new Checker(file);
  const { warnings, ...rest } = fragment;
  const out = c.visit(rest, '', '', 0) as Fragment;
  out.format = fragment.format;
  if (out.cpu?.distances) {
    const d = out.cpu.distances;
    const ok =
      d.length <= MAX_NUMA_NODE + 1 &&
      d.every(
        (row) => Array.isArray(row) && row.length === d.length && row.every((x) => x >= 0 && x <= 1000),
      );
    if (!ok) {
      c.remark('cpu.distances', 'holds a value outside 0–1000');
      delete out.cpu.distances;
    }
  }
  for (const g of out.gpus ?? []) {
    const m = g.memory;
    if (m && typeof m.usedMiB === 'number' && typeof m.totalMiB === 'number' && m.usedMiB > m.totalMiB) {
      c.remark(
        `GPU ${g.index ?? g.busId ?? g.uuid ?? '?'} memory.usedMiB`,
        `${m.usedMiB} is above the total ${m.totalMiB}`,
      );
      m.usedMiB = null;
    }
    for (const d of g.mig?.devices ?? []) {
      if (d.memoryUsedMiB !== null && d.memoryTotalMiB !== null && d.memoryUsedMiB > d.memoryTotalMiB) {
        c.remark(
          `GPU ${g.index ?? g.busId ?? '?'} MIG ${d.gi ?? d.device ?? '?'} memoryUsedMiB`,
          `${d.memoryUsedMiB} is above the total ${d.memoryTotalMiB}`,
        );
        d.memoryUsedMiB = null;
      }
    }
  }
  for (const n of out.cpu?.numaNodes ?? []) {
    if (n.freeMiB !== null && n.memoryMiB !== null && n.freeMiB > n.memoryMiB) {
      c.remark(`NUMA node ${n.id} freeMiB`, `${n.freeMiB} is above the size ${n.memoryMiB}`);
      n.freeMiB = null;
    }
  }
  const remarks = c.finish();
  const all = [...(warnings ?? []).map(stripControl), ...remarks];
  if (all.length > MAX_SOURCE_WARNINGS) {
    const more = all.length - MAX_SOURCE_WARNINGS + 1;
    all.splice(MAX_SOURCE_WARNINGS - 1, all.length, `… and ${more} more warnings`);
  }
  if (all.length > 0 || warnings !== undefined) out.warnings = all;
  return out;
}
