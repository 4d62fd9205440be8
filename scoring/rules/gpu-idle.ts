/**
 * gpu-idle: an allocated GPU does (almost) nothing, or a GPU is not allocated at all.
 * "Almost nothing" = utilisation below 3% (the sample is a single moment: the finding says so). An
 * inference server idling between requests with its model loaded (≥ 3% of memory) is left to
 * mig-candidate / share-candidate; a training job at 0% with its memory held is idle (hung or waiting).
 * A GPU whose only processes are graphics (type G: Xorg, a desktop shell) and that no workload holds is
 * idle for compute: the finding says the memory it holds belongs to the display server.
 * Impact model `idle-gpu-hours`: 24 GPU·h per day per idle GPU if the state persists.
 */
import type { HostContext } from '../context.ts';
import { type Evidence, type Finding, round } from '../findings.ts';
import { josa } from '../korean.ts';
import type { Gpu, Process } from '../snapshot.ts';
import { displayOnly, processesOn, readings, smActiveOf } from './readings.ts';
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
      const r = readings(g);
      const sm = smActiveOf(g);
      const u = r.util ?? (sm === null ? null : round(sm * 100, 1));
      const used = r.usedMiB;
      const total = r.totalMiB;
      const ws = ctx.workloadsOf(g.index);
      const gpuName = ctx.label(g);
      const display = displayOnly(ctx, g);
      if (display) {
        // idle for compute; busy display work (≥ 3%) is a workstation's business
        if (u !== null ? u >= IDLE_UTIL_PCT : !workloadsKnown) continue;
        out.push(displayFinding(ctx, g, gpuName, u, used, display));
        continue;
      }
      const allocated = ctx.isAllocated(g);
      const smallMemory = used === null || total === null || used < IDLE_MEMORY_SHARE * total;
      const idleNow =
        u !== null && u < IDLE_UTIL_PCT && (smallMemory || !ws.some((w) => w.kind === 'inference'));
      // without workload information a GPU at 0% with no process and no memory in use is still free: the
      // utilisation sample says so (isAllocated counts any work on a GPU when workloads are unknown)
      const unallocated = !allocated && (workloadsKnown || (u !== null && idleNow));
      if (!unallocated && !(allocated && idleNow)) continue;
      if (g.mig.mode === 'enabled' && g.mig.devices.length > 0 && !idleNow) continue;
      const names = ws.map((w) => w.name);
      const procs = processesOn(ctx, g);
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
              `${josa(gpuName, '이')} 어떤 워크로드에도 할당되지 않음`,
            )
          : t(
              `${gpuName} held by ${names.join(', ') || 'a process'} but idle`,
              `${josa(gpuName, '이')} ${names.join(', ') || '프로세스'}에 할당되었지만 유휴 상태`,
            ),
        detail: unallocated
          ? !workloadsKnown
            ? t(
                `Nothing ran on ${gpuName} when it was sampled: utilisation ${u}%, ${used ?? '?'} MiB of memory in use, no process. No workload information was given, so this is the GPU's own state.`,
                `측정 시점에 ${gpuName}에서 아무것도 돌지 않았습니다: 사용률 ${u}%, 메모리 ${used ?? '?'} MiB 사용, 프로세스 없음. 워크로드 정보가 없어 GPU 자체 상태로 판단했습니다.`,
              )
            : u === null
              ? t(
                  `No workload is assigned to ${gpuName} (no utilisation data says whether anything else runs on it).`,
                  `${gpuName}에 할당된 워크로드가 없습니다 (다른 작업이 도는지 알려 줄 사용률 데이터는 없음).`,
                )
              : t(
                  `No workload or process uses ${gpuName} (utilisation ${u}%). It is paid for and does no work.`,
                  `${josa(gpuName, '을')} 쓰는 워크로드나 프로세스가 없습니다 (사용률 ${u}%). 비용은 나가는데 일을 하지 않습니다.`,
                )
          : t(
              `${gpuName} is allocated but ran at ${u}% utilisation with ${used ?? '?'} MiB held when sampled.`,
              `${josa(gpuName, '은')} 할당되어 있지만 측정 시점에 사용률 ${u}%였습니다 (메모리 ${used ?? '?'} MiB 점유).`,
            ),
        evidence: [utilEvidence(ctx, g), holder],
        impact: idleImpact(u),
        recommendation: unallocated
          ? t(
              `Give ${gpuName} to a queued job, or move a workload that is cramped elsewhere onto it.`,
              `대기 중인 작업에 ${josa(gpuName, '을')} 주거나, 다른 곳에서 비좁게 돌던 워크로드를 옮기세요.`,
            )
          : t(
              `Release ${gpuName} from ${names.join(', ') || 'its holder'} while it is idle, or share it (MIG/vGPU).`,
              `유휴 상태인 동안 ${josa(gpuName, '을')} ${names.join(', ') || '점유자'}에서 해제하거나 공유(MIG/vGPU)하세요.`,
            ),
      });
    }
    return out;
  },
};

