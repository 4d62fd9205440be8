/**
 * `nvidia-smi -q` / `nvidia-smi -a`: the plain-text form of the full query, also partial outputs such as
 * `nvidia-smi -q -d ECC,ROW_REMAPPER -i 52:00.0` that carry only some sections.
 *
 * The text is an indented tree of `Key : Value` rows and section headers; a GPU block starts with a
 * `GPU 00000000:17:00.0` line. The tree is built from the indentation (any width, tabs counted as 4),
 * then each field is read by its row name in every spelling known across driver generations. A section
 * that is absent leaves the field absent (the input does not say); `N/A`, `Unknown Error`, … give null.
 */
import { emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch, ProcessPatch } from '../ingest/fragment.ts';
import {
  EccSum,
  eccKind,
  errorValuesWarning,
  indexWarning,
  isBenignErrorPath,
  isErrorValue,
  isLostValue,
  joinPath,
  numaId,
  ReasonCollector,
  snakeKey,
  virtualizationMode,
} from './nvidia-smi-xml.ts';
import {
  enabledDisabled,
  head,
  int,
  isNullWord,
  lines,
  mib,
  normalizeBusId,
  num,
  valueOrNull,
  yesNo,
} from './text.ts';
import type { Parser } from './types.ts';

interface QNode {
  /** the row name as printed. */
  key: string;
  /** `snake_case` of the row name, for lookups. */
  k: string;
  /** the value after ` : `, or null for a section header. */
  value: string | null;
  children: QNode[];
}

/** Split `Key      : value` at the first colon followed by a blank or the end (bus ids have none). */
function splitRow(content: string): { key: string; value: string | null } {
  let from = 0;
  for (;;) {
    const at = content.indexOf(':', from);
    if (at < 0) return { key: content.trim(), value: null };
    const next = content.charCodeAt(at + 1);
    if (at + 1 === content.length || next === 32 || next === 9)
      return { key: content.slice(0, at).trim(), value: content.slice(at + 1).trim() };
    from = at + 1;
  }
}

/** `==============NVSMI LOG==============`. */
function isBanner(s: string): boolean {
  return s.includes('NVSMI LOG') && /=[ \t]*NVSMI LOG[ \t]*=/.test(s);
}

/** The children of a row that has none: shared, never added to (buildTree gives a row its own list). */
const LEAF: QNode[] = [];

/**
 * snakeKey of a row name, remembered: an output repeats the same few hundred row names per GPU. Up to
 * 4 096 names are kept, so a text of distinct names costs memory in proportion to its size at most.
 */
function snakeKeyOf(keys: Map<string, string>, key: string): string {
  let k = keys.get(key);
  if (k === undefined) {
    k = snakeKey(key);
    if (keys.size < 4096) keys.set(key, k);
  }
  return k;
}

/** The indentation tree of the whole text (linear: one pass, a stack of open sections). */
function buildTree(text: string): { root: QNode; banner: boolean } {
  const keys = new Map<string, string>();
  const root: QNode = { key: '', k: '', value: null, children: [] };
  const stack: { indent: number; node: QNode }[] = [{ indent: -1, node: root }];
  let banner = false;
  for (const line of lines(text)) {
    let i = 0;
    let indent = 0;
    for (; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 32) indent += 1;
      else if (c === 9) indent += 4;
      else break;
    }
    const content = line.slice(i).trimEnd();
    if (content === '') continue;
    if (content.startsWith('===')) {
      if (isBanner(content)) banner = true;
      continue;
    }
    const { key, value } = splitRow(content);
    const node: QNode = { key, k: snakeKeyOf(keys, key), value, children: LEAF };
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]!.node;
    if (parent.children === LEAF) parent.children = [node];
    else parent.children.push(node);
    stack.push({ indent, node });
  }
  return { root, banner };
}

/** First child with one of the (snake_case) names. */
function kid(n: QNode | undefined, ...names: string[]): QNode | undefined {
  if (!n) return undefined;
  for (const name of names) {
    const c = n.children.find((x) => x.k === name);
    if (c) return c;
  }
  return undefined;
}

/** Value of the first child with one of the names; undefined when no such row. */
function val(n: QNode | undefined, ...names: string[]): string | null | undefined {
  const c = kid(n, ...names);
  return c === undefined ? undefined : c.value;
}

