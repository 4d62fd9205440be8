/**
 * Placement constraints and guarantees: `pin` and `reserve`, their errors, memory that must fit, a host
 * that is already optimal, findings a feasible placement avoids, and the fleet bound.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import { applyPlan } from '../../scoring/placement/apply.ts';
import { fleetBound, planFleet } from '../../scoring/placement/fleet.ts';
import { analyzeAndPlan, PlacementError, planHost } from '../../scoring/placement/index.ts';
import { buildJobs, type Choice, solve } from '../../scoring/placement/solve.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import type { InputFile } from '../../tools/ingest/index.ts';
import {
  A100_PAIRS_TOPO,
  host,
  L40S_TOPO,
  REAL_TOPO,
  scenario,
  smiCsv,
  workloads,
} from '../helpers/placement.ts';
import { randomHost } from '../helpers/random-host.ts';

const topo = (name: string): InputFile => ({
  name: 'topo.txt',
  content: readFileSync(new URL(name, REAL_TOPO), 'utf8'),
});

function placementError(fn: () => unknown): PlacementError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlacementError);
    return e as PlacementError;
  }
  throw new Error('expected a PlacementError');
}

const RULES_A_PLACEMENT_AVOIDS = ['numa-mismatch', 'nvlink-split'];

/** Findings of `rules` that name a workload. */
const workloadFindings = (findings: readonly { rule: string; workloads: string[] }[]) =>
  findings.filter((f) => RULES_A_PLACEMENT_AVOIDS.includes(f.rule) && f.workloads.length > 0);

describe('pin', () => {
  const snap = scenario('h200');
  const free = planHost(snap);

  it('keeps a pinned workload exactly where it is, even when moving it scores higher', () => {
    // unpinned, train-vision-b moves (it is split across the NVLink groups)
    expect(free.moves.some((m) => m.workload === 'train-vision-b')).toBe(true);
    const w = snap.workloads.find((x) => x.name === 'train-vision-b')!;
    const plan = planHost(snap, { pin: ['train-vision-b'] });
    expect(plan.targets['train-vision-b']).toEqual({
      gpus: [3, 5],
      form: 'whole',
      cpus: '24-39,136-151',
      numaNode: null,
      numaNodes: [0, 1],
    });
    expect(w.gpus).toEqual([3, 5]);
    expect(plan.moves.some((m) => m.workload === 'train-vision-b')).toBe(false);
    // not restarted: no command touches VM 102
    expect(plan.commands.some((c) => / 102\b/.test(c.command))).toBe(false);
    expect(plan.objective.value).toBeLessThan(free.objective.value);
    // the others still move, and never onto its GPUs
    expect(plan.moves.length).toBeGreaterThan(0);
    for (const [name, t] of Object.entries(plan.targets))
      if (name !== 'train-vision-b') expect(t.gpus.filter((i) => i === 3 || i === 5)).toEqual([]);
  });

  it('a pinned workload keeps its CPUs too (re-pinning them would restart it)', () => {
    // train-rec-c runs on GPU2 (NUMA 0) with CPUs of NUMA 1
    const plan = planHost(snap, { pin: ['train-rec-c'] });
    expect(plan.targets['train-rec-c']).toMatchObject({ gpus: [2], form: 'whole', cpus: '56-71,168-183' });
    expect(plan.commands.some((c) => / 103\b/.test(c.command))).toBe(false);
    // nobody else is given its CPUs
    const theirs = new Set([...Array(16).keys()].flatMap((k) => [56 + k, 168 + k]));
    for (const [name, t] of Object.entries(plan.targets))
      if (name !== 'train-rec-c' && t.cpus)
        for (const part of t.cpus.split(',')) {
          const [a, b] = part.split('-').map(Number);
          for (let c = a!; c <= (b ?? a!); c++) expect(theirs.has(c), `${name}: CPU ${c}`).toBe(false);
        }
  });

  it('pinning every workload gives the current placement and no commands', () => {
    const plan = planHost(snap, { pin: snap.workloads.map((w) => w.name) });
    expect(plan.moves).toEqual([]);
    expect(plan.commands).toEqual([]);
    expect(plan.objective.moves).toBe(0);
    for (const w of snap.workloads) expect(plan.targets[w.name]!.gpus).toEqual(w.gpus);
    expect(plan.after.score?.value).toBe(analyzeHost(snap).score?.value);
  });
});

