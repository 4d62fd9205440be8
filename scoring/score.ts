/**
 * The Resource Efficiency Score (docs/scoring.md).
 *
 *   GPU score  = (gpu_util/100 × 0.4 + vram_used/vram_total × 0.3) / 0.7        per allocated GPU
 *                (a MIG GPU: per instance, weighted by its share of the compute slices)
 *   NUMA score = 1.0 aligned / 0.5 mismatch                                    per allocated GPU
 *   I/O score  = min(ring ratio of its distributed workload, PCIe link ratio)  per allocated GPU
 *   Efficiency = 100 × (GPU × 0.6 + NUMA × 0.2 + I/O × 0.2)
 *
 * The published formula's GPU part tops out at 0.7, so it is divided by 0.7 (same 4:3 weighting) and a
 * perfect server scores 100. Components that cannot be assessed are left out and the remaining weights
 * renormalised; without utilisation data there is no score at all (null, with the reason — for a GPU in
 * MIG mode, whose utilisation nvidia-smi does not report, the reason says what to send).
 *
 * Readings are range-checked first (scoring/rules/readings.ts): utilisation clamped to [0, 100] %, memory
 * used to [0, total], each clamp stated in `notes`; the score is always within [0, 100].
 *
 * A GPU (or MIG instance) with a window (scoring/window.ts) is scored on it: the mean utilisation —
 * DCGM_FI_DEV_GPU_UTIL, the same duty cycle as the utilization.gpu the formula is written in (S57/S59);
 * SM active × 100 only when that series is missing — and the mean framebuffer used, over the window
 * instead of one second (docs/scoring.md, "Window statistics"); `notes` says which GPUs.
 */
import { z } from 'zod';
import type { HostContext } from './context.ts';
import { round, type Text } from './findings.ts';
import { pcieGBs } from './interconnect.ts';
import {
  displayOnly,
  linkUnderLoad,
  migWindowedReadings,
  pcieLink,
  readingIssues,
  type WindowBasis,
  windowedReadings,
} from './rules/readings.ts';
import { WINDOW_FORMAT, windowSpan } from './rules/util.ts';
import type { Gpu, Workload } from './snapshot.ts';

export const WEIGHTS = { gpu: 0.6, numa: 0.2, io: 0.2 } as const;
export const NUMA_MISMATCH_SCORE = 0.5;

export const Grade = z.enum(['A', 'B', 'C', 'D', 'F']);
export type Grade = z.infer<typeof Grade>;

export function gradeOf(value: number): Grade {
  const v = Math.round(value);
  if (v >= 90) return 'A';
  if (v >= 75) return 'B';
  if (v >= 60) return 'C';
  if (v >= 40) return 'D';
  return 'F';
}

export const GRADE_TEXT: Record<Grade, Text> = {
  A: { en: 'optimal', ko: '최적' },
  B: { en: 'good', ko: '양호' },
  C: { en: 'inefficient', ko: '비효율' },
  D: { en: 'serious waste', ko: '심각한 낭비' },
  F: { en: 'critical', ko: '위험' },
};

export const GpuScore = z.object({
  gpu: z.number().int(),
  allocated: z.boolean(),
  /** 0–1 each; null = not assessable for this GPU. */
  gpuScore: z.number().nullable(),
  /** capacity this score stands for in the host's GPU part: 1 for a whole GPU, the allocated share of
   * compute slices for a GPU in MIG mode. */
  weight: z.number(),
  numa: z.number().nullable(),
  io: z.number().nullable(),
});
export type GpuScore = z.infer<typeof GpuScore>;

export const Score = z.object({
  value: z.number(),
  grade: Grade,
  /** 0–100 each; null = not assessable on this host (its weight went to the others). */
  components: z.object({ gpu: z.number(), numa: z.number().nullable(), io: z.number().nullable() }),
  /** how many GPUs each component was computed over. */
  basis: z.object({ gpus: z.number().int(), numaGpus: z.number().int(), ioGpus: z.number().int() }),
});
export type Score = z.infer<typeof Score>;

/** true when the workload's CPUs include at least one CPU local to the GPU (null = cannot tell). */
export function numaAligned(ctx: HostContext, w: Workload, g: Gpu): boolean | null {
  if (w.cpus === null || w.cpus.length === 0) return null;
  return ctx.touchesLocalCpus(g, w.cpus);
}

/**
 * current / max PCIe bandwidth of a loaded GPU (1 = healthy), null when idle or unknown. The generation
 * counts only while the link is under load (P0 or high utilisation: idle links drop to Gen1); the width
 * always.
 */
export function pcieRatio(ctx: HostContext, g: Gpu): number | null {
  const link = pcieLink(g);
  if (!ctx.isLoaded(g) || link === null) return null;
  const gen = linkUnderLoad(g) ? link.genCurrent : link.genMax;
  const r = pcieGBs(gen, link.widthCurrent) / pcieGBs(link.genMax, link.widthMax);
  return Math.min(1, Math.max(0, r));
}

