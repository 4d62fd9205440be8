/**
 * gpu-interconnect: a host fact from the topology alone (no workload needed): not every GPU pair is joined
 * by NVLink — there is no NVLink at all, NVLink joins only groups (bridged pairs, 4-GPU boards), or a
 * partial mesh (hybrid cube mesh) leaves some pairs on PCIe. Those pairs exchange data over PCIe, the
 * slowest across NUMA nodes (SYS). A host where every known pair is NVLink yields nothing.
 *
 * `topo -m` shows NVLink as NV#; the PCIe-only `topo -mp` does not. When no pair shows NVLink, the finding
 * says "no NVLink" as a hardware fact only when the GPU models are known not to have it (gpu-models.ts);
 * otherwise it says what the matrix shows and that a `-mp` matrix hides NVLink.
 *
 * Impact model `ring-allreduce` (S28, the link model of scoring/interconnect.ts): a 2-GPU all-reduce of 1 GB
 * on the slowest pair against the best-connected pair of the host — only when the two differ and the
 * pairs' bandwidths are known (NVLink shown, or the GPU models / PCIe generations known; a topology-only
 * upload has none, so no number).
 */
import type { HostContext } from '../context.ts';
import type { Finding, Text } from '../findings.ts';
import { josa } from '../korean.ts';
import type { Link, LinkKind } from '../snapshot.ts';
import { ringImpact } from './nvlink-split.ts';
import type { Rule } from './types.ts';
import { gpuList, t } from './util.ts';

type PcieKind = Exclude<LinkKind, 'NV'>;

/** PCIe path kinds from the slowest to the fastest, with what each means (topo -m legend, S21). */
export const PCIE_KINDS: readonly PcieKind[] = ['SYS', 'NODE', 'PHB', 'PXB', 'PIX'];
export const KIND_TEXT: Record<PcieKind, Text> = {
  SYS: t('across NUMA nodes (SYS)', 'NUMA 노드 간(SYS)'),
  NODE: t(
    'across PCIe host bridges within one NUMA node (NODE)',
    '한 NUMA 노드 안의 PCIe 호스트 브리지 간(NODE)',
  ),
  PHB: t('through a PCIe host bridge (PHB)', 'PCIe 호스트 브리지 경유(PHB)'),
  PXB: t('across several PCIe switches (PXB)', '여러 PCIe 스위치 경유(PXB)'),
  PIX: t('behind one PCIe switch (PIX)', 'PCIe 스위치 하나 아래(PIX)'),
};

interface Pair {
  a: number;
  b: number;
  link: Link;
}

/** `GPU0–GPU3` for a run of consecutive GPUs, else `{GPU0, GPU2}`. */
export function groupName(ids: readonly number[]): string {
  const s = [...ids].sort((x, y) => x - y);
  if (s.length === 1) return `GPU${s[0]}`;
  const run = s.every((v, i) => i === 0 || v === s[i - 1]! + 1);
  return run ? `GPU${s[0]}–GPU${s[s.length - 1]}` : `{${gpuList(s)}}`;
}

/** Connected components of the NVLink graph over the GPUs (singletons included), by first GPU. */
function nvGroups(gpus: readonly number[], nv: readonly Pair[]): number[][] {
  const parent = new Map(gpus.map((g) => [g, g]));
  const find = (x: number): number => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const p of nv) parent.set(find(p.a), find(p.b));
  const groups = new Map<number, number[]>();
  for (const g of gpus) {
    const root = find(g);
    const group = groups.get(root);
    if (group) group.push(g);
    else groups.set(root, [g]);
  }
  return [...groups.values()].map((g) => g.sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!);
}

const cell = (p: Pair) => `topo -m: GPU${p.a} ↔ GPU${p.b} = ${p.link.raw}`;

/** The PCIe generation of a GPU is known (its own reading or its model), so its link bandwidth is too. */
function genKnown(ctx: HostContext, i: number): boolean {
  const g = ctx.gpu(i);
  return g !== undefined && (g.pcie.genMax !== null || ctx.model(g) !== null);
}

