/**
 * Hardware faults and the plan: a GPU with memory faults takes no other workload; a GPU that throttles for
 * heat may take a light one, but its fault stays in the planned state and the plan says who lands on it.
 */
import { describe, expect, it } from 'vitest';
import { planHost } from '../../scoring/placement/index.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { host, L40S_TOPO, scenario, smiCsv, topoText, workloads } from '../helpers/placement.ts';

describe('hardware faults in the plan', () => {
  it('L40S demo: the light inference job moves onto the throttling GPU2; clock-throttle stays after, with a note', () => {
    const p = planHost(scenario('l40s'));
    expect(p.targets['infer-ocr']!.gpus).toEqual([2]);
    expect(p.after.findings.some((f) => f.rule === 'clock-throttle' && f.gpus.includes(2))).toBe(true);
    expect(p.notes).toContain(
      'infer-ocr moves onto GPU2, which has hw_thermal_slowdown: the plan does not fix that — see its finding',
    );
  });

  it('a GPU with a pending row remap is offered to no other workload (its own may stay)', () => {
    const base = (): Snapshot =>
      host([
        { name: 'topo.txt', content: topoText(L40S_TOPO) },
        smiCsv([
          ['NVIDIA L40S', 30000, 46068, 90],
          ['NVIDIA L40S', 30000, 46068, 90],
          ['NVIDIA L40S', 0, 46068, 0],
          ['NVIDIA L40S', 0, 46068, 0],
        ]),
        // a 2-GPU job split across sockets: GPU2+GPU3 (NUMA 1) would fix it
        workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-95' }]),
      ]);
    const healthy = planHost(base());
    expect(healthy.targets.ddp!.gpus).not.toEqual([1, 2]);
    const faulty = base();
    faulty.gpus[3]!.ecc.remappedRows.pending = true;
    const p = planHost(faulty);
    for (const t of Object.values(p.targets)) expect(t.gpus).not.toContain(3);
    expect(
      p.notes.some((n) => n.startsWith('GPU3 is not offered to other workloads: a row remap pending')),
    ).toBe(true);
  });
});
