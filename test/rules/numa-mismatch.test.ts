import { describe, expect, it } from 'vitest';
import { round } from '../../scoring/findings.ts';
import {
  gpu,
  ingestAll,
  lineRate,
  one,
  real,
  run,
  runOn,
  scenario,
  snapshot,
  texts,
  workload,
  workloads,
} from './helpers.ts';

const L40S_TOPO = 'topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt';
/** DGX H100, concurrent D2H with vs without NUMA pinning (S40). */
const REMOTE_RATIO = 13.5 / 33;

/** The numa-remote-h2d model for a GPU's PCIe line rate. */
function remoteModel(gen: number, width: number) {
  const local = round(lineRate(gen, width), 1);
  return { local, remote: round(local * REMOTE_RATIO, 1), drop: round((1 - REMOTE_RATIO) * 100, 0) };
}

describe('numa-mismatch on real outputs', () => {
  it('a job pinned to socket 0 holding the two L40S of socket 1 (real topo -m)', () => {
    const f = one(
      runOn('numa-mismatch', [
        real(L40S_TOPO),
        workloads([{ name: 'train', kind: 'training', gpus: [2, 3], cpus: '0-95' }]),
      ]),
    );
    expect(f.severity).toBe('warning');
    expect(f.gpus).toEqual([2, 3]);
    expect(f.workloads).toEqual(['train']);
    expect(f.evidence).toEqual([
      { source: 'workloads.json', text: 'train: cpus 0-95' },
      { source: L40S_TOPO, text: 'GPU2: CPU Affinity 96-191,288-383, NUMA Affinity 1' },
      { source: L40S_TOPO, text: 'GPU3: CPU Affinity 96-191,288-383, NUMA Affinity 1' },
    ]);
    // topo -m alone: no numactl table, the job's node is read from the GPUs' affinities
    expect(f.detail.en).toContain('runs on CPUs of NUMA node 0, but GPU2, GPU3 are attached to NUMA node 1');
    expect(f.recommendation.en).toContain('Pin train to CPUs 96-191,288-383 (NUMA node 1');
    // no smi data: the PCIe generation falls back to Gen4, the width to x16
    const m = remoteModel(4, 16);
    expect(m).toEqual({ local: 31.5, remote: 12.9, drop: 59 });
    expect(f.impact).toEqual({
      model: 'numa-remote-h2d',
      value: -m.drop,
      unit: '%',
      summary: {
        en: `host↔GPU copy bandwidth about ${m.remote} GB/s instead of ${m.local} GB/s (−${m.drop}%)`,
        ko: expect.any(String),
      },
      figures: {
        pcie_gen: 4,
        pcie_width: 16,
        local_line_rate_GBs: m.local,
        remote_over_local: round(REMOTE_RATIO, 3),
        remote_GBs: m.remote,
      },
      sources: ['S40'],
    });
  });

  it('names only the GPUs that have no local CPU in the affinity', () => {
    const f = one(
      runOn('numa-mismatch', [
        real(L40S_TOPO),
        workloads([{ name: 'train', kind: 'training', gpus: [1, 2], cpus: '0-95,192-287' }]),
      ]),
    );
    expect(f.gpus).toEqual([2]);
    expect(texts(f)).toEqual([
      'train: cpus 0-95,192-287',
      'GPU2: CPU Affinity 96-191,288-383, NUMA Affinity 1',
    ]);
  });

  it('does not fire when one CPU of the affinity is local, when the job is not pinned, or its GPUs are local', () => {
    const f = runOn('numa-mismatch', [
      real(L40S_TOPO),
      workloads([
        { name: 'both-sockets', kind: 'training', gpus: [0, 2], cpus: '0-383' },
        { name: 'one-cpu-local', kind: 'training', gpus: [2], cpus: '0-95,100' },
        { name: 'unpinned', kind: 'training', gpus: [3] },
        { name: 'local', kind: 'inference', gpus: [1], cpus: '10-20' },
      ]),
    ]);
    expect(f).toEqual([]);
  });

  it('does not fire when the GPU NUMA locality is unknown (real topo with blank CPU/NUMA affinity)', () => {
    const snap = ingestAll([
      real('topo/a100-sxm4-80gb-2gpu-container-nv12-8nic-BLANK-cpu-numa-affinity-legend-cut.txt'),
      workloads([{ name: 'pinned', kind: 'training', gpus: [0, 1], cpus: '0-7' }]),
    ]);
    expect(snap.gpus.map((g) => [g.numaNode, g.cpuAffinity])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(run('numa-mismatch', snap)).toEqual([]);
  });

  it('H200 demo: the VMs whose affinity sits on the other socket, at the H200 NVL Gen5 line rate', () => {
    const found = runOn('numa-mismatch', scenario('h200'));
    expect(found.map((f) => [f.workloads, f.gpus])).toEqual([
      [['train-vision-b'], [5]],
      [['train-rec-c'], [2]],
    ]);
    const rec = found[1]!;
    expect(rec.evidence).toEqual([
      { source: 'h200/qemu-server/103.conf', text: 'affinity: 56-71,168-183' },
      { source: 'h200/bundle.txt#topo-m', text: 'GPU2: CPU Affinity 0-55,112-167, NUMA Affinity 0' },
    ]);
    expect(rec.detail.en).toContain('NUMA node 1, but GPU2 is attached to NUMA node 0');
    const m = remoteModel(5, 16);
    expect(m).toEqual({ local: 63, remote: 25.8, drop: 59 });
    expect(rec.impact?.value).toBe(-m.drop);
    expect(rec.impact?.figures).toMatchObject({
      pcie_gen: 5,
      local_line_rate_GBs: m.local,
      remote_GBs: m.remote,
    });
  });
});

describe('numa-mismatch on synthetic snapshots', () => {
  const cpu = {
    model: null,
    sockets: 2,
    coresPerSocket: 8,
    threadsPerCore: 1,
    logicalCpus: 16,
    numaNodes: [
      { id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7], memoryMiB: null, freeMiB: null },
      { id: 1, cpus: [8, 9, 10, 11, 12, 13, 14, 15], memoryMiB: null, freeMiB: null },
    ],
    distances: null,
  };

  it('a GPU known only by its NUMA node: its local CPUs are the node CPUs; line rate from its own max link', () => {
    const snap = snapshot({
      cpu,
      gpus: [
        gpu(0, (g) => {
          g.numaNode = 1;
          g.pcie = { genCurrent: 3, genMax: 3, widthCurrent: 8, widthMax: 8 };
        }),
      ],
      workloads: [workload('etl', 'other', [0], { cpus: [0, 1, 2, 3] })],
    });
    const f = one(run('numa-mismatch', snap));
    expect(f.evidence[1]?.text).toBe('GPU0: CPU Affinity 8-15, NUMA Affinity 1');
    expect(f.detail.en).toContain('runs on CPUs of NUMA node 0, but GPU0 is attached to NUMA node 1');
    const m = remoteModel(3, 8);
    expect(m.local).toBe(7.9);
    expect(f.impact?.figures).toEqual({
      pcie_gen: 3,
      pcie_width: 8,
      local_line_rate_GBs: m.local,
      remote_over_local: 0.409,
      remote_GBs: m.remote,
    });
  });

  it('no finding when the GPU has neither a NUMA node nor a CPU affinity', () => {
    const snap = snapshot({
      cpu,
      gpus: [gpu(0)],
      workloads: [workload('etl', 'other', [0], { cpus: [0, 1] })],
    });
    expect(run('numa-mismatch', snap)).toEqual([]);
  });

  it('no finding for an unpinned (cpus null) or empty-affinity workload', () => {
    const g = gpu(0, (x) => {
      x.numaNode = 1;
    });
    expect(
      run('numa-mismatch', snapshot({ cpu, gpus: [g], workloads: [workload('a', 'training', [0])] })),
    ).toEqual([]);
    expect(
      run(
        'numa-mismatch',
        snapshot({ cpu, gpus: [g], workloads: [workload('b', 'training', [0], { cpus: [] })] }),
      ),
    ).toEqual([]);
  });

  it('a VM affinity is cited as the Proxmox line', () => {
    const snap = snapshot({
      cpu,
      gpus: [
        gpu(0, (g) => {
          g.numaNode = 0;
        }),
      ],
      workloads: [
        workload('vm-101', 'training', [0], {
          cpus: [8, 9],
          source: { file: 'qemu-server/101.conf', format: 'proxmox-vm' },
          vm: {
            vmid: 101,
            hostpci: [],
            affinity: '8-9',
            numa: null,
            numaNodes: [],
            cores: 2,
            sockets: 1,
            memoryMiB: null,
            machine: null,
            tags: [],
          },
        }),
      ],
    });
    const f = one(run('numa-mismatch', snap));
    expect(f.evidence[0]).toEqual({ source: 'qemu-server/101.conf', text: 'affinity: 8-9' });
  });
});
