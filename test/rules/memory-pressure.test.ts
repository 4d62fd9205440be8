import { describe, expect, it } from 'vitest';
import { round } from '../../scoring/findings.ts';
import { gpu, one, real, run, runOn, scenario, smiCsv, snapshot, workloads } from './helpers.ts';

const mem = (rows: [used: number, total: number | string][]) =>
  smiCsv(
    rows.map(([used, total], index) => ({
      index,
      name: 'NVIDIA L40S',
      'memory.total [MiB]': typeof total === 'number' ? `${total} MiB` : total,
      'memory.used [MiB]': `${used} MiB`,
      'utilization.gpu [%]': '80 %',
    })),
  );

describe('memory-pressure on real outputs', () => {
  it('8× H200 RL host (real table): the rollout GPUs hold 94.5–94.7% of their memory, just under 95%', () => {
    const snapFiles = [real('smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt')];
    expect(136106 / 143771).toBeLessThan(0.95);
    expect(runOn('memory-pressure', snapFiles)).toEqual([]);
  });

  it('8× H200 (real --query-gpu CSV, all at 100%): at most 90.5% of memory, no finding', () => {
    expect(
      runOn('memory-pressure', [real('smi-csv/h200-8x-query-gpu-index-uuid-mem-util-busy.csv.txt')]),
    ).toEqual([]);
  });

  it('L40S demo: vLLM on GPU3 leaves 1118 MiB of 46068 (97.6%): warning, below the 98% critical line', () => {
    const f = one(runOn('memory-pressure', scenario('l40s')));
    const share = 44950 / 46068;
    expect(f.severity).toBe('warning');
    expect(f.gpus).toEqual([3]);
    expect(f.workloads).toEqual(['infer-llm-8b']);
    expect(f.title.en).toBe(`GPU3 memory ${round(share * 100, 1)}% full`);
    expect(f.evidence).toEqual([
      {
        source: 'l40s/bundle.txt#nvidia-smi-q-x',
        text: 'GPU3 NVIDIA L40S: utilization.gpu 63 %, memory 44950 / 46068 MiB',
      },
    ]);
    expect(f.impact).toEqual({
      model: 'vram-headroom',
      value: 46068 - 44950,
      unit: 'MiB',
      summary: { en: `1118 MiB headroom (${round((1 - share) * 100, 1)}%)`, ko: expect.any(String) },
      figures: { used_MiB: 44950, total_MiB: 46068, used_share: round(share, 4) },
      sources: [],
    });
    expect(f.recommendation.en).toContain('Check whether infer-llm-8b preallocates memory');
  });
});

describe('memory-pressure on synthetic inputs', () => {
  it('95% is a warning, 98% critical, just below 95% nothing', () => {
    const found = runOn('memory-pressure', [
      mem([
        [94999, 100000],
        [95000, 100000],
        [97999, 100000],
        [98000, 100000],
        [100000, 100000],
      ]),
    ]);
    expect(found.map((f) => [f.gpus[0], f.severity, f.impact?.value])).toEqual([
      [1, 'warning', 5000],
      [2, 'warning', 2001],
      [3, 'critical', 2000],
      [4, 'critical', 0],
    ]);
    expect(found[0]!.workloads).toEqual([]);
    expect(found[0]!.evidence[0]?.source).toBe('query-gpu.csv');
  });

  it('names the workloads on the GPU', () => {
    const f = one(
      runOn('memory-pressure', [
        mem([[46000, 46068]]),
        workloads([{ name: 'svc', kind: 'inference', gpus: [0] }]),
      ]),
    );
    expect(f.workloads).toEqual(['svc']);
  });

  it('unknown or zero total, unknown used, or no index: no finding', () => {
    expect(runOn('memory-pressure', [mem([[1000, '[N/A]']])])).toEqual([]);
    const noIndex = gpu(0, (g) => {
      g.index = null;
      g.busId = '0000:17:00.0';
      g.memory = { totalMiB: 1000, usedMiB: 1000 };
    });
    const zero = gpu(1, (g) => {
      g.memory = { totalMiB: 0, usedMiB: 0 };
    });
    const noUsed = gpu(2, (g) => {
      g.memory = { totalMiB: 1000, usedMiB: null };
    });
    expect(run('memory-pressure', snapshot({ gpus: [noIndex, zero, noUsed] }))).toEqual([]);
  });
});

describe('memory-pressure on out-of-range readings', () => {
  it('memory used above the total is taken as full: 100%, 0 MiB left (never a negative headroom), and the evidence says so', () => {
    // the old finding said "100.9% full" with −1000 MiB of headroom
    const g = gpu(0, (x) => {
      x.name = 'NVIDIA L40S';
      x.memory = { totalMiB: 46068, usedMiB: 47068 };
      x.utilization = { gpuPct: 80, memoryPct: null };
    });
    const f = one(run('memory-pressure', snapshot({ gpus: [g] })));
    expect(f.severity).toBe('critical');
    expect(f.title.en).toBe('GPU0 memory 100% full');
    expect(f.impact?.value).toBe(0);
    expect(f.evidence[0]?.text).toBe(
      'GPU0 NVIDIA L40S: utilization.gpu 80 %, memory 47068 / 46068 MiB (out of range: memory.used 47068 MiB exceeds memory.total 46068 MiB: taken as 46068 MiB)',
    );
  });
});
