/**
 * Builds the demo scenarios under samples/scenarios/ from the specs below (run explicitly:
 * `npx tsx scripts/make-scenarios.ts`, then review the diff; tests read the checked-in files).
 *
 * The outputs follow real formats: the `nvidia-smi -q -x` of each GPU is the real L4 capture in
 * samples/real/smi-xml/ with the values of this scenario substituted; `topo -m` is laid out with tabs as
 * nvidia-smi prints it; numactl/lscpu/Proxmox configs follow the real samples in samples/real/.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, setTag, uuidFor } from './fixture-xml.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const TEMPLATE = readFileSync(
  join(ROOT, 'samples/real/smi-xml/l4-2x-drv555.42.06-with-processes.xml'),
  'utf8',
);

interface Proc {
  pid: number;
  name: string;
  memMiB: number;
}
interface GpuSpec {
  bus: string; // e.g. 18:00.0
  util: number;
  memUtil: number;
  memUsedMiB: number;
  powerW: number;
  tempC: number;
  pstate: string;
  genCur: number;
  widthCur: number;
  reasons: string[];
  procs: Proc[];
}
interface VmSpec {
  vmid: number;
  name: string;
  tags: string;
  gpus: string[]; // host bus ids without function
  affinity: string;
  cores: number;
  memoryMiB: number;
  numaNode: number;
  description: string;
}
interface Scenario {
  dir: string;
  host: string;
  timestamp: string;
  driver: string;
  cuda: string;
  product: string;
  architecture: string;
  deviceId: string;
  memTotalMiB: number;
  reservedMiB: number;
  powerLimitW: number;
  genMax: number;
  uuidSeed: string;
  gpus: GpuSpec[];
  /** NVLink groups and their link count. */
  nvGroups: { gpus: number[]; links: number }[];
  numaOfGpu: number[];
  /** GPU pairs behind one PCIe switch (PIX). */
  pixPairs: [number, number][];
  nics: { name: string; numa: number; pixWith: number[] }[];
  cpu: {
    model: string;
    sockets: number;
    cores: number;
    threads: number;
    nodes: string[];
    nodeMemMB: number[];
    freeMB: number[];
  };
  vms: VmSpec[];
}

