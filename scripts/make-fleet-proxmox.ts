/**
 * Builds the recorded Proxmox passthrough outputs under samples/fleet/ (run explicitly:
 * `npx tsx scripts/make-fleet-proxmox.ts`, then review the diff; tests read the checked-in files).
 * What is real and what is derived is in samples/fleet/README.md (PROVENANCE).
 *
 * - `pve-host.txt`: the collector bundle of `pve-hgx-01`, an HGX H100 8-GPU host with every GPU bound to
 *   vfio-pci: no NVIDIA driver, so the nvidia-smi sections are `missing`; the `sysfs-pci` lines of the
 *   eight GPUs (bus ids and device id of the real `lspci -Dnn` of an HGX H100 host); the VM configs
 *   (`pve-qemu-server/<vmid>.conf`) and the PCI mapping file (`pve-mapping-pci`).
 * - `pve-guest-<vmid>.txt`: the collector bundle of each guest: `nvidia-smi -q -x` of its GPUs on the
 *   VM's own bus ids (each GPU element is the real L4 capture in samples/real/smi-xml/ with the H100
 *   values of this fleet substituted, as scripts/make-scenarios.ts does).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTag, uuidFor } from './fixture-xml.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const OUT = join(ROOT, 'samples/fleet');
const TEMPLATE = readFileSync(
  join(ROOT, 'samples/real/smi-xml/l4-2x-drv555.42.06-with-processes.xml'),
  'utf8',
);

const HOST = 'pve-hgx-01';
const TIMESTAMP = 'Mon Mar  2 09:00:00 2026';
/** NUMA nodes of the host, as the real DGX H100 `topo -m` (samples/real/topo/dgx-h100-8x-talos-…) prints them. */
const NODES = ['0-55,112-167', '56-111,168-223'];
/** The eight H100 SXM5 of the real HGX H100 host lspci (samples/real/proxmox/lspci-Dnn-hgx-h100-host-…). */
const HOST_GPUS = ['1b:00.0', '43:00.0', '52:00.0', '61:00.0', '9d:00.0', 'c3:00.0', 'd1:00.0', 'df:00.0'];
/** GPU i on NUMA node NUMA_OF[i]: the first four on socket 0, the rest on socket 1 (as in the DGX H100 topo). */
const NUMA_OF = [0, 0, 0, 0, 1, 1, 1, 1];

// the H100 80GB HBM3 (SXM5) values of the real 8-GPU outputs in samples/real (smi-default/h100-sxm-8x-…,
// smi-csv/h100-8x-query-gpu-name-memtotal…): name, 81559 MiB, 700 W
const PRODUCT = 'NVIDIA H100 80GB HBM3';
const DEVICE_ID = '2330';
const MEM_TOTAL = 81559;
const RESERVED = 545;
const POWER_LIMIT = 700;
const DRIVER = '565.57.01';
const CUDA = '12.7';

interface Proc {
  pid: number;
  name: string;
  memMiB: number;
}
interface GuestGpu {
  /** the bus id inside the guest (hostpciN with pcie=1 sits behind the N+1-th root port: bus N+1). */
  bus: string;
  util: number;
  memUtil: number;
  memUsedMiB: number;
  powerW: number;
  tempC: number;
  procs: Proc[];
}
interface Guest {
  vmid: number;
  host: string;
  kernel: string;
  seed: string;
  gpus: GuestGpu[];
}