describe('reserve', () => {
  for (const [name, planned] of [
    ['h200', 8],
    ['l40s', 0],
  ] as const)
    it(`${name}: every reserved GPU stays out of every target (or there is no placement)`, () => {
      const snap = scenario(name);
      let plans = 0;
      for (const g of snap.gpus) {
        let plan: ReturnType<typeof planHost>;
        try {
          plan = planHost(snap, { reserve: [g.index!] });
        } catch (e) {
          // the L40S host's workloads need all 4 GPUs
          expect(e).toBeInstanceOf(PlacementError);
          expect((e as Error).message).toBe(
            'no feasible placement: the workloads need more GPUs than are free',
          );
          continue;
        }
        plans++;
        for (const [w, t] of Object.entries(plan.targets))
          expect(t.gpus, `${name} reserve GPU${g.index}: ${w}`).not.toContain(g.index);
      }
      expect(plans).toBe(planned);
    });

  it('moves a workload off a reserved GPU, and reserving the GPUs the best plan wants changes it', () => {
    const snap = scenario('h200');
    const plan = planHost(snap, { reserve: [2, 3] });
    const used = Object.values(plan.targets).flatMap((t) => t.gpus);
    expect(used).not.toContain(2);
    expect(used).not.toContain(3);
    // train-rec-c sat on GPU2
    expect(plan.moves.some((m) => m.workload === 'train-rec-c')).toBe(true);
    expect(plan.targets['train-vision-b']!.gpus).not.toEqual([2, 3]);
  });

  it('reserving so much that a workload has no room is a PlacementError', () => {
    const snap = scenario('l40s');
    const e = placementError(() => planHost(snap, { reserve: [0, 1, 2] }));
    expect(e.message).toMatch(/^no placement for train-diffusion: it needs 2 GPU\(s\)/);
  });
});

describe('errors name the bad option', () => {
  const snap = scenario('h200');

  it('an unknown workload name for --pin', () => {
    expect(placementError(() => planHost(snap, { pin: ['nope'] })).message).toBe(
      "--pin: no workload named 'nope'",
    );
    expect(placementError(() => analyzeAndPlan([snap], { pin: ['nope'] })).message).toBe(
      "--pin: no workload named 'nope'",
    );
  });

  it('a GPU the host does not have for --reserve', () => {
    expect(placementError(() => planHost(snap, { reserve: [99] })).message).toBe(
      '--reserve: this host has no GPU99',
    );
    expect(placementError(() => analyzeAndPlan([snap], { reserve: [8] })).message).toBe(
      '--reserve: this host has no GPU8',
    );
  });

  it('pinning a workload onto a reserved GPU', () => {
    expect(placementError(() => planHost(snap, { pin: ['infer-chat'], reserve: [6] })).message).toBe(
      '--pin infer-chat: it holds GPU6, which --reserve keeps free',
    );
    expect(() => analyzeAndPlan([snap], { pin: ['infer-chat'], reserve: [6] })).toThrow(PlacementError);
  });

  it('in a fleet, a pin or a reserved GPU that holds on one host is fine; on none it is an error', () => {
    const l40s = scenario('l40s');
    const a = analyzeAndPlan([snap, l40s], { pin: ['train-llm-a'], reserve: [5] });
    for (const h of a.hosts) {
      expect(h.placementReason ?? null, h.host ?? '').toBeNull();
      expect(h.placement).toBeDefined();
    }
    const h200 = a.hosts.find((h) => h.host === snap.host)!;
    expect(h200.placement!.targets['train-llm-a']!.gpus).toEqual([0, 1]);
    for (const t of Object.values(h200.placement!.targets)) expect(t.gpus).not.toContain(5);
    expect(placementError(() => analyzeAndPlan([snap, l40s], { pin: ['nope'] })).message).toBe(
      "--pin: no workload named 'nope' on any host",
    );
    expect(placementError(() => analyzeAndPlan([snap, l40s], { reserve: [8] })).message).toBe(
      '--reserve: no host has a GPU8',
    );
  });
});

