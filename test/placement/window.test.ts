/**
 * Placement over GPU windows (scoring/window.ts): the score reads a GPU's window (its mean utilisation and
 * framebuffer over a day), so the planner must move each workload's window with it — the k-th of its GPUs
 * today to the k-th planned one — and size MIG / vGPU tenants on the window's p95 need, or the plan's own
 * score (`objective.scoreAfter`, the solver's) disagrees with the re-analysed planned state
 * (`after.score`). Before the fix the H200 demo with its synthetic day planned 82.3 and re-analysed 75.2:
 * train-rec-c's window stayed on GPU2 and its new GPU4 kept GPU4's idle day.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext, type HostContext } from '../../scoring/context.ts';
import { applyPlan } from '../../scoring/placement/apply.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { layout } from '../../scoring/placement/mig-layout.ts';
import {
  buildJobs,
  type Choice,
  evaluate,
  type Job,
  MOVE_COST,
  solve,
} from '../../scoring/placement/solve.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import type { GpuWindow } from '../../scoring/window.ts';
import { goldenOf, goldenPath, serialize } from '../helpers/golden.ts';
import { host } from '../helpers/placement.ts';
import { randomHost, rng } from '../helpers/random-host.ts';
import { day, stats } from '../helpers/window.ts';

const WINDOW = 'window/h200-demo-24h.json';
const windowFile = () => ({
  name: WINDOW,
  content: readFileSync(new URL(`../../samples/${WINDOW}`, import.meta.url)),
});

const gpuOf = (s: Snapshot, i: number) => s.gpus.find((g) => g.index === i)!;

/** Plan a host, and the planned state re-analysed. */
function planned(snap: Snapshot) {
  const ctx = buildContext(snap);
  const jobs = buildJobs(ctx);
  const sol = solve(ctx, jobs);
  const after = applyPlan(ctx, jobs, sol.choices).snapshot;
  return { ctx, jobs, sol, after, engine: analyzeHost(after).score?.value ?? null };
}