function gpuXml(s: Scenario, g: GpuSpec, i: number): string {
  const start = TEMPLATE.indexOf('<gpu id=');
  const end = TEMPLATE.indexOf('</gpu>') + '</gpu>'.length;
  let x = TEMPLATE.slice(start, end);
  const [bus, devfn] = g.bus.split(':') as [string, string];
  const id = `00000000:${bus.toUpperCase()}:${devfn.toUpperCase()}`;
  x = x.replace(/<gpu id="[^"]*">/, `<gpu id="${id}">`);
  x = setTag(x, 'product_name', s.product);
  x = setTag(x, 'product_architecture', s.architecture);
  x = setTag(x, 'display_mode', 'Disabled');
  x = setTag(x, 'persistence_mode', 'Enabled');
  x = setTag(x, 'current_mig', 'Disabled');
  x = setTag(x, 'pending_mig', 'Disabled');
  x = setTag(x, 'serial', `${1650000000000 + i * 7919}`);
  x = setTag(x, 'uuid', uuidFor(s.uuidSeed, i));
  x = setTag(x, 'minor_number', String(i));
  x = setTag(x, 'gpu_module_id', String(i + 1));
  x = setTag(x, 'gsp_firmware_version', s.driver);
  x = setTag(x, 'pci_bus', bus.toUpperCase());
  x = setTag(x, 'pci_device_id', `${s.deviceId}10DE`);
  x = setTag(x, 'pci_bus_id', id);
  x = setTag(x, 'max_link_gen', String(s.genMax));
  x = setTag(x, 'current_link_gen', String(g.genCur));
  x = setTag(x, 'device_current_link_gen', String(g.genCur));
  x = setTag(x, 'max_device_link_gen', String(s.genMax));
  x = setTag(x, 'max_host_link_gen', String(s.genMax));
  x = setTag(x, 'current_link_width', `${g.widthCur}x`);
  x = setTag(x, 'performance_state', g.pstate);
  for (const r of [
    'gpu_idle',
    'applications_clocks_setting',
    'sw_power_cap',
    'hw_slowdown',
    'hw_thermal_slowdown',
    'hw_power_brake_slowdown',
    'sync_boost',
    'sw_thermal_slowdown',
    'display_clocks_setting',
  ])
    x = setTag(x, `clocks_event_reason_${r}`, g.reasons.includes(r) ? 'Active' : 'Not Active');
  const free = s.memTotalMiB - s.reservedMiB - g.memUsedMiB;
  x = setTag(x, 'total', `${s.memTotalMiB} MiB`, 'fb_memory_usage');
  x = setTag(x, 'reserved', `${s.reservedMiB} MiB`, 'fb_memory_usage');
  x = setTag(x, 'used', `${g.memUsedMiB} MiB`, 'fb_memory_usage');
  x = setTag(x, 'free', `${free} MiB`, 'fb_memory_usage');
  x = setTag(x, 'gpu_util', `${g.util} %`, 'utilization');
  x = setTag(x, 'memory_util', `${g.memUtil} %`, 'utilization');
  x = setTag(x, 'gpu_temp', `${g.tempC} C`, 'temperature');
  x = setTag(x, 'power_state', g.pstate, 'gpu_power_readings');
  x = setTag(x, 'power_draw', `${g.powerW.toFixed(2)} W`, 'gpu_power_readings');
  for (const t of ['current_power_limit', 'requested_power_limit', 'default_power_limit', 'max_power_limit'])
    x = setTag(x, t, `${s.powerLimitW.toFixed(2)} W`, 'gpu_power_readings');
  const procs = g.procs
    .map(
      (p) => `            <process_info>
                <gpu_instance_id>N/A</gpu_instance_id>
                <compute_instance_id>N/A</compute_instance_id>
                <pid>${p.pid}</pid>
                <type>C</type>
                <process_name>${p.name}</process_name>
                <used_memory>${p.memMiB} MiB</used_memory>
            </process_info>`,
    )
    .join('\n');
  x = x.replace(/<processes>[\s\S]*?<\/processes>/, `<processes>\n${procs}\n        </processes>`);
  return x;
}

function smiXml(s: Scenario): string {
  const head = TEMPLATE.slice(0, TEMPLATE.indexOf('<gpu id='))
    .replace(/<timestamp>[^<]*/, `<timestamp>${s.timestamp}`)
    .replace(/<driver_version>[^<]*/, `<driver_version>${s.driver}`)
    .replace(/<cuda_version>[^<]*/, `<cuda_version>${s.cuda}`)
    .replace(/<attached_gpus>[^<]*/, `<attached_gpus>${s.gpus.length}`);
  return `${head}${s.gpus.map((g, i) => gpuXml(s, g, i)).join('\n    ')}\n</nvidia_smi_log>\n`;
}

function topo(s: Scenario): string {
  const cell = (a: number, b: number): string => {
    if (a === b) return ' X ';
    const grp = s.nvGroups.find((gr) => gr.gpus.includes(a) && gr.gpus.includes(b));
    if (grp) return `NV${grp.links}`;
    if (s.pixPairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a))) return 'PIX';
    return s.numaOfGpu[a] === s.numaOfGpu[b] ? 'NODE' : 'SYS';
  };
  const nicCell = (gpu: number, nic: (typeof s.nics)[number]) =>
    nic.pixWith.includes(gpu) ? 'PIX' : s.numaOfGpu[gpu] === nic.numa ? 'NODE' : 'SYS';
  const header = [
    '',
    ...s.gpus.map((_, i) => `GPU${i}`),
    ...s.nics.map((_, i) => `NIC${i}`),
    'CPU Affinity',
    'NUMA Affinity',
    'GPU NUMA ID',
  ].join('\t');
  const rows = s.gpus.map((_, a) =>
    [
      `GPU${a}`,
      ...s.gpus.map((__, b) => cell(a, b)),
      ...s.nics.map((nic) => nicCell(a, nic)),
      s.cpu.nodes[s.numaOfGpu[a]!]!,
      String(s.numaOfGpu[a]),
      '',
      'N/A',
    ].join('\t'),
  );
  const nicRows = s.nics.map((nic, k) =>
    [
      `NIC${k}`,
      ...s.gpus.map((_, g) => nicCell(g, nic)),
      ...s.nics.map((other, j) => (j === k ? ' X ' : other.numa === nic.numa ? 'NODE' : 'SYS')),
      '',
      '',
      '',
    ].join('\t'),
  );
  return `${[header, ...rows, ...nicRows].join('\n')}

Legend:

  X    = Self
  SYS  = Connection traversing PCIe as well as the SMP interconnect between NUMA nodes (e.g., QPI/UPI)
  NODE = Connection traversing PCIe as well as the interconnect between PCIe Host Bridges within a NUMA node
  PHB  = Connection traversing PCIe as well as a PCIe Host Bridge (typically the CPU)
  PXB  = Connection traversing multiple PCIe bridges (without traversing the PCIe Host Bridge)
  PIX  = Connection traversing at most a single PCIe bridge
  NV#  = Connection traversing a bonded set of # NVLinks

NIC Legend:

${s.nics.map((nic, k) => `  NIC${k}: ${nic.name}`).join('\n')}
`;
}

