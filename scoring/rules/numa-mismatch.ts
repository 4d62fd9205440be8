/**
 * numa-mismatch: a workload's CPU affinity contains no CPU local to one of its GPUs, so its host↔GPU
 * copies and data-loader memory cross the socket interconnect.
 *
 * Impact model `numa-remote-h2d`: host↔device copy bandwidth falls to 13.5/33 of the local rate
 * (DGX H100, concurrent D2H from all 8 GPUs, with vs without NUMA pinning; domain facts §5, S40),
 * applied to the GPU's PCIe line rate.
 */
import type { HostContext } from '../context.ts';
import { type Finding, round } from '../findings.ts';
import { pcieGBs } from '../interconnect.ts';
import { josa } from '../korean.ts';
import { numaAligned } from '../score.ts';
import type { Gpu } from '../snapshot.ts';
import type { Rule } from './types.ts';
import { affinityEvidence, DERIVED_NUMA, gpuList, gpuNumaEvidence, numaDerived, t } from './util.ts';

export const REMOTE_COPY_RATIO = 13.5 / 33;

export const numaMismatch: Rule = {
  id: 'numa-mismatch',
  summary: "a workload's CPU affinity has no CPU local to one of its GPUs",
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const w of ctx.snapshot.workloads) {
      const bad = w.gpus.filter((i) => {
        const g = ctx.gpu(i);
        return g !== undefined && numaAligned(ctx, w, g) === false;
      });
      if (bad.length === 0 || w.cpus === null) continue;
      const { nodes: wNodes, derived: wDerived } = workloadNodes(ctx, w.cpus);
      const gpus = bad.map((i) => ctx.gpu(i)!);
      const gpuNodes = [...new Set(gpus.map((g) => ctx.numaOf(g)).filter((x): x is number => x !== null))];
      const g0 = gpus[0]!;
      const gen = g0.pcie.genMax ?? ctx.model(g0)?.pcieGen ?? 4;
      const width = g0.pcie.widthMax ?? 16;
      const local = round(pcieGBs(gen, width), 1);
      const remote = round(local * REMOTE_COPY_RATIO, 1);
      const drop = round((1 - REMOTE_COPY_RATIO) * 100, 0);
      const nodesTxt = wNodes.length > 0 ? wNodes.join(', ') : '?';
      const gpuNodesTxt = gpuNodes.length > 0 ? gpuNodes.join(', ') : '?';
      // ids the inputs do not carry, derived from the CPU-affinity sets, are named as such
      const wNote = (lang: 'en' | 'ko') => (wNodes.length > 0 && wDerived ? DERIVED_NUMA[lang] : '');
      const gNote = (lang: 'en' | 'ko') =>
        gpuNodes.length > 0 && numaDerived(ctx, gpus) ? DERIVED_NUMA[lang] : '';
      const localCpus = ctx.localCpus(g0);
      out.push({
        rule: 'numa-mismatch',
        severity: 'warning',
        gpus: bad,
        workloads: [w.name],
        title: t(
          `${w.name}: CPUs on the wrong NUMA node for ${gpuList(bad)}`,
          `${w.name}: ${josa(gpuList(bad), '과')} 다른 NUMA 노드의 CPU 사용`,
        ),
        detail: t(
          `${w.name} runs on CPUs of NUMA node ${nodesTxt}${wNote('en')}, but ${gpuList(bad)} ${bad.length > 1 ? 'are' : 'is'} attached to NUMA node ${gpuNodesTxt}${gNote('en')}. Every host↔GPU copy and every data-loader page crosses the socket interconnect.`,
          `${josa(w.name, '은')} NUMA 노드 ${nodesTxt}${wNote('ko')}의 CPU에서 실행되지만 ${josa(gpuList(bad), '은')} NUMA 노드 ${gpuNodesTxt}${gNote('ko')}에 연결되어 있습니다. 호스트↔GPU 복사와 데이터 로더 메모리가 모두 소켓 간 연결을 거칩니다.`,
        ),
        evidence: [affinityEvidence(ctx, w), ...gpus.map((g) => gpuNumaEvidence(ctx, g))],
        impact: {
          model: 'numa-remote-h2d',
          value: -drop,
          unit: '%',
          summary: t(
            `host↔GPU copy bandwidth about ${remote} GB/s instead of ${local} GB/s (−${drop}%)`,
            `호스트↔GPU 복사 대역폭 약 ${remote} GB/s (로컬 ${local} GB/s 대비 −${drop}%)`,
          ),
          figures: {
            pcie_gen: gen,
            pcie_width: width,
            local_line_rate_GBs: local,
            remote_over_local: round(REMOTE_COPY_RATIO, 3),
            remote_GBs: remote,
          },
          sources: ['S40'],
        },
        recommendation: t(
          localCpus
            ? `Pin ${w.name} to CPUs ${ctx.cpuListText(localCpus)} (NUMA node ${gpuNodesTxt}, local to ${gpuList(bad)}) and bind its memory there, or move it to GPUs on NUMA node ${nodesTxt}.`
            : `Pin ${w.name} to CPUs of NUMA node ${gpuNodesTxt} and bind its memory there, or move it to GPUs on NUMA node ${nodesTxt}.`,
          localCpus
            ? `${josa(w.name, '을')} CPU ${ctx.cpuListText(localCpus)}(NUMA 노드 ${gpuNodesTxt}, ${gpuList(bad)}에 로컬)에 고정하고 메모리도 그 노드에 바인딩하거나, NUMA 노드 ${nodesTxt}의 GPU로 옮기세요.`
            : `${josa(w.name, '을')} NUMA 노드 ${gpuNodesTxt}의 CPU에 고정하고 메모리도 바인딩하거나, NUMA 노드 ${nodesTxt}의 GPU로 옮기세요.`,
        ),
      });
    }
    return out;
  },
};

/**
 * NUMA nodes of a CPU list: from the node table (numactl / lscpu), else, when only `topo -m` was given,
 * the grouping derived from the GPUs' CPU-affinity sets, else the nodes of the GPUs whose local CPUs it
 * touches. `derived`: the ids were derived from CPU affinity, not read from the inputs.
 */
function workloadNodes(ctx: HostContext, cpus: readonly number[]): { nodes: number[]; derived: boolean } {
  const nodes = ctx.numaNodesOfCpus(cpus);
  const table = ctx.snapshot.cpu.numaNodes.some((n) => n.cpus.length > 0);
  if (nodes.length > 0) return { nodes, derived: !table };
  const set = new Set(cpus);
  const out = new Set<number>();
  const via: Gpu[] = [];
  for (const g of ctx.snapshot.gpus) {
    const node = ctx.numaOf(g);
    if (node !== null && ctx.localCpus(g)?.some((c) => set.has(c))) {
      out.add(node);
      via.push(g);
    }
  }
  return { nodes: [...out].sort((a, b) => a - b), derived: numaDerived(ctx, via) };
}