describe('the H200 demo with its day (samples/window/h200-demo-24h.json): the plan carries the windows', () => {
  const snap = host([...scenarioFiles('h200'), windowFile()]);
  const plan = planHost(snap);
  const { ctx, jobs, sol, after, engine } = planned(snap);

  it("the plan's score is the score of its re-analysed planned state (81.8, both)", () => {
    expect(plan.objective.scoreAfter).toBe(plan.after.score?.value);
    expect(plan.objective.scoreAfter).toBe(81.8);
    expect(plan.objective.value).toBeCloseTo(
      plan.objective.scoreAfter! - plan.objective.moveCost * plan.objective.moves,
      6,
    );
    // the solver's running sums, the search's result and the engine agree
    expect(evaluate(ctx, jobs, sol.choices)).toBe(engine);
    expect(sol.score).toBe(engine);
    expect(plan.after.score?.components).toEqual({ gpu: 69.7, numa: 100, io: 100 });
  });

  it('the same moves as without the window', () => {
    expect(plan.moves.map((m) => m.workload).sort()).toEqual([
      'infer-chat',
      'infer-embed',
      'train-rec-c',
      'train-vision-b',
    ]);
    expect(plan.targets['train-rec-c']!.gpus).toEqual([4]);
    expect(plan.targets['train-vision-b']!.gpus).toEqual([2, 3]);
    expect(plan.targets['infer-chat']!.form).toBe('MIG 1g.18gb');
    expect(plan.targets['infer-embed']!.gpus).toEqual(plan.targets['infer-chat']!.gpus);
  });

  it("a moved job's window is on its new GPU: the k-th GPU today's to the k-th planned one", () => {
    // train-rec-c GPU2 → GPU4; train-vision-b GPUs 3, 5 → 2, 3; train-llm-a stays on 0, 1
    const moved: [from: number, to: number][] = [
      [2, 4],
      [3, 2],
      [5, 3],
      [0, 0],
      [1, 1],
    ];
    for (const [from, to] of moved) {
      expect(gpuOf(snap, from).window, `GPU${from}`).not.toBeNull();
      expect(gpuOf(after, to).window, `GPU${from} → GPU${to}`).toEqual(gpuOf(snap, from).window);
      // its one-second sample travels beside it
      expect(gpuOf(after, to).utilization.gpuPct).toBe(gpuOf(snap, from).utilization.gpuPct);
      expect(gpuOf(after, to).memory.usedMiB).toBe(gpuOf(snap, from).memory.usedMiB);
    }
  });

  it('GPUs no workload holds have no window and are idle on their sample; the MIG GPU has none', () => {
    const mig = plan.targets['infer-chat']!.gpus[0]!;
    const held = new Set(after.workloads.flatMap((w) => w.gpus));
    const free = after.gpus.filter((g) => !held.has(g.index!)).map((g) => g.index);
    expect(free).toEqual([6, 7]);
    for (const i of [...free, mig]) expect(gpuOf(after, i!).window, `GPU${i}`).toBeNull();
    expect(gpuOf(after, mig).mig.devices.map((d) => d.window)).toEqual([null, null]);
    // the idle rule reports the freed GPUs, as without windows (on the idle sample the plan leaves them)
    const idle = plan.after.findings.filter((f) => f.rule === 'gpu-idle');
    expect(idle.map((f) => f.gpus)).toEqual([[6], [7]]);
    expect(idle.every((f) => f.evidence.every((e) => e.source !== WINDOW))).toBe(true);
  });

  it('the MIG tenants carry their windowed load: mean utilisation on their slices, p95 framebuffer', () => {
    const mig = plan.targets['infer-chat']!.gpus[0]!;
    const devices = gpuOf(after, mig).mig.devices;
    const chat = gpuOf(snap, 6).window!;
    const embed = gpuOf(snap, 7).window!;
    // 1g.18gb: 1 of the H200's 7 compute slices
    expect(devices.map((d) => d.utilizationPct).sort((a, b) => a! - b!)).toEqual(
      [embed.util!.mean * 7, chat.util!.mean * 7].map((u) => Math.round(u * 10) / 10),
    );
    expect(devices.map((d) => d.memoryUsedMiB).sort((a, b) => a! - b!)).toEqual([
      embed.fbUsedMiB!.p95,
      chat.fbUsedMiB!.p95,
    ]);
  });

  it("the planned state's findings read the moved windows: train-rec-c is input-bound on GPU4, not idle", () => {
    const rec = plan.after.findings.filter((f) => f.workloads.includes('train-rec-c'));
    expect(rec.map((f) => f.rule)).toEqual(['io-bound']);
    expect(rec[0]!.gpus).toEqual([4]);
    expect(rec[0]!.evidence.some((e) => e.source === WINDOW)).toBe(true);
    expect(plan.after.findings.some((f) => f.rule === 'gpu-idle' && f.gpus.includes(4))).toBe(false);
  });

  it('its golden carries this plan (test/golden.test.ts compares it byte for byte)', () => {
    const h = JSON.parse(readFileSync(goldenPath(WINDOW), 'utf8')).analysis.hosts[0];
    expect(h.placement.objective.scoreAfter).toBe(81.8);
    expect(h.placement.after.score.value).toBe(81.8);
    expect(h.score.value).toBe(plan.expected.find((g) => g.model === 'efficiency-score')!.before);
  });
});

describe('without a window nothing changes', () => {
  it('the H200 demo without its day: the same plan, byte for byte (its golden)', () => {
    const path = goldenPath('scenarios/h200');
    expect(serialize(goldenOf('scenarios/h200'))).toBe(readFileSync(path, 'utf8'));
    const h = JSON.parse(readFileSync(path, 'utf8')).analysis.hosts[0];
    expect(h.placement.objective.scoreAfter).toBe(82.3);
    expect(h.placement.after.score.value).toBe(82.3);
  });

  it("a job's loads are its samples: no window fields", () => {
    const ctx = buildContext(host(scenarioFiles('h200')));
    for (const job of buildJobs(ctx))
      for (const l of job.loads) expect(Object.keys(l).sort()).toEqual(['memMiB', 'util']);
  });
});

