/**
 * cross-socket: a distributed workload has a GPU pair whose path crosses sockets (SYS / legacy SOC):
 * peer traffic goes through the CPUs' socket interconnect (UPI / xGMI).
 *
 * Impact model `ring-allreduce` against the best ring of the same size inside one NUMA node (where the
 * host has enough GPUs on one node); null otherwise.
 */
import type { Finding } from '../findings.ts';
import { josa } from '../korean.ts';
import { ringImpact } from './nvlink-split.ts';
import type { Rule } from './types.ts';
import { DERIVED_NUMA, gpuList, gpuNumaEvidence, linkEvidence, numaDerived, pairs, t } from './util.ts';

/** Up to `limit` subsets of size n (all of them for the GPU counts of one node). */
function subsets(ids: readonly number[], n: number, limit: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, acc: number[]) => {
    if (out.length >= limit) return;
    if (acc.length === n) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < ids.length; i++) pick(i + 1, [...acc, ids[i]!]);
  };
  pick(0, []);
  return out;
}

export const crossSocket: Rule = {
  id: 'cross-socket',
  summary: 'a distributed workload has a GPU pair whose path crosses sockets (SYS)',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const w of ctx.snapshot.workloads) {
      if (!w.distributed || w.gpus.length < 2) continue;
      // SYS = through the SMP interconnect; a pair the inputs put on one NUMA node is not "two sockets"
      const sys = pairs(w.gpus).filter(([a, b]) => {
        if (ctx.link(a, b)?.kind !== 'SYS') return false;
        const na = ctx.gpu(a) ? ctx.numaOf(ctx.gpu(a)!) : null;
        const nb = ctx.gpu(b) ? ctx.numaOf(ctx.gpu(b)!) : null;
        return na === null || nb === null || na !== nb;
      });
      if (sys.length === 0) continue;
      const n = w.gpus.length;
      const actual = ctx.ringGBs(w.gpus);
      // best ring of n GPUs that share one NUMA node
      const byNode = new Map<number, number[]>();
      for (const g of ctx.snapshot.gpus) {
        const node = ctx.numaOf(g);
        if (g.index === null || node === null) continue;
        const ids = byNode.get(node);
        if (ids) ids.push(g.index);
        else byNode.set(node, [g.index]);
      }
      let best: number | null = null;
      for (const ids of byNode.values())
        for (const subset of subsets(ids, n, 256)) {
          const r = ctx.ringGBs(subset);
          if (r !== null && (best === null || r > best)) best = r;
        }
      const impact =
        actual !== null && best !== null && best > actual
          ? ringImpact(n, actual, best, { en: 'within one socket', ko: '한 소켓 안에서는' })
          : null;
      const gpus = [...new Set(sys.flat())].sort((a, b) => a - b);
      // NUMA ids the inputs do not carry, derived from the CPU-affinity sets, are named as such
      const onNodes = gpus.flatMap((i) => {
        const g = ctx.gpu(i);
        const node = g ? ctx.numaOf(g) : null;
        return g && node !== null ? [{ g, i, node }] : [];
      });
      const derived = numaDerived(
        ctx,
        onNodes.map((x) => x.g),
      );
      const nodesEn = derived
        ? ` The inputs carry no NUMA ids: ${onNodes.map((x) => `GPU${x.i} is on node ${x.node}`).join(', ')}${DERIVED_NUMA.en}.`
        : '';
      const nodesKo = derived
        ? ` 입력에 NUMA ID가 없어 CPU 친화도로 추정했습니다: ${onNodes.map((x) => `${josa(`GPU${x.i}`, '은')} 노드 ${x.node}`).join(', ')}.`
        : '';
      out.push({
        rule: 'cross-socket',
        severity: 'warning',
        gpus,
        workloads: [w.name],
        title: t(`${w.name}: GPU traffic crosses CPU sockets`, `${w.name}: GPU 간 통신이 CPU 소켓을 넘나듦`),
        detail: t(
          `${sys.map(([a, b]) => `GPU${a}–GPU${b}`).join(', ')} of ${w.name} connect only through the link between the CPU sockets (SYS): peer-to-peer traffic is staged through both CPUs.${nodesEn}`,
          `${w.name}의 ${sys.map(([a, b]) => `GPU${a}–GPU${b}`).join(', ')} 구간은 CPU 소켓 간 연결(SYS)로만 이어져 GPU 간 통신이 두 CPU를 거칩니다.${nodesKo}`,
        ),
        evidence: [
          ...sys.map(([a, b]) => linkEvidence(ctx, a, b)!).filter(Boolean),
          ...(derived ? onNodes.map((x) => gpuNumaEvidence(ctx, x.g)) : []),
        ],
        impact,
        recommendation: t(
          `Keep ${w.name}'s ${n} GPUs on one socket (${gpuList(gpus)} span two).`,
          `${w.name}의 GPU ${n}개를 한 소켓에 두세요 (${josa(gpuList(gpus), '은')} 두 소켓에 걸쳐 있음).`,
        ),
      });
    }
    return out;
  },
};
