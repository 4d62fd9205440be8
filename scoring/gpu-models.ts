/**
 * GPU model table: what InfraLens knows about each model family. Figures are from
 * ../shared/reference/domain-facts.md §1–§2 (sources S1–S20 there); nothing here is measured on a host.
 */

export interface MigProfileSpec {
  /** profile name as nvidia-smi prints it. */
  name: string;
  /** `nvidia-smi mig -lgip` profile id. */
  id: number;
  /** compute slices (the `Ng` part). */
  compute: number;
  /** memory slices out of `memorySlices`. */
  memorySlices: number;
  memoryGiB: number;
  maxInstances: number;
  /** allowed start slices (`mig -lgipp`). */
  starts: number[];
}

export interface GpuModel {
  family: string;
  /** marketing name for reports. */
  label: string;
  memoryGiB: number;
  /** memory bandwidth, GB/s. */
  memoryBandwidthGBs: number;
  /** NVLink bandwidth per GPU, GB/s bidirectional (0 = no NVLink). */
  nvlinkGBs: number;
  /** host PCIe generation (x16). */
  pcieGen: number;
  migCapable: boolean;
  /** MIG profiles (GPU-instance), smallest first; [] when not MIG-capable. */
  migProfiles: MigProfileSpec[];
  /** time-sliced vGPU / sharing available on this model (vGPU types exist). */
  vgpu: boolean;
  /** does `name` (from nvidia-smi) belong to this model? memory total helps split 40/80 GB variants. */
  match(name: string, memoryMiB: number | null): boolean;
}

/** The 8-memory-slice layout shared by A100/H100/H200/B200 (domain facts §2c). */
function eightSliceProfiles(sizes: {
  g1: number;
  g1x2: number;
  g2: number;
  g3: number;
  g4: number;
  g7: number;
}): MigProfileSpec[] {
  const gb = (x: number) => `${Math.round(x)}gb`;
  return [
    {
      name: `1g.${gb(sizes.g1)}`,
      id: 19,
      compute: 1,
      memorySlices: 1,
      memoryGiB: sizes.g1,
      maxInstances: 7,
      starts: [0, 1, 2, 3, 4, 5, 6],
    },
    {
      name: `1g.${gb(sizes.g1x2)}`,
      id: 15,
      compute: 1,
      memorySlices: 2,
      memoryGiB: sizes.g1x2,
      maxInstances: 4,
      starts: [0, 2, 4, 6],
    },
    {
      name: `2g.${gb(sizes.g2)}`,
      id: 14,
      compute: 2,
      memorySlices: 2,
      memoryGiB: sizes.g2,
      maxInstances: 3,
      starts: [0, 2, 4],
    },
    {
      name: `3g.${gb(sizes.g3)}`,
      id: 9,
      compute: 3,
      memorySlices: 4,
      memoryGiB: sizes.g3,
      maxInstances: 2,
      starts: [0, 4],
    },
    {
      name: `4g.${gb(sizes.g4)}`,
      id: 5,
      compute: 4,
      memorySlices: 4,
      memoryGiB: sizes.g4,
      maxInstances: 1,
      starts: [0],
    },
    {
      name: `7g.${gb(sizes.g7)}`,
      id: 0,
      compute: 7,
      memorySlices: 8,
      memoryGiB: sizes.g7,
      maxInstances: 1,
      starts: [0],
    },
  ];
}

const lower = (s: string) => s.toLowerCase();
const GiB = 1024;

