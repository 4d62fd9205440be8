/**
 * Questions about data InfraLens does not collect (disk space, CPU temperature or load, network bandwidth
 * between nodes, money): say first that it is not in the data and what InfraLens does see, then the
 * nearest fact it has (the hottest GPU, the NICs' placement, the idle GPU-hours).
 */
import { TEXT } from '../text.ts';
import { findingItem, impactOf } from './common.ts';
import type { Call, Composer } from './types.ts';

export const absent: Composer = {
  topic: 'absent',
  calls: (u, host) => {
    const smi: Call = { name: 'collect_nvidia_smi', input: { host } };
    switch (u.absent) {
      case 'network':
        return [{ name: 'get_topology', input: { host } }];
      case 'money':
        return [
          smi,
          {
            name: 'find_bottlenecks',
            input: { host, rules: ['gpu-idle', 'mig-candidate', 'share-candidate', 'io-bound'] },
          },
        ];
      case 'cpuLoad':
        return [smi, { name: 'get_topology', input: { host } }];
      default:
        return [smi];
    }
  },
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const kind = u.absent ?? 'disk';
    const direct = [t.absent.head[kind]];
    const support: string[] = [];
    const c = r.data.collect_nvidia_smi;
    const gpus = (c?.gpus ?? []).filter((g) => g.index !== null);
    const items: ReturnType<typeof findingItem>[] = [];
    if (kind === 'cpuTemp') {
      const hottest = gpus
        .filter((g) => g.temperatureC !== null)
        .sort((a, b) => b.temperatureC! - a.temperatureC!)[0];
      if (hottest) direct.push(t.absent.hottestGpu(host, hottest.index!, hottest.temperatureC!));
      if (c?.cpu.model) support.push(`- ${t.absent.cpuModel(c.cpu.model, c.cpu.sockets)}`);
    } else if (kind === 'cpuLoad') {
      const pinned = (c?.workloads ?? []).filter((w) => w.cpus !== null);
      if (pinned.length > 0)
        direct.push(t.absent.pinning(pinned.slice(0, 3).map((w) => ({ name: w.name, cpus: w.cpus! }))));
      if (c?.cpu.model) support.push(`- ${t.absent.cpuModel(c.cpu.model, c.cpu.sockets)}`);
    } else if (kind === 'disk') {
      const fullest = gpus
        .filter((g) => g.memoryUsedMiB !== null && g.memoryTotalMiB !== null)
        .sort((a, b) => b.memoryUsedMiB! / b.memoryTotalMiB! - a.memoryUsedMiB! / a.memoryTotalMiB!)[0];
      if (fullest)
        support.push(
          `- ${t.absent.gpuMemory(fullest.index!, fullest.memoryUsedMiB!, fullest.memoryTotalMiB!)}`,
        );
    } else if (kind === 'network') {
      const nics = r.data.get_topology?.nics ?? [];
      direct.push(
        nics.length > 0
          ? t.absent.nics(
              host,
              nics.map((n) => ({ device: n.device ?? n.id, gpus: n.nearestGpus, path: n.bestPath })),
            )
          : t.nic.none(host),
      );
    } else if (kind === 'money') {
      const fs = r.data.find_bottlenecks?.findings ?? [];
      const idle = fs.filter((f) => f.rule === 'gpu-idle');
      const small = fs.filter((f) => f.rule === 'mig-candidate' || f.rule === 'share-candidate');
      const util = (i: number | undefined) => gpus.find((g) => g.index === i)?.utilizationPct ?? null;
      if (idle.length > 0 || small.length > 0)
        direct.push(
          t.absent.waste(
            idle.map((f) => ({ gpus: f.gpus, impact: impactOf(f, lang) })),
            small.map((f) => ({
              gpu: f.gpus[0] ?? null,
              workload: f.workloads[0] ?? null,
              util: util(f.gpus[0]),
            })),
          ),
        );
      else {
        const low = gpus
          .filter((g) => g.utilizationPct !== null)
          .sort((a, b) => a.utilizationPct! - b.utilizationPct!)
          .slice(0, 2);
        if (low.length > 0)
          direct.push(t.absent.leastBusy(low.map((g) => ({ gpu: g.index!, util: g.utilizationPct! }))));
      }
      for (const f of [...idle, ...small].slice(0, 3)) {
        support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
        items.push(findingItem(f, host));
      }
    }
    support.push(`- ${t.absent.sees}`);
    return {
      direct,
      support,
      more: kind === 'money' ? t.more.fix : t.more.overview,
      focus: { gpus: [], workloads: [], rules: [], items },
    };
  },
};
