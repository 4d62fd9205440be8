import { describe, expect, it } from 'vitest';
import { round } from '../../scoring/findings.ts';
import { one, real, runOn, scenario, smiCsv, texts, workloads } from './helpers.ts';

const L4_XML = 'smi-xml/l4-2x-drv555.42.06-with-processes.xml';
const HEADROOM = 0.9;
/** vGPU frame-buffer sizes (S51); a share must be at most half the card and divide its memory. */
const SIZES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 48, 96];
const shareFor = (cardGB: number, needGiB: number) =>
  SIZES.find((s) => s <= cardGB / 2 && cardGB % s === 0 && s * HEADROOM >= needGiB);

const card = (name: string, totalMiB: number, usedMiB: number, util: number) =>
  smiCsv([
    {
      index: 0,
      name,
      'memory.total [MiB]': `${totalMiB} MiB`,
      'memory.used [MiB]': `${usedMiB} MiB`,
      'utilization.gpu [%]': `${util} %`,
    },
  ]);
const svc = (extra: { memoryGiB?: number } = {}) =>
  workloads([{ name: 'svc', kind: 'inference', gpus: [0], ...extra }]);

describe('share-candidate on real outputs', () => {
  it('2× L4 (real -q -x): ffmpeg on GPU0 needs 1.41 GiB (its processes) → a 2 GB share (L4-2Q)', () => {
    const f = one(
      runOn('share-candidate', [
        real(L4_XML),
        workloads([{ name: 'transcode', kind: 'inference', gpus: [0] }]),
      ]),
    );
    const need = (389 + 1054) / 1024;
    expect(shareFor(24, need)).toBe(2);
    expect(f.severity).toBe('warning');
    expect(f.gpus).toEqual([0]);
    expect(f.workloads).toEqual(['transcode']);
    expect(f.evidence).toEqual([
      { source: L4_XML, text: 'GPU0 NVIDIA L4: utilization.gpu 2 %, memory 1 / 23034 MiB' },
      {
        source: L4_XML,
        text: `transcode: memory need ${round(need, 2)} GiB (processes), compute 2% (utilization.gpu)`,
      },
    ]);
    expect(f.detail.en).toContain('a 2 GB time-sliced vGPU (L4-2Q)');
    expect(f.detail.en).toContain('would let 12 such jobs share it');
    expect(f.impact).toEqual({
      model: 'vgpu-capacity',
      value: round(1 - 2 / 24, 2),
      unit: 'GPU',
      summary: { en: "frees 0.92 of GPU0's memory (22 of 24 GB) for other tenants", ko: expect.any(String) },
      figures: {
        memory_need_GiB: round(need, 2),
        compute_need: 0.02,
        share_GB: 2,
        card_GB: 24,
        gpu_freed: 0.92,
      },
      sources: ['S51', 'S50', 'S49'],
    });
  });

  it('L40S demo: infer-ocr (6.26 GiB, 12%) fits an 8 GB share; infer-llm-8b (43 GiB, 63%) does not', () => {
    const f = one(runOn('share-candidate', scenario('l40s')));
    expect([f.workloads, f.gpus]).toEqual([['infer-ocr'], [0]]);
    expect(shareFor(48, 6412 / 1024)).toBe(8);
    expect(f.impact?.figures).toMatchObject({ share_GB: 8, card_GB: 48, gpu_freed: round(1 - 8 / 48, 2) });
    expect(f.recommendation.en).toContain('L40S-8Q vGPU');
  });

  it('not when the compute need is above 50% (real Tesla T4 at 91% from dcgm-exporter)', () => {
    expect(
      runOn('share-candidate', [
        real('dcgm/dcgm-exporter-metrics-tesla-t4-busy-eccd-drv590.48.01-no-help-type-lines.txt'),
        workloads([{ name: 'svc', kind: 'inference', gpus: [0], memoryGiB: 2 }]),
      ]),
    ).toEqual([]);
  });

  it('not on MIG-capable GPUs (mig-candidate covers them): real 8× H100 table', () => {
    expect(
      runOn('share-candidate', [
        real('smi-default/h100-sxm-8x-drv565.57.01-no-procs.txt'),
        workloads([{ name: 'svc', kind: 'inference', gpus: [0], memoryGiB: 2 }]),
      ]),
    ).toEqual([]);
  });

  it('not for a job on both L4s, nor for two jobs sharing one', () => {
    expect(
      runOn('share-candidate', [real(L4_XML), workloads([{ name: 'tp2', kind: 'inference', gpus: [0, 1] }])]),
    ).toEqual([]);
    expect(
      runOn('share-candidate', [
        real(L4_XML),
        workloads([
          { name: 'a', kind: 'inference', gpus: [1] },
          { name: 'b', kind: 'inference', gpus: [1] },
        ]),
      ]),
    ).toEqual([]);
  });
});

describe('share-candidate on synthetic inputs', () => {
  it('an unknown model: card size from memory.total, generic share name', () => {
    const f = one(runOn('share-candidate', [card('NVIDIA GeForce RTX 4090', 24564, 3 * 1024, 20), svc()]));
    // 24564 MiB → 24 GB; 3 GiB needs 3 / 0.9 = 3.33 GB → 4 GB
    expect(shareFor(24, 3)).toBe(4);
    expect(f.title.en).toBe('svc: a whole NVIDIA GeForce RTX 4090 for a job that fits a 4 GB share');
    expect(f.detail.en).toContain('a 4 GB time-sliced vGPU (4 GB)');
    expect(f.impact?.figures).toEqual({
      memory_need_GiB: 3,
      compute_need: 0.2,
      share_GB: 4,
      card_GB: 24,
      gpu_freed: 0.83,
    });
    expect(texts(f)[1]).toBe('svc: memory need 3 GiB (gpu), compute 20% (utilization.gpu)');
  });

  it('compute need: 50% still fits a time-slice, 51% does not', () => {
    expect(runOn('share-candidate', [card('NVIDIA L40S', 46068, 4096, 50), svc()])).toHaveLength(1);
    expect(runOn('share-candidate', [card('NVIDIA L40S', 46068, 4096, 51), svc()])).toEqual([]);
  });

  it('a declared memory need wins over the memory in use; above half the card, no share', () => {
    const f = one(runOn('share-candidate', [card('NVIDIA L40S', 46068, 1024, 10), svc({ memoryGiB: 21.6 })]));
    // 21.6 GiB = 0.9 × 24: the largest share a 48 GB card offers
    expect(f.impact?.figures).toMatchObject({ share_GB: 24, gpu_freed: 0.5 });
    expect(f.evidence[1]?.source).toBe('workloads.json');
    expect(runOn('share-candidate', [card('NVIDIA L40S', 46068, 1024, 10), svc({ memoryGiB: 22 })])).toEqual(
      [],
    );
  });

  it('not for training jobs', () => {
    expect(
      runOn('share-candidate', [
        card('NVIDIA L40S', 46068, 1024, 10),
        workloads([{ name: 'ft', kind: 'training', gpus: [0] }]),
      ]),
    ).toEqual([]);
  });
});
