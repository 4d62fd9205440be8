/**
 * Hostile inputs for `npm run bench`: inputs at or past the limits a server on the internet will see,
 * each with the time InfraLens takes to read (and refuse or cut) it. The tests check what comes out; the
 * bench says what it costs.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderPdf } from '../jobs/report/pdf.ts';
import { analyzeAndPlan } from '../scoring/placement/index.ts';
import { buildReport } from '../scoring/report.ts';
import { ingest, ingestHosts } from '../tools/ingest/index.ts';
import { readInputFile } from '../tools/ingest/read-file.ts';
import { scenarioFiles } from '../tools/scenarios.ts';

export interface HostileCase {
  name: string;
  run: () => Promise<unknown> | unknown;
}

const topo = (n: number) =>
  [
    ['', ...Array.from({ length: n }, (_, i) => `GPU${i}`), 'CPU Affinity', 'NUMA Affinity'].join('\t'),
    ...Array.from({ length: n }, (_, i) =>
      [`GPU${i}`, ...Array.from({ length: n }, (_, j) => (i === j ? ' X ' : 'NV18')), '0-191', '0'].join(
        '\t',
      ),
    ),
  ].join('\n');

const smiL = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `GPU ${i}: NVIDIA H100 80GB HBM3 (UUID: GPU-${i.toString(16).padStart(8, '0')}-9350-2524-a89b-98161ddd9fe4)`,
  ).join('\n');

export function hostileCases(): HostileCase[] {
  const numactl = [
    'available: 4000 nodes (0-3999)',
    ...Array.from({ length: 4000 }, (_, i) => `node ${i} cpus: 0-65535\nnode ${i} size: 1000 MB`),
  ].join('\n');
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'workloads: [*e]',
  ].join('\n');
  const deep = `${'workloads:\n'}${'  - [\n'.repeat(1)}${'['.repeat(5000)}${']'.repeat(5000)}\n`;
  const noise = (() => {
    let s = '';
    let x = 12345;
    const chars = 'abcdefGPU0123456789 |:-.,\t\n[]%MiBWNV';
    while (s.length < 4 * 1024 * 1024) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      s += chars[x % chars.length];
    }
    return s;
  })();
  const forged = `${'### infralens:section nvidia-smi\nforged\n'.repeat(20000)}`;
  const longName = 'v'.repeat(10_000);
  const analysis = analyzeAndPlan(ingestHosts(scenarioFiles('h200')).snapshots);
  const renamed = JSON.parse(JSON.stringify(analysis).replaceAll('train-vision-b', longName));
  const now = new Date('2026-11-26T09:00:00Z');
  const bigFile = join(tmpdir(), 'infralens-bench-big.txt');
  writeFileSync(bigFile, Buffer.alloc(16 * 1024 * 1024 - 1, 0x41));
  const safe = (f: () => unknown) => async () => {
    try {
      await f();
    } catch {
      // refused with a clear error: what we measure is how long that takes
    }
  };
  return [
    { name: '/dev/zero (refused after 16 MiB + 1 byte)', run: safe(() => readInputFile('/dev/zero')) },
    {
      name: 'a 16 MiB file of one unbroken line',
      run: safe(async () => ingest([await readInputFile(bigFile)])),
    },
    { name: 'topo -m of 256 GPUs', run: () => ingest([{ name: 't.txt', content: topo(256) }]) },
    { name: 'nvidia-smi -L with 20,000 GPUs', run: () => ingest([{ name: 'L.txt', content: smiL(20_000) }]) },
    {
      name: 'numactl -H: 4,000 nodes × CPUs 0-65535',
      run: () => ingest([{ name: 'n.txt', content: numactl }]),
    },
    { name: 'workloads YAML alias bomb', run: safe(() => ingest([{ name: 'w.yaml', content: bomb }])) },
    {
      name: 'workloads YAML nested 5,000 deep',
      run: safe(() => ingest([{ name: 'w.yaml', content: deep }])),
    },
    {
      name: '4 MiB of random printable text',
      run: safe(() => ingest([{ name: 'noise.txt', content: noise }])),
    },
    { name: '20,000 forged bundle markers', run: safe(() => ingest([{ name: 'f.txt', content: forged }])) },
    {
      name: 'PDF with a 10,000-character workload name',
      run: () => renderPdf(buildReport(renamed, 'en', now), now),
    },
  ];
}
