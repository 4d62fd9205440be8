/**
 * `nvidia-smi --query-gpu=… --format=csv` and `nvidia-smi --query-compute-apps=… --format=csv`.
 *
 * Any field list in any order is accepted, with a header (`memory.used [MiB]`) or a `nounits` header
 * (`memory.used`), with or without units in the cells. Fields that have no place in the snapshot are
 * ignored. The `noheader` form is read only when every column can be identified without doubt (an index
 * column, `GPU-…` uuids, PCI bus ids, GPU names); otherwise it is rejected with a reason.
 *
 * Decisions
 * - An error line for one GPU (`Unable to determine the device handle for GPU3: 0000:04:00.0: Unknown
 *   Error`) becomes a warning naming the GPU and its bus id; the GPU is left out of `gpus` (nvidia-smi
 *   could read nothing about it, and a GPU patch with only identity fields would look like a healthy idle
 *   GPU to later stages).
 * - A `--query-gpu` list without index, pci.bus_id or uuid: nvidia-smi prints GPUs in index order, so rows
 *   are numbered 0…N-1 (with a warning). When an error line shows that a GPU is missing from the rows, the
 *   numbering would be wrong, so the index is left null (the merge step then ignores those GPUs).
 * - Rows that repeat a GPU already seen (e.g. `--query-retired-pages`, one row per page) keep the first.
 * - Per-reason clock columns (`clocks_event_reasons.sw_power_cap` = `Active`/`Not Active`): the active
 *   ones are listed; "none active" ([]) is only claimed when all eight standard reasons were queried,
 *   otherwise it is unknown (null). The `.active` bitmask, when known, wins.
 * - Past the caps (MAX_GPUS, MAX_PROCESSES in limits.ts) rows are still counted and told apart, but only
 *   their identity is read: checkFragment drops them, saying how many there were. A 16 MiB file of 100 000
 *   rows costs one pass over its lines, and holds no more than the capped rows in full.
 */
import type { ClockEventReason } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch, ProcessPatch } from '../ingest/fragment.ts';
import { MAX_GPUS, MAX_PROCESSES } from './limits.ts';
import { enabledDisabled, head, int, isNullWord, lines, mib, normalizeBusId, num, yesNo } from './text.ts';
import type { Parser } from './types.ts';

const GPU_ID = 'smi-csv';
const APPS_ID = 'smi-apps-csv';

// ---------------------------------------------------------------------------------------------------
// Line classification (shared by detect and parse)

/** A header cell: `memory.used`, `memory.used [MiB]`, `clocks_event_reasons.active`. */
const FIELD_SHAPE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*(?:\s*\[[^\]]*\])?$/i;
const FULL_BUS_ID = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;
const GPU_UUID = /^GPU-[0-9a-f]{8}-[0-9a-f-]{4,}$/i;
/** stderr lines nvidia-smi mixes into its output. */
const ERROR_LINE =
  /^(?:unable to determine the device handle|unable to |failed to |nvidia-smi has failed|no devices were found|error:|warning:|field ".*" is not a valid field)/i;

/** Query field names (normalised, without unit) that only occur in `--query-compute-apps`. */
const APPS_ONLY_FIELDS = new Set(['pid', 'process_name', 'used_gpu_memory', 'used_memory']);
/** Field prefixes / names of `--query-gpu` (and of `--query-remapped-rows`), for recognising a header. */
const GPU_FIELD_PREFIXES = [
  'memory.',
  'utilization.',
  'clocks.',
  'clocks_event_reasons.',
  'clocks_throttle_reasons.',
  'power.',
  'pcie.',
  'pci.',
  'temperature.',
  'ecc.',
  'retired_pages.',
  'remapped_rows.',
  'mig.',
  'fan.',
  'enforced.',
  'inforom.',
  'gom.',
  'encoder.',
  'accounting.',
  'driver_model.',
  'clocks_event_reasons_counters.',
];
const GPU_FIELD_NAMES = new Set([
  'index',
  'name',
  'uuid',
  'serial',
  'count',
  'driver_version',
  'vbios_version',
  'pstate',
  'timestamp',
  'compute_mode',
  'persistence_mode',
  'display_mode',
  'display_active',
  'gpu_uuid',
  'gpu_bus_id',
  'gpu_name',
  'gpu_serial',
  'compute_cap',
  'addressing_mode',
]);

