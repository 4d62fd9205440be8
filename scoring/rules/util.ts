/** Small helpers shared by the rules: bilingual text, GPU lists, evidence lines. */
import type { HostContext } from '../context.ts';
import type { Evidence, Text } from '../findings.ts';
import type { Gpu, Workload } from '../snapshot.ts';
import { readings } from './readings.ts';

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
