import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { fleetScore, gpuUtilScore, gradeOf, scoreHost } from '../../scoring/score.ts';
import { emptyGpu } from '../../scoring/snapshot.ts';
import { ingest } from '../../tools/ingest/index.ts';

const csv = (rows: string[]) =>
  `index, pci.bus_id, name, memory.total [MiB], memory.used [MiB], utilization.gpu [%]\n${rows.join('\n')}\n`;

describe('grades', () => {
  it('maps the published bands', () => {
    expect([95, 90, 89.6, 89.4, 75, 74.4, 60, 59.4, 40, 39.4, 0].map(gradeOf)).toEqual([
      'A',
      'A',
      'A',
      'B',
      'B',
      'C',
      'C',
      'D',
      'D',
      'F',
      'F',
    ]);
  });
});

describe('GPU score', () => {
  it('is (util × 0.4 + vram share × 0.3), normalised by 0.7 so a perfect GPU scores 1', () => {
    const g = emptyGpu();
    g.utilization.gpuPct = 100;
    g.memory = { totalMiB: 1000, usedMiB: 1000 };
    expect(gpuUtilScore(g)! / 0.7).toBeCloseTo(1, 9);
    g.utilization.gpuPct = 50;
    g.memory.usedMiB = 250;
    expect(gpuUtilScore(g)).toBeCloseTo(0.5 * 0.4 + 0.25 * 0.3, 9);
    g.utilization.gpuPct = null;
    expect(gpuUtilScore(g)).toBeNull();
  });
});

describe('host score', () => {
  it('a fully used server with no NUMA or topology data scores 100 (components renormalised)', () => {
    const { snapshot } = ingest([
      { name: 'a.csv', content: csv(['0, 00000000:17:00.0, NVIDIA H200, 1000 MiB, 1000 MiB, 100 %']) },
    ]);
    const s = scoreHost(buildContext(snapshot)).score!;
    expect(s).toMatchObject({ value: 100, grade: 'A', components: { gpu: 100, numa: null, io: null } });
  });

  it('is null with the reason when there is no utilisation data (topology only); findings still run', () => {
    const topo = 'samples/real/topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';
    const { snapshot } = ingest([
      { name: 'topo.txt', content: readFileSync(new URL(`../../${topo}`, import.meta.url)) },
      {
        name: 'w.json',
        content: JSON.stringify({
          workloads: [{ name: 'ddp', kind: 'training', gpus: [0, 2], cpus: '0-95' }],
        }),
      },
    ]);
    const a = analyzeHost(snapshot);
    expect(a.score).toBeNull();
    expect(a.scoreReason?.en).toMatch(/no utilisation data/);
    expect(a.findings.map((f) => f.rule)).toContain('cross-socket');
  });

  it('leaves unallocated GPUs out of the average when workloads are known (they are gpu-idle findings)', () => {
    const { snapshot } = ingest([
      {
        name: 'a.csv',
        content: csv([
          '0, 00000000:17:00.0, NVIDIA H200, 1000 MiB, 1000 MiB, 100 %',
          '1, 00000000:18:00.0, NVIDIA H200, 1000 MiB, 0 MiB, 0 %',
        ]),
      },
      {
        name: 'w.json',
        content: JSON.stringify({ workloads: [{ name: 'j', kind: 'training', gpus: [0] }] }),
      },
    ]);
    const a = analyzeHost(snapshot);
    expect(a.score?.value).toBe(100);
    expect(a.score?.basis.gpus).toBe(1);
    expect(a.findings.find((f) => f.rule === 'gpu-idle')?.gpus).toEqual([1]);
  });

  it('fleet score weights hosts by GPUs', () => {
    const mk = (value: number, gpus: number) => ({
      value,
      grade: gradeOf(value),
      components: { gpu: value, numa: null, io: null },
      basis: { gpus, numaGpus: 0, ioGpus: 0 },
    });
    expect(fleetScore([mk(100, 8), mk(50, 2), null])?.value).toBe(90);
    expect(fleetScore([null])).toBeNull();
  });
});
