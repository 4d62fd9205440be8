/**
 * What a GPU's own readings say, read defensively: the values the score and the rules use, range-checked;
 * whether its processes are graphics only (the display server); and whether it runs in a VM or a cloud
 * instance. Shared by the score (scoring/score.ts) and the rules.
 *
 * Range checks. The parsers reject or clamp impossible values at input; the core does not rely on it.
 * Utilisation is clamped to [0, 100] %, memory used to [0, total] MiB, a total ≤ 0 is unknown, and every
 * clamp is stated (`issues`): the score's notes and the rules' evidence lines repeat it.
 *
 * Windows. A GPU (or MIG instance) may carry what it did over a time window (`window`, scoring/window.ts:
 * mean, p95 and idle time of its dcgm-exporter series). `windowFacts` reads it the same defensive way, and
 * `windowedReadings` is what the score uses: the window's values where it has them, the sample's otherwise.
 */
import type { HostContext } from '../context.ts';
import { josa } from '../korean.ts';
import type { Gpu, MigDevice, Process, Workload } from '../snapshot.ts';
import type { GpuWindow, SeriesStats } from '../window.ts';

export interface Readings {
  /** utilization.gpu, % in [0, 100], null when unknown. */
  util: number | null;
  /** memory used, MiB in [0, total] (≥ 0 when the total is unknown), null when unknown. */
  usedMiB: number | null;
  /** memory total, MiB > 0, null when unknown or not positive. */
  totalMiB: number | null;
  /** one line per value that was out of range, saying what was read and what is used instead. */
  issues: string[];
}

const finite = (x: number | null): x is number => x !== null && Number.isFinite(x);

/** A percentage clamped to [0, 100], with the issue stated under `name`. */
export function clampPct(name: string, raw: number | null, issues: string[]): number | null {
  if (raw === null) return null;
  if (!Number.isFinite(raw)) {
    issues.push(`${name} ${raw} is not a number: taken as unknown`);
    return null;
  }
  if (raw >= 0 && raw <= 100) return raw;
  const v = raw < 0 ? 0 : 100;
  issues.push(`${name} ${raw} % is outside 0–100 %: taken as ${v} %`);
  return v;
}

/** Memory used and total, used clamped to [0, total]; a total ≤ 0 is unknown. */
export function clampMemory(
  used: number | null,
  total: number | null,
  issues: string[],
  prefix = 'memory',
): { usedMiB: number | null; totalMiB: number | null } {
  let totalMiB = total;
  if (totalMiB !== null && (!Number.isFinite(totalMiB) || totalMiB <= 0)) {
    issues.push(`${prefix}.total ${totalMiB} MiB is not positive: taken as unknown`);
    totalMiB = null;
  }
  let usedMiB = used;
  if (usedMiB !== null && !Number.isFinite(usedMiB)) {
    issues.push(`${prefix}.used ${usedMiB} is not a number: taken as unknown`);
    usedMiB = null;
  }
  if (usedMiB !== null && usedMiB < 0) {
    issues.push(`${prefix}.used ${usedMiB} MiB is negative: taken as 0 MiB`);
    usedMiB = 0;
  }
  if (usedMiB !== null && totalMiB !== null && usedMiB > totalMiB) {
    issues.push(
      `${prefix}.used ${usedMiB} MiB exceeds ${prefix}.total ${totalMiB} MiB: taken as ${totalMiB} MiB`,
    );
    usedMiB = totalMiB;
  }
  return { usedMiB, totalMiB };
}

/** The GPU's utilisation and memory, range-checked. */
export function readings(g: Gpu): Readings {
  const issues: string[] = [];
  const util = clampPct('utilization.gpu', g.utilization.gpuPct, issues);
  const mem = clampMemory(g.memory.usedMiB, g.memory.totalMiB, issues);
  return { util, ...mem, issues };
}

/** DCGM SM-active as a ratio in [0, 1] (null when unknown or not a number). */
export function smActiveOf(g: Gpu): number | null {
  const sm = g.metrics.smActive;
  if (!finite(sm)) return null;
  return Math.min(1, Math.max(0, sm));
}

