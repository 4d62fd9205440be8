/**
 * gpu-idle: an allocated GPU does (almost) nothing, or a GPU is not allocated at all.
 * "Almost nothing" = utilisation below 3% (the sample is a single moment: the finding says so). An
 * inference server idling between requests with its model loaded (≥ 3% of memory) is left to
 * mig-candidate / share-candidate; a training job at 0% with its memory held is idle (hung or waiting).
 * A GPU whose only processes are graphics (type G: Xorg, a desktop shell) and that no workload holds is
 * idle for compute: the finding says the memory it holds belongs to the display server.
 * Impact model `idle-gpu-hours`: 24 GPU·h per day per idle GPU if the state persists.
 *
 * With a window (scoring/window.ts) the window decides, not the sample: a GPU is idle when it was idle
 * (SM active < 1 %) for at least WINDOW_IDLE_SHARE (80 %) of the measured time — busy right now or not —
 * and is not idle when it worked more than that, whatever the sample says. An inference server included:
 * a day of data says how long its model sat unused, which one second between requests could not. A GPU in
 * MIG mode without a window of its own is idle when every instance's window says so. Impact: the idle share
 * × 24 GPU·h per day (MIG: each instance's idle share weighted by its compute slices).
 */
import type { HostContext } from '../context.ts';
import { type Evidence, type Finding, round, type Text } from '../findings.ts';
import { josa } from '../korean.ts';
import type { Gpu, MigDevice, Process, Workload } from '../snapshot.ts';
import {
  displayOnly,
  idleOverWindow,
  processesOn,
  readings,
  smActiveOf,
  type WindowFacts,
  windowFacts,
} from './readings.ts';
import type { Rule } from './types.ts';
import { duration, gpuSource, hasSample, idleEvidence, idlePhrase, t, utilEvidence } from './util.ts';

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
      const over = windowIdle(g);
      if (over !== null) {
        // the window decides: a busy window keeps a GPU out, whatever the sample says
        if (over.idle) out.push(windowFinding(ctx, g, over, workloadsKnown));
        continue;
      }
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
      const holder = holderEvidence(ctx, g, workloadsKnown);
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

// ---------------------------------------------------------------------------------------------------
// Over a window

interface InstanceIdle {
  d: MigDevice;
  f: WindowFacts;
}

interface WindowIdle {
  /** the GPU's own window, or null when its MIG instances' windows decide. */
  own: WindowFacts | null;
  instances: InstanceIdle[];
  idle: boolean;
}

/** What the windows say about a GPU's idleness, or null when no window does (the sample decides). */
function windowIdle(g: Gpu): WindowIdle | null {
  const own = windowFacts(g.window);
  const ownIdle = idleOverWindow(own);
  if (ownIdle !== null) return { own, instances: [], idle: ownIdle };
  if (g.mig.mode !== 'enabled' || g.mig.devices.length === 0) return null;
  const instances: InstanceIdle[] = [];
  for (const d of g.mig.devices) {
    const f = windowFacts(d.window);
    if (idleOverWindow(f) === null) return null; // an instance without one: the windows cannot tell
    instances.push({ d, f: f! });
  }
  return { own: null, instances, idle: instances.every((x) => idleOverWindow(x.f) === true) };
}

const instanceLabel = (gpuName: string, d: MigDevice) =>
  `${gpuName} MIG ${d.profile ?? ''} GI ${d.gi ?? d.device ?? '?'}`.replace(/\s+/g, ' ');

const filesOf = (list: readonly Workload[]) => [...new Set(list.map((w) => w.source.file))].join(', ');

/** What holds the GPU (its workloads, its processes, its MIG devices) or that nothing does. */
function holderEvidence(ctx: HostContext, g: Gpu, workloadsKnown: boolean): Evidence {
  const ws = ctx.workloadsOf(g.index!);
  const procs = processesOn(ctx, g);
  if (ws.length > 0) return { source: filesOf(ws), text: `held by ${ws.map((w) => w.name).join(', ')}` };
  if (procs.length > 0)
    return {
      source: gpuSource(ctx),
      text: `processes: ${procs.map((p) => `${p.name ?? '?'} (pid ${p.pid ?? '?'})`).join(', ')}`,
    };
  if (g.mig.devices.length > 0)
    return { source: gpuSource(ctx), text: `${g.mig.devices.length} MIG device(s), no workload or process` };
  return {
    source: workloadsKnown ? filesOf(ctx.snapshot.workloads) : gpuSource(ctx),
    text: 'no workload or process on this GPU',
  };
}

