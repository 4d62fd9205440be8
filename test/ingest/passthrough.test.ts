import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { type InputFile, ingest } from '../../tools/ingest/index.ts';
import { mergeGuests } from '../../tools/ingest/passthrough.ts';
import { ingestProxmoxFleet, PASSTHROUGH_SOURCE } from '../../tools/ingest/proxmox-fleet.ts';

const REAL = join(new URL('../../', import.meta.url).pathname, 'samples/real');
const real = (rel: string): InputFile => ({ name: rel, content: readFileSync(join(REAL, rel)) });

/** The collector's sysfs-pci lines for GPUs at these bus ids (NUMA 0 for buses below 0x80, else 1). */
function sysfs(buses: readonly string[], device = '0x2330', width = 16): InputFile {
  const lines = buses.map((b) => {
    const numa = Number.parseInt(b.split(':')[1]!, 16) < 0x80 ? 0 : 1;
    return [
      `bus=${b}`,
      'vendor=0x10de',
      `device=${device}`,
      'class=0x030200',
      'driver=vfio-pci',
      `numa_node=${numa}`,
      `local_cpulist=${numa === 0 ? '0-31' : '32-63'}`,
      'current_link_speed=32.0 GT/s PCIe',
      'max_link_speed=32.0 GT/s PCIe',
      `current_link_width=${width}`,
      'max_link_width=16',
    ].join('\t');
  });
  return { name: 'host-sysfs-pci.txt', content: `${lines.join('\n')}\n` };
}

function vmConf(vmid: number, hostpci: readonly string[], extra = ''): InputFile {
  const lines = [
    `name: vm${vmid}`,
    'affinity: 0-15',
    'cores: 16',
    'machine: q35',
    'memory: 65536',
    'tags: training',
    ...hostpci.map((h, i) => `hostpci${i}: ${h}`),
  ];
  return { name: `${vmid}.conf`, content: `${lines.join('\n')}\n${extra}` };
}

interface Row {
  bus: string;
  uuid?: string | undefined;
  util: number;
  used: number;
  name?: string;
}

/** A guest's `--query-gpu` CSV (the columns the collector asks for, the ones that matter here). */
function guest(rows: readonly Row[], host = 'guest-vm'): Snapshot {
  const csv = [
    'index, uuid, name, pci.bus_id, memory.total [MiB], memory.used [MiB], utilization.gpu [%], pstate',
    ...rows.map(
      (r, i) =>
        `${i}, ${r.uuid ?? '[N/A]'}, ${r.name ?? 'NVIDIA H100 80GB HBM3'}, 00000000:${r.bus}, 81559 MiB, ${r.used} MiB, ${r.util} %, P0`,
    ),
  ].join('\n');
  return ingest([{ name: `${host}.csv`, content: `${csv}\n` }], { host }).snapshot;
}

const host = (files: InputFile[]) => ingest(files).snapshot;
const byBus = (s: Snapshot, bus: string) => s.gpus.find((g) => g.busId === bus)!;

