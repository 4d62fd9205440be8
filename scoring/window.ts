/**
 * What a GPU did over a time window (a day, a week), as opposed to the one-second sample of `nvidia-smi`:
 * statistics of its dcgm-exporter series as Prometheus kept them. A live source (tools/sources/prometheus.ts)
 * queries the window and writes it as an `infralens-gpu-window` document (JSON); the parser
 * (tools/parsers/gpu-window.ts) attaches each GPU's window to the snapshot's GPU by UUID; the score and
 * the rules then use the window's statistics instead of the sample, and say so in their evidence
 * ("idle 21 h of the last 24"). Pure: the schema and the statistics, no I/O.
 *
 * Units: profiling ratios (SM, tensor, DRAM active) 0–1; utilisation %; framebuffer MiB; byte rates B/s.
 * Idle: a sample is idle when SM active < IDLE_SM (1 %), or, for a GPU without profiling series,
 * utilisation < IDLE_UTIL_PCT (1 %). `idleSeconds` counts the idle samples × the step.
 */
import { z } from 'zod';

export const IDLE_SM = 0.01;
export const IDLE_UTIL_PCT = 1;

/** Statistics of one series over the window (samples that were present; gaps are not zeros). */
export const SeriesStats = z.object({
  mean: z.number(),
  p95: z.number(),
  max: z.number(),
  min: z.number(),
  /** samples present in the window. */
  samples: z.number().int().nonnegative(),
});
export type SeriesStats = z.infer<typeof SeriesStats>;

const stats = SeriesStats.nullable().default(null);

export const GpuWindow = z.object({
  /** the window's bounds (ISO 8601) and query step, seconds. */
  from: z.string(),
  to: z.string(),
  stepSec: z.number().positive(),
  /** what the user asked for, as words: `24h`, `7d`, `yesterday`. */
  label: z.string().max(40),
  /** samples the window could hold (its length / step): with `samples` of a series, the coverage. */
  expectedSamples: z.number().int().nonnegative(),
  smActive: stats,
  tensorActive: stats,
  dramActive: stats,
  /** DCGM_FI_DEV_GPU_UTIL (%), the fallback when profiling series are missing. */
  util: stats,
  /** DCGM_FI_PROF_GR_ENGINE_ACTIVE (0–1): in dcgm-exporter's default counters, and reported for MIG
   * instances, where GPU_UTIL is not. */
  grEngineActive: stats,
  fbUsedMiB: stats,
  fbFreeMiB: stats,
  pcieTxBytesPerSec: stats,
  pcieRxBytesPerSec: stats,
  nvlinkBytesPerSec: stats,
  /** seconds the GPU was idle in the window (see IDLE_SM), null when no series says. */
  idleSeconds: z.number().nonnegative().nullable(),
  /** which series decided idleness. */
  idleBasis: z.enum(['sm_active', 'gpu_util', 'gr_engine_active']).nullable().default(null),
});
export type GpuWindow = z.infer<typeof GpuWindow>;

/** One GPU (or MIG GPU instance) of the document, matched to the snapshot by UUID. */
export const WindowGpu = z.object({
  uuid: z.string().min(1).max(100),
  /** dcgm-exporter's `gpu` label (the nvidia-smi index), when present. */
  index: z.number().int().nonnegative().nullable().default(null),
  /** a MIG GPU instance (`GPU_I_ID`, `GPU_I_PROFILE`); null: the whole GPU. */
  migInstance: z
    .object({ id: z.number().int().nonnegative(), profile: z.string().max(40).nullable() })
    .nullable()
    .default(null),
  window: GpuWindow,
});
export type WindowGpu = z.infer<typeof WindowGpu>;

/** The document a live source writes (and a user could upload): `kind` names the format. */
export const WindowDocument = z.object({
  kind: z.literal('infralens-gpu-window'),
  version: z.literal(1),
  /** the host as the source knows it (the `Hostname` label). */
  host: z.string().min(1).max(253),
  /** where it came from, without credentials (`prometheus https://prom.example:9090`). */
  source: z.string().max(500),
  gpus: z.array(WindowGpu).max(4096),
  /** series the window has no sample of (named in the evidence: `DCGM_FI_PROF_PIPE_TENSOR_ACTIVE`). */
  missing: z.array(z.string().max(100)).max(50).default([]),
});
export type WindowDocument = z.infer<typeof WindowDocument>;

/** The statistics of a series' samples (NaN and infinities dropped); null when none is left. */
export function seriesStats(values: readonly number[]): SeriesStats | null {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const sorted = Float64Array.from(v).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  // nearest-rank p95
  const rank = Math.max(1, Math.ceil(0.95 * sorted.length));
  return {
    mean: sum / sorted.length,
    p95: sorted[rank - 1]!,
    max: sorted[sorted.length - 1]!,
    min: sorted[0]!,
    samples: sorted.length,
  };
}

/**
 * Idle seconds from SM active ratios (preferred), utilisation %, or graphics-engine active ratios (the
 * default counters' and MIG instances' series), one sample per step.
 */
export function idleOf(
  sm: readonly number[] | null,
  util: readonly number[] | null,
  stepSec: number,
  gr: readonly number[] | null = null,
): { idleSeconds: number | null; idleBasis: GpuWindow['idleBasis'] } {
  const smv = sm?.filter((x) => Number.isFinite(x)) ?? [];
  if (smv.length > 0)
    return { idleSeconds: smv.filter((x) => x < IDLE_SM).length * stepSec, idleBasis: 'sm_active' };
  const uv = util?.filter((x) => Number.isFinite(x)) ?? [];
  if (uv.length > 0)
    return { idleSeconds: uv.filter((x) => x < IDLE_UTIL_PCT).length * stepSec, idleBasis: 'gpu_util' };
  const gv = gr?.filter((x) => Number.isFinite(x)) ?? [];
  if (gv.length > 0)
    return { idleSeconds: gv.filter((x) => x < IDLE_SM).length * stepSec, idleBasis: 'gr_engine_active' };
  return { idleSeconds: null, idleBasis: null };
}