function normField(cell: string): string {
  return cell
    .replace(/\s*\[[^\]]*\]\s*$/, '')
    .trim()
    .toLowerCase();
}

function isKnownField(f: string): boolean {
  return APPS_ONLY_FIELDS.has(f) || GPU_FIELD_NAMES.has(f) || GPU_FIELD_PREFIXES.some((p) => f.startsWith(p));
}

function splitCells(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

/** The normalised field names when the line is a CSV header, else null. */
function headerFields(line: string): string[] | null {
  const cells = splitCells(line);
  if (cells.length === 0 || !cells.every((c) => FIELD_SHAPE.test(c))) return null;
  const fields = cells.map(normField);
  return fields.some(isKnownField) ? fields : null;
}

function cleanLine(raw: string): string {
  return (raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw).trim();
}

function isSkippable(line: string): boolean {
  return line === '' || line.startsWith('#');
}

type Kind = 'gpu' | 'apps' | 'noheader' | 'none';

/** Cheap classification of the head of a text. */
function classify(text: string): Kind {
  const h = head(text);
  const ls = lines(h);
  // when the head was cut, its last line may be partial
  if (h.length < text.length) ls.pop();
  const significant: string[] = [];
  for (const raw of ls) {
    const line = cleanLine(raw);
    if (isSkippable(line) || ERROR_LINE.test(line)) continue;
    significant.push(line);
    if (significant.length >= 20) break;
  }
  const first = significant[0];
  if (first === undefined) return 'none';
  const fields = headerFields(first);
  if (fields) return fields.includes('pid') ? 'apps' : 'gpu';
  // noheader rows: same column count (≥ 2) on every line, an exact uuid or bus id cell in the first one
  if (first.includes('|')) return 'none';
  const n = splitCells(first).length;
  if (n < 2 || !significant.every((l) => splitCells(l).length === n)) return 'none';
  return splitCells(first).some((c) => FULL_BUS_ID.test(c) || GPU_UUID.test(c)) ? 'noheader' : 'none';
}

// ---------------------------------------------------------------------------------------------------
// Cell readers

/** A string cell; nvidia-smi placeholders (`[N/A]`, `[Not Found]`, `N/A`, …) → null. */
function str(cell: string): string | null {
  const t = cell.trim();
  if (isNullWord(t) || /^\[.*\]$/.test(t)) return null;
  return t;
}

function boolish(cell: string): boolean | null {
  const t = cell.trim();
  if (t === '0') return false;
  if (t === '1') return true;
  return yesNo(t);
}

function pstate(cell: string): string | null {
  const m = /^P(\d{1,2})$/i.exec(cell.trim());
  return m ? `P${m[1]}` : null;
}

function activeCell(cell: string): boolean | null {
  const t = cell.trim().toLowerCase();
  if (t === 'active') return true;
  if (t === 'not active') return false;
  return null;
}

/** `clocks_event_reasons.active` bitmask bits (domain facts §8). */
const REASON_BITS: readonly [number, ClockEventReason][] = [
  [0x1, 'gpu_idle'],
  [0x2, 'applications_clocks_setting'],
  [0x4, 'sw_power_cap'],
  [0x8, 'hw_slowdown'],
  [0x10, 'sync_boost'],
  [0x20, 'sw_thermal_slowdown'],
  [0x40, 'hw_thermal_slowdown'],
  [0x80, 'hw_power_brake_slowdown'],
  [0x100, 'display_clocks_setting'],
];

/** `0x0000000000000004` → ['sw_power_cap']; null when not a bitmask. */
export function decodeClockEventReasons(cell: string): ClockEventReason[] | null {
  const t = cell.trim();
  let v: number;
  const hex = /^0x([0-9a-f]{1,16})$/i.exec(t);
  if (hex) {
    // only the low bits carry known reasons; avoid precision loss on 64-bit masks
    v = Number.parseInt(hex[1]!.slice(-8), 16);
  } else if (/^\d{1,15}$/.test(t)) {
    v = Number(t);
  } else {
    return null;
  }
  return REASON_BITS.filter(([bit]) => (v & bit) !== 0).map(([, r]) => r);
}

/** Per-reason column suffix → reason (`clocks_event_reasons.<suffix>`, `clocks_throttle_reasons.<suffix>`). */
const REASON_COLUMNS: Record<string, ClockEventReason> = {
  gpu_idle: 'gpu_idle',
  applications_clocks_setting: 'applications_clocks_setting',
  sw_power_cap: 'sw_power_cap',
  hw_slowdown: 'hw_slowdown',
  sync_boost: 'sync_boost',
  sw_thermal_slowdown: 'sw_thermal_slowdown',
  hw_thermal_slowdown: 'hw_thermal_slowdown',
  hw_power_brake_slowdown: 'hw_power_brake_slowdown',
  display_clock_setting: 'display_clocks_setting',
  display_clocks_setting: 'display_clocks_setting',
};
const CORE_REASONS: readonly ClockEventReason[] = [
  'gpu_idle',
  'applications_clocks_setting',
  'sw_power_cap',
  'hw_slowdown',
  'sync_boost',
  'sw_thermal_slowdown',
  'hw_thermal_slowdown',
  'hw_power_brake_slowdown',
];

// ---------------------------------------------------------------------------------------------------
// --query-gpu field table

interface GpuRow {
  patch: GpuPatch;
  /** slots that already hold a known (non-null) value (made when the first one does) */
  known: Set<string> | null;
  /** per-reason columns read (made by the first one) */
  reasonsActive: Set<ClockEventReason> | null;
  reasonsKnown: Set<ClockEventReason> | null;
  bitmask: ClockEventReason[] | null | undefined;
  driver: string | null;
}

interface Column {
  col: number;
  field: string;
  prio: number;
  run: (row: GpuRow, cell: string) => void;
}

/**
 * A column writer: writes `read(cell)` into a slot of the patch. Columns run in ascending priority, and a
 * null never overwrites a value already known for the slot (e.g. `power.draw` [N/A] vs `.instant` 434 W).
 */
function col<T>(
  slot: string,
  prio: number,
  read: (cell: string) => T | null,
  write: (p: GpuPatch, v: T | null) => void,
): Omit<Column, 'col' | 'field'> {
  return {
    prio,
    run(row, cell) {
      const v = read(cell);
      if (v === null && row.known?.has(slot)) return;
      write(row.patch, v);
      if (v === null) return;
      row.known ??= new Set();
      row.known.add(slot);
    },
  };
}

const mem = (p: GpuPatch) => (p.memory ??= {});
const util = (p: GpuPatch) => (p.utilization ??= {});
const mig = (p: GpuPatch) => (p.mig ??= {});
const pcie = (p: GpuPatch) => (p.pcie ??= {});
const power = (p: GpuPatch) => (p.power ??= {});
const ecc = (p: GpuPatch) => (p.ecc ??= {});
const remap = (p: GpuPatch) => (ecc(p).remappedRows ??= {});

function gpuColumn(field: string): Omit<Column, 'col' | 'field'> | null {
  switch (field) {
    case 'index':
      return col('index', 0, int, (p, v) => {
        p.index = v;
      });
    case 'uuid':
    case 'gpu_uuid':
      return col('uuid', 0, str, (p, v) => {
        p.uuid = v;
      });
    case 'name':
    case 'gpu_name':
      return col('name', 0, str, (p, v) => {
        p.name = v;
      });
    case 'pci.bus_id':
    case 'gpu_bus_id':
      return col('busId', 0, normalizeBusId, (p, v) => {
        p.busId = v;
      });
    case 'serial':
    case 'gpu_serial':
      return col('serial', 0, str, (p, v) => {
        p.serial = v;
      });
    case 'memory.total':
      return col(
        'memory.total',
        0,
        (c) => mib(c),
        (p, v) => {
          mem(p).totalMiB = v;
        },
      );
    case 'memory.used':
      return col(
        'memory.used',
        0,
        (c) => mib(c),
        (p, v) => {
          mem(p).usedMiB = v;
        },
      );
    case 'utilization.gpu':
      return col('util.gpu', 0, num, (p, v) => {
        util(p).gpuPct = v;
      });
    case 'utilization.memory':
      return col('util.memory', 0, num, (p, v) => {
        util(p).memoryPct = v;
      });
    case 'mig.mode.current':
      return col('mig.mode', 0, enabledDisabled, (p, v) => {
        mig(p).mode = v;
      });
    case 'mig.mode.pending':
      return col('mig.pending', 0, enabledDisabled, (p, v) => {
        mig(p).pendingMode = v;
      });
    case 'pcie.link.gen.current':
    case 'pcie.link.gen.gpucurrent':
      return col('pcie.genCurrent', field.endsWith('gpucurrent') ? 1 : 0, int, (p, v) => {
        pcie(p).genCurrent = v;
      });
    // gen.max is what GPU and host together allow (the right reference for downtraining); gpumax is a fallback
    case 'pcie.link.gen.max':
    case 'pcie.link.gen.gpumax':
      return col('pcie.genMax', field.endsWith('gpumax') ? 0 : 1, int, (p, v) => {
        pcie(p).genMax = v;
      });
    case 'pcie.link.width.current':
      return col('pcie.widthCurrent', 0, int, (p, v) => {
        pcie(p).widthCurrent = v;
      });
    case 'pcie.link.width.max':
      return col('pcie.widthMax', 0, int, (p, v) => {
        pcie(p).widthMax = v;
      });
    case 'power.draw':
    case 'power.draw.average':
    case 'power.draw.instant': {
      const prio = field === 'power.draw.average' ? 2 : field === 'power.draw' ? 1 : 0;
      return col('power.draw', prio, num, (p, v) => {
        power(p).drawW = v;
      });
    }
    case 'power.limit':
    case 'enforced.power.limit':
      return col('power.limit', field === 'power.limit' ? 1 : 0, num, (p, v) => {
        power(p).limitW = v;
      });
    case 'temperature.gpu':
      return col('temperature', 0, num, (p, v) => {
        p.temperatureC = v;
      });
    case 'pstate':
      return col('pstate', 0, pstate, (p, v) => {
        p.pstate = v;
      });
    case 'ecc.mode.current':
      return col('ecc.mode', 0, enabledDisabled, (p, v) => {
        ecc(p).mode = v;
      });
    case 'ecc.errors.corrected.volatile.total':
      return col('ecc.cv', 0, int, (p, v) => {
        ecc(p).correctedVolatile = v;
      });
    case 'ecc.errors.uncorrected.volatile.total':
      return col('ecc.uv', 0, int, (p, v) => {
        ecc(p).uncorrectedVolatile = v;
      });
    case 'ecc.errors.corrected.aggregate.total':
      return col('ecc.ca', 0, int, (p, v) => {
        ecc(p).correctedAggregate = v;
      });
    case 'ecc.errors.uncorrected.aggregate.total':
      return col('ecc.ua', 0, int, (p, v) => {
        ecc(p).uncorrectedAggregate = v;
      });
    case 'retired_pages.pending':
      return col('retired.pending', 0, boolish, (p, v) => {
        ecc(p).retiredPagesPending = v;
      });
    case 'remapped_rows.correctable':
      return col('remap.c', 0, int, (p, v) => {
        remap(p).correctable = v;
      });
    case 'remapped_rows.uncorrectable':
      return col('remap.u', 0, int, (p, v) => {
        remap(p).uncorrectable = v;
      });
    case 'remapped_rows.pending':
      return col('remap.pending', 0, boolish, (p, v) => {
        remap(p).pending = v;
      });
    case 'remapped_rows.failure':
      return col('remap.failure', 0, boolish, (p, v) => {
        remap(p).failure = v;
      });
    case 'driver_version':
      return {
        prio: 0,
        run(row, cell) {
          row.driver = str(cell);
        },
      };
    case 'clocks_event_reasons.active':
    case 'clocks_throttle_reasons.active':
      return {
        prio: 0,
        run(row, cell) {
          const v = decodeClockEventReasons(cell);
          if (v !== null || row.bitmask === undefined) row.bitmask = v;
        },
      };
    default: {
      const m = /^clocks_(?:event|throttle)_reasons\.([a-z_]+)$/.exec(field);
      const reason = m ? REASON_COLUMNS[m[1]!] : undefined;
      if (!reason) return null;
      return {
        prio: 0,
        run(row, cell) {
          const v = activeCell(cell);
          if (v === null) return;
          row.reasonsKnown ??= new Set();
          row.reasonsKnown.add(reason);
          if (!v) return;
          row.reasonsActive ??= new Set();
          row.reasonsActive.add(reason);
        },
      };
    }
  }
}

function newRow(): GpuRow {
  return {
    patch: {},
    known: null,
    reasonsActive: null,
    reasonsKnown: null,
    bitmask: undefined,
    driver: null,
  };
}

function finishReasons(row: GpuRow, hasReasonColumns: boolean, hasBitmask: boolean): void {
  if (!hasReasonColumns && !hasBitmask) return;
  if (row.bitmask) {
    row.patch.clockEventReasons = row.bitmask;
    return;
  }
  const active = row.reasonsActive;
  if (active !== null && active.size > 0) {
    row.patch.clockEventReasons = CORE_REASONS.concat(['display_clocks_setting']).filter((r) =>
      active.has(r),
    );
    return;
  }
  const known = row.reasonsKnown;
  row.patch.clockEventReasons = known !== null && CORE_REASONS.every((r) => known.has(r)) ? [] : null;
}

// ---------------------------------------------------------------------------------------------------
// Parsing

/**
 * The data rows of a CSV, kept as the lines they are (cells are split when a row is read, so a 16 MiB
 * input does not hold millions of cell strings at once).
 */
interface Scanned {
  header: string[] | null;
  /** data rows: the cleaned line, and its 1-based line number at the same position */
  rows: string[];
  lineNos: number[];
  errors: string[];
  /** remarks made while scanning (a cut-short last row) */
  notes: string[];
  isLast: (line: number) => boolean;
}

/** A row as read: its cells as split (`raw`) and trimmed (`cells`), where it was, and its text. */
interface Row {
  cells: string[];
  raw: string[];
  line: number;
  text: string;
}

function readRow(s: Scanned, i: number): Row {
  const text = s.rows[i]!;
  const raw = text.split(',');
  return { cells: raw.map((c) => c.trim()), raw, line: s.lineNos[i]!, text };
}

/** How many cells `line` splits into (its commas + 1), without splitting it. */
function cellCount(line: string): number {
  let n = 1;
  for (let at = line.indexOf(','); at >= 0; at = line.indexOf(',', at + 1)) n++;
  return n;
}

const NO_PROCESSES = /^no running (?:compute )?processes found/i;

function scan(text: string): Scanned {
  if (text.includes('\u0000')) throw new InputError('INPUT_BINARY', 'binary data, not nvidia-smi CSV output');
  let header: string[] | null = null;
  let seenData = false;
  const rows: string[] = [];
  const lineNos: number[] = [];
  const errors: string[] = [];
  let lastLine = 0;
  let width = 0;
  let odd: { line: number; text: string } | null = null;
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const lineNo = i + 1;
    const line = cleanLine(all[i]!);
    if (isSkippable(line)) continue;
    if (ERROR_LINE.test(line)) {
      errors.push(line);
      continue;
    }
    if (!seenData) {
      seenData = true;
      header = headerFields(line);
      if (header) continue;
    }
    if (NO_PROCESSES.test(line)) continue;
    if (!header) {
      // without a header every row must have the first row's shape (a cut-short last row aside): stop early
      const n = cellCount(line);
      if (rows.length === 0) width = n;
      else if (odd || n !== width) {
        if (odd) {
          throw new InputError(
            'INPUT_MALFORMED',
            'not nvidia-smi CSV: no header row, and the rows have different numbers of columns',
          );
        }
        odd = { line: lineNo, text: line };
        continue;
      }
    }
    rows.push(line);
    lineNos.push(lineNo);
    lastLine = lineNo;
  }
  const notes = odd ? [`line ${odd.line}: the last row is cut short, skipped: "${clip(odd.text, 80)}"`] : [];
  return { header, rows, lineNos, errors, notes, isLast: (n) => n === lastLine };
}

