/**
 * The parser registry: every input format InfraLens reads, and the outputs it recognises but rejects.
 * Adding a format = one file in this folder + one line here + its tests (see CONTRIBUTING.md).
 */
import { dcgmMetricsParser } from './dcgm-metrics.ts';
import { gpuWindowParser } from './gpu-window.ts';
import { lscpuParser } from './lscpu.ts';
import { migLgiParser } from './mig-lgi.ts';
import { migLgipParser } from './mig-lgip.ts';
import { numactlParser } from './numactl.ts';
import { nvidiaSmiLParser } from './nvidia-smi-L.ts';
import { nvidiaSmiQParser } from './nvidia-smi-q.ts';
import { nvidiaSmiTableParser } from './nvidia-smi-table.ts';
import { nvidiaSmiXmlParser } from './nvidia-smi-xml.ts';
import { proxmoxPciMappingParser } from './proxmox-pci-mapping.ts';
import { proxmoxVmParser } from './proxmox-vm.ts';
import { smiAppsCsvParser, smiCsvParser } from './smi-csv.ts';
import { sysfsPciParser } from './sysfs-pci.ts';
import { topoMParser } from './topo-m.ts';
import type { Parser, Unsupported } from './types.ts';
import { UNSUPPORTED } from './unsupported.ts';
import { workloadsParser } from './workloads.ts';

/** In merge-priority order: when two inputs disagree, the earlier format's value is kept. */
export const PARSERS: readonly Parser[] = [
  nvidiaSmiXmlParser,
  nvidiaSmiQParser,
  nvidiaSmiTableParser,
  smiCsvParser,
  smiAppsCsvParser,
  nvidiaSmiLParser,
  topoMParser,
  sysfsPciParser,
  migLgiParser,
  migLgipParser,
  dcgmMetricsParser,
  numactlParser,
  lscpuParser,
  proxmoxVmParser,
  proxmoxPciMappingParser,
  workloadsParser,
  gpuWindowParser,
];

export { UNSUPPORTED };

export function parserById(id: string): Parser | null {
  return PARSERS.find((p) => p.id === id) ?? null;
}

/** Merge priority of a format (lower = more authoritative). */
export function formatPriority(id: string): number {
  const i = PARSERS.findIndex((p) => p.id === id);
  return i < 0 ? PARSERS.length : i;
}

export type Detection =
  | { kind: 'parser'; parser: Parser; confidence: number }
  | { kind: 'unsupported'; format: Unsupported; confidence: number }
  | { kind: 'unknown' };

/** Below this confidence a format is not claimed. */
export const MIN_CONFIDENCE = 0.5;

/**
 * Pick the format of a text. A recognised-but-unsupported output wins ties against parsers (its
 * signatures are specific), so the user is told what the file is rather than getting a parse error.
 */
export function detectFormat(text: string): Detection {
  let best: Detection = { kind: 'unknown' };
  let bestScore = MIN_CONFIDENCE - Number.EPSILON;
  for (const format of UNSUPPORTED) {
    const c = safeDetect(() => format.detect(text));
    if (c > bestScore) {
      best = { kind: 'unsupported', format, confidence: c };
      bestScore = c;
    }
  }
  for (const parser of PARSERS) {
    const c = safeDetect(() => parser.detect(text));
    if (c > bestScore) {
      best = { kind: 'parser', parser, confidence: c };
      bestScore = c;
    }
  }
  return best;
}

function safeDetect(f: () => number): number {
  try {
    const c = f();
    return Number.isFinite(c) ? c : 0;
  } catch {
    return 0;
  }
}
