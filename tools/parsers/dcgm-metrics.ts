/**
 * dcgm-exporter `/metrics`: Prometheus text exposition of `DCGM_FI_*` series, one sample per line:
 *
 *   DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-…",pci_bus_id="00000000:37:00.0",modelName="Tesla T4",Hostname="n1"} 91
 *
 * `# HELP`/`# TYPE` lines are optional; an optional timestamp may follow the value. Series that carry
 * `GPU_I_ID`/`GPU_I_PROFILE` belong to a MIG GPU instance: their instance-scoped values (framebuffer,
 * utilisation, profiling ratios) go to that instance only; device-scoped values (temperature, power,
 * ECC, PCIe link, XID) only fill GPU fields that no whole-GPU series gave.
 */
import { emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch } from '../ingest/fragment.ts';
import { head, int, lines, normalizeBusId } from './text.ts';
import type { Parser } from './types.ts';

/** Canonical names for the DCGM fields we read (DCGM 4.x renamed several; both spellings map here). */
type Key =
  | 'gpuUtil'
  | 'memUtil'
  | 'temp'
  | 'power'
  | 'powerInstant'
  | 'fbUsed'
  | 'fbFree'
  | 'fbReserved'
  | 'fbTotal'
  | 'pcieGen'
  | 'pcieWidth'
  | 'pcieGenMax'
  | 'pcieWidthMax'
  | 'eccSbeVol'
  | 'eccDbeVol'
  | 'eccSbeAgg'
  | 'eccDbeAgg'
  | 'eccMode'
  | 'remapCorr'
  | 'remapUncorr'
  | 'remapFailure'
  | 'remapPending'
  | 'migMode'
  | 'smActive'
  | 'smOccupancy'
  | 'tensorActive'
  | 'dramActive'
  | 'pcieTx'
  | 'pcieRx'
  | 'xid';

/** Field name without the `DCGM_FI_` prefix → canonical key. */
const FIELDS = new Map<string, Key>([
  ['DEV_GPU_UTIL', 'gpuUtil'],
  ['DEV_GPU_UTIL_RATIO', 'gpuUtil'], // DCGM 4.x name, still in percent
  ['DEV_MEM_COPY_UTIL', 'memUtil'],
  ['DEV_MEM_COPY_UTIL_RATIO', 'memUtil'],
  ['DEV_GPU_TEMP', 'temp'],
  ['DEV_GPU_TEMP_CELSIUS', 'temp'],
  ['DEV_POWER_USAGE', 'power'],
  ['DEV_POWER_USAGE_INSTANT', 'powerInstant'],
  ['DEV_FB_USED', 'fbUsed'],
  ['DEV_FB_FREE', 'fbFree'],
  ['DEV_FB_RESERVED', 'fbReserved'],
  ['DEV_FB_TOTAL', 'fbTotal'],
  ['DEV_PCIE_LINK_GEN', 'pcieGen'],
  ['DEV_PCIE_LINK_WIDTH', 'pcieWidth'],
  ['DEV_PCIE_MAX_LINK_GEN', 'pcieGenMax'],
  ['DEV_PCIE_MAX_LINK_WIDTH', 'pcieWidthMax'],
  ['DEV_ECC_SBE_VOL_TOTAL', 'eccSbeVol'],
  ['DEV_ECC_DBE_VOL_TOTAL', 'eccDbeVol'],
  ['DEV_ECC_SBE_AGG_TOTAL', 'eccSbeAgg'],
  ['DEV_ECC_DBE_AGG_TOTAL', 'eccDbeAgg'],
  ['DEV_ECC_CURRENT', 'eccMode'],
  ['DEV_ECC_MODE', 'eccMode'],
  ['DEV_CORRECTABLE_REMAPPED_ROWS', 'remapCorr'],
  ['DEV_UNCORRECTABLE_REMAPPED_ROWS', 'remapUncorr'],
  ['DEV_ROW_REMAP_FAILURE', 'remapFailure'],
  ['DEV_ROW_REMAP_PENDING', 'remapPending'],
  ['DEV_MIG_MODE', 'migMode'],
  ['PROF_SM_ACTIVE', 'smActive'],
  ['PROF_SM_UTIL_RATIO', 'smActive'],
  ['PROF_SM_OCCUPANCY', 'smOccupancy'],
  ['PROF_SM_OCCUPANCY_RATIO', 'smOccupancy'],
  ['PROF_PIPE_TENSOR_ACTIVE', 'tensorActive'],
  ['PROF_TENSOR_UTIL_RATIO', 'tensorActive'],
  ['PROF_DRAM_ACTIVE', 'dramActive'],
  ['PROF_DRAM_UTIL_RATIO', 'dramActive'],
  ['PROF_PCIE_TX_BYTES', 'pcieTx'],
  ['PROF_PCIE_RX_BYTES', 'pcieRx'],
  ['DEV_XID_ERRORS', 'xid'],
  ['DEV_XID_ERROR', 'xid'],
]);

