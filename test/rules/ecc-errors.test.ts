import { describe, expect, it } from 'vitest';
import { one, real, runOn, scenario, smiCsv, workloads } from './helpers.ts';

const ECC_Q = 'smi-xml/q-text-h100class-8gpu-d-ECC-ROW_REMAPPER-pending-remap-unknown-error-EDITED.txt';

interface Ecc {
  uv?: number | string;
  ua?: number | string;
  cv?: number | string;
  retired?: string;
  ru?: number | string;
  pending?: string;
  failure?: string;
}
/** `nvidia-smi --query-gpu=index,name,ecc.errors.…,retired_pages.pending,remapped_rows.…` */
const ecc = (rows: Ecc[]) =>
  smiCsv(
    rows.map((r, index) => ({
      index,
      'pci.bus_id': `00000000:${(0x18 + index).toString(16).toUpperCase()}:00.0`,
      name: 'NVIDIA H100 80GB HBM3',
      'ecc.errors.corrected.volatile.total': r.cv ?? 0,
      'ecc.errors.uncorrected.volatile.total': r.uv ?? 0,
      'ecc.errors.uncorrected.aggregate.total': r.ua ?? 0,
      'retired_pages.pending': r.retired ?? '[N/A]',
      'remapped_rows.uncorrectable': r.ru ?? 0,
      'remapped_rows.pending': r.pending ?? 'No',
      'remapped_rows.failure': r.failure ?? 'No',
    })),
  );

describe('ecc-errors on real outputs', () => {
  it('an H100-class GPU after Xid 48/63/94 with a pending row remap (real -q -d ECC,ROW_REMAPPER)', () => {
    const f = one(runOn('ecc-errors', [real(ECC_Q)]));
    expect(f.severity).toBe('critical');
    // the output was filtered with -i 52:00.0: the GPU index is unknown, the GPU is named by its bus id
    expect(f.gpus).toEqual([]);
    expect(f.workloads).toEqual([]);
    expect(f.title.en).toBe('GPU 0000:52:00.0 memory errors: a row remap is pending (needs a GPU reset)');
    expect(f.evidence).toEqual([
      {
        source: ECC_Q,
        text: 'GPU 0000:52:00.0: ECC uncorrectable volatile N/A, aggregate N/A; remapped rows correctable 0, uncorrectable 1, pending true, failure false',
      },
    ]);
    expect(f.impact).toBeNull();
    expect(f.recommendation.en).toContain('Drain GPU 0000:52:00.0 and reset it');
  });

  it('healthy ECC counters (real L4 -q -x) and the demo hosts: no finding', () => {
    expect(runOn('ecc-errors', [real('smi-xml/l4-2x-drv555.42.06-with-processes.xml')])).toEqual([]);
    expect(runOn('ecc-errors', scenario('h200'))).toEqual([]);
    expect(runOn('ecc-errors', scenario('l40s'))).toEqual([]);
  });
});

describe('ecc-errors on synthetic --query-gpu CSV', () => {
  it('severity per fact: remap failure / pending remap / volatile uncorrectable critical, retirement / lifetime warning, rows remapped info', () => {
    const found = runOn('ecc-errors', [
      ecc([
        { failure: 'Yes', ru: 5 },
        { pending: 'Yes' },
        { uv: 3, ua: 3 },
        { retired: 'Yes' },
        { ua: 2 },
        { ru: 4 },
        { cv: 120 },
      ]),
    ]);
    expect(found.map((f) => [f.gpus[0], f.severity, f.title.en])).toEqual([
      [0, 'critical', 'GPU0 memory errors: row remapping failed'],
      [1, 'critical', 'GPU1 memory errors: a row remap is pending (needs a GPU reset)'],
      [2, 'critical', 'GPU2 memory errors: 3 uncorrectable ECC error(s) since the last reset'],
      [3, 'warning', 'GPU3 memory errors: a page retirement is pending'],
      [4, 'warning', "GPU4 memory errors: 2 uncorrectable ECC error(s) over the GPU's life"],
      [5, 'info', 'GPU5 memory errors: 4 row(s) remapped after uncorrectable errors'],
    ]);
    expect(found[0]!.recommendation.en).toContain('open an RMA');
    expect(found[2]!.recommendation.en).toContain('Watch GPU2 for further uncorrectable errors');
    expect(found[3]!.recommendation.en).toContain('Drain GPU3 and reset it');
    expect(found[0]!.evidence[0]).toEqual({
      source: 'query-gpu.csv',
      text: 'GPU0: ECC uncorrectable volatile 0, aggregate 0; remapped rows correctable N/A, uncorrectable 5, pending false, failure true',
    });
    for (const f of found) expect(f.impact).toBeNull();
  });

  it('several facts: the most severe wins, all are listed in order', () => {
    const f = one(
      runOn('ecc-errors', [
        ecc([{ retired: 'Yes', ua: 7, pending: 'Yes' }]),
        workloads([{ name: 'ft', kind: 'training', gpus: [0] }]),
      ]),
    );
    expect(f.severity).toBe('critical');
    expect(f.workloads).toEqual(['ft']);
    expect(f.detail.en).toBe(
      "GPU0 (0000:18:00.0): a row remap is pending (needs a GPU reset); a page retirement is pending; 7 uncorrectable ECC error(s) over the GPU's life.",
    );
  });

  it('unknown counters are not errors', () => {
    expect(
      runOn('ecc-errors', [
        ecc([{ uv: '[N/A]', ua: '[N/A]', ru: '[N/A]', pending: '[N/A]', failure: '[N/A]' }]),
      ]),
    ).toEqual([]);
  });
});
