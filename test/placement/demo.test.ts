import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { Analysis } from '../../scoring/analyze.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';

const plan = (name: string) => {
  const a = Analysis.parse(analyzeAndPlan(ingestHosts(scenarioFiles(name)).snapshots));
  return { host: a.hosts[0]!, placement: a.hosts[0]!.placement! };
};

describe('placement of the H200 demo', () => {
  const { placement: p } = plan('h200');

  it('puts the split training job on NVLink group A (GPUs 0–3) with NUMA-0 cores', () => {
    const t = p.targets['train-vision-b']!;
    expect(t.gpus.every((g) => g <= 3)).toBe(true);
    expect(t.numaNode).toBe(0);
    // NUMA node 0 of the demo host: CPUs 0-55,112-167
    const node0 = new Set([...Array(56).keys(), ...Array.from({ length: 56 }, (_, k) => 112 + k)]);
    const cpus = t.cpus!.split(',').flatMap((r) => {
      const [a, b] = r.split('-').map(Number) as [number, number | undefined];
      return Array.from({ length: (b ?? a) - a + 1 }, (_, k) => a + k);
    });
    expect(cpus.every((c) => node0.has(c))).toBe(true);
  });

  it('packs the two inference VMs into 1g.18gb MIG slices on one GPU', () => {
    const chat = p.targets['infer-chat']!;
    const embed = p.targets['infer-embed']!;
    expect(chat.form).toBe('MIG 1g.18gb');
    expect(embed.form).toBe('MIG 1g.18gb');
    expect(chat.gpus).toEqual(embed.gpus);
    expect(p.commands.some((c) => c.command === `nvidia-smi mig -i ${chat.gpus[0]} -cgi 19,19 -C`)).toBe(
      true,
    );
  });

  it('is graded A or B afterwards, with computed gains and no avoidable NUMA mismatch or NVLink split left', () => {
    expect(['A', 'B']).toContain(p.after.score?.grade);
    expect(p.after.findings.filter((f) => f.rule === 'numa-mismatch' || f.rule === 'nvlink-split')).toEqual(
      [],
    );
    const models = p.expected.map((g) => g.model);
    expect(models).toEqual(
      expect.arrayContaining(['efficiency-score', 'ring-allreduce', 'numa-remote-h2d', 'gpus-freed']),
    );
    const ring = p.expected.find((g) => g.model === 'ring-allreduce')!;
    expect(ring.before).toBe(51.5);
    expect(ring.after).toBe(6.7);
    expect(p.objective.value).toBeCloseTo(
      p.objective.scoreAfter! - p.objective.moveCost * p.objective.moves,
      6,
    );
    expect(p.after.score?.value).toBe(p.objective.scoreAfter);
  });

  it('moves only what it must, and every move names the findings it resolves', () => {
    expect(p.moves.map((m) => m.workload).sort()).toEqual([
      'infer-chat',
      'infer-embed',
      'train-rec-c',
      'train-vision-b',
    ]);
    expect(p.targets['train-llm-a']!.gpus).toEqual([0, 1]);
    for (const m of p.moves) expect(m.resolves.length).toBeGreaterThan(0);
  });
});

describe('placement of the L40S demo', () => {
  const { placement: p } = plan('l40s');
  it('uses no MIG and fixes the cross-socket job', () => {
    expect(Object.values(p.targets).some((t) => t.form.startsWith('MIG'))).toBe(false);
    expect(p.commands.some((c) => c.command.includes('-mig 1'))).toBe(false);
    expect(p.after.findings.some((f) => f.rule === 'cross-socket' || f.rule === 'numa-mismatch')).toBe(false);
    expect(['A', 'B']).toContain(p.after.score?.grade);
  });
});
