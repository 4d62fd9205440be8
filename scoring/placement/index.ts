/**
 * The placement plan of a host: the optimal placement (solve.ts), the planned state re-analysed by the same
 * engine (apply.ts + analyze.ts), the moves, the computed gains, and the commands that would carry it out
 * (commands.ts). InfraLens never runs them.
 */

import { type Analysis, analyzeFleet, analyzeHost, type HostAnalysis } from '../analyze.ts';
import { buildContext, type HostContext } from '../context.ts';
import { formatCpuList } from '../cpuset.ts';
import { type RuleId, round } from '../findings.ts';
import { ringAllReduceMs } from '../interconnect.ts';
import { REMOTE_COPY_RATIO } from '../rules/numa-mismatch.ts';
import { REFERENCE_GRADIENT_GB } from '../rules/nvlink-split.ts';
import type { Snapshot } from '../snapshot.ts';
import { applyPlan } from './apply.ts';
import { commandsFor, isVm } from './commands.ts';
import { hardwareFaults } from './faults.ts';
import { planFleet } from './fleet.ts';
import type { Gain, Move, Placement, Target } from './schema.ts';
import { oneLine, shq } from './shell.ts';
import {
  buildJobs,
  type Choice,
  checkOptions,
  countMoves,
  hostOptions,
  type Job,
  keptShared,
  MOVE_COST,
  PlacementError,
  type PlacementOptions,
  type Solution,
  solve,
} from './solve.ts';

export { Placement } from './schema.ts';
export type { PlacementOptions } from './solve.ts';
export { PlacementError };

/** The NUMA nodes of a set of GPUs: the one node (or null), and every known node it spans. */
function numaOfGpus(ctx: HostContext, gpus: readonly number[]): Pick<Target, 'numaNode' | 'numaNodes'> {
  const nodes = new Set(gpus.map((i) => ctx.gpu(i)).map((g) => (g ? ctx.numaOf(g) : null)));
  const known = [...nodes].filter((n): n is number => n !== null).sort((a, b) => a - b);
  return { numaNode: nodes.size === 1 ? ([...nodes][0] ?? null) : null, numaNodes: known };
}

function targetOf(ctx: HostContext, c: Choice, cpus: number[] | null): Target {
  const gpus = c.type === 'whole' ? [...c.gpus].sort((a, b) => a - b) : [c.gpu];
  return {
    gpus,
    form: c.type === 'whole' ? 'whole' : c.type === 'mig' ? `MIG ${c.profile.name}` : `vGPU ${c.sizeGB} GB`,
    cpus: cpus ? formatCpuList(cpus) : null,
    ...numaOfGpus(ctx, gpus),
  };
}

function currentTarget(ctx: HostContext, job: Job): Target {
  const w = job.workload;
  return {
    gpus: [...w.gpus],
    form: 'whole',
    cpus: w.cpus ? formatCpuList(w.cpus) : null,
    ...numaOfGpus(ctx, w.gpus),
  };
}

/** `NUMA 3` / `NUMA 3, 5, 7` for a move's reason; empty when no node is known. */
const numaTxt = (t: Target) => (t.numaNodes.length > 0 ? ` (NUMA ${t.numaNodes.join(', ')})` : '');

/** Why a plan has no score after, when the engine gives none. */
const NO_SCORE_AFTER = {
  en: 'no score after: the inputs carry no utilisation — send nvidia-smi -q -x or the bundle (for passthrough GPUs, from inside the VMs) for one; the plan is ranked on NUMA and I/O alone',
  ko: '변경 후 점수 없음: 입력에 사용률이 없습니다 — 점수를 보려면 nvidia-smi -q -x 또는 번들을 보내 주세요 (패스스루 GPU는 VM 안에서 수집). 계획은 NUMA와 I/O만으로 정했습니다',
};

const RESOLVABLE: RuleId[] = [
  'numa-mismatch',
  'nvlink-split',
  'cross-socket',
  'mig-candidate',
  'share-candidate',
  'nic-far',
];

/**
 * Plan one host. `before` is the host's analysis (the findings the moves resolve are taken from it).
 */
