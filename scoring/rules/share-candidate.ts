/**
 * share-candidate: the mig-candidate waste on a GPU without MIG (L40S, L40, L4, RTX…): suggest a
 * time-sliced vGPU profile, Kubernetes time-slicing or MPS.
 *
 * vGPU frame-buffer sizes: the divisors of the card's memory in the NVIDIA vGPU type table (L40S:
 * 1/2/3/4/6/8/12/16/24/48 GB, domain facts §6, S51). Time-slicing does not split compute, so it fits
 * only when the compute need leaves room for a second tenant (≤ 50%).
 * Impact model `vgpu-capacity`: share of the card's memory freed = 1 − profile / card memory.
 *
 * With a window (scoring/window.ts) the need is read over it, as mig-candidate does: p95 of the framebuffer
 * used (unless declared) and p95 of SM active; the evidence says "p95 over the last 24 h".
 */
import { type Evidence, type Finding, round } from '../findings.ts';
import { josa } from '../korean.ts';
import { readings, windowNeed } from './readings.ts';
import { inferenceNeed, MEMORY_HEADROOM, needSource, wholeGpuInference } from './sharing.ts';
import type { Rule } from './types.ts';
import { basisName, hasSample, t, utilEvidence, windowEvidence, windowSource, windowSpan } from './util.ts';

const VGPU_SIZES_GB = [1, 2, 3, 4, 6, 8, 12, 16, 24, 48, 96];

export const shareCandidate: Rule = {
  id: 'share-candidate',
  summary: 'an inference workload holds a whole GPU without MIG but would fit a vGPU / time-slice',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const { w, g } of wholeGpuInference(ctx)) {
      const model = ctx.model(g);
      if (model?.migCapable) continue; // mig-candidate's case
      const totalMiB = readings(g).totalMiB;
      const cardGB = model?.memoryGiB ?? (totalMiB === null ? null : Math.round(totalMiB / 1024));
      if (cardGB === null) continue;
      const overWindow = windowNeed(w, g);
      const sampleNeed = overWindow ? null : inferenceNeed(ctx, w, g);
      const need = overWindow ?? sampleNeed;
      if (!need || need.compute > 0.5) continue;
      const size = VGPU_SIZES_GB.find(
        (s) => s <= cardGB / 2 && Math.round(cardGB) % s === 0 && s * MEMORY_HEADROOM >= need.memoryGiB,
      );
      if (size === undefined) continue;
      const freed = round(1 - size / cardGB, 2);
      const label = model?.label ?? g.name ?? 'GPU';
      const vgpuType = model?.vgpu ? `${(model.family ?? 'GPU').replace('-', ' ')}-${size}Q` : `${size} GB`;
      const span = overWindow ? windowSpan(overWindow.facts) : null;
      const p95 = span ? t(` (p95 over ${span.en})`, ` (${span.ko} p95)`) : t('', '');
      const needEvidence: Evidence = overWindow
        ? {
            source: overWindow.memorySource === 'declared' ? w.source.file : windowSource(ctx),
            text: `${w.name}: memory need ${round(need.memoryGiB, 2)} GiB (${overWindow.memorySource === 'declared' ? 'declared' : `framebuffer used p95 over ${span!.en}`}), compute ${round(need.compute * 100, 1)}% (${basisName(overWindow.computeSource).en} p95 over ${span!.en})`,
          }
        : {
            source: needSource(ctx, w, sampleNeed!),
            text: `${w.name}: memory need ${round(need.memoryGiB, 2)} GiB (${need.memorySource}), compute ${round(need.compute * 100, 1)}% (${need.computeSource})`,
          };
      out.push({
        rule: 'share-candidate',
        severity: 'warning',
        gpus: [g.index!],
        workloads: [w.name],
        title: t(
          `${w.name}: a whole ${label} for a job that fits a ${size} GB share`,
          `${w.name}: ${size} GB 공유로 충분한 작업이 ${label} 한 장을 통째로 사용`,
        ),
        detail: t(
          `${w.name} uses ${round(need.memoryGiB, 1)} GiB and ${round(need.compute * 100, 0)}% of GPU${g.index}${p95.en}. ${label} has no MIG, but a ${size} GB time-sliced vGPU (${vgpuType}), Kubernetes time-slicing or MPS would let ${Math.floor(cardGB / size)} such jobs share it.`,
          `${josa(w.name, '은')} GPU${g.index}의 메모리 ${round(need.memoryGiB, 1)} GiB와 연산 ${round(need.compute * 100, 0)}%만${p95.ko} 사용합니다. ${label}에는 MIG가 없지만 ${size} GB 시분할 vGPU(${vgpuType}), 쿠버네티스 time-slicing 또는 MPS로 이런 작업 ${Math.floor(cardGB / size)}개가 함께 쓸 수 있습니다.`,
        ),
        evidence: [
          ...(overWindow
            ? [
                windowEvidence(ctx, ctx.label(g), overWindow.facts, ['fb', 'active'], totalMiB),
                ...(hasSample(g) ? [utilEvidence(ctx, g)] : []),
              ]
            : [utilEvidence(ctx, g)]),
          needEvidence,
        ],
        impact: {
          model: 'vgpu-capacity',
          value: freed,
          unit: 'GPU',
          summary: t(
            `frees ${freed} of GPU${g.index}'s memory (${cardGB - size} of ${cardGB} GB) for other tenants`,
            `GPU${g.index} 메모리의 ${freed}(${cardGB} GB 중 ${cardGB - size} GB)를 다른 사용자에게 돌려줌`,
          ),
          figures: {
            memory_need_GiB: round(need.memoryGiB, 2),
            compute_need: round(need.compute, 3),
            share_GB: size,
            card_GB: cardGB,
            gpu_freed: freed,
            ...(overWindow ? { need_basis: 'p95', window: overWindow.facts.window.label } : {}),
          },
          sources: ['S51', 'S50', 'S49'],
        },
        recommendation: t(
          `Move ${w.name} to a ${vgpuType} vGPU (or a time-sliced share) and consolidate small inference jobs on one ${label}.`,
          `${josa(w.name, '을')} ${vgpuType} vGPU(또는 시분할 공유)로 옮기고 소형 추론 작업을 ${label} 한 장에 모으세요.`,
        ),
      });
    }
    return out;
  },
};
