/**
 * "How many H200s?", "driver version?", "모델명 뭐야?": the GPUs by model, the driver and CUDA versions (CUDA as
 * the version string the tool prints, in a code span), the host CPU, and the workloads on them. A model
 * name the inputs do not carry is said to be missing, with what they do show (memory size, CPU model).
 */
import { TEXT } from '../text.ts';
import { workloadItem } from './common.ts';
import type { Composer } from './types.ts';

export const inventory: Composer = {
  topic: 'inventory',
  calls: (_u, host) => [{ name: 'collect_nvidia_smi', input: { host } }],
  compose({ u, lang, host, entry, r }) {
    const t = TEXT[lang];
    const c = r.data.collect_nvidia_smi;
    const gpus = c?.gpus ?? [];
    const models = [...new Set(gpus.map((g) => g.name ?? '?'))].map((name) => ({
      name,
      gpus: gpus.filter((g) => (g.name ?? '?') === name).map((g) => g.index),
    }));
    const named = models.map((m) => m.name).filter((n) => n !== '?');
    const q = u.question;
    const src = c?.inputs.find((x) => /nvidia-smi|smi-csv/.test(x))?.replace(/\s*\([^)]*\)$/, '') ?? null;
    const direct: string[] = [];
    const cuda = c?.versions && c.cudaVersion ? `CUDA ${c.cudaVersion}` : null;
    if (/\bdriver\b|\bcuda\b|\bversion|드라이버|쿠다|버전/i.test(q)) {
      // "driver version?": the versions first
      direct.push(
        c?.driverVersion || cuda
          ? t.inventory.versions(host, c?.driverVersion ?? null, cuda, src)
          : t.inventory.noVersions(host),
      );
      direct.push(t.inventory.head(host, entry.gpus, named.length === 1 ? named : [], null));
    } else if (
      /model|모델|what (?:kind of )?gpus?|which gpus?|(?:무슨|어떤)\s*(?:gpu|카드|그래픽)/i.test(q) &&
      named.length === 0
    ) {
      // the inputs name no model: say so, and what they do show
      const totals = [...new Set(gpus.map((g) => g.memoryTotalMiB).filter((m): m is number => m !== null))];
      direct.push(t.inventory.noModel(host, entry.gpus, totals.length === 1 ? totals[0]! : null));
      if (c?.cpu.model) direct.push(t.inventory.cpu(c.cpu.model, c.cpu.sockets, c.cpu.logicalCpus));
    } else {
      direct.push(
        t.inventory.head(host, entry.gpus, named.length === 1 ? named : [], c?.driverVersion ?? null),
      );
      if (models.length > 1)
        direct.push(
          t.inventory.models(
            models.map((m) => ({ name: m.name, gpus: m.gpus.filter((g): g is number => g !== null) })),
          ),
        );
    }
    const workloads = c?.workloads ?? [];
    const support = workloads
      .slice(0, 6)
      .map((w) => `- ${t.inventory.workload(w.name, w.vmid, w.kind, w.gpus)}`);
    if (c?.cpu.model && !direct.some((d) => d.includes(c.cpu.model!)))
      support.push(`- ${t.inventory.cpu(c.cpu.model, c.cpu.sockets, c.cpu.logicalCpus)}`);
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
