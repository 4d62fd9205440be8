/**
 * clock-throttle: HW slowdown, thermal or power-brake clock-event reasons are active (domain facts §9:
 * hw_slowdown / hw_thermal / hw_power_brake cut clocks by 2× or more → critical; sw_thermal_slowdown is
 * a cooling warning). Idle, application-clock, SW power-cap and sync-boost reasons are normal.
 * No impact number: a single sample does not say how long clocks stay cut.
 */
import type { Finding } from '../findings.ts';
import { josa } from '../korean.ts';
import type { ClockEventReason } from '../snapshot.ts';
import type { Rule } from './types.ts';
import { gpuSource, t } from './util.ts';

const CRITICAL: ClockEventReason[] = ['hw_slowdown', 'hw_thermal_slowdown', 'hw_power_brake_slowdown'];
const WARNING: ClockEventReason[] = ['sw_thermal_slowdown'];

export const clockThrottle: Rule = {
  id: 'clock-throttle',
  summary: 'HW slowdown, thermal or power-brake clock-event reasons active',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const g of ctx.snapshot.gpus) {
      if (g.index === null || !g.clockEventReasons) continue;
      const crit = g.clockEventReasons.filter((r) => CRITICAL.includes(r));
      const warn = g.clockEventReasons.filter((r) => WARNING.includes(r));
      const active = [...crit, ...warn];
      if (active.length === 0) continue;
      const temp = g.temperatureC === null ? '' : `, ${g.temperatureC} °C`;
      const power = g.power.drawW === null ? '' : `, ${g.power.drawW} W / ${g.power.limitW ?? '?'} W`;
      out.push({
        rule: 'clock-throttle',
        severity: crit.length > 0 ? 'critical' : 'warning',
        gpus: [g.index],
        workloads: ctx.workloadsOf(g.index).map((w) => w.name),
        title: t(
          `GPU${g.index} clocks cut by ${active.join(', ')}`,
          `GPU${g.index} 클럭 저하: ${active.join(', ')}`,
        ),
        detail: t(
          crit.length > 0
            ? `The hardware is slowing GPU${g.index} down (${crit.join(', ')}${temp}${power}): clocks drop to half or less while it lasts, typically from overheating, a power-supply brake signal or a failing sensor.`
            : `GPU${g.index} is thermally throttled by the driver (${warn.join(', ')}${temp}): the cooling cannot keep up.`,
          crit.length > 0
            ? `하드웨어가 ${josa(`GPU${g.index}`, '을')} 감속시키고 있습니다 (${crit.join(', ')}${temp}${power}). 이 동안 클럭이 절반 이하로 떨어지며, 과열·전원 브레이크 신호·센서 고장이 흔한 원인입니다.`
            : `${josa(`GPU${g.index}`, '이')} 드라이버에 의해 열 스로틀링되고 있습니다 (${warn.join(', ')}${temp}). 냉각이 부족합니다.`,
        ),
        evidence: [
          {
            source: gpuSource(ctx),
            text: `GPU${g.index}: clocks_event_reasons active = ${g.clockEventReasons.join(', ')}${temp}${power}`,
          },
        ],
        impact: null,
        recommendation: t(
          `Check GPU${g.index}'s cooling (fans, airflow, inlet temperature) and the PSU/power-brake cabling; watch \`nvidia-smi -q -d PERFORMANCE\` clock-event counters over a day.`,
          `GPU${g.index}의 냉각(팬, 공기 흐름, 흡기 온도)과 PSU/전원 브레이크 배선을 점검하고, \`nvidia-smi -q -d PERFORMANCE\`의 클럭 이벤트 카운터를 하루 동안 지켜보세요.`,
        ),
      });
    }
    return out;
  },
};
