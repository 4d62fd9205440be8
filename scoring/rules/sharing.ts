/**
 * Shared model for mig-candidate and share-candidate: how much of a whole GPU a small inference workload
 * needs. Memory need = the declared `memoryGiB`, else the memory its processes (or the GPU) use; compute
 * need = utilisation (DCGM SM-active when present: utilization.gpu overstates use, domain facts §8).
 * A profile fits when the need stays within its usable memory — the GiB `mig -lgip` reports for it when
 * captured, else 90% of the nominal size (headroom for the CUDA context and fragmentation) — and its
 * compute share covers the compute need (rule of thumb, domain facts §6).
 */
import type { HostContext } from '../context.ts';
import type { Gpu, Workload } from '../snapshot.ts';
import { readings, smActiveOf } from './readings.ts';
import { gpuSource } from './util.ts';

export const MEMORY_HEADROOM = 0.9;

export interface Need {
  memoryGiB: number;
  memorySource: 'declared' | 'processes' | 'gpu';
  /** 0–1 share of the GPU's compute. */
  compute: number;
  computeSource: 'sm_active' | 'utilization.gpu';
}

export function inferenceNeed(ctx: HostContext, w: Workload, g: Gpu): Need | null {
  let memoryGiB: number | null = null;
  let memorySource: Need['memorySource'] = 'declared';
  if (w.memoryGiB !== null) memoryGiB = w.memoryGiB;
  else {
    const procs = ctx.snapshot.processes.filter(
      (p) => p.gpuIndex === g.index && p.usedMemoryMiB !== null && p.usedMemoryMiB >= 0,
    );
    const used = readings(g).usedMiB;
    if (procs.length > 0) {
      memoryGiB = procs.reduce((a, p) => a + p.usedMemoryMiB!, 0) / 1024;
      memorySource = 'processes';
    } else if (used !== null) {
      memoryGiB = used / 1024;
      memorySource = 'gpu';
    }
  }
  // range-checked (scoring/rules/readings.ts): utilisation in [0, 100] %, SM-active in [0, 1]
  const sm = smActiveOf(g);
  const util = readings(g).util;
  if (memoryGiB === null || (sm === null && util === null)) return null;
  return {
    memoryGiB,
    memorySource,
    compute: sm !== null ? sm : util! / 100,
    computeSource: sm !== null ? 'sm_active' : 'utilization.gpu',
  };
}

/** Single-GPU inference workloads holding a whole GPU (not a MIG instance or vGPU slice). */
export function wholeGpuInference(ctx: HostContext): { w: Workload; g: Gpu }[] {
  const out: { w: Workload; g: Gpu }[] = [];
  for (const w of ctx.snapshot.workloads) {
    if (w.kind !== 'inference' || w.gpus.length !== 1) continue;
    if (w.vm?.hostpci.some((h) => h.mdev !== null)) continue; // already a vGPU slice
    const g = ctx.gpu(w.gpus[0]!);
    if (!g || g.mig.mode === 'enabled') continue;
    // another workload on the same GPU means it is already shared
    if (ctx.workloadsOf(g.index!).length > 1) continue;
    out.push({ w, g });
  }
  return out;
}

/** Where the memory need was read: the workload's own file when declared, else the GPU readings. */
export function needSource(ctx: HostContext, w: Workload, need: Need): string {
  return need.memorySource === 'declared' ? w.source.file : gpuSource(ctx);
}