function expand(list: string): number[] {
  return list.split(',').flatMap((p) => {
    const [a, b] = p.split('-').map(Number) as [number, number | undefined];
    return Array.from({ length: (b ?? a) - a + 1 }, (_, k) => a + k);
  });
}

function numactl(s: Scenario): string {
  const lines = [`available: ${s.cpu.nodes.length} nodes (0-${s.cpu.nodes.length - 1})`];
  s.cpu.nodes.forEach((cpus, i) => {
    lines.push(`node ${i} cpus: ${expand(cpus).join(' ')}`);
    lines.push(`node ${i} size: ${s.cpu.nodeMemMB[i]} MB`);
    lines.push(`node ${i} free: ${s.cpu.freeMB[i]} MB`);
  });
  lines.push('node distances:');
  lines.push(`node ${s.cpu.nodes.map((_, i) => String(i).padStart(3)).join(' ')} `);
  s.cpu.nodes.forEach((_, i) => {
    lines.push(`  ${i}: ${s.cpu.nodes.map((__, j) => String(i === j ? 10 : 21).padStart(3)).join(' ')} `);
  });
  return `${lines.join('\n')}\n`;
}

function lscpu(s: Scenario): string {
  const total = s.cpu.sockets * s.cpu.cores * s.cpu.threads;
  const kv = (k: string, v: string, indent = 0) => `${' '.repeat(indent)}${`${k}:`.padEnd(33 - indent)}${v}`;
  return `${[
    kv('Architecture', 'x86_64'),
    kv('CPU op-mode(s)', '32-bit, 64-bit', 2),
    kv('Address sizes', '46 bits physical, 57 bits virtual', 2),
    kv('Byte Order', 'Little Endian', 2),
    kv('CPU(s)', String(total)),
    kv('On-line CPU(s) list', `0-${total - 1}`, 2),
    kv('Vendor ID', 'GenuineIntel'),
    kv('Model name', s.cpu.model, 2),
    kv('CPU family', '6', 4),
    kv('Model', '143', 4),
    kv('Thread(s) per core', String(s.cpu.threads), 4),
    kv('Core(s) per socket', String(s.cpu.cores), 4),
    kv('Socket(s)', String(s.cpu.sockets), 4),
    kv('Stepping', '8', 4),
    kv('Virtualization features', ''),
    kv('Virtualization', 'VT-x', 2),
    kv('NUMA', ''),
    kv('NUMA node(s)', String(s.cpu.nodes.length), 2),
    ...s.cpu.nodes.map((c, i) => kv(`NUMA node${i} CPU(s)`, c, 2)),
  ].join('\n')}\n`;
}

function sysfs(s: Scenario): string {
  const speed = (gen: number) => ({ 3: '8.0', 4: '16.0', 5: '32.0' })[gen] ?? '16.0';
  return s.gpus
    .map((g, i) =>
      [
        `bus=0000:${g.bus}`,
        'vendor=0x10de',
        `device=0x${s.deviceId.toLowerCase()}`,
        'class=0x030200',
        'driver=nvidia',
        `numa_node=${s.numaOfGpu[i]}`,
        `local_cpulist=${s.cpu.nodes[s.numaOfGpu[i]!]}`,
        `current_link_speed=${speed(g.genCur)} GT/s PCIe`,
        `max_link_speed=${speed(s.genMax)} GT/s PCIe`,
        `current_link_width=${g.widthCur}`,
        'max_link_width=16',
      ].join('\t'),
    )
    .join('\n');
}

