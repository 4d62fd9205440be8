/**
 * `nvidia-smi -q -x`: the XML form of the full query (any DTD version, v4 … v13+).
 *
 * Element names changed over the driver generations; each field is read from every spelling known:
 * `clocks_event_reasons` / `clocks_throttle_reasons`, `gpu_power_readings` / `power_readings`,
 * `power_draw` / `average_power_draw` / `instant_power_draw`, `fb_memory_usage` / `memory_usage`,
 * `processes` / `compute_processes`, ECC counters as `sram_*`/`dram_*` or `single_bit`/`double_bit`.
 * An element that is absent leaves the field absent (the input does not say); an element that reads
 * `N/A`, `Unknown Error`, … gives null.
 *
 * Speed: a well-formed document is read by xml-tree.ts, which checks it and builds the tree in one pass
 * (about 70–110 MB/s here); only a damaged or unusual one (CDATA, processing instructions, mixed text)
 * goes through fast-xml-parser's validator and parser (about 8 MB/s), which give the same tree and say
 * what is wrong. Past MAX_PROCESSES, processes are counted, not read (checkFragment drops them).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ClockEventReason, emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch, ProcessPatch } from '../ingest/fragment.ts';
import { MAX_PROCESSES } from './limits.ts';
import {
  enabledDisabled,
  head,
  int,
  isNullWord,
  mib,
  normalizeBusId,
  num,
  valueOrNull,
  yesNo,
} from './text.ts';
import type { Parser } from './types.ts';
import { readXmlTree } from './xml-tree.ts';

// ---------------------------------------------------------------------------------------------------
// Helpers shared with the plain-text parser (nvidia-smi-q.ts).

const REASONS: ReadonlySet<string> = new Set(ClockEventReason.options);
const REASON_ALIASES: Record<string, ClockEventReason> = {
  idle: 'gpu_idle',
  display_clock_setting: 'display_clocks_setting',
  applications_clock_setting: 'applications_clocks_setting',
  application_clocks_setting: 'applications_clocks_setting',
};

/** `lower_snake` form of a key: `HW Power Brake Slowdown` → `hw_power_brake_slowdown`. */
export function snakeKey(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * A clock-event reason from its element or row name: `clocks_event_reason_sw_power_cap`,
 * `clocks_throttle_reason_gpu_idle`, `Idle`, `Display Clock Setting`, … → the enum name, or null for
 * names outside the enum (e.g. the old `clocks_throttle_reason_unknown`).
 */
export function clockReasonFromName(name: string): ClockEventReason | null {
  let k = snakeKey(name);
  const at = k.indexOf('reason_');
  if (at >= 0) k = k.slice(at + 'reason_'.length);
  const alias = REASON_ALIASES[k];
  if (alias) return alias;
  return REASONS.has(k) ? (k as ClockEventReason) : null;
}

/** `Active` → true, `Not Active` → false, anything else (N/A, errors) → null. */
export function activeState(v: string | null | undefined): boolean | null {
  if (v === null || v === undefined) return null;
  const t = v.trim().toLowerCase();
  if (t === 'active') return true;
  if (t === 'not active' || t === 'inactive') return false;
  return null;
}

/**
 * Collects the reason states of a reasons section; `null` when none of them is known (all N/A),
 * otherwise the active ones in enum order.
 */
export class ReasonCollector {
  private known = false;
  private readonly active = new Set<ClockEventReason>();
  add(name: string, value: string | null | undefined): void {
    const r = clockReasonFromName(name);
    if (r === null) return;
    const a = activeState(value);
    if (a === null) return;
    this.known = true;
    if (a) this.active.add(r);
  }
  result(): ClockEventReason[] | null {
    if (!this.known) return null;
    return ClockEventReason.options.filter((r) => this.active.has(r));
  }
}

/** Which ECC total a counter name belongs to (`sram_uncorrectable_parity` → unc, `Single Bit` → corr). */
export function eccKind(name: string): 'corr' | 'unc' | null {
  const k = snakeKey(name);
  if (k.includes('uncorrectable') || k.includes('double_bit')) return 'unc';
  if (k.includes('correctable') || k.includes('single_bit')) return 'corr';
  return null;
}

/** Running sums of ECC counters; a sum stays null until one counter is a number. */
export class EccSum {
  corr: number | null = null;
  unc: number | null = null;
  add(kind: 'corr' | 'unc', v: number | null): void {
    if (v === null || !Number.isInteger(v) || v < 0) return;
    if (kind === 'corr') this.corr = (this.corr ?? 0) + v;
    else this.unc = (this.unc ?? 0) + v;
  }
}

/** The warning for a GPU list whose order cannot be trusted as the nvidia-smi index order. */
export function indexWarning(present: number, attached: number | null): string {
  if (attached === null)
    return `the number of attached GPUs is not stated: indexes unknown, ${present} GPU(s) matched by bus id`;
  return `${present} of ${attached} attached GPUs present (filtered with -i?): indexes unknown, GPUs matched by bus id`;
}

/** Values that mean the GPU (or a query on it) failed, worth telling the user about. */
export function isErrorValue(v: string): boolean {
  // most values are short, or start with a character none of the four does (a digit, `N/A`, `Enabled`)
  if (v.length < 11) return false;
  const c = v.charCodeAt(0);
  if (c > 32 && c < 128 && c !== 91 && (c | 0x20) !== 117 && (c | 0x20) !== 103) return false;
  const t = v.trim().toLowerCase();
  return t === 'unknown error' || t === '[unknown error]' || t === 'gpu is lost' || t === '[gpu is lost]';
}

/** `GPU is lost`: the GPU fell off the bus, unlike an `Unknown Error` in one field. */
export function isLostValue(v: string): boolean {
  return /^\[?gpu is lost\]?$/i.test(v.trim());
}

/**
 * Fields whose `Unknown Error` is normal and not worth a warning: the host side of the PCIe link
 * (`Host Max`, `max_host_link_gen`) is not visible from a VM with the GPU passed through.
 */
export function isBenignErrorPath(path: string): boolean {
  return /(?:^|\/)(?:host max|max_host_link_gen)$/i.test(path);
}

/** Element or row names joined into a path with `/` (an empty name adds no separator before the next). */
export function joinPath(names: readonly string[]): string {
  let p = '';
  for (const k of names) p = p ? `${p}/${k}` : k;
  return p;
}

/**
 * `GPU <bus>: "Unknown Error" in a, b, c (and N more)`; `lost` when some value is `GPU is lost`, which is
 * what the warning then says (an Unknown Error in a field is not a lost GPU).
 */
export function errorValuesWarning(gpu: string, fields: readonly string[], lost = false): string {
  const shown = fields.slice(0, 4).join(', ');
  const more = fields.length > 4 ? ` (and ${fields.length - 4} more)` : '';
  return lost
    ? `GPU ${gpu}: nvidia-smi reports "GPU is lost" (${shown}${more}): the GPU may have fallen off the bus`
    : `GPU ${gpu}: nvidia-smi could not read ${shown}${more} ("Unknown Error"): left unknown`;
}

// ---------------------------------------------------------------------------------------------------
// XML access helpers. fast-xml-parser gives: leaf → string, element with children → object,
// repeated element → array, text next to children → `#text`.

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The first value of a possibly repeated element. */
function first(x: unknown): unknown {
  return Array.isArray(x) ? x[0] : x;
}

function arr(x: unknown): unknown[] {
  if (x === undefined || x === null) return [];
  return Array.isArray(x) ? x : [x];
}

/** Whether an element with this name exists under `node`. */
function has(node: unknown, name: string): boolean {
  return isObj(node) && Object.hasOwn(node, name);
}

/** Child element (first of repeated ones), undefined when absent. */
function el(node: unknown, ...names: string[]): unknown {
  if (!isObj(node)) return undefined;
  for (const n of names) if (Object.hasOwn(node, n)) return first(node[n]);
  return undefined;
}

/** Text of an element: a leaf string, or the `#text` of a mixed element; null when none. */
function text(x: unknown): string | null {
  const v = first(x);
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObj(v) && typeof v['#text'] === 'string') return (v['#text'] as string).trim();
  return null;
}

