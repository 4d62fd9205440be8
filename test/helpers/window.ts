/**
 * GPU windows for tests (scoring/window.ts): a day at one sample a minute, empty or busy, and series
 * statistics. Shared by the window parser, rule and placement tests.
 */
import type { GpuWindow, SeriesStats } from '../../scoring/window.ts';

export const stats = (mean: number, p95: number, max = p95, min = 0, samples = 1440): SeriesStats => ({
  mean,
  p95,
  max,
  min,
  samples,
});

/** A day (2026-11-25 09:00 → 09:00 UTC) at one sample a minute, with no series. */
export function day(edit: Partial<GpuWindow> = {}): GpuWindow {
  return {
    from: '2026-11-25T09:00:00Z',
    to: '2026-11-26T09:00:00Z',
    stepSec: 60,
    label: '24h',
    expectedSamples: 1440,
    smActive: null,
    tensorActive: null,
    dramActive: null,
    util: null,
    grEngineActive: null,
    fbUsedMiB: null,
    fbFreeMiB: null,
    pcieTxBytesPerSec: null,
    pcieRxBytesPerSec: null,
    nvlinkBytesPerSec: null,
    idleSeconds: null,
    idleBasis: null,
    ...edit,
  };
}

/**
 * A busy day: SM active mean 50 % (p95 80 %), utilisation mean 60 %, `fbMiB` of memory used on average;
 * `idle` idle samples (SM active < 1 %).
 */
export function busyDay(edit: Partial<GpuWindow> = {}, idle = 0, fbMiB = 20000): GpuWindow {
  return day({
    smActive: stats(0.5, 0.8, 0.9),
    util: stats(60, 90, 100),
    fbUsedMiB: stats(fbMiB, fbMiB + 1000, fbMiB + 2000, fbMiB - 1000),
    idleSeconds: idle * 60,
    idleBasis: 'sm_active',
    ...edit,
  });
}
