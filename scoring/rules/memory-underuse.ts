/**
 * memory-underuse: a large GPU (≥ 40 GiB) holding a small training or other job (< 25% of its VRAM).
 * Inference jobs are left to mig-candidate / share-candidate. Impact model `vram-idle`: GiB unused.
 */
import { type Finding, round } from '../findings.ts';
import { josa } from '../korean.ts';
import { readings } from './readings.ts';
import type { Rule } from './types.ts';
import { gib, t, utilEvidence } from './util.ts';

export const LARGE_GPU_GIB = 40;
export const UNDERUSE_SHARE = 0.25;

export const memoryUnderuse: Rule = {
  id: 'memory-underuse',
  summary: 'a large GPU holding a small (non-inference) job',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const g of ctx.snapshot.gpus) {
      const { usedMiB, totalMiB, util } = readings(g);
      if (g.index === null || usedMiB === null || totalMiB === null || totalMiB < LARGE_GPU_GIB * 1024)
        continue;
      const ws = ctx.workloadsOf(g.index);
      if (ws.length === 0 || ws.some((w) => w.kind === 'inference')) continue;
      const share = usedMiB / totalMiB;
      if (share >= UNDERUSE_SHARE || (util ?? 0) < 3) continue; // idle GPUs are gpu-idle's
      const idle = round(gib(totalMiB - usedMiB), 1);
      const names = ws.map((w) => w.name);
      out.push({
        rule: 'memory-underuse',
        severity: 'info',
        gpus: [g.index],
        workloads: names,
        title: t(
          `${names.join(', ')} uses ${round(share * 100, 0)}% of GPU${g.index}'s memory`,
          `${josa(names.join(', '), '이')} GPU${g.index} 메모리의 ${round(share * 100, 0)}%만 사용`,
        ),
        detail: t(
          `GPU${g.index} has ${gib(totalMiB)} GiB but ${names.join(', ')} keeps only ${gib(usedMiB)} GiB in it: the job would run on a smaller GPU, or could use a larger batch here.`,
          `${josa(`GPU${g.index}`, '은')} ${gib(totalMiB)} GiB인데 ${josa(names.join(', '), '은')} ${gib(usedMiB)} GiB만 씁니다. 더 작은 GPU로 충분하거나, 여기서는 배치를 키울 수 있습니다.`,
        ),
        evidence: [utilEvidence(ctx, g)],
        impact: {
          model: 'vram-idle',
          value: idle,
          unit: 'GiB',
          summary: t(`${idle} GiB of VRAM unused`, `VRAM ${idle} GiB 미사용`),
          figures: { used_MiB: usedMiB, total_MiB: totalMiB, used_share: round(share, 3) },
          sources: [],
        },
        recommendation: t(
          `Raise the batch size (fewer steps, better utilisation) or move ${names.join(', ')} to a smaller GPU and free this one.`,
          `배치 크기를 키우거나(스텝 감소, 활용률 향상) ${josa(names.join(', '), '을')} 더 작은 GPU로 옮겨 이 GPU를 비우세요.`,
        ),
      });
    }
    return out;
  },
};
