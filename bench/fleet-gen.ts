/**
 * Seeded fleets of distinct hosts built from the real fixtures, for the fleet bench and the fleet tests.
 *
 * Templates: the two demo servers (samples/scenarios: H200 NVL with Proxmox VMs, L40S with passthrough VMs)
 * and real `nvidia-smi topo -m` captures of other machines (samples/real/topo: 4× L40S on two sockets, 8×
 * H100 SXM in a KVM guest on one NUMA node, 8× A100 80GB in NVLink-bridge pairs, 8× H100 SXM with NUMA off
 * and 12 NICs, 8× RTX 4090 all SYS, 8× A100 40GB on NPS4, 4× H100 with MIG enabled — `mig -lgip` of a real
 * 4-GPU node — and 8× V100 without a NUMA column), each ingested once through `ingestHosts` with a
 * `--query-gpu` CSV naming the model. Each host is a clone of a template with its own utilisation and memory
 * per GPU and its own workloads from a seeded RNG: training jobs of 2/4/8 GPUs (most distributed), single-GPU
 * training, single-GPU inference jobs, some as Proxmox VMs with vmids, idle GPUs; a few hosts lose their
 * NUMA ids. Demo hosts keep their real VMs half of the time. Hosts are named `gpu-<n>`; workload names carry
 * the host name, so they are unique in the fleet. Same (n, seed), same fleet.
 */
import { readFileSync } from 'node:fs';
import type { Snapshot, Workload } from '../scoring/snapshot.ts';
import { type InputFile, ingestHosts } from '../tools/ingest/index.ts';
import { scenarioFiles } from '../tools/scenarios.ts';

