/**
 * "Which GPUs are idle?", "gpu 다 바빠?", "7번 gpu 왜 놀아?": GPUs that compute nothing (unallocated, or held
 * by a process at 0 %) — from the findings and from the GPUs' own values, so a GPU at 0 % with no process is
 * never called busy — whole GPUs held by small jobs, and what the plan frees.
 */
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import {
  evidenceLines,
  findingItem,
  findingsAbout,
  gpuItem,
  impactOf,
  subjectOf,
  verdict,
} from './common.ts';
import { type GpuView, gpuViews } from './gpus.ts';
import type { Composer } from './types.ts';
import { explain } from './why.ts';

const IDLE = TOPIC_RULES.idle!;

export const idle: Composer = {
  topic: 'idle',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: [...IDLE, 'io-bound'] } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const views = gpuViews(r);
    const gpus = r.data.collect_nvidia_smi?.gpus ?? [];
    const util = (i: number) => gpus.find((g) => g.index === i)?.utilizationPct ?? null;
    const all = r.data.find_bottlenecks?.findings ?? [];
    const fs = findingsAbout(all, { ...subjectOf(u), rules: IDLE });
    const idleFs = fs.filter((f) => f.rule === 'gpu-idle');
    const small = fs.filter((f) => f.rule === 'mig-candidate' || f.rule === 'share-candidate');
    const under = fs.filter((f) => f.rule === 'memory-underuse');
    // training GPUs that wait on their input are busy on paper and idle in fact
    const waiting = findingsAbout(all, { ...subjectOf(u), rules: ['io-bound'] });
    const asked = (v: GpuView) => u.gpus.length === 0 || u.gpus.includes(v.index);
    // GPUs at 0 % that no idle finding names (a host without workload information)
    const zero = views.filter((v) => asked(v) && v.gpu.utilizationPct === 0);
    const unnamed = zero.filter((v) => !idleFs.some((f) => f.gpus.includes(v.index)));
    const owner = (v: GpuView) => v.workloads[0]?.name ?? v.procs[0]?.name ?? null;
    const direct: string[] = [];
    const support: string[] = [];
    const items = [...idleFs, ...small, ...under].map((f) => findingItem(f, host));
    const q = u.question;

    if (u.followUp === 'other' && u.gpus.length === 0 && u.exclude.length > 0) {
      // "and the other one?" with nothing else named before: the next least busy GPUs
      const next = views
        .filter((v) => !u.exclude.includes(v.index) && v.gpu.utilizationPct !== null)
        .sort((a, b) => a.gpu.utilizationPct! - b.gpu.utilizationPct!)
        .slice(0, 2);
      if (next.length > 0)
        direct.push(
          t.idle.next(next.map((v) => ({ gpu: v.index, util: v.gpu.utilizationPct!, who: owner(v) }))),
        );
      items.push(
        ...next.map((v) =>
          gpuItem(
            v.index,
            v.workloads.map((w) => w.name),
            host,
          ),
        ),
      );
    } else if (u.gpus.length > 0 && u.gpus.length <= 2 && u.followUp !== 'other') {
      // "why is GPU 7 idle?": each GPU asked about, with its cause
      for (const i of u.gpus) {
        const v = views.find((x) => x.index === i);
        const f = idleFs.find((x) => x.gpus.includes(i)) ?? small.find((x) => x.gpus.includes(i));
        if (!v)
          direct.push(
            t.entity.noGpu(
              host,
              views.map((x) => x.index),
            ),
          );
        else if (f) direct.push(explain(f, r, lang));
        else if (v.gpu.utilizationPct === 0)
          direct.push(
            v.procs[0]
              ? t.why.heldIdle(i, v.procs[0].pid, v.procs[0].name, v.procs[0].usedMemoryMiB, 0)
              : t.why.nothingRuns(i, v.gpu.memoryUsedMiB, v.gpu.memoryTotalMiB, 0),
          );
        else direct.push(verdict(u, false, lang) + t.idle.notIdle(i, v.gpu.utilizationPct, owner(v)));
      }
    } else if (
      /busiest|most (?:busy|used|loaded)|바쁜|(?:제일|가장)\s*바빠|사용률이?\s*(?:제일|가장)?\s*높/i.test(q)
    ) {
      // "which GPU is the busiest?": the other end of the same data
      const top = views
        .filter((v) => v.gpu.utilizationPct !== null)
        .sort((a, b) => b.gpu.utilizationPct! - a.gpu.utilizationPct!)
        .slice(0, 3);
      if (top.length > 0)
        direct.push(
          t.idle.busiest(
            host,
            top.map((v) => ({ gpu: v.index, util: v.gpu.utilizationPct!, workload: owner(v) })),
          ),
        );
    } else if (
      /\b(?:all|every|each)\b|다\s*바|모두|전부|전체/i.test(q) &&
      /busy|used|바빠|바쁘|일하|쓰고/i.test(q)
    ) {
      // "are all GPUs busy?": the busy ones and the idle ones, side by side
      const busy = views.filter((v) => (v.gpu.utilizationPct ?? 0) > 0);
      const idleNow = views.filter((v) => v.gpu.utilizationPct === 0);
      direct.push(
        verdict({ ...u, asksOk: true }, idleNow.length > 0, lang) +
          t.idle.allBusy(
            host,
            busy.map((v) => ({ gpu: v.index, util: v.gpu.utilizationPct!, who: owner(v) })),
            idleNow.map((v) => ({ gpu: v.index, who: owner(v), used: v.gpu.memoryUsedMiB })),
          ),
      );
    }
    if (direct.length === 0) {
      const most = /\bmost\b|\bworst\b|제일|가장|최고/i.test(q);
      if (idleFs.length > 0)
        direct.push(
          `${verdict(u, true, lang)}${
            most
              ? t.idle.most(idleFs[0]!.title[lang], idleFs[0]!.gpus.map(util), impactOf(idleFs[0]!, lang))
              : t.idle.idle(
                  host,
                  idleFs.map((f) => ({ title: f.title[lang], util: f.gpus.map(util) })),
                )
          }`,
        );
      if (unnamed.length > 0) {
        const free = unnamed.filter((v) => v.procs.length === 0 && v.workloads.length === 0);
        const held = unnamed.filter((v) => v.procs.length > 0 || v.workloads.length > 0);
        if (free.length > 0)
          direct.push(
            (direct.length === 0 ? verdict(u, true, lang) : '') +
              t.idle.runsNothing(
                host,
                free.map((v) => ({ gpu: v.index, used: v.gpu.memoryUsedMiB, total: v.gpu.memoryTotalMiB })),
              ),
          );
        if (held.length > 0)
          direct.push(
            (direct.length === 0 ? verdict(u, true, lang) : '') +
              t.idle.heldIdle(held.map((v) => ({ gpu: v.index, who: owner(v), used: v.gpu.memoryUsedMiB }))),
          );
        items.push(
          ...unnamed.map((v) =>
            gpuItem(
              v.index,
              v.workloads.map((w) => w.name),
              host,
            ),
          ),
        );
      }
      if (small.length > 0)
        direct.push(
          (direct.length === 0 ? verdict(u, true, lang) : '') +
            t.idle.small(
              small.map((f) => ({
                gpu: f.gpus[0] ?? null,
                workload: f.workloads[0] ?? null,
                util: f.gpus[0] === undefined ? null : util(f.gpus[0]),
                fits: String(f.impact?.figures.profile ?? ''),
                shareGB: (f.impact?.figures.share_GB as number | undefined) ?? null,
                mig: f.rule === 'mig-candidate',
              })),
            ),
        );
      // without findings on the small jobs (no workload information): the least busy GPUs that do compute
      if (small.length === 0 && (idleFs.length > 0 || unnamed.length > 0)) {
        const low = views
          .filter((v) => asked(v) && (v.gpu.utilizationPct ?? 0) > 0)
          .sort((a, b) => a.gpu.utilizationPct! - b.gpu.utilizationPct!)
          .slice(0, 2);
        if (low.length > 0)
          support.push(
            `- ${t.idle.leastBusy(low.map((v) => ({ gpu: v.index, util: v.gpu.utilizationPct!, who: owner(v) })))}`,
          );
      }
    }
    if (direct.length === 0) {
      const busy = views.filter((v) => v.gpu.utilizationPct !== null);
      const lowest = [...busy].sort((a, b) => a.gpu.utilizationPct! - b.gpu.utilizationPct!)[0];
      direct.push(
        `${verdict(u, false, lang)}${
          busy.length === 0
            ? t.idle.noData(host)
            : t.idle.none(host, lowest ? { gpu: lowest.index, util: lowest.gpu.utilizationPct! } : null)
        }`,
      );
    }
    if (u.exclude.length > 0) {
      // the previous answer's GPU is not repeated
    } else if (idleFs[0] && u.gpus.length === 0) {
      support.push(...evidenceLines(idleFs[0], 1));
      const impact = impactOf(idleFs[0], lang);
      if (impact) support.push(`- ${impact}`);
    } else if (idleFs[0]) support.push(...evidenceLines(idleFs[0], 1), `- ${idleFs[0].recommendation[lang]}`);
    for (const f of [...small, ...under, ...waiting].slice(0, 4))
      if (!direct.some((d) => d.includes(f.workloads[0] ?? '\u0000')) || f.rule !== 'mig-candidate')
        support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
    const plan = r.data.generate_placement;
    if (plan) {
      const freed = plan.expected.find((g) => g.model === 'gpus-freed');
      const idleGpus = [...idleFs.flatMap((f) => f.gpus), ...unnamed.map((v) => v.index)];
      const onIdle = plan.moves.filter((m) => m.to.gpus.some((g) => idleGpus.includes(g)));
      for (const m of onIdle) support.push(`- ${t.idle.planUses(m.workload, m.to.gpus)}`);
      if (freed) support.push(`- ${t.idle.planFrees(freed.summary[lang])}`);
    }
    return {
      direct,
      support,
      more: t.more.fix,
      focus: {
        gpus: [...new Set([...items.flatMap((i) => i.gpus)])],
        workloads: [...new Set(items.flatMap((i) => i.workloads))],
        rules: IDLE,
        items,
      },
    };
  },
};