/** A MIG instance's own utilisation and memory, range-checked. */
export function migReadings(d: MigDevice): Readings {
  const issues: string[] = [];
  const util = clampPct('instance utilisation', d.utilizationPct, issues);
  const mem = clampMemory(d.memoryUsedMiB, d.memoryTotalMiB, issues, 'instance memory');
  return { util, ...mem, issues };
}

/** The issues of a GPU and its MIG instances (their windows' included), each line naming the GPU (for the analysis notes). */
export function readingIssues(label: string, g: Gpu): string[] {
  const own = [...readings(g).issues, ...(windowFacts(g.window)?.issues ?? [])].map((i) => `${label}: ${i}`);
  const mig = g.mig.devices.flatMap((d) =>
    [...migReadings(d).issues, ...(windowFacts(d.window)?.issues ?? [])].map(
      (i) => `${label} MIG instance ${d.gi ?? d.device ?? '?'}: ${i}`,
    ),
  );
  return [...own, ...mig];
}

// ---------------------------------------------------------------------------------------------------
// Window statistics

/**
 * Share of the measured time a GPU must have been idle (SM active < 1 %, scoring/window.ts) for gpu-idle to
 * call it idle over its window: 80 %, i.e. more than 19 h of a day. Below it the GPU worked part of the day
 * and is not idle capacity, whatever one second says.
 */
export const WINDOW_IDLE_SHARE = 0.8;

/** A series holding fewer samples than this share of what the window could hold: the evidence says how much time it covers. */
export const LOW_COVERAGE = 0.5;

/** One series' statistics, range-checked, in the unit the rules state: %, MiB or bytes/s. */
export interface WindowStat {
  mean: number;
  p95: number;
  max: number;
  samples: number;
}

/** Which series a utilisation figure comes from (the names of GpuWindow's `idleBasis`). */
export type WindowBasis = NonNullable<GpuWindow['idleBasis']>;

export interface WindowFacts {
  window: GpuWindow;
  /** the window's length, hours: `to − from`, else expected samples × step. */
  spanHours: number;
  /**
   * Utilisation %, the measure the score's formula and the io-bound threshold are written in: the mean of
   * DCGM_FI_DEV_GPU_UTIL, the same duty cycle as nvidia-smi's utilization.gpu (domain facts §8, S57/S59);
   * else graphics-engine active × 100 (GR_ENGINE_ACTIVE, "roughly the DCGM analogue of utilization.gpu",
   * S57: what dcgm-exporter's default counters and MIG instances report); else SM active × 100, which
   * reads lower for the same work (S56). `utilBasis` says which.
   */
  util: WindowStat | null;
  utilBasis: WindowBasis | null;
  /**
   * Real use %, what idleness and a job's compute need are judged on: SM active × 100 (domain facts §8:
   * prefer SM_ACTIVE for "real use"), else the utilisation, else graphics-engine active × 100.
   */
  active: WindowStat | null;
  activeBasis: WindowBasis | null;
  /** framebuffer used, MiB. */
  fb: WindowStat | null;
  /** framebuffer free, MiB (with `fb`, the memory the instance or GPU can hold, when no input gives the total). */
  fbFree: WindowStat | null;
  /** DRAM active, % (0–100 from the 0–1 ratio). */
  dram: WindowStat | null;
  /** PCIe receive (host → GPU) and transmit, bytes/s. */
  pcieRx: WindowStat | null;
  pcieTx: WindowStat | null;
  /** idle time over the window, from `idleSeconds` and the series that decided it. */
  idle: {
    seconds: number;
    /** idle samples (idle seconds / step) of the `of` samples the series holds. */
    samples: number;
    of: number;
    /** idle share of the measured time, 0–1. */
    share: number;
    basis: WindowBasis;
    /** that series' mean and p95, %. */
    meanPct: number;
    p95Pct: number;
  } | null;
  /** how much of the window the deciding series covers (idle series, else utilisation, else memory). */
  coverage: { samples: number; expected: number; share: number; hours: number } | null;
  /** coverage below LOW_COVERAGE: the evidence says for how many hours there is data. */
  lowCoverage: boolean;
  /** values out of range, each with what is used instead (as `readings`). */
  issues: string[];
}