describe('mergeGuests: mapping guest GPUs to host GPUs', () => {
  it('maps by order (hostpci order ↔ guest bus order) and says so, with the real qm config whose order is not the bus order', () => {
    // hostpci0..7 = 3d, 3e, 1a, 1b, b1, b2, 89, 88 (samples/real/proxmox/qm-config-101-grep-hostpci-…)
    const conf = real('proxmox/qm-config-101-grep-hostpci-8x-rtx3080-20gb-supermicro-4029gp-2socket.txt');
    const buses = ['3d', '3e', '1a', '1b', 'b1', 'b2', '89', '88'].map((b) => `0000:${b}:00.0`);
    const h = host([sysfs(buses, '0x2206'), conf]);
    const g = guest(
      buses.map((_, i) => ({
        bus: `0${i + 1}:00.0`,
        util: 10 + i,
        used: 1000 * (i + 1),
        name: 'NVIDIA GeForce RTX 3080',
      })),
    );
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 101, snapshot: g }]);
    buses.forEach((b, i) => {
      expect(byBus(snapshot, b).utilization.gpuPct, b).toBe(10 + i);
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('VM 101');
    expect(warnings[0]).toContain('by order');
    expect(warnings[0]).toContain('hostpci0 GPU2 0000:3d:00.0 → guest 0000:01:00.0');
    // the workload now has readings for all its GPUs
    const w = snapshot.workloads[0]!;
    expect(w.gpus).toHaveLength(8);
    expect(w.gpus.every((i) => snapshot.gpus[i]!.utilization.gpuPct !== null)).toBe(true);
  });

  it('maps by UUID when both sides know it, whatever the order, without an order warning', () => {
    const buses = ['0000:1b:00.0', '0000:43:00.0'];
    const h = host([sysfs(buses), vmConf(101, ['0000:1b:00,pcie=1', '0000:43:00,pcie=1'])]);
    const uuids = ['GPU-11111111-2222-3333-4444-555555555555', 'GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'];
    h.gpus[0]!.uuid = uuids[0]!;
    h.gpus[1]!.uuid = uuids[1]!;
    // the guest sees them the other way round: the first guest bus id is the second host GPU
    const g = guest([
      { bus: '01:00.0', uuid: uuids[1], util: 80, used: 5000 },
      { bus: '02:00.0', uuid: uuids[0], util: 20, used: 1000 },
    ]);
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 101, snapshot: g }]);
    expect(byBus(snapshot, '0000:1b:00.0').utilization.gpuPct).toBe(20);
    expect(byBus(snapshot, '0000:43:00.0').utilization.gpuPct).toBe(80);
    expect(warnings).toEqual([]);
  });

  it('a guest showing fewer GPUs than the VM passes through: nothing guessed, the VM and the unmatched GPUs named (real RTX 3080 VM, GPU3 lost)', () => {
    const conf = real('proxmox/qm-config-101-grep-hostpci-8x-rtx3080-20gb-supermicro-4029gp-2socket.txt');
    const buses = ['3d', '3e', '1a', '1b', 'b1', 'b2', '89', '88'].map((b) => `0000:${b}:00.0`);
    const h = host([sysfs(buses, '0x2206'), conf]);
    // the real guest-side query-gpu: 7 GPUs, GPU3 (04:00.0) unreadable
    const g = ingest([
      real('smi-csv/rtx3080-8x-kvm-guest-query-gpu-noheader-unable-to-determine-handle-gpu3-EDITED.csv.txt'),
    ]).snapshot;
    expect(g.gpus).toHaveLength(7);
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 101, snapshot: g }]);
    const mismatch = warnings.find((w) => w.includes('passes through 8 GPU(s) but the guest shows 7'));
    expect(mismatch).toBeDefined();
    expect(mismatch).toContain('VM 101');
    expect(mismatch).toContain('hostpci3 GPU1 0000:1b:00.0');
    expect(mismatch).toContain('0000:05:00.0');
    expect(mismatch).toContain('fallen off the bus');
    // never a wrong mapping: no host GPU took a guest's reading
    expect(snapshot.gpus.every((x) => x.name === 'NVIDIA GeForce RTX 3080' || x.name === null)).toBe(true);
    expect(snapshot.gpus.every((x) => x.uuid === null && x.memory.totalMiB === null)).toBe(true);
    // the guest's own source (and its warning that GPU3 was unreadable) is listed with the host's
    const src = snapshot.sources.find((s) => s.format === 'smi-csv');
    expect(src?.warnings.some((w) => w.includes('Unable to determine the device handle for GPU3'))).toBe(
      true,
    );
  });

  it('a guest for a VM id with no VM config is a warning, and nothing is merged', () => {
    const h = host([sysfs(['0000:1b:00.0']), vmConf(101, ['0000:1b:00,pcie=1'])]);
    const g = guest([{ bus: '01:00.0', util: 50, used: 100 }], 'stray-guest');
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 999, snapshot: g, source: 'stray-guest' }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('guest stray-guest runs as VM 999');
    expect(warnings[0]).toContain('VMs: 101');
    expect(snapshot.gpus[0]!.utilization.gpuPct).toBeNull();
    expect(snapshot.sources.some((s) => s.file === 'stray-guest.csv')).toBe(false);
  });

  it('ignores non-GPU hostpci entries (USB, NIC, the audio function .1) when matching by order', () => {
    const h = host([
      sysfs(['0000:03:00.0', '0000:41:00.0']),
      vmConf(101, [
        '0000:03:00.0,pcie=1,x-vga=1',
        '0000:03:00.1,pcie=1',
        '0000:00:14',
        '0000:0f:00.4',
        '41:00,pcie=1',
      ]),
    ]);
    const g = guest([
      { bus: '01:00.0', util: 11, used: 100 },
      { bus: '05:00.0', util: 55, used: 500 },
    ]);
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 101, snapshot: g }]);
    expect(byBus(snapshot, '0000:03:00.0').utilization.gpuPct).toBe(11);
    expect(byBus(snapshot, '0000:41:00.0').utilization.gpuPct).toBe(55);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'hostpci0 GPU0 0000:03:00.0 → guest 0000:01:00.0, hostpci4 GPU1 0000:41:00.0',
    );
    expect(warnings[0]).not.toMatch(/00:14|0f:00|03:00\.1/);
  });

  it('keeps the host physical facts and name; takes readings, uuid, processes; not the guest host name or virtualisation mode', () => {
    const h = host([
      sysfs(['0000:9d:00.0', '0000:c3:00.0'], '0x2330', 8),
      vmConf(102, ['0000:9d:00,pcie=1', 'c3:00']),
    ]);
    const xml = readFileSync(join(REAL, '../fleet/pve-guest-102.txt'), 'utf8');
    const g = ingest([{ name: 'guest.txt', content: xml }]).snapshot;
    const { snapshot } = mergeGuests(h, [{ vmid: 102, snapshot: g }]);
    expect(snapshot.host).toBe(h.host);
    expect(g.host).toBe('infer-chat');
    const m = snapshot.gpus[0]!;
    expect(m.busId).toBe('0000:9d:00.0');
    expect(m.numaNode).toBe(1);
    expect(m.cpuAffinity).toEqual(h.gpus[0]!.cpuAffinity);
    expect(m.pcie.widthCurrent).toBe(8); // sysfs says x8, the guest x16: the host's link wins
    expect(m.virtualizationMode).toBeNull(); // the guest's Pass-Through is a guest's view
    expect(m.uuid).toBe(g.gpus[0]!.uuid);
    expect(m.utilization.gpuPct).toBe(31);
    expect(m.memory).toEqual({ totalMiB: 81559, usedMiB: 70411 });
    expect(m.power.drawW).toBe(248.4);
    expect(m.temperatureC).toBe(41);
    expect(m.pstate).toBe('P0');
    expect(m.ecc.mode).toBe('enabled');
    expect(m.mig.mode).toBe('disabled');
    expect(m.family).toBe('H100-SXM');
    expect(snapshot.processes).toEqual([
      expect.objectContaining({ pid: 2871, gpuIndex: 0, gpuUuid: m.uuid, name: 'VLLM::EngineCore' }),
      expect.objectContaining({ pid: 2874, gpuIndex: 1, gpuUuid: snapshot.gpus[1]!.uuid }),
    ]);
    // the differing link width is listed, host value kept
    expect(snapshot.conflicts).toContainEqual(
      expect.objectContaining({ subject: 'GPU0', field: 'pcie.widthCurrent', kept: 8, kind: 'sampled' }),
    );
    // the guest CPU, NUMA and topology are not the host's
    expect(snapshot.cpu).toEqual(h.cpu);
    expect(snapshot.links).toEqual(h.links);
    expect(snapshot.driverVersion).toBe('565.57.01');
    // the input is not changed
    expect(h.gpus[0]!.utilization.gpuPct).toBeNull();
  });

  it('is deterministic: the guests in any order give the same snapshot', () => {
    const h = host([
      sysfs(['0000:1b:00.0', '0000:9d:00.0']),
      vmConf(101, ['0000:1b:00']),
      vmConf(102, ['0000:9d:00']),
    ]);
    const a = guest([{ bus: '01:00.0', util: 10, used: 10 }], 'a');
    const b = guest([{ bus: '01:00.0', util: 20, used: 20 }], 'b');
    const one = mergeGuests(h, [
      { vmid: 101, snapshot: a },
      { vmid: 102, snapshot: b },
    ]);
    const two = mergeGuests(h, [
      { vmid: 102, snapshot: b },
      { vmid: 101, snapshot: a },
    ]);
    expect(two).toEqual(one);
    expect(one.snapshot.gpus.map((g) => g.utilization.gpuPct)).toEqual([10, 20]);
  });

  it('a second view of the same VM, and a GPU two VM configs pass through, are not merged twice', () => {
    const h = host([sysfs(['0000:1b:00.0']), vmConf(101, ['0000:1b:00']), vmConf(102, ['0000:1b:00'])]);
    const a = guest([{ bus: '01:00.0', util: 10, used: 10 }], 'a');
    const b = guest([{ bus: '01:00.0', util: 90, used: 90 }], 'b');
    const { snapshot, warnings } = mergeGuests(h, [
      { vmid: 101, snapshot: a, source: 'a' },
      { vmid: 101, snapshot: b, source: 'b' },
      { vmid: 102, snapshot: b, source: 'b' },
    ]);
    expect(snapshot.gpus[0]!.utilization.gpuPct).toBe(10);
    expect(warnings).toContainEqual(expect.stringContaining('VM 101: a second guest view (b) was ignored'));
    expect(warnings).toContainEqual(expect.stringContaining("already merged from VM 101's guest"));
  });

  it('vGPU (mdev) entries are not merged into the shared GPU', () => {
    const h = host([sysfs(['0000:1b:00.0']), vmConf(101, ['0000:1b:00,mdev=nvidia-592'])]);
    const g = guest([{ bus: '01:00.0', util: 10, used: 10 }]);
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 101, snapshot: g }]);
    expect(snapshot.gpus[0]!.utilization.gpuPct).toBeNull();
    expect(warnings[0]).toContain('vGPU (mdev=nvidia-592)');
  });
});