export function planHost(
  snapshot: Snapshot,
  options: PlacementOptions = {},
  before?: HostAnalysis,
  presolved?: { jobs: Job[]; solution: Solution } | null,
): Placement {
  const ctx = buildContext(snapshot);
  const analysis = before ?? analyzeHost(snapshot);
  const jobs = presolved?.jobs ?? buildJobs(ctx, options);
  const notes: string[] = [];
  for (const w of snapshot.workloads)
    if (w.gpus.length === 0 && !options.arrivals?.[w.name])
      notes.push(
        oneLine(
          `${w.name}: no GPU of this host is attached (${w.unresolvedGpus.join(', ') || 'none'}), so it is not placed`,
        ),
      );
  const cost = options.moveCost ?? MOVE_COST;
  const sol = presolved?.solution ?? solve(ctx, jobs, options);
  const kept = keptShared(ctx);
  if (kept.workloads.size > 0)
    notes.push(
      oneLine(`kept as they are: ${[...kept.workloads].join(', ')}`) +
        ` (they share ${[...kept.gpus]
          .sort((a, b) => a - b)
          .map((g) => `GPU${g}`)
          .join(', ')} today through MIG or vGPU, which the planner does not re-plan yet)`,
    );
  if (!sol.exact)
    notes.push(
      `the search budget (${sol.budget.toLocaleString('en-US')} nodes) ran out: this is the best plan found (objective ${round(sol.objective, 2)}, upper bound ${sol.bound}, gap ${sol.gap})`,
    );
  if (sol.score === null) notes.push(NO_SCORE_AFTER.en);
  const faults = hardwareFaults(ctx);
  for (const [gpu, f] of faults)
    if (f.exclude)
      notes.push(
        `GPU${gpu} is not offered to other workloads: ${f.why} (reset or repair it first; see its finding)`,
      );
  const vmIdsMissing = snapshot.workloads.filter((w) => isVm(w) && w.vm?.vmid == null).map((w) => w.name);
  const planned = applyPlan(ctx, jobs, sol.choices);
  const after = analyzeHost(planned.snapshot);

  const targets: Record<string, Target> = {};
  const moves: Move[] = [];
  jobs.forEach((job, j) => {
    const c = sol.choices[j]!;
    const to = targetOf(ctx, c, planned.cpus.get(job.workload.name) ?? null);
    targets[job.workload.name] = to;
    const from = currentTarget(ctx, job);
    if (JSON.stringify(from) === JSON.stringify(to)) return;
    const resolves = analysis.findings
      .filter((f) => RESOLVABLE.includes(f.rule) && f.workloads.includes(job.workload.name))
      .filter(
        (f) => !after.findings.some((a) => a.rule === f.rule && a.workloads.includes(job.workload.name)),
      )
      .map((f) => ({ rule: f.rule, gpus: f.gpus }));
    const gpuTxt = (t: Target) =>
      `${t.gpus.map((i) => `GPU${i}`).join(', ')}${t.form === 'whole' ? '' : ` (${t.form})`}`;
    const why = resolves.map((r) => r.rule).join(', ');
    for (const g of to.gpus)
      if (!from.gpus.includes(g) && faults.has(g))
        notes.push(
          oneLine(
            `${job.workload.name} moves onto GPU${g}, which has ${faults.get(g)!.why}: the plan does not fix that — see its finding`,
          ),
        );
    moves.push({
      workload: job.workload.name,
      from,
      to,
      resolves,
      reason: {
        en: `${gpuTxt(from)} → ${gpuTxt(to)}${to.cpus !== from.cpus && to.cpus !== null ? `, CPUs ${to.cpus}${numaTxt(to)}` : ''}${why ? `: resolves ${why}` : ''}`,
        ko: `${gpuTxt(from)} → ${gpuTxt(to)}${to.cpus !== from.cpus && to.cpus !== null ? `, CPU ${to.cpus}${numaTxt(to)}` : ''}${why ? `: ${why} 해소` : ''}`,
      },
    });
  });

  const commands = commandsFor(ctx, jobs, sol.choices, planned);
  if (vmIdsMissing.length > 0 && commands.some((c) => c.command.includes('<VMID>')))
    notes.push(
      oneLine(
        `VM id not in the inputs for ${vmIdsMissing.join(', ')}: its qm commands carry <VMID> (the number of /etc/pve/qemu-server/<VMID>.conf, or the VMID column of qm list)`,
      ),
    );
  return {
    objective: {
      value: round(sol.objective, 2),
      scoreAfter: sol.score,
      scoreAfterReason: sol.score === null ? NO_SCORE_AFTER : null,
      moves: countMoves(ctx, jobs, sol.choices),
      moveCost: cost,
    },
    targets,
    moves,
    after: { score: after.score, findings: after.findings },
    expected: gains(ctx, jobs, sol.choices, analysis, after),
    commands,
    notes,
    search: {
      method: sol.exact
        ? 'branch and bound over every candidate placement (exact)'
        : 'branch and bound stopped at its budget (best plan found; see bound)',
      explored: sol.explored,
      nodes: sol.nodes,
      budget: sol.budget,
      exact: sol.exact,
      bound: sol.bound,
    },
  };
}

