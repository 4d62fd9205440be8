/**
 * "Can I put another training job here?", "where should a new 2-GPU job go?", "which GPUs should I use for a
 * 2-GPU job?" (a topo -m alone answers it too): the GPUs that run nothing now, the best-connected set of the
 * size asked (NVLink, one NUMA node, near a NIC), what the placement plan frees, and GPUs with a hardware
 * problem to avoid. With several hosts, the host with room first (`rank`).
 */
import { printableCpus, TEXT } from '../text.ts';
import { lead, verdict } from './common.ts';
import { bestSets, freeAfterPlan, type GpuView, gpuViews, hardwareFindings } from './gpus.ts';
import type { Composer } from './types.ts';

export const capacity: Composer = {
  topic: 'capacity',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'get_topology', input: { host } },
    {
      name: 'find_bottlenecks',
      input: { host, rules: ['pcie-downtrained', 'clock-throttle', 'ecc-errors'] },
    },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const topo = r.data.get_topology;
    const views = gpuViews(r);
    const bad = hardwareFindings(r.data.find_bottlenecks?.findings ?? []);
    const badGpus = new Set(bad.flatMap((f) => f.gpus));
    const healthy = (i: number) => !badGpus.has(i);
    const want = u.gpuCount ?? (/\b(?:multi|distributed)|분산|멀티/i.test(u.question) ? 2 : 1);
    const plan = r.data.generate_placement;
    const direct: string[] = [];
    const support: string[] = [];
    const describe = (v: GpuView) => ({
      gpu: v.index,
      name: v.gpu.name,
      numa: v.gpu.numaNode,
      cpus: printableCpus(topo?.gpus.find((g) => g.index === v.index)?.localCpus ?? null),
      util: v.gpu.utilizationPct,
      used: v.gpu.memoryUsedMiB,
      total: v.gpu.memoryTotalMiB,
    });
    const setLine = (s: ReturnType<typeof bestSets>[number]) => ({
      gpus: s.gpus,
      path: s.path,
      numa: s.numa,
      nic: s.nic,
      nics: s.nics,
    });
    let rank = 0;

    if (views.length > 0 && views.every((v) => v.free === null)) {
      // a topology alone: which GPUs fit together, not which are busy
      const all = views.map((v) => v.index);
      const sets = bestSets(topo, views, all, Math.min(want, all.length));
      const best = sets[0];
      if (best) {
        const alt = sets.find((s) => s.gpus.every((g) => !best.gpus.includes(g)) && s.path === best.path);
        const worst = sets.at(-1);
        direct.push(
          t.capacity.topoPick(
            setLine(best),
            alt ? { ...setLine(alt), nic: null, nics: [] } : null,
            worst && worst.path !== best.path ? worst.path : null,
          ),
        );
      }
      direct.push(t.capacity.topoOnly);
      return {
        direct,
        support,
        more: null,
        focus: { gpus: best?.gpus ?? [], workloads: [], rules: [], items: [] },
      };
    }

    const free = views.filter((v) => v.free === true);
    const freeOk = free.filter((v) => healthy(v.index)).map((v) => v.index);
    const after = plan ? freeAfterPlan(views, plan.moves).filter(healthy) : [];
    const setsNow = freeOk.length >= want ? bestSets(topo, views, freeOk, want) : [];
    const setsAfter = after.length >= want ? bestSets(topo, views, after, want) : [];
    // the best pair the plan leaves free, for a job of two GPUs or more
    const pairAfter = after.length >= 2 ? bestSets(topo, views, after, Math.max(2, want))[0] : undefined;
    const takes = plan?.moves.filter((m) => m.to.gpus.some((g) => freeOk.includes(g))) ?? [];
    const fits = setsNow.length > 0;
    rank = freeOk.length * 10 + (setsAfter.length > 0 ? 1 : 0) - bad.length;

    if (fits) {
      const best = setsNow[0]!;
      direct.push(
        lead(
          verdict({ ...u, asksOk: true }, false, lang),
          want === 1
            ? t.capacity.freeNow(host, describe(views.find((v) => v.index === best.gpus[0])!), freeOk)
            : t.capacity.setNow(host, setLine(best)),
        ),
      );
    } else if (free.length > 0) {
      direct.push(
        lead(
          verdict({ ...u, asksOk: true }, true, lang),
          t.capacity.tooFew(
            host,
            want,
            free.map((v) => v.index),
            free.filter((v) => !healthy(v.index)).map((v) => v.index),
          ),
        ),
      );
    } else {
      const least = [...views]
        .filter((v) => v.gpu.utilizationPct !== null)
        .sort((a, b) => a.gpu.utilizationPct! - b.gpu.utilizationPct!)[0];
      direct.push(
        lead(
          verdict({ ...u, asksOk: true }, true, lang),
          t.capacity.none(
            host,
            views.length,
            [...new Set(views.map((v) => v.gpu.name).filter((n): n is string => n !== null))],
            least ? { gpu: least.index, util: least.gpu.utilizationPct! } : null,
          ),
        ),
      );
    }
    // what the plan changes: it may take the free GPU and free others
    if (plan && plan.moves.length > 0 && (after.join() !== freeOk.join() || takes.length > 0)) {
      const bestAfter = want > 1 ? setsAfter[0] : pairAfter;
      direct.push(
        t.capacity.afterPlan(
          after,
          takes.map((m) => ({ workload: m.workload, gpus: m.to.gpus.filter((g) => freeOk.includes(g)) })),
          bestAfter ? setLine(bestAfter) : null,
          want,
        ),
      );
    }
    for (const f of bad.slice(0, 2)) support.push(`- ${t.capacity.avoid(f.title[lang])}`);
    if (free.length > 0 && want === 1 && freeOk.length > 1) support.push(`- ${t.capacity.alsoFree(freeOk)}`);
    const busy = views.filter((v) => v.free === false && v.gpu.utilizationPct !== null);
    if (busy.length > 0 && !fits)
      support.push(
        `- ${t.capacity.busy(
          busy.slice(0, 8).map((v) => ({
            gpu: v.index,
            util: v.gpu.utilizationPct!,
            who: v.workloads[0]?.name ?? v.procs[0]?.name ?? null,
          })),
        )}`,
      );
    if (!plan && r.errors.generate_placement === undefined && views.every((v) => v.workloads.length === 0))
      support.push(`- ${t.capacity.noWorkloads}`);
    return {
      direct,
      support,
      more: t.more.fix,
      rank,
      focus: {
        gpus: setsNow[0]?.gpus ?? freeOk,
        workloads: [],
        rules: [],
        items: freeOk.map((g) => ({ kind: 'gpu' as const, host, rule: null, gpus: [g], workloads: [] })),
      },
    };
  },
};
