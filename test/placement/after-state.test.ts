/**
 * The planned state (apply.ts): each workload's own load moves with it to its new GPUs — utilisation,
 * memory, DCGM activity and processes, the k-th of its GPUs today to the k-th planned one — and a freed GPU
 * is idle. Issue: "after the plan, utilisation stays with the GPU instead of moving with the workload".
 * Before the fix a GPU's DCGM SM-active stayed where it was, so a job moved onto a GPU that idled today
 * read as idle there ("gpu-idle" on the moved job's new GPU) and the freed GPU still looked busy.
 */
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { applyPlan } from '../../scoring/placement/apply.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { buildJobs, solve } from '../../scoring/placement/solve.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { host, L40S_TOPO, scenario, topoText, workloads } from '../helpers/placement.ts';

function planned(snap: Snapshot) {
  const ctx = buildContext(snap);
  const jobs = buildJobs(ctx);
  const sol = solve(ctx, jobs);
  return { ctx, jobs, sol, after: applyPlan(ctx, jobs, sol.choices).snapshot };
}

describe('the H200 demo: every workload carries its own load to its planned GPUs', () => {
  const snap = scenario('h200');
  const { jobs, sol, after } = planned(snap);
  const gpu = (s: Snapshot, i: number) => s.gpus.find((g) => g.index === i)!;

  it('whole GPUs: the k-th GPU today hands its utilisation and memory to the k-th planned one', () => {
    let moved = 0;
    jobs.forEach((job, j) => {
      const c = sol.choices[j]!;
      if (c.type !== 'whole') return;
      const from = [...job.current].sort((a, b) => a - b);
      const to = [...c.gpus].sort((a, b) => a - b);
      if (from.join() !== to.join()) moved++;
      to.forEach((i, k) => {
        expect(gpu(after, i).utilization.gpuPct, `${job.workload.name} GPU${i}`).toBe(
          gpu(snap, from[k]!).utilization.gpuPct,
        );
        expect(gpu(after, i).memory.usedMiB).toBe(gpu(snap, from[k]!).memory.usedMiB);
      });
    });
    expect(moved).toBeGreaterThan(0);
  });

  it('a GPU no workload holds in the plan is idle, with no process', () => {
    const held = new Set(after.workloads.flatMap((w) => w.gpus));
    const free = after.gpus.filter((g) => !held.has(g.index!));
    expect(free.length).toBeGreaterThan(0);
    for (const g of free) {
      expect(g.utilization.gpuPct).toBe(0);
      expect(g.memory.usedMiB).toBe(0);
      expect(after.processes.filter((p) => p.gpuIndex === g.index)).toEqual([]);
    }
  });

  it('processes follow their workload', () => {
    expect(after.processes.length).toBe(snap.processes.length);
    for (const p of after.processes) {
      const before = snap.processes.find((q) => q.pid === p.pid)!;
      const owner = snap.workloads.find((x) => x.gpus.includes(before.gpuIndex!))!;
      const planned = after.workloads.find((x) => x.name === owner.name)!;
      expect(planned.gpus, `pid ${p.pid} of ${owner.name}`).toContain(p.gpuIndex);
    }
  });

  it('every remaining finding about a workload is about GPUs it holds after the plan, with its own load', () => {
    const plan = planHost(snap);
    for (const f of plan.after.findings) {
      for (const name of f.workloads) {
        const t = plan.targets[name]!;
        for (const i of f.gpus) expect(t.gpus, `${f.rule} ${name} GPU${i}`).toContain(i);
      }
      if (f.rule === 'io-bound') {
        const name = f.workloads[0]!;
        const own = snap.workloads
          .find((w) => w.name === name)!
          .gpus.map((i) => gpu(snap, i).utilization.gpuPct!);
        const mean = own.reduce((a, b) => a + b, 0) / own.length;
        expect(f.impact!.figures.utilization_pct).toBeCloseTo(mean, 1);
      }
    }
  });
});

describe('DCGM activity moves with the workload (a host whose utilisation comes as SM-active only)', () => {
  // a DDP job split across the sockets of the real L40S topology; DCGM gives SM-active, no utilization.gpu
  const base = host([
    { name: 'topo.txt', content: topoText(L40S_TOPO) },
    workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-15' }]),
  ]);
  const snap = structuredClone(base);
  const sm = [0, 0.7, 0.9, 0];
  for (const g of snap.gpus) {
    g.metrics.smActive = sm[g.index!]!;
    g.memory = { totalMiB: 46068, usedMiB: g.index === 1 || g.index === 2 ? 30000 : 0 };
    g.pstate = g.index === 1 || g.index === 2 ? 'P0' : 'P8';
  }
  snap.processes = [1, 2].map((i) => ({
    pid: 4000 + i,
    gpuIndex: i,
    gpuUuid: null,
    name: 'python',
    type: 'C',
    usedMemoryMiB: 30000,
    gi: null,
    ci: null,
  }));
  const plan = planHost(snap);
  const { after } = planned(snap);
  const t = plan.targets.ddp!;

  it('the premise: the job moves to the two GPUs of one socket', () => {
    expect(t.gpus).toEqual([0, 1]);
    expect(analyzeHost(snap).findings.some((f) => f.rule === 'gpu-idle' && f.workloads.includes('ddp'))).toBe(
      false,
    );
  });

  it('its new GPUs carry its SM-active, the freed one none', () => {
    const smOf = (i: number) => after.gpus.find((g) => g.index === i)!.metrics.smActive;
    expect([smOf(0), smOf(1), smOf(2), smOf(3)]).toEqual([0.7, 0.9, 0, 0]);
    expect(after.processes.map((p) => [p.pid, p.gpuIndex])).toEqual([
      [4001, 0],
      [4002, 1],
    ]);
  });

  it('the after-state does not call the moved job idle', () => {
    expect(plan.after.findings.filter((f) => f.rule === 'gpu-idle' && f.workloads.includes('ddp'))).toEqual(
      [],
    );
    expect(plan.after.findings.some((f) => f.rule === 'gpu-idle' && f.gpus.includes(2))).toBe(true);
  });
});