const MAX_MIB = 1 << 20; // 1 TiB, the parsers' bound for a GPU's memory

/** A series' statistics clamped to [lo, hi] × scale (the clamp stated in `issues`), or null. */
function statOf(
  name: string,
  s: SeriesStats | null,
  scale: number,
  lo: number,
  hi: number,
  issues: string[],
): WindowStat | null {
  if (s === null || s.samples <= 0) return null;
  const vals = [s.mean, s.p95, s.max];
  if (!vals.every(Number.isFinite)) {
    issues.push(`window ${name} has a value that is not a number: taken as unknown`);
    return null;
  }
  const out = vals.map((v) => Math.min(hi, Math.max(lo, v)));
  if (out.some((v, i) => v !== vals[i]))
    issues.push(
      `window ${name} (mean ${vals[0]}, p95 ${vals[1]}, max ${vals[2]}) is outside ${lo}–${hi}: clamped`,
    );
  return { mean: out[0]! * scale, p95: out[1]! * scale, max: out[2]! * scale, samples: s.samples };
}

/** The window's length in hours: `to − from` when both are dates in order, else expected samples × step. */
function spanHoursOf(w: GpuWindow): number {
  const ms = Date.parse(w.to) - Date.parse(w.from);
  if (Number.isFinite(ms) && ms > 0) return ms / 3_600_000;
  return (w.expectedSamples * w.stepSec) / 3600;
}

/** A window's statistics as the rules and the score read them (range-checked); null without a window. */
export function windowFacts(w: GpuWindow | null | undefined): WindowFacts | null {
  if (!w) return null;
  const issues: string[] = [];
  const sm = statOf('smActive', w.smActive, 100, 0, 1, issues);
  const util = statOf('util', w.util, 1, 0, 100, issues);
  // absent from windows written before the field existed
  const gr = statOf('grEngineActive', w.grEngineActive ?? null, 100, 0, 1, issues);
  const fb = statOf('fbUsedMiB', w.fbUsedMiB, 1, 0, MAX_MIB, issues);
  const fbFree = statOf('fbFreeMiB', w.fbFreeMiB, 1, 0, MAX_MIB, issues);
  const dram = statOf('dramActive', w.dramActive, 100, 0, 1, issues);
  const pcieRx = statOf('pcieRxBytesPerSec', w.pcieRxBytesPerSec, 1, 0, Number.MAX_VALUE, issues);
  const pcieTx = statOf('pcieTxBytesPerSec', w.pcieTxBytesPerSec, 1, 0, Number.MAX_VALUE, issues);
  const spanHours = spanHoursOf(w);

  let idle: WindowFacts['idle'] = null;
  const basisStat =
    w.idleBasis === 'sm_active'
      ? sm
      : w.idleBasis === 'gpu_util'
        ? util
        : w.idleBasis === 'gr_engine_active'
          ? gr
          : null;
  if (
    w.idleSeconds !== null &&
    Number.isFinite(w.idleSeconds) &&
    basisStat !== null &&
    w.idleBasis !== null
  ) {
    const measured = basisStat.samples * w.stepSec;
    let seconds = w.idleSeconds;
    if (seconds > measured) {
      issues.push(
        `window idleSeconds ${seconds} exceeds the ${measured} s its ${w.idleBasis} samples cover: taken as ${measured} s`,
      );
      seconds = measured;
    }
    idle = {
      seconds,
      samples: Math.round(seconds / w.stepSec),
      of: basisStat.samples,
      share: measured > 0 ? seconds / measured : 0,
      basis: w.idleBasis,
      meanPct: basisStat.mean,
      p95Pct: basisStat.p95,
    };
  }
  const deciding = (idle ? basisStat : null) ?? sm ?? util ?? gr ?? fb;
  const coverage =
    deciding !== null && w.expectedSamples > 0
      ? {
          samples: deciding.samples,
          expected: w.expectedSamples,
          share: Math.min(1, deciding.samples / w.expectedSamples),
          hours: Math.min(spanHours, (deciding.samples * w.stepSec) / 3600),
        }
      : null;
  return {
    window: w,
    spanHours,
    util: util ?? gr ?? sm,
    utilBasis: util ? 'gpu_util' : gr ? 'gr_engine_active' : sm ? 'sm_active' : null,
    active: sm ?? util ?? gr,
    activeBasis: sm ? 'sm_active' : util ? 'gpu_util' : gr ? 'gr_engine_active' : null,
    fb,
    fbFree,
    dram,
    pcieRx,
    pcieTx,
    idle,
    coverage,
    lowCoverage: coverage !== null && coverage.share < LOW_COVERAGE,
    issues,
  };
}

