/**
 * What a GPU's own readings say, read defensively: the values the score and the rules use, range-checked;
 * whether its processes are graphics only (the display server); and whether it runs in a VM or a cloud
 * instance. Shared by the score (scoring/score.ts) and the rules.
 *
 * Range checks. The parsers reject or clamp impossible values at input; the core does not rely on it.
 * Utilisation is clamped to [0, 100] %, memory used to [0, total] MiB, a total ≤ 0 is unknown, and every
 * clamp is stated (`issues`): the score's notes and the rules' evidence lines repeat it.
 */
import type { HostContext } from '../context.ts';
import { josa } from '../korean.ts';
import type { Gpu, MigDevice, Process } from '../snapshot.ts';

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

/** The issues of a GPU and its MIG instances, each line naming the GPU (for the analysis notes). */
export function readingIssues(label: string, g: Gpu): string[] {
  const own = readings(g).issues.map((i) => `${label}: ${i}`);
  const mig = g.mig.devices.flatMap((d) =>
    migReadings(d).issues.map((i) => `${label} MIG instance ${d.gi ?? d.device ?? '?'}: ${i}`),
  );
  return [...own, ...mig];
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