export const GPU_MODELS: readonly GpuModel[] = [
  {
    family: 'H200-NVL',
    label: 'H200 NVL 141GB',
    memoryGiB: 141,
    memoryBandwidthGBs: 4800,
    nvlinkGBs: 900,
    pcieGen: 5,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 18, g1x2: 35, g2: 35, g3: 71, g4: 71, g7: 141 }),
    vgpu: true,
    match: (n) => /h200/.test(lower(n)) && /nvl/.test(lower(n)),
  },
  {
    family: 'H200-SXM',
    label: 'H200 SXM 141GB',
    memoryGiB: 141,
    memoryBandwidthGBs: 4800,
    nvlinkGBs: 900,
    pcieGen: 5,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 18, g1x2: 35, g2: 35, g3: 71, g4: 71, g7: 141 }),
    vgpu: true,
    match: (n) => /h200/.test(lower(n)),
  },
  {
    family: 'H100-NVL',
    label: 'H100 NVL 94GB',
    memoryGiB: 94,
    memoryBandwidthGBs: 3900,
    nvlinkGBs: 600,
    pcieGen: 5,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 12, g1x2: 24, g2: 24, g3: 47, g4: 47, g7: 94 }),
    vgpu: true,
    match: (n, m) => /h100/.test(lower(n)) && (/nvl|94gb/.test(lower(n)) || (m !== null && m > 90 * GiB)),
  },
  {
    family: 'H100-PCIE',
    label: 'H100 PCIe 80GB',
    memoryGiB: 80,
    memoryBandwidthGBs: 2000,
    nvlinkGBs: 600,
    pcieGen: 5,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 10, g1x2: 20, g2: 20, g3: 40, g4: 40, g7: 80 }),
    vgpu: true,
    match: (n) => /h100/.test(lower(n)) && /pcie/.test(lower(n)),
  },
  {
    family: 'H100-SXM',
    label: 'H100 SXM5 80GB',
    memoryGiB: 80,
    memoryBandwidthGBs: 3350,
    nvlinkGBs: 900,
    pcieGen: 5,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 10, g1x2: 20, g2: 20, g3: 40, g4: 40, g7: 80 }),
    vgpu: true,
    match: (n) => /h100|h800/.test(lower(n)),
  },
  {
    family: 'B200',
    label: 'B200 180GB',
    memoryGiB: 180,
    memoryBandwidthGBs: 8000,
    nvlinkGBs: 1800,
    pcieGen: 5,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 23, g1x2: 45, g2: 45, g3: 90, g4: 90, g7: 180 }),
    vgpu: false,
    match: (n) => /\bb200\b/.test(lower(n)),
  },
  {
    family: 'A100-80GB',
    label: 'A100 80GB',
    memoryGiB: 80,
    memoryBandwidthGBs: 2039,
    nvlinkGBs: 600,
    pcieGen: 4,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 10, g1x2: 20, g2: 20, g3: 40, g4: 40, g7: 80 }),
    vgpu: true,
    match: (n, m) => /a100|a800/.test(lower(n)) && (/80gb/.test(lower(n)) || (m !== null && m > 60 * GiB)),
  },
  {
    family: 'A100-40GB',
    label: 'A100 40GB',
    memoryGiB: 40,
    memoryBandwidthGBs: 1555,
    nvlinkGBs: 600,
    pcieGen: 4,
    migCapable: true,
    migProfiles: eightSliceProfiles({ g1: 5, g1x2: 10, g2: 10, g3: 20, g4: 20, g7: 40 }),
    vgpu: true,
    match: (n) => /a100|a800/.test(lower(n)),
  },
  {
    family: 'A30',
    label: 'A30 24GB',
    memoryGiB: 24,
    memoryBandwidthGBs: 933,
    nvlinkGBs: 200,
    pcieGen: 4,
    migCapable: true,
    migProfiles: [
      {
        name: '1g.6gb',
        id: 14,
        compute: 1,
        memorySlices: 1,
        memoryGiB: 6,
        maxInstances: 4,
        starts: [0, 1, 2, 3],
      },
      { name: '2g.12gb', id: 5, compute: 2, memorySlices: 2, memoryGiB: 12, maxInstances: 2, starts: [0, 2] },
      { name: '4g.24gb', id: 0, compute: 4, memorySlices: 4, memoryGiB: 24, maxInstances: 1, starts: [0] },
    ],
    vgpu: true,
    match: (n) => /\ba30\b/.test(lower(n)),
  },
  {
    family: 'L40S',
    label: 'L40S 48GB',
    memoryGiB: 48,
    memoryBandwidthGBs: 864,
    nvlinkGBs: 0,
    pcieGen: 4,
    migCapable: false,
    migProfiles: [],
    vgpu: true,
    match: (n) => /\bl40s\b/.test(lower(n)),
  },
  {
    family: 'L40',
    label: 'L40 48GB',
    memoryGiB: 48,
    memoryBandwidthGBs: 864,
    nvlinkGBs: 0,
    pcieGen: 4,
    migCapable: false,
    migProfiles: [],
    vgpu: true,
    match: (n) => /\bl40\b/.test(lower(n)),
  },
  {
    family: 'L4',
    label: 'L4 24GB',
    memoryGiB: 24,
    memoryBandwidthGBs: 300,
    nvlinkGBs: 0,
    pcieGen: 4,
    migCapable: false,
    migProfiles: [],
    vgpu: true,
    match: (n) => /\bl4\b/.test(lower(n)),
  },
  {
    family: 'RTX-6000-ADA',
    label: 'RTX 6000 Ada 48GB',
    memoryGiB: 48,
    memoryBandwidthGBs: 960,
    nvlinkGBs: 0,
    pcieGen: 4,
    migCapable: false,
    migProfiles: [],
    vgpu: true,
    match: (n) => /rtx 6000 ada/.test(lower(n)),
  },
  {
    family: 'RTX-A6000',
    label: 'RTX A6000 48GB',
    memoryGiB: 48,
    memoryBandwidthGBs: 768,
    nvlinkGBs: 112.5,
    pcieGen: 4,
    migCapable: false,
    migProfiles: [],
    vgpu: true,
    match: (n) => /rtx a6000/.test(lower(n)),
  },
];

/** The model for an nvidia-smi product name (and memory total, for 40/80 GB variants), or null. */
export function findGpuModel(name: string | null, memoryMiB: number | null = null): GpuModel | null {
  if (!name) return null;
  return GPU_MODELS.find((m) => m.match(name, memoryMiB)) ?? null;
}

export function gpuModelByFamily(family: string | null): GpuModel | null {
  if (!family) return null;
  return GPU_MODELS.find((m) => m.family === family) ?? null;
}
