import { describe, expect, it } from 'vitest';
import { type Finding, round } from '../../scoring/findings.ts';
import {
  gpu,
  ingestAll,
  one,
  real,
  run,
  runOn,
  scenario,
  smiCsv,
  snapshot,
  texts,
  workload,
  workloads,
} from './helpers.ts';

const H100_TABLE = 'smi-default/h100-sxm-8x-drv565.57.01-no-procs.txt';
const H200_TABLE = 'smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt';
const H100_LGIP = 'mig/h100-80gb-hbm3-lgip.txt';
const HEADROOM = 0.9;

/** The mig-capacity model: share of the GPU freed = 1 − profile slices / all slices. */
const freed = (slices: number, of: number) => round(1 - slices / of, 2);

function expectMigImpact(f: Finding, profile: string, slices: number, of: number): void {
  expect(f.impact?.model).toBe('mig-capacity');
  expect(f.impact?.unit).toBe('GPU');
  expect(f.impact?.value).toBe(freed(slices, of));
  expect(f.impact?.figures).toMatchObject({
    profile,
    profile_compute_slices: slices,
    gpu_compute_slices: of,
    gpu_freed: freed(slices, of),
  });
  expect(f.impact?.summary.en).toContain(`(${of - slices} of ${of} compute slices)`);
}

/** One H100 80GB HBM3 as `nvidia-smi --query-gpu` prints it. */
const h100Csv = (usedMiB: number, util: number, extra: Record<string, string | number> = {}) =>
  smiCsv([
    {
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      'memory.total [MiB]': '81559 MiB',
      'memory.used [MiB]': `${usedMiB} MiB`,
      'utilization.gpu [%]': `${util} %`,
      ...extra,
    },
  ]);

