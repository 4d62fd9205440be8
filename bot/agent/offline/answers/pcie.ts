/** "Any PCIe problem?": links trained below their width or generation, or every GPU's link at its maximum. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, impactOf, subjectOf, verdict } from './common.ts';
import type { Composer } from './types.ts';

const PCIE = TOPIC_RULES.pcie!;

export const pcie: Composer = {
  topic: 'pcie',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: PCIE } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], { ...subjectOf(u), rules: PCIE });
    const gpus = (r.data.collect_nvidia_smi?.gpus ?? []).filter(
      (g) => g.index !== null && (u.gpus.length === 0 || u.gpus.includes(g.index)),
    );
    const known = gpus.filter((g) => g.pcie.widthCurrent !== null && g.pcie.widthMax !== null);
    const direct: string[] = [];
    const support: string[] = [];
    if (fs.length > 0) {
      const f = fs[0]!;
      direct.push(verdict(u, true, lang) + t.pcie.found(host, f.title[lang]));
      if (impactOf(f, lang)) direct.push(t.sentence(impactOf(f, lang)!));
      support.push(...evidenceLines(f, 1));
      support.push(`- ${f.recommendation[lang]}`);
      for (const x of fs.slice(1, 4)) support.push(`- ${x.title[lang]}`);
    } else if (known.length === 0) direct.push(t.pcie.noData(host));
    else {
      const widths = [...new Set(known.map((g) => `${g.pcie.widthCurrent}/${g.pcie.widthMax}`))];
      const gens = [...new Set(known.map((g) => g.pcie.genMax))];
      const g0 = known[0]!;
      // a link below its top generation while the GPU idles is power saving, not a fault
      const below = known.filter((g) => g.pcie.genCurrent !== null && g.pcie.genCurrent !== g.pcie.genMax);
      const idleBelow = below.filter(
        (g) => g.utilizationPct === 0 || /^P([89]|1[0-5])$/.test(g.pstate ?? ''),
      );
      const b0 = idleBelow[0];
      direct.push(
        verdict(u, false, lang) +
          t.pcie.none(
            host,
            u.gpus.length === 0 && known.length > 1 ? known.length : null,
            known.map((g) => g.index!),
            widths.length === 1
              ? {
                  width: g0.pcie.widthCurrent,
                  widthMax: g0.pcie.widthMax,
                  genMax: gens.length === 1 ? g0.pcie.genMax : null,
                }
              : null,
          ),
      );
      if (b0 && idleBelow.length === below.length)
        direct.push(
          t.pcie.idleNow(
            idleBelow.map((g) => g.index!),
            b0.pcie.genCurrent!,
            b0.pcie.genMax,
            b0.pstate,
          ),
        );
      else if (below.length > 0) support.push(`- ${t.pcie.idleGen(below.map((g) => g.index!))}`);
    }
    return {
      direct,
      support,
      more: null,
      focus: {
        gpus: fs.flatMap((f) => f.gpus).concat(u.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: PCIE,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