function vmConf(vm: VmSpec): string {
  const lines = [
    `#${vm.description}`,
    `affinity: ${vm.affinity}`,
    'agent: 1',
    'bios: ovmf',
    'boot: order=scsi0;net0',
    `cores: ${vm.cores}`,
    'cpu: host',
    `efidisk0: local-zfs:vm-${vm.vmid}-disk-0,efitype=4m,pre-enrolled-keys=1,size=1M`,
    ...vm.gpus.map((b, k) => `hostpci${k}: 0000:${b},pcie=1`),
    'machine: q35',
    `memory: ${vm.memoryMiB}`,
    `meta: creation-qemu=9.0.2,ctime=1761000000`,
    `name: ${vm.name}`,
    `net0: virtio=BC:24:11:${hex(vm.vmid % 256, 2).toUpperCase()}:3C:0${vm.vmid % 10},bridge=vmbr0`,
    'numa: 1',
    `numa0: cpus=0-${vm.cores - 1},hostnodes=${vm.numaNode},memory=${vm.memoryMiB},policy=bind`,
    'ostype: l26',
    `scsi0: local-zfs:vm-${vm.vmid}-disk-1,iothread=1,size=512G`,
    'scsihw: virtio-scsi-single',
    `smbios1: uuid=6f1c${hex(vm.vmid, 4)}-0c1e-4a8a-9b57-1f0d2b7c${hex(vm.vmid, 4)}`,
    'sockets: 1',
    `tags: ${vm.tags}`,
    `vmgenid: 2b7c${hex(vm.vmid, 4)}-5d1a-4f5e-8a3c-9e${hex(vm.vmid, 10)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The marker token of a scenario's bundle. The collector draws one at random per run; a scenario's is
 * derived from its host name, so that regenerating the scenarios gives the same bytes.
 */
function scenarioToken(host: string): string {
  return createHash('sha256').update(`infralens-demo:${host}`).digest('hex').slice(0, 16);
}

/** The bundle as the v2 collector (tools/collect/infralens-collect.sh) writes it: every marker carries the token. */
function bundle(s: Scenario): string {
  const token = scenarioToken(s.host);
  const sec = (name: string, body: string, rc = 0) =>
    `### infralens:section ${name} token=${token}\n${body.replace(/\n$/, '')}\n### infralens:end ${name} token=${token} rc=${rc}\n`;
  return [
    `### infralens:bundle v2 token=${token}\n`,
    sec(
      'meta',
      `host=${s.host}\ncollected_at=${s.timestamp}\nkernel=6.8.12-4-pve\ncollector=infralens-collect 2\nproxmox=yes`,
    ),
    sec('nvidia-smi-q-x', smiXml(s)),
    sec('topo-m', topo(s)),
    sec('mig-lgi', 'No MIG-enabled devices found.', 6),
    sec('numactl-H', numactl(s)),
    sec('lscpu', lscpu(s)),
    sec('sysfs-pci', sysfs(s)),
  ].join('');
}

function write(s: Scenario): void {
  const dir = join(ROOT, 'samples/scenarios', s.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'qemu-server'), { recursive: true });
  writeFileSync(join(dir, 'bundle.txt'), bundle(s));
  for (const vm of s.vms) writeFileSync(join(dir, 'qemu-server', `${vm.vmid}.conf`), vmConf(vm));
  console.log(`wrote ${dir}`);
}

const proc = (pid: number, name: string, memMiB: number): Proc => ({ pid, name, memMiB });