/** Properties of the physical GPU: a MIG-instance series reports the parent's value. */
const DEVICE_SCOPED = new Set<Key>([
  'temp',
  'power',
  'powerInstant',
  'pcieGen',
  'pcieWidth',
  'pcieGenMax',
  'pcieWidthMax',
  'eccSbeVol',
  'eccDbeVol',
  'eccSbeAgg',
  'eccDbeAgg',
  'eccMode',
  'remapCorr',
  'remapUncorr',
  'remapFailure',
  'remapPending',
  'migMode',
  'xid',
]);

/** Labels that mark a non-GPU entity (NVSwitch, NVLink port, CPU, ConnectX). */
const NON_GPU_LABELS = ['nvswitch', 'nvlink', 'link', 'cpu', 'cpucore', 'cx'];

interface MigAcc {
  gi: number | null;
  profile: string | null;
  uuid: string | null;
  values: Map<Key, number>;
}

interface GpuAcc {
  index: number | null;
  uuid: string | null;
  busId: string | null;
  name: string | null;
  whole: Map<Key, number>;
  /** device-scoped values seen only on MIG-instance series. */
  fromMig: Map<Key, number>;
  migs: Map<string, MigAcc>;
}

interface Sample {
  name: string;
  labels: Map<string, string>;
  /** the value text (may be empty or non-numeric). */
  valueText: string;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_RE = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const FLOAT_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Parse one exposition line. Returns null when it is not a sample line. Linear in the line length. */
function parseSampleLine(line: string): Sample | null {
  const m = NAME_RE.exec(line);
  if (!m) return null;
  const name = m[0];
  const labels = new Map<string, string>();
  let i = name.length;
  /** the next backslash at or after i (-1: none) */
  let backslash = line.indexOf('\\', i);
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      LABEL_NAME_RE.lastIndex = i;
      const ln = LABEL_NAME_RE.exec(line);
      if (!ln) return null;
      i += ln[0].length;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '=') return null;
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '"') return null;
      i++;
      let value = '';
      let closed = false;
      // most values have no escape: cut them out whole
      const quote = line.indexOf('"', i);
      if (backslash >= 0 && backslash < i) backslash = line.indexOf('\\', i);
      if (quote >= 0 && (backslash < 0 || backslash > quote)) {
        value = line.slice(i, quote);
        i = quote + 1;
        closed = true;
      }
      while (!closed && i < line.length) {
        const c = line[i]!;
        if (c === '\\' && i + 1 < line.length) {
          const e = line[i + 1]!;
          value += e === 'n' ? '\n' : e;
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (!closed) return null;
      labels.set(ln[0], value);
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      return null;
    }
  }
  const rest = line.slice(i);
  if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') return null;
  return { name, labels, valueText: rest.trim() };
}

