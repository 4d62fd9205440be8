import { describe, expect, it } from 'vitest';
import { checkGrounding, GroundingIndex, stripUngrounded } from '../../bot/agent/grounding.ts';
import { labelled, measureGrounding, SAMPLE_ANSWER, scenarioIndex, scenarioResult } from './measure.ts';

/** Tool results shaped like the real ones (collect_nvidia_smi, compute_score, a finding, a plan). */
const RESULTS: unknown[] = [
  {
    host: 'gpu-node-01',
    driver: '580.95.05',
    gpus: [
      {
        index: 2,
        name: 'NVIDIA H200 NVL',
        busId: '0000:3a:00.0',
        utilizationPct: 34,
        memoryUsedMiB: 90114,
        memoryTotalMiB: 143771,
        temperatureC: 91,
        power: { drawW: 262, limitW: 350 },
        pcie: { genCurrent: 5, genMax: 5, widthCurrent: 16, widthMax: 16 },
      },
      { index: 5, name: 'NVIDIA H200 NVL', busId: '0000:ab:00.0', utilizationPct: 47 },
    ],
    workloads: [
      { name: 'train-vision-b', gpus: [3, 5], cpus: Array.from({ length: 56 }, (_, i) => i), vmid: 102 },
    ],
  },
  {
    score: { value: 62, grade: 'C', components: { gpu: 53, numa: 85.7, io: 65.2 }, basis: { gpus: 7 } },
    weights: { gpu: 0.6, numa: 0.2, io: 0.2 },
  },
  {
    rule: 'numa-mismatch',
    evidence: ['GPU2: CPU Affinity 0-55,112-167, NUMA Affinity 0', 'report of 2026-11-26'],
    impact: {
      value: -59,
      unit: '%',
      summary: { en: 'host↔GPU copy bandwidth about 25.8 GB/s instead of 63 GB/s (−59%)' },
      figures: { local_line_rate_GBs: 63, remote_GBs: 25.8, remote_over_local: 0.409 },
    },
    recommendation: { en: 'Pin train-rec-c to CPUs 0-55,112-167 (NUMA node 0, local to GPU2).' },
  },
  {
    objective: { value: 80.3, scoreAfter: 82.3, moves: 4, moveCost: 0.5 },
    expected: [
      { model: 'efficiency-score', before: 62, after: 82.3, unit: 'points' },
      { model: 'ring-allreduce', before: 51.5, after: 6.7, unit: 'ms', figures: { speedup: 7.7 } },
      {
        model: 'idle',
        value: 24,
        unit: 'GPU·h/day',
        figures: { hours_per_day: 24, wait_GPU_h_per_day: 15.8 },
      },
    ],
    commands: [
      { step: 1, command: 'qm set 102 --affinity 24-39,136-151 --numa 1' },
      {
        step: 2,
        command: 'nvidia-smi mig -i 5 -cgi 19,19 -C',
        what: { en: 'create 1g.18gb on GPU5 (profile id 19)' },
      },
    ],
    links: [{ a: 'GPU3', b: 'NIC0', raw: 'NODE', nic: 'mlx5_0' }],
  },
];
const index = new GroundingIndex(RESULTS);
const flagged = (text: string) => checkGrounding(text, index).flatMap((b) => b.claims);