/** Deterministic xorshift32 in [0, 1) (the same generator as test/helpers/random-host.ts). */
function rng(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const real = (p: string) => readFileSync(new URL(`../samples/real/${p}`, import.meta.url), 'utf8');

interface Template {
  snapshot: Snapshot;
  /** keep the template's real workloads (varied) half of the time: the demo servers' VMs. */
  realWorkloads: boolean;
}

function fromTopo(topo: string, model: string, totalMiB: number, extra: InputFile[] = []): Snapshot {
  const text = real(`topo/${topo}`);
  const count = (text.match(/^GPU\d+\s/gm) ?? []).length;
  const csv = [
    'index, name, memory.used [MiB], memory.total [MiB], utilization.gpu [%]',
    ...Array.from({ length: count }, (_, i) => `${i}, ${model}, 0 MiB, ${totalMiB} MiB, 0 %`),
  ].join('\n');
  const { snapshots } = ingestHosts([
    { name: 'topo.txt', content: text },
    { name: 'query-gpu.csv', content: csv },
    ...extra,
  ]);
  if (snapshots.length !== 1) throw new Error(`fleet-gen: ${topo} did not ingest as one host`);
  return snapshots[0]!;
}

let templates: Template[] | undefined;

function loadTemplates(): Template[] {
  const demo = (name: string) => ingestHosts(scenarioFiles(name)).snapshots[0]!;
  const plain = (snapshot: Snapshot): Template => ({ snapshot, realWorkloads: false });
  return [
    { snapshot: demo('h200'), realWorkloads: true },
    { snapshot: demo('l40s'), realWorkloads: true },
    plain(fromTopo('l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt', 'NVIDIA L40S', 46068)),
    plain(fromTopo('h100-sxm-8x-kvm-guest-rhelai-single-numa.txt', 'NVIDIA H100 80GB HBM3', 81559)),
    plain(
      fromTopo(
        'a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt',
        'NVIDIA A100 80GB PCIe',
        81920,
      ),
    ),
    plain(fromTopo('h100-sxm-8x-12nic-numa-off-sglang.txt', 'NVIDIA H100 80GB HBM3', 81559)),
    plain(fromTopo('rtx4090-8x-pcie-2socket-all-sys-2nic.txt', 'NVIDIA GeForce RTX 4090', 24564)),
    plain(fromTopo('a100-sxm4-40gb-8x-epyc7742-nps4-10nic-drv525.txt', 'NVIDIA A100-SXM4-40GB', 40960)),
    plain(
      fromTopo(
        'h100-4x-nv6-4nic-vm-single-cpu-affinity-lists-numa-3-1-7-5-legend-cut.txt',
        'NVIDIA H100 80GB HBM3',
        81559,
        [{ name: 'lgip.txt', content: real('mig/h100-sxm5-80gb-4gpu-node-lgip-all-gpus.txt') }],
      ),
    ),
    plain(
      fromTopo(
        'v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt',
        'Tesla V100-SXM2-32GB',
        32768,
      ),
    ),
  ];
}

/** A copy of the template that shares nothing mutable with it (GPUs and workloads are rewritten per host). */
function cloneHost(t: Snapshot): Snapshot {
  return {
    ...t,
    cpu: t.cpu,
    gpus: t.gpus.map((g) => ({
      ...g,
      memory: { ...g.memory },
      utilization: { ...g.utilization },
      cpuAffinity: g.cpuAffinity,
    })),
    processes: [],
    workloads: t.workloads.map((w) => ({ ...w })),
    sources: t.sources,
    conflicts: t.conflicts,
    warnings: t.warnings,
  };
}

function vmFor(vmid: number, gpus: Snapshot['gpus'], cpus: number[] | null): Workload['vm'] {
  return {
    vmid,
    hostpci: gpus.map((g, k) => ({
      slot: `hostpci${k}`,
      busId: g.busId,
      mapping: null,
      mdev: null,
      pcie: true,
      raw: `${(g.busId ?? '').replace(/\.0$/, '')},pcie=1`,
    })),
    affinity: cpus && cpus.length > 0 ? `${cpus[0]}-${cpus[cpus.length - 1]}` : null,
    numa: true,
    numaNodes: [],
    cores: cpus?.length ?? 8,
    sockets: 1,
    memoryMiB: 65536,
    machine: 'q35',
    tags: [],
  };
}

/** `n` distinct hosts `gpu-0` … `gpu-<n-1>`; the same (n, seed) gives the same fleet. */
export function benchFleet(n: number, seed: number): Snapshot[] {
  templates ??= loadTemplates();
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const out: Snapshot[] = [];
  for (let k = 0; k < n; k++) {
    const t = templates[Math.floor(r() * templates.length)]!;
    const s = cloneHost(t.snapshot);
    const name = `gpu-${k}`;
    s.host = name;
    for (const g of s.gpus) {
      g.utilization.gpuPct = 0;
      g.memory.usedMiB = 0;
    }
    const indexed = s.gpus.filter((g) => g.index !== null);
    const total = (g: Snapshot['gpus'][number]) => g.memory.totalMiB ?? 24576;
    if (t.realWorkloads && r() < 0.5) {
      // the demo's real VMs, renamed, their utilisation and memory drawn again
      s.workloads = t.snapshot.workloads.map((w) => ({ ...w, name: `${name}-${w.name}` }));
      for (const w of s.workloads) {
        const inference = w.kind === 'inference';
        const util = inference ? int(2, 35) : int(25, 100);
        for (const i of w.gpus) {
          const g = s.gpus.find((x) => x.index === i);
          if (!g) continue;
          g.utilization.gpuPct = util;
          g.memory.usedMiB = Math.round(total(g) * (inference ? 0.03 + 0.2 * r() : 0.2 + 0.7 * r()));
        }
      }
    } else {
      const free = indexed.map((g) => g.index!);
      const take = (m: number) => {
        const gs: number[] = [];
        while (gs.length < m && free.length > 0) gs.push(free.splice(Math.floor(r() * free.length), 1)[0]!);
        return gs.sort((a, b) => a - b);
      };
      const workloads: Workload[] = [];
      // leave 0–2 GPUs idle; at most 6 workloads per host
      const idle = int(0, 2);
      let vmid = 100;
      for (let j = 0; j < 6 && free.length > idle; j++) {
        const room = free.length - idle;
        const roll = r();
        const sizes = [8, 4, 2].filter((m) => m <= room);
        const training = roll < 0.45;
        const m = training
          ? sizes.length > 0 && r() < 0.75
            ? sizes[Math.floor(r() * sizes.length)]!
            : 1
          : 1;
        const gs = take(m);
        const gpus = gs.map((i) => s.gpus.find((g) => g.index === i)!);
        const util = training ? int(25, 100) : int(2, 35);
        for (const g of gpus) {
          g.utilization.gpuPct = Math.max(1, Math.min(100, util + int(-5, 5)));
          g.memory.usedMiB = Math.round(total(g) * (training ? 0.2 + 0.7 * r() : 0.03 + 0.2 * r()));
        }
        // CPUs: a slice of one of its GPUs' local CPUs (not always the right node), or unpinned
        const aff = gpus[Math.floor(r() * gpus.length)]!.cpuAffinity;
        const cpus =
          aff && aff.length >= 8 && r() < 0.7
            ? aff.slice(8 * (j % Math.floor(aff.length / 8)), 8 * (j % Math.floor(aff.length / 8)) + 8)
            : null;
        const asVm = r() < 0.35 && gpus.every((g) => g.busId !== null);
        const kind = training ? 'training' : 'inference';
        workloads.push({
          name: `${name}-${training ? 'train' : 'infer'}-${j}`,
          kind,
          gpus: gs,
          unresolvedGpus: [],
          cpus,
          distributed: training && m > 1 && r() < 0.8,
          memoryGiB: null,
          source: asVm
            ? { file: `${name}/qemu-server/${vmid}.conf`, format: 'proxmox-vm' }
            : { file: `${name}/workloads.json`, format: 'workloads' },
          vm: asVm ? vmFor(vmid++, gpus, cpus) : null,
        });
      }
      s.workloads = workloads;
    }
    // a few hosts report no NUMA ids (a topo without the column, a VM)
    if (r() < 0.06) {
      s.gpus = s.gpus.map((g) => ({ ...g, numaNode: null }));
      s.cpu = { ...s.cpu, numaNodes: [] };
    }
    out.push(s);
  }
  return out;
}