function errorWarning(line: string): string {
  // `… for GPU3: 0000:04:00.0: Unknown Error` or `… for GPU0000:04:00.0: GPU is lost. …`
  const busFirst = /GPU\s*([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])/i.exec(line);
  const idxFirst = busFirst
    ? null
    : /for GPU\s*(\d+)\s*:?\s*([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])?/i.exec(line);
  const bus = normalizeBusId(busFirst?.[1] ?? idxFirst?.[2] ?? null);
  const idx = idxFirst?.[1];
  if (bus || idx !== undefined) {
    const who = [idx !== undefined ? `GPU ${idx}` : 'a GPU', bus ? `(${bus})` : ''].filter(Boolean).join(' ');
    return `${who}: nvidia-smi could not read it ("${clip(line)}"); it is left out of this input`;
  }
  return `nvidia-smi reported: "${clip(line)}"`;
}

function clip(s: string, max = 160): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/**
 * Fit a row to the header. Extra cells (a comma inside a process or GPU name) are folded into the one
 * name column, when there is exactly one.
 */
function fitRow(row: Row, fields: readonly string[], nameFields: readonly string[]): string[] | null {
  const cells = row.raw;
  if (cells.length === fields.length) return row.cells;
  if (cells.length < fields.length) return null;
  const nameCols = fields.map((f, i) => (nameFields.includes(f) ? i : -1)).filter((i) => i >= 0);
  if (nameCols.length !== 1) return null;
  const at = nameCols[0]!;
  const extra = cells.length - fields.length;
  return [
    ...cells.slice(0, at),
    cells.slice(at, at + extra + 1).join(','),
    ...cells.slice(at + extra + 1),
  ].map((c) => c.trim());
}

