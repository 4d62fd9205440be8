/** "Any ECC errors?": uncorrectable errors, pending or failed row remaps per GPU — or the evidence that there are none. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, subjectOf, verdict } from './common.ts';
import type { Composer } from './types.ts';

const ECC = TOPIC_RULES.ecc!;

export const ecc: Composer = {
  topic: 'ecc',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: ECC } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], { ...subjectOf(u), rules: ECC });
    const c = r.data.collect_nvidia_smi;
    const gpus = (c?.gpus ?? []).filter(
      (g) => u.gpus.length === 0 || (g.index !== null && u.gpus.includes(g.index)),
    );
    const known = gpus.filter(
      (g) =>
        g.ecc.uncorrectedVolatile !== null ||
        g.ecc.uncorrectedAggregate !== null ||
        g.ecc.remappedRowsPending !== null,
    );
    const direct: string[] = [];
    const support: string[] = [];
    if (fs.length > 0) {
      direct.push(
        verdict(u, true, lang) +
          t.ecc.found(
            host,
            fs.map((f) => f.title[lang]),
          ),
      );
      for (const f of fs.slice(0, 3)) support.push(...evidenceLines(f, 1));
      support.push(`- ${fs[0]!.recommendation[lang]}`);
    } else if (known.length === 0) direct.push(t.ecc.noData(host));
    else {
      const pending = known.some((g) => g.ecc.remappedRowsPending === true);
      direct.push(
        verdict(u, false, lang) +
          t.ecc.none(
            host,
            known.length === gpus.length && u.gpus.length === 0 ? known.length : null,
            known.map((g) => g.index),
            pending,
          ),
      );
      const modes = [...new Set(known.map((g) => g.ecc.mode))];
      support.push(`- ${t.ecc.modes(modes)}`);
      const corrected = known.filter(
        (g) => (g.ecc.correctedAggregate ?? 0) > 0 || (g.ecc.correctedVolatile ?? 0) > 0,
      );
      support.push(
        `- ${corrected.length === 0 ? t.ecc.noCorrected : t.ecc.corrected(corrected.map((g) => ({ gpu: g.index, n: g.ecc.correctedAggregate ?? g.ecc.correctedVolatile })))}`,
      );
      const src = c?.inputs.find((x) => /nvidia-smi-(?:xml|q)/.test(x)) ?? c?.inputs[0];
      if (src) support.push(`- ${t.source(src)}`);
    }
    return {
      direct,
      support,
      more: null,
      focus: {
        gpus: fs.flatMap((f) => f.gpus).concat(u.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: ECC,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