function gpuXml(guest: Guest, g: GuestGpu, i: number): string {
  const start = TEMPLATE.indexOf('<gpu id=');
  const end = TEMPLATE.indexOf('</gpu>') + '</gpu>'.length;
  let x = TEMPLATE.slice(start, end);
  const [bus, devfn] = g.bus.split(':') as [string, string];
  const id = `00000000:${bus.toUpperCase()}:${devfn.toUpperCase()}`;
  x = x.replace(/<gpu id="[^"]*">/, `<gpu id="${id}">`);
  x = setTag(x, 'product_name', PRODUCT);
  x = setTag(x, 'product_architecture', 'Hopper');
  x = setTag(x, 'display_mode', 'Disabled');
  x = setTag(x, 'persistence_mode', 'Enabled');
  x = setTag(x, 'current_mig', 'Disabled');
  x = setTag(x, 'pending_mig', 'Disabled');
  x = setTag(x, 'serial', `${1652923040000 + guest.vmid * 100 + i}`);
  x = setTag(x, 'uuid', uuidFor(guest.seed, i));
  x = setTag(x, 'minor_number', String(i));
  x = setTag(x, 'gpu_module_id', String(i + 1));
  x = setTag(x, 'virtualization_mode', 'Pass-Through');
  x = setTag(x, 'gsp_firmware_version', DRIVER);
  x = setTag(x, 'pci_bus', bus.toUpperCase());
  x = setTag(x, 'pci_device_id', `${DEVICE_ID}10DE`);
  x = setTag(x, 'pci_bus_id', id);
  for (const t of [
    'max_link_gen',
    'current_link_gen',
    'device_current_link_gen',
    'max_device_link_gen',
    'max_host_link_gen',
  ])
    x = setTag(x, t, '5');
  x = setTag(x, 'current_link_width', '16x');
  x = setTag(x, 'performance_state', 'P0');
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
    x = setTag(x, `clocks_event_reason_${r}`, 'Not Active');
  x = setTag(x, 'total', `${MEM_TOTAL} MiB`, 'fb_memory_usage');
  x = setTag(x, 'reserved', `${RESERVED} MiB`, 'fb_memory_usage');
  x = setTag(x, 'used', `${g.memUsedMiB} MiB`, 'fb_memory_usage');
  x = setTag(x, 'free', `${MEM_TOTAL - RESERVED - g.memUsedMiB} MiB`, 'fb_memory_usage');
  x = setTag(x, 'gpu_util', `${g.util} %`, 'utilization');
  x = setTag(x, 'memory_util', `${g.memUtil} %`, 'utilization');
  x = setTag(x, 'gpu_temp', `${g.tempC} C`, 'temperature');
  x = setTag(x, 'power_state', 'P0', 'gpu_power_readings');
  x = setTag(x, 'power_draw', `${g.powerW.toFixed(2)} W`, 'gpu_power_readings');
  for (const t of ['current_power_limit', 'requested_power_limit', 'default_power_limit', 'max_power_limit'])
    x = setTag(x, t, `${POWER_LIMIT.toFixed(2)} W`, 'gpu_power_readings');
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

function smiXml(guest: Guest): string {
  const head = TEMPLATE.slice(0, TEMPLATE.indexOf('<gpu id='))
    .replace(/<timestamp>[^<]*/, `<timestamp>${TIMESTAMP}`)
    .replace(/<driver_version>[^<]*/, `<driver_version>${DRIVER}`)
    .replace(/<cuda_version>[^<]*/, `<cuda_version>${CUDA}`)
    .replace(/<attached_gpus>[^<]*/, `<attached_gpus>${guest.gpus.length}`);
  return `${head}${guest.gpus.map((g, i) => gpuXml(guest, g, i)).join('\n    ')}\n</nvidia_smi_log>\n`;
}

function sysfs(): string {
  return `${HOST_GPUS.map((bus, i) =>
    [
      `bus=0000:${bus}`,
      'vendor=0x10de',
      `device=0x${DEVICE_ID}`,
      'class=0x030200',
      'driver=vfio-pci',
      `numa_node=${NUMA_OF[i]}`,
      `local_cpulist=${NODES[NUMA_OF[i]!]}`,
      'current_link_speed=32.0 GT/s PCIe',
      'max_link_speed=32.0 GT/s PCIe',
      'current_link_width=16',
      'max_link_width=16',
    ].join('\t'),
  ).join('\n')}\n`;
}

const VM_CONFIGS: Record<number, string> = {
  101: `#LLM pre-training (4x H100, NUMA node 0)
affinity: 0-27,112-139
agent: 1
bios: ovmf
boot: order=scsi0;net0
cores: 56
cpu: host
efidisk0: local-zfs:vm-101-disk-0,efitype=4m,pre-enrolled-keys=1,size=1M
hostpci0: 0000:1b:00,pcie=1
hostpci1: 0000:43:00,pcie=1
hostpci2: mapping=h100-52,pcie=1
hostpci3: 0000:61:00.0,pcie=1
machine: q35
memory: 524288
meta: creation-qemu=9.0.2,ctime=1761000000
name: train-llm
net0: virtio=BC:24:11:65:3C:01,bridge=vmbr0
numa: 1
numa0: cpus=0-55,hostnodes=0,memory=524288,policy=bind
ostype: l26
scsi0: local-zfs:vm-101-disk-1,iothread=1,size=1T
scsihw: virtio-scsi-single
smbios1: uuid=6f1c0065-0c1e-4a8a-9b57-1f0d2b7c0065
sockets: 1
tags: training
vmgenid: 2b7c0065-5d1a-4f5e-8a3c-9e0000000065
`,
  102: `#Chat inference (2x H100, NUMA node 1) with a USB controller for a licence dongle
affinity: 0-15
agent: 1
bios: ovmf
boot: order=scsi0;net0
cores: 16
cpu: host
efidisk0: local-zfs:vm-102-disk-0,efitype=4m,pre-enrolled-keys=1,size=1M
hostpci0: 0000:9d:00.0,pcie=1
hostpci1: c3:00,pcie=1
hostpci2: 0000:00:14
machine: q35
memory: 131072
meta: creation-qemu=9.0.2,ctime=1761000000
name: infer-chat
net0: virtio=BC:24:11:66:3C:02,bridge=vmbr0
numa: 0
ostype: l26
scsi0: local-zfs:vm-102-disk-1,iothread=1,size=256G
scsihw: virtio-scsi-single
smbios1: uuid=6f1c0066-0c1e-4a8a-9b57-1f0d2b7c0066
sockets: 1
tags: inference
vmgenid: 2b7c0066-5d1a-4f5e-8a3c-9e0000000066
`,
};

const PCI_MAPPING = `h100-52
	map id=10de:2330,iommugroup=41,node=${HOST},path=0000:52:00.0,subsystem-id=10de:16c1
`;

const proc = (pid: number, name: string, memMiB: number): Proc => ({ pid, name, memMiB });

const GUESTS: Guest[] = [
  {
    vmid: 101,
    host: 'train-llm',
    kernel: '6.8.0-52-generic',
    seed: 'pve-hgx-01-vm101',
    gpus: [
      {
        bus: '01:00.0',
        util: 96,
        memUtil: 58,
        memUsedMiB: 74211,
        powerW: 642.31,
        tempC: 61,
        procs: [proc(3311, 'python3', 73690)],
      },
      {
        bus: '02:00.0',
        util: 95,
        memUtil: 57,
        memUsedMiB: 74183,
        powerW: 636.87,
        tempC: 60,
        procs: [proc(3312, 'python3', 73662)],
      },
      {
        bus: '03:00.0',
        util: 94,
        memUtil: 57,
        memUsedMiB: 74179,
        powerW: 629.5,
        tempC: 62,
        procs: [proc(3313, 'python3', 73658)],
      },
      {
        bus: '04:00.0',
        util: 95,
        memUtil: 58,
        memUsedMiB: 74207,
        powerW: 633.12,
        tempC: 59,
        procs: [proc(3314, 'python3', 73686)],
      },
    ],
  },
  {
    vmid: 102,
    host: 'infer-chat',
    kernel: '6.8.0-52-generic',
    seed: 'pve-hgx-01-vm102',
    gpus: [
      {
        bus: '01:00.0',
        util: 31,
        memUtil: 12,
        memUsedMiB: 70411,
        powerW: 248.4,
        tempC: 41,
        procs: [proc(2871, 'VLLM::EngineCore', 69890)],
      },
      {
        bus: '02:00.0',
        util: 27,
        memUtil: 10,
        memUsedMiB: 70395,
        powerW: 236.9,
        tempC: 40,
        procs: [proc(2874, 'VLLM::EngineCore', 69874)],
      },
    ],
  },
];

/** A bundle exactly as tools/collect/infralens-collect.sh writes it (token derived from the host name). */
function bundle(host: string, sections: { name: string; body: string | null; rc?: number }[]): string {
  const token = createHash('sha256').update(`infralens-fleet:${host}`).digest('hex').slice(0, 16);
  const out = [`### infralens:bundle v2 token=${token}\n`];
  for (const s of sections) {
    out.push(`### infralens:section ${s.name} token=${token}\n`);
    if (s.name === 'meta') out.push(`${s.body}### infralens:end meta token=${token} rc=0\n`);
    else if (s.body === null) out.push(`### infralens:end ${s.name} token=${token} missing\n`);
    // the collector prints a newline after the command's output, then the end marker
    else out.push(`${s.body}\n### infralens:end ${s.name} token=${token} rc=${s.rc ?? 0}\n`);
  }
  return out.join('');
}

const meta = (host: string, kernel: string, proxmox: boolean) =>
  `host=${host}\ncollected_at=2026-03-02T00:00:00Z\nkernel=${kernel}\ncollector=infralens-collect 2\n${proxmox ? 'proxmox=yes\n' : ''}`;

const NVIDIA_SECTIONS = [
  'nvidia-smi-q-x',
  'nvidia-smi',
  'nvidia-smi-L',
  'query-gpu',
  'query-compute-apps',
  'topo-m',
  'mig-lgip',
  'mig-lgi',
];

mkdirSync(OUT, { recursive: true });
writeFileSync(
  join(OUT, 'pve-host.txt'),
  bundle(HOST, [
    { name: 'meta', body: meta(HOST, '6.8.12-8-pve', true) },
    ...NVIDIA_SECTIONS.map((name) => ({ name, body: null })),
    { name: 'numactl-H', body: null },
    { name: 'lscpu', body: null },
    { name: 'sysfs-pci', body: sysfs() },
    ...Object.entries(VM_CONFIGS).map(([vmid, conf]) => ({
      name: `pve-qemu-server/${vmid}.conf`,
      body: conf,
    })),
    { name: 'pve-mapping-pci', body: PCI_MAPPING },
  ]),
);
for (const g of GUESTS)
  writeFileSync(
    join(OUT, `pve-guest-${g.vmid}.txt`),
    bundle(`${HOST}-vm${g.vmid}`, [
      { name: 'meta', body: meta(g.host, g.kernel, false) },
      { name: 'nvidia-smi-q-x', body: smiXml(g) },
    ]),
  );
console.log(`wrote ${OUT}`);

// the golden of the merge (test/ingest/passthrough-fleet.test.ts), from the files just written
const { fleetGolden, FLEET_GOLDEN, serializeGolden } = await import('../test/helpers/fleet-proxmox.ts');
writeFileSync(FLEET_GOLDEN, serializeGolden(fleetGolden()));
console.log(`wrote ${FLEET_GOLDEN}`);
