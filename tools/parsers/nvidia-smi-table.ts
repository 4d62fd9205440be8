/**
 * The default `nvidia-smi` table: banner (driver/CUDA version), one block per GPU, the optional
 * "MIG devices:" table and the "Processes:" table.
 *
 * Layouts: old (≤ 470, dashes row under the banner, `MIG M.` row or none at all on pre-MIG drivers), new
 * (535–580+, wider Bus-Id column; 580 has a `+---` border instead of the dashes row; 610+ names the
 * versions `KMD Version:` and `CUDA UMD Version:`), Windows
 * (`WDDM`/`TCC` instead of persistence mode). A file holding only the MIG devices table (or only the
 * processes table) is accepted: GPUs are then known by index only.
 *
 * Decisions
 * - A GPU name cut by nvidia-smi (`NVIDIA GeForce RTX 3...`) is kept as printed, with a warning.
 * - A process memory cut by nvidia-smi (`13583...`) is null, with a warning (the number is wrong).
 * - `Volatile Uncorr. ECC`: a count means ECC enabled (the count is uncorrectedVolatile), `Off` = disabled,
 *   `On` = enabled (count not shown, MIG mode), `N/A` = unknown.
 * - When the MIG devices table is present every GPU of the main table gets its list (possibly empty);
 *   without it, only GPUs with MIG disabled get `devices: []`.
 */
import { emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch, ProcessPatch } from '../ingest/fragment.ts';
import { enabledDisabled, head, int, isNullWord, lines, mib, normalizeBusId, num } from './text.ts';
import type { Parser } from './types.ts';

const ID = 'nvidia-smi-table';

/** Real table lines are < 200 characters; longer ones are not table lines (keeps every regex linear). */
const MAX_LINE = 1000;

const BANNER = /\|\s*NVIDIA-SMI\s+\d/;
const BORDER = /^\s*\+-{3,}/m;
const GPU_HEADER = /^\|\s*GPU\s+Name\b.*\|\s*Bus-Id\b/;
const MIG_HEADER = /^\|\s*GPU\s+GI\s+CI\s+MIG\b/;
const MIG_TITLE = /^\|\s*MIG devices:/i;
const PROC_TITLE = /^\|\s*Processes:/i;
const PROC_HEADER = /^\|\s*GPU\s+(?:GI\s+CI\s+)?PID\s+Type\b/;
const BUS_ID = /([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])/i;

export const nvidiaSmiTableParser: Parser = {
  id: ID,
  title: 'nvidia-smi',
  detect(text: string): number {
    try {
      const h = head(text);
      const hasBorder = BORDER.test(h) || /^\s*\|[-=]{3,}/m.test(h);
      if (BANNER.test(h) && hasBorder) return 0.95;
      if (/^\s*\|\s*GPU\s+GI\s+CI\s+MIG\s*\|/m.test(h)) return 0.9;
      if (/^\s*\|\s*GPU\s+Name\s+.*\|\s*Bus-Id\b/m.test(h) && hasBorder) return 0.9;
      if (/^\s*\|\s*Processes:/m.test(h) && /^\s*\|\s*GPU\s+GI\s+CI\s+PID\s+Type\b/m.test(h)) return 0.8;
      return 0;
    } catch {
      return 0;
    }
  },
  parse(text: string): Fragment {
    return parseTable(text);
  },
};

type Section = 'none' | 'gpuHead' | 'gpu' | 'migHead' | 'mig' | 'procHead' | 'proc';

/** The cells between `|` separators (outer borders dropped). */
function cells(line: string): string[] {
  const parts = line.split('|');
  parts.shift();
  if (parts.length > 1 && parts[parts.length - 1]!.trim() === '') parts.pop();
  return parts;
}

function isBorder(line: string): boolean {
  return /^[+|][-=+|\s]*$/.test(line) && /[-=]{3}/.test(line);
}