/** The computed gains of a plan (exported for tests). */
export function gains(
  ctx: HostContext,
  jobs: readonly Job[],
  choices: readonly Choice[],
  before: HostAnalysis,
  after: HostAnalysis,
): Gain[] {
  const out: Gain[] = [];
  if (before.score && after.score)
    out.push({
      model: 'efficiency-score',
      summary: {
        en: `efficiency score ${before.score.value.toFixed(1)} (${before.score.grade}) → ${after.score.value.toFixed(1)} (${after.score.grade})`,
        ko: `효율 점수 ${before.score.value.toFixed(1)} (${before.score.grade}) → ${after.score.value.toFixed(1)} (${after.score.grade})`,
      },
      before: before.score.value,
      after: after.score.value,
      unit: 'points',
      figures: {
        gpu_before: before.score.components.gpu,
        gpu_after: after.score.components.gpu,
        numa_before: before.score.components.numa ?? 'n/a',
        numa_after: after.score.components.numa ?? 'n/a',
        io_before: before.score.components.io ?? 'n/a',
        io_after: after.score.components.io ?? 'n/a',
      },
    });
  jobs.forEach((job, j) => {
    const c = choices[j]!;
    const w = job.workload;
    if (c.type !== 'whole' || !w.distributed || w.gpus.length < 2) return;
    const b = ctx.ringGBs(w.gpus);
    const a = ctx.ringGBs(c.gpus);
    if (b === null || a === null || Math.abs(a - b) < 1e-9) return;
    const n = c.gpus.length;
    const msB = round(ringAllReduceMs(n, REFERENCE_GRADIENT_GB, b), 1);
    const msA = round(ringAllReduceMs(n, REFERENCE_GRADIENT_GB, a), 1);
    const faster = msA < msB;
    const ratio = faster ? round(msB / msA, 1) : round(msA / msB, 1);
    const name = oneLine(w.name);
    out.push({
      model: 'ring-allreduce',
      summary: {
        en: `${name}: all-reduce of ${REFERENCE_GRADIENT_GB} GB over ${n} GPUs ${msB} ms → ${msA} ms (${ratio}× ${faster ? 'faster' : 'slower'})`,
        ko: `${name}: GPU ${n}개 간 ${REFERENCE_GRADIENT_GB} GB all-reduce ${msB} ms → ${msA} ms (${ratio}배 ${faster ? '빠름' : '느림'})`,
      },
      before: msB,
      after: msA,
      unit: 'ms',
      figures: {
        gpus: n,
        gradient_GB: REFERENCE_GRADIENT_GB,
        bottleneck_before_GBs: round(b, 1),
        bottleneck_after_GBs: round(a, 1),
        speedup: round(msB / msA, 1),
      },
    });
  });
  const mism = (h: HostAnalysis) =>
    h.findings.filter((f) => f.rule === 'numa-mismatch').flatMap((f) => f.gpus).length;
  const mb = mism(before);
  const ma = mism(after);
  // a gain line never announces an improvement when the number got worse
  if (mb !== ma)
    out.push({
      model: 'numa-remote-h2d',
      summary:
        ma < mb
          ? {
              en: `GPUs fed from the wrong NUMA node ${mb} → ${ma}: their host↔GPU copies get back ${round((1 / REMOTE_COPY_RATIO - 1) * 100, 0)}% more bandwidth (×${round(1 / REMOTE_COPY_RATIO, 2)})`,
              ko: `다른 NUMA 노드에서 공급받는 GPU ${mb} → ${ma}개: 호스트↔GPU 복사 대역폭 ${round((1 / REMOTE_COPY_RATIO - 1) * 100, 0)}% 회복 (×${round(1 / REMOTE_COPY_RATIO, 2)})`,
            }
          : {
              en: `GPUs fed from the wrong NUMA node ${mb} → ${ma}: ${ma - mb} more GPU(s) lose ${round((1 - REMOTE_COPY_RATIO) * 100, 0)}% of their host↔GPU copy bandwidth (×${round(REMOTE_COPY_RATIO, 2)}) — worse`,
              ko: `다른 NUMA 노드에서 공급받는 GPU ${mb} → ${ma}개: GPU ${ma - mb}개의 호스트↔GPU 복사 대역폭이 ${round((1 - REMOTE_COPY_RATIO) * 100, 0)}% 줄어듦 (×${round(REMOTE_COPY_RATIO, 2)}) — 악화`,
            },
      before: mb,
      after: ma,
      unit: 'GPUs',
      figures: {
        remote_over_local: round(REMOTE_COPY_RATIO, 3),
        local_over_remote: round(1 / REMOTE_COPY_RATIO, 2),
      },
    });
  const inUse = (h: HostAnalysis) => h.gpus.filter((g) => g.score.allocated).length;
  const ub = inUse(before);
  const ua = inUse(after);
  if (ua < ub)
    out.push({
      model: 'gpus-freed',
      summary: {
        en: `GPUs in use ${ub} → ${ua}: ${ub - ua} whole GPU(s) freed for new work`,
        ko: `사용 중인 GPU ${ub} → ${ua}개: GPU ${ub - ua}장을 새 작업에 돌려줌`,
      },
      before: ub,
      after: ua,
      unit: 'GPUs',
      figures: { freed: ub - ua, free_after: ctx.snapshot.gpus.length - ua },
    });
  return out;
}

