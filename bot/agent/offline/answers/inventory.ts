/** "How many H200s?", "driver version?": the GPUs by model, driver and CUDA, and the workloads on them. */
import { TEXT } from '../text.ts';
import { workloadItem } from './common.ts';
import type { Composer } from './types.ts';

export const inventory: Composer = {
  topic: 'inventory',
  calls: (_u, host) => [{ name: 'collect_nvidia_smi', input: { host } }],
  compose({ lang, host, entry, r }) {
    const t = TEXT[lang];
    const c = r.data.collect_nvidia_smi;
    const models = [...new Set((c?.gpus ?? []).map((g) => g.name ?? '?'))].map((name) => ({
      name,
      gpus: (c?.gpus ?? []).filter((g) => (g.name ?? '?') === name).map((g) => g.index),
    }));
    const direct = [
      t.inventory.head(
        host,
        entry.gpus,
        models.map((m) => m.name).filter((n) => n !== '?'),
        c?.driverVersion ?? null,
      ),
    ];
    if (models.length > 1)
      direct.push(
        t.inventory.models(
          models.map((m) => ({ name: m.name, gpus: m.gpus.filter((g): g is number => g !== null) })),
        ),
      );
    const workloads = c?.workloads ?? [];
    const support = workloads
      .slice(0, 8)
      .map((w) => `- ${t.inventory.workload(w.name, w.vmid, w.kind, w.gpus)}`);
    if (c && c.inputs.length > 0) support.push(`- ${t.limited.inputs(c.inputs.slice(0, 4))}`);
    return {
      direct,
      support,
      more: t.more.overview,
      focus: {
        gpus: [],
        workloads: [],
        rules: [],
        items: workloads.map((w) => workloadItem(w.name, w.gpus, host)),
      },
    };
  },
};