/** the workload's best-ring bandwidth / the best any same-size set of this host's GPUs could get. */
export function ringRatio(ctx: HostContext, w: Workload): number | null {
  if (!w.distributed || w.gpus.length < 2) return null;
  const actual = ctx.ringGBs(w.gpus);
  const best = ctx.bestRingGBsFor(w.gpus.length);
  if (actual === null || best === null || best <= 0) return null;
  return Math.min(1, actual / best);
}

/**
 * (util/100 × 0.4 + used/total × 0.3) of a whole GPU, from range-checked readings — its window's means
 * where it has a window; null when unknown.
 */
export function gpuUtilScore(g: Gpu): number | null {
  const { util, usedMiB, totalMiB } = windowedReadings(g);
  if (util === null || usedMiB === null || totalMiB === null) return null;
  return (util / 100) * 0.4 + (usedMiB / totalMiB) * 0.3;
}

/**
 * A GPU in MIG mode whose instances report their own utilisation and memory: each instance is scored like
 * a small GPU (its utilisation of its slices, its memory share) and weighted by its compute slices.
 * nvidia-smi prints utilisation `N/A` in MIG mode, so without per-instance metrics (DCGM) this is null.
 */
export function migUnits(ctx: HostContext, g: Gpu): { score: number; weight: number } | null {
  if (g.mig.mode !== 'enabled' || g.mig.devices.length === 0) return null;
  const model = ctx.model(g);
  const slices = model ? Math.max(...model.migProfiles.map((p) => p.compute)) : null;
  let num = 0;
  let weight = 0;
  for (const d of g.mig.devices) {
    const spec = model?.migProfiles.find((p) => p.name === d.profile);
    const r = migWindowedReadings(d);
    if (!spec || !slices || r.util === null || r.usedMiB === null || r.totalMiB === null) return null;
    const w = spec.compute / slices;
    num += w * (((r.util / 100) * 0.4 + (r.usedMiB / r.totalMiB) * 0.3) / 0.7);
    weight += w;
  }
  return weight > 0 ? { score: num / weight, weight } : null;
}

/** A GPU in MIG mode whose utilisation is unknown (nvidia-smi prints N/A) and no instance reports its own. */
export function migUtilUnknown(ctx: HostContext, g: Gpu): boolean {
  return g.mig.mode === 'enabled' && windowedReadings(g).util === null && migUnits(ctx, g) === null;
}

/** Allocated for the score: held by a workload or a compute process (not only the display server). */
function allocatedForScore(ctx: HostContext, g: Gpu): boolean {
  return ctx.isAllocated(g) && displayOnly(ctx, g) === null;
}

export function perGpuScores(ctx: HostContext): GpuScore[] {
  const out: GpuScore[] = [];
  // a workload's ring ratio is the same for each of its GPUs: computed once
  const rings = new Map<Workload, number | null>();
  const ringOf = (w: Workload) => {
    let r = rings.get(w);
    if (r === undefined) {
      r = ringRatio(ctx, w);
      rings.set(w, r);
    }
    return r;
  };
  for (const g of ctx.snapshot.gpus) {
    if (g.index === null) continue;
    const allocated = allocatedForScore(ctx, g);
    const mig = migUnits(ctx, g);
    const raw = mig ? mig.score * 0.7 : gpuUtilScore(g);
    const ws = ctx.workloadsOf(g.index);
    // NUMA: 1 when every workload that can tell is aligned, the mismatch score when one is not
    let told = false;
    let allAligned = true;
    // I/O: the lowest of the workloads' ring ratios and the GPU's PCIe ratio (Math.min, NaN included)
    let io: number | null = null;
    for (const w of ws) {
      const a = numaAligned(ctx, w, g);
      if (a !== null) {
        told = true;
        if (!a) allAligned = false;
      }
      const r = ringOf(w);
      if (r !== null) io = io === null ? r : Math.min(io, r);
    }
    const pcie = pcieRatio(ctx, g);
    if (pcie !== null) io = io === null ? pcie : Math.min(io, pcie);
    const numa = !told ? null : allAligned ? 1 : NUMA_MISMATCH_SCORE;
    out.push({
      gpu: g.index,
      allocated,
      gpuScore: raw === null ? null : raw / 0.7,
      weight: mig ? mig.weight : 1,
      numa: allocated ? numa : null,
      io: allocated ? io : null,
    });
  }
  return out;
}

const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

export interface ScoreResult {
  score: Score | null;
  /** why there is no score, when there is none. */
  reason: Text | null;
  perGpu: GpuScore[];
  /** what the score had to assume or leave out (values out of range, GPUs it could not assess). */
  notes: string[];
}