/** Whether a window says the GPU (or instance) was idle: idle at least WINDOW_IDLE_SHARE of the measured time. */
export function idleOverWindow(f: WindowFacts | null): boolean | null {
  return f?.idle ? f.idle.share >= WINDOW_IDLE_SHARE : null;
}

/** Readings that prefer the window: which value came from where. */
export interface WindowedReadings extends Readings {
  window: WindowFacts | null;
  /** where `util` and `usedMiB` came from. */
  from: { util: 'window' | 'sample' | null; memory: 'window' | 'sample' | null };
}

/**
 * Readings over the window where it has them — mean utilisation (`WindowFacts.util`) and mean framebuffer
 * used — and the sample's otherwise. The total is the inputs' (nvidia-smi, DCGM); without one, the window's
 * mean used + mean free (the memory the GPU or instance can hold, FB_RESERVED left out).
 */
function windowed(sample: Readings, f: WindowFacts | null, prefix: string): WindowedReadings {
  if (f === null)
    return {
      ...sample,
      window: null,
      from: {
        util: sample.util === null ? null : 'sample',
        memory: sample.usedMiB === null ? null : 'sample',
      },
    };
  const issues = [...sample.issues];
  const total =
    sample.totalMiB ??
    (f.fb !== null && f.fbFree !== null && f.fb.mean + f.fbFree.mean > 0 ? f.fb.mean + f.fbFree.mean : null);
  let usedMiB = sample.usedMiB;
  let memory: WindowedReadings['from']['memory'] = usedMiB === null ? null : 'sample';
  if (f.fb !== null) {
    usedMiB = clampMemory(f.fb.mean, total, issues, `${prefix} window fbUsedMiB`).usedMiB;
    memory = 'window';
  }
  const util = f.util !== null ? f.util.mean : sample.util;
  return {
    util,
    usedMiB,
    totalMiB: total,
    issues,
    window: f,
    from: { util: f.util !== null ? 'window' : sample.util === null ? null : 'sample', memory },
  };
}

/** A GPU's readings, the window's where it has them (the score's utilisation part). */
export function windowedReadings(g: Gpu): WindowedReadings {
  return windowed(readings(g), windowFacts(g.window), 'memory');
}

/** A MIG instance's readings, its window's where it has them. */
export function migWindowedReadings(d: MigDevice): WindowedReadings {
  return windowed(migReadings(d), windowFacts(d.window), 'instance memory');
}

/**
 * What a single-GPU inference workload needs, read over the GPU's window (mig-candidate, share-candidate):
 * memory = the declared `memoryGiB`, else the p95 of the framebuffer used (a day's near-peak, not one
 * second); compute = the p95 of SM active (else of the utilisation) as a share of the GPU. Null without a
 * window that says both (the rules then read the sample, rules/sharing.ts).
 */
export interface WindowNeed {
  memoryGiB: number;
  memorySource: 'declared' | 'window p95';
  /** 0–1 share of the GPU's compute. */
  compute: number;
  computeSource: WindowBasis;
  facts: WindowFacts;
}

export function windowNeed(w: Workload, g: Gpu): WindowNeed | null {
  const f = windowFacts(g.window);
  if (f === null || f.active === null || f.activeBasis === null) return null;
  if (w.memoryGiB === null && f.fb === null) return null;
  return {
    memoryGiB: w.memoryGiB ?? f.fb!.p95 / 1024,
    memorySource: w.memoryGiB !== null ? 'declared' : 'window p95',
    compute: f.active.p95 / 100,
    computeSource: f.activeBasis,
    facts: f,
  };
}