describe('rule 1: ground truth is the JSON values, not the JSON text', () => {
  it('numbers in strings ground a claim only as quantities with a unit', () => {
    expect(flagged('Copies get 25.8 GB/s instead of 63 GB/s, −59%.')).toEqual([]);
    // 55 and 112 occur only in a CPU list, 3 only in a bus id, 26 only in a date, 95 only in a version
    expect(flagged('GPU2 is at 55% utilisation.')).toEqual(['55%']);
    expect(flagged('It reaches 112 GB/s.')).toEqual(['112 GB/s']);
    expect(flagged('The copy takes 26 ms.')).toEqual(['26 ms']);
    expect(flagged('GPU2 draws 95 W.')).toEqual(['95 W']);
  });
  it('CPU id arrays are not quantities; their length is a count', () => {
    expect(flagged('train-vision-b has 56 CPUs.')).toEqual([]);
    expect(flagged('train-vision-b sits at 45% utilisation.')).toEqual(['45%']);
  });
  it('array lengths are counts', () => {
    expect(flagged('train-vision-b uses 2 GPUs.')).toEqual([]);
    expect(flagged('train-vision-b uses 3 GPUs.')).toEqual(['3 GPUs']);
  });
  it('the question is not a source: only results are', () => {
    const bad = checkGrounding('Your 40 GB job fits on GPU5.', { results: RESULTS });
    expect(bad.flatMap((b) => b.claims)).toEqual(['40 GB']);
  });
});

describe('rule 2: a claim with a unit needs a value of that unit', () => {
  it('temperature, power, percentages, bandwidth, hours', () => {
    expect(flagged('GPU2 runs at 91 °C, drawing 262 W of its 350 W limit.')).toEqual([]);
    expect(flagged('GPU2 runs at 80 °C.')).toEqual(['80 °C']); // 80 is no temperature (it is not even in the data)
    expect(flagged('GPU2 runs at 34 °C.')).toEqual(['34 °C']); // 34 is a utilisation
    expect(flagged('GPU2 is 16% busy.')).toEqual(['16%']); // 16 is a PCIe width
    expect(flagged('GPU5 wastes 24 GPU·hours a day; GPU2 waits 15.8 hours.')).toEqual([]);
    expect(flagged('GPU5 wastes 34 hours a day.')).toEqual(['34 hours']);
    expect(flagged('GPU5 has idled for 3 days, 3일째입니다.')).toEqual(['3 days', '3일']);
    expect(flagged('GPU5 wastes 1 day of GPU time a day.')).toEqual([]); // 24 hours
  });
  it('a claim without a unit may match any value', () => {
    expect(flagged('NUMA node 0 holds 16 of them.')).toEqual([]);
  });
  it('{value, unit} and {before, after, unit} objects carry their unit', () => {
    expect(flagged('The all-reduce drops from 51.5 ms to 6.7 ms.')).toEqual([]);
    expect(flagged('It loses 59%.')).toEqual([]);
    expect(flagged('It loses 59 ms.')).toEqual(['59 ms']);
  });
  it('weights are fractions, readable as percentages', () => {
    expect(flagged('GPU utilisation weighs 60% of the score.')).toEqual([]);
  });
});

describe('rule 3: formats', () => {
  it('thousands separators, ×/x/배/times, 퍼센트', () => {
    expect(flagged('GPU2 uses 90,114 MiB of 143,771 MiB.')).toEqual([]);
    expect(flagged('It is 7.7x slower, 7.7 times slower, 7.7× slower.')).toEqual([]);
    expect(flagged('7.7배 느리고 사용률은 34퍼센트입니다.')).toEqual([]);
  });
  it('the score: "62 out of 100", "62/100", "62점", "62.0"', () => {
    expect(flagged('The score is 62 out of 100, 62/100, 62.0.')).toEqual([]);
    expect(flagged('효율 점수는 62점, 100점 만점에 62점입니다.')).toEqual([]);
    expect(flagged('The score is 64 out of 100.')).toEqual(['64 out of 100']);
  });
  it('memory converts between MiB, GiB, GB, MB and TiB, rounded to the decimals shown', () => {
    expect(flagged('GPU2 uses 88.0 GiB, 88 GiB, 94.5 GB, 90114 MiB, 0.14 TiB of 140.4 GiB.')).toEqual([]);
    expect(flagged('GPU2 uses 87.9 GiB.')).toEqual(['87.9 GiB']);
    const gib = new GroundingIndex([{ memoryGiB: 12 }]);
    expect(checkGrounding('It needs 12,288 MiB.', gib)).toEqual([]);
  });
  it('rounding is half away from zero at the decimals shown, never further', () => {
    expect(flagged('Copies get about 26 GB/s.')).toEqual([]);
    expect(flagged('Copies get about 25 GB/s.')).toEqual(['25 GB/s']);
    expect(flagged('Copies get about 25.80 GB/s.')).toEqual([]);
  });
});

