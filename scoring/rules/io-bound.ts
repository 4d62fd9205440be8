/**
 * io-bound: a training job's GPUs wait on input: utilisation under 50% while the model occupies at least
 * 30% of VRAM (it is loaded and ready, kernels are simply not being fed; domain facts §9: data-loader
 * starvation drops util 67% → 7%, S64/S71). Distributed jobs whose ring is the limiter are left to
 * nvlink-split/cross-socket. A NUMA mismatch of the same job is named as a likely cause (loader threads on
 * the remote node: ~30% slower, S42).
 * Impact model `gpu-wait`: GPU·hours per day spent waiting = (1 − util) × 24 × GPUs.
 *
 * With a window on every GPU of the job (scoring/window.ts) the same test runs on the window's means:
 * the mean utilisation (DCGM_FI_DEV_GPU_UTIL, the duty cycle the 50 % threshold and S64/S71's 67 % → 7 %
 * are written in; SM active × 100 when it is missing, which reads lower) and the mean framebuffer used.
 * A job idle over its window (gpu-idle's WINDOW_IDLE_SHARE on every GPU) is gpu-idle's. SM active, DRAM
 * active and PCIe RX are quoted in the evidence — low PCIe RX is a starvation signature (domain facts §9)
 * — but not thresholded: the reference gives no level for them.
 */
import { type Evidence, type Finding, round, type Text } from '../findings.ts';
import { josa } from '../korean.ts';
import { numaAligned, ringRatio } from '../score.ts';
import { idleOverWindow, readings, type WindowFacts, windowFacts } from './readings.ts';
import type { Rule } from './types.ts';
import { gpuList, hasSample, t, utilEvidence, windowEvidence, windowSpan } from './util.ts';

export const IO_UTIL_MAX = 50;
export const IO_MEMORY_MIN = 0.3;

export const ioBound: Rule = {
  id: 'io-bound',
  summary: 'a training job waits on input: low utilisation with the model resident',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const w of ctx.snapshot.workloads) {
      if (w.kind !== 'training' || w.gpus.length === 0) continue;
      const gpus = w.gpus.map((i) => ctx.gpu(i)).filter((g) => g !== undefined);
      if (gpus.length !== w.gpus.length) continue;
      const rs = gpus.map(readings);
      // over the window when every GPU of the job has one with utilisation and memory; else the sample
      const facts = gpus.map((g) => windowFacts(g.window));
      const over = facts.every((f) => f?.util && f.fb) ? (facts as WindowFacts[]) : null;
      const totals = rs.map((r, i) => {
        const f = facts[i];
        return r.totalMiB ?? (f?.fb && f.fbFree ? f.fb.mean + f.fbFree.mean : null);
      });
      const utils = over ? over.map((f) => f.util!.mean) : rs.map((r) => r.util).filter((u) => u !== null);
      const mems = (
        over
          ? over.map((f, i) => (totals[i] ? Math.min(1, f.fb!.mean / totals[i]!) : null))
          : rs.map((r) => (r.usedMiB !== null && r.totalMiB !== null ? r.usedMiB / r.totalMiB : null))
      ).filter((m) => m !== null);
      if (utils.length !== gpus.length || mems.length !== gpus.length) continue;
      const util = utils.reduce((a, b) => a + b, 0) / utils.length;
      const mem = mems.reduce((a, b) => a + b, 0) / mems.length;
      if (util >= IO_UTIL_MAX || mem < IO_MEMORY_MIN || util < 3) continue;
      if (over?.every((f) => idleOverWindow(f) === true)) continue; // gpu-idle's
      const ring = ringRatio(ctx, w);
      if (ring !== null && ring < 0.9) continue; // the interconnect explains it
      const numaBad = gpus.some((g) => numaAligned(ctx, w, g) === false);
      const waitHours = round((1 - util / 100) * 24 * gpus.length, 1);
      const span = over ? windowSpan(over[0]!) : null;
      const means: Text = span ? t(` (means over ${span.en})`, `(${span.ko} 평균)`) : t('', '');
      const evidence: Evidence[] = over
        ? gpus.flatMap((g, i) => [
            windowEvidence(
              ctx,
              ctx.label(g),
              over[i]!,
              ['util', 'active', 'dram', 'pcieRx', 'fb'],
              totals[i],
            ),
            ...(hasSample(g) ? [utilEvidence(ctx, g)] : []),
          ])
        : gpus.map((g) => utilEvidence(ctx, g));
      out.push({
        rule: 'io-bound',
        severity: 'warning',
        gpus: w.gpus,
        workloads: [w.name],
        title: t(`${w.name}: GPUs wait on input data`, `${w.name}: GPU가 입력 데이터를 기다림`),
        detail: t(
          `${gpuList(w.gpus)} of ${w.name} run at ${round(util, 0)}% utilisation while the model fills ${round(mem * 100, 0)}% of their memory${means.en}: the GPUs are ready but not fed.${numaBad ? ' Its CPUs are on the other NUMA node (see numa-mismatch), which slows the data loader.' : ''}`,
          `${w.name}의 ${josa(gpuList(w.gpus), '은')} 모델이 메모리의 ${round(mem * 100, 0)}%를 차지한 채 사용률 ${round(util, 0)}%에 머뭅니다${means.ko}. GPU는 준비되어 있지만 데이터가 공급되지 않습니다.${numaBad ? ' CPU가 다른 NUMA 노드에 있어(numa-mismatch 참고) 데이터 로더가 느려집니다.' : ''}`,
        ),
        evidence,
        impact: {
          model: 'gpu-wait',
          value: waitHours,
          unit: 'GPU·h/day',
          summary: t(
            `the GPUs wait ${round(100 - util, 0)}% of the time: ${waitHours} GPU·hours a day`,
            `GPU가 시간의 ${round(100 - util, 0)}%를 대기: 하루 ${waitHours} GPU·시간`,
          ),
          figures: {
            utilization_pct: round(util, 1),
            wait_share_pct: round(100 - util, 0),
            memory_share: round(mem, 3),
            gpus: gpus.length,
            wait_GPU_h_per_day: waitHours,
            ...(over
              ? {
                  basis: 'mean',
                  window: over[0]!.window.label,
                  utilization_basis: over.every((f) => f.utilBasis === over[0]!.utilBasis)
                    ? (over[0]!.utilBasis ?? 'unknown')
                    : 'mixed',
                }
              : {}),
          },
          sources: ['S64', 'S71', ...(numaBad ? ['S42'] : [])],
        },
        recommendation: t(
          `Give the data loader more workers and pinned memory (PyTorch DataLoader num_workers > 0, pin_memory=True)${numaBad ? ', pin the job to CPUs local to its GPUs' : ''}, and check storage read throughput.`,
          `데이터 로더 워커와 고정 메모리를 늘리세요 (PyTorch DataLoader num_workers > 0, pin_memory=True)${numaBad ? ', 작업을 GPU에 로컬한 CPU에 고정하고' : ''} 스토리지 읽기 처리량을 확인하세요.`,
        ),
      });
    }
    return out;
  },
};
