/**
 * nic-layout: a host fact from the topology alone (no workload needed): some GPUs have no network card
 * nearby — their nearest NIC is reached only through the CPU (NODE) or across NUMA nodes (SYS): a single
 * NIC on the other socket, NICs next to only some GPUs. GPUDirect RDMA is not used at that distance by
 * default and NCCL stages network traffic through host memory (domain facts §5, S45/S46); this matters to
 * jobs that span hosts. "Nearby" is what nic-far uses: PIX, PXB or PHB. GPUs whose NIC cells are unknown
 * (a truncated matrix) are left out; a topology without NICs says nothing (topo -m lists only RDMA NICs).
 *
 * Impact model `gdr-off` (as nic-far): inter-host all-reduce bus bandwidth without GPUDirect RDMA is
 * 79.7/96.1 of that with it (GH200, 4×200G, S47).
 */
import { round, type Text } from '../findings.ts';
import { josa } from '../korean.ts';
import type { Link, LinkKind } from '../snapshot.ts';
import { KIND_TEXT } from './gpu-interconnect.ts';
import { GDR_OFF_RATIO } from './nic-far.ts';
import type { Rule } from './types.ts';
import { gpuList, t } from './util.ts';

const NEAR: LinkKind[] = ['NV', 'PIX', 'PXB', 'PHB'];
const RANK: Record<LinkKind, number> = { NV: 0, PIX: 1, PXB: 2, PHB: 3, NODE: 4, SYS: 5 };

