/**
 * pcie-downtrained: the PCIe link runs below what it can do. A lower *generation* counts only under load
 * (P0, or a high utilisation when the P-state does not say otherwise): idle GPUs lower the link speed to
 * save power (P8 → Gen1 of Gen4 is normal). A narrower *width* counts always (power management does not
 * narrow the link; a card in a x8/x1 slot or a bad riser does). Domain facts §9.
 * In a VM or a cloud instance nobody on this side can reseat the card: the advice is to raise it with the
 * host's administrator or the cloud provider, and the evidence cites what says so — nvidia-smi's
 * Virtualization Mode (`Pass-Through`, `VGPU`), lscpu's Hypervisor vendor, or the GPU's name (a vGPU type,
 * a model sold only in cloud instances).
 * Impact model `pcie-bandwidth`: line rate now vs at max gen and width.
 */
import { type Finding, round } from '../findings.ts';
import { pcieGBs } from '../interconnect.ts';
import { josa } from '../korean.ts';
import { linkUnderLoad, pcieLink, readings, virtualHint } from './readings.ts';
import type { Rule } from './types.ts';
import { gpuSource, t } from './util.ts';

export const pcieDowntrained: Rule = {
  id: 'pcie-downtrained',
  summary: 'PCIe link gen (under load) or width below its maximum',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const g of ctx.snapshot.gpus) {
      const link = pcieLink(g);
      if (g.index === null || link === null) continue;
      const { genCurrent, genMax, widthCurrent, widthMax } = link;
      const narrow = widthCurrent < widthMax;
      const slow = genCurrent < genMax && linkUnderLoad(g);
      if (!narrow && !slow) continue;
      const gen = slow ? genCurrent : genMax;
      const now = round(pcieGBs(gen, widthCurrent), 1);
      const max = round(pcieGBs(genMax, widthMax), 1);
      const drop = round((1 - now / max) * 100, 0);
      const util = readings(g).util;
      const vm = virtualHint(ctx, g);
      out.push({
        rule: 'pcie-downtrained',
        severity: drop >= 50 ? 'critical' : 'warning',
        gpus: [g.index],
        workloads: ctx.workloadsOf(g.index).map((w) => w.name),
        title: t(
          `GPU${g.index} PCIe link at Gen${gen} x${widthCurrent} instead of Gen${genMax} x${widthMax}`,
          `GPU${g.index} PCIe 링크가 Gen${genMax} ${josa(`x${widthMax}`, '이')} 아닌 Gen${gen} ${josa(`x${widthCurrent}`, '로')} 동작`,
        ),
        detail: t(
          `GPU${g.index}'s link trained ${narrow ? `to x${widthCurrent} of x${widthMax}` : ''}${narrow && slow ? ' and ' : ''}${slow ? `at Gen${genCurrent} of Gen${genMax} while loaded (${g.pstate ?? 'P-state ?'}, utilisation ${util ?? '?'}%)` : ''}. Host↔GPU transfers get ${now} GB/s instead of ${max} GB/s.`,
          `GPU${g.index} 링크가 ${narrow ? `x${widthMax} 중 x${widthCurrent}로` : ''}${narrow && slow ? ', ' : ''}${slow ? `부하 중(${g.pstate ?? 'P-state ?'}, 사용률 ${util ?? '?'}%) Gen${genMax} 대신 Gen${genCurrent}로` : ''} 연결되어 호스트↔GPU 전송이 ${max} GB/s 대신 ${now} GB/s입니다.`,
        ),
        evidence: [
          {
            source: gpuSource(ctx),
            text: `GPU${g.index}: pcie.link.gen.current ${genCurrent} / max ${genMax}, pcie.link.width.current ${widthCurrent} / max ${widthMax}, pstate ${g.pstate ?? '?'}, utilization ${g.utilization.gpuPct ?? '?'} %`,
          },
          ...(vm
            ? [{ source: vm.from === 'lscpu' ? ctx.sourceOf('lscpu') : gpuSource(ctx), text: vm.evidence }]
            : []),
        ],
        impact: {
          model: 'pcie-bandwidth',
          value: -drop,
          unit: '%',
          summary: t(
            `${now} GB/s instead of ${max} GB/s per direction (−${drop}%)`,
            `방향당 ${max} GB/s 대신 ${now} GB/s (−${drop}%)`,
          ),
          figures: {
            gen_current: gen,
            gen_max: genMax,
            width_current: widthCurrent,
            width_max: widthMax,
            GBs_now: now,
            GBs_max: max,
          },
          sources: ['S25', 'S61', 'S62'],
        },
        recommendation: vm
          ? t(
              `${vm.en}, so the slot, riser and BIOS belong to the host: raise GPU${g.index}'s link (Gen${gen} x${widthCurrent} instead of Gen${genMax} x${widthMax}) with the host's administrator or the cloud provider, and move the work to another GPU or instance meanwhile.`,
              `${vm.ko}. 슬롯·라이저·BIOS는 호스트 쪽 소관이므로 GPU${g.index} 링크 문제(Gen${genMax} x${widthMax} 대신 Gen${gen} x${widthCurrent})를 호스트 관리자나 클라우드 제공자에게 알리고, 그동안 작업을 다른 GPU나 인스턴스로 옮기세요.`,
            )
          : t(
              `Reseat GPU${g.index} or check its slot/riser and the BIOS PCIe settings; \`dmesg | grep -i 'limited by'\` shows where the link is limited.`,
              `${josa(`GPU${g.index}`, '을')} 다시 장착하거나 슬롯/라이저와 BIOS PCIe 설정을 확인하세요. \`dmesg | grep -i 'limited by'\`로 병목 위치를 볼 수 있습니다.`,
            ),
      });
    }
    return out;
  },
};