function windowFinding(ctx: HostContext, g: Gpu, over: WindowIdle, workloadsKnown: boolean): Finding {
  const gpuName = ctx.label(g);
  const ws = ctx.workloadsOf(g.index!);
  const names = ws.map((w) => w.name);
  const procs = processesOn(ctx, g);
  const display = displayOnly(ctx, g);
  // held: a workload, a compute process or MIG instances; the sample's "busy right now" does not count
  const held = display === null && (ws.length > 0 || procs.length > 0 || g.mig.devices.length > 0);
  // the headline: the GPU's own window, else its least idle instance
  const head = over.own ?? [...over.instances].sort((a, b) => a.f.idle!.share - b.f.idle!.share)[0]!.f;
  const phrase: Text =
    over.own !== null
      ? idlePhrase(head)
      : t(
          `${idlePhrase(head).en} in every MIG instance (the least idle)`,
          `모든 MIG 인스턴스가 ${idlePhrase(head).ko}(가장 적게 쉰 인스턴스 기준)`,
        );
  const u = readings(g).util;
  const sampleNote =
    u === null
      ? t('', '')
      : t(
          ` The window decides, not the one-second sample (utilisation ${u}% when sampled).`,
          ` 1초 측정값(측정 시점 사용률 ${u}%)이 아니라 기간 통계로 판단했습니다.`,
        );
  const evidence: Evidence[] = [
    ...(over.own !== null
      ? [idleEvidence(ctx, gpuName, over.own)]
      : over.instances.map((x) => idleEvidence(ctx, instanceLabel(gpuName, x.d), x.f))),
    ...(hasSample(g) ? [utilEvidence(ctx, g)] : []),
  ];
  if (display)
    evidence.push({
      source: gpuSource(ctx),
      text: `processes: ${display.map((p) => `${p.name ?? '?'} (pid ${p.pid ?? '?'}, type ${p.type ?? '?'}${p.usedMemoryMiB === null ? '' : `, ${p.usedMemoryMiB} MiB`})`).join(', ')}`,
    });
  else evidence.push(holderEvidence(ctx, g, workloadsKnown));

  const title = display
    ? t(
        `${gpuName} is idle for compute: only the display server runs on it (${phrase.en})`,
        `${josa(gpuName, '은')} 연산 작업 없이 유휴 상태: 디스플레이 서버만 실행 중(${phrase.ko})`,
      )
    : !held
      ? t(
          // the window says so in the title too: history and the daily post keep titles only
          `${gpuName} is not allocated to any workload (${phrase.en})`,
          `${josa(gpuName, '이')} 어떤 워크로드에도 할당되지 않음(${phrase.ko})`,
        )
      : t(
          `${gpuName} held by ${names.join(', ') || 'a process'} but ${phrase.en}`,
          `${josa(gpuName, '이')} ${names.join(', ') || '프로세스'}에 할당되었지만 ${phrase.ko}`,
        );
  const detail = display
    ? t(
        `No workload or compute process uses ${gpuName}, and it was ${phrase.en}; the only processes are graphics ones (type G), so the memory it holds belongs to the display server.${sampleNote.en}`,
        `${josa(gpuName, '을')} 쓰는 워크로드나 연산 프로세스가 없고 ${phrase.ko} 상태였습니다. 실행 중인 프로세스는 그래픽 프로세스(유형 G)뿐이라 점유 메모리는 디스플레이 서버의 것입니다.${sampleNote.ko}`,
      )
    : !held
      ? workloadsKnown
        ? t(
            `No workload or process uses ${gpuName}, and it was ${phrase.en}. It is paid for and does no work.${sampleNote.en}`,
            `${josa(gpuName, '을')} 쓰는 워크로드나 프로세스가 없고 ${phrase.ko} 상태였습니다. 비용은 나가는데 일을 하지 않습니다.${sampleNote.ko}`,
          )
        : t(
            `Nothing holds ${gpuName}, and it was ${phrase.en}. No workload information was given, so this is the GPU's own state.${sampleNote.en}`,
            `${josa(gpuName, '을')} 점유한 것이 없고 ${phrase.ko} 상태였습니다. 워크로드 정보가 없어 GPU 자체 상태로 판단했습니다.${sampleNote.ko}`,
          )
      : t(
          `${gpuName} is allocated to ${names.join(', ') || 'a process'} but was ${phrase.en}.${sampleNote.en}`,
          `${josa(gpuName, '은')} ${names.join(', ') || '프로세스'}에 할당되어 있지만 ${phrase.ko} 상태였습니다.${sampleNote.ko}`,
        );
  const recommendation = display
    ? t(
        `${gpuName} is free for compute work: give it to a queued job (the display server can stay). On a headless server, stop the display manager or drive the console from the onboard VGA so the GPU is entirely free.`,
        `${josa(gpuName, '은')} 연산 작업에 쓸 수 있습니다: 대기 중인 작업에 할당하세요 (디스플레이 서버는 그대로 둬도 됩니다). 화면이 필요 없는 서버라면 디스플레이 매니저를 멈추거나 콘솔을 온보드 VGA로 옮겨 GPU를 완전히 비우세요.`,
      )
    : !held
      ? t(
          `Give ${gpuName} to a queued job, or move a workload that is cramped elsewhere onto it.`,
          `대기 중인 작업에 ${josa(gpuName, '을')} 주거나, 다른 곳에서 비좁게 돌던 워크로드를 옮기세요.`,
        )
      : t(
          `Release ${gpuName} from ${names.join(', ') || 'its holder'} while it is idle, or share it (MIG/vGPU).`,
          `유휴 상태인 동안 ${josa(gpuName, '을')} ${names.join(', ') || '점유자'}에서 해제하거나 공유(MIG/vGPU)하세요.`,
        );
  return {
    rule: 'gpu-idle',
    severity: 'warning',
    gpus: [g.index!],
    workloads: display ? [] : names,
    title,
    detail,
    evidence,
    impact: windowImpact(ctx, g, over, head),
    recommendation,
  };
}

