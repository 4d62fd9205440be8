/** "Should we use MIG?": small inference jobs holding whole GPUs, the profile or share they fit, MIG state, the plan. */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import {
  evidenceLines,
  findingItem,
  findingsAbout,
  hasEntities,
  impactOf,
  subjectOf,
  verdict,
} from './common.ts';
import type { Composer } from './types.ts';

const MIG = TOPIC_RULES.mig!;

export const mig: Composer = {
  topic: 'mig',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: MIG } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const c = r.data.collect_nvidia_smi;
    const gpus = (c?.gpus ?? []).filter((g) => g.index !== null);
    const s = { ...subjectOf(u), rules: MIG };
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], s);
    const direct: string[] = [];
    const support: string[] = [];
    const util = (i: number | undefined) => gpus.find((g) => g.index === i)?.utilizationPct ?? null;
    const models = [...new Set(gpus.map((g) => g.name).filter((n): n is string => n !== null))];
    const noMig = gpus.length > 0 && gpus.every((g) => g.migCapable === false && !g.mig.profiles?.length);
    if (noMig && /\bmig\b/i.test(u.question))
      direct.push(verdict({ ...u, asksOk: true }, true, lang) + t.mig.noMig(host, models));
    if (fs.length > 0) {
      direct.push(
        (direct.length === 0 ? verdict(u, true, lang) : '') +
          t.mig.candidates(
            fs.map((f) => ({
              workload: f.workloads[0] ?? null,
              gpu: f.gpus[0] ?? null,
              util: util(f.gpus[0]),
              fits: f.rule === 'mig-candidate' ? String(f.impact?.figures.profile ?? '') : null,
              shareGB: (f.impact?.figures.share_GB as number | undefined) ?? null,
            })),
          ),
      );
      support.push(...evidenceLines(fs[0]!, 2));
      for (const f of fs)
        if (impactOf(f, lang)) support.push(`- ${f.workloads[0] ?? ''}: ${impactOf(f, lang)}`);
    } else {
      const withProfiles = gpus.filter((g) => g.mig.profiles && g.mig.profiles.length > 0);
      const enabled = gpus.filter((g) => g.mig.mode === 'enabled');
      if (withProfiles.length > 0 && !hasEntities(s)) {
        const g = withProfiles[0]!;
        direct.push(
          t.mig.profiles(
            g.index!,
            g.mig.profiles!.map((p) => ({
              name: p.name,
              free: p.instancesFree,
              total: p.instancesTotal,
              gib: p.memoryGiB,
            })),
          ),
        );
        if (g.utilizationPct === null) direct.push(t.mig.needUtil);
      } else
        direct.push(
          verdict(u, false, lang) +
            (hasEntities(s)
              ? t.mig.notCandidate(host, u.workloads, u.gpus)
              : t.mig.none(
                  host,
                  enabled.map((g) => g.index!),
                )),
        );
    }
    // the MIG state today: in the answer when nothing is to be shared, below it otherwise
    const state: string[] = [];
    const modes = gpus.map((g) => g.mig.mode);
    if (gpus.length > 0 && !noMig && modes.every((m) => m === 'disabled'))
      state.push(t.mig.allDisabled(gpus.length));
    for (const g of gpus.filter((x) => x.mig.mode === 'enabled'))
      state.push(
        t.mig.instances(
          g.index!,
          g.mig.instances.map((i) => i.profile ?? '?'),
        ),
      );
    if (fs.length === 0 && !noMig && state.length > 0 && direct.length === 1) direct.unshift(state.shift()!);
    support.push(...state.map((x) => `- ${x}`));
    const plan = r.data.generate_placement;
    if (plan && fs.length > 0) {
      const moves = plan.moves.filter(
        (m) => m.to.form !== 'whole' && fs.some((f) => f.workloads.includes(m.workload)),
      );
      // one line per target slice kind: "the plan puts infer-chat and infer-embed on GPU5 as MIG 1g.18gb"
      const targets = new Map<string, typeof moves>();
      for (const m of moves)
        targets.set(`${m.to.gpus.join(',')}|${m.to.form}`, [
          ...(targets.get(`${m.to.gpus.join(',')}|${m.to.form}`) ?? []),
          m,
        ]);
      for (const ms of targets.values())
        support.push(
          `- ${t.mig.planMove(
            ms.map((m) => m.workload),
            ms[0]!.to.gpus,
            ms[0]!.to.form,
          )}`,
        );
      const migCmds = plan.commands.filter((x) => /^nvidia-smi (?:mig )?-i /.test(x.command));
      for (const x of migCmds) support.push(`- \`${x.command}\` — ${x.what[lang]}`);
    }
    return {
      direct,
      support,
      more: fs.length > 0 ? t.more.commands : t.more.overview,
      focus: {
        gpus: fs.flatMap((f) => f.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: MIG,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