describe('mig-candidate on real outputs', () => {
  it('H200 demo: the two inference VMs fit 1g.18gb (memory of their processes, utilisation as compute)', () => {
    const found = runOn('mig-candidate', scenario('h200'));
    expect(found.map((f) => [f.workloads[0], f.gpus[0]])).toEqual([
      ['infer-chat', 6],
      ['infer-embed', 7],
    ]);
    const chat = found[0]!;
    expect(chat.severity).toBe('warning');
    // tritonserver uses 12254 MiB = 11.97 GiB ≤ 0.9 × 18 GB; 7% ≤ 1/7 of the compute
    expect(12254 / 1024).toBeLessThanOrEqual(HEADROOM * 18);
    expect(chat.evidence).toEqual([
      {
        source: 'h200/bundle.txt#nvidia-smi-q-x',
        text: 'GPU6 NVIDIA H200 NVL: utilization.gpu 7 %, memory 12772 / 143771 MiB',
      },
      {
        source: 'h200/bundle.txt#nvidia-smi-q-x',
        text: 'infer-chat: memory need 12 GiB (processes), compute 7% (utilization.gpu)',
      },
      {
        source: 'scoring/gpu-models.ts',
        text: 'H200 NVL 141GB MIG 1g.18gb: 1/7 compute slices, 18 GB, profile id 19',
      },
    ]);
    expect(chat.impact?.figures).toMatchObject({
      memory_need_GiB: round(12254 / 1024, 2),
      compute_need: 0.07,
      profile_memory_GB: 18,
    });
    expectMigImpact(chat, '1g.18gb', 1, 7);
  });

  it('8× H100 SXM (real table) with a declared 30 GiB inference job on GPU3: 3g.40gb', () => {
    const f = one(
      runOn('mig-candidate', [
        real(H100_TABLE),
        workloads([{ name: 'llm', kind: 'inference', gpus: [3], memoryGiB: 30 }]),
      ]),
    );
    expect(f.gpus).toEqual([3]);
    // 1g.10gb 9 GiB, 1g.20gb/2g.20gb 18 GiB usable: too small; 3g.40gb: 36 GiB
    expect(HEADROOM * 20).toBeLessThan(30);
    expect(HEADROOM * 40).toBeGreaterThanOrEqual(30);
    expect(texts(f)).toContain('llm: memory need 30 GiB (declared), compute 0% (utilization.gpu)');
    expect(f.evidence[1]?.source).toBe('workloads.json');
    expect(f.evidence[0]).toEqual({
      source: H100_TABLE,
      text: 'GPU3 NVIDIA H100 80GB HBM3: utilization.gpu 0 %, memory 1 / 81559 MiB',
    });
    expectMigImpact(f, '3g.40gb', 3, 7);
  });

  it('8× H200 RL host (real table): tensor-parallel rollouts on 2 GPUs are not single-GPU inference', () => {
    expect(
      runOn('mig-candidate', [
        real(H200_TABLE),
        workloads([
          { name: 'megatron', kind: 'training', gpus: [0, 1, 2, 3] },
          { name: 'rollout-a', kind: 'inference', gpus: [4, 5] },
          { name: 'rollout-b', kind: 'inference', gpus: [6, 7] },
        ]),
      ]),
    ).toEqual([]);
  });

  it('8× H200 (real table): a single-GPU server using 132.7 GiB fits no profile below 7g', () => {
    expect(
      runOn('mig-candidate', [
        real(H200_TABLE),
        workloads([{ name: 'sglang', kind: 'inference', gpus: [4] }]),
      ]),
    ).toEqual([]);
  });

  it('uses the usable memory of the GPU own `mig -lgip` (real H100: 1g.10gb = 9.75 GiB) instead of 0.9 × 10', () => {
    const job = workloads([{ name: 'small', kind: 'inference', gpus: [0], memoryGiB: 9.2 }]);
    // the -lgip lists profiles (so on its own it says MIG is on); the CSV says MIG is currently disabled
    const withLgip = one(
      runOn('mig-candidate', [real(H100_LGIP), h100Csv(9500, 5, { 'mig.mode.current': 'Disabled' }), job]),
    );
    expect(withLgip.impact?.figures.profile).toBe('1g.10gb');
    expect(texts(withLgip)).toContain('H100 SXM5 80GB MIG 1g.10gb: 1/7 compute slices, 10 GB, profile id 19');
    // without it, 9.2 GiB > 0.9 × 10 GB: the next profile with room is 1g.20gb (still one compute slice)
    const without = one(runOn('mig-candidate', [h100Csv(9500, 5), job]));
    expect(without.impact?.figures.profile).toBe('1g.20gb');
    expectMigImpact(without, '1g.20gb', 1, 7);
  });

  it('not when MIG is already enabled (real A30 and H100 NVL with MIG devices)', () => {
    for (const rel of [
      'smi-default/a30-mig-enabled-3-mig-devices-drv535.183.01.txt',
      'smi-default/h100-nvl-azure-mig-enabled-3-mig-devices-drv560.35.03.txt',
    ]) {
      const snap = ingestAll([
        real(rel),
        workloads([{ name: 'svc', kind: 'inference', gpus: [0], memoryGiB: 2 }]),
      ]);
      expect(snap.gpus[0]?.mig.mode).toBe('enabled');
      expect(run('mig-candidate', snap), rel).toEqual([]);
    }
  });

  it('never on GPUs without MIG: L4 (real -q -x) and L40S (real -q, demo scenario)', () => {
    expect(
      runOn('mig-candidate', [
        real('smi-xml/l4-2x-drv555.42.06-with-processes.xml'),
        workloads([{ name: 'ffmpeg', kind: 'inference', gpus: [0] }]),
      ]),
    ).toEqual([]);
    expect(
      runOn('mig-candidate', [
        real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt'),
        workloads([{ name: 'svc', kind: 'inference', gpus: [0], memoryGiB: 4 }]),
      ]),
    ).toEqual([]);
    expect(runOn('mig-candidate', scenario('l40s'))).toEqual([]);
  });

  it('not without a utilisation reading (real CSV with name and memory.total only)', () => {
    const snap = ingestAll([
      real('smi-csv/h100-8x-query-gpu-name-memtotal.csv.txt'),
      workloads([{ name: 'svc', kind: 'inference', gpus: [0], memoryGiB: 4 }]),
    ]);
    expect(snap.gpus[0]?.family).toBe('H100-SXM');
    expect(run('mig-candidate', snap)).toEqual([]);
  });
});

