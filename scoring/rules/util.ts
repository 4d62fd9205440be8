/** Small helpers shared by the rules: bilingual text, GPU lists, evidence lines (the sample's and the window's). */
import type { HostContext } from '../context.ts';
import { type Evidence, round, type Text } from '../findings.ts';
import type { Gpu, Workload } from '../snapshot.ts';
import { IDLE_SM, IDLE_UTIL_PCT } from '../window.ts';
import { readings, type WindowBasis, type WindowFacts, type WindowStat } from './readings.ts';

export const t = (en: string, ko: string): Text => ({ en, ko });

export function gpuList(ids: readonly number[]): string {
  return ids.map((i) => `GPU${i}`).join(', ');
}

export const gib = (mib: number) => Math.round((mib / 1024) * 10) / 10;

/** `file: affinity: 0-31` for a VM, or the workloads file entry. */
export function affinityEvidence(ctx: HostContext, w: Workload): Evidence {
  if (w.vm?.affinity) return { source: w.source.file, text: `affinity: ${w.vm.affinity}` };
  return {
    source: w.source.file,
    text: `${w.name}: cpus ${w.cpus ? ctx.cpuListText(w.cpus) : 'not pinned'}`,
  };
}

/**
 * Said after a NUMA node id that the inputs do not carry but that was derived from the GPUs' CPU-affinity
 * sets (HostContext.numaSource `cpu-affinity`: older drivers, `topo -m` without the NUMA column): the
 * grouping is certain, the id is inferred.
 */
export const DERIVED_NUMA: Text = t(' (derived from CPU affinity)', '(CPU 친화도로 추정)');

/** Whether the NUMA node of any of these GPUs was derived from CPU affinity (not read from the inputs). */
export function numaDerived(ctx: HostContext, gpus: readonly Gpu[]): boolean {
  return gpus.some((g) => ctx.numaSource(g) === 'cpu-affinity');
}

/** The GPU's row facts as topo -m / sysfs print them; a NUMA id derived from CPU affinity says so. */
export function gpuNumaEvidence(ctx: HostContext, g: Gpu): Evidence {
  const local = ctx.localCpus(g);
  const numa = ctx.numaOf(g);
  const src = ctx.snapshot.links.length > 0 ? ctx.sourceOf('topo-m') : ctx.sourceOf('sysfs-pci');
  const derived = numa !== null && ctx.numaSource(g) === 'cpu-affinity' ? DERIVED_NUMA.en : '';
  return {
    source: src,
    text: `${ctx.label(g)}: CPU Affinity ${local ? ctx.cpuListText(local) : 'unknown'}, NUMA Affinity ${numa ?? 'unknown'}${derived}`,
  };
}

export function linkEvidence(ctx: HostContext, a: number, b: number): Evidence | null {
  const l = ctx.link(a, b);
  if (!l) return null;
  return { source: ctx.sourceOf('topo-m'), text: `topo -m: GPU${a} ↔ GPU${b} = ${l.raw}` };
}

export function utilEvidence(ctx: HostContext, g: Gpu): Evidence {
  const u = g.utilization.gpuPct;
  const used = g.memory.usedMiB;
  const total = g.memory.totalMiB;
  // the values as read; a value out of range is named with what the rules use instead
  const { issues } = readings(g);
  return {
    source: gpuSource(ctx),
    text: `${[ctx.label(g), g.name].filter(Boolean).join(' ')}: utilization.gpu ${u ?? 'N/A'} %, memory ${used ?? 'N/A'} / ${total ?? 'N/A'} MiB${issues.length > 0 ? ` (out of range: ${issues.join('; ')})` : ''}`.replace(
      /\s+/g,
      ' ',
    ),
  };
}

/** The file(s) the GPU readings came from (the first GPU-data format present), for evidence lines. */
export function gpuSource(ctx: HostContext): string {
  return ctx.sourceOf(sourceFormatOf(ctx));
}

function sourceFormatOf(ctx: HostContext): string {
  for (const f of [
    'nvidia-smi-xml',
    'nvidia-smi-q',
    'nvidia-smi-table',
    'smi-csv',
    'dcgm-metrics',
    'sysfs-pci',
  ])
    if (ctx.snapshot.sources.some((s) => s.format === f)) return f;
  return 'nvidia-smi';
}