export const gpuInterconnect: Rule = {
  id: 'gpu-interconnect',
  summary: 'host fact from the topology: GPU pairs without NVLink (none, only groups, or a partial mesh)',
  evaluate(ctx) {
    const ids = ctx.snapshot.gpus
      .map((g) => g.index)
      .filter((i): i is number => i !== null)
      .sort((a, b) => a - b);
    const pairs: Pair[] = [];
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const link = ctx.link(ids[i]!, ids[j]!);
        if (link) pairs.push({ a: ids[i]!, b: ids[j]!, link });
      }
    const pcie = pairs.filter((p) => p.link.kind !== 'NV');
    if (pcie.length === 0) return []; // every known pair is NVLink (or nothing is known)
    const nv = pairs.filter((p) => p.link.kind === 'NV');
    const ends = new Set<number>();
    for (const p of pairs) ends.add(p.a).add(p.b);
    const inPairs = ids.filter((i) => ends.has(i));
    const src = ctx.sourceOf('topo-m');
    const n = pairs.length;

    // what the PCIe pairs go through, slowest first
    const byKind = PCIE_KINDS.map((k) => ({ k, ps: pcie.filter((p) => p.link.kind === k) })).filter(
      (x) => x.ps.length > 0,
    );
    const kindsEn = byKind.map((x) => `${x.ps.length} ${KIND_TEXT[x.k].en}`).join(', ');
    const kindsKo = byKind.map((x) => `${x.ps.length}쌍 ${KIND_TEXT[x.k].ko}`).join(', ');
    const evidence = [
      ...nvGroups(inPairs, nv)
        .filter((g) => g.length > 1)
        .map((g) => nv.find((p) => g.includes(p.a))!)
        .map((p) => ({ source: src, text: cell(p) })),
      ...byKind.map((x) => ({
        source: src,
        text: `${cell(x.ps[0]!)} (${x.ps.length} of ${n} GPU pair${n === 1 ? '' : 's'})`,
      })),
    ];

    // the models, when every GPU's is known
    const models = inPairs.map((i) => ctx.model(ctx.gpu(i)!));
    const modelsKnown = models.every((m) => m !== null);
    const labels = [...new Set(models.map((m) => m?.label ?? ''))].join(', ');
    const noNvlinkModels = modelsKnown && models.every((m) => m!.nvlinkGBs === 0);

    // no NVLink shown, and the models do not rule it out: the matrix may be `topo -mp` (or the links
    // down), so say only what it shows
    const hedged = nv.length === 0 && !noNvlinkModels;
    let title: Text;
    let head: Text;
    let advice: Text;
    if (nv.length === 0) {
      if (noNvlinkModels) {
        title = t(
          `No NVLink on this host: ${n === 1 ? `GPU${pairs[0]!.a}–GPU${pairs[0]!.b} use` : `all ${n} GPU pairs use`} PCIe`,
          `이 호스트에는 NVLink가 없음: ${n === 1 ? `GPU${pairs[0]!.a}–GPU${pairs[0]!.b}` : `GPU ${n}쌍 모두`} PCIe 사용`,
        );
        head = t(
          `${labels} has no NVLink, so GPU↔GPU traffic goes over PCIe`,
          `${labels}에는 NVLink가 없어 GPU 간 통신이 PCIe로 갑니다`,
        );
      } else {
        title = t(
          `No NVLink shown between the GPUs (${n === 1 ? `GPU${pairs[0]!.a}–GPU${pairs[0]!.b}` : `${n} pairs`}: PCIe paths only)`,
          `GPU 간 NVLink가 보이지 않음 (${n === 1 ? `GPU${pairs[0]!.a}–GPU${pairs[0]!.b}` : `${n}쌍`}: PCIe 경로만 있음)`,
        );
        head = modelsKnown
          ? t(
              `No GPU pair shows NVLink although ${labels} supports it (SXM or bridges): either none is fitted or the links are down (\`nvidia-smi nvlink -s\` tells), unless this is a PCIe-only \`topo -mp\` matrix`,
              `${josa(labels, '은')} NVLink(SXM 또는 브리지)를 지원하지만 NVLink로 연결된 GPU 쌍이 없습니다: 브리지가 없거나 링크가 내려가 있습니다 (\`nvidia-smi nvlink -s\`로 확인). PCIe만 보여 주는 \`topo -mp\` 출력이라면 예외입니다`,
            )
          : t(
              `The matrix shows no NVLink, so GPU↔GPU traffic goes over PCIe — unless it is the PCIe-only \`topo -mp\` matrix, which hides NVLink (if these GPUs have NVLink, send \`nvidia-smi topo -m\`)`,
              `이 행렬에는 NVLink가 없으므로 GPU 간 통신은 PCIe로 갑니다. 단, NVLink를 숨기는 PCIe 전용 \`topo -mp\` 출력이라면 예외입니다 (NVLink가 있는 GPU라면 \`nvidia-smi topo -m\`을 보내 주세요)`,
            );
      }
      const fastest = byKind[byKind.length - 1]!;
      advice =
        byKind.length === 1
          ? t(
              `${n === 1 ? 'The only GPU pair is' : 'Every GPU pair is'} ${fastest.k}: placement cannot shorten the path. All-reduce-heavy multi-GPU training is better served by a host with NVLink; jobs that exchange little between GPUs (e.g. one inference replica per GPU) are unaffected.`,
              `${n === 1 ? '유일한 GPU 쌍이' : '모든 GPU 쌍이'} ${fastest.k}라 배치로는 경로를 줄일 수 없습니다. all-reduce가 많은 다중 GPU 학습은 NVLink가 있는 호스트가 낫고, GPU 간 통신이 적은 작업(예: GPU마다 추론 복제본 하나)은 영향이 없습니다.`,
            )
          : t(
              `Put multi-GPU jobs on the best-connected GPUs first (${fastest.k}, e.g. GPU${fastest.ps[0]!.a}–GPU${fastest.ps[0]!.b})${byKind[0]!.k === 'SYS' ? '; avoid pairs across NUMA nodes (SYS)' : ''}.`,
              `다중 GPU 작업은 가장 잘 연결된 GPU에 먼저 배치하세요 (${fastest.k}, 예: GPU${fastest.ps[0]!.a}–GPU${fastest.ps[0]!.b})${byKind[0]!.k === 'SYS' ? '. NUMA 노드 간(SYS) 쌍은 피하세요' : ''}.`,
            );
    } else {
      const groups = nvGroups(inPairs, nv);
      const linked = groups.filter((g) => g.length > 1);
      const alone = groups.filter((g) => g.length === 1).flat();
      if (groups.length === 1) {
        title = t(
          `NVLink on ${nv.length} of ${n} GPU pairs; the other ${pcie.length} use PCIe`,
          `GPU ${n}쌍 중 ${nv.length}쌍만 NVLink, 나머지 ${pcie.length}쌍은 PCIe 사용`,
        );
        head = t(
          `NVLink joins all GPUs, but not every pair directly (a partial mesh)`,
          `NVLink가 모든 GPU를 잇지만 모든 쌍을 직접 잇지는 않습니다 (부분 메시)`,
        );
        advice = t(
          `Prefer GPU sets whose pairs are all NVLink for multi-GPU jobs; NCCL rings can still route over NVLink hops, but direct peer copies between non-NVLink pairs use PCIe.`,
          `다중 GPU 작업에는 모든 쌍이 NVLink인 GPU 조합을 우선하세요. NCCL 링은 NVLink 구간으로 우회할 수 있지만, NVLink가 없는 쌍 간 직접 복사는 PCIe를 씁니다.`,
        );
      } else {
        const names = linked.map(groupName).join(', ');
        title = t(
          `NVLink only within ${names}; ${pcie.length} GPU pairs use PCIe`,
          `NVLink는 ${names} 안에서만 연결, GPU ${pcie.length}쌍은 PCIe 사용`,
        );
        head = t(
          `NVLink joins only ${linked.length === 1 ? 'the group' : 'the groups'} ${names}${alone.length > 0 ? ` (${gpuList(alone)} ${alone.length === 1 ? 'has' : 'have'} none)` : ''}: traffic leaving a group goes over PCIe`,
          `NVLink는 ${names} 안에서만 연결됩니다${alone.length > 0 ? ` (${josa(gpuList(alone), '은')} NVLink 없음)` : ''}: 그룹 간 통신은 PCIe로 갑니다`,
        );
        advice = t(
          `Keep each multi-GPU job inside one NVLink group (${names}); a job larger than a group runs its all-reduce at PCIe speed. The placement plan does this for known workloads.`,
          `다중 GPU 작업은 하나의 NVLink 그룹(${names}) 안에 두세요. 그룹보다 큰 작업은 all-reduce가 PCIe 속도로 진행됩니다. 알려진 워크로드는 배치 계획이 이렇게 배치합니다.`,
        );
      }
    }

    // the slowest and the best-connected pair, when their bandwidths are known
    let impact: Finding['impact'] = null;
    const trusted = !hedged;
    const bw = pairs
      .map((p) => ({ p, gbs: ctx.linkBandwidth(p.a, p.b)?.gbs ?? null }))
      .filter((x): x is { p: Pair; gbs: number } => x.gbs !== null);
    if (trusted && bw.length === pairs.length) {
      const worst = bw.reduce((a, b) => (b.gbs < a.gbs ? b : a));
      const best = bw.reduce((a, b) => (b.gbs > a.gbs ? b : a));
      const known = [worst.p.a, worst.p.b, best.p.a, best.p.b].every((i) => genKnown(ctx, i));
      if (known && best.gbs > worst.gbs) {
        // the paths by kind in the summary (its numbers are the impact's figures; the cells are in the evidence)
        const via = (p: Pair) => (p.link.kind === 'NV' ? 'NVLink' : p.link.kind);
        impact = ringImpact(2, worst.gbs, best.gbs, {
          en: `on the best-connected pair GPU${best.p.a}–GPU${best.p.b} (${via(best.p)})`,
          ko: `가장 잘 연결된 GPU${best.p.a}–GPU${best.p.b}(${via(best.p)})에서는`,
        });
        impact!.summary = t(
          `a 2-GPU job on GPU${worst.p.a}–GPU${worst.p.b} (${via(worst.p)}): ${impact!.summary.en}`,
          `GPU${worst.p.a}–GPU${worst.p.b}(${via(worst.p)})의 2-GPU 작업: ${impact!.summary.ko}`,
        );
      }
    }
    if (modelsKnown && nv.length === 0)
      evidence.push({
        source: 'scoring/gpu-models.ts',
        text: `${labels}: ${noNvlinkModels ? 'no NVLink' : 'NVLink-capable'} (model table)`,
      });

    if (hedged)
      advice = t(
        `First check with \`nvidia-smi topo -m\` (or \`nvidia-smi nvlink -s\`) whether the GPUs have NVLink. If they do not: ${advice.en.charAt(0).toLowerCase()}${advice.en.slice(1)}`,
        `먼저 \`nvidia-smi topo -m\`(또는 \`nvidia-smi nvlink -s\`)으로 NVLink가 있는지 확인하세요. 없다면: ${advice.ko}`,
      );
    const gpus = [...new Set(pcie.flatMap((p) => [p.a, p.b]))].sort((a, b) => a - b);
    return [
      {
        rule: 'gpu-interconnect',
        severity: 'info',
        gpus,
        workloads: [],
        title,
        detail: hedged
          ? t(
              `${head.en}. The GPU pairs' PCIe paths: ${kindsEn}.`,
              `${head.ko}. GPU 쌍의 PCIe 경로: ${kindsKo}.`,
            )
          : t(
              `${head.en}. ${pcie.length} of ${n} GPU pairs use PCIe: ${kindsEn}. A multi-GPU job spread over such a pair exchanges gradients at PCIe speed.`,
              `${head.ko}. GPU ${n}쌍 중 ${pcie.length}쌍이 PCIe를 씁니다: ${kindsKo}. 이런 쌍에 걸친 다중 GPU 작업은 그래디언트를 PCIe 속도로 주고받습니다.`,
            ),
        evidence,
        impact,
        recommendation: advice,
      },
    ];
  },
};
