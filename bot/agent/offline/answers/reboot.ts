/**
 * "Is it safe to reboot?", "리부팅해도 돼?": what a host reboot would stop (the VMs and jobs running, how busy),
 * that the placement plan restarts only the VMs it moves (never the host), and a pending row remap that a
 * reboot would apply. Never a plain "yes" while jobs run.
 */
import { TEXT } from '../text.ts';
import { gpuViews } from './gpus.ts';
import type { Composer } from './types.ts';

export const reboot: Composer = {
  topic: 'reboot',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ lang, host, r }) {
    const t = TEXT[lang];
    const c = r.data.collect_nvidia_smi;
    const views = gpuViews(r);
    const plan = r.data.generate_placement;
    const util = (gs: readonly number[]) =>
      gs
        .map((g) => views.find((v) => v.index === g)?.gpu.utilizationPct ?? null)
        .filter((x): x is number => x !== null);
    const span = (xs: number[]) => (xs.length === 0 ? null : { min: Math.min(...xs), max: Math.max(...xs) });
    const workloads = c?.workloads ?? [];
    const training = workloads.filter((w) => w.kind === 'training');
    const inference = workloads.filter((w) => w.kind !== 'training');
    const procs = c?.processes ?? [];
    const pending = (c?.gpus ?? []).filter((g) => g.ecc.remappedRowsPending === true);
    const label = (g: (typeof pending)[number]) => (g.index !== null ? `GPU${g.index}` : `GPU ${g.busId}`);
    const direct: string[] = [];
    const support: string[] = [];
    if (workloads.length > 0) {
      direct.push(
        t.reboot.stops(
          host,
          workloads.filter((w) => w.vmid !== null).length,
          workloads.length,
          { n: training.length, util: span(util(training.flatMap((w) => w.gpus))) },
          { n: inference.length, util: span(util(inference.flatMap((w) => w.gpus))) },
        ),
      );
    } else if (procs.length > 0) {
      const gpus = [...new Set(procs.map((p) => p.gpu).filter((g): g is number => g !== null))];
      direct.push(t.reboot.procs(host, procs.length, gpus, span(util(gpus))));
    } else if (views.length > 0 && views.every((v) => v.free === true)) direct.push(t.reboot.nothing(host));
    else direct.push(t.reboot.unknown(host));
    if (pending.length > 0) direct.push(t.reboot.remap(pending.map(label)));
    else if (plan && plan.moves.length > 0)
      direct.push(
        t.reboot.plan(
          [...new Set(plan.moves.map((m) => m.vmid).filter((v): v is number => v !== null))],
          plan.moves.length,
        ),
      );
    for (const w of workloads.slice(0, 6))
      support.push(`- ${t.reboot.workload(w.name, w.vmid, w.kind, w.gpus, util(w.gpus))}`);
    if (workloads.length === 0)
      for (const p of procs.slice(0, 4))
        support.push(`- ${t.reboot.proc(p.pid, p.name, p.gpu, p.usedMemoryMiB)}`);
    support.push(`- ${t.reboot.advice}`);
    return {
      direct,
      support,
      more: null,
      focus: {
        gpus: [],
        workloads: workloads.map((w) => w.name),
        rules: [],
        items: workloads.map((w) => ({
          kind: 'workload' as const,
          host,
          rule: null,
          gpus: w.gpus,
          workloads: [w.name],
        })),
      },
    };
  },
};