const LOST_CELL = /^\[?gpu is lost\]?$/i;
const LOST_WORD = /lost/i;
/** `GPU is lost` (nvidia-smi's cell for a GPU that fell off the bus); a cheap length check first. */
const isLostCell = (c: string) => c.length >= 11 && c.length <= 13 && LOST_CELL.test(c);

function rowWarning(row: Row, expected: number, isLast: boolean): string {
  const why =
    isLast && row.cells.length < expected ? 'the last row is cut short' : 'a row does not match the header';
  return `line ${row.line}: ${why} (${row.cells.length} of ${expected} columns), skipped: "${clip(row.text, 80)}"`;
}

/** The columns that tell GPUs apart (a row repeating one of them repeats a GPU). */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set([
  'index',
  'uuid',
  'gpu_uuid',
  'pci.bus_id',
  'gpu_bus_id',
]);

function parseGpuRows(s: Scanned, fields: readonly string[], format: string, inferred: boolean): Fragment {
  const warnings: string[] = [...s.errors.map(errorWarning), ...s.notes];
  const columns: Column[] = [];
  fields.forEach((field, i) => {
    const c = gpuColumn(field);
    if (c) columns.push({ ...c, col: i, field });
  });
  // stable sort: within one priority, header order
  columns.sort((a, b) => a.prio - b.prio);
  const hasReasonColumns = columns.some((c) => /^clocks_(event|throttle)_reasons\.(?!active$)/.test(c.field));
  const hasBitmask = columns.some((c) => c.field.endsWith('_reasons.active'));
  const hasIdentity = fields.some((f) => IDENTITY_FIELDS.has(f));
  // the columns that tell GPUs apart, and the driver version (read from every row, repeated or not)
  const light = columns.filter((c) => IDENTITY_FIELDS.has(c.field) || c.field === 'driver_version');

  const gpus: GpuPatch[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  let driverVersion: string | undefined;
  let lostCells = 0;
  for (let i = 0; i < s.rows.length; i++) {
    const r = readRow(s, i);
    const cells = fitRow(r, fields, ['name', 'gpu_name']);
    if (!cells) {
      warnings.push(rowWarning(r, fields.length, s.isLast(r.line)));
      continue;
    }
    // who the row is (and nvidia-smi's driver version) first: a row repeating a GPU already listed, and
    // every row past the GPU cap, is read no further
    const id = newRow();
    for (const c of light) c.run(id, cells[c.col]!);
    if (LOST_WORD.test(r.text) && cells.some(isLostCell)) lostCells++;
    if (id.driver !== null) driverVersion ??= id.driver;
    const key = id.patch.uuid ?? id.patch.busId ?? (id.patch.index != null ? `#${id.patch.index}` : null);
    if (key !== null) {
      if (seen.has(key)) {
        repeated++;
        continue;
      }
      seen.add(key);
    }
    if (gpus.length >= MAX_GPUS) {
      gpus.push(id.patch);
      continue;
    }
    const row = newRow();
    for (const c of columns) c.run(row, cells[c.col]!);
    finishReasons(row, hasReasonColumns, hasBitmask);
    gpus.push(row.patch);
  }
  if (gpus.length === 0 && s.errors.length === 0) {
    throw new InputError(
      s.rows.length === 0 ? 'INPUT_TRUNCATED' : 'INPUT_MALFORMED',
      s.rows.length === 0
        ? 'nvidia-smi --query-gpu CSV with a header but no GPU rows'
        : 'nvidia-smi --query-gpu CSV: no row matches the header',
    );
  }
  if (!hasIdentity && gpus.length > 0) {
    if (s.errors.length === 0) {
      gpus.forEach((g, i) => {
        g.index = i;
      });
      warnings.push(
        `no index, pci.bus_id or uuid column: the ${gpus.length} GPU(s) are numbered by row order (0–${gpus.length - 1}), as nvidia-smi lists them; add index to --query-gpu to be sure`,
      );
    } else {
      for (const g of gpus) g.index = null;
      warnings.push(
        'no index, pci.bus_id or uuid column and a GPU is missing from the rows: the GPUs cannot be numbered and are not matched to other inputs; add index to --query-gpu',
      );
    }
  }
  if (repeated > 0) warnings.push(`${repeated} row(s) repeat a GPU already listed; the first row was kept`);
  if (lostCells > 0) warnings.push(`${lostCells} GPU row(s) report "GPU is lost"`);
  if (inferred) {
    warnings.push(`no header row: columns read as ${fields.join(', ')}`);
  }
  const frag: Fragment = { format, gpus };
  if (fields.includes('driver_version')) frag.driverVersion = driverVersion ?? null;
  if (warnings.length > 0) frag.warnings = warnings;
  return frag;
}

function parseAppsRows(s: Scanned, fields: readonly string[], format: string): Fragment {
  if (fields.some((f) => ['max_memory_usage', 'gpu_utilization', 'mem_utilization', 'time'].includes(f))) {
    throw new InputError(
      'INPUT_UNSUPPORTED',
      'this is --query-accounted-apps output (it lists finished processes too); send --query-compute-apps=gpu_uuid,pid,process_name,used_gpu_memory --format=csv instead',
    );
  }
  const warnings: string[] = [...s.errors.map(errorWarning), ...s.notes];
  const at = (f: string) => fields.indexOf(f);
  const pidCol = at('pid');
  const nameCol = at('process_name') >= 0 ? at('process_name') : at('name');
  const memCol = at('used_gpu_memory') >= 0 ? at('used_gpu_memory') : at('used_memory');
  const uuidCol = at('gpu_uuid');
  const busCol = at('gpu_bus_id');
  const attributable = uuidCol >= 0 || busCol >= 0;
  const processes: ProcessPatch[] = [];
  for (let i = 0; i < s.rows.length; i++) {
    const r = readRow(s, i);
    const cells = fitRow(r, fields, ['process_name', 'name']);
    if (!cells) {
      warnings.push(rowWarning(r, fields.length, s.isLast(r.line)));
      continue;
    }
    const p: ProcessPatch = { pid: int(cells[pidCol]) };
    if (processes.length >= MAX_PROCESSES) {
      // past the process cap: counted, and dropped by checkFragment
      processes.push(p);
      continue;
    }
    if (nameCol >= 0) p.name = str(cells[nameCol]!);
    if (memCol >= 0) p.usedMemoryMiB = mib(cells[memCol]);
    if (uuidCol >= 0) p.gpuUuid = str(cells[uuidCol]!);
    if (busCol >= 0) p.gpuBusId = normalizeBusId(cells[busCol]);
    if (!attributable) p.gpuIndex = null;
    processes.push(p);
  }
  if (!attributable && processes.length > 0) {
    warnings.push(
      `${processes.length} process(es) cannot be attributed to a GPU: the CSV has no gpu_uuid or gpu_bus_id column (add gpu_uuid to --query-compute-apps)`,
    );
  }
  const frag: Fragment = { format, processes };
  if (warnings.length > 0) frag.warnings = warnings;
  return frag;
}

// --- noheader inference

type ColumnType = 'index' | 'uuid' | 'busId' | 'name';
/** nvidia-smi has about 200 query fields; a wider headerless row is not its output. */
const MAX_NOHEADER_COLUMNS = 256;
const NOT_A_NAME =
  /^(?:p\d{1,2}|enabled|disabled|default|active|not active|yes|no|on|off|exclusive_process|exclusive_thread|prohibited|wddm|tcc)$/i;

function inferHeader(s: Scanned): string[] {
  const rows = s.rows.map((_, i) => readRow(s, i));
  // scan() made sure that every row has this many columns
  const n = rows[0]!.cells.length;
  if (n > MAX_NOHEADER_COLUMNS) {
    throw new InputError('INPUT_MALFORMED', `not nvidia-smi CSV: no header row and ${n} columns`);
  }
  const types: (ColumnType | null)[] = [];
  for (let c = 0; c < n; c++) {
    const values = rows.map((r) => r.cells[c]!);
    types.push(columnType(values, rows.length + s.errors.length));
  }
  const bad: string[] = [];
  types.forEach((t, c) => {
    const dup = t !== null && types.indexOf(t) !== c;
    if (t === null || dup) bad.push(`${c + 1} (e.g. "${clip(rows[0]!.cells[c]!, 30)}")`);
  });
  const hasIdentity = types.some((t) => t === 'uuid' || t === 'busId' || (t === 'index' && n >= 2));
  if (bad.length > 0 || !hasIdentity) {
    const listed = bad.slice(0, 6).join(', ') + (bad.length > 6 ? ` and ${bad.length - 6} more` : '');
    const which = bad.length > 0 ? listed : 'all';
    throw new InputError(
      'INPUT_UNSUPPORTED',
      `CSV without a header row: columns ${which} cannot be identified; re-run with --format=csv (not noheader)`,
    );
  }
  const toField: Record<ColumnType, string> = {
    index: 'index',
    uuid: 'uuid',
    busId: 'pci.bus_id',
    name: 'name',
  };
  return types.map((t) => toField[t!]);
}

function columnType(values: readonly string[], maxGpus: number): ColumnType | null {
  if (values.every((v) => /^\d{1,3}$/.test(v))) {
    // an index column: distinct, below the number of GPUs seen (rows + error lines)
    const nums = values.map(Number);
    const distinct = new Set(nums).size === nums.length;
    return distinct && Math.max(...nums) < maxGpus ? 'index' : null;
  }
  if (values.every((v) => GPU_UUID.test(v))) return 'uuid';
  if (values.every((v) => FULL_BUS_ID.test(v))) return 'busId';
  const nameLike = (v: string) =>
    /[a-z]/i.test(v) &&
    v.length >= 3 &&
    !isNullWord(v) &&
    !/^\[.*\]$/.test(v) &&
    !NOT_A_NAME.test(v) &&
    !/^[-+]?\d+(?:\.\d+)?\s*(?:[kmgt]i?b|%|w|c|mhz|ms|us)?$/i.test(v) &&
    !/^0x[0-9a-f]+$/i.test(v) &&
    !GPU_UUID.test(v) &&
    !FULL_BUS_ID.test(v);
  return values.every(nameLike) ? 'name' : null;
}

function parseAny(text: string): Fragment {
  if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'empty input');
  const s = scan(text);
  const invalid = s.errors.find((e) => /is not a valid field/i.test(e));
  if (invalid) throw new InputError('INPUT_MALFORMED', `nvidia-smi rejected the query: "${clip(invalid)}"`);
  if (s.header) {
    // each parser reads what it is given; the fragment's format says which output it was
    if (s.header.includes('pid')) return parseAppsRows(s, s.header, APPS_ID);
    return parseGpuRows(s, s.header, GPU_ID, false);
  }
  if (s.rows.length === 0) {
    const first = s.errors[0];
    if (first !== undefined) throw new InputError('INPUT_MALFORMED', `nvidia-smi failed: "${clip(first)}"`);
    throw new InputError('INPUT_EMPTY', 'no CSV rows (only comments or blank lines)');
  }
  const fields = inferHeader(s);
  return parseGpuRows(s, fields, GPU_ID, true);
}

export const smiCsvParser: Parser = {
  id: GPU_ID,
  title: 'nvidia-smi --query-gpu=… --format=csv',
  detect(text: string): number {
    try {
      const k = classify(text);
      return k === 'gpu' ? 0.95 : k === 'noheader' ? 0.6 : k === 'apps' ? 0.3 : 0;
    } catch {
      return 0;
    }
  },
  parse(text: string): Fragment {
    return parseAny(text);
  },
};

export const smiAppsCsvParser: Parser = {
  id: APPS_ID,
  title: 'nvidia-smi --query-compute-apps=… --format=csv',
  detect(text: string): number {
    try {
      return classify(text) === 'apps' ? 0.95 : 0;
    } catch {
      return 0;
    }
  },
  parse(text: string): Fragment {
    return parseAny(text);
  },
};