// ---------------------------------------------------------------------------------------------------
// PCIe link

/** Utilisation from which a GPU whose P-state is unknown (or P1/P2) counts as under load for its link. */
export const LINK_LOAD_UTIL_PCT = 50;

/** The performance state as a number (`P0` → 0, `P8` → 8), null when unknown. */
export function pstateNumber(g: Gpu): number | null {
  const m = g.pstate?.trim().match(/^P(\d{1,2})$/i);
  return m ? Number(m[1]) : null;
}

/**
 * Whether the PCIe link *generation* says something: only under load. Idle GPUs lower the link speed to
 * save power (P8 → Gen1, P0 → max; domain facts §9, S61/S62), so the generation is judged in P0, or at a
 * high utilisation in P1/P2 or when the P-state is unknown — never in a power-saving state (P3 and up),
 * whatever a momentary utilisation sample says. The link *width* does not change with power states and is
 * judged always.
 */
export function linkUnderLoad(g: Gpu): boolean {
  const p = pstateNumber(g);
  if (p === 0) return true;
  if (p !== null && p > 2) return false;
  const u = readings(g).util;
  return u !== null && u >= LINK_LOAD_UTIL_PCT;
}

export interface PcieLink {
  genCurrent: number;
  genMax: number;
  widthCurrent: number;
  widthMax: number;
}

/** The GPU's link when all four values are known and plausible (gen 1–6, width 1–32, current ≤ max). */
export function pcieLink(g: Gpu): PcieLink | null {
  const { genCurrent, genMax, widthCurrent, widthMax } = g.pcie;
  const gen = (x: number | null): x is number => x !== null && Number.isInteger(x) && x >= 1 && x <= 6;
  const width = (x: number | null): x is number => x !== null && Number.isInteger(x) && x >= 1 && x <= 32;
  if (!gen(genCurrent) || !gen(genMax) || !width(widthCurrent) || !width(widthMax)) return null;
  if (genCurrent > genMax || widthCurrent > widthMax) return null;
  return { genCurrent, genMax, widthCurrent, widthMax };
}

// ---------------------------------------------------------------------------------------------------
// Processes

/** Display servers and desktop shells that hold a little GPU memory on a workstation or a console GPU. */
const DISPLAY_PROCESS =
  /(^|\/)(Xorg|X|Xwayland|gnome-shell|kwin_x11|kwin_wayland|plasmashell|gdm[\w-]*|sddm[\w-]*)$/;

/**
 * A graphics-only process: nvidia-smi type `G` (graphics; `C` compute, `C+G` both, `M` / `M+C` MPS), or,
 * when the type is unknown, a display server or desktop shell by name.
 */
export function isGraphicsOnly(p: Process): boolean {
  const type = p.type?.trim().toUpperCase() ?? null;
  if (type !== null && type !== '') return type === 'G';
  return p.name !== null && DISPLAY_PROCESS.test(p.name.trim());
}

/** The processes nvidia-smi lists on a GPU. */
export function processesOn(ctx: HostContext, g: Gpu): Process[] {
  return g.index === null ? [] : ctx.snapshot.processes.filter((p) => p.gpuIndex === g.index);
}

/**
 * The GPU runs only graphics processes (the display server) and no workload holds it: it is idle for
 * compute, and the memory it holds belongs to the display server. Such a GPU is not allocated for the
 * score and gpu-idle says why it holds memory.
 */
export function displayOnly(ctx: HostContext, g: Gpu): Process[] | null {
  if (g.index === null || ctx.workloadsOf(g.index).length > 0) return null;
  const procs = processesOn(ctx, g);
  return procs.length > 0 && procs.every(isGraphicsOnly) ? procs : null;
}

// ---------------------------------------------------------------------------------------------------
// Virtual machines and cloud instances