describe('memory must fit', () => {
  /** GPU0, GPU2: H100 PCIe 80 GB; GPU1, GPU3: L40S 48 GB (NUMA 0: GPU0–1, NUMA 1: GPU2–3). */
  const mixed = (usedMiB: number, memoryGiB?: number) =>
    host([
      topo(L40S_TOPO),
      smiCsv([
        ['NVIDIA H100 PCIe', usedMiB, 81559, 80],
        ['NVIDIA L40S', 0, 46068, 0],
        ['NVIDIA H100 PCIe', 0, 81559, 0],
        ['NVIDIA L40S', 0, 46068, 0],
      ]),
      workloads([
        { name: 'big', kind: 'training', gpus: [0], cpus: '96-111', ...(memoryGiB ? { memoryGiB } : {}) },
      ]),
    ]);

  it('a workload declaring more memory than a GPU has is never placed on it', () => {
    const snap = mixed(20000, 60);
    expect(snap.gpus.map((g) => g.memory.totalMiB)).toEqual([81559, 46068, 81559, 46068]);
    const jobs = buildJobs(buildContext(snap));
    const gpus = jobs[0]!.choices.flatMap((c) => (c.type === 'whole' ? c.gpus : [c.gpu]));
    expect([...new Set(gpus)].sort()).toEqual([0, 2]);
    const plan = planHost(snap);
    expect([[0], [2]]).toContainEqual(plan.targets.big!.gpus);
  });

  it('without a declaration, the memory it uses today must fit (70 GB does not go to a 45 GB L40S)', () => {
    const snap = mixed(70000);
    const plan = planHost(snap);
    expect([[0], [2]]).toContainEqual(plan.targets.big!.gpus);
    // the same job using 20 GB may go anywhere
    const jobs = buildJobs(buildContext(mixed(20000)));
    expect(jobs[0]!.choices).toHaveLength(4);
  });

  it('a workload no GPU can hold is a PlacementError naming it and its memory', () => {
    const e = placementError(() => planHost(mixed(20000, 200)));
    expect(e.message).toBe(
      'no placement for big: it needs 1 GPU(s) with 200 GiB and 4 GPU(s) are not reserved',
    );
  });
});

describe('a host whose workloads are already optimal', () => {
  function replan(snap: Snapshot) {
    const ctx = buildContext(snap);
    const jobs = buildJobs(ctx);
    return applyPlan(ctx, jobs, solve(ctx, jobs).choices).snapshot;
  }

  it('the L40S demo after its own plan: zero moves, no commands, score unchanged', () => {
    const planned = replan(scenario('l40s'));
    const plan = planHost(planned);
    expect(plan.moves).toEqual([]);
    expect(plan.commands).toEqual([]);
    expect(plan.objective.moves).toBe(0);
    const before = analyzeHost(planned).score!.value;
    expect(plan.after.score!.value).toBe(before);
    expect(plan.objective.value).toBe(before);
  });

  it('synthetic hosts already placed well: zero moves and the same score', () => {
    const hosts = [
      host([
        topo(L40S_TOPO),
        smiCsv([
          ['NVIDIA L40S', 30000, 46068, 90],
          ['NVIDIA L40S', 30000, 46068, 90],
          ['NVIDIA L40S', 20000, 46068, 60],
          ['NVIDIA L40S', 0, 46068, 0],
        ]),
        workloads([
          { name: 'ddp', kind: 'training', gpus: [0, 1], cpus: '0-15' },
          { name: 'etl', kind: 'other', gpus: [2], cpus: '96-103' },
        ]),
      ]),
      host([
        topo(A100_PAIRS_TOPO),
        smiCsv(
          Array.from({ length: 8 }, (_, i) => [
            'NVIDIA A100-SXM4-80GB',
            i < 4 ? 60000 : 0,
            81920,
            i < 4 ? 95 : 0,
          ]),
        ),
        workloads([
          { name: 'a', kind: 'training', gpus: [0, 1], cpus: '0-7' },
          { name: 'b', kind: 'training', gpus: [2, 3], cpus: '8-15' },
        ]),
      ]),
    ];
    for (const snap of hosts) {
      const plan = planHost(snap);
      expect(plan.moves).toEqual([]);
      expect(plan.commands).toEqual([]);
      expect(plan.after.score!.value).toBe(analyzeHost(snap).score!.value);
    }
  });
});

/**
 * Is there a placement (whole GPUs, disjoint, as buildJobs offers them) whose analysis has no finding of
 * RULES_A_PLACEMENT_AVOIDS for any workload? Each candidate is scored by the analysis engine.
 */
function cleanPlacementExists(snap: Snapshot): boolean {
  const ctx = buildContext(snap);
  const jobs = buildJobs(ctx);
  const choices = jobs.map((j) => j.choices.filter((c) => c.type === 'whole'));
  const taken: Choice[] = [];
  const rec = (j: number, used: Set<number>): boolean => {
    if (j === jobs.length) {
      const after = analyzeHost(applyPlan(ctx, jobs, taken).snapshot);
      return workloadFindings(after.findings).length === 0;
    }
    for (const c of choices[j]!) {
      const gpus = (c as Extract<Choice, { type: 'whole' }>).gpus;
      if (gpus.some((i) => used.has(i))) continue;
      taken.push(c);
      const ok = rec(j + 1, new Set([...used, ...gpus]));
      taken.pop();
      if (ok) return true;
    }
    return false;
  };
  return rec(0, new Set());
}

