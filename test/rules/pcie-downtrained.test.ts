import { describe, expect, it } from 'vitest';
import { type Finding, round } from '../../scoring/findings.ts';
import { lineRate, one, real, runOn, scenario, smiCsv, workloads } from './helpers.ts';

const L4_XML = 'smi-xml/l4-2x-drv555.42.06-with-processes.xml';

/** The pcie-bandwidth model: line rate now vs at max gen and width, GB/s rounded to 0.1, loss in whole %. */
function expectPcieImpact(f: Finding, gen: number, width: number, genMax: number, widthMax: number): number {
  const now = round(lineRate(gen, width), 1);
  const max = round(lineRate(genMax, widthMax), 1);
  const drop = round((1 - now / max) * 100, 0);
  expect(f.impact).toEqual({
    model: 'pcie-bandwidth',
    value: -drop,
    unit: '%',
    summary: { en: `${now} GB/s instead of ${max} GB/s per direction (−${drop}%)`, ko: expect.any(String) },
    figures: {
      gen_current: gen,
      gen_max: genMax,
      width_current: width,
      width_max: widthMax,
      GBs_now: now,
      GBs_max: max,
    },
    sources: ['S25', 'S61', 'S62'],
  });
  expect(f.severity).toBe(drop >= 50 ? 'critical' : 'warning');
  return drop;
}

interface Link {
  util: number | string;
  gen: number;
  genMax: number;
  width: number;
  widthMax: number;
  pstate?: string;
}
const links = (rows: Link[]) =>
  smiCsv(
    rows.map((r, index) => ({
      index,
      name: 'NVIDIA L40S',
      'utilization.gpu [%]': typeof r.util === 'number' ? `${r.util} %` : r.util,
      pstate: r.pstate ?? 'P0',
      'pcie.link.gen.current': r.gen,
      'pcie.link.gen.max': r.genMax,
      'pcie.link.width.current': r.width,
      'pcie.link.width.max': r.widthMax,
    })),
  );

describe('pcie-downtrained on real outputs', () => {
  it('2× L4 (real -q -x): GPU1 trained at x1 of x16 — fires although the GPU is idle', () => {
    const f = one(runOn('pcie-downtrained', [real(L4_XML)]));
    expect(f.gpus).toEqual([1]);
    expect(f.workloads).toEqual([]);
    expect(f.title.en).toBe('GPU1 PCIe link at Gen4 x1 instead of Gen4 x16');
    expect(f.evidence).toEqual([
      {
        source: L4_XML,
        text: 'GPU1: pcie.link.gen.current 4 / max 4, pcie.link.width.current 1 / max 16, pstate P0, utilization 3 %',
      },
    ]);
    expect(expectPcieImpact(f, 4, 1, 4, 16)).toBe(94);
    expect(f.severity).toBe('critical');
  });

  it('the workload on the narrow GPU is named', () => {
    const f = one(
      runOn('pcie-downtrained', [
        real(L4_XML),
        workloads([{ name: 'transcode', kind: 'inference', gpus: [1] }]),
      ]),
    );
    expect(f.workloads).toEqual(['transcode']);
  });

  it('an idle L40S at Gen1 of Gen4 in P8 (real -a output): normal power saving, no finding', () => {
    expect(runOn('pcie-downtrained', [real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt')])).toEqual([]);
  });

  it('demo scenarios: the L40S at x8 (half the lanes: −50%, critical); the idle H200 at Gen1 is fine', () => {
    const f = one(runOn('pcie-downtrained', scenario('l40s')));
    expect(f.gpus).toEqual([3]);
    expect(f.workloads).toEqual(['infer-llm-8b']);
    expect(f.evidence[0]?.text).toBe(
      'GPU3: pcie.link.gen.current 4 / max 4, pcie.link.width.current 8 / max 16, pstate P0, utilization 63 %',
    );
    expect(expectPcieImpact(f, 4, 8, 4, 16)).toBe(50);
    expect(runOn('pcie-downtrained', scenario('h200'))).toEqual([]);
  });
});

describe('pcie-downtrained on synthetic inputs', () => {
  it('a lower generation counts only while loaded (≥ 10% utilisation)', () => {
    const found = runOn('pcie-downtrained', [
      links([
        { util: 0, pstate: 'P8', gen: 1, genMax: 4, width: 16, widthMax: 16 },
        { util: 9, gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: 10, gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: 80, gen: 1, genMax: 4, width: 16, widthMax: 16 },
      ]),
    ]);
    expect(found.map((f) => f.gpus[0])).toEqual([2, 3]);
    const [gen3, gen1] = found as [Finding, Finding];
    expect(gen3.title.en).toBe('GPU2 PCIe link at Gen3 x16 instead of Gen4 x16');
    expect(gen3.detail.en).toContain('at Gen3 of Gen4 while loaded (utilisation 10%)');
    expect(expectPcieImpact(gen3, 3, 16, 4, 16)).toBe(50);
    expect(expectPcieImpact(gen1, 1, 16, 4, 16)).toBe(87);
    expect(gen3.evidence[0]?.source).toBe('query-gpu.csv');
  });

  it('a narrower width counts even when idle, at the max generation the link would run at', () => {
    const f = one(
      runOn('pcie-downtrained', [
        links([{ util: 0, pstate: 'P8', gen: 1, genMax: 4, width: 8, widthMax: 16 }]),
      ]),
    );
    expect(f.title.en).toBe('GPU0 PCIe link at Gen4 x8 instead of Gen4 x16');
    expect(f.detail.en).toContain('trained to x8 of x16. ');
    expectPcieImpact(f, 4, 8, 4, 16);
  });

  it('narrow and slow together: the current generation and width', () => {
    const f = one(
      runOn('pcie-downtrained', [links([{ util: 90, gen: 4, genMax: 5, width: 8, widthMax: 16 }])]),
    );
    expect(f.detail.en).toContain('trained to x8 of x16 and at Gen4 of Gen5 while loaded (utilisation 90%)');
    expect(expectPcieImpact(f, 4, 8, 5, 16)).toBe(75);
  });

  it('a small loss is a warning (x12 of x16: −25%)', () => {
    const f = one(
      runOn('pcie-downtrained', [links([{ util: 50, gen: 4, genMax: 4, width: 12, widthMax: 16 }])]),
    );
    expect(expectPcieImpact(f, 4, 12, 4, 16)).toBe(25);
    expect(f.severity).toBe('warning');
  });

  it('without utilisation, P0–P2 means loaded and P8 idle', () => {
    const found = runOn('pcie-downtrained', [
      links([
        { util: '[N/A]', pstate: 'P0', gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: '[N/A]', pstate: 'P8', gen: 1, genMax: 4, width: 16, widthMax: 16 },
      ]),
    ]);
    expect(found.map((f) => f.gpus[0])).toEqual([0]);
    expect(found[0]!.detail.en).toContain('while loaded (utilisation ?%)');
  });

  it('a link at its max, or with any of the four values unknown, does not fire', () => {
    expect(
      runOn('pcie-downtrained', [
        links([{ util: 100, gen: 4, genMax: 4, width: 16, widthMax: 16 }]),
        smiCsv(
          [
            {
              index: 1,
              name: 'NVIDIA L40S',
              'utilization.gpu [%]': '100 %',
              'pcie.link.gen.current': 1,
              'pcie.link.gen.max': 4,
              'pcie.link.width.current': '[N/A]',
              'pcie.link.width.max': 16,
            },
          ],
          'second.csv',
        ),
      ]),
    ).toEqual([]);
  });
});
