/**
 * mig-candidate: an inference workload holds a whole MIG-capable GPU and would fit a MIG profile of that
 * exact model (profile table: scoring/gpu-models.ts, or the GPU's own `mig -lgip` when captured).
 * Never fires on GPUs without MIG (L40S, L40, L4, RTX…): see share-candidate.
 *
 * Impact model `mig-capacity`: share of the GPU freed = 1 − profile compute slices / all slices.
 *
 * With a window (scoring/window.ts) the need is read over it (readings.ts `windowNeed`): the p95 of the
 * framebuffer used (unless a need is declared) and the p95 of SM active — a day's near-peak, so a job
 * that fits only between its bursts is not squeezed into a slice; the evidence says "p95 over the last 24 h".
 */
import { type Evidence, type Finding, round } from '../findings.ts';
import { josa } from '../korean.ts';
import { readings, windowNeed } from './readings.ts';
import { inferenceNeed, MEMORY_HEADROOM, needSource, wholeGpuInference } from './sharing.ts';
import type { Rule } from './types.ts';
import {
  basisName,
  gib,
  hasSample,
  t,
  utilEvidence,
  windowEvidence,
  windowSource,
  windowSpan,
} from './util.ts';

export const migCandidate: Rule = {
  id: 'mig-candidate',
  summary: 'an inference workload holds a whole MIG-capable GPU but would fit a MIG profile',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const { w, g } of wholeGpuInference(ctx)) {
      const model = ctx.model(g);
      if (!model?.migCapable || model.migProfiles.length === 0) continue;
      const overWindow = windowNeed(w, g);
      const sampleNeed = overWindow ? null : inferenceNeed(ctx, w, g);
      const need = overWindow ?? sampleNeed;
      if (!need) continue;
      const slices = Math.max(...model.migProfiles.map((p) => p.compute));
      const usable = (name: string, nominal: number) =>
        g.mig.profiles?.find((p) => p.name === name)?.memoryGiB ?? nominal * MEMORY_HEADROOM;
      const fit = model.migProfiles.find(
        (p) =>
          p.compute < slices &&
          usable(p.name, p.memoryGiB) >= need.memoryGiB &&
          p.compute / slices >= need.compute,
      );
      if (!fit) continue;
      const freed = round(1 - fit.compute / slices, 2);
      const usedMiB = readings(g).usedMiB;
      const memTxt = `${round(need.memoryGiB, 1)} GiB`;
      // over a window: "(p95 over the last 24 h)" after the figures, the window's line in the evidence
      const span = overWindow ? windowSpan(overWindow.facts) : null;
      const p95 = span ? t(` (p95 over ${span.en})`, ` (${span.ko} p95)`) : t('', '');
      const needEvidence: Evidence = overWindow
        ? {
            source: overWindow.memorySource === 'declared' ? w.source.file : windowSource(ctx),
            text: `${w.name}: memory need ${memTxt} (${overWindow.memorySource === 'declared' ? 'declared' : `framebuffer used p95 over ${span!.en}`}), compute ${round(need.compute * 100, 1)}% (${basisName(overWindow.computeSource).en} p95 over ${span!.en})`,
          }
        : {
            source: needSource(ctx, w, sampleNeed!),
            text: `${w.name}: memory need ${memTxt} (${need.memorySource}), compute ${round(need.compute * 100, 1)}% (${need.computeSource})`,
          };
      out.push({
        rule: 'mig-candidate',
        severity: 'warning',
        gpus: [g.index!],
        workloads: [w.name],
        title: t(
          `${w.name}: a whole ${model.label} for a job that fits MIG ${fit.name}`,
          `${w.name}: MIG ${josa(fit.name, '로')} 충분한 작업이 ${model.label} 한 장을 통째로 사용`,
        ),
        detail: t(
          `${w.name} uses ${memTxt} of memory and ${round(need.compute * 100, 0)}% of GPU${g.index}'s compute${p95.en}, but holds the whole ${round(model.memoryGiB, 0)} GB GPU. The smallest MIG profile that fits is ${fit.name} (${fit.compute}/${slices} of the compute, ${fit.memoryGiB} GB).`,
          `${josa(w.name, '은')} 메모리 ${josa(memTxt, '과')} GPU${g.index} 연산의 ${round(need.compute * 100, 0)}%만${p95.ko} 쓰면서 ${round(model.memoryGiB, 0)} GB GPU 전체를 점유합니다. 들어맞는 가장 작은 MIG 프로파일은 ${fit.name}입니다 (연산 ${fit.compute}/${slices}, ${fit.memoryGiB} GB).`,
        ),
        evidence: [
          ...(overWindow
            ? [
                windowEvidence(ctx, ctx.label(g), overWindow.facts, ['fb', 'active'], readings(g).totalMiB),
                ...(hasSample(g) ? [utilEvidence(ctx, g)] : []),
              ]
            : [utilEvidence(ctx, g)]),
          needEvidence,
          {
            source: 'scoring/gpu-models.ts',
            text: `${model.label} MIG ${fit.name}: ${fit.compute}/${slices} compute slices, ${fit.memoryGiB} GB, profile id ${fit.id}`,
          },
        ],
        impact: {
          model: 'mig-capacity',
          value: freed,
          unit: 'GPU',
          summary: t(
            `frees ${freed} of GPU${g.index} (${slices - fit.compute} of ${slices} compute slices) for other work`,
            `GPU${g.index}의 ${freed}장 분량(연산 슬라이스 ${slices}개 중 ${slices - fit.compute}개)을 다른 작업에 돌려줌`,
          ),
          figures: {
            memory_need_GiB: round(need.memoryGiB, 2),
            compute_need: round(need.compute, 3),
            profile: fit.name,
            profile_memory_GB: fit.memoryGiB,
            profile_compute_slices: fit.compute,
            gpu_compute_slices: slices,
            gpu_memory_GiB_used: usedMiB === null ? 'unknown' : gib(usedMiB),
            freed_compute_slices: slices - fit.compute,
            gpu_freed: freed,
            ...(overWindow ? { need_basis: 'p95', window: overWindow.facts.window.label } : {}),
          },
          sources: ['S13', 'S15', 'S17'],
        },
        recommendation: t(
          `Enable MIG on GPU${g.index} and give ${w.name} a ${fit.name} instance (MIG-backed vGPU or a MIG device); pack other small inference jobs into the remaining slices.`,
          `GPU${g.index}에 MIG를 켜고 ${w.name}에 ${fit.name} 인스턴스를 할당하세요 (MIG 기반 vGPU 또는 MIG 디바이스). 남은 슬라이스에 다른 소형 추론 작업을 모으세요.`,
        ),
      });
    }
    return out;
  },
};
