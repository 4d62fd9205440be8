import { z } from 'zod';
import { buildReport } from '../../../scoring/report.ts';
import type { ToolContext, ToolDef } from '../types.ts';

const Input = z.object({
  lang: z.enum(['en', 'ko']).describe('the language of the report: the language of the question'),
});

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const analysis = ctx.session.fullAnalysis();
  const now = ctx.services.now();
  const model = buildReport(analysis, input.lang, now);
  const bytes = await ctx.services.renderReport(model, now);
  const filename = `infralens-report-${model.date}.pdf`;
  ctx.session.artifacts.pdf = { bytes, filename };
  return {
    attached: filename,
    kib: Math.round(bytes.length / 1024),
    sections: model.sections.map((s) => s.title),
  };
}

/** What the tool returns (the offline analyst reads it typed). */
export type CreateReportResult = Awaited<ReturnType<typeof run>>;

export const createReport: ToolDef<z.infer<typeof Input>> = {
  name: 'create_report',
  description:
    'Create the PDF report (score, topology, findings with evidence, placement plan and commands, glossary) of every loaded host; it is attached to the answer.',
  input: Input,
  run,
};