// ——— H200 ×8: two 4-GPU NVLink-bridge groups, one per socket ———
const H200_NODES = ['0-55,112-167', '56-111,168-223'];
const h200: Scenario = {
  dir: 'h200',
  host: 'gpu-node-01',
  timestamp: 'Thu Nov 26 09:00:00 2026',
  driver: '570.172.08',
  cuda: '12.8',
  product: 'NVIDIA H200 NVL',
  architecture: 'Hopper',
  deviceId: '233B',
  memTotalMiB: 143771,
  reservedMiB: 533,
  powerLimitW: 600,
  genMax: 5,
  uuidSeed: 'gpu-node-01',
  // util %, VRAM used: the three training jobs and two small inference servers of the demo story
  gpus: [
    {
      bus: '18:00.0',
      util: 97,
      memUtil: 63,
      memUsedMiB: 134712,
      powerW: 571.4,
      tempC: 71,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: ['sw_power_cap'],
      procs: [proc(41822, 'python3', 134194)],
    },
    {
      bus: '2a:00.0',
      util: 96,
      memUtil: 62,
      memUsedMiB: 134680,
      powerW: 566.9,
      tempC: 69,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: ['sw_power_cap'],
      procs: [proc(41823, 'python3', 134162)],
    },
    {
      bus: '3a:00.0',
      util: 34,
      memUtil: 18,
      memUsedMiB: 90114,
      powerW: 244.1,
      tempC: 52,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: [],
      procs: [proc(52310, 'python3', 89596)],
    },
    {
      bus: '5d:00.0',
      util: 49,
      memUtil: 27,
      memUsedMiB: 110082,
      powerW: 281.7,
      tempC: 55,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: [],
      procs: [proc(60114, 'torchrun', 109564)],
    },
    {
      bus: '9a:00.0',
      util: 0,
      memUtil: 0,
      memUsedMiB: 0,
      powerW: 71.3,
      tempC: 33,
      pstate: 'P8',
      genCur: 1,
      widthCur: 16,
      reasons: ['gpu_idle'],
      procs: [],
    },
    {
      bus: 'ab:00.0',
      util: 47,
      memUtil: 26,
      memUsedMiB: 110082,
      powerW: 276.2,
      tempC: 54,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: [],
      procs: [proc(60115, 'torchrun', 109564)],
    },
    {
      bus: 'ba:00.0',
      util: 7,
      memUtil: 3,
      memUsedMiB: 12772,
      powerW: 118.6,
      tempC: 41,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: [],
      procs: [proc(7731, 'tritonserver', 12254)],
    },
    {
      bus: 'db:00.0',
      util: 5,
      memUtil: 2,
      memUsedMiB: 10212,
      powerW: 109.9,
      tempC: 40,
      pstate: 'P0',
      genCur: 5,
      widthCur: 16,
      reasons: [],
      procs: [proc(7802, 'text-embeddings-router', 9694)],
    },
  ],
  nvGroups: [
    { gpus: [0, 1, 2, 3], links: 6 },
    { gpus: [4, 5, 6, 7], links: 6 },
  ],
  numaOfGpu: [0, 0, 0, 0, 1, 1, 1, 1],
  pixPairs: [],
  nics: [
    { name: 'mlx5_0', numa: 0, pixWith: [0, 1] },
    { name: 'mlx5_1', numa: 1, pixWith: [4, 5] },
  ],
  cpu: {
    model: 'Intel(R) Xeon(R) Platinum 8480+',
    sockets: 2,
    cores: 56,
    threads: 2,
    nodes: H200_NODES,
    nodeMemMB: [1031710, 1032159],
    freeMB: [402211, 611876],
  },
  vms: [
    {
      vmid: 101,
      name: 'train-llm-a',
      tags: 'training;team-nlp',
      gpus: ['18:00', '2a:00'],
      affinity: '0-23,112-135',
      cores: 48,
      memoryMiB: 393216,
      numaNode: 0,
      description: 'LLM fine-tuning (2 GPUs, DDP)',
    },
    {
      vmid: 102,
      name: 'train-vision-b',
      tags: 'training;team-cv',
      gpus: ['5d:00', 'ab:00'],
      affinity: '24-39,136-151',
      cores: 32,
      memoryMiB: 262144,
      numaNode: 0,
      description: 'Vision model training (2 GPUs, DDP)',
    },
    {
      vmid: 103,
      name: 'train-rec-c',
      tags: 'training;team-rec',
      gpus: ['3a:00'],
      affinity: '56-71,168-183',
      cores: 32,
      memoryMiB: 196608,
      numaNode: 1,
      description: 'Recommendation model training (1 GPU)',
    },
    {
      vmid: 201,
      name: 'infer-chat',
      tags: 'inference;prod',
      gpus: ['ba:00'],
      affinity: '72-79,184-191',
      cores: 16,
      memoryMiB: 65536,
      numaNode: 1,
      description: 'Chat model serving (Triton, 7B int8)',
    },
    {
      vmid: 202,
      name: 'infer-embed',
      tags: 'inference;prod',
      gpus: ['db:00'],
      affinity: '80-87,192-199',
      cores: 16,
      memoryMiB: 65536,
      numaNode: 1,
      description: 'Embedding service (TEI)',
    },
  ],
};

