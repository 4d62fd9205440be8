import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../bin/cli.ts';
import { Analysis, analyzeFleet } from '../scoring/analyze.ts';
import { ingestHosts } from '../tools/ingest/index.ts';

function analyse(name: string) {
  const { snapshots, rejected } = ingestHosts(scenarioFiles(name));
  expect(rejected).toEqual([]);
  const a = Analysis.parse(analyzeFleet(snapshots));
  expect(a.hosts).toHaveLength(1);
  return a.hosts[0]!;
}

describe('demo scenario: H200 ×8 (two NVLink groups, one per socket)', () => {
  const h = analyse('h200');
  const by = (rule: string) => h.findings.filter((f) => f.rule === rule);

  it('reproduces the product demo: grade C, about 62', () => {
    expect(h.score?.grade).toBe('C');
    expect(h.score!.value).toBeGreaterThanOrEqual(61);
    expect(h.score!.value).toBeLessThanOrEqual(63);
  });

  it('finds the NUMA mismatch on GPUs 2 and 5, and only there', () => {
    expect(
      by('numa-mismatch')
        .flatMap((f) => f.gpus)
        .sort(),
    ).toEqual([2, 5]);
  });

  it('finds the distributed training job split across the NVLink groups (GPU3 and GPU5 not NVLink-connected)', () => {
    const [split] = by('nvlink-split');
    expect(split?.workloads).toEqual(['train-vision-b']);
    expect(split?.gpus).toEqual([3, 5]);
    expect(split?.evidence.map((e) => e.text)).toContain('topo -m: GPU3 ↔ GPU5 = SYS');
    expect(split?.impact?.model).toBe('ring-allreduce');
  });

  it('finds the inference VMs holding whole H200s that fit 1g.18gb MIG slices', () => {
    const mig = by('mig-candidate');
    expect(mig.map((f) => f.workloads[0]).sort()).toEqual(['infer-chat', 'infer-embed']);
    for (const f of mig) expect(f.impact?.figures.profile).toBe('1g.18gb');
  });

  it('reports the spare GPU and the starved single-GPU job', () => {
    expect(by('gpu-idle').map((f) => f.gpus)).toEqual([[4]]);
    expect(by('io-bound').map((f) => f.workloads)).toEqual([['train-rec-c']]);
  });

  it('every number in a finding impact summary is one of its figures (no invented numbers)', () => {
    for (const f of h.findings) {
      if (!f.impact) continue;
      const known = new Set([
        ...Object.values(f.impact.figures).map(String),
        String(f.impact.value),
        String(Math.abs(f.impact.value)),
      ]);
      const text = f.impact.summary.en.replace(/GPU\d+/g, '');
      for (const n of text.match(/\d+(?:\.\d+)?/g) ?? [])
        expect(known.has(n), `${f.rule}: ${n} in "${f.impact.summary.en}"`).toBe(true);
    }
  });
});

describe('demo scenario: L40S ×4 (PCIe only, no MIG)', () => {
  const h = analyse('l40s');
  const rules = new Set(h.findings.map((f) => f.rule));

  it('never proposes MIG on L40S', () => {
    expect(rules.has('mig-candidate')).toBe(false);
    expect(rules.has('nvlink-split')).toBe(false);
  });

  it('finds its own problems', () => {
    for (const r of [
      'share-candidate',
      'cross-socket',
      'numa-mismatch',
      'pcie-downtrained',
      'clock-throttle',
      'memory-pressure',
    ])
      expect(rules.has(r as never), r).toBe(true);
    expect(h.score?.grade).toBe('C');
  });
});

describe('a passthrough host whose GPUs are bound to vfio-pci (nvidia-smi cannot see them)', () => {
  // the H200 demo as the collector would find it on such a host: nvidia-smi and topo -m fail, sysfs and
  // the VM configs remain
  const files = scenarioFiles('h200').map((f) => {
    if (!f.name.endsWith('bundle.txt')) return f;
    let text = String(f.content);
    const token = /^### infralens:bundle v2 token=(\S+)/.exec(text)![1];
    for (const name of ['nvidia-smi-q-x', 'topo-m'])
      text = text.replace(
        new RegExp(
          `### infralens:section ${name} token=${token}\\n[\\s\\S]*?### infralens:end ${name} token=${token} rc=\\d+\\n`,
        ),
        `### infralens:section ${name} token=${token}\n### infralens:end ${name} token=${token} rc=9\n#! NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n`,
      );
    return { ...f, content: text.replaceAll('driver=nvidia', 'driver=vfio-pci') };
  });

  it('still finds the NUMA mismatches from sysfs, explains the missing score, and plans', async () => {
    const { analyzeAndPlan } = await import('../scoring/placement/index.ts');
    const a = Analysis.parse(analyzeAndPlan(ingestHosts(files).snapshots));
    const h = a.hosts[0]!;
    expect(h.gpus).toHaveLength(8);
    expect(h.score).toBeNull();
    expect(h.scoreReason?.en).toMatch(/vfio-pci/);
    expect(
      h.findings
        .filter((f) => f.rule === 'numa-mismatch')
        .flatMap((f) => f.gpus)
        .sort(),
    ).toEqual([2, 5]);
    expect(h.placement?.moves.length).toBeGreaterThan(0);
    expect(h.notes.join(' ')).not.toMatch(/rule .* failed/);
  });
});

describe('the demo bundles are v2: every marker carries the run token', () => {
  for (const name of ['h200', 'l40s'])
    it(`${name}: read without the "no marker token" warning, the same snapshot as its v1 form otherwise`, () => {
      const files = scenarioFiles(name);
      const bundle = files.find((f) => f.name.endsWith('bundle.txt'))!;
      const text = String(bundle.content);
      const token = /^### infralens:bundle v2 token=([0-9a-f]{16})\n/.exec(text)?.[1];
      expect(token).toBeDefined();
      const markers = text.split('\n').filter((l) => l.startsWith('### infralens:'));
      expect(markers.length).toBeGreaterThan(10);
      for (const m of markers) expect(m).toContain(` token=${token}`);

      const v2 = ingestHosts(files).snapshots[0]!;
      expect(v2.sources.flatMap((s) => s.warnings).filter((w) => /token/.test(w))).toEqual([]);
      // the same bundle as the first collector wrote it: only the warning differs
      const v1Text = text
        .replace(/^### infralens:bundle v2 token=\S+/, '### infralens:bundle v1')
        .replaceAll(` token=${token}`, '');
      const v1 = ingestHosts(files.map((f) => (f === bundle ? { ...f, content: v1Text } : f))).snapshots[0]!;
      const noTokenNote = (w: string) => w.startsWith('bundle without a marker token');
      expect(v1.sources.flatMap((s) => s.warnings).filter(noTokenNote)).toHaveLength(1);
      const strip = (s: typeof v1) => ({
        ...s,
        sources: s.sources.map((x) => ({ ...x, warnings: x.warnings.filter((w) => !noTokenNote(w)) })),
      });
      expect(strip(v2)).toEqual(strip(v1));
    });
});