function parseTable(text: string): Fragment {
  if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'empty input');
  if (text.includes('\u0000')) throw new InputError('INPUT_BINARY', 'binary data, not nvidia-smi output');

  const warnings: string[] = [];
  const gpus: GpuPatch[] = [];
  const byIndex = new Map<number, GpuPatch>();
  const migDevices = new Map<number, MigDevice[]>();
  let migSection = false;
  let processes: ProcessPatch[] | undefined;
  let driverVersion: string | null | undefined;
  let cudaVersion: string | null | undefined;
  let sawBanner = false;
  let sawGpuHeader = false;
  let failure: string | null = null;
  const errGpus = new Set<GpuPatch>();

  let section: Section = 'none';
  let procHasGiCi = true;
  let current: GpuPatch | null = null;
  let blockLine = 0;

  for (const raw of lines(text)) {
    if (raw.length > MAX_LINE) {
      section = 'none';
      continue;
    }
    const line = raw.trim();
    if (line === '') {
      section = 'none';
      continue;
    }
    if (!line.startsWith('|') && !line.startsWith('+')) {
      if (/^(?:NVIDIA-SMI has failed|Failed to initialize NVML|No devices were found)/i.test(line)) {
        failure ??= line;
      } else if (/^(?:Unable to determine the device handle|WARNING:)/i.test(line)) {
        warnings.push(`nvidia-smi reported: "${clip(line)}"`);
      }
      section = 'none';
      continue;
    }

    // banner
    if (BANNER.test(line)) {
      sawBanner = true;
      // R610+ print `KMD Version:` and `CUDA UMD Version:` instead of `Driver Version:` / `CUDA Version:`
      const d = /(?:Driver|KMD) Version:\s*([^\s|]+)/i.exec(line);
      const c = /CUDA (?:UMD )?Version:\s*([^\s|]+)/i.exec(line);
      driverVersion = d && !isNullWord(d[1]) ? d[1]! : null;
      cudaVersion = c && !isNullWord(c[1]) ? c[1]! : null;
      section = 'none';
      continue;
    }
    // section headers
    if (GPU_HEADER.test(line)) {
      sawGpuHeader = true;
      section = 'gpuHead';
      continue;
    }
    if (MIG_TITLE.test(line) || MIG_HEADER.test(line)) {
      migSection = true;
      section = 'migHead';
      continue;
    }
    if (PROC_TITLE.test(line)) {
      section = 'procHead';
      processes ??= [];
      continue;
    }
    if (PROC_HEADER.test(line)) {
      procHasGiCi = /GPU\s+GI\s+CI/.test(line);
      section = 'procHead';
      processes ??= [];
      continue;
    }
    if (isBorder(line)) {
      if (line.startsWith('|=')) {
        if (section === 'gpuHead') section = 'gpu';
        else if (section === 'migHead') section = 'mig';
        else if (section === 'procHead') section = 'proc';
      }
      current = null;
      blockLine = 0;
      continue;
    }

    const cs = cells(line);
    if (section === 'gpu') {
      if (blockLine === 0) {
        current = gpuFirstLine(cs, warnings);
        if (current) {
          gpus.push(current);
          if (current.index != null) byIndex.set(current.index, current);
        }
      } else if (current && blockLine === 1) {
        gpuSecondLine(current, cs);
      } else if (current && blockLine === 2) {
        gpuThirdLine(current, cs, warnings);
      }
      if (current && line.includes('ERR!') && !errGpus.has(current)) {
        errGpus.add(current);
        warnings.push(`GPU ${current.index}: nvidia-smi shows ERR! (the GPU may be failing or lost)`);
      }
      blockLine++;
    } else if (section === 'mig') {
      const dev = migLine(cs);
      if (dev) {
        const list = migDevices.get(dev.gpu) ?? [];
        list.push(dev.device);
        migDevices.set(dev.gpu, list);
      }
    } else if (section === 'proc') {
      const inner = cs.join('|');
      if (/no running processes found/i.test(inner)) continue;
      const p = processLine(inner, procHasGiCi, warnings);
      if (p) {
        processes ??= [];
        processes.push(p);
      } else if (inner.trim() !== '') {
        warnings.push(`unreadable process row skipped: "${clip(inner.trim())}"`);
      }
    }
  }

  // MIG devices into the GPU patches
  for (const [idx, devices] of migDevices) {
    let g = byIndex.get(idx);
    if (!g) {
      g = { index: idx };
      gpus.push(g);
      byIndex.set(idx, g);
    }
    g.mig = { ...g.mig, devices };
  }
  for (const g of gpus) {
    if (g.mig?.devices) continue;
    if (migSection || g.mig?.mode === 'disabled') g.mig = { ...g.mig, devices: [] };
  }

  if (gpus.length === 0 && processes === undefined) {
    if (failure) throw new InputError('INPUT_MALFORMED', `nvidia-smi failed: "${clip(failure)}"`);
    if (sawBanner || sawGpuHeader) {
      throw new InputError(
        'INPUT_TRUNCATED',
        'nvidia-smi table without any GPU row (the output is cut short)',
      );
    }
    throw new InputError('INPUT_MALFORMED', 'not an nvidia-smi table: no GPU, MIG device or process rows');
  }

  const frag: Fragment = { format: ID };
  if (driverVersion !== undefined) frag.driverVersion = driverVersion;
  if (cudaVersion !== undefined) frag.cudaVersion = cudaVersion;
  frag.gpus = gpus;
  if (processes !== undefined) frag.processes = processes;
  if (warnings.length > 0) frag.warnings = warnings;
  return frag;
}