/** Text of the first child that exists among `names` (absent → undefined, so callers can skip). */
function childText(node: unknown, ...names: string[]): string | null | undefined {
  if (!isObj(node)) return undefined;
  for (const n of names) if (Object.hasOwn(node, n)) return text(node[n]);
  return undefined;
}

/** Like childText but the first child among `names` that has a value (not N/A). */
function firstValue(node: unknown, names: readonly string[]): string | null | undefined {
  let seen = false;
  for (const n of names) {
    const t = childText(node, n);
    if (t === undefined) continue;
    seen = true;
    if (!isNullWord(t)) return t;
  }
  return seen ? null : undefined;
}

const MAX_DEPTH = 16;

/**
 * Element paths under `node` whose text is an error value (`Unknown Error`, `GPU is lost`), except the
 * benign ones (isBenignErrorPath); `lost.value` is set when one of them is `GPU is lost`. `path` holds
 * the element names down to `node`; a path string is made only for a value that is an error.
 */
function errorPaths(node: unknown, path: string[], out: string[], lost: { value: boolean }, depth = 0): void {
  if (depth > MAX_DEPTH || out.length > 50) return;
  if (typeof node === 'string') {
    if (!isErrorValue(node)) return;
    const p = joinPath(path);
    if (isBenignErrorPath(p)) return;
    out.push(p);
    if (isLostValue(node)) lost.value = true;
    return;
  }
  if (Array.isArray(node)) {
    for (const x of node) errorPaths(x, path, out, lost, depth + 1);
    return;
  }
  if (!isObj(node)) return;
  for (const k of Object.keys(node)) {
    if (k.startsWith('@_')) continue;
    if (k === '#text') errorPaths(node[k], path, out, lost, depth + 1);
    else {
      path.push(k);
      errorPaths(node[k], path, out, lost, depth + 1);
      path.pop();
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Field readers.

function readReasons(g: Obj): ClockEventReason[] | null | undefined {
  const sec = el(g, 'clocks_event_reasons', 'clocks_throttle_reasons', 'clocks_throttle');
  if (sec === undefined) return undefined;
  const c = new ReasonCollector();
  if (isObj(sec)) for (const [k, v] of Object.entries(sec)) c.add(k, text(v));
  return c.result();
}

/** Sum the counters of one `volatile`/`aggregate` block (all DTD generations). */
function readEccBlock(block: unknown): EccSum {
  const sum = new EccSum();
  if (!isObj(block)) return sum;
  for (const [k, v] of Object.entries(block)) {
    const kind = eccKind(k);
    if (kind === null) continue;
    const node = first(v);
    if (isObj(node)) {
      // old DTDs: <single_bit><device_memory/>…<total/></single_bit>
      const total = int(childText(node, 'total') ?? null);
      if (total !== null) sum.add(kind, total);
      else for (const [ck, cv] of Object.entries(node)) if (ck !== 'total') sum.add(kind, int(text(cv)));
    } else sum.add(kind, int(text(node)));
  }
  return sum;
}

function readEcc(g: Obj): NonNullable<GpuPatch['ecc']> | undefined {
  const ecc: NonNullable<GpuPatch['ecc']> = {};
  let any = false;
  if (has(g, 'ecc_mode')) {
    ecc.mode = enabledDisabled(childText(el(g, 'ecc_mode'), 'current_ecc', 'current') ?? null);
    any = true;
  }
  const errs = el(g, 'ecc_errors');
  if (errs !== undefined) {
    any = true;
    if (has(errs, 'volatile')) {
      const s = readEccBlock(el(errs, 'volatile'));
      ecc.correctedVolatile = s.corr;
      ecc.uncorrectedVolatile = s.unc;
    }
    if (has(errs, 'aggregate')) {
      const s = readEccBlock(el(errs, 'aggregate'));
      ecc.correctedAggregate = s.corr;
      ecc.uncorrectedAggregate = s.unc;
    }
    if (!isObj(errs)) {
      // <ecc_errors>N/A</ecc_errors>
      ecc.correctedVolatile = null;
      ecc.uncorrectedVolatile = null;
      ecc.correctedAggregate = null;
      ecc.uncorrectedAggregate = null;
    }
  }
  const rp = el(g, 'retired_pages');
  if (rp !== undefined) {
    any = true;
    let pending: boolean | null = null;
    for (const name of ['pending_retirement', 'pending_blacklist', 'pending']) {
      const v = yesNo(childText(rp, name) ?? null);
      if (v === true) pending = true;
      else if (v === false && pending === null) pending = false;
    }
    ecc.retiredPagesPending = pending;
  }
  const rr = el(g, 'remapped_rows');
  if (rr !== undefined) {
    any = true;
    ecc.remappedRows = {
      correctable: int(childText(rr, 'remapped_row_corr') ?? null),
      uncorrectable: int(childText(rr, 'remapped_row_unc') ?? null),
      pending: yesNo(childText(rr, 'remapped_row_pending') ?? null),
      failure: yesNo(childText(rr, 'remapped_row_failure') ?? null),
    };
  }
  return any ? ecc : undefined;
}

function readPcie(pci: unknown): NonNullable<GpuPatch['pcie']> | undefined {
  const link = el(pci, 'pci_gpu_link_info');
  if (link === undefined) return undefined;
  const out: NonNullable<GpuPatch['pcie']> = {};
  const gen = el(link, 'pcie_gen');
  if (gen !== undefined) {
    out.genCurrent = int(firstValue(gen, ['current_link_gen', 'device_current_link_gen']) ?? null);
    let max = int(childText(gen, 'max_link_gen') ?? null);
    if (max === null) {
      const dev = int(childText(gen, 'max_device_link_gen') ?? null);
      const host = int(childText(gen, 'max_host_link_gen') ?? null);
      max = dev !== null && host !== null ? Math.min(dev, host) : dev;
    }
    out.genMax = max;
  }
  const widths = el(link, 'link_widths');
  if (widths !== undefined) {
    out.widthCurrent = int(childText(widths, 'current_link_width') ?? null);
    out.widthMax = int(childText(widths, 'max_link_width') ?? null);
  }
  return out;
}

function readPower(g: Obj): NonNullable<GpuPatch['power']> | undefined {
  const p = el(g, 'gpu_power_readings', 'power_readings');
  if (p === undefined) return undefined;
  return {
    drawW: num(firstValue(p, ['power_draw', 'average_power_draw', 'instant_power_draw']) ?? null),
    limitW: num(firstValue(p, ['current_power_limit', 'enforced_power_limit', 'power_limit']) ?? null),
  };
}

function readMigDevices(node: unknown): MigDevice[] {
  const out: MigDevice[] = [];
  if (!isObj(node)) return out; // `None`
  for (const d of arr(node.mig_device)) {
    if (!isObj(d)) continue;
    const fb = el(d, 'fb_memory_usage');
    const shared = el(el(d, 'device_attributes'), 'shared');
    out.push({
      ...emptyMigDevice(),
      gi: int(childText(d, 'gpu_instance_id') ?? null),
      ci: int(childText(d, 'compute_instance_id') ?? null),
      device: int(childText(d, 'index') ?? null),
      profile: valueOrNull(childText(d, 'profile', 'profile_name')),
      profileId: int(childText(d, 'profile_id') ?? null),
      uuid: valueOrNull(childText(d, 'uuid')),
      memoryTotalMiB: mib(childText(fb, 'total') ?? null),
      memoryUsedMiB: mib(childText(fb, 'used') ?? null),
      smCount: int(childText(shared, 'multiprocessor_count') ?? null),
      placement: null,
    });
  }
  return out;
}

function readMig(g: Obj): NonNullable<GpuPatch['mig']> | undefined {
  const mig: NonNullable<GpuPatch['mig']> = {};
  let any = false;
  const mode = el(g, 'mig_mode');
  if (mode !== undefined) {
    any = true;
    mig.mode = enabledDisabled(childText(mode, 'current_mig') ?? null);
    mig.pendingMode = enabledDisabled(childText(mode, 'pending_mig') ?? null);
  }
  const devs = el(g, 'mig_devices');
  if (devs !== undefined) {
    any = true;
    mig.devices = readMigDevices(devs);
  } else if (mode !== undefined && mig.mode !== 'enabled') mig.devices = [];
  return any ? mig : undefined;
}

/**
 * nvidia-smi's Virtualization Mode as printed (`None`, `Pass-Through`, `VGPU`, `Host VGPU`, `Host VSGA`):
 * here `None` is a value (bare metal), not "no value"; `N/A` and the like are unknown.
 */
export function virtualizationMode(v: string | null | undefined): string | null {
  const t = v?.trim() ?? '';
  return /^none$/i.test(t) ? 'None' : valueOrNull(t);
}

/** Host NUMA node elements seen in some builds (not `gpu_numa_id`, the GPU memory's own node on C2C). */
const NUMA_NAMES = ['numa_node_id', 'numa_node', 'numa_affinity'];

/** A NUMA node id: a plain non-negative integer, else null (`N/A`, `-1`, a list). */
export function numaId(v: string | null | undefined): number | null {
  const t = v?.trim() ?? '';
  return /^\d{1,4}$/.test(t) ? Number(t) : null;
}

function readNuma(g: Obj): number | null | undefined {
  const pci = el(g, 'pci');
  for (const node of [g, pci]) {
    const t = childText(node, ...NUMA_NAMES);
    if (t !== undefined) return numaId(t);
  }
  return undefined;
}

interface GpuRead {
  gpu: GpuPatch;
  /** null when the element has no process list (e.g. `-q -x -d ECC`). */
  processes: ProcessPatch[] | null;
  label: string;
}

/**
 * `room`: how many processes the fragment may still hold in full (MAX_PROCESSES less those of earlier
 * GPUs); past it a process is only counted (an empty patch), since checkFragment drops it.
 */
function readGpu(g: Obj, index: number | null, room: number): GpuRead | null {
  const gpu: GpuPatch = {};
  const pci = el(g, 'pci');
  const busId = normalizeBusId(childText(pci, 'pci_bus_id') ?? null) ?? normalizeBusId(text(g['@_id']));
  const uuid = valueOrNull(childText(g, 'uuid'));
  if (index === null && busId === null && uuid === null) return null;
  gpu.index = index;
  gpu.busId = busId;
  if (has(g, 'uuid')) gpu.uuid = uuid;
  if (has(g, 'product_name')) gpu.name = valueOrNull(childText(g, 'product_name'));
  if (has(g, 'serial')) gpu.serial = valueOrNull(childText(g, 'serial'));

  const fb = el(g, 'fb_memory_usage', 'memory_usage');
  if (fb !== undefined)
    gpu.memory = {
      totalMiB: mib(childText(fb, 'total') ?? null),
      usedMiB: mib(childText(fb, 'used') ?? null),
    };
  const util = el(g, 'utilization');
  if (util !== undefined)
    gpu.utilization = {
      gpuPct: num(childText(util, 'gpu_util') ?? null),
      memoryPct: num(childText(util, 'memory_util') ?? null),
    };
  const mig = readMig(g);
  if (mig) gpu.mig = mig;
  const pcie = readPcie(pci);
  if (pcie) gpu.pcie = pcie;
  const reasons = readReasons(g);
  if (reasons !== undefined) gpu.clockEventReasons = reasons;
  const power = readPower(g);
  if (power) gpu.power = power;
  const temp = el(g, 'temperature');
  if (temp !== undefined) gpu.temperatureC = num(childText(temp, 'gpu_temp') ?? null);
  if (has(g, 'performance_state')) gpu.pstate = valueOrNull(childText(g, 'performance_state'));
  // <gpu_virtualization_mode><virtualization_mode>Pass-Through</virtualization_mode>
  const virt = childText(el(g, 'gpu_virtualization_mode'), 'virtualization_mode');
  if (virt !== undefined) gpu.virtualizationMode = virtualizationMode(virt);
  const ecc = readEcc(g);
  if (ecc) gpu.ecc = ecc;
  const numa = readNuma(g);
  if (numa !== undefined) gpu.numaNode = numa;

  let processes: ProcessPatch[] | null = null;
  for (const listName of ['processes', 'compute_processes']) {
    const list = el(g, listName);
    if (list === undefined) continue;
    processes ??= [];
    if (!isObj(list)) continue; // `<processes/>`, `None`
    for (const p of arr(list.process_info)) {
      if (!isObj(p)) continue;
      if (processes.length >= room) {
        processes.push({});
        continue;
      }
      const proc: ProcessPatch = {
        pid: int(childText(p, 'pid') ?? null),
        name: valueOrNull(childText(p, 'process_name', 'name')),
        type: valueOrNull(childText(p, 'type') ?? (listName === 'compute_processes' ? 'C' : null)),
        usedMemoryMiB: mib(childText(p, 'used_memory') ?? null),
        gi: int(childText(p, 'gpu_instance_id') ?? null),
        ci: int(childText(p, 'compute_instance_id') ?? null),
        gpuBusId: busId,
        gpuUuid: uuid,
      };
      if (index !== null) proc.gpuIndex = index;
      processes.push(proc);
    }
  }
  return { gpu, processes, label: busId ?? uuid ?? `#${index}` };
}

// ---------------------------------------------------------------------------------------------------

const ROOT_OPEN = '<nvidia_smi_log';
const ROOT_CLOSE = '</nvidia_smi_log>';
/** An `&` that starts no entity or character reference: nvidia-smi writes them in process names. */
export const BARE_AMP = /&(?!(?:[a-zA-Z]{2,8}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/g;

/** fast-xml-parser's options for the general path; xml-tree.ts builds the same tree on its fast path. */
export const XML_PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: false,
  processEntities: true,
} as const;

const xmlParser = new XMLParser(XML_PARSER_OPTIONS);

/** Cut the document out of the text; salvage complete `<gpu>` elements of a truncated one. */
function documentBody(text: string, warnings: string[]): string {
  const start = text.indexOf(ROOT_OPEN);
  if (start < 0) {
    if (/<\?xml|<[a-z_]+>/i.test(head(text, 1024)))
      throw new InputError(
        'INPUT_MALFORMED',
        'XML without an <nvidia_smi_log> root element: not nvidia-smi -q -x output',
      );
    throw new InputError('INPUT_MALFORMED', 'not nvidia-smi -q -x output: no <nvidia_smi_log> root element');
  }
  const end = text.indexOf(ROOT_CLOSE, start);
  if (end >= 0) return text.slice(start, end + ROOT_CLOSE.length);
  // truncated: keep what is complete
  const lastGpu = text.lastIndexOf('</gpu>');
  if (lastGpu < start)
    throw new InputError(
      'INPUT_TRUNCATED',
      'nvidia-smi -q -x output cut off before the end of the first <gpu> element (no </nvidia_smi_log>)',
    );
  warnings.push('the XML is truncated (no </nvidia_smi_log>): only the complete <gpu> elements were read');
  return `${text.slice(start, lastGpu + '</gpu>'.length)}\n${ROOT_CLOSE}`;
}

/** The general path (about 10 MB/s): fast-xml-parser's validator, for the warning, then its parser. */
function readLeniently(body: string, warnings: string[]): unknown {
  const valid = XMLValidator.validate(body);
  if (valid !== true)
    warnings.push(
      `the XML is not well-formed (line ${valid.err.line}: ${valid.err.msg.slice(0, 120)}); read leniently`,
    );
  try {
    return xmlParser.parse(body);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 160) : 'parse error';
    throw new InputError('INPUT_MALFORMED', `nvidia-smi -q -x output is not readable XML: ${why}`, {
      cause: e,
    });
  }
}

function parseXml(text: string): Fragment {
  if (text.trim() === '')
    throw new InputError('INPUT_EMPTY', 'empty input: expected nvidia-smi -q -x output');
  if (head(text).includes('\u0000'))
    throw new InputError(
      'INPUT_BINARY',
      'binary data (NUL bytes): expected the XML text of nvidia-smi -q -x',
    );
  const warnings: string[] = [];
  const body = documentBody(text, warnings);
  // what nvidia-smi writes is read (and checked well-formed) in one pass; anything else — a damaged or
  // unusual document — by fast-xml-parser, whose validator says what is wrong (xml-tree.ts). nvidia-smi
  // does not escape `&` in free text (process names): both read a bare `&` as itself
  const doc = readXmlTree(body) ?? readLeniently(body.replace(BARE_AMP, '&amp;'), warnings);
  const root = el(doc, 'nvidia_smi_log');
  if (!isObj(root)) {
    if (root === undefined)
      throw new InputError(
        'INPUT_MALFORMED',
        'nvidia-smi -q -x output without a readable <nvidia_smi_log> element',
      );
    // <nvidia_smi_log/> or text only
    throw new InputError('INPUT_TRUNCATED', 'nvidia-smi -q -x output without any <gpu> element');
  }

  const fragment: Fragment = { format: 'nvidia-smi-xml' };
  const driver = firstValue(root, ['driver_version', 'kmd_version']);
  if (driver !== undefined) fragment.driverVersion = valueOrNull(driver);
  const cuda = firstValue(root, ['cuda_version', 'cuda_umd_version']);
  if (cuda !== undefined) fragment.cudaVersion = valueOrNull(cuda);

  const attached = int(childText(root, 'attached_gpus') ?? null);
  const gpuEls = arr(root.gpu).filter(isObj);
  if (gpuEls.length === 0 && attached !== 0)
    throw new InputError(
      'INPUT_TRUNCATED',
      `nvidia-smi -q -x output without any <gpu> element${attached !== null ? ` (attached_gpus = ${attached})` : ''}`,
    );
  const indexed = attached !== null && gpuEls.length === attached;
  if (!indexed && gpuEls.length > 0) warnings.push(indexWarning(gpuEls.length, attached));
  if (gpuEls.length === 0) warnings.push('no GPU attached (attached_gpus = 0)');

  const gpus: GpuPatch[] = [];
  const processes: ProcessPatch[] = [];
  let sawProcesses = false;
  gpuEls.forEach((g, i) => {
    const r = readGpu(g, indexed ? i : null, MAX_PROCESSES - processes.length);
    if (r === null) {
      warnings.push(`<gpu> element ${i + 1} has no bus id or uuid: ignored`);
      return;
    }
    gpus.push(r.gpu);
    if (r.processes) {
      sawProcesses = true;
      for (const p of r.processes) processes.push(p); // not push(...): a GPU may list 100 000
    }
    const errs: string[] = [];
    const lost = { value: false };
    errorPaths(g, [], errs, lost);
    if (errs.length > 0) warnings.push(errorValuesWarning(r.label, errs, lost.value));
  });
  fragment.gpus = gpus;
  if (sawProcesses) fragment.processes = processes;
  if (warnings.length > 0) fragment.warnings = warnings;
  return fragment;
}

export const nvidiaSmiXmlParser: Parser = {
  id: 'nvidia-smi-xml',
  title: 'nvidia-smi -q -x',
  detect(text: string): number {
    if (typeof text !== 'string') return 0;
    const h = head(text);
    if (h.includes(ROOT_OPEN)) return 1;
    if (h.includes('nvsmi_device_v')) return 0.95;
    return 0;
  },
  parse(text: string): Fragment {
    return parseXml(text);
  },
};
