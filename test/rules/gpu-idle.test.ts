import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import type { Finding } from '../../scoring/findings.ts';
import {
  gpu,
  ingestAll,
  one,
  real,
  realEdited,
  run,
  runOn,
  scenario,
  snapshot,
  texts,
  workload,
  workloads,
} from './helpers.ts';

const L4_XML = 'smi-xml/l4-2x-drv555.42.06-with-processes.xml';
const H100_TABLE = 'smi-default/h100-sxm-8x-drv565.57.01-no-procs.txt';

function expectIdleImpact(f: Finding, util: number | 'unknown'): void {
  expect(f.impact).toEqual({
    model: 'idle-gpu-hours',
    value: 24,
    unit: 'GPU·h/day',
    summary: { en: expect.stringContaining('24 GPU·hours a day'), ko: expect.any(String) },
    figures: { gpus: 1, hours_per_day: 24, utilization_pct: util },
    sources: [],
  });
}

describe('gpu-idle on real outputs', () => {
  it('2× L4 (real -q -x, no workloads file): GPU0 runs ffmpeg processes at 2% with 1 MiB in use', () => {
    const f = one(runOn('gpu-idle', [real(L4_XML)]));
    expect(f.severity).toBe('warning');
    expect(f.gpus).toEqual([0]);
    expect(f.workloads).toEqual([]);
    expect(f.title.en).toBe('GPU0 held by a process but idle');
    expect(f.evidence).toEqual([
      { source: L4_XML, text: 'GPU0 NVIDIA L4: utilization.gpu 2 %, memory 1 / 23034 MiB' },
      { source: L4_XML, text: 'processes: ffmpeg (pid 10131), ffmpeg (pid 13597)' },
    ]);
    expectIdleImpact(f, 2);
    // GPU1 is at 3%: the threshold is strictly below 3%
  });

  it('8× H100 without processes and without a workloads file: every GPU at 0% with no memory in use is free', () => {
    const f = runOn('gpu-idle', [real(H100_TABLE)]);
    expect(f.map((x) => x.gpus[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f[0]!.title.en).toBe('GPU0 is not allocated to any workload');
    expect(f[0]!.detail.en).toMatch(/^Nothing ran on GPU0 when it was sampled: utilisation 0%/);
  });

  it('8× H100 with a workloads file: GPUs 0–3 held by an idle job, GPUs 4–7 not allocated at all', () => {
    const found = runOn('gpu-idle', [
      real(H100_TABLE),
      workloads([{ name: 'train', kind: 'training', gpus: [0, 1, 2, 3] }]),
    ]);
    expect(found.map((f) => f.gpus[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const held = found[0]!;
    expect(held.title.en).toBe('GPU0 held by train but idle');
    expect(held.workloads).toEqual(['train']);
    expect(held.detail.en).toBe('GPU0 is allocated but ran at 0% utilisation with 1 MiB held when sampled.');
    expect(held.evidence).toEqual([
      { source: H100_TABLE, text: 'GPU0 NVIDIA H100 80GB HBM3: utilization.gpu 0 %, memory 1 / 81559 MiB' },
      { source: 'workloads.json', text: 'held by train' },
    ]);
    const spare = found[4]!;
    expect(spare.title.en).toBe('GPU4 is not allocated to any workload');
    expect(spare.workloads).toEqual([]);
    expect(texts(spare)[1]).toBe('no workload or process on this GPU');
    expect(spare.evidence[1]?.source).toBe('workloads.json');
    expectIdleImpact(spare, 0);
  });

  it('8× H200 RL host (real table): GPUs at 0% but holding 94% of their memory are not idle', () => {
    expect(
      runOn('gpu-idle', [
        real('smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt'),
        workloads([
          { name: 'megatron', kind: 'training', gpus: [0, 1, 2, 3] },
          { name: 'rollout', kind: 'inference', gpus: [4, 5, 6, 7] },
        ]),
      ]),
    ).toEqual([]);
  });

  it('H200 demo: only the spare GPU4 (Proxmox VMs as the workloads)', () => {
    const f = one(runOn('gpu-idle', scenario('h200')));
    expect(f.gpus).toEqual([4]);
    expect(f.title.en).toBe('GPU4 is not allocated to any workload');
    expect(f.detail.en).toBe(
      'No workload or process uses GPU4 (utilisation 0%). It is paid for and does no work.',
    );
    expect(texts(f)[0]).toBe('GPU4 NVIDIA H200 NVL: utilization.gpu 0 %, memory 0 / 143771 MiB');
    // the workloads are the VM configs
    expect(f.evidence[1]?.source).toContain('h200/qemu-server/101.conf');
  });

  it('an idle L40S from a real dcgm-exporter scrape, held by a declared inference job', () => {
    const snap = ingestAll([
      real('dcgm/dcgm-exporter-metrics-l40s-1gpu-upcloud-uks-drv595.58.03-full.txt'),
      workloads([{ name: 'svc', kind: 'inference', gpus: [0] }]),
    ]);
    const f = one(run('gpu-idle', snap));
    expect(f.title.en).toBe('GPU0 held by svc but idle');
    expect(f.evidence[0]?.source).toBe(
      'dcgm/dcgm-exporter-metrics-l40s-1gpu-upcloud-uks-drv595.58.03-full.txt',
    );
  });
});

describe('gpu-idle on synthetic snapshots', () => {
  const held = (g: ReturnType<typeof gpu>) =>
    snapshot({ gpus: [g], workloads: [workload('svc', 'inference', [0])] });

  it('falls back to DCGM SM-active (× 100) when utilization.gpu is unknown', () => {
    const g = gpu(0, (x) => {
      x.memory = { totalMiB: 81559, usedMiB: 500 };
      x.metrics.smActive = 0.012;
    });
    const f = one(run('gpu-idle', held(g)));
    expect(f.detail.en).toBe('GPU0 is allocated but ran at 1.2% utilisation with 500 MiB held when sampled.');
    expectIdleImpact(f, 1.2);
  });

  it('thresholds: utilisation below 3% and memory below 3% of the total', () => {
    const at = (util: number, used: number) =>
      run(
        'gpu-idle',
        held(
          gpu(0, (x) => {
            x.memory = { totalMiB: 10000, usedMiB: used };
            x.utilization = { gpuPct: util, memoryPct: null };
          }),
        ),
      ).length;
    expect(at(2.9, 299)).toBe(1);
    expect(at(3, 0)).toBe(0);
    expect(at(0, 300)).toBe(0);
  });

  it('a training job at 0% holding its memory is idle (hung or waiting); an inference server holding its model is not', () => {
    const busyMem = gpu(0, (x) => {
      x.memory = { totalMiB: 143771, usedMiB: 135000 };
      x.utilization = { gpuPct: 0, memoryPct: 0 };
    });
    const train = snapshot({ gpus: [busyMem], workloads: [workload('job', 'training', [0])] });
    expect(one(run('gpu-idle', train)).detail.en).toBe(
      'GPU0 is allocated but ran at 0% utilisation with 135000 MiB held when sampled.',
    );
    expect(run('gpu-idle', held(busyMem))).toEqual([]);
  });

  it('an allocated GPU with unknown utilisation is not called idle; an unallocated one is, with utilisation unknown', () => {
    expect(run('gpu-idle', held(gpu(0)))).toEqual([]);
    const snap = snapshot({ gpus: [gpu(0), gpu(1)], workloads: [workload('svc', 'inference', [0])] });
    const f = one(run('gpu-idle', snap));
    expect(f.gpus).toEqual([1]);
    expect(f.detail.en).toBe(
      'No workload is assigned to GPU1 (no utilisation data says whether anything else runs on it).',
    );
    expectIdleImpact(f, 'unknown');
  });

  it('no workloads known: a GPU at 0% with no memory in use and no process is free; one at 5% or holding memory is not', () => {
    const free = gpu(0, (x) => {
      x.memory = { totalMiB: 10000, usedMiB: 0 };
      x.utilization = { gpuPct: 0, memoryPct: null };
    });
    const busy = gpu(1, (x) => {
      x.memory = { totalMiB: 10000, usedMiB: 0 };
      x.utilization = { gpuPct: 5, memoryPct: null };
    });
    const holding = gpu(2, (x) => {
      x.memory = { totalMiB: 10000, usedMiB: 9000 };
      x.utilization = { gpuPct: 0, memoryPct: null };
    });
    const f = run('gpu-idle', snapshot({ gpus: [free, busy, holding] }));
    expect(
      f.filter((x) => x.title.en.endsWith('not allocated to any workload')).map((x) => x.gpus[0]),
    ).toEqual([0]);
    const unknown = gpu(3, (x) => {
      x.memory = { totalMiB: 10000, usedMiB: 0 };
      x.utilization = { gpuPct: null, memoryPct: null };
    });
    expect(run('gpu-idle', snapshot({ gpus: [unknown] }))).toEqual([]);
  });

  it('a GPU with MIG instances counts as allocated (not "unallocated") even when no workload names it', () => {
    const g = gpu(1, (x) => {
      x.mig.mode = 'enabled';
      x.mig.devices = [
        {
          gi: 1,
          ci: 0,
          device: 0,
          profile: '1g.10gb',
          utilizationPct: null,
          profileId: 19,
          uuid: null,
          memoryTotalMiB: 9984,
          memoryUsedMiB: 13,
          smCount: 16,
          placement: null,
          window: null,
        },
      ];
      x.memory = { totalMiB: 81559, usedMiB: 13 };
      x.utilization = { gpuPct: 0, memoryPct: null };
    });
    const snap = snapshot({ gpus: [gpu(0), g], workloads: [workload('svc', 'inference', [0])] });
    const found = run('gpu-idle', snap);
    const mig = found.find((f) => f.gpus[0] === 1)!;
    expect(mig.title.en).toBe('GPU1 held by a process but idle');
    expect(texts(mig)[1]).toBe('1 MIG device(s), no workload or process');
  });
});

/** The real default table of an idle L40S with the display server on it (a workstation or console GPU). */
const L40S_TABLE = 'smi-default/l40s-1x-drv550.127.05-no-procs.txt';
const xorgTable = () =>
  realEdited(L40S_TABLE, [
    ['      1MiB /  46068MiB', '      5MiB /  46068MiB'],
    [
      '|  No running processes found                                                             |',
      '|    0   N/A  N/A      2712      G   /usr/lib/xorg/Xorg                              4MiB |',
    ],
  ]);
/** The real full -q text of the same idle L40S with Xorg in its Processes section. */
const L40S_Q = 'smi-xml/q-text-l40s-1x-drv550.127.05-full.txt';
const xorgQ = (type = 'G', name = '/usr/lib/xorg/Xorg') =>
  realEdited(L40S_Q, [
    [
      '    Processes                             : None',
      [
        '    Processes',
        '        GPU instance ID                   : N/A',
        '        Compute instance ID               : N/A',
        '        Process ID                        : 2712',
        `            Type                          : ${type}`,
        `            Name                          : ${name}`,
        '            Used GPU Memory               : 4 MiB',
      ].join('\n'),
    ],
  ]);

describe('gpu-idle on a GPU that only the display server uses', () => {
  it('real table + Xorg (type G): idle for compute, and the memory is the display server’s, not a workload’s', () => {
    // the old finding said "GPU0 held by a process but idle", as if some workload held it
    const f = one(runOn('gpu-idle', [xorgTable()]));
    expect(f.title.en).toBe('GPU0 is idle for compute: only the display server runs on it');
    expect(f.title.en).not.toContain('held by');
    expect(f.workloads).toEqual([]);
    expect(f.detail.en).toBe(
      'No workload or compute process uses GPU0 (utilisation 0%). The only processes are graphics ones (Xorg, type G): the 4 MiB it holds belong to the display server, not to a workload.',
    );
    expect(f.evidence).toEqual([
      {
        source: `${L40S_TABLE} (edited)`,
        text: 'GPU0 NVIDIA L40S: utilization.gpu 0 %, memory 5 / 46068 MiB',
      },
      { source: `${L40S_TABLE} (edited)`, text: 'processes: /usr/lib/xorg/Xorg (pid 2712, type G, 4 MiB)' },
    ]);
    expectIdleImpact(f, 0);
    expect(f.detail.ko).toContain('디스플레이 서버');
  });

  it('real -q text + Xorg: the same finding; the host has no score, and the reason names the display server', () => {
    const snap = ingestAll([xorgQ()]);
    expect(one(run('gpu-idle', snap)).title.en).toBe(
      'GPU0 is idle for compute: only the display server runs on it',
    );
    const a = analyzeHost(snap);
    expect(a.score).toBeNull();
    expect(a.scoreReason?.en).toBe('no GPU is in use for compute (only the display server runs, on GPU0)');
  });

  it('a compute process (type C) on the same GPU keeps the old wording: some process holds it', () => {
    const f = one(runOn('gpu-idle', [xorgQ('C', 'python serve.py')]));
    expect(f.title.en).toBe('GPU0 held by a process but idle');
  });

  it('a GPU with the display server and a workload on it is the workload’s (not display-only)', () => {
    const f = one(
      runOn('gpu-idle', [xorgTable(), workloads([{ name: 'job', kind: 'training', gpus: [0] }])]),
    );
    expect(f.title.en).toBe('GPU0 held by job but idle');
  });

  it('display work at ≥ 3% utilisation is not called idle; the type unknown, Xorg by name still counts as graphics', () => {
    const busy = (type: string | null, util: number) =>
      snapshot({
        gpus: [
          gpu(0, (x) => {
            x.memory = { totalMiB: 46068, usedMiB: 200 };
            x.utilization = { gpuPct: util, memoryPct: null };
          }),
        ],
        processes: [
          {
            pid: 1,
            gpuIndex: 0,
            gpuUuid: null,
            name: '/usr/bin/gnome-shell',
            type,
            usedMemoryMiB: 180,
            gi: null,
            ci: null,
          },
        ],
      });
    expect(run('gpu-idle', busy('G', 12))).toEqual([]);
    expect(one(run('gpu-idle', busy(null, 0))).title.en).toBe(
      'GPU0 is idle for compute: only the display server runs on it',
    );
  });
});

describe('gpu-idle on out-of-range readings', () => {
  it('a negative utilisation is taken as 0%: idle, with the raw value in the evidence', () => {
    const g = gpu(0, (x) => {
      x.memory = { totalMiB: 81559, usedMiB: 100 };
      x.utilization = { gpuPct: -7, memoryPct: null };
    });
    const f = one(run('gpu-idle', snapshot({ gpus: [g], workloads: [workload('job', 'training', [0])] })));
    expect(f.detail.en).toBe('GPU0 is allocated but ran at 0% utilisation with 100 MiB held when sampled.');
    expect(texts(f)[0]).toBe(
      'GPU0: utilization.gpu -7 %, memory 100 / 81559 MiB (out of range: utilization.gpu -7 % is outside 0–100 %: taken as 0 %)',
    );
    expectIdleImpact(f, 0);
  });
});
