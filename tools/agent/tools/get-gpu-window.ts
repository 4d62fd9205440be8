import { z } from 'zod';
import type { WindowDocument } from '../../../scoring/window.ts';
import { type ToolContext, type ToolDef, ToolFailure } from '../types.ts';
import { forModel, hostField } from './common.ts';

const Input = z.strictObject({
  host: hostField,
  window: z
    .string()
    .max(40)
    .optional()
    .describe(
      'the time window in the user\'s words: "24h" (default), "7d", "yesterday", "today", "this week", "last week", "어제", "이번 주", "최근 12시간"',
    ),
});

export const WINDOW_HOW =
  'GPU windows come from Prometheus (dcgm-exporter series) for inventory hosts whose inventory entry names a `prometheus:` server (INFRALENS_CONFIG)';

const r1 = (x: number) => Math.round(x * 10) / 10;
const hours = (s: number) => r1(s / 3600);

/** One GPU's window as a reply may quote it: percentages and hours with one decimal. */
function gpuLine(g: WindowDocument['gpus'][number]) {
  const w = g.window;
  const spanSec = Math.max(0, (Date.parse(w.to) - Date.parse(w.from)) / 1000);
  const pct = (s: typeof w.smActive) => (s ? { mean: r1(s.mean * 100), p95: r1(s.p95 * 100) } : null);
  const covered = Math.max(w.smActive?.samples ?? 0, w.util?.samples ?? 0);
  return {
    uuid: g.uuid,
    gpu: g.index,
    migInstance: g.migInstance,
    /** SM active, % of the time (mean and p95); null without profiling series. */
    smActivePct: pct(w.smActive),
    tensorActivePct: pct(w.tensorActive),
    dramActivePct: pct(w.dramActive),
    utilPct: w.util ? { mean: r1(w.util.mean), p95: r1(w.util.p95) } : null,
    memoryUsedMiB: w.fbUsedMiB
      ? { mean: Math.round(w.fbUsedMiB.mean), p95: Math.round(w.fbUsedMiB.p95) }
      : null,
    /** hours idle of the window's hours (SM active < 1 %, or utilisation < 1 % without SM series). */
    idleHours: w.idleSeconds === null ? null : hours(w.idleSeconds),
    windowHours: hours(spanSec),
    /** share of the window with samples, % (a gap is not idle time). */
    coveragePct: w.expectedSamples > 0 ? r1((100 * covered) / w.expectedSamples) : null,
  };
}

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const fleet = ctx.services.fleet;
  const inventory = ctx.session.inventoryHosts();
  const asked = input.host?.trim();
  const host =
    (asked
      ? (inventory.find((h) => h === asked) ?? inventory.find((h) => h.toLowerCase() === asked.toLowerCase()))
      : inventory.length === 1
        ? inventory[0]
        : undefined) ?? null;
  if (!host)
    throw new ToolFailure(
      asked
        ? `no GPU window for '${asked}': ${WINDOW_HOW}`
        : inventory.length > 1
          ? `several inventory hosts (${inventory.join(', ')}): pass one as \`host\``
          : `no GPU window: ${WINDOW_HOW}`,
    );
  if (!fleet?.window)
    throw new ToolFailure(`no GPU window for '${host}': this bot runs without an inventory`);
  const w = await fleet.window(host, input.window);
  const first = w.doc.gpus[0]?.window ?? null;
  const a = w.analysis;
  return {
    data: forModel(ctx, {
      host,
      window: first ? { label: first.label, from: first.from, to: first.to, stepSec: first.stepSec } : null,
      source: w.doc.source,
      gpus: w.doc.gpus.map(gpuLine),
      missingSeries: w.doc.missing,
      /** the host scored with the window (its last collection's facts, the window's utilisation). */
      score: a?.score ? { value: a.score.value, grade: a.score.grade } : null,
      findings: (a?.findings ?? []).map((f) => ({
        rule: f.rule,
        severity: f.severity,
        title: f.title,
        evidence: f.evidence.map((e) => e.text),
      })),
      analysed: a !== null,
    }),
  };
}

export type GetGpuWindowResult = Awaited<ReturnType<typeof run>>['data'];

export const getGpuWindow: ToolDef<z.infer<typeof Input>, GetGpuWindowResult> = {
  name: 'get_gpu_window',
  description:
    'What an inventory host\'s GPUs did over a time window, from Prometheus (dcgm-exporter): per GPU (and MIG instance) the mean and p95 of SM active, tensor and DRAM activity and utilisation (%), memory used (MiB), hours idle of the window\'s hours and the data coverage; then the host\'s score and findings computed with the window (idle GPUs, MIG candidates, input-starved jobs). Use for "were the GPUs busy yesterday", "this week", "idle overnight?", "어제 GPU 놀았어?". Quote hours and percentages as given.',
  input: Input,
  run,
};
