/** The offline analyst's phrasing helpers and answer shape: Korean particles, GPU ranges, the line budget. */
import { describe, expect, it } from 'vitest';
import { render } from '../../../bot/agent/offline/render.ts';
import {
  gpuRange,
  groupsText,
  josa,
  koReason,
  polish,
  printableCpus,
  TEXT,
} from '../../../bot/agent/offline/text.ts';

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

describe('Korean particles of words read as words', () => {
  it.each([
    ['aws-p5en-sample', '은', 'aws-p5en-sample은'], // 샘플
    ['remap', '이', 'remap이'], // 리맵
    ['time-slicing', '은', 'time-slicing은'], // 슬라이싱
    ['NVLink', '이', 'NVLink가'], // 링크
    ['mlx5_1', '로', 'mlx5_1로'], // 일
    ['x16', '이', 'x16이'], // 육
  ] as const)('%s + %s → %s', (w, p, out) => expect(josa(w, p)).toBe(out));
});

describe('polish: Korean answers', () => {
  it('resolves particle fallbacks from tool strings by the word before them', () => {
    expect(polish('GPU4이(가) 유휴 상태, GPU2와(과) 다른 노드, train-rec-c은(는) 학습', 'ko')).toBe(
      'GPU4가 유휴 상태, GPU2와 다른 노드, train-rec-c는 학습',
    );
  });
  it('corrects a particle written after a Latin or digit token, never inside code', () => {
    expect(polish('GPU3 PCIe 링크가 Gen4 x16가 아닌 Gen4 x8로 동작', 'ko')).toBe(
      'GPU3 PCIe 링크가 Gen4 x16이 아닌 Gen4 x8로 동작',
    );
    expect(polish('`x16가 `', 'ko')).toBe('`x16가 `');
  });
  it('puts the English that tools write into Korean strings in Korean', () => {
    const s = polish('GPU 0000:52:00.0 메모리 오류: a row remap is pending (needs a GPU reset)', 'ko');
    expect(s).not.toMatch(/pending|needs/);
    expect(s).toContain('0000:52:00.0');
  });
  it('leaves English answers alone', () => {
    expect(polish('GPU4이(가) x16가 ', 'en')).toBe('GPU4이(가) x16가 ');
  });
});

describe('koReason: why an upload could not be read, in Korean', () => {
  it('keeps the file and the command to send, says the rest in Korean', () => {
    const r = koReason(
      'h200-lgip.txt: fragment of mig -lgip: no GPU header (the "GPU instance profiles:" title and column header are missing; 6 profile row(s) of GPU 6 found). Send the complete output of `nvidia-smi mig -lgip`',
    );
    expect(r).toContain('h200-lgip.txt');
    expect(r).toContain('`nvidia-smi mig -lgip`');
    expect(r).toMatch(/일부분/);
    expect(r).not.toMatch(/fragment|Send|missing/);
  });
  it('has a Korean reason for every kind of rejection', () => {
    for (const why of [
      'a.txt: file is empty',
      'a.txt: binary file (contains NUL bytes): expected the text output of a command',
      'a.txt: unknown format: not one of the outputs InfraLens reads (run `infralens formats` for the list, or send the bundle from `infralens collect-script`)',
      'a.txt: this is a `nvidia-smi topo -p2p` matrix (peer-access capability), not `topo -m`; send `nvidia-smi topo -m`',
      'a.txt: not nvidia-smi -q -x output: no <nvidia_smi_log> root element',
    ])
      expect(
        koReason(why)
          .replace(/`[^`]*`/g, '')
          .replace(/a\.txt/, ''),
        why,
      ).not.toMatch(/\b(?:the|is|of|not|file)\b/i);
  });
});
