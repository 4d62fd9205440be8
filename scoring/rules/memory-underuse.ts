/**
 * memory-underuse: a large GPU (≥ 40 GiB) holding a small training or other job (< 25% of its VRAM).
 * Inference jobs are left to mig-candidate / share-candidate. Impact model `vram-idle`: GiB unused.
 *
 * With a window (scoring/window.ts) the memory is the p95 of the framebuffer used over it — the job's
 * near-peak over a day, so a job that fills the GPU now and then is not told it would fit a smaller one —
 * and a GPU idle over the window (gpu-idle's WINDOW_IDLE_SHARE) is left to gpu-idle.
 */
import { type Finding, round, type Text } from '../findings.ts';
import { josa } from '../korean.ts';
import { clampMemory, idleOverWindow, readings, windowFacts } from './readings.ts';
import type { Rule } from './types.ts';
import { gib, hasSample, t, utilEvidence, windowEvidence, windowSpan } from './util.ts';

export const LARGE_GPU_GIB = 40;
export const UNDERUSE_SHARE = 0.25;

export const memoryUnderuse: Rule = {
  id: 'memory-underuse',
  summary: 'a large GPU holding a small (non-inference) job',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const g of ctx.snapshot.gpus) {
      const sample = readings(g);
      const { totalMiB } = sample;
      let { usedMiB } = sample;
      // over a window: the p95 of the framebuffer used, and the window says whether the GPU is idle
      const over = windowFacts(g.window);
      const fbP95 = over?.fb?.p95 ?? null;
      if (fbP95 !== null) usedMiB = clampMemory(fbP95, totalMiB, []).usedMiB;
      if (g.index === null || usedMiB === null || totalMiB === null || totalMiB < LARGE_GPU_GIB * 1024)
        continue;
      const ws = ctx.workloadsOf(g.index);
      if (ws.length === 0 || ws.some((w) => w.kind === 'inference')) continue;
      const share = usedMiB / totalMiB;
      if (share >= UNDERUSE_SHARE) continue;
      // idle GPUs are gpu-idle's
      const idleOver = idleOverWindow(over);
      if (idleOver === true || (idleOver === null && (over?.util?.mean ?? sample.util ?? 0) < 3)) continue;
      const idle = round(gib(totalMiB - usedMiB), 1);
      const names = ws.map((w) => w.name);
      const span = over && fbP95 !== null ? windowSpan(over) : null;
      const p95: Text = span ? t(` (p95 over ${span.en})`, `(${span.ko} p95)`) : t('', '');
      out.push({
        rule: 'memory-underuse',
        severity: 'info',
        gpus: [g.index],
        workloads: names,
        title: t(
          `${names.join(', ')} uses ${round(share * 100, 0)}% of GPU${g.index}'s memory${p95.en}`,
          `${josa(names.join(', '), '이')} GPU${g.index} 메모리의 ${round(share * 100, 0)}%만 사용${p95.ko}`,
        ),
        detail: t(
          `GPU${g.index} has ${gib(totalMiB)} GiB but ${names.join(', ')} keeps only ${gib(usedMiB)} GiB in it${p95.en}: the job would run on a smaller GPU, or could use a larger batch here.`,
          `${josa(`GPU${g.index}`, '은')} ${gib(totalMiB)} GiB인데 ${josa(names.join(', '), '은')} ${gib(usedMiB)} GiB만 씁니다${p95.ko}. 더 작은 GPU로 충분하거나, 여기서는 배치를 키울 수 있습니다.`,
        ),
        evidence: over
          ? [
              windowEvidence(ctx, ctx.label(g), over, ['fb', 'util'], totalMiB),
              ...(hasSample(g) ? [utilEvidence(ctx, g)] : []),
            ]
          : [utilEvidence(ctx, g)],
        impact: {
          model: 'vram-idle',
          value: idle,
          unit: 'GiB',
          summary: t(`${idle} GiB of VRAM unused`, `VRAM ${idle} GiB 미사용`),
          figures: {
            used_MiB: fbP95 !== null ? round(usedMiB, 0) : usedMiB,
            total_MiB: totalMiB,
            used_share: round(share, 3),
            ...(over && fbP95 !== null ? { used_basis: 'p95', window: over.window.label } : {}),
          },
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