describe('rule 4: derived values of related values', () => {
  it('differences, ratios and percentage changes within one object or one compared pair', () => {
    expect(flagged('The score rises by 20.3 points.')).toEqual([]); // 82.3 − 62
    expect(flagged('The all-reduce is 7.7× faster and saves 44.8 ms.')).toEqual([]); // 51.5 / 6.7, 51.5 − 6.7
    expect(flagged('Local copies are 2.44× faster: 144% more bandwidth.')).toEqual([]); // 63 / 25.8
    expect(flagged('Remote copies get 41% of the local bandwidth.')).toEqual([]); // 25.8 / 63
    expect(flagged('GPU2 uses 63% of its memory and has 88 W of headroom.')).toEqual([]);
    expect(flagged('The objective is 80.3 = 82.3 − 0.5 × 4.')).toEqual([]);
  });
  it('invented derivations are flagged, and unrelated values are not paired', () => {
    expect(flagged('The score rises by 22.3 points.')).toEqual(['22.3 points']);
    // 47 (GPU5) and 34 (GPU2) are in different objects: their difference grounds nothing
    expect(flagged('GPU5 is 13 points busier than GPU2.')).toEqual(['13 points']);
  });
  it('stays bounded on a large result', () => {
    const big = {
      gpus: Array.from({ length: 2000 }, (_, i) => ({
        index: i,
        utilizationPct: i % 101,
        memoryUsedMiB: i * 37,
        memoryTotalMiB: 143771,
        notes: [`GPU${i}: ${i * 3} ms vs ${i * 5} ms`],
      })),
    };
    const t0 = performance.now();
    const bigIndex = new GroundingIndex([big]);
    const t1 = performance.now();
    checkGrounding('GPU1999 runs at 80% with 73963 MiB used; 9.99 ms.', bigIndex);
    const t2 = performance.now();
    expect(t1 - t0).toBeLessThan(2000);
    expect(t2 - t1).toBeLessThan(50);
  });
});

describe('rule 5: identifiers, GPU references and what is not a claim', () => {
  it('identifiers with digits must appear in a result string', () => {
    expect(flagged('gpu-node-01 runs H200 GPUs with 1g.18gb slices behind mlx5_0 at 0000:3a:00.0.')).toEqual(
      [],
    );
    expect(flagged('gpu-node-02 has an A100, a 2g.35gb slice, mlx5_1 and 0000:3b:00.0.')).toEqual([
      'gpu-node-02',
      'A100',
      '2g.35gb',
      'mlx5_1',
      '0000:3b:00.0',
    ]);
    expect(flagged('VM 102 runs it; VM 104 does not exist.')).toEqual(['VM 104']);
  });
  it('GPU references in every form must be GPU indexes of the results', () => {
    expect(flagged('GPU5, GPU 5, GPUs 2 and 5, GPU 2, 3, GPU3–GPU5.')).toEqual([]);
    expect(flagged('GPU 5번과 2번 GPU가 바쁩니다.')).toEqual([]);
    expect(flagged('GPU9 is idle.')).toEqual(['GPU9']);
    expect(flagged('GPUs 2 and 9 are idle.')).toEqual(['GPU9']);
    expect(flagged('9번 GPU는 놉니다.')).toEqual(['9번']);
  });
  it('list markers, headings, ordinals, dates, "/100", "24/7" and "A–F" are not claims', () => {
    expect(flagged('## 3. Findings')).toEqual([]);
    expect(
      flagged('7) The 1st step: grades run A–F, GPU5 idles 24/7; as of 2026-11-26 it scores 62/100.'),
    ).toEqual([]);
  });
  it('PCIe Gen and width are grounded by the pcie fields', () => {
    expect(flagged('GPU2 links at Gen5 x16.')).toEqual([]);
    expect(flagged('GPU2 links at Gen3 x4.')).toEqual(['Gen3', 'x4']);
  });
  it('a command in a code span is grounded when a result holds it verbatim; otherwise its parts are checked', () => {
    expect(flagged('Run `qm set 102 --affinity 24-39,136-151 --numa 1` first.')).toEqual([]);
    expect(flagged('Run `nvidia-smi mig -i 5 -cgi 19,19 -C`.')).toEqual([]);
    expect(flagged('Run `qm set 102 --affinity 0-63`.')).toEqual(['0-63']);
    expect(
      flagged('```\nqm set 102 --affinity 24-39,136-151 --numa 1\nqm set 102 --affinity 0-63\n```'),
    ).toEqual(['0-63']);
  });
  it('a label and its number as a result writes them ("profile id 19")', () => {
    expect(flagged('It uses MIG profile ID 19.')).toEqual([]);
  });
});

