/**
 * `infralens-gpu-window`: what each GPU did over a time window (a day, a week) — mean, p95, max and idle
 * time of its dcgm-exporter series — as a JSON document (WindowDocument, scoring/window.ts). The Prometheus
 * source (tools/sources/prometheus.ts) writes it; a user may upload one. Validated with zod: a document
 * that is not one is an InputError naming the field (`gpus[2].window.stepSec: …`).
 *
 * Each entry becomes a GpuPatch keyed by its UUID, as the dcgm-metrics parser keys its GPUs, so the merge
 * attaches the window to the GPU the other inputs know by that UUID — or keeps it as a GPU of its own when
 * none does. An entry of a MIG GPU instance (`migInstance`) attaches to the MigDevice with that GPU_I_ID
 * (`gi`) of its GPU. The document's `host` names the host, as the `Hostname` label of a scrape does.
 *
 * Values the schema allows but that cannot be (a ratio above 1, a p95 above the max, more idle time than
 * the window) make that statistic unknown, with a warning; the document's `missing` series are named in a
 * warning too. Linear in the document.
 */
import { emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { type GpuWindow, type SeriesStats, WindowDocument, type WindowGpu } from '../../scoring/window.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch } from '../ingest/fragment.ts';
import { head } from './text.ts';
import type { Parser } from './types.ts';

export const WINDOW_KIND = 'infralens-gpu-window';

/** How deep the document may nest: it needs 5 (document → gpus → entry → window → statistics). */
const MAX_DEPTH = 16;

/** The statistics a window carries, with the range their values must be in (the units of scoring/window.ts). */
const SERIES: readonly { key: keyof GpuWindow; min: number; max: number }[] = [
  { key: 'smActive', min: 0, max: 1 },
  { key: 'tensorActive', min: 0, max: 1 },
  { key: 'dramActive', min: 0, max: 1 },
  { key: 'util', min: 0, max: 100 },
  { key: 'grEngineActive', min: 0, max: 1 },
  { key: 'fbUsedMiB', min: 0, max: 1 << 20 },
  { key: 'fbFreeMiB', min: 0, max: 1 << 20 },
  { key: 'pcieTxBytesPerSec', min: 0, max: 1e13 },
  { key: 'pcieRxBytesPerSec', min: 0, max: 1e13 },
  { key: 'nvlinkBytesPerSec', min: 0, max: 1e13 },
];

/** Float slack for the order checks (a mean computed in another language may differ in the last bits). */
const EPS = 1e-9;

/** Nesting depth of a JSON text (brackets outside strings), stopping past `limit`. Linear. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** `gpus[2].window.stepSec` from a zod issue path. */
function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? 'the document' : out;
}

const clip = (s: string, n = 60) => (s.length <= n ? s : `${s.slice(0, n)}…`);

/** A statistic that cannot be (out of its range, or its mean/p95 outside min–max): why, else null. */
function badStats(s: SeriesStats, min: number, max: number): string | null {
  for (const [name, v] of [
    ['mean', s.mean],
    ['p95', s.p95],
    ['max', s.max],
    ['min', s.min],
  ] as const)
    if (v < min || v > max) return `${name} ${v} is outside ${min}–${max}`;
  const tol = EPS * Math.max(1, Math.abs(s.max));
  if (s.min > s.max + tol) return `min ${s.min} is above max ${s.max}`;
  if (s.mean < s.min - tol || s.mean > s.max + tol) return `mean ${s.mean} is outside min–max`;
  if (s.p95 < s.min - tol || s.p95 > s.max + tol) return `p95 ${s.p95} is outside min–max`;
  return null;
}

/**
 * The entry's window with impossible statistics made unknown (each with a warning naming the field); the
 * bounds and step must be sound or the document is rejected.
 */
function checkedWindow(w: GpuWindow, at: string, warnings: string[]): GpuWindow {
  const from = Date.parse(w.from);
  const to = Date.parse(w.to);
  if (!Number.isFinite(from))
    throw new InputError(
      'INPUT_MALFORMED',
      `${WINDOW_KIND}: ${at}.from "${clip(w.from)}" is not a date (ISO 8601)`,
    );
  if (!Number.isFinite(to))
    throw new InputError(
      'INPUT_MALFORMED',
      `${WINDOW_KIND}: ${at}.to "${clip(w.to)}" is not a date (ISO 8601)`,
    );
  if (to <= from)
    throw new InputError('INPUT_MALFORMED', `${WINDOW_KIND}: ${at}.to ${w.to} is not after from ${w.from}`);
  const out: GpuWindow = { ...w };
  for (const { key, min, max } of SERIES) {
    const s = w[key] as SeriesStats | null;
    if (s === null) continue;
    const why = badStats(s, min, max);
    if (why !== null) {
      warnings.push(`${at}.${key}: ${why}: left unknown`);
      (out as Record<string, unknown>)[key] = null;
    }
  }
  const spanSec = (to - from) / 1000;
  if (out.idleSeconds !== null && out.idleSeconds > spanSec + w.stepSec) {
    warnings.push(
      `${at}.idleSeconds: ${out.idleSeconds} is longer than the window (${spanSec} s): left unknown`,
    );
    out.idleSeconds = null;
    out.idleBasis = null;
  }
  // idleness without the series that decided it cannot be stated as "n of m samples"
  if (out.idleSeconds !== null && out.idleBasis === null) {
    warnings.push(`${at}.idleSeconds: no idleBasis says which series decided it: left unknown`);
    out.idleSeconds = null;
  }
  const basis =
    out.idleBasis === 'sm_active'
      ? out.smActive
      : out.idleBasis === 'gpu_util'
        ? out.util
        : out.idleBasis === 'gr_engine_active'
          ? out.grEngineActive
          : null;
  if (out.idleBasis !== null && basis === null) {
    warnings.push(
      `${at}.idleBasis: ${out.idleBasis} has no statistics in this window: idle time left unknown`,
    );
    out.idleSeconds = null;
    out.idleBasis = null;
  }
  return out;
}