const NO_GPU_IN_USE: Text = {
  en: 'no GPU is in use (no workload, process or utilisation)',
  ko: '사용 중인 GPU가 없습니다 (워크로드·프로세스·사용률 없음)',
};

const NO_UTILISATION: Text = {
  en: 'no utilisation data (e.g. a topology-only upload, or a passthrough host whose GPUs are bound to vfio-pci): send nvidia-smi -q -x or the bundle — for passthrough GPUs, from inside the VMs — for a score',
  ko: '사용률 데이터가 없습니다 (예: 토폴로지만 업로드했거나, GPU가 vfio-pci에 묶인 패스스루 호스트): 점수를 보려면 nvidia-smi -q -x 또는 번들을 보내 주세요 (패스스루 GPU는 VM 안에서 수집)',
};

/** The reason for MIG GPUs: what nvidia-smi does not report, what they show, and what to send. */
function migReason(ctx: HostContext, gpus: readonly Gpu[]): Text {
  const names = gpus.map((g) => ctx.label(g)).join(', ');
  const instances = gpus.reduce((a, g) => a + g.mig.devices.length, 0);
  const withProcs = gpus.reduce(
    (a, g) =>
      a +
      g.mig.devices.filter((d) =>
        ctx.snapshot.processes.some((p) => p.gpuIndex === g.index && p.gi !== null && p.gi === d.gi),
      ).length,
    0,
  );
  // processes are named only when some are listed: many MIG outputs (-L, mig -lgi) carry none
  const seen =
    instances === 0
      ? { en: '', ko: '' }
      : {
          en: `; ${instances === 1 ? 'its MIG instance' : `its ${instances} MIG instances`}${withProcs > 0 ? ` (${withProcs} running a process)` : ''} cannot be scored without it`,
          ko: `; MIG 인스턴스 ${instances}개${withProcs > 0 ? ` (그중 ${withProcs}개에서 프로세스 실행 중)` : ''}는 사용률 없이 점수를 낼 수 없음`,
        };
  return {
    en: `GPU utilisation is not reported in MIG mode (nvidia-smi prints N/A for ${names}${seen.en}): send dcgm-exporter metrics (DCGM_FI_PROF_GR_ENGINE_ACTIVE per instance) for a score`,
    ko: `MIG 모드에서는 GPU 사용률이 보고되지 않습니다 (nvidia-smi는 ${names}의 사용률을 N/A로 표시${seen.ko}): 점수를 보려면 인스턴스별 DCGM_FI_PROF_GR_ENGINE_ACTIVE가 담긴 dcgm-exporter 메트릭을 보내 주세요`,
  };
}

/** Some utilisation reading exists on the host (a GPU's, a MIG instance's, DCGM SM-active, or a window's). */
function anyUtilisation(ctx: HostContext): boolean {
  return ctx.snapshot.gpus.some(
    (g) =>
      windowedReadings(g).util !== null ||
      g.metrics.smActive !== null ||
      g.mig.devices.some((d) => migWindowedReadings(d).util !== null),
  );
}

/**
 * The note that says which GPUs were scored over a window, and on which series:
 * `GPU0, GPU1: scored over the last 24 h (mean utilisation and framebuffer used of gpu-window.json), not the one-second sample`.
 */
function windowNote(ctx: HostContext): string | null {
  const over: string[] = [];
  const basis = new Set<WindowBasis>();
  let span: string | null = null;
  for (const g of ctx.snapshot.gpus) {
    const units = [windowedReadings(g), ...g.mig.devices.map((d) => migWindowedReadings(d))];
    const used = units.filter(
      (r) => r.window !== null && (r.from.util === 'window' || r.from.memory === 'window'),
    );
    if (used.length === 0) continue;
    over.push(ctx.label(g));
    for (const r of used) {
      if (r.from.util === 'window' && r.window!.utilBasis) basis.add(r.window!.utilBasis);
      span ??= windowSpan(r.window!).en;
    }
  }
  if (over.length === 0) return null;
  const parts: string[] = [];
  if (basis.has('gr_engine_active'))
    parts.push('graphics engine active × 100 where DCGM_FI_DEV_GPU_UTIL is missing');
  if (basis.has('sm_active'))
    parts.push('SM active × 100 where neither is reported, which reads lower than utilization.gpu');
  const util = parts.length === 0 ? 'mean utilisation' : `mean utilisation (${parts.join('; ')})`;
  return `${over.join(', ')}: scored over ${span} (${util} and mean framebuffer used of ${ctx.sourceOf(WINDOW_FORMAT)}), not the one-second sample`;
}

/**
 * The host score over its allocated GPUs. Unallocated GPUs are spare capacity: they are reported by the
 * `gpu-idle` rule, not averaged in (so a plan that frees GPUs is not penalised for freeing them).
 */
