/**
 * The fleet's posts (written as Block Kit for every surface) as Adaptive Cards for Teams channels: the
 * real digest and alert texts in, a card whose text reads as Teams Markdown out.
 */
import { describe, expect, it } from 'vitest';
import { cardFromSlack, mrkdwnToMarkdown } from '../../bot/teams/from-slack.ts';
import { digestMessages } from '../../jobs/fleet/digest.ts';
import { ALERT_TEXT } from '../../jobs/fleet/texts.ts';
import { digestModel, type HistoryRecord } from '../../scoring/history.ts';

const rec = (score: number, title: string): HistoryRecord => ({
  at: 1,
  score,
  grade: score >= 80 ? 'B' : 'C',
  components: null,
  findings: [
    { fingerprint: 'f1', rule: 'numa-affinity', severity: 'warning', title: { en: title, ko: title } },
  ],
});

describe('fleet posts in Teams', () => {
  it('a daily digest becomes one Adaptive Card 1.5 with the same hosts, scores and news', () => {
    const model = digestModel([
      { host: 'gpu-a', now: rec(71.5, 'GPU 2 <far> & away'), yesterday: { ...rec(83.1, 'x'), at: 0 } },
      { host: 'gpu_b*', now: rec(90.2, 'fine'), yesterday: null },
    ]);
    for (const lang of ['en', 'ko'] as const) {
      const [m] = digestMessages(model, lang, '2026-12-03');
      const card = cardFromSlack((m as { blocks: unknown[] }).blocks)!;
      expect(card.version).toBe('1.5');
      const body = card.body as { type: string; text: string; separator?: boolean }[];
      expect(body.every((b) => b.type === 'TextBlock' && b.text.length > 0)).toBe(true);
      const all = body.map((b) => b.text).join('\n');
      expect(body[0]!.text).toContain('2026-12-03');
      // the numbers are the digest's own
      for (const n of ['71.5', '90.2', '−11.6']) expect(all).toContain(n);
      // Slack's escapes are decoded, bold is Teams Markdown, no Slack-only syntax is left
      expect(all).toContain('GPU 2 <far> & away');
      expect(all).toMatch(/\*\*gpu-a\*\*/);
      expect(all).not.toMatch(/&lt;|&amp;|:warning:/);
      expect(body.some((b) => b.separator)).toBe(true);
    }
  });

  it('an alert keeps its numbers and shows its emoji as characters', () => {
    const text = ALERT_TEXT.scoreDrop('en', 'gpu-a', 83.1, 71.5, ', B → C');
    const card = cardFromSlack([{ type: 'section', text: { type: 'mrkdwn', text } }])!;
    const t = (card.body as { text: string }[])[0]!.text;
    expect(t).toContain('📉');
    expect(t).toContain('**gpu-a**');
    expect(t).toContain('83.1 → 71.5');
  });

  it('links, stray asterisks, control characters and blocks without text', () => {
    expect(mrkdwnToMarkdown('see <https://x.test/r?a=1|the report> *now*')).toBe(
      'see [the report](https://x.test/r?a=1) **now**',
    );
    expect(mrkdwnToMarkdown('2 * 3 = 6\u0007')).toBe('2 * 3 = 6');
    expect(cardFromSlack([{ type: 'divider' }, { type: 'image' }, null, 'x'])).toBeNull();
  });
});
