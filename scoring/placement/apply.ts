/**
 * The planned state: the snapshot as it would look after the plan, for the analysis engine to re-score.
 *
 * Assumptions (docs/placement.md): a workload keeps its utilisation and memory per GPU when it moves (no
 * speed-up is claimed); a MIG instance runs the workload's load on its share of the compute slices; a
 * GPU that becomes loaded trains its PCIe link back to its max generation (an idle link drops its gen;
 * the width is physical and stays); freed GPUs idle. CPU affinity: the workload's CPU count (today's
 * pinning, else its VM's cores) taken from the CPUs local to its GPUs, disjoint between workloads of one
 * node while the node has CPUs left.
 */
import type { HostContext } from '../context.ts';
import { formatCpuList } from '../cpuset.ts';
import { emptyMigDevice, type Gpu, type HostPci, type Snapshot, type Workload } from '../snapshot.ts';
import { computeSlicesOf, instanceMemoryMiB, layout } from './mig-layout.ts';
import { type Choice, type Job, jobCpus, keptShared, nodeFor } from './solve.ts';

export interface Planned {
  snapshot: Snapshot;
  /** the CPUs chosen per workload. */
  cpus: Map<string, number[] | null>;
  /** per MIG GPU, the instances in creation order with their GI placements. */
  migLayouts: Map<number, { profileId: number; profile: string; start: number; workload: string }[]>;
}

function idle(g: Gpu): void {
  g.utilization = { gpuPct: 0, memoryPct: 0 };
  g.memory.usedMiB = 0;
  g.pstate = 'P8';
  g.clockEventReasons = ['gpu_idle'];
  g.power.drawW = null;
  g.mig.devices = [];
  if (g.mig.mode === 'enabled') g.mig.mode = 'disabled';
}

function loaded(g: Gpu): void {
  g.pstate = 'P0';
  if (g.pcie.genMax !== null) g.pcie.genCurrent = g.pcie.genMax;
  if (g.clockEventReasons) g.clockEventReasons = g.clockEventReasons.filter((r) => r !== 'gpu_idle');
}

/** CPU count a workload should get: its pinned CPUs today, else its VM's vCPUs. */
function cpuCount(w: Workload): number | null {
  if (w.cpus && w.cpus.length > 0) return w.cpus.length;
  if (w.vm?.cores) return w.vm.cores * (w.vm.sockets ?? 1);
  return null;
}

