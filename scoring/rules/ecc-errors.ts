/**
 * ecc-errors: uncorrectable ECC errors, pending row remaps, or remap failures (domain facts §9, S65/S66):
 * a pending remap needs a GPU reset to take effect; a remap failure or volatile uncorrectable errors mean
 * the GPU should be drained (RMA when remapping fails). No impact number.
 */
import type { Finding, Severity } from '../findings.ts';
import { josa } from '../korean.ts';
import type { Rule } from './types.ts';
import { gpuSource, t } from './util.ts';

export const eccErrors: Rule = {
  id: 'ecc-errors',
  summary: 'uncorrectable ECC errors, pending row remaps or remap failures',
  evaluate(ctx) {
    const out: Finding[] = [];
    for (const g of ctx.snapshot.gpus) {
      const e = g.ecc;
      const facts: string[] = [];
      let severity: Severity | null = null;
      const raise = (s: Severity) => {
        if (
          severity === null ||
          (s === 'critical' && severity !== 'critical') ||
          (s === 'warning' && severity === 'info')
        )
          severity = s;
      };
      if (e.remappedRows.failure) {
        facts.push('row remapping failed');
        raise('critical');
      }
      if (e.remappedRows.pending) {
        facts.push('a row remap is pending (needs a GPU reset)');
        raise('critical');
      }
      if ((e.uncorrectedVolatile ?? 0) > 0) {
        facts.push(`${e.uncorrectedVolatile} uncorrectable ECC error(s) since the last reset`);
        raise('critical');
      }
      if (e.retiredPagesPending) {
        facts.push('a page retirement is pending');
        raise('warning');
      }
      if ((e.uncorrectedAggregate ?? 0) > 0 && !((e.uncorrectedVolatile ?? 0) > 0)) {
        facts.push(`${e.uncorrectedAggregate} uncorrectable ECC error(s) over the GPU's life`);
        raise('warning');
      }
      if ((e.remappedRows.uncorrectable ?? 0) > 0 && facts.length === 0) {
        facts.push(`${e.remappedRows.uncorrectable} row(s) remapped after uncorrectable errors`);
        raise('info');
      }
      if (severity === null) continue;
      const label = ctx.label(g);
      const sev: Severity = severity;
      out.push({
        rule: 'ecc-errors',
        severity: sev,
        gpus: g.index === null ? [] : [g.index],
        workloads: g.index === null ? [] : ctx.workloadsOf(g.index).map((w) => w.name),
        title: t(`${label} memory errors: ${facts[0]}`, `${label} 메모리 오류: ${facts[0]}`),
        detail: t(
          `${label}${g.busId ? ` (${g.busId})` : ''}: ${facts.join('; ')}.`,
          `${label}${g.busId ? ` (${g.busId})` : ''}: ${facts.join('; ')}.`,
        ),
        evidence: [
          {
            source: ctx.snapshot.sources.some((s) => s.format === 'nvidia-smi-q')
              ? ctx.sourceOf('nvidia-smi-q')
              : gpuSource(ctx),
            text: `${label}: ECC uncorrectable volatile ${e.uncorrectedVolatile ?? 'N/A'}, aggregate ${e.uncorrectedAggregate ?? 'N/A'}; remapped rows correctable ${e.remappedRows.correctable ?? 'N/A'}, uncorrectable ${e.remappedRows.uncorrectable ?? 'N/A'}, pending ${e.remappedRows.pending ?? 'N/A'}, failure ${e.remappedRows.failure ?? 'N/A'}`,
          },
        ],
        impact: null,
        recommendation: e.remappedRows.failure
          ? t(
              `Drain ${label} and open an RMA with the vendor: row remapping has failed.`,
              `${josa(label, '을')} 작업에서 빼고 공급사에 RMA를 요청하세요: 행 재매핑이 실패했습니다.`,
            )
          : e.remappedRows.pending || e.retiredPagesPending
            ? t(
                `Drain ${label} and reset it (\`nvidia-smi -r\` or a reboot) so the remap takes effect; watch for Xid 48/63/64.`,
                `${josa(label, '을')} 비우고 리셋하여(\`nvidia-smi -r\` 또는 재부팅) 재매핑이 적용되게 하세요. Xid 48/63/64를 지켜보세요.`,
              )
            : t(
                `Watch ${label} for further uncorrectable errors (Xid 48/94/95) and drain it if they repeat.`,
                `${label}에서 정정 불가 오류(Xid 48/94/95)가 반복되는지 지켜보고, 반복되면 작업에서 빼세요.`,
              ),
      });
    }
    return out;
  },
};