describe('mergeGuests: real shapes of hostpci', () => {
  const mapping = (paths: string): InputFile => ({
    name: 'pci.cfg',
    content: `gpu-a\n\tmap id=10de:2330,iommugroup=41,node=pve1,path=${paths}\n`,
  });

  it('mapping=<id> resolved through the host PCI mapping', () => {
    const h = host([
      sysfs(['0000:1b:00.0', '0000:52:00.0']),
      vmConf(101, ['mapping=gpu-a,pcie=1']),
      mapping('0000:52:00.0'),
    ]);
    const { snapshot, warnings } = mergeGuests(h, [
      { vmid: 101, snapshot: guest([{ bus: '01:00.0', util: 42, used: 1 }]) },
    ]);
    expect(byBus(snapshot, '0000:52:00.0').utilization.gpuPct).toBe(42);
    expect(byBus(snapshot, '0000:1b:00.0').utilization.gpuPct).toBeNull();
    expect(warnings[0]).toContain('hostpci0 GPU1 0000:52:00.0 → guest 0000:01:00.0');
  });

  it('mapping=<id> the host bundle does not define: said, and no order guessed around it', () => {
    const h = host([sysfs(['0000:1b:00.0', '0000:52:00.0']), vmConf(101, ['0000:1b:00', 'mapping=gpu-b'])]);
    const g = guest([
      { bus: '01:00.0', util: 1, used: 1 },
      { bus: '02:00.0', util: 2, used: 2 },
    ]);
    const { snapshot, warnings } = mergeGuests(h, [{ vmid: 101, snapshot: g }]);
    expect(snapshot.gpus.every((x) => x.utilization.gpuPct === null)).toBe(true);
    expect(warnings[0]).toContain("PCI mapping 'gpu-b', which the host bundle does not define");
    expect(warnings[1]).toContain('hostpci1 mapping=gpu-b could not be resolved');
  });

  it('a mapping with several paths (Proxmox picks one) is not matched by order', () => {
    const h = host([
      sysfs(['0000:1b:00.0', '0000:52:00.0']),
      vmConf(101, ['mapping=gpu-a']),
      mapping('0000:1b:00.0;0000:52:00.0'),
    ]);
    const { snapshot, warnings } = mergeGuests(h, [
      { vmid: 101, snapshot: guest([{ bus: '01:00.0', util: 3, used: 3 }]) },
    ]);
    expect(snapshot.gpus.every((x) => x.utilization.gpuPct === null)).toBe(true);
    expect(warnings[0]).toContain('hostpci0 name several host GPUs');
  });

  it.each([
    ['0000:41:00,pcie=1,x-vga=1'],
    ['41:00'],
    ['0000:41:00.0'],
    ['41:00.0,pcie=1'],
    ['host=0000:41:00,pcie=1,rombar=0'],
  ])('hostpci %s names the GPU at 0000:41:00.0 (all functions or function 0)', (spec) => {
    const h = host([sysfs(['0000:41:00.0']), vmConf(101, [spec])]);
    const { snapshot } = mergeGuests(h, [
      { vmid: 101, snapshot: guest([{ bus: '01:00.0', util: 77, used: 7 }]) },
    ]);
    expect(snapshot.gpus[0]!.utilization.gpuPct).toBe(77);
  });

  it('multifunction 41:00 listed next to 41:00.0 and the audio function is one card', () => {
    const h = host([sysfs(['0000:41:00.0']), vmConf(101, ['0000:41:00.0;0000:41:00.1', '41:00'])]);
    const { snapshot, warnings } = mergeGuests(h, [
      { vmid: 101, snapshot: guest([{ bus: '01:00.0', util: 5, used: 5 }]) },
    ]);
    expect(snapshot.gpus[0]!.utilization.gpuPct).toBe(5);
    expect(warnings).toHaveLength(1);
  });

  it('real Proxmox configs: GTX 1070 with x-vga, its audio function, USB and HD-audio controllers; GPU + USB function 4', () => {
    for (const [file, bus] of [
      ['proxmox/qemu-server-101.conf-gtx1070-win10-hostpci0-3-q35-10.0.txt', '0000:03:00.0'],
      [
        'proxmox/qemu-server-210.conf-gtx1070-habr-win10-q35-7.2-hostpci-gpu-plus-usb-fn4.txt',
        '0000:01:00.0',
      ],
    ] as const) {
      const h = host([sysfs([bus], '0x1b81'), real(file)]);
      const vmid = h.workloads[0]!.vm!.vmid!;
      const g = guest([{ bus: '01:00.0', util: 64, used: 4000, name: 'NVIDIA GeForce GTX 1070' }]);
      const { snapshot, warnings } = mergeGuests(h, [{ vmid, snapshot: g }]);
      expect(snapshot.gpus[0]!.utilization.gpuPct, file).toBe(64);
      expect(snapshot.gpus[0]!.name, file).toBe('NVIDIA GeForce GTX 1070');
      expect(warnings, file).toHaveLength(1);
      expect(warnings[0], file).toContain(`hostpci0 GPU0 ${bus} → guest 0000:01:00.0`);
    }
  });
});