/**
 * `idle-gpu-hours` over a window: the idle share of the measured time × 24 h a day (MIG instances: each
 * instance's share weighted by its compute slices, equal weights when a profile is unknown).
 */
function windowImpact(ctx: HostContext, g: Gpu, over: WindowIdle, head: WindowFacts): Finding['impact'] {
  let share: number;
  if (over.own !== null) share = over.own.idle!.share;
  else {
    const model = ctx.model(g);
    const slices = model ? Math.max(...model.migProfiles.map((p) => p.compute)) : null;
    const weights = over.instances.map((x) => {
      const spec = model?.migProfiles.find((p) => p.name === x.d.profile);
      return spec && slices ? spec.compute / slices : null;
    });
    const known = weights.every((w) => w !== null);
    share = over.instances.reduce(
      (a, x, i) => a + x.f.idle!.share * (known ? weights[i]! : 1 / over.instances.length),
      0,
    );
  }
  const perDay = round(share * 24, 1);
  // the lengths as the summary states them (`idle 21 h of the last 24 h`), each under its unit
  const idle = duration(head.idle!.seconds);
  const span = duration(head.spanHours * 3600);
  const figures: Record<string, number | string> = {
    gpus: 1,
    hours_per_day: perDay,
    idle_share: round(share, 3),
    [`idle_${idle.unit}`]: idle.value,
    [`window_${span.unit}`]: span.value,
    window: head.window.label,
  };
  if (head.lowCoverage && head.coverage) {
    const covered = duration(head.coverage.hours * 3600);
    figures[`covered_${covered.unit}`] = covered.value;
  }
  if (over.own === null) figures.mig_instances = over.instances.length;
  // a window shorter than a day says less about "a day": the summary says so
  const short = head.spanHours < 24 ? t(' (a window shorter than a day)', '(하루보다 짧은 기간)') : t('', '');
  return {
    model: 'idle-gpu-hours',
    value: perDay,
    unit: 'GPU·h/day',
    summary: t(
      `${perDay} GPU·hours a day unused: ${idlePhrase(head).en}${over.own === null ? ' (least idle MIG instance)' : ''}${short.en}`,
      `하루 ${perDay} GPU·시간 미사용: ${idlePhrase(head).ko}${over.own === null ? '(가장 적게 쉰 MIG 인스턴스 기준)' : ''}${short.ko}`,
    ),
    figures,
    sources: [],
  };
}