describe('rule 6: Korean', () => {
  it('splits sentences on 다. / 요. and reads Korean units', () => {
    const bad = checkGrounding('GPU2는 34% 사용 중입니다. 온도는 80도예요. 하루 24시간 놉니다.', index);
    expect(bad.map((b) => b.sentence)).toEqual(['온도는 80도예요.']);
  });
  it('"GPU 2개" is a count, "2번 GPU" an index', () => {
    expect(flagged('train-vision-b는 GPU 2개를 씁니다.')).toEqual([]);
    expect(flagged('train-vision-b는 GPU 3개를 씁니다.')).toEqual(['GPU 3개']);
    expect(flagged('2번 GPU와 5번 GPU입니다.')).toEqual([]);
  });
  it('배, 점, 시간, 분, 초, 퍼센트, 기가바이트', () => {
    expect(flagged('7.7배 빠르고 20.3점 오르며 하루 15.8시간을 기다립니다.')).toEqual([]);
    expect(flagged('90기가바이트를 씁니다.')).toEqual(['90기가바이트']);
    expect(flagged('5분 걸리고 3초 멈춥니다.')).toEqual(['5분', '3초']);
  });
});

describe('rule 7: removal is surgical', () => {
  const strip = (text: string) => stripUngrounded(text, checkGrounding(text, index));
  it('removes the clause, keeps the rest verbatim', () => {
    expect(strip('The score is 62.0; it wastes 45% of the fleet.')).toBe('The score is 62.0.');
    expect(strip('It wastes 45% of the fleet; the score is 62.0.')).toBe('The score is 62.0.');
    expect(strip('GPU5 is busy — it runs at 95 °C.')).toBe('GPU5 is busy.');
    expect(strip('GPU2 runs at 34%, but GPU9 is idle.')).toBe('GPU2 runs at 34%.');
    expect(strip('GPU2 runs at 34%, GPU5 at 47%, GPU9 at 12%.')).toBe('GPU2 runs at 34%, GPU5 at 47%.');
    expect(strip('GPU2 is busy (34%, 80 °C), so move it.')).toBe('GPU2 is busy, so move it.');
    expect(strip('GPU2 사용률 34% 및 온도 80도.')).toBe('GPU2 사용률 34%.');
  });
  it('Korean: a clause ending in a connective; the last clause gets its ending back', () => {
    expect(strip('온도는 80도이고, GPU2의 사용률은 34%입니다.')).toBe('GPU2의 사용률은 34%입니다.');
    expect(strip('GPU2의 사용률은 34%이고, 온도는 80도입니다.')).toBe('GPU2의 사용률은 34%입니다.');
  });
  it('removes the sentence when the clause cannot be isolated, and only that sentence', () => {
    const text = 'GPU2 runs at 34%. GPU9 runs at 80 °C and hosts an A100. The score is 62.0.';
    expect(strip(text)).toBe('GPU2 runs at 34%. The score is 62.0.');
  });
  it('a bullet that loses everything goes; numbered lists stay numbered; other lines stay as they are', () => {
    const text = [
      'Why it is slow:',
      '1. **GPU2** runs at 34%.',
      '2. GPU9 is idle.',
      '3. Copies get 25.8 GB/s.',
      '',
      '- GPU9 runs at 80 °C.',
      '- GPU5 runs at 47%.',
    ].join('\n');
    expect(strip(text)).toBe(
      [
        'Why it is slow:',
        '1. **GPU2** runs at 34%.',
        '2. Copies get 25.8 GB/s.',
        '',
        '- GPU5 runs at 47%.',
      ].join('\n'),
    );
  });
  it('code lines and table rows go whole', () => {
    expect(strip('```\nqm set 102 --affinity 24-39,136-151 --numa 1\nqm set 102 --affinity 0-63\n```')).toBe(
      '```\nqm set 102 --affinity 24-39,136-151 --numa 1\n```',
    );
    expect(strip('| GPU | util |\n|---|---|\n| GPU2 | 34% |\n| GPU9 | 12% |')).toBe(
      '| GPU | util |\n|---|---|\n| GPU2 | 34% |',
    );
  });
  it('reports the clause and the sentence it is in', () => {
    expect(checkGrounding('1. GPU2 runs at 34%, but GPU9 is idle.', index)).toEqual([
      { sentence: 'GPU2 runs at 34%, but GPU9 is idle.', clause: 'GPU9 is idle', claims: ['GPU9'] },
    ]);
  });
});

