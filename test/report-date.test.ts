/**
 * A report is dated as its readers count days: the daily post at 09:00 in Seoul is 00:00 UTC, so a PDF
 * dated by UTC said yesterday while the post above it said today. `buildReport(…, { date })` takes the
 * calendar date the caller computed in its time zone (jobs/fleet/digest.ts: `dateIn(now, channel tz)`).
 */
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../bin/cli.ts';
import { dateIn } from '../jobs/fleet/digest.ts';
import { analyzeFleet } from '../scoring/analyze.ts';
import { buildReport } from '../scoring/report.ts';
import { ingestHosts } from '../tools/ingest/index.ts';

describe('report date', () => {
  const analysis = analyzeFleet(ingestHosts(scenarioFiles('h200')).snapshots);
  // 2026-12-03 23:30 UTC = 2026-12-04 08:30 in Seoul
  const now = new Date('2026-12-03T23:30:00Z');

  it('is the caller-given calendar date (the channel time zone), in the model and the page header', () => {
    const date = dateIn(now, 'Asia/Seoul');
    expect(date).toBe('2026-12-04');
    const m = buildReport(analysis, 'en', now, { date });
    expect(m.date).toBe('2026-12-04');
    expect(m.header).toContain('2026-12-04');
  });

  it('defaults to the UTC date, and ignores a malformed one', () => {
    expect(buildReport(analysis, 'en', now).date).toBe('2026-12-03');
    expect(buildReport(analysis, 'ko', now, { date: '04/12/2026' }).date).toBe('2026-12-03');
  });
});