/** Like val but the first of the rows that has a value (not N/A); null when all are N/A. */
function firstValue(n: QNode | undefined, names: readonly string[]): string | null | undefined {
  let seen = false;
  for (const name of names) {
    const v = val(n, name);
    if (v === undefined) continue;
    seen = true;
    if (!isNullWord(v)) return v;
  }
  return seen ? null : undefined;
}

const MAX_DEPTH = 12;

function walk(n: QNode, path: string, f: (node: QNode, path: string) => void, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const c of n.children) {
    const p = path ? `${path}/${c.key}` : c.key;
    f(c, p);
    walk(c, p, f, depth + 1);
  }
}

/** Like walk, with the row names down to each row in `names` (joined only where a path is wanted). */
function walkRows(n: QNode, names: string[], f: (node: QNode, names: string[]) => void, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const c of n.children) {
    names.push(c.key);
    f(c, names);
    walkRows(c, names, f, depth + 1);
    names.pop();
  }
}

const GPU_HEADER = /^GPU\s+([0-9a-fA-F]{1,8}:[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7])$/;

function gpuHeaderBusId(n: QNode): string | null {
  if (n.value !== null || n.key.length > 40) return null;
  const m = GPU_HEADER.exec(n.key);
  return m ? normalizeBusId(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------------
// Field readers.

function readEccBlock(block: QNode | undefined): EccSum {
  const sum = new EccSum();
  if (!block) return sum;
  for (const c of block.children) {
    const kind = eccKind(c.key);
    if (kind === null) continue;
    if (c.children.length > 0) {
      // old drivers: Single Bit / Double Bit sections with a Total row
      const total = int(val(c, 'total') ?? null);
      if (total !== null) sum.add(kind, total);
      else for (const x of c.children) if (x.k !== 'total') sum.add(kind, int(x.value));
    } else sum.add(kind, int(c.value));
  }
  return sum;
}

function readEcc(g: QNode): NonNullable<GpuPatch['ecc']> | undefined {
  const ecc: NonNullable<GpuPatch['ecc']> = {};
  let any = false;
  const mode = kid(g, 'ecc_mode');
  if (mode) {
    any = true;
    ecc.mode = enabledDisabled(mode.children.length > 0 ? (val(mode, 'current') ?? null) : mode.value);
  }
  const errs = kid(g, 'ecc_errors');
  if (errs) {
    any = true;
    const vol = kid(errs, 'volatile');
    const agg = kid(errs, 'aggregate');
    if (vol || errs.children.length === 0) {
      const s = readEccBlock(vol);
      ecc.correctedVolatile = s.corr;
      ecc.uncorrectedVolatile = s.unc;
    }
    if (agg || errs.children.length === 0) {
      const s = readEccBlock(agg);
      ecc.correctedAggregate = s.corr;
      ecc.uncorrectedAggregate = s.unc;
    }
  }
  const rp = kid(g, 'retired_pages');
  if (rp) {
    any = true;
    let pending: boolean | null = null;
    for (const c of rp.children) {
      if (!c.k.startsWith('pending')) continue;
      const v = yesNo(c.value);
      if (v === true) pending = true;
      else if (v === false && pending === null) pending = false;
    }
    ecc.retiredPagesPending = pending;
  }
  const rr = kid(g, 'remapped_rows');
  if (rr) {
    any = true;
    ecc.remappedRows = {
      correctable: int(val(rr, 'correctable_error', 'correctable') ?? null),
      uncorrectable: int(val(rr, 'uncorrectable_error', 'uncorrectable') ?? null),
      pending: yesNo(val(rr, 'pending') ?? null),
      failure: yesNo(val(rr, 'remapping_failure_occurred', 'remapping_failure', 'failure') ?? null),
    };
  }
  return any ? ecc : undefined;
}

function readPcie(pci: QNode | undefined): NonNullable<GpuPatch['pcie']> | undefined {
  const link = kid(pci, 'gpu_link_info');
  if (!link) return undefined;
  const out: NonNullable<GpuPatch['pcie']> = {};
  const gen = kid(link, 'pcie_generation');
  if (gen) {
    out.genCurrent = int(firstValue(gen, ['current', 'device_current']) ?? null);
    let max = int(val(gen, 'max') ?? null);
    if (max === null) {
      const dev = int(val(gen, 'device_max') ?? null);
      const host = int(val(gen, 'host_max') ?? null);
      max = dev !== null && host !== null ? Math.min(dev, host) : dev;
    }
    out.genMax = max;
  }
  const width = kid(link, 'link_width');
  if (width) {
    out.widthCurrent = int(val(width, 'current') ?? null);
    out.widthMax = int(val(width, 'max') ?? null);
  }
  return out;
}

function readMig(g: QNode): NonNullable<GpuPatch['mig']> | undefined {
  const mig: NonNullable<GpuPatch['mig']> = {};
  let any = false;
  const mode = kid(g, 'mig_mode');
  if (mode) {
    any = true;
    mig.mode = enabledDisabled(val(mode, 'current') ?? null);
    mig.pendingMode = enabledDisabled(val(mode, 'pending') ?? null);
  }
  const devs = kid(g, 'mig_devices');
  if (devs) {
    any = true;
    const list: MigDevice[] = [];
    for (const d of devs.children) {
      if (d.k !== 'mig_device') continue;
      const fb = kid(d, 'fb_memory_usage');
      const shared = kid(kid(d, 'device_attributes'), 'shared');
      list.push({
        ...emptyMigDevice(),
        gi: int(val(d, 'gpu_instance_id') ?? null),
        ci: int(val(d, 'compute_instance_id') ?? null),
        device: int(val(d, 'index') ?? null),
        profile: valueOrNull(val(d, 'profile', 'profile_name')),
        profileId: int(val(d, 'profile_id') ?? null),
        uuid: valueOrNull(val(d, 'uuid', 'mig_uuid')),
        memoryTotalMiB: mib(val(fb, 'total') ?? null),
        memoryUsedMiB: mib(val(fb, 'used') ?? null),
        smCount: int(val(shared, 'multiprocessor_count') ?? null),
        placement: null,
      });
    }
    mig.devices = list;
  } else if (mode && mig.mode !== 'enabled') mig.devices = [];
  return any ? mig : undefined;
}

interface ProcDraft {
  gi?: number | null;
  ci?: number | null;
  pid?: number | null;
  name?: string | null;
  type?: string | null;
  mem?: number | null;
}

function readProcesses(sec: QNode): ProcDraft[] {
  const out: ProcDraft[] = [];
  let cur: ProcDraft = {};
  const flush = () => {
    if (cur.pid !== undefined || cur.name !== undefined) out.push(cur);
    cur = {};
  };
  const detail = (c: QNode) => {
    switch (c.k) {
      case 'type':
        cur.type = valueOrNull(c.value);
        break;
      case 'name':
      case 'process_name':
        cur.name = valueOrNull(c.value);
        break;
      case 'used_gpu_memory':
      case 'used_memory':
        cur.mem = mib(c.value);
        break;
    }
  };
  for (const c of sec.children) {
    if (c.k === 'gpu_instance_id') {
      if (cur.gi !== undefined || cur.ci !== undefined || cur.pid !== undefined) flush();
      cur.gi = int(c.value);
    } else if (c.k === 'compute_instance_id') {
      if (cur.ci !== undefined || cur.pid !== undefined) flush();
      cur.ci = int(c.value);
    } else if (c.k === 'process_id' || c.k === 'pid') {
      if (cur.pid !== undefined) flush();
      cur.pid = int(c.value);
      for (const x of c.children) detail(x);
    } else detail(c);
  }
  flush();
  return out;
}

const NUMA_NAMES = ['numa_node_id', 'numa_node', 'numa_affinity'];

function readGpu(
  g: QNode,
  headerBus: string | null,
  index: number | null,
): { gpu: GpuPatch; processes: ProcessPatch[] | null; label: string } | null {
  const gpu: GpuPatch = {};
  const pci = kid(g, 'pci');
  const busId = normalizeBusId(val(pci, 'bus_id') ?? null) ?? headerBus;
  const uuidRow = val(g, 'gpu_uuid', 'uuid');
  const uuid = valueOrNull(uuidRow);
  if (index === null && busId === null && uuid === null) return null;
  gpu.index = index;
  gpu.busId = busId;
  if (uuidRow !== undefined) gpu.uuid = uuid;
  const name = val(g, 'product_name');
  if (name !== undefined) gpu.name = valueOrNull(name);
  const serial = val(g, 'serial_number', 'serial');
  if (serial !== undefined) gpu.serial = valueOrNull(serial);

  const fb = kid(g, 'fb_memory_usage', 'memory_usage');
  if (fb) gpu.memory = { totalMiB: mib(val(fb, 'total') ?? null), usedMiB: mib(val(fb, 'used') ?? null) };
  const util = kid(g, 'utilization');
  if (util)
    gpu.utilization = { gpuPct: num(val(util, 'gpu') ?? null), memoryPct: num(val(util, 'memory') ?? null) };
  const mig = readMig(g);
  if (mig) gpu.mig = mig;
  const pcie = readPcie(pci);
  if (pcie) gpu.pcie = pcie;
  const reasons = kid(g, 'clocks_event_reasons', 'clocks_throttle_reasons', 'clocks_throttle');
  if (reasons) {
    const c = new ReasonCollector();
    walk(reasons, '', (n) => c.add(n.key, n.value));
    gpu.clockEventReasons = c.result();
  }
  const power = kid(g, 'gpu_power_readings', 'power_readings');
  if (power)
    gpu.power = {
      drawW: num(firstValue(power, ['power_draw', 'average_power_draw', 'instant_power_draw']) ?? null),
      limitW: num(firstValue(power, ['current_power_limit', 'enforced_power_limit', 'power_limit']) ?? null),
    };
  const temp = kid(g, 'temperature');
  if (temp) gpu.temperatureC = num(val(temp, 'gpu_current_temp', 'gpu_temp') ?? null);
  const pstate = val(g, 'performance_state');
  if (pstate !== undefined) gpu.pstate = valueOrNull(pstate);
  // `GPU Virtualization Mode` > `Virtualization Mode : Pass-Through`
  const virt = val(kid(g, 'gpu_virtualization_mode'), 'virtualization_mode') ?? val(g, 'virtualization_mode');
  if (virt !== undefined) gpu.virtualizationMode = virtualizationMode(virt);
  const ecc = readEcc(g);
  if (ecc) gpu.ecc = ecc;
  for (const n of [g, pci]) {
    const v = val(n, ...NUMA_NAMES);
    if (v !== undefined) {
      gpu.numaNode = numaId(v);
      break;
    }
  }

  const sec = kid(g, 'processes');
  const processes: ProcessPatch[] | null = sec ? [] : null;
  if (sec && processes)
    for (const d of readProcesses(sec)) {
      const p: ProcessPatch = {
        pid: d.pid ?? null,
        name: d.name ?? null,
        type: d.type ?? null,
        usedMemoryMiB: d.mem ?? null,
        gi: d.gi ?? null,
        ci: d.ci ?? null,
        gpuBusId: busId,
        gpuUuid: uuid,
      };
      if (index !== null) p.gpuIndex = index;
      processes.push(p);
    }
  return { gpu, processes, label: busId ?? uuid ?? `#${index}` };
}

// ---------------------------------------------------------------------------------------------------

function parseQ(text: string): Fragment {
  if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'empty input: expected nvidia-smi -q output');
  if (head(text).includes('\u0000'))
    throw new InputError('INPUT_BINARY', 'binary data (NUL bytes): expected the text of nvidia-smi -q');
  const { root, banner } = buildTree(text);
  const blocks: { node: QNode; bus: string }[] = [];
  for (const n of root.children) {
    const bus = gpuHeaderBusId(n);
    if (bus !== null) blocks.push({ node: n, bus });
  }
  const attachedRow = val(root, 'attached_gpus');
  const attached = int(attachedRow ?? null);
  const driver = firstValue(root, ['driver_version', 'kmd_version']);
  const cuda = firstValue(root, ['cuda_version', 'cuda_umd_version']);
  const warnings: string[] = [];
  for (const n of root.children) {
    if (gpuHeaderBusId(n) !== null) continue;
    if (
      /^unable to /i.test(n.key) ||
      (n.value !== null && isErrorValue(n.value)) ||
      /^failed to /i.test(n.key)
    )
      warnings.push((n.value === null ? n.key : `${n.key}: ${n.value}`).slice(0, 200));
  }

  if (blocks.length === 0) {
    if (attached === 0) {
      const f: Fragment = {
        format: 'nvidia-smi-q',
        gpus: [],
        processes: [],
        warnings: ['no GPU attached (Attached GPUs: 0)'],
      };
      if (driver !== undefined) f.driverVersion = valueOrNull(driver);
      if (cuda !== undefined) f.cudaVersion = valueOrNull(cuda);
      return f;
    }
    if (banner || attachedRow !== undefined || driver !== undefined)
      throw new InputError(
        'INPUT_TRUNCATED',
        `nvidia-smi -q output without any GPU section (only the header${attached !== null ? `, Attached GPUs: ${attached}` : ''}): the output is cut off or the query failed${warnings.length > 0 ? ` (${warnings[0]})` : ''}`,
      );
    throw new InputError('INPUT_MALFORMED', 'not nvidia-smi -q output: no "GPU 00000000:xx:xx.x" section');
  }

  const fragment: Fragment = { format: 'nvidia-smi-q' };
  if (driver !== undefined) fragment.driverVersion = valueOrNull(driver);
  if (cuda !== undefined) fragment.cudaVersion = valueOrNull(cuda);
  const indexed = attached !== null && blocks.length === attached;
  if (!indexed) warnings.push(indexWarning(blocks.length, attached));

  const gpus: GpuPatch[] = [];
  const processes: ProcessPatch[] = [];
  let sawProcesses = false;
  const seen = new Set<string>();
  blocks.forEach((b, i) => {
    if (seen.has(b.bus)) warnings.push(`GPU ${b.bus} appears twice (two outputs concatenated?)`);
    seen.add(b.bus);
    if (b.node.children.length === 0) warnings.push(`GPU ${b.bus}: empty section (indentation lost?)`);
    const r = readGpu(b.node, b.bus, indexed ? i : null);
    if (r === null) return;
    gpus.push(r.gpu);
    if (r.processes) {
      sawProcesses = true;
      for (const p of r.processes) processes.push(p); // not push(...): a GPU may list 100 000
    }
    const errs: string[] = [];
    let lost = false;
    walkRows(b.node, [], (n, names) => {
      if (n.value === null || errs.length >= 50 || !isErrorValue(n.value)) return;
      const p = joinPath(names);
      if (isBenignErrorPath(p)) return;
      errs.push(p);
      if (isLostValue(n.value)) lost = true;
    });
    if (errs.length > 0) warnings.push(errorValuesWarning(r.label, errs, lost));
  });
  fragment.gpus = gpus;
  // only when some GPU had a Processes section: a partial `-d ECC` output says nothing about them
  if (sawProcesses) fragment.processes = processes;
  if (warnings.length > 0) fragment.warnings = warnings;
  return fragment;
}

const HAS_ATTACHED = /^[ \t]*Attached GPUs[ \t]*:/m;
const HAS_GPU_BLOCK = /^[ \t]*GPU [0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7][ \t]*\r?$/m;
const HAS_GPU_ROW =
  /^[ \t]+(Product Name|GPU UUID|ECC Mode|ECC Errors|FB Memory Usage|Remapped Rows|Retired Pages|Clocks Event Reasons|Clocks Throttle Reasons)[ \t]*(:|\r?$)/m;
const HAS_DRIVER = /^[ \t]*Driver Version[ \t]*:/m;

export const nvidiaSmiQParser: Parser = {
  id: 'nvidia-smi-q',
  title: 'nvidia-smi -q',
  detect(text: string): number {
    if (typeof text !== 'string') return 0;
    const h = head(text);
    if (h.includes('<nvidia_smi_log')) return 0;
    if (isBanner(h)) return 1;
    const gpuBlock = HAS_GPU_BLOCK.test(h);
    const attached = HAS_ATTACHED.test(h);
    if (gpuBlock && attached) return 0.95;
    if (gpuBlock && HAS_GPU_ROW.test(h)) return 0.7;
    if (attached && HAS_DRIVER.test(h)) return 0.6;
    return 0;
  },
  parse(text: string): Fragment {
    return parseQ(text);
  },
};
