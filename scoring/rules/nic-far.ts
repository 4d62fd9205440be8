/**
 * nic-far: a distributed workload's GPUs reach every NIC only through NODE or SYS: GPUDirect RDMA is not
 * used at that distance by default and NCCL stages network traffic through host memory (domain facts §5,
 * S45/S46). Matters when the job spans hosts.
 * Impact model `gdr-off`: all-reduce bus bandwidth without GPUDirect RDMA is 79.7/96.1 of that with it
 * (GH200, 4×200G, S47).
 */
import { type Finding, round } from '../findings.ts';
import { josa } from '../korean.ts';
import type { LinkKind } from '../snapshot.ts';
import type { Rule } from './types.ts';
import { gpuList, t } from './util.ts';

const NEAR: LinkKind[] = ['PIX', 'PXB', 'PHB'];
export const GDR_OFF_RATIO = 79.7 / 96.1;

export const nicFar: Rule = {
  id: 'nic-far',
  summary: "a distributed workload's GPUs reach their NICs only via NODE/SYS",
  evaluate(ctx) {
    if (ctx.snapshot.nics.length === 0) return [];
    const out: Finding[] = [];
    for (const w of ctx.snapshot.workloads) {
      if (!w.distributed || w.gpus.length < 2) continue;
      const far: number[] = [];
      const lines: string[] = [];
      // by kind, not by the printed cell: legacy drivers print SYS as `SOC`
      let crossSocket = false;
      for (const i of w.gpus) {
        const nicLinks = ctx.nicLinksOf(`GPU${i}`);
        if (nicLinks.length === 0) continue;
        if (nicLinks.some((l) => NEAR.includes(l.kind) || l.kind === 'NV')) continue;
        far.push(i);
        const best = nicLinks.find((l) => l.kind === 'NODE') ?? nicLinks[0]!;
        if (best.kind === 'SYS') crossSocket = true;
        const nic = best.a.startsWith('NIC') ? best.a : best.b;
        const dev = ctx.snapshot.nics.find((n) => n.id === nic)?.device;
        lines.push(`topo -m: GPU${i} ↔ ${nic}${dev ? ` (${dev})` : ''} = ${best.raw}`);
      }
      if (far.length === 0) continue;
      const drop = round((1 - GDR_OFF_RATIO) * 100, 0);
      out.push({
        rule: 'nic-far',
        severity: 'info',
        gpus: far,
        workloads: [w.name],
        title: t(
          `${w.name}: ${gpuList(far)} far from every network card`,
          `${w.name}: ${josa(gpuList(far), '이')} 모든 네트워크 카드에서 멂`,
        ),
        detail: t(
          `${gpuList(far)} reach the nearest NIC only through ${crossSocket ? 'the CPU sockets (SYS)' : 'the CPU (NODE)'}. If ${w.name} spans hosts, its network traffic is staged through host memory instead of GPUDirect RDMA.`,
          `${josa(gpuList(far), '은')} 가장 가까운 NIC에도 ${crossSocket ? 'CPU 소켓(SYS)을' : 'CPU(NODE)를'} 거쳐야 닿습니다. ${josa(w.name, '이')} 여러 호스트에 걸쳐 돈다면 네트워크 통신이 GPUDirect RDMA 대신 호스트 메모리를 거칩니다.`,
        ),
        evidence: lines.map((text) => ({ source: ctx.sourceOf('topo-m'), text })),
        impact: {
          model: 'gdr-off',
          value: -drop,
          unit: '%',
          summary: t(
            `up to ${drop}% less inter-host all-reduce bandwidth`,
            `호스트 간 all-reduce 대역폭 최대 ${drop}% 감소`,
          ),
          figures: { busbw_without_gdr_GBs: 79.7, busbw_with_gdr_GBs: 96.1, ratio: round(GDR_OFF_RATIO, 3) },
          sources: ['S47', 'S45', 'S46'],
        },
        recommendation: t(
          `For multi-host runs, place ${w.name} on GPUs that share a PCIe switch with a NIC (PIX/PXB), or add a NIC on that side.`,
          `여러 호스트에 걸친 학습이라면 ${josa(w.name, '을')} NIC와 PCIe 스위치를 공유하는(PIX/PXB) GPU에 배치하거나 그쪽에 NIC를 추가하세요.`,
        ),
      });
    }
    return out;
  },
};