/**
 * Analyse a fleet and plan it: hosts are solved exactly, cross-host moves come from the fleet heuristic
 * (fleet.ts), and each host's plan is built on the workloads it ends up with.
 */
export function analyzeAndPlan(snapshots: readonly Snapshot[], options: PlacementOptions = {}): Analysis {
  checkOptions(snapshots, options);
  const analysis = analyzeFleet(snapshots);
  let fleet: ReturnType<typeof planFleet> | null = null;
  try {
    fleet = planFleet(snapshots, options);
  } catch (e) {
    if (!(e instanceof PlacementError)) throw e;
  }
  analysis.hosts.forEach((h, i) => {
    const target = fleet?.hosts[i]?.snapshot ?? snapshots[i]!;
    const arrivals = fleet?.hosts[i]?.arrivals ?? {};
    if (!target.workloads.some((w) => w.gpus.length > 0 || arrivals[w.name])) {
      h.placementReason =
        'no workload with GPUs on this host: nothing to place (add Proxmox VM configs or a workloads file)';
      return;
    }
    try {
      h.placement = planHost(
        target,
        { ...hostOptions(target, options), arrivals },
        h,
        fleet?.hosts[i]?.solved,
      );
    } catch (e) {
      if (!(e instanceof PlacementError)) throw e;
      h.placementReason = e.message;
    }
  });
  if (fleet && snapshots.length > 1)
    analysis.fleet.placement = {
      objective: fleet.objective,
      bound: fleet.bound,
      gap: fleet.gap,
      searchCap: fleet.search.budgetReached ? fleet.search.budget : null,
      migrations: fleet.migrations.map((m) => {
        const w = snapshots.flatMap((s) => s.workloads).find((x) => x.name === m.workload);
        const to = m.to === null ? '<target node>' : shq(m.to);
        return {
          ...m,
          command: oneLine(
            w && isVm(w)
              ? `qm migrate ${w.vm?.vmid ?? '<VMID>'} ${to}`
              : `move ${shq(m.workload)} to ${m.to === null ? '<target host>' : shq(m.to)}`,
          ),
        };
      }),
    };
  return analysis;
}
