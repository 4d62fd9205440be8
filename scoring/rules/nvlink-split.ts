/**
 * nvlink-split: a distributed workload has a GPU pair without NVLink on a host that has NVLink.
 *
 * Impact model `ring-allreduce` (S28): t = 2(n−1)/n × S / B with B the bottleneck link of the best ring
 * through the job's GPUs, against the best ring any n GPUs of this host could form. S = 1 GB of
 * gradients (a reference size: the ratio does not depend on it).
 */
import { type Finding, round } from '../findings.ts';
import { ringAllReduceMs } from '../interconnect.ts';
import { josa } from '../korean.ts';
import type { Rule } from './types.ts';
import { gpuList, linkEvidence, pairs, t } from './util.ts';

export const REFERENCE_GRADIENT_GB = 1;

export function ringImpact(
  n: number,
  actualGBs: number,
  bestGBs: number,
  bestLabel: { en: string; ko: string },
): Finding['impact'] {
  const actualMs = round(ringAllReduceMs(n, REFERENCE_GRADIENT_GB, actualGBs), 1);
  const bestMs = round(ringAllReduceMs(n, REFERENCE_GRADIENT_GB, bestGBs), 1);
  const factor = round(actualMs / bestMs, 1);
  return {
    model: 'ring-allreduce',
    value: factor,
    unit: '×',
    summary: {
      en: `an all-reduce of ${REFERENCE_GRADIENT_GB} GB over ${n} GPUs takes ${actualMs} ms instead of ${bestMs} ms ${bestLabel.en} (${factor}× slower)`,
      ko: `GPU ${n}개 간 ${REFERENCE_GRADIENT_GB} GB all-reduce가 ${bestLabel.ko} ${bestMs} ms 대신 ${actualMs} ms 소요 (${factor}배 느림)`,
    },
    figures: {
      gpus: n,
      gradient_GB: REFERENCE_GRADIENT_GB,
      bottleneck_GBs: round(actualGBs, 1),
      best_GBs: round(bestGBs, 1),
      allreduce_ms: actualMs,
      best_allreduce_ms: bestMs,
      slowdown: factor,
    },
    sources: ['S28', 'S25', 'S33'],
  };
}

export const nvlinkSplit: Rule = {
  id: 'nvlink-split',
  summary: 'a distributed workload has a GPU pair without NVLink on a host that has NVLink',
  evaluate(ctx) {
    if (!ctx.hasNvlink) return [];
    const out: Finding[] = [];
    for (const w of ctx.snapshot.workloads) {
      if (!w.distributed || w.gpus.length < 2) continue;
      const broken = pairs(w.gpus).filter(([a, b]) => {
        const l = ctx.link(a, b);
        return l !== undefined && l.kind !== 'NV';
      });
      if (broken.length === 0) continue;
      const actual = ctx.ringGBs(w.gpus);
      const best = ctx.bestRingGBsFor(w.gpus.length);
      const impact =
        actual !== null && best !== null && best > actual
          ? ringImpact(w.gpus.length, actual, best, {
              en: 'inside one NVLink group',
              ko: '하나의 NVLink 그룹 안에서는',
            })
          : null;
      const gpus = [...new Set(broken.flat())].sort((a, b) => a - b);
      const cells = broken.map(([a, b]) => `GPU${a}–GPU${b} ${ctx.link(a, b)!.raw}`).join(', ');
      out.push({
        rule: 'nvlink-split',
        severity: impact && impact.value >= 4 ? 'critical' : 'warning',
        gpus,
        workloads: [w.name],
        title: t(
          `${w.name}: distributed job split across NVLink groups`,
          `${w.name}: 분산 학습이 NVLink 그룹을 가로질러 배치됨`,
        ),
        detail: t(
          `${w.name} trains on ${gpuList(w.gpus)}, but ${cells} ${broken.length > 1 ? 'are' : 'is'} not NVLink. Gradient exchange runs at the speed of the slowest hop in the ring.`,
          `${josa(w.name, '은')} ${gpuList(w.gpus)}에서 학습하지만 ${cells} 구간은 NVLink가 아닙니다. 그래디언트 교환은 링에서 가장 느린 구간의 속도로 진행됩니다.`,
        ),
        evidence: broken.map(([a, b]) => linkEvidence(ctx, a, b)!).filter(Boolean),
        impact,
        recommendation: t(
          `Place ${w.name} on ${w.gpus.length} GPUs of one NVLink group (see the placement plan).`,
          `${josa(w.name, '을')} 하나의 NVLink 그룹 안의 GPU ${w.gpus.length}개에 배치하세요 (배치 계획 참고).`,
        ),
      });
    }
    return out;
  },
};