describe('after the plan: no NUMA mismatch or NVLink split that a feasible placement avoids', () => {
  for (const name of ['h200', 'l40s'] as const)
    it(`${name} demo`, () => {
      const snap = scenario(name);
      expect(workloadFindings(analyzeHost(snap).findings).length).toBeGreaterThan(0);
      const plan = planHost(snap);
      expect(workloadFindings(plan.after.findings)).toEqual([]);
      expect(plan.after.findings.some((f) => f.rule === 'cross-socket')).toBe(false);
    });

  const A100 = 'NVIDIA A100-SXM4-80GB';
  const synthetic: [string, InputFile[]][] = [
    [
      'L40S: DDP across sockets with CPUs of one node',
      [
        topo(L40S_TOPO),
        smiCsv([
          ['NVIDIA L40S', 0, 46068, 0],
          ['NVIDIA L40S', 30000, 46068, 90],
          ['NVIDIA L40S', 30000, 46068, 90],
          ['NVIDIA L40S', 0, 46068, 0],
        ]),
        workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-15' }]),
      ],
    ],
    [
      'L40S topology only (no utilisation, so no score): the same DDP job',
      [topo(L40S_TOPO), workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-15' }])],
    ],
    [
      'A100 NVLink pairs: two jobs each split over a PCIe hop, one with CPUs on the other socket',
      [
        topo(A100_PAIRS_TOPO),
        smiCsv(
          Array.from({ length: 8 }, (_, i) => [
            A100,
            [1, 2, 5, 6].includes(i) ? 60000 : 0,
            81920,
            [1, 2, 5, 6].includes(i) ? 90 : 0,
          ]),
        ),
        workloads([
          { name: 'a', kind: 'training', gpus: [1, 2], cpus: '32-39' },
          { name: 'b', kind: 'training', gpus: [5, 6], cpus: '40-47' },
        ]),
      ],
    ],
    [
      'A100 NVLink pairs, topology only: two jobs split over the sockets',
      [
        topo(A100_PAIRS_TOPO),
        workloads([
          { name: 'x', kind: 'training', gpus: [0, 4], cpus: '0-15' },
          { name: 'y', kind: 'training', gpus: [2, 6], cpus: '32-35' },
        ]),
      ],
    ],
  ];
  for (const [label, files] of synthetic)
    it(label, () => {
      const snap = host(files);
      expect(
        workloadFindings(analyzeHost(snap).findings).length,
        'the premise: a finding today',
      ).toBeGreaterThan(0);
      expect(cleanPlacementExists(snap), 'the premise: a clean placement exists').toBe(true);
      const plan = planHost(snap);
      expect(workloadFindings(plan.after.findings)).toEqual([]);
    });

  it('seeded random hosts: whenever a clean placement exists, the plan is clean', () => {
    let checked = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const snap = randomHost(seed);
      if (buildJobs(buildContext(snap)).length === 0) continue;
      if (workloadFindings(analyzeHost(snap).findings).length === 0 || !cleanPlacementExists(snap)) continue;
      checked++;
      expect(workloadFindings(planHost(snap).after.findings), `seed ${seed}`).toEqual([]);
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('planFleet: bound and gap', () => {
  const check = (snapshots: Snapshot[], label: string) => {
    const f = planFleet(snapshots);
    expect(f.bound, label).toBeGreaterThanOrEqual(f.objective);
    expect(f.gap, label).toBeCloseTo(f.bound - f.objective, 2);
    expect(f.gap).toBeGreaterThanOrEqual(0);
    expect(f.bound).toBe(Math.round(fleetBound(snapshots) * 100) / 100);
    return f;
  };

  it('the two demo servers together', () => {
    const f = check([scenario('h200'), scenario('l40s')], 'h200 + l40s');
    expect(f.hosts).toHaveLength(2);
    expect(f.bound).toBeLessThanOrEqual(100);
  });

  it('seeded random fleets of two hosts', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const a = randomHost(seed * 3);
      const b = randomHost(seed * 3 + 1);
      b.host = 'other';
      b.workloads = b.workloads.map((w) => ({ ...w, name: `b-${w.name}` }));
      check([a, b], `seed ${seed}`);
    }
  });

  it('a host with GPUs of two sizes (a job may move to a smaller GPU, where its memory share is larger)', () => {
    const snap = host([
      topo(L40S_TOPO),
      smiCsv([
        ['NVIDIA H100 PCIe', 30000, 81559, 80],
        ['NVIDIA L40S', 0, 46068, 0],
        ['NVIDIA H100 PCIe', 0, 81559, 0],
        ['NVIDIA L40S', 0, 46068, 0],
      ]),
      workloads([{ name: 'job', kind: 'training', gpus: [0], cpus: '0-7' }]),
    ]);
    check([snap], 'mixed host');
  });
});