/** GPU models sold only inside cloud instances, where no one but the provider touches the hardware. */
const CLOUD_ONLY: { re: RegExp; en: string; ko: string }[] = [
  {
    re: /\bA10G\b/i,
    en: 'a GPU model offered only in AWS instances (g5)',
    ko: 'AWS 인스턴스(g5)에만 있는 GPU 모델',
  },
  {
    re: /\bT4G\b/i,
    en: 'a GPU model offered only in AWS instances (g5g)',
    ko: 'AWS 인스턴스(g5g)에만 있는 GPU 모델',
  },
];

/** vGPU type names as a guest sees them: `GRID T4-16Q`, `NVIDIA A10-24Q`, `NVIDIA H100XM-1-10C`. */
const VGPU_NAME = /(^GRID\s)|-\d+(-\d+)?[QCBA]$/i;

export interface VirtualHint {
  /** what says so, for the evidence line (the value as the input prints it). */
  evidence: string;
  /** where that value comes from: the GPU's nvidia-smi readings, or the host's lscpu. */
  from: 'gpu' | 'lscpu';
  /** the hint in words. */
  en: string;
  ko: string;
}

/**
 * Why this GPU is seen from inside a VM or cloud instance (so its slot, riser and BIOS belong to someone
 * else), or null. In order: nvidia-smi's Virtualization Mode (`Pass-Through`, `VGPU`; `None` is bare
 * metal and `Host VGPU` / `Host VSGA` the hypervisor host itself), lscpu's Hypervisor vendor (`KVM`, …),
 * then the GPU's name: a vGPU type, or a model sold only in cloud instances.
 */
export function virtualHint(ctx: HostContext, g: Gpu): VirtualHint | null {
  const label = ctx.label(g);
  const mode = g.virtualizationMode?.trim() ?? '';
  if (/^pass[- ]?through$/i.test(mode))
    return {
      evidence: `${label}: Virtualization Mode: ${mode}`,
      from: 'gpu',
      en: `nvidia-smi reports ${label}'s Virtualization Mode as ${mode} (a GPU passed through to this VM or cloud instance)`,
      ko: `nvidia-smi가 ${label}의 가상화 모드(Virtualization Mode)를 ${josa(mode, '로')} 보고합니다(이 VM 또는 클라우드 인스턴스에 패스스루된 GPU)`,
    };
  if (/^vgpu$/i.test(mode))
    return {
      evidence: `${label}: Virtualization Mode: ${mode}`,
      from: 'gpu',
      en: `nvidia-smi reports ${label}'s Virtualization Mode as ${mode} (a vGPU that a hypervisor gives this VM)`,
      ko: `nvidia-smi가 ${label}의 가상화 모드(Virtualization Mode)를 ${josa(mode, '로')} 보고합니다(하이퍼바이저가 이 VM에 준 vGPU)`,
    };
  const hv = ctx.snapshot.cpu.hypervisor?.trim() ?? '';
  if (hv !== '')
    return {
      evidence: `lscpu: Hypervisor vendor: ${hv}`,
      from: 'lscpu',
      en: `lscpu reports the hypervisor vendor ${hv} (this host is a VM or cloud instance)`,
      ko: `lscpu가 하이퍼바이저 제조사를 ${josa(hv, '로')} 보고합니다(이 호스트는 VM 또는 클라우드 인스턴스)`,
    };
  const name = g.name?.trim() ?? '';
  if (name === '') return null;
  if (VGPU_NAME.test(name))
    return {
      evidence: `${label}: name: ${name} (a vGPU type)`,
      from: 'gpu',
      en: `${name} is a vGPU type: the GPU is a slice that a hypervisor gives this VM`,
      ko: `${josa(name, '은')} vGPU 유형입니다: 하이퍼바이저가 이 VM에 준 GPU 조각입니다`,
    };
  const cloud = CLOUD_ONLY.find((c) => c.re.test(name));
  if (cloud)
    return {
      evidence: `${label}: name: ${name} (${cloud.en})`,
      from: 'gpu',
      en: `${name} is ${cloud.en}`,
      ko: `${josa(name, '은')} ${cloud.ko}입니다`,
    };
  return null;
}
