/** Inputs for the placement tests, built through the real ingestion path. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { type InputFile, ingestHosts } from '../../tools/ingest/index.ts';

export const REAL_TOPO = new URL('../../samples/real/topo/', import.meta.url);
export const L40S_TOPO = 'l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';
export const H100_TOPO = 'h100-sxm-8x-kvm-guest-rhelai-single-numa.txt';
export const A100_PAIRS_TOPO = 'a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt';

export const topoText = (name: string) => readFileSync(new URL(name, REAL_TOPO), 'utf8');

/** One host from the files (no file rejected). */
export function host(files: InputFile[]): Snapshot {
  const { snapshots, rejected } = ingestHosts(files);
  expect(rejected.map((r) => r.error.describe())).toEqual([]);
  expect(snapshots).toHaveLength(1);
  return snapshots[0]!;
}

export const scenario = (name: 'h200' | 'l40s') => host(scenarioFiles(name));

/** `nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv` rows. */
export function smiCsv(rows: [name: string, usedMiB: number, totalMiB: number, util: number][]): InputFile {
  return {
    name: 'query-gpu.csv',
    content: [
      'index, name, memory.used [MiB], memory.total [MiB], utilization.gpu [%]',
      ...rows.map(([n, u, t, p], i) => `${i}, ${n}, ${u} MiB, ${t} MiB, ${p} %`),
    ].join('\n'),
  };
}

export const workloads = (list: object[]): InputFile => ({
  name: 'workloads.json',
  content: JSON.stringify({ workloads: list }),
});

/**
 * Three H100 hosts (the real single-NUMA SXM guest topology) of eight single-GPU inference jobs each, with
 * memory and utilisation varied per host: the fleet case that took 698 s in the old exhaustive search.
 */
export function inferenceHosts(): Snapshot[] {
  return ['a', 'b', 'c'].map((name, h) => {
    const s = host([
      { name: 'topo.txt', content: topoText(H100_TOPO) },
      smiCsv(
        Array.from({ length: 8 }, (_, i): [string, number, number, number] => [
          'NVIDIA H100 80GB HBM3',
          4000 + 1000 * ((i + h) % 5),
          81559,
          5 + ((i * 7 + h * 3) % 20),
        ]),
      ),
      workloads(
        Array.from({ length: 8 }, (_, i) => ({ name: `${name}-infer-${i}`, kind: 'inference', gpus: [i] })),
      ),
    ]);
    s.host = `inference-${name}`;
    return s;
  });
}
