/** The offline analyst's phrasing helpers and answer shape: Korean particles, GPU ranges, the line budget. */
import { describe, expect, it } from 'vitest';
import { render } from '../../../bot/agent/offline/render.ts';
import { gpuRange, groupsText, josa, printableCpus, TEXT } from '../../../bot/agent/offline/text.ts';

describe('Korean particles follow the word as it is read', () => {
  it.each([
    ['gpu-node-01', '은', 'gpu-node-01은'], // 일
    ['gpu-node-02', '은', 'gpu-node-02는'], // 이
    ['GPU4', '이', 'GPU4가'], // 사
    ['GPU3', '로', 'GPU3으로'], // 삼
    ['GPU1', '로', 'GPU1로'], // 일 (ㄹ)
    ['train-rec-c', '을', 'train-rec-c를'],
    ['train-llm-a', '을', 'train-llm-a를'],
    ['infer-ocr', '을', 'infer-ocr을'], // 알 (ㄹ)
    ['`nvidia-smi topo -m`', '을', '`nvidia-smi topo -m`을'],
    ['train-rec-c(학습)', '이', 'train-rec-c(학습)이'],
  ] as const)('%s + %s → %s', (w, p, out) => expect(josa(w, p)).toBe(out));
});

describe('GPU lists and groups', () => {
  it('writes runs as ranges and other sets as lists', () => {
    expect(gpuRange([3, 0, 1, 2])).toBe('GPU0–GPU3');
    expect(gpuRange([0, 1])).toBe('GPU0–GPU1');
    expect(gpuRange([3, 5])).toBe('GPU3, GPU5');
    expect(
      groupsText([
        [0, 1],
        [2, 3],
        [4, 6],
      ]),
    ).toBe('GPU0–GPU1; GPU2–GPU3; (GPU4, GPU6)');
  });
  it('states CPU lists only in the form the grounding checker reads as one identifier', () => {
    expect(printableCpus('0-55,112-167')).toBe('0-55,112-167');
    expect(printableCpus('0-23')).toBe('0-23');
    expect(printableCpus('6,14,22,30')).toBeNull();
  });
});

describe('the answer shape', () => {
  const focus = { gpus: [], workloads: [], rules: [], items: [] };
  it('keeps two direct lines, about ten of support, one on where to get more', () => {
    const text = render({
      direct: ['No: Every GPU is fine.', 'second', 'third'],
      support: Array.from({ length: 20 }, (_, i) => `- s${i}`),
      more: 'Ask for more.',
      focus,
    });
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    expect(lines[0]).toBe('No: every GPU is fine.');
    expect(lines[1]).toBe('second');
    expect(lines[2]).toBe('- third');
    expect(lines).toHaveLength(13);
    expect(lines.at(-1)).toBe('Ask for more.');
  });
  it('shows everything when everything was asked', () => {
    const text = render({
      direct: ['d'],
      support: Array.from({ length: 14 }, (_, i) => `${i + 1}. c`),
      more: null,
      full: true,
      focus,
    });
    expect(text.split('\n').filter((l) => l.trim() !== '')).toHaveLength(15);
  });
  it('keeps names after a yes/no as they are', () => {
    expect(render({ direct: ['Yes: GPUDirect RDMA works', ''], support: [], more: null, focus })).toBe(
      'Yes: GPUDirect RDMA works',
    );
  });
});

describe('the phrase tables', () => {
  it('have the same phrases in both languages', () => {
    const keys = (o: object, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === 'object' && !Array.isArray(v) ? keys(v, `${p}${k}.`) : [`${p}${k}`],
      );
    expect(keys(TEXT.ko).sort()).toEqual(keys(TEXT.en).sort());
  });
  it('the off-topic line says what InfraLens answers, in one line', () => {
    for (const lang of ['en', 'ko'] as const) {
      expect(TEXT[lang].offTopic).not.toContain('\n');
      expect(TEXT[lang].offTopic).toMatch(/NVLink/);
      expect(TEXT[lang].offTopic).toMatch(/NUMA/);
      expect(TEXT[lang].offTopic).toMatch(/MIG/);
      expect(TEXT[lang].offTopic).toMatch(/PDF/);
    }
  });
});
