/** "Send me the report": the PDF (attached by the chat surface), what it holds, and the score it states. */
import { TEXT } from '../text.ts';
import type { Composer } from './types.ts';

export const report: Composer = {
  topic: 'report',
  calls: (u, host, lang) =>
    u.host === null
      ? [{ name: 'create_report', input: { lang } }]
      : [
          { name: 'create_report', input: { lang, host } },
          { name: 'compute_score', input: { host } },
        ],
  compose({ lang, host, r }) {
    const t = TEXT[lang];
    const rep = r.data.create_report;
    if (!rep)
      return {
        direct: [t.report.failed(r.errors.create_report ?? '')],
        support: [],
        more: null,
        focus: { gpus: [], workloads: [], rules: [], items: [] },
      };
    const cs = r.data.compute_score;
    const support = [`- ${t.report.sections(rep.sections.map((x) => x.replace(/\s*\(\d+\)$/, '')))}`];
    if (cs?.score)
      support.push(`- ${t.report.score(host, cs.score.value, cs.score.grade, t.grade[cs.score.grade])}`);
    return {
      direct: [
        t.report.attached(
          rep.hosts.map((h) => h ?? host),
          rep.attached,
        ),
      ],
      support,
      more: t.more.overview,
      focus: { gpus: [], workloads: [], rules: [], items: [] },
    };
  },
};
