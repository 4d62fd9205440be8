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

describe('hosts that did not answer', () => {
  const analysis = analyzeFleet(ingestHosts(scenarioFiles('h200')).snapshots);
  const now = new Date('2026-12-03T23:30:00Z');

  it('are named on the cover with their cause (en, ko); without them the cover is as before', () => {
    const unreachable = [
      { host: 'gpu-node-07', kind: 'host-key', message: 'host key mismatch: expected SHA256:abc' },
      { host: 'gpu-node-09', kind: 'refused', message: 'connection refused (nothing listens on the port)' },
    ];
    const en = buildReport(analysis, 'en', now, { unreachable });
    const text = JSON.stringify(en.cover);
    expect(text).toContain('Not answering (2): no data from these hosts for this report');
    expect(text).toContain('gpu-node-07 — host-key: host key mismatch: expected SHA256:abc');
    expect(text).toContain('gpu-node-09 — refused: connection refused (nothing listens on the port)');
    expect(JSON.stringify(buildReport(analysis, 'ko', now, { unreachable }).cover)).toContain(
      '응답 없음 (2개)',
    );
    // the analysed host is still reported in full
    expect(en.sections.length).toBe(buildReport(analysis, 'en', now).sections.length);
    expect(buildReport(analysis, 'en', now, { unreachable: [] }).cover).toEqual(
      buildReport(analysis, 'en', now).cover,
    );
  });
});