export function scoreHost(ctx: HostContext): ScoreResult {
  const perGpu = perGpuScores(ctx);
  const notes: string[] = ctx.snapshot.gpus.flatMap((g) => readingIssues(ctx.label(g), g));
  const overWindow = windowNote(ctx);
  if (overWindow !== null) notes.push(overWindow);
  const allocated = perGpu.filter((p) => p.allocated);
  if (ctx.snapshot.gpus.length === 0)
    return {
      score: null,
      perGpu,
      notes,
      reason: { en: 'no GPU in the inputs', ko: '입력에 GPU가 없습니다' },
    };
  // GPUs in MIG mode whose utilisation is unknown: not assessable, and the reason is MIG, not missing data
  const migUnknown = ctx.snapshot.gpus.filter(
    (g) => migUtilUnknown(ctx, g) && (g.index === null || perGpu.find((p) => p.gpu === g.index)?.allocated),
  );
  const scored = allocated.filter((p) => p.gpuScore !== null);
  const gpuWeight = scored.reduce((a, p) => a + p.weight, 0);
  const gpuPart = gpuWeight > 0 ? scored.reduce((a, p) => a + p.weight * p.gpuScore!, 0) / gpuWeight : null;
  if (gpuPart === null) {
    const display = ctx.snapshot.gpus.filter((g) => displayOnly(ctx, g) !== null).map((g) => ctx.label(g));
    const why =
      migUnknown.length > 0
        ? migReason(ctx, migUnknown)
        : allocated.length === 0 && display.length > 0
          ? {
              en: `no GPU is in use for compute (only the display server runs, on ${display.join(', ')})`,
              ko: `연산에 쓰이는 GPU가 없습니다 (${display.join(', ')}에서 디스플레이 서버만 실행 중)`,
            }
          : allocated.length === 0 && anyUtilisation(ctx)
            ? NO_GPU_IN_USE
            : NO_UTILISATION;
    return { score: null, perGpu, notes, reason: why };
  }
  if (migUnknown.length > 0)
    notes.push(
      `${migUnknown.map((g) => ctx.label(g)).join(', ')} not in the GPU score: utilisation is not reported in MIG mode (send dcgm-exporter metrics with DCGM_FI_PROF_GR_ENGINE_ACTIVE per instance)`,
    );
  const numaVals = allocated.map((p) => p.numa).filter((x): x is number => x !== null);
  const ioVals = allocated.map((p) => p.io).filter((x): x is number => x !== null);
  const numaPart = mean(numaVals);
  const ioPart = mean(ioVals);
  let weight = WEIGHTS.gpu;
  let total = WEIGHTS.gpu * gpuPart;
  if (numaPart !== null) {
    weight += WEIGHTS.numa;
    total += WEIGHTS.numa * numaPart;
  }
  if (ioPart !== null) {
    weight += WEIGHTS.io;
    total += WEIGHTS.io * ioPart;
  }
  const clamp = (x: number) => Math.min(100, Math.max(0, x));
  const value = round(clamp((100 * total) / weight), 1);
  return {
    perGpu,
    reason: null,
    notes,
    score: {
      value,
      grade: gradeOf(value),
      components: {
        gpu: round(clamp(100 * gpuPart), 1),
        numa: numaPart === null ? null : round(clamp(100 * numaPart), 1),
        io: ioPart === null ? null : round(clamp(100 * ioPart), 1),
      },
      basis: {
        gpus: allocated.filter((p) => p.gpuScore !== null).length,
        numaGpus: numaVals.length,
        ioGpus: ioVals.length,
      },
    },
  };
}

/** Fleet score: hosts weighted by the GPUs their score was computed over. */
export function fleetScore(scores: readonly (Score | null)[]): Score | null {
  const known = scores.filter((s): s is Score => s !== null && s.basis.gpus > 0);
  if (known.length === 0) return null;
  const w = known.reduce((a, s) => a + s.basis.gpus, 0);
  const avg = (f: (s: Score) => number | null) => {
    const xs = known.filter((s) => f(s) !== null);
    const ww = xs.reduce((a, s) => a + s.basis.gpus, 0);
    return ww === 0 ? null : round(xs.reduce((a, s) => a + f(s)! * s.basis.gpus, 0) / ww, 1);
  };
  const value = round(known.reduce((a, s) => a + s.value * s.basis.gpus, 0) / w, 1);
  return {
    value,
    grade: gradeOf(value),
    components: {
      gpu: avg((s) => s.components.gpu)!,
      numa: avg((s) => s.components.numa),
      io: avg((s) => s.components.io),
    },
    basis: {
      gpus: w,
      numaGpus: known.reduce((a, s) => a + s.basis.numaGpus, 0),
      ioGpus: known.reduce((a, s) => a + s.basis.ioGpus, 0),
    },
  };
}