describe('mig-candidate on synthetic inputs', () => {
  const job = (extra: Partial<{ memoryGiB: number }> = {}) =>
    workloads([{ name: 'svc', kind: 'inference', gpus: [0], ...extra }]);

  it('the compute need picks the profile: 50% utilisation needs 4 of 7 slices (4g.40gb)', () => {
    const f = one(runOn('mig-candidate', [h100Csv(5 * 1024, 50), job()]));
    // 3/7 = 0.43 < 0.5 ≤ 4/7 = 0.57
    expectMigImpact(f, '4g.40gb', 4, 7);
    expect(f.impact?.figures).toMatchObject({
      memory_need_GiB: 5,
      compute_need: 0.5,
      gpu_memory_GiB_used: 5,
    });
    expect(texts(f)).toContain('svc: memory need 5 GiB (gpu), compute 50% (utilization.gpu)');
    // no process list: the need is the GPU's memory in use, read from the CSV
    expect(f.evidence[1]?.source).toBe('query-gpu.csv');
  });

  it('not when the compute need exceeds 6/7 of the GPU, or the memory need exceeds 0.9 × 4g.40gb', () => {
    expect(runOn('mig-candidate', [h100Csv(2048, 90), job()])).toEqual([]);
    expect(runOn('mig-candidate', [h100Csv(2048, 10), job({ memoryGiB: 37 })])).toEqual([]);
    // the boundary: 36 GiB = 0.9 × 40 still fits 3g.40gb
    expect(
      one(runOn('mig-candidate', [h100Csv(2048, 10), job({ memoryGiB: 36 })])).impact?.figures.profile,
    ).toBe('3g.40gb');
  });

  it('A30 (4 compute slices): 1g.6gb frees 3/4 of the GPU', () => {
    const f = one(
      runOn('mig-candidate', [
        smiCsv([
          {
            index: 0,
            name: 'NVIDIA A30',
            'memory.total [MiB]': '24576 MiB',
            'memory.used [MiB]': '4000 MiB',
            'utilization.gpu [%]': '12 %',
          },
        ]),
        job(),
      ]),
    );
    expectMigImpact(f, '1g.6gb', 1, 4);
    expect(f.impact?.value).toBe(0.75);
  });

  it('not for training, not when two workloads already share the GPU, not on a vGPU (mdev) slice', () => {
    expect(
      runOn('mig-candidate', [h100Csv(2048, 5), workloads([{ name: 'ft', kind: 'training', gpus: [0] }])]),
    ).toEqual([]);
    expect(
      runOn('mig-candidate', [
        h100Csv(2048, 5),
        workloads([
          { name: 'a', kind: 'inference', gpus: [0] },
          { name: 'b', kind: 'inference', gpus: [0] },
        ]),
      ]),
    ).toEqual([]);
    const h100 = gpu(0, (g) => {
      g.name = 'NVIDIA H100 80GB HBM3';
      g.family = 'H100-SXM';
      g.memory = { totalMiB: 81559, usedMiB: 2048 };
      g.utilization = { gpuPct: 5, memoryPct: null };
    });
    const vgpu = workload('vm', 'inference', [0], {
      vm: {
        vmid: 300,
        hostpci: [
          {
            slot: 'hostpci0',
            busId: '0000:18:00.0',
            mapping: null,
            mdev: 'nvidia-1234',
            pcie: true,
            raw: '0000:18:00,mdev=nvidia-1234',
          },
        ],
        affinity: null,
        numa: null,
        numaNodes: [],
        cores: null,
        sockets: null,
        memoryMiB: null,
        machine: null,
        tags: [],
      },
    });
    expect(run('mig-candidate', snapshot({ gpus: [h100], workloads: [vgpu] }))).toEqual([]);
    // the same job as a whole-GPU passthrough fires
    expect(
      run('mig-candidate', snapshot({ gpus: [h100], workloads: [workload('vm', 'inference', [0])] })),
    ).toHaveLength(1);
  });

  it('DCGM SM-active is the compute need when present (utilization.gpu overstates use)', () => {
    const h100 = gpu(0, (g) => {
      g.name = 'NVIDIA H100 80GB HBM3';
      g.family = 'H100-SXM';
      g.memory = { totalMiB: 81559, usedMiB: 8000 };
      g.utilization = { gpuPct: 60, memoryPct: null };
      g.metrics.smActive = 0.12;
    });
    const f = one(
      run('mig-candidate', snapshot({ gpus: [h100], workloads: [workload('svc', 'inference', [0])] })),
    );
    expect(f.impact?.figures).toMatchObject({ compute_need: 0.12, profile: '1g.10gb' });
    expect(texts(f)).toContain('svc: memory need 7.8 GiB (gpu), compute 12% (sm_active)');
  });
});
