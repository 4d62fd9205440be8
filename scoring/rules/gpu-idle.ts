/**
 * gpu-idle: an allocated GPU does (almost) nothing, or a GPU is not allocated at all.
 * "Almost nothing" = utilisation below 3% (the sample is a single moment: the finding says so). An
 * inference server idling between requests with its model loaded (≥ 3% of memory) is left to
 * mig-candidate / share-candidate; a training job at 0% with its memory held is idle (hung or waiting). Impact model `idle-gpu-hours`: 24 GPU·h per day per idle GPU if the
 * state persists.
 */
import { type Evidence, type Finding, round } from '../findings.ts';
import type { Rule } from './types.ts';
import { gpuSource, t, utilEvidence } from './util.ts';

export const IDLE_UTIL_PCT = 3;
export const IDLE_MEMORY_SHARE = 0.03;

export const gpuIdle: Rule = {
  id: 'gpu-idle',
  summary: 'an allocated GPU does (almost) nothing, or a GPU is not allocated at all',
  evaluate(ctx) {
    const out: Finding[] = [];
    const workloadsKnown = ctx.snapshot.workloads.length > 0;
    for (const g of ctx.snapshot.gpus) {
      if (g.index === null) continue;
      const u =
        g.utilization.gpuPct ?? (g.metrics.smActive === null ? null : round(g.metrics.smActive * 100, 1));
      const used = g.memory.usedMiB;
      const total = g.memory.totalMiB;
      const ws = ctx.workloadsOf(g.index);
      const allocated = ctx.isAllocated(g);
      const smallMemory = used === null || total === null || used < IDLE_MEMORY_SHARE * total;
      const idleNow =
        u !== null && u < IDLE_UTIL_PCT && (smallMemory || !ws.some((w) => w.kind === 'inference'));
      const unallocated = workloadsKnown && !allocated;
      if (!unallocated && !(allocated && idleNow)) continue;
      if (g.mig.mode === 'enabled' && g.mig.devices.length > 0 && !idleNow) continue;
      const names = ws.map((w) => w.name);
      const gpuName = ctx.label(g);
      const procs = ctx.snapshot.processes.filter((p) => p.gpuIndex === g.index);
      const filesOf = (list: typeof ws) => [...new Set(list.map((w) => w.source.file))].join(', ');
      const holder: Evidence =
        names.length > 0
          ? { source: filesOf(ws), text: `held by ${names.join(', ')}` }
          : procs.length > 0
            ? {
                source: gpuSource(ctx),
                text: `processes: ${procs.map((p) => `${p.name ?? '?'} (pid ${p.pid ?? '?'})`).join(', ')}`,
              }
            : g.mig.devices.length > 0
              ? {
                  source: gpuSource(ctx),
                  text: `${g.mig.devices.length} MIG device(s), no workload or process`,
                }
              : {
                  source: workloadsKnown ? filesOf(ctx.snapshot.workloads) : gpuSource(ctx),
                  text: 'no workload or process on this GPU',
                };
      out.push({
        rule: 'gpu-idle',
        severity: 'warning',
        gpus: [g.index],
        workloads: names,
        title: unallocated
          ? t(
              `${gpuName} is not allocated to any workload`,
              `${gpuName}이(가) 어떤 워크로드에도 할당되지 않음`,
            )
          : t(
              `${gpuName} held by ${names.join(', ') || 'a process'} but idle`,
              `${gpuName}이(가) ${names.join(', ') || '프로세스'}에 할당되었지만 유휴 상태`,
            ),
        detail: unallocated
          ? u === null
            ? t(
                `No workload is assigned to ${gpuName} (no utilisation data says whether anything else runs on it).`,
                `${gpuName}에 할당된 워크로드가 없습니다 (다른 작업이 도는지 알려 줄 사용률 데이터는 없음).`,
              )
            : t(
                `No workload or process uses ${gpuName} (utilisation ${u}%). It is paid for and does no work.`,
                `${gpuName}을(를) 쓰는 워크로드나 프로세스가 없습니다 (사용률 ${u}%). 비용은 나가는데 일을 하지 않습니다.`,
              )
          : t(
              `${gpuName} is allocated but ran at ${u}% utilisation with ${used ?? '?'} MiB held when sampled.`,
              `${gpuName}은(는) 할당되어 있지만 측정 시점에 사용률 ${u}%였습니다 (메모리 ${used ?? '?'} MiB 점유).`,
            ),
        evidence: [utilEvidence(ctx, g), holder],
        impact: {
          model: 'idle-gpu-hours',
          value: 24,
          unit: 'GPU·h/day',
          summary: t(
            `24 GPU·hours a day unused while this lasts (a single sample: check a day of data)`,
            `이 상태가 계속되면 하루 24 GPU·시간이 낭비됨 (단일 측정값이므로 하루치 데이터로 확인 필요)`,
          ),
          figures: { gpus: 1, hours_per_day: 24, utilization_pct: u ?? 'unknown' },
          sources: [],
        },
        recommendation: unallocated
          ? t(
              `Give ${gpuName} to a queued job, or move a workload that is cramped elsewhere onto it.`,
              `대기 중인 작업에 ${gpuName}을(를) 주거나, 다른 곳에서 비좁게 돌던 워크로드를 옮기세요.`,
            )
          : t(
              `Release ${gpuName} from ${names.join(', ') || 'its holder'} while it is idle, or share it (MIG/vGPU).`,
              `유휴 상태인 동안 ${gpuName}을(를) ${names.join(', ') || '점유자'}에서 해제하거나 공유(MIG/vGPU)하세요.`,
            ),
      });
    }
    return out;
  },
};