function idleImpact(u: number | null): Finding['impact'] {
  return {
    model: 'idle-gpu-hours',
    value: 24,
    unit: 'GPU·h/day',
    summary: t(
      `24 GPU·hours a day unused while this lasts (a single sample: check a day of data)`,
      `이 상태가 계속되면 하루 24 GPU·시간이 낭비됨 (단일 측정값이므로 하루치 데이터로 확인 필요)`,
    ),
    figures: { gpus: 1, hours_per_day: 24, utilization_pct: u ?? 'unknown' },
    sources: [],
  };
}

/** A GPU that only the display server uses: idle for compute, and why it still holds memory. */
function displayFinding(
  ctx: HostContext,
  g: Gpu,
  gpuName: string,
  u: number | null,
  used: number | null,
  procs: readonly Process[],
): Finding {
  const names = [...new Set(procs.map((p) => (p.name ?? '?').split('/').pop()!))].join(', ');
  const held = procs.every((p) => p.usedMemoryMiB !== null)
    ? procs.reduce((a, p) => a + p.usedMemoryMiB!, 0)
    : used;
  const heldEn = held === null ? 'the memory it holds' : `the ${held} MiB it holds`;
  const heldKo = held === null ? '점유 메모리' : `점유 메모리 ${held} MiB`;
  const utilEn = u === null ? '' : ` (utilisation ${u}%)`;
  const utilKo = u === null ? '' : ` (사용률 ${u}%)`;
  return {
    rule: 'gpu-idle',
    severity: 'warning',
    gpus: [g.index!],
    workloads: [],
    title: t(
      `${gpuName} is idle for compute: only the display server runs on it`,
      `${josa(gpuName, '은')} 연산 작업 없이 유휴 상태: 디스플레이 서버만 실행 중`,
    ),
    detail: t(
      `No workload or compute process uses ${gpuName}${utilEn}. The only processes are graphics ones (${names}, type G): ${heldEn} belong${held === null ? 's' : ''} to the display server, not to a workload.`,
      `${josa(gpuName, '을')} 쓰는 워크로드나 연산 프로세스가 없습니다${utilKo}. 실행 중인 프로세스는 그래픽 프로세스(${names}, 유형 G)뿐이며, ${josa(heldKo, '은')} 워크로드가 아니라 디스플레이 서버의 것입니다.`,
    ),
    evidence: [
      utilEvidence(ctx, g),
      {
        source: gpuSource(ctx),
        text: `processes: ${procs.map((p) => `${p.name ?? '?'} (pid ${p.pid ?? '?'}, type ${p.type ?? '?'}${p.usedMemoryMiB === null ? '' : `, ${p.usedMemoryMiB} MiB`})`).join(', ')}`,
      },
    ],
    impact: idleImpact(u),
    recommendation: t(
      `${gpuName} is free for compute work: give it to a queued job (the display server can stay). On a headless server, stop the display manager or drive the console from the onboard VGA so the GPU is entirely free.`,
      `${josa(gpuName, '은')} 연산 작업에 쓸 수 있습니다: 대기 중인 작업에 할당하세요 (디스플레이 서버는 그대로 둬도 됩니다). 화면이 필요 없는 서버라면 디스플레이 매니저를 멈추거나 콘솔을 온보드 VGA로 옮겨 GPU를 완전히 비우세요.`,
    ),
  };
}