function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** `|   0  NVIDIA H200                    On  |   00000000:59:00.0 Off |                    0 |` */
function gpuFirstLine(cs: string[], warnings: string[]): GpuPatch | null {
  const a = /^\s*(\d+)\s+(.*?)\s*$/.exec(cs[0] ?? '');
  if (!a) return null;
  const bus = BUS_ID.exec(cs[1] ?? '');
  if (!bus) return null;
  const g: GpuPatch = { index: Number(a[1]) };
  const rest = a[2]!;
  const pm = /^(.*?)\s+(?:On|Off|WDDM|TCC|N\/A)$/i.exec(rest);
  const name = (pm ? pm[1]! : rest).trim();
  g.name = name === '' || isNullWord(name) ? null : name;
  if (g.name?.endsWith('...')) {
    warnings.push(
      `GPU ${g.index}: the name is cut short by nvidia-smi ("${g.name}"); --query-gpu=name gives it whole`,
    );
  }
  g.busId = normalizeBusId(bus[1]);
  if (cs.length >= 3) {
    const e = (cs[2] ?? '').trim();
    if (/^\d+$/.test(e)) g.ecc = { mode: 'enabled', uncorrectedVolatile: Number(e) };
    else if (/^off$/i.test(e)) g.ecc = { mode: 'disabled', uncorrectedVolatile: null };
    else if (/^on$/i.test(e)) g.ecc = { mode: 'enabled' };
    else if (isNullWord(e) || /^ERR!$/i.test(e)) g.ecc = { mode: null, uncorrectedVolatile: null };
  }
  return g;
}

