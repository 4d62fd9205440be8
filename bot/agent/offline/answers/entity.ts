/** "Is VM 103 configured right?", "What's on GPU 6?": one workload (or VM) or GPU, its state and what concerns it. */
import { TEXT } from '../text.ts';
import {
  commandsFor,
  distinct,
  evidenceLines,
  findingItem,
  gpuItem,
  impactOf,
  moveLine,
  titleOf,
  verdict,
  workloadItem,
} from './common.ts';
import type { Composed, Composer } from './types.ts';
import { workloadState } from './workload-state.ts';

export const entity: Composer = {
  topic: 'entity',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host } },
    { name: 'get_topology', input: { host } },
    { name: 'generate_placement', input: { host } },
  ],
  compose({ u, lang, host, r }): Composed {
    const t = TEXT[lang];
    const c = r.data.collect_nvidia_smi;
    const all = r.data.find_bottlenecks?.findings ?? [];
    const plan = r.data.generate_placement;
    const direct: string[] = [];
    const support: string[] = [];
    const items: Composed['focus']['items'] = [];
    if (u.workloads.length > 1) {
      // several workloads: one line each, their main problem below
      for (const name of u.workloads.slice(0, 3)) {
        const st = workloadState(name, r);
        if (!st) continue;
        const fs = distinct(all.filter((f) => f.workloads.includes(name)));
        direct.push(verdict(u, fs.length > 0, lang) + t.entity.workload(st, fs.length));
        if (fs[0])
          support.push(
            `- ${name}: ${titleOf(fs[0], lang)}${impactOf(fs[0], lang) ? ` — ${impactOf(fs[0], lang)}` : ''}`,
          );
        items.push(fs[0] ? findingItem(fs[0], host) : workloadItem(name, st.gpus, host));
      }
      if (direct.length === 0) direct.push(t.entity.noWorkload(host, u.workloads));
    } else if (u.workloads.length === 1) {
      const name = u.workloads[0]!;
      const st = workloadState(name, r);
      const fs = distinct(all.filter((f) => f.workloads.includes(name)));
      if (!st) direct.push(t.entity.noWorkload(host, u.workloads));
      else if (st.gpus.length === 0 && st.hostpci.length > 0) {
        // a VM config alone: what it passes through, and what it cannot tell
        direct.push(t.entity.passthrough(st), t.entity.passthroughModel);
        items.push(workloadItem(name, [], host));
      } else if (fs.length > 0) {
        const f = fs[0]!;
        direct.push(verdict(u, true, lang) + t.entity.workload(st, fs.length));
        direct.push(t.entity.mainIssue(titleOf(f, lang), impactOf(f, lang)));
        support.push(...evidenceLines(f, 2));
        if (st.pairs.length > 0) support.push(`- ${t.entity.pairs(st.pairs)}`);
        for (const x of fs.slice(1, u.wantsAll ? fs.length : 4))
          support.push(`- ${titleOf(x, lang)}${impactOf(x, lang) ? ` — ${impactOf(x, lang)}` : ''}`);
        items.push(...fs.map((x) => findingItem(x, host)));
      } else {
        direct.push(verdict(u, false, lang) + t.entity.workload(st, 0));
        if (st.cpus) support.push(`- ${t.entity.cpus(st.cpus, st.source, st.numa)}`);
        items.push(workloadItem(name, st.gpus, host));
      }
      // what the plan does with it, and the Proxmox command that does it
      const move = plan?.moves.find((m) => m.workload === name);
      if (plan && move) {
        support.push(moveLine(move, lang));
        for (const cmd of commandsFor(plan, [move]).filter((x) => x.command.startsWith('qm set')))
          support.push(`- \`${cmd.command}\``);
      } else if (fs[0]) support.push(`- ${fs[0].recommendation[lang]}`);
    } else if (
      u.gpus.length > 0 ||
      (u.thisGpu && (c?.gpus ?? []).filter((g) => g.index !== null).length === 1)
    ) {
      const known = (c?.gpus ?? []).filter((g) => g.index !== null).map((g) => g.index!);
      const asked = u.gpus.length > 0 ? u.gpus : known;
      for (const i of asked.slice(0, 3)) {
        const g = c?.gpus.find((x) => x.index === i);
        if (!g) {
          direct.push(t.entity.noGpu(host, known));
          continue;
        }
        const ws = (c?.workloads ?? []).filter((w) => w.gpus.includes(i));
        direct.push(
          t.entity.gpu({
            gpu: i,
            name: g.name,
            workloads: ws.map((w) => ({ name: w.name, vmid: w.vmid, kind: w.kind })),
            util: g.utilizationPct,
            used: g.memoryUsedMiB,
            total: g.memoryTotalMiB,
            numa: g.numaNode,
            procs: (c?.processes ?? [])
              .filter((p) => p.gpu === i)
              .map((p) => ({ pid: p.pid, name: p.name, mem: p.usedMemoryMiB })),
          }),
        );
        items.push(
          gpuItem(
            i,
            ws.map((w) => w.name),
            host,
          ),
        );
      }
      const fs = distinct(all.filter((f) => f.gpus.some((g) => asked.includes(g))));
      for (const f of fs.slice(0, u.wantsAll ? fs.length : 4))
        support.push(`- ${f.title[lang]}${impactOf(f, lang) ? ` — ${impactOf(f, lang)}` : ''}`);
      if (fs[0]) support.push(...evidenceLines(fs[0], 1));
      if (fs.length === 0 && direct.length > 0 && asked.some((i) => known.includes(i)))
        support.push(`- ${t.entity.gpuClean(asked.filter((i) => known.includes(i)))}`);
      // what the plan does with the workloads on these GPUs
      for (const m of (plan?.moves ?? [])
        .filter((m) => m.from.gpus.some((g) => asked.includes(g)))
        .slice(0, 3))
        support.push(moveLine(m, lang));
    } else if (u.unknownVms.length > 0) {
      direct.push(
        t.entity.noVm(
          host,
          (c?.workloads ?? []).filter((w) => w.vmid !== null).map((w) => ({ vmid: w.vmid!, name: w.name })),
        ),
      );
    } else direct.push(t.entity.nothing(host));
    return {
      direct,
      support,
      more: items.some((i) => i.kind === 'finding') ? t.more.fix : null,
      focus: {
        gpus: items.flatMap((i) => (i.kind === 'gpu' ? i.gpus : [])).concat(u.gpus),
        workloads: u.workloads.length > 0 ? u.workloads : items.flatMap((i) => i.workloads),
        rules: [],
        items,
      },
    };
  },
};
