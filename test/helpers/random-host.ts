/** Seeded random hosts for the placement tests. */
import { findGpuModel } from '../../scoring/gpu-models.ts';
import { emptyGpu, type Link, Snapshot, type Workload } from '../../scoring/snapshot.ts';

/** Deterministic xorshift32 in [0, 1). */
export function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const MODELS = [
  { name: 'NVIDIA H100 80GB HBM3', totalMiB: 81559, gen: 5 },
  { name: 'NVIDIA L40S', totalMiB: 46068, gen: 4 },
  { name: 'NVIDIA A100-SXM4-80GB', totalMiB: 81920, gen: 4 },
];

/** A random host of 2–4 GPUs on 2 NUMA nodes with random links and 1–3 workloads on disjoint CPUs. */
export function randomHost(seed: number): Snapshot {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const model = pick(MODELS);
  const n = 2 + Math.floor(r() * 3);
  const cpusOf = (node: number) => Array.from({ length: 8 }, (_, k) => node * 8 + k);
  const nodeOf = Array.from({ length: n }, (_, i) => (i < Math.ceil(n / 2) ? 0 : 1));
  const gpus = nodeOf.map((node, i) => {
    const g = emptyGpu();
    g.index = i;
    g.busId = `0000:${(0x10 + i * 0x10).toString(16)}:00.0`;
    g.name = model.name;
    g.family = findGpuModel(model.name, model.totalMiB)?.family ?? null;
    g.memory = { totalMiB: model.totalMiB, usedMiB: 0 };
    g.utilization = { gpuPct: 0, memoryPct: 0 };
    g.pcie = { genCurrent: model.gen, genMax: model.gen, widthCurrent: r() < 0.15 ? 8 : 16, widthMax: 16 };
    g.numaNode = node;
    g.cpuAffinity = cpusOf(node);
    g.pstate = 'P0';
    return g;
  });
  const nvGroups = model.name.includes('L40S') ? [] : r() < 0.5 ? [[0, 1]] : [];
  const links: Link[] = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const nv = nvGroups.some((grp) => grp.includes(a) && grp.includes(b));
      const kind = nv ? 'NV' : nodeOf[a] === nodeOf[b] ? pick(['PIX', 'NODE'] as const) : 'SYS';
      links.push({ a: `GPU${a}`, b: `GPU${b}`, kind, nvlinks: nv ? 4 : null, raw: nv ? 'NV4' : kind });
    }
  const free = [...Array(n).keys()];
  const take = (k: number) => {
    const out: number[] = [];
    while (out.length < k && free.length > 0) out.push(free.splice(Math.floor(r() * free.length), 1)[0]!);
    return out.sort((a, b) => a - b);
  };
  const workloads: Workload[] = [];
  const jobCount = 1 + Math.floor(r() * 3);
  for (let j = 0; j < jobCount && free.length > 0; j++) {
    const inference = r() < 0.45;
    const k = inference ? 1 : Math.min(free.length, 1 + Math.floor(r() * 2));
    const gs = take(k);
    const util = inference ? 2 + Math.floor(r() * 20) : 20 + Math.floor(r() * 80);
    const used = Math.round(model.totalMiB * (inference ? 0.03 + r() * 0.15 : 0.2 + r() * 0.7));
    for (const i of gs) {
      gpus[i]!.utilization.gpuPct = util;
      gpus[i]!.memory.usedMiB = used;
    }
    const node = r() < 0.5 ? 0 : 1;
    workloads.push({
      name: `w${j}`,
      kind: inference ? 'inference' : 'training',
      gpus: gs,
      unresolvedGpus: [],
      cpus: cpusOf(node).slice(j * 2, j * 2 + 2),
      distributed: !inference && gs.length > 1,
      memoryGiB: null,
      source: { file: 'random', format: 'workloads' },
      vm: null,
    });
  }
  return Snapshot.parse({
    schemaVersion: 1,
    host: `random-${seed}`,
    driverVersion: null,
    cudaVersion: null,
    cpu: {
      model: null,
      sockets: 2,
      coresPerSocket: null,
      threadsPerCore: null,
      logicalCpus: 16,
      numaNodes: [
        { id: 0, cpus: cpusOf(0), memoryMiB: null, freeMiB: null },
        { id: 1, cpus: cpusOf(1), memoryMiB: null, freeMiB: null },
      ],
      distances: null,
    },
    gpus,
    nics: [],
    links,
    processes: [],
    workloads,
    pciMappings: {},
    sources: [],
    conflicts: [],
    warnings: [],
  });
}