/** `| N/A   62C    P0            434W /  700W |   87321MiB / 143771MiB |     68%      Default |` */
function gpuSecondLine(g: GpuPatch, cs: string[]): void {
  const a = (cs[0] ?? '').trim();
  if (a !== '') {
    const tokens = a.split(/\s+/);
    const temp = tokens[1] ?? '';
    g.temperatureC = /^-?\d+(?:\.\d+)?C$/i.test(temp) ? num(temp) : null;
    const perf = /^P(\d{1,2})$/i.exec(tokens[2] ?? '');
    g.pstate = perf ? `P${perf[1]}` : null;
    const pw = /(\S+)\s*\/\s*(\S+)\s*$/.exec(a);
    g.power = {
      drawW: pw && /W$/i.test(pw[1]!) ? num(pw[1]) : null,
      limitW: pw && /W$/i.test(pw[2]!) ? num(pw[2]) : null,
    };
  }
  if (cs.length >= 2) {
    const m = /(\S+)\s*\/\s*(\S+)/.exec(cs[1] ?? '');
    g.memory = { usedMiB: m ? mib(m[1]) : null, totalMiB: m ? mib(m[2]) : null };
  }
  if (cs.length >= 3) {
    const u = (cs[2] ?? '').trim().split(/\s+/)[0] ?? '';
    g.utilization = { gpuPct: /^\d+(?:\.\d+)?%$/.test(u) ? num(u) : null };
  }
}

/** `|                                         |                        |             Disabled |` */
function gpuThirdLine(g: GpuPatch, cs: string[], warnings: string[]): void {
  if (cs.length < 3) return;
  const v = (cs[2] ?? '').trim();
  if (v === '') return;
  const pending = v.endsWith('*');
  const mode = enabledDisabled(v.replace(/\*$/, ''));
  if (mode === null && !isNullWord(v)) return;
  g.mig = { ...g.mig, mode };
  if (pending)
    warnings.push(`GPU ${g.index}: a MIG mode change is pending ("${v}"); it applies after a GPU reset`);
}

/** `|  0    2   0   0  |     19MiB / 40192MiB | 42      0 |  3   0    2    0    0 |` */
function migLine(cs: string[]): { gpu: number; device: MigDevice } | null {
  const a = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(cs[0] ?? '');
  if (!a) return null;
  const d = emptyMigDevice();
  d.gi = int(a[2]);
  d.ci = int(a[3]);
  d.device = int(a[4]);
  const m = /(\S+)\s*\/\s*(\S+)/.exec(cs[1] ?? '');
  if (m) {
    d.memoryUsedMiB = mib(m[1]);
    d.memoryTotalMiB = mib(m[2]);
  }
  const sm = (cs[2] ?? '').trim().split(/\s+/)[0];
  d.smCount = sm !== undefined && /^\d+$/.test(sm) ? Number(sm) : null;
  return { gpu: Number(a[1]), device: d };
}

/** `|    0   N/A  N/A          969852      C   ray::MegatronTrainRayActor.train      87186MiB |` */
function processLine(inner: string, hasGiCi: boolean, warnings: string[]): ProcessPatch | null {
  const m = hasGiCi
    ? /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(inner)
    : /^\s*(\d+)\s+()()(\S+)\s+(\S+)\s+(.*)$/.exec(inner);
  if (!m) return null;
  const rest = m[6]!.trimEnd();
  const memM = /(?:^|\s)(\d+(?:\.\d+)?\s*[KMGT]i?B|N\/A|\[N\/A\]|[\d.]*\.\.\.)$/i.exec(rest);
  const name = (memM ? rest.slice(0, memM.index) : rest).trim();
  const memText = memM ? memM[1]! : null;
  const p: ProcessPatch = {
    gpuIndex: Number(m[1]),
    pid: int(m[4]),
    type: isNullWord(m[5]) ? null : m[5]!,
    name: name === '' || isNullWord(name) ? null : name,
    usedMemoryMiB: null,
  };
  if (hasGiCi) {
    p.gi = int(m[2]);
    p.ci = int(m[3]);
  }
  if (memText?.endsWith('...')) {
    warnings.push(
      `GPU ${p.gpuIndex} PID ${p.pid ?? '?'}: the memory use is cut short by nvidia-smi ("${memText}"); --query-compute-apps gives it whole`,
    );
  } else if (memText !== null) {
    p.usedMemoryMiB = mib(memText);
  }
  return p;
}
