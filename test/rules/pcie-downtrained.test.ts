import { describe, expect, it } from 'vitest';
import { type Finding, round } from '../../scoring/findings.ts';
import { lineRate, one, real, realEdited, runOn, scenario, smiCsv, workloads } from './helpers.ts';

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
  it('a lower generation counts only under load: P0, or ≥ 50% utilisation unless the P-state is a power-saving one', () => {
    // the old rule judged any GPU at ≥ 10% utilisation (so P8 at 80%, row 2, fired) and no P0 GPU below
    // 10% (row 1 did not): idle GPUs lower the link speed by P-state, not by a utilisation sample
    const found = runOn('pcie-downtrained', [
      links([
        { util: 0, pstate: 'P8', gen: 1, genMax: 4, width: 16, widthMax: 16 },
        { util: 9, pstate: 'P0', gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: 80, pstate: 'P8', gen: 1, genMax: 4, width: 16, widthMax: 16 },
        { util: 49, pstate: 'P2', gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: 50, pstate: 'P2', gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: 80, pstate: '[N/A]', gen: 1, genMax: 4, width: 16, widthMax: 16 },
      ]),
    ]);
    expect(found.map((f) => f.gpus[0])).toEqual([1, 4, 5]);
    const [p0, p2, unknown] = found as [Finding, Finding, Finding];
    expect(p0.title.en).toBe('GPU1 PCIe link at Gen3 x16 instead of Gen4 x16');
    expect(p0.detail.en).toContain('at Gen3 of Gen4 while loaded (P0, utilisation 9%)');
    expect(expectPcieImpact(p0, 3, 16, 4, 16)).toBe(50);
    expect(p2.detail.en).toContain('while loaded (P2, utilisation 50%)');
    expect(expectPcieImpact(unknown, 1, 16, 4, 16)).toBe(87);
    expect(unknown.detail.en).toContain('while loaded (P-state ?, utilisation 80%)');
    expect(p0.evidence[0]?.source).toBe('query-gpu.csv');
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
    expect(f.detail.en).toContain(
      'trained to x8 of x16 and at Gen4 of Gen5 while loaded (P0, utilisation 90%)',
    );
    expect(expectPcieImpact(f, 4, 8, 5, 16)).toBe(75);
  });

  it('a small loss is a warning (x12 of x16: −25%)', () => {
    const f = one(
      runOn('pcie-downtrained', [links([{ util: 50, gen: 4, genMax: 4, width: 12, widthMax: 16 }])]),
    );
    expect(expectPcieImpact(f, 4, 12, 4, 16)).toBe(25);
    expect(f.severity).toBe('warning');
  });

  it('without utilisation, P0 means loaded; P2 and P8 say nothing about the generation', () => {
    const found = runOn('pcie-downtrained', [
      links([
        { util: '[N/A]', pstate: 'P0', gen: 3, genMax: 4, width: 16, widthMax: 16 },
        { util: '[N/A]', pstate: 'P8', gen: 1, genMax: 4, width: 16, widthMax: 16 },
        { util: '[N/A]', pstate: 'P2', gen: 1, genMax: 4, width: 16, widthMax: 16 },
      ]),
    ]);
    expect(found.map((f) => f.gpus[0])).toEqual([0]);
    expect(found[0]!.detail.en).toContain('while loaded (P0, utilisation ?%)');
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

/**
 * An idle AWS A10G as `nvidia-smi -q` prints it inside the instance: the real full -q text of an idle L40S
 * (P8, Gen1 of Gen4, x16) edited into the A10G's: its name, `Virtualization Mode : Pass-Through` and the
 * `Host Max : Unknown Error` a guest sees for the host side of the link.
 */
const L40S_Q = 'smi-xml/q-text-l40s-1x-drv550.127.05-full.txt';
function a10g(extra: [string, string][] = []) {
  return realEdited(L40S_Q, [
    [
      'Product Name                          : NVIDIA L40S',
      'Product Name                          : NVIDIA A10G',
    ],
    ['Virtualization Mode               : None', 'Virtualization Mode               : Pass-Through'],
    ['Host Max                  : 4', 'Host Max                  : Unknown Error'],
    ...extra,
  ]);
}

describe('pcie-downtrained in VMs and cloud instances', () => {
  it('an idle A10G in P8 at Gen1 of Gen4 is power saving, not a downtrained link — even with a momentary 15% sample', () => {
    // the old rule fired CRITICAL (−87%) on the 15% sample: it judged the generation at ≥ 10% utilisation
    // whatever the P-state
    expect(runOn('pcie-downtrained', [a10g()])).toEqual([]);
    expect(
      runOn('pcie-downtrained', [
        a10g([['Gpu                               : 0 %', 'Gpu                               : 15 %']]),
      ]),
    ).toEqual([]);
  });

  it('the same A10G at x8 of x16: the width counts even in P8, and the advice is the provider, not a reseat', () => {
    const f = one(
      runOn('pcie-downtrained', [
        a10g([['Current                   : 16x', 'Current                   : 8x']]),
      ]),
    );
    expect(f.title.en).toBe('GPU0 PCIe link at Gen4 x8 instead of Gen4 x16');
    expect(f.detail.en).toBe(
      "GPU0's link trained to x8 of x16. Host↔GPU transfers get 15.8 GB/s instead of 31.5 GB/s.",
    );
    expect(expectPcieImpact(f, 4, 8, 4, 16)).toBe(50);
    // the Virtualization Mode the instance's nvidia-smi prints is cited first
    expect(f.evidence[1]).toEqual({
      source: `${L40S_Q} (edited)`,
      text: 'GPU0: Virtualization Mode: Pass-Through',
    });
    expect(f.recommendation.en).toContain('cloud provider');
    expect(f.recommendation.en).not.toMatch(/reseat/i);
    expect(f.recommendation.ko).toContain('클라우드 제공자');
  });

  it('the A10G by its name alone (an output without Virtualization Mode, e.g. --query-gpu)', () => {
    const f = one(
      runOn('pcie-downtrained', [
        smiCsv([
          {
            index: 0,
            name: 'NVIDIA A10G',
            'utilization.gpu [%]': '70 %',
            pstate: 'P0',
            'pcie.link.gen.current': 4,
            'pcie.link.gen.max': 4,
            'pcie.link.width.current': 8,
            'pcie.link.width.max': 16,
          },
        ]),
      ]),
    );
    expect(f.evidence[1]).toEqual({
      source: 'query-gpu.csv',
      text: 'GPU0: name: NVIDIA A10G (a GPU model offered only in AWS instances (g5))',
    });
    expect(f.recommendation.en).toMatch(/^NVIDIA A10G is a GPU model offered only in AWS instances/);
  });

  it('a vGPU type name (the GPU a hypervisor slices for this VM) gets the host advice too', () => {
    const f = one(
      runOn('pcie-downtrained', [
        smiCsv([
          {
            index: 0,
            name: 'NVIDIA A10-24Q',
            'utilization.gpu [%]': '70 %',
            pstate: 'P0',
            'pcie.link.gen.current': 4,
            'pcie.link.gen.max': 4,
            'pcie.link.width.current': 8,
            'pcie.link.width.max': 16,
          },
        ]),
      ]),
    );
    expect(f.evidence[1]?.text).toBe('GPU0: name: NVIDIA A10-24Q (a vGPU type)');
    expect(f.recommendation.en).toMatch(/^NVIDIA A10-24Q is a vGPU type/);
  });

  // the real -q text of an L40S (a model sold for servers, not only in the cloud) at x8 of x16
  const l40sAtX8 = (mode: string) =>
    realEdited(L40S_Q, [
      ['Virtualization Mode               : None', `Virtualization Mode               : ${mode}`],
      ['Current                   : 16x', 'Current                   : 8x'],
    ]);

  it('nvidia-smi -q "Virtualization Mode : Pass-Through" alone makes it a VM: the host, not a reseat', () => {
    const f = one(runOn('pcie-downtrained', [l40sAtX8('Pass-Through')]));
    expect(f.evidence[1]).toEqual({
      source: `${L40S_Q} (edited)`,
      text: 'GPU0: Virtualization Mode: Pass-Through',
    });
    expect(f.recommendation.en).toBe(
      "nvidia-smi reports GPU0's Virtualization Mode as Pass-Through (a GPU passed through to this VM or cloud instance), so the slot, riser and BIOS belong to the host: raise GPU0's link (Gen4 x8 instead of Gen4 x16) with the host's administrator or the cloud provider, and move the work to another GPU or instance meanwhile.",
    );
    expect(f.recommendation.ko).toBe(
      'nvidia-smi가 GPU0의 가상화 모드(Virtualization Mode)를 Pass-Through로 보고합니다(이 VM 또는 클라우드 인스턴스에 패스스루된 GPU). 슬롯·라이저·BIOS는 호스트 쪽 소관이므로 GPU0 링크 문제(Gen4 x16 대신 Gen4 x8)를 호스트 관리자나 클라우드 제공자에게 알리고, 그동안 작업을 다른 GPU나 인스턴스로 옮기세요.',
    );
  });

  it('"None" (bare metal) and "Host VGPU" (the hypervisor host itself): reseat', () => {
    for (const mode of ['None', 'Host VGPU']) {
      const f = one(runOn('pcie-downtrained', [l40sAtX8(mode)]));
      expect(f.evidence, mode).toHaveLength(1);
      expect(f.recommendation.en, mode).toMatch(/^Reseat GPU0/);
    }
  });

  it('nvidia-smi -q -x <virtualization_mode>VGPU</virtualization_mode>: a vGPU guest (real 2× L4, GPU1 at x1)', () => {
    const xml = realEdited(L4_XML, [
      [
        '<virtualization_mode>None</virtualization_mode>',
        '<virtualization_mode>VGPU</virtualization_mode>',
        1,
      ],
    ]);
    const f = one(runOn('pcie-downtrained', [xml]));
    expect(f.gpus).toEqual([1]);
    expect(f.evidence[1]).toEqual({ source: `${L4_XML} (edited)`, text: 'GPU1: Virtualization Mode: VGPU' });
    expect(f.recommendation.en).toMatch(/^nvidia-smi reports GPU1's Virtualization Mode as VGPU \(a vGPU/);
    expect(f.recommendation.en).toContain("with the host's administrator or the cloud provider");
  });

  it('lscpu "Hypervisor vendor: KVM" (real, an AWS p5en instance): the provider, citing lscpu', () => {
    const lscpu = 'numa/lscpu-aws-p5en-xeon8488c-2socket-kvm-8xh200.txt';
    const f = one(runOn('pcie-downtrained', [l40sAtX8('None'), real(lscpu)]));
    expect(f.evidence[1]).toEqual({ source: lscpu, text: 'lscpu: Hypervisor vendor: KVM' });
    expect(f.recommendation.en).toMatch(
      /^lscpu reports the hypervisor vendor KVM \(this host is a VM or cloud instance\), so the slot, riser and BIOS belong to the host: raise GPU0's link/,
    );
    expect(f.recommendation.ko).toMatch(/^lscpu가 하이퍼바이저 제조사를 KVM으로 보고합니다/);
  });

  it('a bare-metal card keeps the reseat advice (the demo L40S at x8)', () => {
    const f = one(runOn('pcie-downtrained', scenario('l40s')));
    expect(f.evidence).toHaveLength(1);
    expect(f.recommendation.en).toMatch(/^Reseat GPU3/);
  });

  it('impossible link values (current above max, width 0) are unknown, not a finding', () => {
    expect(
      runOn('pcie-downtrained', [
        links([
          { util: 90, gen: 5, genMax: 4, width: 16, widthMax: 16 },
          { util: 90, gen: 4, genMax: 4, width: 0, widthMax: 16 },
        ]),
      ]),
    ).toEqual([]);
  });
});
