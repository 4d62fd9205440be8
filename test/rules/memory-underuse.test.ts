import { describe, expect, it } from 'vitest';
import { round } from '../../scoring/findings.ts';
import { one, real, realEdited, runOn, scenario, smiCsv, workloads } from './helpers.ts';

const L40S_Q = 'smi-xml/q-text-l40s-1x-drv550.127.05-full.txt';
const gib = (mib: number) => Math.round((mib / 1024) * 10) / 10;

/** The real L40S `nvidia-smi -a`, edited to a loaded GPU with 6000 MiB in use. */
const busyL40S = () =>
  realEdited(L40S_Q, [
    [
      '        Used                              : 1 MiB',
      '        Used                              : 6000 MiB',
      0,
    ],
    ['        Gpu                               : 0 %', '        Gpu                               : 45 %'],
    ['    Performance State                     : P8', '    Performance State                     : P0'],
  ]);

const card = (totalMiB: number, usedMiB: number, util: number | string) =>
  smiCsv([
    {
      index: 0,
      name: 'NVIDIA A100-SXM4-80GB',
      'memory.total [MiB]': `${totalMiB} MiB`,
      'memory.used [MiB]': `${usedMiB} MiB`,
      'utilization.gpu [%]': typeof util === 'number' ? `${util} %` : util,
    },
  ]);
const train = workloads([{ name: 'ft', kind: 'training', gpus: [0] }]);

describe('memory-underuse on real outputs', () => {
  it('a fine-tuning job using 6000 of 46068 MiB of an L40S (real -a output, utilisation and memory edited)', () => {
    const f = one(runOn('memory-underuse', [busyL40S(), train]));
    const share = 6000 / 46068;
    expect(f.severity).toBe('info');
    expect(f.gpus).toEqual([0]);
    expect(f.workloads).toEqual(['ft']);
    expect(f.title.en).toBe(`ft uses ${round(share * 100, 0)}% of GPU0's memory`);
    expect(f.evidence).toEqual([
      {
        source: `${L40S_Q} (edited)`,
        text: 'GPU0 NVIDIA L40S: utilization.gpu 45 %, memory 6000 / 46068 MiB',
      },
    ]);
    const idle = round(gib(46068 - 6000), 1);
    expect(f.impact).toEqual({
      model: 'vram-idle',
      value: idle,
      unit: 'GiB',
      summary: { en: `${idle} GiB of VRAM unused`, ko: expect.any(String) },
      figures: { used_MiB: 6000, total_MiB: 46068, used_share: round(share, 3) },
      sources: [],
    });
    expect(f.detail.en).toContain(`GPU0 has ${gib(46068)} GiB but ft keeps only ${gib(6000)} GiB`);
  });

  it('the same L40S as captured (idle, 0%): left to gpu-idle', () => {
    expect(runOn('memory-underuse', [real(L40S_Q), train])).toEqual([]);
  });

  it('16 GB P100s (real CSV) are not large GPUs, however little of them a job uses', () => {
    expect(
      runOn('memory-underuse', [
        real('smi-csv/p100-pcie-4x-drv418-many-fields-not-supported-EDITED.csv.txt'),
        workloads([{ name: 'ft', kind: 'training', gpus: [0, 1, 2, 3] }]),
      ]),
    ).toEqual([]);
  });

  it('8× H200 RL host (real table): the training GPUs hold 60–68% of their memory', () => {
    expect(
      runOn('memory-underuse', [
        real('smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt'),
        workloads([{ name: 'megatron', kind: 'training', gpus: [0, 1, 2, 3] }]),
      ]),
    ).toEqual([]);
  });

  it('L40S demo: the small OCR server is inference (share-candidate’s case), not memory-underuse', () => {
    expect(runOn('memory-underuse', scenario('l40s'))).toEqual([]);
  });
});

describe('memory-underuse on synthetic inputs', () => {
  it('thresholds: ≥ 40 GiB card, < 25% of it in use, utilisation ≥ 3%', () => {
    const at = (total: number, used: number, util: number | string) =>
      runOn('memory-underuse', [card(total, used, util), train]).length;
    expect(at(40960, 1024, 50)).toBe(1);
    expect(at(40959, 1024, 50)).toBe(0);
    expect(at(81920, 20479, 50)).toBe(1);
    expect(at(81920, 20480, 50)).toBe(0);
    expect(at(81920, 1024, 3)).toBe(1);
    expect(at(81920, 1024, 2)).toBe(0);
    expect(at(81920, 1024, '[N/A]')).toBe(0);
  });

  it('"other" jobs count; inference, or any inference job on the GPU, does not; no workload, no finding', () => {
    expect(
      runOn('memory-underuse', [
        card(81920, 1024, 50),
        workloads([{ name: 'etl', kind: 'other', gpus: [0] }]),
      ]),
    ).toHaveLength(1);
    expect(
      runOn('memory-underuse', [
        card(81920, 1024, 50),
        workloads([
          { name: 'etl', kind: 'other', gpus: [0] },
          { name: 'svc', kind: 'inference', gpus: [0] },
        ]),
      ]),
    ).toEqual([]);
    expect(runOn('memory-underuse', [card(81920, 1024, 50)])).toEqual([]);
  });
});