/** All unordered pairs of a list. */
export function pairs<T>(xs: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) out.push([xs[i]!, xs[j]!]);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Window evidence: every number is a field of the window (scoring/window.ts) or computed from them

/** An integer with thousands separators (`1,440`), as the window lines print counts and MiB. */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A percentage for text: one decimal, two below 1 % (`0.04 %` is not `0 %`). */
export const pctText = (x: number): number => (Math.abs(x) < 1 ? round(x, 2) : round(x, 1));

/** A length of time as the texts state it: its number, its unit, and both written out. */
export interface Duration {
  value: number;
  unit: 'hours' | 'minutes' | 'seconds';
  en: string;
  ko: string;
}

/**
 * A length of time for text: hours to 0.1 h from an hour up (`21 h` / `21시간`), else whole minutes
 * (`40 min` / `40분`), else seconds (`5 s` / `5초`): a short window is not "0 h".
 */
export function duration(seconds: number): Duration {
  if (seconds >= 3600) {
    const v = round(seconds / 3600, 1);
    return { value: v, unit: 'hours', en: `${v} h`, ko: `${v}시간` };
  }
  if (seconds >= 60) {
    const v = Math.round(seconds / 60);
    return { value: v, unit: 'minutes', en: `${v} min`, ko: `${v}분` };
  }
  const v = round(seconds, 1);
  return { value: v, unit: 'seconds', en: `${v} s`, ko: `${v}초` };
}

/** The format id of the window documents, for evidence sources. */
export const WINDOW_FORMAT = 'gpu-window';

export function windowSource(ctx: HostContext): string {
  return ctx.sourceOf(WINDOW_FORMAT);
}

/** A label that is a length back from now: `24h`, `7d`, `90 min`, `last 12 hours`, `최근 12시간`. */
const RELATIVE_LABEL = /^(?:last|past|최근)?\s*(\d+(?:\.\d+)?)\s*([a-z가-힣]{0,7})$/i;
/** How each unit of `duration` may be written in a label. */
const LABEL_UNITS: Record<Duration['unit'], readonly string[]> = {
  hours: ['h', 'hr', 'hrs', 'hour', 'hours', '시간'],
  minutes: ['m', 'min', 'mins', 'minute', 'minutes', '분'],
  seconds: ['s', 'sec', 'secs', 'second', 'seconds', '초'],
};

/**
 * The window in words: `the last 24 h` / `최근 24시간` (its length from `from`/`to`); a label that is a
 * length in another unit is added (`the last 168 h (7d)`), one that is not a length follows the length
 * (`24 h (yesterday)` / `yesterday(24시간)`, `24 h (어제)` / `어제(24시간)`).
 */
export function windowSpan(f: WindowFacts): Text {
  const d = duration(f.spanHours * 3600);
  const label = f.window.label.trim();
  const m = RELATIVE_LABEL.exec(label);
  if (label === '' || m) {
    const same =
      label === '' || (Number(m![1]) === d.value && LABEL_UNITS[d.unit].includes(m![2]!.toLowerCase()));
    return same
      ? t(`the last ${d.en}`, `최근 ${d.ko}`)
      : t(`the last ${d.en} (${label})`, `최근 ${d.ko}(${label})`);
  }
  return t(`${d.en} (${label})`, `${KO_LABEL[label.toLowerCase()] ?? label}(${d.ko})`);
}

/** The window words the sources write in English, as Korean readers say them. */
const KO_LABEL: Record<string, string> = {
  today: '오늘',
  yesterday: '어제',
  'this week': '이번 주',
  'last week': '지난주',
};

/**
 * `, data for 9 h of the 24` / `(데이터는 24시간 중 9시간만 있음)` when the window's coverage is low, else
 * empty (the unit after "of the" only when it differs: `, data for 40 min of the 2 h`).
 */
export function coverageText(f: WindowFacts): Text {
  if (!f.lowCoverage || f.coverage === null) return t('', '');
  const cov = duration(f.coverage.hours * 3600);
  const span = duration(f.spanHours * 3600);
  const of = cov.unit === span.unit ? String(span.value) : span.en;
  return t(`, data for ${cov.en} of the ${of}`, `(데이터는 ${span.ko} 중 ${cov.ko}만 있음)`);
}

