/**
 * "Should we use MIG?", "이 카드 MIG 돼?", "mig 켜져있어?", "how many 1g slices can I make?", "12기가 모델엔 어떤
 * 프로필?", "추론 서버들 GPU 하나로 합칠 수 있나": small inference jobs holding whole GPUs and the profile or share
 * they fit, whether the model supports MIG, its mode (a `mig -lgip` listing profiles means it is on), the
 * profiles and how many of each fit, and what the plan does — with the steps its MIG commands depend on.
 */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import {
  commandsFor,
  dependencyNote,
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
const firstSentence = (s: string) => s.split(/(?<=\))\.\s+|(?<=[a-z0-9%])\.\s+(?=[A-Z가-힣])/)[0] ?? s;

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
    const q = u.question;
    const util = (i: number | undefined) => gpus.find((g) => g.index === i)?.utilizationPct ?? null;
    const models = [...new Set(gpus.map((g) => g.name).filter((n): n is string => n !== null))];
    const noMig = gpus.length > 0 && gpus.every((g) => g.migCapable === false && !g.mig.profiles?.length);
    const withProfiles = gpus.filter((g) => g.mig.profiles && g.mig.profiles.length > 0);
    const usage = gpus.some((g) => g.utilizationPct !== null);
    const plan = r.data.generate_placement;
    // MIG is on where the mode says so, or where `mig -lgip` lists profiles (it lists none with MIG off)
    const on = (g: (typeof gpus)[number]) =>
      g.mig.mode === 'enabled' || (g.mig.mode === null && (g.mig.profiles?.length ?? 0) > 0);
    const asksMode =
      /\bmig\b.{0,12}\b(?:on|enabled|active|turned on)\b|\b(?:on|enabled)\b.{0,6}\?\s*$|켜져|켜\s*있|활성화\s*(?:돼|되|상태)|모드/i.test(
        q,
      );
    const asksCount = /how many|몇\s*개|몇개|개수|몇\s*조각/i.test(q);
    const need = /(\d+(?:\.\d+)?)\s*(?:gb|gib|기가|g(?=\s*(?:model|모델|짜리)))/i.exec(
      q.replace(/\d+g\.\d+gb/gi, ''),
    );
    const consolidate =
      /합치|합칠|합쳐|모으|모을|모아|한\s*장에|하나로|consolidat|\bcombine\b|\bmerge\b|\bpack\b|onto one|on one gpu|into one/i.test(
        q,
      );

    if (noMig && /\bmig\b|미그/i.test(q))
      direct.push(verdict({ ...u, asksOk: true }, true, lang) + t.mig.noMig(host, models));
    else if (withProfiles.length > 0 && need) {
      // "which profile for a 12 GB model?": the smallest profile with that much memory
      const g = withProfiles[0]!;
      const fit = [...g.mig.profiles!]
        .filter((p) => p.memoryGiB !== null && p.memoryGiB >= Number(need[1]))
        .sort((a, b) => a.memoryGiB! - b.memoryGiB! || a.name.localeCompare(b.name))[0];
      const smaller = [...g.mig.profiles!]
        .filter((p) => p.memoryGiB !== null && p.memoryGiB < Number(need[1]) && !p.name.includes('+'))
        .sort((a, b) => b.memoryGiB! - a.memoryGiB!)[0];
      direct.push(
        fit
          ? t.mig.fitFor(
              g.index!,
              { name: fit.name, gib: fit.memoryGiB! },
              smaller ? { name: smaller.name, gib: smaller.memoryGiB! } : null,
            )
          : t.mig.noFit(g.index!),
      );
    } else if (withProfiles.length > 0 && asksCount) {
      // "how many 1g slices?": the profiles of that size, most instances first
      const size = /\b(\d)g\b|(\d)\s*g\s*(?:slice|슬라이스|짜리)/i.exec(q.replace(/\d+g\.\d+gb/gi, ''));
      const g = withProfiles[0]!;
      const ps = g.mig
        .profiles!.filter((p) => !size || p.name.startsWith(`${size[1] ?? size[2]}g.`))
        .sort((a, b) => (b.instancesTotal ?? 0) - (a.instancesTotal ?? 0) || a.name.localeCompare(b.name));
      if (ps.length > 0)
        direct.push(
          t.mig.howMany(
            g.index!,
            ps.slice(0, 2).map((p) => ({
              name: p.name,
              total: p.instancesTotal,
              free: p.instancesFree,
              gib: p.memoryGiB,
            })),
          ),
        );
    } else if (asksMode && gpus.length > 0) {
      // "is MIG on?": the mode per GPU (with -lgip listing profiles, it is on)
      const enabled = gpus.filter(on);
      const off = gpus.filter((g) => g.mig.mode === 'disabled');
      if (enabled.length > 0)
        for (const g of enabled.slice(0, 2))
          direct.push(
            verdict({ ...u, asksOk: true }, false, lang) +
              t.mig.modeOn(
                g.index!,
                g.mig.mode === null,
                g.mig.instances.map((i) => i.profile ?? '?'),
                (g.mig.profiles ?? []).every((p) => p.instancesFree === p.instancesTotal),
              ),
          );
      else if (off.length > 0)
        direct.push(verdict({ ...u, asksOk: true }, true, lang) + t.mig.allDisabled(off.length));
      else direct.push(t.mig.modeUnknown(host));
    }
    if (fs.length > 0) {
      const moves =
        plan?.moves.filter(
          (m) => m.to.form !== 'whole' && fs.some((f) => f.workloads.includes(m.workload)),
        ) ?? [];
      const shared = moves.length > 1 && moves.every((m) => m.to.gpus.join() === moves[0]!.to.gpus.join());
      if (consolidate && shared)
        direct.push(
          verdict(u, true, lang) +
            t.mig.consolidate(
              moves.map((m) => ({ workload: m.workload, from: m.from.gpus })),
              String(fs[0]!.impact?.figures.profile ?? moves[0]!.to.form),
              moves[0]!.to.gpus,
            ),
        );
      else if (direct.length === 0)
        direct.push(
          verdict(u, true, lang) +
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
      support.push(...evidenceLines(fs[0]!, 1));
      for (const f of fs)
        if (impactOf(f, lang)) support.push(`- ${f.workloads[0] ?? ''}: ${impactOf(f, lang)}`);
    } else if (direct.length === 0) {
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
        if (!usage) direct.push(t.mig.needUtil);
      } else
        direct.push(
          verdict(u, false, lang) +
            (hasEntities(s)
              ? t.mig.notCandidate(host, u.workloads, u.gpus)
              : usage
                ? t.mig.none(
                    host,
                    enabled.map((g) => g.index!),
                  )
                : t.mig.noUsage(host)),
        );
    } else if (withProfiles.length > 0 && !asksCount && !need) {
      const g = withProfiles[0]!;
      support.push(
        `- ${t.mig.profiles(
          g.index!,
          g.mig.profiles!.map((p) => ({
            name: p.name,
            free: p.instancesFree,
            total: p.instancesTotal,
            gib: p.memoryGiB,
          })),
        )}`,
      );
    }
    // the MIG state today, below the answer
    const modes = gpus.map((g) => g.mig.mode);
    if (gpus.length > 0 && !noMig && !asksMode && modes.every((m) => m === 'disabled'))
      support.push(`- ${t.mig.allDisabled(gpus.length)}`);
    for (const g of gpus.filter((x) => x.mig.mode === 'enabled' && x.mig.instances.length > 0))
      support.push(
        `- ${t.mig.instances(
          g.index!,
          g.mig.instances.map((i) => i.profile ?? '?'),
        )}`,
      );
    if (plan && fs.length > 0) {
      const moves = plan.moves.filter(
        (m) => m.to.form !== 'whole' && fs.some((f) => f.workloads.includes(m.workload)),
      );
      const said = consolidate && direct.some((d) => moves.every((m) => d.includes(m.workload)));
      if (moves.length > 0 && !said)
        support.push(
          `- ${t.mig.planMove(
            moves.map((m) => m.workload),
            moves[0]!.to.gpus,
            moves[0]!.to.form,
          )}`,
        );
      const migCmds = commandsFor(plan, moves).filter((x) => /^nvidia-smi (?:mig )?-i /.test(x.command));
      for (const x of migCmds) support.push(`- \`${x.command}\` — ${firstSentence(x.what[lang])}`);
      const note = migCmds.length > 0 ? dependencyNote(plan, moves, lang, false) : null;
      if (note) support.push(`- ${note}`);
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
