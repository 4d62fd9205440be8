/**
 * The fleet plan in the analysis (issue 12): when the fleet search stops at its cap of host solves, the
 * analysis says so (`fleet.placement.searchCap`) and the text report states it in the reader's language,
 * beside the objective, its upper bound and the gap; a search that ran to the end says nothing more.
 */
import { describe, expect, it } from 'vitest';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import { renderAnalysis } from '../../tools/render/text.ts';
import { inferenceHosts, scenario } from '../helpers/placement.ts';

describe('fleet plan in the analysis', () => {
  it('a search stopped at its cap is stated, in English and in Korean, with the gap', () => {
    const a = analyzeAndPlan(inferenceHosts());
    const fp = a.fleet.placement!;
    expect(fp.searchCap).toBe(56);
    expect(fp.bound).toBeGreaterThanOrEqual(fp.objective);
    const en = renderAnalysis(a, 'en');
    expect(en).toContain(`fleet objective ${fp.objective}, upper bound ${fp.bound} (gap ${fp.gap})`);
    expect(en).toContain('the fleet search stopped at its cap of 56 host solves');
    expect(renderAnalysis(a, 'ko')).toContain('플릿 탐색이 호스트 계산 상한(56회)에 도달해 멈췄습니다');
    // every host still gets its own plan
    expect(a.hosts.every((h) => h.placement !== null)).toBe(true);
  }, 120_000);

  it('a search that ran to the end says nothing more', () => {
    const h200 = scenario('h200');
    const l40s = scenario('l40s');
    const a = analyzeAndPlan([h200, l40s]);
    expect(a.fleet.placement!.searchCap).toBeNull();
    expect(renderAnalysis(a, 'en')).not.toContain('stopped at its cap');
  });
});