export const nicLayout: Rule = {
  id: 'nic-layout',
  summary: 'host fact from the topology: GPUs whose nearest NIC is only reached through the CPU (NODE/SYS)',
  evaluate(ctx) {
    const { snapshot } = ctx;
    const nicOf = (l: Link) => (l.a.startsWith('NIC') ? l.a : l.b);
    const nics = new Set(
      snapshot.links.filter((l) => l.a.startsWith('NIC') !== l.b.startsWith('NIC')).map(nicOf),
    );
    if (nics.size === 0) return [];
    const device = (nic: string) => snapshot.nics.find((n) => n.id === nic)?.device ?? null;
    const named = (nic: string) => (device(nic) ? `${nic} (${device(nic)})` : nic);

    const near: { gpu: number; link: Link }[] = [];
    const far: { gpu: number; link: Link }[] = [];
    for (const g of snapshot.gpus) {
      if (g.index === null) continue;
      const own = ctx.nicLinksOf(ctx.label(g));
      if (own.length === 0) continue; // unknown: a truncated matrix
      const best = own.reduce((a, b) => (RANK[b.kind] < RANK[a.kind] ? b : a));
      (NEAR.includes(best.kind) ? near : far).push({ gpu: g.index, link: best });
    }
    if (far.length === 0) return [];
    far.sort((a, b) => a.gpu - b.gpu);
    near.sort((a, b) => a.gpu - b.gpu);
    const farIds = far.map((f) => f.gpu);
    const every = near.length === 0;
    const only = nics.size === 1 ? [...nics][0]! : null;

    // the far GPUs by how they reach their nearest NIC (SYS first)
    const kinds = (['SYS', 'NODE'] as const)
      .map((k) => ({ k, ids: far.filter((f) => f.link.kind === k).map((f) => f.gpu) }))
      .filter((x) => x.ids.length > 0);
    const reach = (lang: keyof Text) =>
      kinds
        .map((x) =>
          lang === 'en'
            ? `${gpuList(x.ids)} ${x.ids.length === 1 ? 'reaches' : 'reach'} ${only ? 'it' : 'the nearest NIC'} only ${KIND_TEXT[x.k].en}`
            : `${josa(gpuList(x.ids), '은')} ${only ? '그 NIC' : '가장 가까운 NIC'}에 ${josa(KIND_TEXT[x.k].ko, '로')}만 닿습니다`,
        )
        .join(lang === 'en' ? '; ' : '. ');
    const nearEn =
      near.length > 0
        ? ` NICs sit next to ${gpuList(near.map((x) => x.gpu))} only (${[...new Set(near.map((x) => x.link.raw))].join('/')}).`
        : '';
    const nearKo =
      near.length > 0
        ? ` NIC는 ${gpuList(near.map((x) => x.gpu))} 옆에만 있습니다 (${[...new Set(near.map((x) => x.link.raw))].join('/')}).`
        : '';
    const nGpus = near.length + far.length;

    const title = only
      ? every
        ? t(
            `The only NIC, ${named(only)}, is far from all ${nGpus} GPU${nGpus === 1 ? '' : 's'}`,
            `유일한 NIC ${josa(named(only), '이')} GPU ${nGpus}개 모두에서 멂`,
          )
        : t(
            `The only NIC, ${named(only)}, is far from ${gpuList(farIds)}`,
            `유일한 NIC ${josa(named(only), '이')} ${gpuList(farIds)}에서 멂`,
          )
      : every && nGpus > 1
        ? t(
            `No GPU has a network card nearby (${nics.size} NICs)`,
            `가까운 네트워크 카드가 있는 GPU가 없음 (NIC ${nics.size}개)`,
          )
        : t(
            `${gpuList(farIds)} ${farIds.length === 1 ? 'has' : 'have'} no network card nearby`,
            `${gpuList(farIds)} 가까이에 네트워크 카드가 없음`,
          );
    const drop = round((1 - GDR_OFF_RATIO) * 100, 0);
    return [
      {
        rule: 'nic-layout',
        severity: 'info',
        gpus: farIds,
        workloads: [],
        title,
        detail: t(
          `${reach('en')}.${nearEn} A job on ${farIds.length === 1 ? 'this GPU' : 'these GPUs'} that spans hosts has its network traffic staged through host memory instead of GPUDirect RDMA; single-host work is unaffected.`,
          `${reach('ko')}.${nearKo} 이 GPU에서 여러 호스트에 걸쳐 도는 작업은 네트워크 통신이 GPUDirect RDMA 대신 호스트 메모리를 거칩니다. 한 호스트 안의 작업은 영향이 없습니다.`,
        ),
        evidence: far.map((f) => ({
          source: ctx.sourceOf('topo-m'),
          text: `topo -m: GPU${f.gpu} ↔ ${named(nicOf(f.link))} = ${f.link.raw}`,
        })),
        impact: {
          model: 'gdr-off',
          value: -drop,
          unit: '%',
          summary: t(
            `up to ${drop}% less inter-host all-reduce bandwidth for jobs on ${farIds.length === 1 ? 'this GPU' : 'these GPUs'}`,
            `이 GPU의 작업은 호스트 간 all-reduce 대역폭 최대 ${drop}% 감소`,
          ),
          figures: { busbw_without_gdr_GBs: 79.7, busbw_with_gdr_GBs: 96.1, ratio: round(GDR_OFF_RATIO, 3) },
          sources: ['S47', 'S45', 'S46'],
        },
        recommendation: every
          ? t(
              `For multi-host training, fit a NIC in a slot that shares a PCIe switch or host bridge with the ${farIds.length === 1 ? 'GPU' : 'GPUs'}${only ? ` (${named(only)} hangs off another part of the PCIe tree)` : ''}; single-host jobs need nothing.`,
              `여러 호스트에 걸친 학습이라면 GPU와 PCIe 스위치나 호스트 브리지를 공유하는 슬롯에 NIC를 다세요${only ? ` (${josa(named(only), '은')} PCIe 트리의 다른 쪽에 있음)` : ''}. 한 호스트 안의 작업에는 필요 없습니다.`,
            )
          : t(
              `Run multi-host jobs on ${gpuList(near.map((x) => x.gpu))} (a NIC nearby) first; to use ${gpuList(farIds)} at full speed across hosts, add a NIC on their PCIe switch or host bridge.`,
              `여러 호스트에 걸친 작업은 NIC가 가까운 ${gpuList(near.map((x) => x.gpu))}에 먼저 배치하고, ${gpuList(farIds)}도 호스트 간에 제 속도로 쓰려면 그쪽 PCIe 스위치나 호스트 브리지에 NIC를 추가하세요.`,
            ),
      },
    ];
  },
};
