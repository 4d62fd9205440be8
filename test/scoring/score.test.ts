import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { fleetScore, gpuUtilScore, gradeOf, migUnits, scoreHost } from '../../scoring/score.ts';
import { emptyGpu, emptyMigDevice, type Gpu } from '../../scoring/snapshot.ts';
import { ingest } from '../../tools/ingest/index.ts';
import { gpu, ingestAll, real, realEdited, snapshot, workload } from '../rules/helpers.ts';

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

  it('a topology-only upload without workloads: no utilisation data (not "no GPU is in use")', () => {
    // the old reason said no GPU was in use, although nothing said whether any was
    for (const f of [
      'l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt',
      'rtx4090-8x-pcie-2socket-all-sys-2nic.txt',
    ]) {
      const a = analyzeHost(ingestAll([real(`topo/${f}`)]));
      expect(a.score).toBeNull();
      expect(a.scoreReason?.en, f).toMatch(/^no utilisation data/);
    }
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

const MIG_REASON =
  /^GPU utilisation is not reported in MIG mode \(nvidia-smi prints N\/A for .*\): send dcgm-exporter metrics \(DCGM_FI_PROF_GR_ENGINE_ACTIVE per instance\) for a score$/;

describe('MIG hosts (utilisation N/A in MIG mode)', () => {
  // the old reason blamed "a topology-only upload, or a passthrough host" (or said no GPU was in use)
  it.each([
    ['smi-default/a30-mig-enabled-3-mig-devices-drv535.183.01.txt', 'GPU0; its 3 MIG instances'],
    ['smi-default/h100-nvl-azure-mig-enabled-3-mig-devices-drv560.35.03.txt', 'GPU0; its 3 MIG instances'],
    ['smi-default/a100-80gb-pcie-maxiv-mig-devices-table-only-PARTIAL.txt', 'GPU0; its 4 MIG instances'],
    [
      'smi-xml/a100-sxm4-80gb-mig-4x1g.20gb-drv535-gpu0-only-telegraf.xml',
      'GPU 0000:01:00.0; its 4 MIG instances',
    ],
    ['mig/a30-nvidia-smi-L-3-mig-devices.txt', 'GPU0; its 3 MIG instances'],
    ['mig/h100-80gb-hbm3-lgi-7x-1g.10gb.txt', 'GPU0; its 7 MIG instances'],
    [
      'mig/80gb-class-multi-gpu-mig-lgi-mixed-1g-2g-3g-FRAGMENT-gpu0-1.txt',
      'GPU0, GPU1; its 8 MIG instances',
    ],
    ['dcgm/dcgm-exporter-metrics-8x-a800-sxm4-gpu0-mig-3x2g.20gb-drv535.txt', 'GPU0; its 3 MIG instances'],
  ])('%s: no score, and the reason is MIG', (file, what) => {
    const a = analyzeHost(ingestAll([real(file)]));
    expect(a.score).toBeNull();
    expect(a.scoreReason?.en).toMatch(MIG_REASON);
    expect(a.scoreReason?.en).toContain(what);
    expect(a.scoreReason?.en).not.toContain('topology-only');
    expect(a.scoreReason?.ko).toContain('DCGM_FI_PROF_GR_ENGINE_ACTIVE');
  });

  it('the real A30 table with a process on GI 2: the reason counts the instance that runs it', () => {
    const file = realEdited('smi-default/a30-mig-enabled-3-mig-devices-drv535.183.01.txt', [
      [
        '|  No running processes found                                                           |',
        '|    0    2    0      48213      C   python3 serve.py                             12MiB |',
      ],
    ]);
    const a = analyzeHost(ingestAll([file]));
    expect(a.scoreReason?.en).toContain(
      'its 3 MIG instances (1 running a process) cannot be scored without it',
    );
  });

  /** An H200 NVL in MIG mode with instances of the given profile, utilisation and memory use. */
  const migGpu = (index: number, instances: [profile: string, util: number | null, usedMiB: number][]): Gpu =>
    gpu(index, (x) => {
      x.name = 'NVIDIA H200 NVL';
      x.memory = { totalMiB: 143771, usedMiB: instances.reduce((a, i) => a + i[2], 0) };
      x.mig.mode = 'enabled';
      x.mig.devices = instances.map(([profile, util, used], k) => ({
        ...emptyMigDevice(),
        gi: k + 1,
        ci: 0,
        device: k,
        profile,
        memoryTotalMiB: profile === '3g.71gb' ? 72704 : 16384,
        memoryUsedMiB: used,
        utilizationPct: util,
      }));
    });

  it('instances that report their own utilisation (DCGM) are scored, weighted by compute slices', () => {
    const g = migGpu(0, [
      ['3g.71gb', 80, 36352],
      ['1g.18gb', 20, 8192],
    ]);
    const u = migUnits(buildContext(snapshot({ gpus: [g] })), g)!;
    const s3 = (0.8 * 0.4 + 0.5 * 0.3) / 0.7;
    const s1 = (0.2 * 0.4 + 0.5 * 0.3) / 0.7;
    expect(u.weight).toBeCloseTo(4 / 7, 9);
    expect(u.score).toBeCloseTo((3 * s3 + s1) / 4, 9);
    expect(scoreHost(buildContext(snapshot({ gpus: [g] }))).score?.components.gpu).toBe(
      Math.round(1000 * u.score) / 10,
    );
  });

  it('a MIG GPU next to whole GPUs: the others are scored and a note says why the MIG GPU is left out', () => {
    const whole = gpu(1, (x) => {
      x.name = 'NVIDIA H200 NVL';
      x.memory = { totalMiB: 143771, usedMiB: 143771 };
      x.utilization = { gpuPct: 100, memoryPct: null };
    });
    const snap = snapshot({
      gpus: [migGpu(0, [['1g.18gb', null, 8192]]), whole],
      workloads: [workload('a', 'inference', [0]), workload('b', 'training', [1])],
    });
    const r = scoreHost(buildContext(snap));
    expect(r.score).toMatchObject({ value: 100, basis: { gpus: 1 } });
    expect(r.notes).toEqual([
      'GPU0 not in the GPU score: utilisation is not reported in MIG mode (send dcgm-exporter metrics with DCGM_FI_PROF_GR_ENGINE_ACTIVE per instance)',
    ]);
    expect(analyzeHost(snap).notes).toContain(r.notes[0]);
  });
});

describe('range checks at scoring time (values the parsers should have rejected)', () => {
  const bad = (util: number, used: number, total = 143771) =>
    gpu(0, (x) => {
      x.name = 'NVIDIA H200';
      x.memory = { totalMiB: total, usedMiB: used };
      x.utilization = { gpuPct: util, memoryPct: null };
    });

  it('negative utilisation: never a negative score (the old one was −45.4), with a note', () => {
    const snap = snapshot({ gpus: [bad(-80, 1000)], workloads: [workload('job', 'training', [0])] });
    const r = scoreHost(buildContext(snap));
    // old: (−0.8 × 0.4 + 1000/143771 × 0.3) / 0.7 = −0.454 → −45.4; now utilisation 0 %: 0.3 %
    expect(r.score?.value).toBe(0.3);
    expect(r.score?.grade).toBe('F');
    expect(r.notes).toEqual(['GPU0: utilization.gpu -80 % is outside 0–100 %: taken as 0 %']);
  });

  it('utilisation above 100 % and memory used above the total are clamped: 100, not more', () => {
    const r = scoreHost(buildContext(snapshot({ gpus: [bad(140, 150000)] })));
    expect(r.score).toMatchObject({ value: 100, components: { gpu: 100 } });
    expect(r.notes).toEqual([
      'GPU0: utilization.gpu 140 % is outside 0–100 %: taken as 100 %',
      'GPU0: memory.used 150000 MiB exceeds memory.total 143771 MiB: taken as 143771 MiB',
    ]);
    expect(gpuUtilScore(bad(140, 150000))! / 0.7).toBeCloseTo(1, 9);
  });

  it('negative memory used is 0; a total of 0 is unknown (no division by zero)', () => {
    expect(gpuUtilScore(bad(50, -20))).toBeCloseTo(0.2, 9);
    expect(gpuUtilScore(bad(50, 10, 0))).toBeNull();
  });

  it('MIG instance readings are clamped too', () => {
    const g = gpu(0, (x) => {
      x.name = 'NVIDIA H200 NVL';
      x.mig.mode = 'enabled';
      x.mig.devices = [
        {
          ...emptyMigDevice(),
          gi: 1,
          profile: '7g.141gb',
          memoryTotalMiB: 143360,
          memoryUsedMiB: 200000,
          utilizationPct: 250,
        },
      ];
    });
    const r = scoreHost(buildContext(snapshot({ gpus: [g] })));
    expect(r.score?.value).toBe(100);
    expect(r.notes).toEqual([
      'GPU0 MIG instance 1: instance utilisation 250 % is outside 0–100 %: taken as 100 %',
      'GPU0 MIG instance 1: instance memory.used 200000 MiB exceeds instance memory.total 143360 MiB: taken as 143360 MiB',
    ]);
  });

  it('the analysis carries the notes, and the per-GPU view keeps the values as read', () => {
    const a = analyzeHost(snapshot({ gpus: [bad(-5, 1000)] }));
    expect(a.notes).toContain('GPU0: utilization.gpu -5 % is outside 0–100 %: taken as 0 %');
    expect(a.gpus[0]?.utilizationPct).toBe(-5);
    expect(a.gpus[0]?.score.gpuScore).toBeGreaterThanOrEqual(0);
  });
});

describe('GPUs only the display server uses', () => {
  it('are not allocated for the score (spare compute capacity), like a GPU nobody uses', () => {
    const idle = (i: number) =>
      gpu(i, (x) => {
        x.memory = { totalMiB: 46068, usedMiB: 5 };
        x.utilization = { gpuPct: 0, memoryPct: null };
      });
    const busy = gpu(1, (x) => {
      x.memory = { totalMiB: 46068, usedMiB: 46068 };
      x.utilization = { gpuPct: 100, memoryPct: null };
    });
    const xorg = {
      pid: 2712,
      gpuIndex: 0,
      gpuUuid: null,
      name: '/usr/lib/xorg/Xorg',
      type: 'G',
      usedMemoryMiB: 4,
      gi: null,
      ci: null,
    };
    const snap = snapshot({
      gpus: [idle(0), busy],
      processes: [xorg, { ...xorg, pid: 9, gpuIndex: 1, type: 'C' }],
    });
    const r = scoreHost(buildContext(snap));
    // the old score averaged the display GPU in: (0 + 100) / 2 = 50
    expect(r.score).toMatchObject({ value: 100, basis: { gpus: 1 } });
    expect(r.perGpu.find((p) => p.gpu === 0)?.allocated).toBe(false);
  });
});