/** `idle 21 h of the last 24 h` / `최근 24시간 중 21시간 유휴`, with the coverage when it is low. */
export function idlePhrase(f: WindowFacts): Text {
  const idle = duration(f.idle?.seconds ?? 0);
  const span = windowSpan(f);
  const cov = coverageText(f);
  return t(`idle ${idle.en} of ${span.en}${cov.en}`, `${span.ko} 중 ${idle.ko} 유휴${cov.ko}`);
}

const BASIS_NAME: Record<WindowBasis, string> = {
  sm_active: 'SM active',
  gpu_util: 'utilisation',
  gr_engine_active: 'graphics engine active',
};
const BASIS_KO: Record<WindowBasis, string> = {
  sm_active: 'SM 활성',
  gpu_util: '사용률',
  gr_engine_active: '그래픽 엔진 활성',
};

export const basisName = (b: WindowBasis): Text => t(BASIS_NAME[b], BASIS_KO[b]);

/**
 * `GPU3: idle 21 h of the last 24 h (SM active < 1 % in 1,260 of 1,440 samples; mean 0.4 %, p95 2.1 %)`:
 * the idle time, the idle threshold and samples, and the deciding series' mean and p95.
 */
export function idleEvidence(ctx: HostContext, label: string, f: WindowFacts): Evidence {
  const i = f.idle!;
  // the thresholds of scoring/window.ts: ratios (SM, graphics engine) below IDLE_SM, utilisation below IDLE_UTIL_PCT
  const below = i.basis === 'gpu_util' ? IDLE_UTIL_PCT : IDLE_SM * 100;
  return {
    source: windowSource(ctx),
    text: `${label}: ${idlePhrase(f).en} (${BASIS_NAME[i.basis]} < ${below} % in ${fmtInt(i.samples)} of ${fmtInt(i.of)} samples; mean ${pctText(i.meanPct)} %, p95 ${pctText(i.p95Pct)} %)`,
  };
}

/** The statistics a window line can state. */
export type WindowPart = 'util' | 'active' | 'fb' | 'dram' | 'pcieRx';

const pctStat = (name: string, s: WindowStat) =>
  `${name} mean ${pctText(s.mean)} % (p95 ${pctText(s.p95)} %)`;
const gbs = (bytes: number) => round(bytes / 1e9, 2);

/**
 * `GPU2: over the last 24 h: utilisation mean 34.2 % (p95 51 %), framebuffer used mean 90,112 MiB, p95
 * 91,004 MiB (of 143,771 MiB); 1,440 of 1,440 samples`: the parts asked for that the window has, its
 * samples, and its coverage when low.
 */
export function windowEvidence(
  ctx: HostContext,
  label: string,
  f: WindowFacts,
  parts: readonly WindowPart[],
  totalMiB: number | null = null,
): Evidence {
  const out: string[] = [];
  for (const p of parts) {
    if (p === 'util' && f.util && f.utilBasis) out.push(pctStat(BASIS_NAME[f.utilBasis], f.util));
    if (
      p === 'active' &&
      f.active &&
      f.activeBasis &&
      !(parts.includes('util') && f.activeBasis === f.utilBasis)
    )
      out.push(pctStat(BASIS_NAME[f.activeBasis], f.active));
    if (p === 'fb' && f.fb)
      out.push(
        `framebuffer used mean ${fmtInt(f.fb.mean)} MiB, p95 ${fmtInt(f.fb.p95)} MiB${totalMiB === null ? '' : ` (of ${fmtInt(totalMiB)} MiB)`}`,
      );
    if (p === 'dram' && f.dram) out.push(pctStat('DRAM active', f.dram));
    if (p === 'pcieRx' && f.pcieRx)
      out.push(`PCIe RX mean ${gbs(f.pcieRx.mean)} GB/s (p95 ${gbs(f.pcieRx.p95)} GB/s)`);
  }
  const samples = f.coverage
    ? `; ${fmtInt(f.coverage.samples)} of ${fmtInt(f.coverage.expected)} samples`
    : '';
  return {
    source: windowSource(ctx),
    text: `${label}: over ${windowSpan(f).en}: ${out.length > 0 ? out.join(', ') : 'no statistics'}${samples}${coverageText(f).en}`,
  };
}

/** Whether a GPU's sample says anything (utilisation or memory): its evidence line is shown beside the window's. */
export function hasSample(g: Gpu): boolean {
  return g.utilization.gpuPct !== null || g.memory.usedMiB !== null;
}
