import { describe, expect, it } from 'vitest';
import { round } from '../../scoring/findings.ts';
import { gpu, one, real, run, runOn, scenario, smiCsv, snapshot, workload, workloads } from './helpers.ts';

const H200_TABLE = 'smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt';
/** The gpu-wait model: GPU·hours a day waiting = (1 − util) × 24 × GPUs. */
const waitHours = (utilPct: number, gpus: number) => round((1 - utilPct / 100) * 24 * gpus, 1);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const cards = (rows: [util: number | string, usedMiB: number][]) =>
  smiCsv(
    rows.map(([util, used], index) => ({
      index,
      name: 'NVIDIA H100 80GB HBM3',
      'memory.total [MiB]': '81559 MiB',
      'memory.used [MiB]': `${used} MiB`,
      'utilization.gpu [%]': typeof util === 'number' ? `${util} %` : util,
    })),
  );
const train = (gpus: number[], extra: { distributed?: boolean } = {}) =>
  workloads([{ name: 'ft', kind: 'training', gpus, ...extra }]);

describe('io-bound on real outputs', () => {
  it('H200 demo: train-rec-c at 34% with 63% of VRAM resident, CPUs on the other node (S42 named)', () => {
    const f = one(runOn('io-bound', scenario('h200')));
    expect(f.severity).toBe('warning');
    expect(f.gpus).toEqual([2]);
    expect(f.workloads).toEqual(['train-rec-c']);
    expect(f.evidence).toEqual([
      {
        source: 'h200/bundle.txt#nvidia-smi-q-x',
        text: 'GPU2 NVIDIA H200 NVL: utilization.gpu 34 %, memory 90114 / 143771 MiB',
      },
    ]);
    expect(f.detail.en).toContain('Its CPUs are on the other NUMA node (see numa-mismatch)');
    expect(f.impact).toEqual({
      model: 'gpu-wait',
      value: waitHours(34, 1),
      unit: 'GPU·h/day',
      summary: {
        en: `the GPUs wait 66% of the time: ${waitHours(34, 1)} GPU·hours a day`,
        ko: expect.any(String),
      },
      figures: {
        utilization_pct: 34,
        wait_share_pct: 66,
        memory_share: round(90114 / 143771, 3),
        gpus: 1,
        wait_GPU_h_per_day: 15.8,
      },
      sources: ['S64', 'S71', 'S42'],
    });
    // train-vision-b (48%) is slowed by its split ring (nvlink-split / cross-socket), not by its input
  });

  it('8× H200 RL host (real table): one job over all 8 GPUs averages 29.5% with the model resident', () => {
    const utils = [68, 65, 51, 52, 0, 0, 0, 0];
    const used = [87321, 97399, 90717, 90237, 135846, 135852, 136106, 135872];
    const f = one(
      runOn('io-bound', [
        real(H200_TABLE),
        workloads([{ name: 'rl', kind: 'training', gpus: [0, 1, 2, 3, 4, 5, 6, 7] }]),
      ]),
    );
    expect(f.gpus).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(f.evidence).toHaveLength(8);
    expect(f.evidence[0]).toEqual({
      source: H200_TABLE,
      text: 'GPU0 NVIDIA H200: utilization.gpu 68 %, memory 87321 / 143771 MiB',
    });
    expect(f.impact?.figures).toEqual({
      utilization_pct: round(mean(utils), 1),
      wait_share_pct: round(100 - mean(utils), 0),
      memory_share: round(mean(used.map((u) => u / 143771)), 3),
      gpus: 8,
      wait_GPU_h_per_day: waitHours(mean(utils), 8),
    });
    expect(f.impact?.value).toBe(135.4);
    // no topology: the ring cannot be blamed; no CPU affinity: no NUMA remark
    expect(f.impact?.sources).toEqual(['S64', 'S71']);
  });

  it('8× H200 RL host (real table): the Megatron job alone runs at 59% on average, not io-bound', () => {
    expect(
      runOn('io-bound', [
        real(H200_TABLE),
        workloads([{ name: 'megatron', kind: 'training', gpus: [0, 1, 2, 3] }]),
      ]),
    ).toEqual([]);
  });

  it('4× P100 (real CSV): 32.5% utilisation but the model holds only 15% of memory', () => {
    expect(
      runOn('io-bound', [
        real('smi-csv/p100-pcie-4x-drv418-many-fields-not-supported-EDITED.csv.txt'),
        train([0, 1, 2, 3]),
      ]),
    ).toEqual([]);
  });
});

describe('io-bound on synthetic inputs', () => {
  it('thresholds: average utilisation in [3, 50) and memory share ≥ 30%', () => {
    const at = (util: number, used: number) => runOn('io-bound', [cards([[util, used]]), train([0])]).length;
    const third = Math.ceil(0.3 * 81559);
    expect(at(49, third)).toBe(1);
    expect(at(50, third)).toBe(0);
    expect(at(3, third)).toBe(1);
    expect(at(2, third)).toBe(0);
    expect(at(20, third - 1)).toBe(0);
  });

  it('averages over the job GPUs', () => {
    const f = one(
      runOn('io-bound', [
        cards([
          [10, 40000],
          [60, 40000],
        ]),
        train([0, 1], { distributed: false }),
      ]),
    );
    expect(f.impact?.figures).toMatchObject({
      utilization_pct: 35,
      wait_share_pct: 65,
      gpus: 2,
      wait_GPU_h_per_day: waitHours(35, 2),
    });
  });

  it('not for inference, nor when one GPU of the job has no utilisation reading', () => {
    expect(
      runOn('io-bound', [cards([[20, 40000]]), workloads([{ name: 'svc', kind: 'inference', gpus: [0] }])]),
    ).toEqual([]);
    expect(
      runOn('io-bound', [
        cards([
          [20, 40000],
          ['[N/A]', 40000],
        ]),
        train([0, 1]),
      ]),
    ).toEqual([]);
  });

  it('a distributed job on the best ring of the host (ratio 1) is io-bound; one on a poor ring is not', () => {
    const loaded = (i: number) =>
      gpu(i, (g) => {
        g.memory = { totalMiB: 81559, usedMiB: 40000 };
        g.utilization = { gpuPct: 20, memoryPct: null };
      });
    const links = [
      { a: 'GPU0', b: 'GPU1', kind: 'NV' as const, nvlinks: 4, raw: 'NV4' },
      { a: 'GPU0', b: 'GPU2', kind: 'SYS' as const, nvlinks: null, raw: 'SYS' },
      { a: 'GPU1', b: 'GPU2', kind: 'SYS' as const, nvlinks: null, raw: 'SYS' },
    ];
    const gpus = [loaded(0), loaded(1), loaded(2)];
    const good = snapshot({ gpus, links, workloads: [workload('ddp', 'training', [0, 1])] });
    expect(one(run('io-bound', good)).gpus).toEqual([0, 1]);
    const poor = snapshot({ gpus, links, workloads: [workload('ddp', 'training', [0, 2])] });
    expect(run('io-bound', poor)).toEqual([]);
  });
});
