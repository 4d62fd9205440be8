/**
 * Korean particles after words from the inputs (scoring/korean.ts): the rules and renderers wrote
 * fallbacks such as "GPU4이(가)", "train-rec-c은(는)", "GPU2와(과)" into Korean text.
 */
import { describe, expect, it } from 'vitest';
import { finalOf, fixParticles, josa } from '../../scoring/korean.ts';

// word → [은/는, 이/가, 을/를, 와/과, (으)로], by how the last character is read
const CASES: [string, string, string, string, string, string][] = [
  ['GPU0', '은', '이', '을', '과', '으로'], // 영
  ['GPU1', '은', '이', '을', '과', '로'], // 일 (ㄹ)
  ['GPU2', '는', '가', '를', '와', '로'], // 이
  ['GPU3', '은', '이', '을', '과', '으로'], // 삼
  ['GPU4', '는', '가', '를', '와', '로'], // 사
  ['GPU5', '는', '가', '를', '와', '로'], // 오
  ['GPU6', '은', '이', '을', '과', '으로'], // 육
  ['GPU7', '은', '이', '을', '과', '로'], // 칠 (ㄹ)
  ['GPU8', '은', '이', '을', '과', '로'], // 팔 (ㄹ)
  ['GPU9', '는', '가', '를', '와', '로'], // 구
  ['GPU10', '은', '이', '을', '과', '으로'], // 십
  ['gpu-node-01', '은', '이', '을', '과', '로'], // 일
  ['train-rec-c', '는', '가', '를', '와', '로'], // 씨
  ['infer-llm-8b', '는', '가', '를', '와', '로'], // 비
  ['train-vision-b', '는', '가', '를', '와', '로'], // 비
  ['infer-chat', '는', '가', '를', '와', '로'], // 티
  ['train-diffusion', '은', '이', '을', '과', '으로'], // 엔
  ['train-llm-a', '는', '가', '를', '와', '로'], // 에이
  ['L40S', '는', '가', '를', '와', '로'], // 에스
  ['H200', '은', '이', '을', '과', '으로'], // 영
  ['mlx5_0', '은', '이', '을', '과', '으로'], // 영
  ['mlx5_1', '은', '이', '을', '과', '로'], // 일
  ['x16', '은', '이', '을', '과', '으로'], // 육
  ['x8', '은', '이', '을', '과', '로'], // 팔
  ['x4', '는', '가', '를', '와', '로'], // 사
  ['VM 103', '은', '이', '을', '과', '으로'], // 삼
  ['VM 102', '는', '가', '를', '와', '로'], // 이
  ['1g.18gb', '는', '가', '를', '와', '로'], // 비
  ['NVLink', '는', '가', '를', '와', '로'], // 케이
  ['kernel', '은', '이', '을', '과', '로'], // 엘
  ['vGPU', '는', '가', '를', '와', '로'], // 유
  ['NIC0 (mlx5_0)', '은', '이', '을', '과', '으로'], // the word before the parenthesis: 영
  ['CPU(NODE)', '는', '가', '를', '와', '로'], // 씨피유
  ['CPU 소켓(SYS)', '은', '이', '을', '과', '으로'], // 소켓
  ['PCIe 호스트 브리지 간(NODE)', '은', '이', '을', '과', '으로'], // 간
  ['(NODE)', '는', '가', '를', '와', '로'], // alone: its content, 이
  ['`nvidia-smi -r`', '은', '이', '을', '과', '로'], // ` skipped: r 알 (ㄹ)
  ['5%', '는', '가', '를', '와', '로'], // 퍼센트
  ['서버', '는', '가', '를', '와', '로'],
  ['노드', '는', '가', '를', '와', '로'],
  ['작업', '은', '이', '을', '과', '으로'],
  ['해당 작업', '은', '이', '을', '과', '으로'],
  ['서울', '은', '이', '을', '과', '로'], // ㄹ
  ['프로세스', '는', '가', '를', '와', '로'],
  ['점유자', '는', '가', '를', '와', '로'],
  ['메모리', '는', '가', '를', '와', '로'],
];

describe('josa: the particle follows how the last character is read', () => {
  for (const [word, eun, i, eul, gwa, ro] of CASES)
    it(word, () => {
      expect(josa(word, '은')).toBe(`${word}${eun}`);
      expect(josa(word, '이')).toBe(`${word}${i}`);
      expect(josa(word, '을')).toBe(`${word}${eul}`);
      expect(josa(word, '과')).toBe(`${word}${gwa}`);
      expect(josa(word, '로')).toBe(`${word}${ro}`);
    });

  it('covers at least 30 words, GPU0–GPU9 among them', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    for (let i = 0; i < 10; i++) expect(CASES.some(([w]) => w === `GPU${i}`)).toBe(true);
  });

  it('reads l, m, n, r as ending in a consonant (ㄹ for l and r), other letters not', () => {
    expect([...'lr'].map(finalOf)).toEqual(['rieul', 'rieul']);
    expect([...'mnMN'].map(finalOf)).toEqual(['other', 'other', 'other', 'other']);
    for (const c of 'abcdefghijkopqstuvwxyzABCK') expect(finalOf(c), c).toBe('none');
    expect(finalOf('')).toBe('none');
  });
});

describe('fixParticles: every fallback becomes the form its word takes', () => {
  it('rewrites the fallbacks the rules wrote', () => {
    expect(fixParticles('GPU4이(가) 어떤 워크로드에도 할당되지 않음')).toBe(
      'GPU4가 어떤 워크로드에도 할당되지 않음',
    );
    expect(fixParticles('train-rec-c: GPU2와(과) 다른 NUMA 노드의 CPU 사용')).toBe(
      'train-rec-c: GPU2와 다른 NUMA 노드의 CPU 사용',
    );
    expect(fixParticles('train-rec-c은(는) NUMA 노드 1의 CPU에서 실행되지만 GPU2은(는) NUMA 노드 0에')).toBe(
      'train-rec-c는 NUMA 노드 1의 CPU에서 실행되지만 GPU2는 NUMA 노드 0에',
    );
    expect(fixParticles('GPU3을(를) 다시 장착하거나')).toBe('GPU3을 다시 장착하거나');
    expect(fixParticles('유일한 NIC NIC0 (mlx5_0)이(가) GPU 4개 모두에서 멂')).toBe(
      '유일한 NIC NIC0 (mlx5_0)이 GPU 4개 모두에서 멂',
    );
    expect(fixParticles('x16(으)로 연결')).toBe('x16으로 연결');
    expect(fixParticles('x8(으)로 연결')).toBe('x8로 연결');
    expect(fixParticles('서버으로(로) 이동')).toBe('서버로 이동');
    expect(fixParticles('infer-llm-8b이(가) 의도적으로')).toBe('infer-llm-8b가 의도적으로');
    expect(fixParticles('VM 103을(를) 멈추고 GPU0와(과) GPU1을(를)')).toBe('VM 103을 멈추고 GPU0과 GPU1을');
  });

  it('leaves text without fallbacks as it is', () => {
    for (const s of ['', 'GPU4가 유휴', 'GPU (NUMA 0)', 'score (62.0)', '(가)'])
      expect(fixParticles(s)).toBe(s);
  });
});