// ——— L40S ×4: dual-socket PCIe server, no NVLink, no MIG ———
const L40S_NODES = ['0-31,64-95', '32-63,96-127'];
const l40s: Scenario = {
  dir: 'l40s',
  host: 'gpu-node-02',
  timestamp: 'Thu Nov 26 09:00:00 2026',
  driver: '570.172.08',
  cuda: '12.8',
  product: 'NVIDIA L40S',
  architecture: 'Ada Lovelace',
  deviceId: '26B9',
  memTotalMiB: 46068,
  reservedMiB: 477,
  powerLimitW: 350,
  genMax: 4,
  uuidSeed: 'gpu-node-02',
  gpus: [
    {
      bus: '17:00.0',
      util: 12,
      memUtil: 4,
      memUsedMiB: 6930,
      powerW: 121.5,
      tempC: 46,
      pstate: 'P0',
      genCur: 4,
      widthCur: 16,
      reasons: [],
      procs: [proc(3310, 'python3', 6412)],
    },
    {
      bus: '31:00.0',
      util: 88,
      memUtil: 52,
      memUsedMiB: 38870,
      powerW: 331.2,
      tempC: 79,
      pstate: 'P0',
      genCur: 4,
      widthCur: 16,
      reasons: ['sw_power_cap'],
      procs: [proc(9120, 'python3', 38352)],
    },
    {
      bus: 'ca:00.0',
      util: 84,
      memUtil: 49,
      memUsedMiB: 38870,
      powerW: 262.0,
      tempC: 91,
      pstate: 'P0',
      genCur: 4,
      widthCur: 16,
      reasons: ['hw_thermal_slowdown'],
      procs: [proc(9121, 'python3', 38352)],
    },
    {
      bus: 'e1:00.0',
      util: 63,
      memUtil: 71,
      memUsedMiB: 44950,
      powerW: 298.4,
      tempC: 68,
      pstate: 'P0',
      genCur: 4,
      widthCur: 8,
      reasons: [],
      procs: [proc(12001, 'vllm', 44432)],
    },
  ],
  nvGroups: [],
  numaOfGpu: [0, 0, 1, 1],
  pixPairs: [],
  nics: [{ name: 'mlx5_0', numa: 1, pixWith: [] }],
  cpu: {
    model: 'Intel(R) Xeon(R) Gold 6448Y',
    sockets: 2,
    cores: 32,
    threads: 2,
    nodes: L40S_NODES,
    nodeMemMB: [515811, 516062],
    freeMB: [301444, 288102],
  },
  vms: [
    {
      vmid: 301,
      name: 'train-diffusion',
      tags: 'training;team-gen',
      gpus: ['31:00', 'ca:00'],
      affinity: '0-15,64-79',
      cores: 32,
      memoryMiB: 262144,
      numaNode: 0,
      description: 'Diffusion fine-tuning (2 GPUs, DDP)',
    },
    {
      vmid: 302,
      name: 'infer-ocr',
      tags: 'inference;prod',
      gpus: ['17:00'],
      affinity: '16-23,80-87',
      cores: 16,
      memoryMiB: 65536,
      numaNode: 0,
      description: 'OCR model serving',
    },
    {
      vmid: 303,
      name: 'infer-llm-8b',
      tags: 'inference;prod',
      gpus: ['e1:00'],
      affinity: '32-47,96-111',
      cores: 32,
      memoryMiB: 131072,
      numaNode: 1,
      description: 'LLM serving (vLLM, 8B fp16)',
    },
  ],
};

write(h200);
write(l40s);