interface Slot {
  patch: GpuPatch;
  /** the entry index that set the whole-GPU window, for duplicate warnings. */
  wholeAt: number | null;
  devices: Map<number, MigDevice>;
}

export const gpuWindowParser: Parser = {
  id: 'gpu-window',
  title: 'infralens-gpu-window document (a window of dcgm-exporter series from Prometheus)',

  detect(text: string): number {
    try {
      const h = head(text, 65536);
      if (!/^\s*\{/.test(h)) return 0;
      return /"kind"\s*:\s*"infralens-gpu-window"/.test(h) ? 0.99 : 0;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', `${WINDOW_KIND} document is empty`);
    if (text.includes('\u0000'))
      throw new InputError('INPUT_BINARY', `${WINDOW_KIND} document contains binary data`);
    if (jsonDepth(text, MAX_DEPTH) > MAX_DEPTH)
      throw new InputError(
        'INPUT_MALFORMED',
        `${WINDOW_KIND} document is nested more than ${MAX_DEPTH} levels deep; the format needs 5`,
      );
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new InputError(
        'INPUT_MALFORMED',
        `${WINDOW_KIND} document is not valid JSON: ${clip((e as Error).message, 120)}`,
      );
    }
    const parsed = WindowDocument.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues;
      const first = issues[0]!;
      const field = fieldOf(first.path);
      const version = (raw as { version?: unknown } | null)?.version;
      const why =
        field === 'version'
          ? `version ${clip(JSON.stringify(version) ?? 'missing')} is not one this InfraLens reads (1)`
          : `${field}: ${first.message}`;
      throw new InputError(
        'INPUT_MALFORMED',
        `${WINDOW_KIND} document: ${why}${issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : ''}`,
      );
    }
    const doc = parsed.data;
    const warnings: string[] = [];
    const slots = new Map<string, Slot>();
    const order: Slot[] = [];

    doc.gpus.forEach((entry: WindowGpu, i) => {
      const at = `gpus[${i}]`;
      const window = checkedWindow(entry.window, `${at}.window`, warnings);
      const migUuid = entry.uuid.startsWith('MIG-') ? entry.uuid : null;
      // the GPU an entry belongs to: its UUID; a MIG-… UUID names an instance, whose GPU only the index gives
      let key: string;
      if (migUuid === null) key = `uuid:${entry.uuid}`;
      else if (entry.index !== null) key = `index:${entry.index}`;
      else {
        warnings.push(`${at}: ${entry.uuid} is a MIG instance with no GPU index: its window is not used`);
        return;
      }
      let slot = slots.get(key);
      if (slot === undefined) {
        const patch: GpuPatch = migUuid === null ? { uuid: entry.uuid } : {};
        if (entry.index !== null) patch.index = entry.index;
        slot = { patch, wholeAt: null, devices: new Map() };
        slots.set(key, slot);
        order.push(slot);
      } else if (entry.index !== null && slot.patch.index === undefined) slot.patch.index = entry.index;

      if (entry.migInstance === null && migUuid === null) {
        if (slot.wholeAt !== null) {
          warnings.push(
            `${at}: ${entry.uuid} already has a window (gpus[${slot.wholeAt}]): this one is not used`,
          );
          return;
        }
        slot.wholeAt = i;
        slot.patch.window = window;
        return;
      }
      if (entry.migInstance === null) {
        warnings.push(
          `${at}: ${entry.uuid} is a MIG instance without migInstance (GPU_I_ID): its window is not used`,
        );
        return;
      }
      const gi = entry.migInstance.id;
      if (slot.devices.has(gi)) {
        warnings.push(
          `${at}: MIG instance ${gi} of ${entry.uuid} already has a window: this one is not used`,
        );
        return;
      }
      const d = emptyMigDevice();
      d.gi = gi;
      d.profile = entry.migInstance.profile;
      d.uuid = migUuid;
      d.window = window;
      slot.devices.set(gi, d);
    });

    if (order.length === 0 && doc.gpus.length > 0)
      throw new InputError(
        'INPUT_MALFORMED',
        `${WINDOW_KIND} document: no entry names a GPU it can be matched to`,
      );
    for (const s of order)
      if (s.devices.size > 0)
        s.patch.mig = { devices: [...s.devices.values()].sort((a, b) => (a.gi ?? 0) - (b.gi ?? 0)) };
    if (doc.missing.length > 0)
      warnings.push(`series with no sample in the window: ${doc.missing.join(', ')}`);
    if (doc.gpus.length === 0) warnings.push('the window document lists no GPU');

    const fragment: Fragment = { format: 'gpu-window', host: doc.host };
    fragment.gpus = order
      .map((s) => s.patch)
      .sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
    if (warnings.length > 0) fragment.warnings = warnings;
    return fragment;
  },
};