/** The sample value, or null when it is missing, not a number, NaN or infinite. */
function sampleValue(valueText: string): number | null {
  if (valueText === '') return null;
  const parts = valueText.split(/\s+/);
  if (parts.length > 2) return null;
  const v = parts[0]!;
  if (!FLOAT_RE.test(v)) return null;
  if (parts.length === 2 && !/^-?\d+(?:\.\d+)?$/.test(parts[1]!)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function label(labels: Map<string, string>, ...names: string[]): string | null {
  for (const n of names) {
    const v = labels.get(n);
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return null;
}

function setFirst(map: Map<Key, number>, key: Key, value: number): void {
  if (!map.has(key)) map.set(key, value);
}

function roundInt(v: number | undefined): number | null {
  return v === undefined ? null : Math.round(v);
}

function totalMiB(values: Map<Key, number>): number | undefined {
  const used = values.get('fbUsed');
  const free = values.get('fbFree');
  const reserved = values.get('fbReserved');
  if (used !== undefined && free !== undefined && reserved !== undefined) return used + free + reserved;
  return values.get('fbTotal');
}

function toPatch(g: GpuAcc): GpuPatch {
  // whole-GPU values first; device-scoped values from MIG series only where no whole-GPU value exists.
  const v = new Map(g.whole);
  for (const [k, val] of g.fromMig) if (!v.has(k)) v.set(k, val);
  const p: GpuPatch = {};
  if (g.index !== null) p.index = g.index;
  if (g.uuid !== null) p.uuid = g.uuid;
  if (g.busId !== null) p.busId = g.busId;
  if (g.name !== null) p.name = g.name;

  const used = v.get('fbUsed');
  const total = totalMiB(v);
  if (used !== undefined || total !== undefined) {
    p.memory = {};
    if (used !== undefined) p.memory.usedMiB = used;
    if (total !== undefined) p.memory.totalMiB = total;
  }
  const gpuUtil = v.get('gpuUtil');
  const memUtil = v.get('memUtil');
  if (gpuUtil !== undefined || memUtil !== undefined) {
    p.utilization = {};
    if (gpuUtil !== undefined) p.utilization.gpuPct = gpuUtil;
    if (memUtil !== undefined) p.utilization.memoryPct = memUtil;
  }
  const temp = v.get('temp');
  if (temp !== undefined) p.temperatureC = temp;
  const power = v.get('power') ?? v.get('powerInstant');
  if (power !== undefined) p.power = { drawW: power };

  const pcie: NonNullable<GpuPatch['pcie']> = {};
  if (v.has('pcieGen')) pcie.genCurrent = roundInt(v.get('pcieGen'));
  if (v.has('pcieWidth')) pcie.widthCurrent = roundInt(v.get('pcieWidth'));
  if (v.has('pcieGenMax')) pcie.genMax = roundInt(v.get('pcieGenMax'));
  if (v.has('pcieWidthMax')) pcie.widthMax = roundInt(v.get('pcieWidthMax'));
  if (Object.keys(pcie).length > 0) p.pcie = pcie;

  const ecc: NonNullable<GpuPatch['ecc']> = {};
  if (v.has('eccMode')) ecc.mode = v.get('eccMode') === 0 ? 'disabled' : 'enabled';
  if (v.has('eccSbeVol')) ecc.correctedVolatile = roundInt(v.get('eccSbeVol'));
  if (v.has('eccDbeVol')) ecc.uncorrectedVolatile = roundInt(v.get('eccDbeVol'));
  if (v.has('eccSbeAgg')) ecc.correctedAggregate = roundInt(v.get('eccSbeAgg'));
  if (v.has('eccDbeAgg')) ecc.uncorrectedAggregate = roundInt(v.get('eccDbeAgg'));
  const remap: NonNullable<NonNullable<GpuPatch['ecc']>['remappedRows']> = {};
  if (v.has('remapCorr')) remap.correctable = roundInt(v.get('remapCorr'));
  if (v.has('remapUncorr')) remap.uncorrectable = roundInt(v.get('remapUncorr'));
  if (v.has('remapFailure')) remap.failure = v.get('remapFailure') !== 0;
  if (v.has('remapPending')) remap.pending = v.get('remapPending') !== 0;
  if (Object.keys(remap).length > 0) ecc.remappedRows = remap;
  if (Object.keys(ecc).length > 0) p.ecc = ecc;

  const metrics: NonNullable<GpuPatch['metrics']> = {};
  if (v.has('smActive')) metrics.smActive = v.get('smActive') ?? null;
  if (v.has('smOccupancy')) metrics.smOccupancy = v.get('smOccupancy') ?? null;
  if (v.has('tensorActive')) metrics.tensorActive = v.get('tensorActive') ?? null;
  if (v.has('dramActive')) metrics.dramActive = v.get('dramActive') ?? null;
  if (v.has('pcieTx')) metrics.pcieTxBytesPerSec = v.get('pcieTx') ?? null;
  if (v.has('pcieRx')) metrics.pcieRxBytesPerSec = v.get('pcieRx') ?? null;
  if (v.has('xid')) metrics.xidLast = roundInt(v.get('xid'));
  if (Object.keys(metrics).length > 0) p.metrics = metrics;

  if (g.migs.size > 0) {
    const devices: MigDevice[] = [...g.migs.values()]
      .sort((a, b) => (a.gi ?? Number.MAX_SAFE_INTEGER) - (b.gi ?? Number.MAX_SAFE_INTEGER))
      .map((m) => {
        const d = emptyMigDevice();
        d.gi = m.gi;
        d.profile = m.profile;
        d.uuid = m.uuid;
        d.memoryUsedMiB = m.values.get('fbUsed') ?? null;
        d.memoryTotalMiB = totalMiB(m.values) ?? null;
        return d;
      });
    p.mig = { mode: 'enabled', devices };
  } else if (v.has('migMode')) {
    p.mig = { mode: v.get('migMode') === 0 ? 'disabled' : 'enabled' };
  }
  return p;
}

/** The GPU name without a MIG suffix some exporters append (`NVIDIA A100-SXM4-40GB MIG 1g.5gb`). */
function parentName(modelName: string | null): string | null {
  if (modelName === null) return null;
  const i = modelName.search(/\sMIG\s/);
  return i > 0 ? modelName.slice(0, i).trim() : modelName;
}

function clip(s: string, n = 60): string {
  return s.length <= n ? s : `${s.slice(0, n)}…`;
}

export const dcgmMetricsParser: Parser = {
  id: 'dcgm-metrics',
  title: 'dcgm-exporter /metrics',

  detect(text: string): number {
    try {
      const h = head(text);
      if (/^[ \t]*DCGM_FI_[A-Z0-9_]+(?:\{|[ \t]+[-+.\dNI])/m.test(h)) return 0.95;
      if (/^#[ \t]*(?:HELP|TYPE)[ \t]+DCGM_FI_[A-Z0-9_]+/m.test(h)) return 0.95;
      return 0;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'dcgm-exporter scrape is empty');
    if (text.includes('\u0000'))
      throw new InputError('INPUT_BINARY', 'dcgm-exporter scrape contains binary data');

    const gpus: GpuAcc[] = [];
    const byIndex = new Map<number, GpuAcc>();
    const byUuid = new Map<string, GpuAcc>();
    const byBus = new Map<string, GpuAcc>();
    const hosts = new Set<string>();
    const drivers = new Set<string>();
    let dcgmSamples = 0;
    let usable = 0;
    let nonNumeric = 0;
    let nonNumericExample: string | null = null;
    let malformed = 0;
    let malformedFirst: number | null = null;
    let lastMalformed = false;

    const all = lines(text);
    for (let ln = 0; ln < all.length; ln++) {
      const line = all[ln]!.trim();
      if (line === '') continue;
      lastMalformed = false;
      if (line.startsWith('#')) continue;
      const s = parseSampleLine(line);
      if (s === null) {
        // only count lines that look like they were meant as DCGM samples
        if (line.startsWith('DCGM_')) {
          malformed++;
          malformedFirst ??= ln + 1;
          lastMalformed = true;
        }
        continue;
      }
      if (!s.name.startsWith('DCGM_FI_')) continue;
      dcgmSamples++;
      const value = sampleValue(s.valueText);
      if (value === null) {
        nonNumeric++;
        if (nonNumericExample === null && s.valueText !== '') {
          nonNumericExample = `${s.name}: "${clip(s.valueText)}"`;
        }
        continue;
      }
      if (NON_GPU_LABELS.some((l) => s.labels.has(l))) continue;

      const index = int(label(s.labels, 'gpu'));
      const uuidLabel = label(s.labels, 'UUID', 'uuid');
      const migUuid = uuidLabel?.startsWith('MIG-') ? uuidLabel : null;
      const uuid = migUuid === null ? uuidLabel : null;
      const busId = normalizeBusId(label(s.labels, 'pci_bus_id', 'PCI_BUS_ID'));
      if (index === null && uuid === null && busId === null) continue;

      let g =
        (index !== null ? byIndex.get(index) : undefined) ??
        (uuid !== null ? byUuid.get(uuid) : undefined) ??
        (busId !== null ? byBus.get(busId) : undefined);
      if (g === undefined) {
        g = {
          index: null,
          uuid: null,
          busId: null,
          name: null,
          whole: new Map(),
          fromMig: new Map(),
          migs: new Map(),
        };
        gpus.push(g);
      }
      if (g.index === null && index !== null) g.index = index;
      if (g.uuid === null && uuid !== null) g.uuid = uuid;
      if (g.busId === null && busId !== null) g.busId = busId;
      g.name ??= parentName(label(s.labels, 'modelName'));
      if (g.index !== null) byIndex.set(g.index, g);
      if (g.uuid !== null) byUuid.set(g.uuid, g);
      if (g.busId !== null) byBus.set(g.busId, g);

      const host = label(s.labels, 'Hostname', 'hostname');
      if (host !== null) hosts.add(host);
      const driver = label(s.labels, 'DCGM_FI_DRIVER_VERSION');
      if (driver !== null) drivers.add(driver);
      usable++;

      const key = FIELDS.get(s.name.slice('DCGM_FI_'.length));
      const giText = label(s.labels, 'GPU_I_ID');
      const profile = label(s.labels, 'GPU_I_PROFILE');
      if (giText !== null || profile !== null) {
        const gi = int(giText);
        const migKey = gi !== null ? `gi:${gi}` : `profile:${profile}`;
        let mig = g.migs.get(migKey);
        if (mig === undefined) {
          mig = { gi, profile, uuid: null, values: new Map() };
          g.migs.set(migKey, mig);
        }
        mig.profile ??= profile;
        mig.uuid ??= migUuid;
        if (key === undefined) continue;
        if (DEVICE_SCOPED.has(key)) setFirst(g.fromMig, key, value);
        else setFirst(mig.values, key, value);
        continue;
      }
      if (key !== undefined) setFirst(g.whole, key, value);
    }

    if (dcgmSamples === 0) {
      throw new InputError(
        'INPUT_MALFORMED',
        'not a dcgm-exporter scrape: no DCGM_FI_* samples (expected lines like `DCGM_FI_DEV_GPU_UTIL{gpu="0",…} 42`)',
      );
    }
    if (usable === 0) {
      throw new InputError(
        'INPUT_MALFORMED',
        nonNumeric === dcgmSamples
          ? 'dcgm-exporter scrape has no numeric sample values'
          : 'dcgm-exporter scrape has no GPU series (no gpu, UUID or pci_bus_id label)',
      );
    }

    const warnings: string[] = [];
    if (nonNumeric > 0) {
      warnings.push(
        `${nonNumeric} sample(s) without a numeric value skipped` +
          (nonNumericExample !== null ? ` (e.g. ${nonNumericExample})` : ''),
      );
    }
    if (malformed > 0) {
      warnings.push(
        lastMalformed && malformed === 1
          ? `last line is cut off (line ${malformedFirst}); it was skipped — the scrape may be truncated`
          : `${malformed} line(s) that are not Prometheus samples skipped (first at line ${malformedFirst})`,
      );
    }
    const fragment: Fragment = { format: 'dcgm-metrics' };
    if (hosts.size === 1) fragment.host = [...hosts][0]!;
    else if (hosts.size > 1) {
      warnings.push(
        `series disagree on the Hostname label (${[...hosts].slice(0, 4).join(', ')}): host not set`,
      );
    }
    if (drivers.size === 1) fragment.driverVersion = [...drivers][0]!;
    fragment.gpus = gpus
      .map(toPatch)
      .sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
    if (warnings.length > 0) fragment.warnings = warnings;
    return fragment;
  },
};
