/**
 * Hardware faults and the plan. A GPU with pending memory repairs or uncorrectable errors is not offered to
 * workloads that do not run on it today (their data would be at risk until it is reset). A GPU that throttles
 * for heat or power, or whose link trained below its width, may still take work — a light job suffers
 * least there — but the fault stays in the planned state (the after-state models load, not hardware) and the
 * plan says which workload lands on it, so nobody mistakes a move for a repair.
 */
import type { HostContext } from '../context.ts';
import type { ClockEventReason } from '../snapshot.ts';

const HARDWARE_CLOCK_REASONS: ClockEventReason[] = [
  'hw_slowdown',
  'hw_thermal_slowdown',
  'hw_power_brake_slowdown',
  'sw_thermal_slowdown',
];

export const isHardwareClockReason = (r: ClockEventReason) => HARDWARE_CLOCK_REASONS.includes(r);

export interface HardwareFault {
  why: string;
  /** true: no workload other than today's may be placed on it. */
  exclude: boolean;
}

/** GPU index → its hardware fault. */
export function hardwareFaults(ctx: HostContext): Map<number, HardwareFault> {
  const out = new Map<number, HardwareFault>();
  for (const g of ctx.snapshot.gpus) {
    if (g.index === null) continue;
    const memory: string[] = [];
    const e = g.ecc;
    if ((e.uncorrectedVolatile ?? 0) > 0) memory.push(`${e.uncorrectedVolatile} uncorrectable ECC errors`);
    if (e.remappedRows.pending) memory.push('a row remap pending');
    if (e.remappedRows.failure) memory.push('a row-remap failure');
    if (e.retiredPagesPending) memory.push('a page retirement pending');
    const other: string[] = [];
    const clocks = (g.clockEventReasons ?? []).filter(isHardwareClockReason);
    if (clocks.length > 0) other.push(clocks.join(', '));
    const { widthCurrent, widthMax } = g.pcie;
    if (widthCurrent !== null && widthMax !== null && widthCurrent > 0 && widthCurrent < widthMax)
      other.push(`PCIe x${widthCurrent} of x${widthMax}`);
    if (memory.length > 0) out.set(g.index, { why: [...memory, ...other].join('; '), exclude: true });
    else if (other.length > 0) out.set(g.index, { why: other.join('; '), exclude: false });
  }
  return out;
}
