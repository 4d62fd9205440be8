/**
 * memory-pressure: VRAM near full (OOM risk): ≥ 95% used is a warning, ≥ 98% critical.
 * Impact model `vram-headroom`: MiB left.
 */
import { type Finding, round } from '../findings.ts';
import { josa } from '../korean.ts';
import { readings } from './readings.ts';
import type { Rule } from './types.ts';
import { t, utilEvidence } from './util.ts';

export const PRESSURE_WARN = 0.95;
export const PRESSURE_CRIT = 0.98;

export const memoryPressure: Rule = {
  id: 'memory-pressure',
  summary: 'VRAM near full (OOM risk)',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const g of ctx.snapshot.gpus) {
      // range-checked: used above total is taken as total (the evidence line says so)
      const { usedMiB, totalMiB } = readings(g);
      if (g.index === null || usedMiB === null || totalMiB === null) continue;
      const share = usedMiB / totalMiB;
      if (share < PRESSURE_WARN) continue;
      const left = totalMiB - usedMiB;
      const names = ctx.workloadsOf(g.index).map((w) => w.name);
      out.push({
        rule: 'memory-pressure',
        severity: share >= PRESSURE_CRIT ? 'critical' : 'warning',
        gpus: [g.index],
        workloads: names,
        title: t(
          `GPU${g.index} memory ${round(share * 100, 1)}% full`,
          `GPU${g.index} 메모리 ${round(share * 100, 1)}% 사용 (가득 참)`,
        ),
        detail: t(
          `Only ${left} MiB of ${totalMiB} MiB are free on GPU${g.index}: a larger batch, a longer sequence or memory fragmentation will end in an out-of-memory error.`,
          `GPU${g.index}에 ${totalMiB} MiB 중 ${left} MiB만 남았습니다. 배치나 시퀀스가 커지거나 메모리 단편화가 생기면 메모리 부족 오류로 중단됩니다.`,
        ),
        evidence: [utilEvidence(ctx, g)],
        impact: {
          model: 'vram-headroom',
          value: left,
          unit: 'MiB',
          summary: t(
            `${left} MiB headroom (${round((1 - share) * 100, 1)}%)`,
            `여유 메모리 ${left} MiB (${round((1 - share) * 100, 1)}%)`,
          ),
          figures: { used_MiB: usedMiB, total_MiB: totalMiB, used_share: round(share, 4) },
          sources: [],
        },
        recommendation: t(
          `Check whether ${names.join(', ') || 'the job'} preallocates memory on purpose (e.g. vLLM gpu_memory_utilization); otherwise reduce the batch size, enable activation checkpointing, or spread it over more GPUs.`,
          `${josa(names.join(', ') || '해당 작업', '이')} 의도적으로 메모리를 미리 잡는지 확인하세요 (예: vLLM gpu_memory_utilization). 아니라면 배치 크기를 줄이거나 activation checkpointing을 켜거나 GPU를 늘리세요.`,
        ),
      });
    }
    return out;
  },
};
