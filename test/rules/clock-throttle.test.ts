import { describe, expect, it } from 'vitest';
import {
  gpu,
  one,
  real,
  realEdited,
  run,
  runOn,
  scenario,
  smiCsv,
  snapshot,
  texts,
  workloads,
} from './helpers.ts';

const L4_XML = 'smi-xml/l4-2x-drv555.42.06-with-processes.xml';
const tag = (reason: string, state: string) =>
  `<clocks_event_reason_${reason}>${state}</clocks_event_reason_${reason}>`;

/** One GPU per `clocks_event_reasons.active` bitmask (nvidia-smi --query-gpu). */
const masks = (list: string[]) =>
  smiCsv(
    list.map((mask, index) => ({
      index,
      name: 'NVIDIA H100 80GB HBM3',
      'clocks_event_reasons.active': mask,
      'temperature.gpu': 70,
      'power.draw [W]': '650.00 W',
      'power.limit [W]': '700.00 W',
    })),
  );

describe('clock-throttle on real outputs', () => {
  it('2× L4 and an L40S (real): only the idle reason is active — no finding', () => {
    expect(runOn('clock-throttle', [real(L4_XML)])).toEqual([]);
    expect(runOn('clock-throttle', [real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt')])).toEqual([]);
  });

  it('2× L4 (real -q -x, one reason edited per GPU): HW slowdown is critical, SW thermal a warning', () => {
    const file = realEdited(L4_XML, [
      [tag('hw_slowdown', 'Not Active'), tag('hw_slowdown', 'Active'), 0],
      [tag('sw_thermal_slowdown', 'Not Active'), tag('sw_thermal_slowdown', 'Active'), 1],
    ]);
    const found = runOn('clock-throttle', [
      file,
      workloads([{ name: 'transcode', kind: 'inference', gpus: [0] }]),
    ]);
    expect(found.map((f) => [f.gpus, f.severity])).toEqual([
      [[0], 'critical'],
      [[1], 'warning'],
    ]);
    const [hw, sw] = found as [(typeof found)[0], (typeof found)[0]];
    expect(hw.workloads).toEqual(['transcode']);
    expect(hw.title.en).toBe('GPU0 clocks cut by hw_slowdown');
    expect(hw.evidence).toEqual([
      {
        source: `${L4_XML} (edited)`,
        text: 'GPU0: clocks_event_reasons active = gpu_idle, hw_slowdown, 45 °C, 27.22 W / 72 W',
      },
    ]);
    expect(hw.detail.en).toContain('(hw_slowdown, 45 °C, 27.22 W / 72 W)');
    expect(sw.title.en).toBe('GPU1 clocks cut by sw_thermal_slowdown');
    expect(sw.detail.en).toBe(
      'GPU1 is thermally throttled by the driver (sw_thermal_slowdown, 40 °C): the cooling cannot keep up.',
    );
    for (const f of found) expect(f.impact).toBeNull();
  });

  it('L40S demo: GPU2 at 91 °C with HW thermal slowdown; GPU1 at its SW power cap is normal', () => {
    const f = one(runOn('clock-throttle', scenario('l40s')));
    expect(f.gpus).toEqual([2]);
    expect(f.severity).toBe('critical');
    expect(f.workloads).toEqual(['train-diffusion']);
    expect(f.evidence).toEqual([
      {
        source: 'l40s/bundle.txt#nvidia-smi-q-x',
        text: 'GPU2: clocks_event_reasons active = hw_thermal_slowdown, 91 °C, 262 W / 350 W',
      },
    ]);
    expect(f.impact).toBeNull();
  });
});

describe('clock-throttle on synthetic inputs (clocks_event_reasons.active bitmask)', () => {
  it('idle (0x1), application clocks (0x2), SW power cap (0x4), sync boost (0x10), display (0x100): none', () => {
    expect(runOn('clock-throttle', [masks(['0x1', '0x2', '0x4', '0x10', '0x100', '0x7', '0x0'])])).toEqual(
      [],
    );
  });

  it('HW slowdown (0x8), HW thermal (0x40), power brake (0x80) are critical; SW thermal (0x20) a warning', () => {
    const found = runOn('clock-throttle', [masks(['0x8', '0x40', '0x80', '0x20'])]);
    expect(found.map((f) => [f.gpus[0], f.severity, f.title.en])).toEqual([
      [0, 'critical', 'GPU0 clocks cut by hw_slowdown'],
      [1, 'critical', 'GPU1 clocks cut by hw_thermal_slowdown'],
      [2, 'critical', 'GPU2 clocks cut by hw_power_brake_slowdown'],
      [3, 'warning', 'GPU3 clocks cut by sw_thermal_slowdown'],
    ]);
    expect(found[0]!.evidence[0]?.source).toBe('query-gpu.csv');
  });

  it('the title names the throttling reasons, the evidence every active one', () => {
    const [both, capped] = runOn('clock-throttle', [masks(['0x0000000000000048', '0x24'])]);
    expect(both?.title.en).toBe('GPU0 clocks cut by hw_slowdown, hw_thermal_slowdown');
    expect(capped?.severity).toBe('warning');
    expect(capped?.title.en).toBe('GPU1 clocks cut by sw_thermal_slowdown');
    expect(texts(capped!)).toEqual([
      'GPU1: clocks_event_reasons active = sw_power_cap, sw_thermal_slowdown, 70 °C, 650 W / 700 W',
    ]);
  });

  it('unknown reasons (null) or a GPU without index: no finding', () => {
    const noIndex = gpu(0, (g) => {
      g.index = null;
      g.busId = '0000:17:00.0';
      g.clockEventReasons = ['hw_slowdown'];
    });
    expect(run('clock-throttle', snapshot({ gpus: [gpu(1), noIndex] }))).toEqual([]);
  });
});