describe('the index', () => {
  it('is built once and grows with add(); both source kinds are accepted', () => {
    const grow = new GroundingIndex([]);
    expect(checkGrounding('GPU5 runs at 47%.', grow)).not.toEqual([]);
    for (const r of RESULTS) grow.add(r);
    expect(checkGrounding('GPU5 runs at 47%.', grow)).toEqual([]);
    expect(checkGrounding('GPU5 runs at 47%.', { results: RESULTS })).toEqual([]);
  });
  it('checks a 15-line answer over the demo analysis well under 20 ms', () => {
    checkGrounding(SAMPLE_ANSWER, scenarioIndex('h200')); // compiles the expressions
    const fresh = new GroundingIndex([scenarioResult('h200')]); // nothing memoised yet
    const t0 = performance.now();
    const bad = checkGrounding(SAMPLE_ANSWER, fresh);
    expect(performance.now() - t0).toBeLessThan(20);
    expect(bad.map((b) => b.sentence)).toEqual(['GPU9 runs at 80 °C.']);
  });
});

describe('the labelled set', () => {
  const entries = labelled();
  it('is large and balanced: English and Korean, true and invented, both scenarios', () => {
    expect(entries.length).toBeGreaterThanOrEqual(170);
    const korean = entries.filter((e) => /[가-힣]/.test(e.text)).length;
    const invented = entries.filter((e) => !e.grounded).length;
    expect(korean / entries.length).toBeGreaterThan(0.4);
    expect(korean / entries.length).toBeLessThan(0.6);
    expect(invented / entries.length).toBeGreaterThan(0.4);
    expect(invented / entries.length).toBeLessThan(0.6);
    expect(new Set(entries.map((e) => e.scenario))).toEqual(new Set(['h200', 'l40s']));
    expect(new Set(entries.map((e) => e.text)).size).toBe(entries.length);
  });
  it('precision and recall of flagging invented sentences are at least 0.97', () => {
    const m = measureGrounding(entries);
    const report = m.wrong.map(
      (w) => `${w.grounded ? 'FP' : 'FN'} ${w.text} [${w.flagged.join(', ')}] — ${w.why}`,
    );
    expect(m.precision, report.join('\n')).toBeGreaterThanOrEqual(0.97);
    expect(m.recall, report.join('\n')).toBeGreaterThanOrEqual(0.97);
  });
});