export function applyPlan(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): Planned {
  const snap: Snapshot = structuredClone(ctx.snapshot);
  const byIndex = new Map(snap.gpus.filter((g) => g.index !== null).map((g) => [g.index!, g]));
  const before = new Map(jobs.map((j) => [j.workload.name, j.current]));

  // GPUs that host a workload in the plan are rebuilt; the rest idle
  // GPUs kept as they are (shared today) stay untouched with their processes; the rest are rebuilt
  const kept = keptShared(ctx);
  for (const [i, g] of byIndex) if (!kept.gpus.has(i)) idle(g);
  snap.processes = snap.processes.filter((p) => p.gpuIndex !== null && kept.gpus.has(p.gpuIndex));
  const cpus = new Map<string, number[] | null>();
  const usedCpus = new Map<number, Set<number>>();
  const migLayouts: Planned['migLayouts'] = new Map();
  const shared = new Map<number, { util: number; mem: number; choice: Choice; jobs: Job[] }>();

  choices.forEach((c, j) => {
    const job = jobs[j]!;
    const w = snap.workloads.find((x) => x.name === job.workload.name)!;
    const gpus = c.type === 'whole' ? c.gpus : [c.gpu];
    // CPUs: the planned node's local CPUs, narrowed to the workload's count, disjoint where possible
    const pool = jobCpus(ctx, job, gpus);
    const node = nodeFor(ctx, gpus);
    let mine = pool;
    // a pinned job keeps its CPUs (it is not restarted): the others avoid them where they can
    if (job.pinned && pool)
      for (const n of new Set([...ctx.numaNodesOfCpus(pool), ...(node === null ? [] : [node])])) {
        const used = usedCpus.get(n) ?? new Set<number>();
        for (const x of pool) used.add(x);
        usedCpus.set(n, used);
      }
    const want = cpuCount(job.workload);
    if (!job.pinned && pool && node !== null && want !== null && want < pool.length) {
      const used = usedCpus.get(node) ?? new Set<number>();
      const keep = (job.workload.cpus ?? []).filter((x) => pool.includes(x) && !used.has(x));
      const fresh = pool.filter((x) => !used.has(x) && !keep.includes(x));
      let pick = [...keep, ...fresh].slice(0, want);
      if (pick.length < want) pick = [...pick, ...pool.filter((x) => !pick.includes(x))].slice(0, want);
      pick.sort((a, b) => a - b);
      for (const x of pick) used.add(x);
      usedCpus.set(node, used);
      mine = pick;
    }
    cpus.set(w.name, mine);
    w.cpus = mine;
    w.gpus = [...gpus].sort((a, b) => a - b);
    w.unresolvedGpus = [];
    if (w.vm) {
      w.vm.affinity = mine ? formatCpuList(mine) : w.vm.affinity;
      const gpuPci: HostPci[] = w.gpus.map((i, k) => ({
        slot: `hostpci${k}`,
        busId: byIndex.get(i)?.busId ?? null,
        mapping: null,
        mdev: c.type === 'whole' ? null : c.type === 'mig' ? `MIG ${c.profile.name}` : `vGPU ${c.sizeGB}GB`,
        pcie: true,
        raw: '',
      }));
      w.vm.hostpci = gpuPci;
    }
    // processes travel with the workload, in GPU order
    const from = before.get(w.name) ?? [];
    for (const p of ctx.snapshot.processes) {
      const k = p.gpuIndex === null ? -1 : from.indexOf(p.gpuIndex);
      if (k < 0) continue;
      snap.processes.push({ ...p, gpuIndex: w.gpus[Math.min(k, w.gpus.length - 1)] ?? null, gpuUuid: null });
    }
    if (c.type === 'whole') {
      for (const i of c.gpus) {
        const g = byIndex.get(i)!;
        loaded(g);
        g.utilization.gpuPct = job.util;
        g.utilization.memoryPct = null;
        g.memory.usedMiB = job.memMiB;
        if (job.util !== null && job.util < 10) g.pstate = 'P8';
      }
      return;
    }
    const agg = shared.get(c.gpu) ?? { util: 0, mem: 0, choice: c, jobs: [] };
    agg.util += job.util ?? (job.need?.compute ?? 0) * 100;
    agg.mem += (job.need?.memoryGiB ?? 0) * 1024;
    agg.jobs.push(job);
    shared.set(c.gpu, agg);
  });

  for (const [i, agg] of shared) {
    const g = byIndex.get(i)!;
    loaded(g);
    g.memory.usedMiB = Math.round(agg.mem);
    if (agg.choice.type === 'share') {
      g.utilization.gpuPct = Math.min(100, Math.round(agg.util * 10) / 10);
      continue;
    }
    // MIG: instances in creation order with the placements the driver gives them
    const model = ctx.model(g)!;
    const slices = computeSlicesOf(model);
    const tenants = agg.jobs.map((job) => ({
      job,
      profile: (choices[jobs.indexOf(job)] as Extract<Choice, { type: 'mig' }>).profile,
    }));
    const placed = layout(
      model,
      tenants.map((t) => t.profile),
    )!;
    const remaining = [...tenants];
    const list: { profileId: number; profile: string; start: number; workload: string }[] = [];
    g.mig.mode = 'enabled';
    g.utilization = { gpuPct: null, memoryPct: null };
    g.mig.devices = placed.map((p, gi) => {
      const t = remaining.splice(
        remaining.findIndex((x) => x.profile === p.profile),
        1,
      )[0]!;
      const u = t.job.util ?? (t.job.need?.compute ?? 0) * 100;
      list.push({
        profileId: p.profile.id,
        profile: p.profile.name,
        start: p.start,
        workload: t.job.workload.name,
      });
      return {
        ...emptyMigDevice(),
        gi: gi + 1,
        ci: 0,
        device: gi,
        profile: p.profile.name,
        profileId: p.profile.id,
        memoryTotalMiB: instanceMemoryMiB(g, p.profile),
        memoryUsedMiB: (t.job.need?.memoryGiB ?? 0) * 1024,
        utilizationPct: Math.round(((u * slices) / p.profile.compute) * 10) / 10,
        placement: { start: p.start, size: p.profile.memorySlices },
      };
    });
    migLayouts.set(i, list);
  }
  return { snapshot: snap, cpus, migLayouts };
}
