import { z } from 'zod';
import { buildReport, type ReportTrend } from '../../../scoring/report.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { forModel, hostField } from './common.ts';

/** days of score history a collected host's report charts. */
const TREND_DAYS = 7;

const Input = z.strictObject({
  lang: z.enum(['en', 'ko']).describe('the language of the report: the language of the question'),
  host: hostField.describe('only this host (default: every loaded host)'),
});

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const full = ctx.session.fullAnalysis();
  const analysis =
    input.host === undefined
      ? full
      : { ...full, hosts: [ctx.session.hostAnalysis(input.host)], fleet: { ...full.fleet, hosts: 1 } };
  const now = ctx.services.now();
  // inventory hosts carry their score trend (the last TREND_DAYS days of their history) into the PDF
  const trends: Record<string, ReportTrend> = {};
  const fleet = ctx.services.fleet;
  if (fleet)
    for (const h of analysis.hosts) {
      if (h.host === null || !ctx.session.isInventoryHost(h.host)) continue;
      const records = await fleet.history(h.host, TREND_DAYS).catch(() => []);
      if (records.length >= 2)
        trends[h.host] = { days: TREND_DAYS, points: records.map((r) => ({ at: r.at, score: r.score })) };
    }
  const model = buildReport(analysis, input.lang, now, { trends });
  const bytes = await ctx.services.renderReport(model, now);
  const who = analysis.hosts.length === 1 ? (analysis.hosts[0]!.host ?? 'host') : 'fleet';
  const filename = `infralens-report-${who.replace(/[^\w.-]+/g, '_').slice(0, 60)}-${model.date}.pdf`;
  return {
    data: forModel(ctx, {
      attached: filename,
      kib: Math.round(bytes.length / 1024),
      hosts: analysis.hosts.map((h) => h.host),
      sections: model.sections.map((s) => s.title),
    }),
    attachments: [
      {
        kind: 'pdf' as const,
        filename,
        title: input.lang === 'ko' ? `InfraLens 보고서 — ${who}` : `InfraLens report — ${who}`,
        bytes,
      },
    ],
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type CreateReportResult = Awaited<ReturnType<typeof run>>['data'];

export const createReport: ToolDef<z.infer<typeof Input>, CreateReportResult> = {
  name: 'create_report',
  description:
    'Create the PDF report (score and components, GPU chart, topology grid, findings with evidence and impact, the placement plan with commands, glossary) of one host or of every loaded host, in English or Korean. The PDF is attached to the answer by the chat surface; the result names the file and its size in KiB. Call it only when the user asks for a report, PDF or document.',
  input: Input,
  run,
};