describe('ingestProxmoxFleet', () => {
  const hostFiles = [sysfs(['0000:1b:00.0']), vmConf(101, ['0000:1b:00,pcie=1'])];
  const csv = (util: number) => ({
    name: 'guest-101.csv',
    content: `index, uuid, name, pci.bus_id, memory.total [MiB], memory.used [MiB], utilization.gpu [%]\n0, GPU-0b6f1e2c-0000-1111-2222-333344445555, NVIDIA H100 80GB HBM3, 00000000:01:00.0, 81559 MiB, 40000 MiB, ${util} %\n`,
  });

  it('without guests the host ingests as before: no readings, no score', () => {
    const r = ingestProxmoxFleet(hostFiles, []);
    expect(r.snapshot).toEqual(ingest(hostFiles).snapshot);
    expect(r.warnings).toEqual([]);
    const a = analyzeHost(r.snapshot);
    expect(a.score).toBeNull();
    expect(a.scoreReason?.en).toContain('passthrough');
  });

  it('with its guest the host gets a score, and the merge warnings are a source of their own', () => {
    const r = ingestProxmoxFleet(hostFiles, [{ vmid: 101, files: [csv(90)], source: 'vm101.example' }]);
    const a = analyzeHost(r.snapshot);
    expect(a.score).not.toBeNull();
    expect(a.score!.basis.gpus).toBe(1);
    const src = r.snapshot.sources.find((s) => s.format === PASSTHROUGH_SOURCE);
    expect(src?.warnings).toEqual(r.warnings);
    expect(r.warnings[0]).toContain('by order');
    expect(r.snapshot.sources.some((s) => s.file === 'guest-101.csv')).toBe(true);
  });

  it('a guest with no usable file is a rejection and a warning; the host is still analysed', () => {
    const r = ingestProxmoxFleet(hostFiles, [{ vmid: 101, files: [{ name: 'empty.txt', content: '' }] }]);
    expect(r.rejected.map((x) => [x.file, x.error.code])).toEqual([['empty.txt', 'INPUT_EMPTY']]);
    expect(r.warnings[0]).toContain('VM 101: no usable input from the guest empty.txt');
    expect(r.snapshot.gpus).toHaveLength(1);
  });
});