describe('two inference VMs with windows: MIG packing on the window p95 need', () => {
  // the demo server with only its two inference VMs (infer-chat on GPU6, infer-embed on GPU7), and a window
  // document for their GPUs read by the real parser
  const UUID = ['GPU-1e24cb19-a630-7bb5-5664-ea331bf06aff', 'GPU-a5f2b205-99b2-2625-9d02-2de1c42a2919'];
  const FB_TOTAL = 143259; // framebuffer used + free on the H200 (143,771 MiB less 512 reserved)
  const doc = (windows: [GpuWindow, GpuWindow]) => ({
    name: 'vms-window.json',
    content: JSON.stringify({
      kind: 'infralens-gpu-window',
      version: 1,
      host: 'gpu-node-01',
      source: 'test (synthetic)',
      gpus: windows.map((window, k) => ({ uuid: UUID[k], index: 6 + k, migInstance: null, window })),
      missing: [],
    }),
  });
  const files = (windows: [GpuWindow, GpuWindow] | null) => [
    ...scenarioFiles('h200').filter((f) => /bundle\.txt$|\/20[12]\.conf$/.test(f.name)),
    ...(windows ? [doc(windows)] : []),
  ];
  /** An inference VM's day: mostly idle, its model resident (framebuffer mean / p95, MiB). */
  const quiet = (util: number, sm95: number, fbMean: number, fb95: number) =>
    day({
      util: stats(util, util * 3, util * 5),
      grEngineActive: stats(util / 100, (util * 3) / 100, (util * 5) / 100),
      smActive: stats(sm95 / 3, sm95, sm95 * 2),
      fbUsedMiB: stats(fbMean, fb95, fb95 + 200, fbMean - 500),
      fbFreeMiB: stats(FB_TOTAL - fbMean, FB_TOTAL - fb95),
      idleSeconds: 1200 * 60,
      idleBasis: 'sm_active',
    });

  it('packs both into MIG instances of one GPU sized on the window p95, and scores as it plans', () => {
    const s = host(files([quiet(4, 0.05, 11000, 14000), quiet(2.5, 0.03, 8000, 9500)]));
    expect(gpuOf(s, 6).window).not.toBeNull();
    const p = planHost(s);
    expect(p.targets['infer-chat']!.form).toBe('MIG 1g.18gb');
    expect(p.targets['infer-embed']!.form).toBe('MIG 1g.18gb');
    expect(p.targets['infer-embed']!.gpus).toEqual(p.targets['infer-chat']!.gpus);
    expect(p.objective.scoreAfter).not.toBeNull();
    expect(p.objective.scoreAfter).toBe(p.after.score?.value);
    const { after, engine, sol } = planned(s);
    expect(sol.score).toBe(engine);
    const devices = gpuOf(after, p.targets['infer-chat']!.gpus[0]!).mig.devices;
    // each instance holds its tenant's framebuffer p95 and runs its mean utilisation on 1 of 7 slices
    expect(devices.map((d) => d.memoryUsedMiB).sort((x, y) => x! - y!)).toEqual([9500, 14000]);
    expect(devices.map((d) => d.utilizationPct).sort((x, y) => x! - y!)).toEqual([17.5, 28]);
    expect(devices.every((d) => d.window === null)).toBe(true);
  });

  it('the window overrules a quiet second: a job that needs more at its p95 gets a bigger slice', () => {
    // the sample is the same quiet second; over the day infer-chat reaches 40 % SM active and 30 GB
    const busy = day({
      util: stats(35, 70, 90),
      grEngineActive: stats(0.35, 0.7, 0.9),
      smActive: stats(0.2, 0.4, 0.6),
      fbUsedMiB: stats(25000, 30000, 31000, 20000),
      fbFreeMiB: stats(FB_TOTAL - 25000, FB_TOTAL - 30000),
      idleSeconds: 60 * 60,
      idleBasis: 'sm_active',
    });
    const p = planHost(host(files([busy, quiet(2.5, 0.03, 8000, 9500)])));
    const bare = planHost(host(files(null)));
    expect(bare.targets['infer-chat']!.form).toBe('MIG 1g.18gb');
    expect(p.targets['infer-chat']!.form).not.toBe('MIG 1g.18gb');
    expect(p.objective.scoreAfter).toBe(p.after.score?.value);
  });
});

/** Feasibility, written independently of the solver (as test/placement/optimality.test.ts). */
function feasible(ctx: HostContext, jobs: readonly Job[], choices: readonly Choice[]): boolean {
  const whole = new Set<number>();
  const shared = new Map<number, Choice[]>();
  for (const c of choices) {
    if (c.type === 'whole') {
      for (const i of c.gpus) {
        if (whole.has(i) || shared.has(i)) return false;
        whole.add(i);
      }
    } else {
      if (whole.has(c.gpu)) return false;
      shared.set(c.gpu, [...(shared.get(c.gpu) ?? []), c]);
    }
  }
  for (const [gpu, list] of shared) {
    if (new Set(list.map((c) => c.type)).size > 1) return false;
    const g = ctx.gpu(gpu)!;
    if (list[0]!.type === 'mig') {
      if (
        !layout(
          ctx.model(g)!,
          list.map((c) => (c as Extract<Choice, { type: 'mig' }>).profile),
        )
      )
        return false;
    } else {
      const sizes = new Set(list.map((c) => (c as Extract<Choice, { type: 'share' }>).sizeGB));
      const card = ctx.model(g)?.memoryGiB ?? 0;
      if (sizes.size > 1 || list.length * [...sizes][0]! > card) return false;
      const compute = list.reduce((a, c) => a + (jobs[choices.indexOf(c)]!.need?.compute ?? 0), 0);
      if (compute > 1) return false;
    }
  }
  return true;
}

/**
 * A seeded random host (test/helpers/random-host.ts) with a window on each GPU: its mean utilisation far
 * from the sample (across the 10 % a loaded GPU needs, both ways), series missing at random (no
 * utilisation, no framebuffer), and on some hosts no memory total in the inputs (the score then takes the
 * window's used + free).
 */
function windowedHost(seed: number): Snapshot {
  const s = randomHost(seed);
  const r = rng(seed * 7919 + 1);
  const noTotals = r() < 0.2;
  for (const g of s.gpus) {
    if (r() < 0.15) continue;
    const total = g.memory.totalMiB!;
    const util = Math.floor(r() * 100);
    const fb = Math.round(total * r() * 0.9);
    g.window = day({
      util: r() < 0.2 ? null : stats(util, Math.min(100, util * 1.5)),
      smActive: stats(util / 130, Math.min(1, util / 90)),
      fbUsedMiB: r() < 0.15 ? null : stats(fb, Math.min(total - 512, fb * 1.2)),
      fbFreeMiB: stats(total - 512 - fb, total - 512 - fb),
      idleSeconds: Math.floor(r() * 1440) * 60,
      idleBasis: 'sm_active',
    });
    if (noTotals) g.memory.totalMiB = null;
  }
  return s;
}

describe('seeded random hosts with windows', () => {
  it('every feasible plan: the solver scores it as the engine scores its planned state; the solver finds the best', () => {
    let compared = 0;
    let plans = 0;
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 120; seed++) {
      const snapshot = windowedHost(seed);
      const ctx = buildContext(snapshot);
      const jobs = buildJobs(ctx);
      if (jobs.length === 0) continue;
      let best = -Infinity;
      const rec = (j: number, acc: Choice[]) => {
        if (j === jobs.length) {
          if (!feasible(ctx, jobs, acc)) return;
          const planned = applyPlan(ctx, jobs, acc);
          const engine = analyzeHost(planned.snapshot).score?.value ?? null;
          expect(evaluate(ctx, jobs, acc), `seed ${seed} ${JSON.stringify(acc)}`).toBe(engine);
          plans++;
          const moves = jobs.filter((job, k) => {
            const w = planned.snapshot.workloads.find((x) => x.name === job.workload.name)!;
            const c = acc[k]!;
            const sameGpus =
              c.type === 'whole' &&
              [...job.current].sort((a, b) => a - b).join() === [...c.gpus].sort((a, b) => a - b).join();
            return !(sameGpus && (w.cpus ?? []).join() === (job.workload.cpus ?? []).join());
          }).length;
          best = Math.max(best, (engine ?? 0) - MOVE_COST * moves);
          return;
        }
        for (const c of jobs[j]!.choices) rec(j + 1, [...acc, c]);
      };
      rec(0, []);
      if (best === -Infinity) continue;
      const sol = solve(ctx, jobs);
      const engine = analyzeHost(applyPlan(ctx, jobs, sol.choices).snapshot).score?.value ?? null;
      expect(sol.score, `seed ${seed}`).toBe(engine);
      if (engine !== null) expect(sol.objective, `seed ${seed}`).toBeCloseTo(best, 6);
      for (const c of sol.choices) kinds.add(c.type);
      compared++;
    }
    expect(compared).toBeGreaterThan(90);
    expect(plans).toBeGreaterThan(500);
    expect(kinds.has('mig')).toBe(true);
  });
});
