import { describe, expect, it } from 'vitest';
import { ProxmoxVm } from '../../scoring/snapshot.ts';
import type { WorkloadSpec } from '../../tools/ingest/fragment.ts';
import { proxmoxVmParser as parser } from '../../tools/parsers/proxmox-vm.ts';
import { describeDetectIsolation, describeRobustness, readReal } from '../helpers/fixtures.ts';

const RTX5060 = 'proxmox/qemu-server-100.conf-rtx5060ti-win11-hugepages-hostpci0-3-q35-11.0.txt';
const GTX1070 = 'proxmox/qemu-server-101.conf-gtx1070-win10-hostpci0-3-q35-10.0.txt';
const HOMELAB = 'proxmox/qemu-server-101.conf-homelab-win10-q35-8.0-hostpci0-cpu-hidden-vga-virtio.txt';
const HABR = 'proxmox/qemu-server-210.conf-gtx1070-habr-win10-q35-7.2-hostpci-gpu-plus-usb-fn4.txt';
const GREP = 'proxmox/qm-config-101-grep-hostpci-8x-rtx3080-20gb-supermicro-4029gp-2socket.txt';
const OWN = [RTX5060, GTX1070, HOMELAB, HABR, GREP];

function one(text: string, name?: string): WorkloadSpec {
  const f = parser.parse(text, name === undefined ? undefined : { name });
  expect(f.format).toBe('proxmox-vm');
  expect(f.workloads).toHaveLength(1);
  const w = f.workloads![0]!;
  expect(ProxmoxVm.safeParse(w.vm).success).toBe(true);
  return w;
}

describeDetectIsolation(parser, { own: OWN, recognise: 0.9, minOthers: 50 });

describe('proxmox-vm detect', () => {
  it('does not take an LXC container config or a workloads file', () => {
    expect(
      parser.detect('arch: amd64\nhostname: ct1\nostype: debian\nrootfs: local-lvm:vm-200-disk-0,size=8G\n'),
    ).toBeLessThan(0.5);
    expect(parser.detect('workloads:\n  - name: a\n    kind: training\n    gpus: [0]\n')).toBe(0);
  });
});

describe('proxmox-vm: qm config | grep hostpci (8x RTX 3080)', () => {
  it('reads 8 hostpci entries with normalised bus ids', () => {
    const w = one(readReal(GREP), 'qm-config-101-grep-hostpci.txt');
    const ids = ['3d', '3e', '1a', '1b', 'b1', 'b2', '89', '88'].map((b) => `0000:${b}:00.0`);
    expect(w.vm!.hostpci.map((h) => h.slot)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `hostpci${i}`));
    expect(w.vm!.hostpci.map((h) => h.busId)).toEqual(ids);
    expect(w.vm!.hostpci.every((h) => h.pcie === true && h.mapping === null && h.mdev === null)).toBe(true);
    expect(w.vm!.hostpci[0]!.raw).toBe('0000:3d:00,pcie=1');
    expect(w.gpuRefs).toEqual(ids);
    // `qm-config-101-…`: the id comes from the qm-config naming convention
    expect(w.vm!.vmid).toBe(101);
    expect(w.name).toBe('vm-101');
    expect(w.kind).toBe('other');
    expect(w.cpus).toBeNull();
  });

  it('takes the VMID from a bundle label', () => {
    const w = one(readReal(GREP), 'pve-qemu-server/101.conf');
    expect(w.vm!.vmid).toBe(101);
    expect(w.name).toBe('vm-101');
  });
});

describe('proxmox-vm: homelab 101.conf (x-vga, q35 8.0)', () => {
  const w = one(readReal(HOMELAB), '/etc/pve/qemu-server/101.conf');

  it('reads the VM', () => {
    expect(w.name).toBe('vm.umbrella.net');
    expect(w.kind).toBe('other');
    expect(w.vm).toMatchObject({
      vmid: 101,
      affinity: null,
      numa: false,
      numaNodes: [],
      cores: 2,
      sockets: 1,
      memoryMiB: 8192,
      machine: 'pc-q35-8.0',
      tags: [],
    });
    expect(w.vm!.hostpci).toEqual([
      {
        slot: 'hostpci0',
        busId: '0000:01:00.0',
        mapping: null,
        mdev: null,
        pcie: true,
        raw: '0000:01:00,pcie=1,x-vga=1',
      },
    ]);
    expect(w.gpuRefs).toEqual(['0000:01:00.0']);
    expect(w.distributed).toBeNull();
    expect(w.memoryGiB).toBeNull();
  });
});

describe('proxmox-vm: other real configs', () => {
  it('GTX 1070 101.conf: GPU + its audio function + two chipset devices', () => {
    const w = one(readReal(GTX1070), '101.conf');
    expect(w.name).toBe('windows-10');
    expect(w.vm!.hostpci.map((h) => h.busId)).toEqual([
      '0000:03:00.0',
      '0000:03:00.1',
      '0000:00:14.0',
      '0000:00:1b.0',
    ]);
    // 03:00.1 is the same card as 03:00.0
    expect(w.gpuRefs).toEqual(['0000:03:00.0', '0000:00:14.0', '0000:00:1b.0']);
    expect(w.vm).toMatchObject({
      cores: 6,
      sockets: 2,
      memoryMiB: 8192,
      machine: 'pc-q35-10.0',
      numa: false,
    });
  });

  it('RTX 5060 Ti 100.conf (with parent: snapshot marker)', () => {
    const w = one(readReal(RTX5060), 'qemu-server/100.conf');
    expect(w.name).toBe('tiny11');
    expect(w.vm).toMatchObject({
      vmid: 100,
      cores: 12,
      sockets: 1,
      memoryMiB: 24576,
      numa: true,
      machine: 'pc-q35-11.0',
    });
    expect(w.vm!.hostpci.map((h) => [h.busId, h.pcie])).toEqual([
      ['0000:08:00.0', true],
      ['0000:01:00.0', null],
      ['0000:02:00.0', null],
      ['0000:0a:00.3', null],
    ]);
  });

  it('habr 210.conf: GPU plus USB controller function 4', () => {
    const f = parser.parse(readReal(HABR), { name: 'pve-qemu-server/210.conf' });
    const w = f.workloads![0]!;
    expect(w.name).toBe('Windows');
    expect(w.vm!.vmid).toBe(210);
    expect(w.gpuRefs).toEqual(['0000:01:00.0', '0000:0f:00.4']);
    expect(w.vm!.memoryMiB).toBe(32768);
    expect(f.warnings).toBeUndefined();
  });
});

const SYNTHETIC = [
  '#Training VM for team A',
  '#  owner: ml-platform',
  'agent: 1',
  'affinity: 0-15,32-47',
  'boot: order=scsi0',
  'cores: 16',
  'hostpci0: mapping=gpu-a,pcie=1',
  'hostpci1: 0000:4b:00.4,mdev=nvidia-592',
  'hostpci2: host=0000:17:00;0000:17:00.1,pcie=1,rombar=0',
  'hostpci3: 3d:00.0,x-vga=1,pcie=0',
  'machine: q35',
  'memory: 131072',
  'name: llm-finetune',
  'numa: 1',
  'numa0: cpus=0-7;16-23,hostnodes=0,memory=65536,policy=bind',
  'numa1: cpus=8-15;24-31,hostnodes=1,memory=65536,policy=bind',
  'ostype: l26',
  'scsihw: virtio-scsi-single',
  'sockets: 2',
  'tags: training;team-a',
  'vmgenid: 3a25e253-1035-4723-ae70-1a0069ba49e3',
  '',
  '[before-upgrade]',
  'cores: 4',
  'hostpci0: 0000:99:00,pcie=1',
  'name: old',
  'snaptime: 1700000000',
  '',
].join('\r\n');

describe('proxmox-vm: synthetic config with mappings, mdev, NUMA and a snapshot', () => {
  const f = parser.parse(SYNTHETIC, { name: 'pve-qemu-server/4242.conf' });
  const w = f.workloads![0]!;

  it('reads the current config only', () => {
    expect(ProxmoxVm.safeParse(w.vm).success).toBe(true);
    expect(w.name).toBe('llm-finetune');
    expect(w.kind).toBe('training');
    expect(w.vm).toMatchObject({
      vmid: 4242,
      affinity: '0-15,32-47',
      numa: true,
      cores: 16,
      sockets: 2,
      memoryMiB: 131072,
      machine: 'q35',
      tags: ['training', 'team-a'],
    });
  });

  it('expands hostpci entries', () => {
    expect(w.vm!.hostpci).toEqual([
      {
        slot: 'hostpci0',
        busId: null,
        mapping: 'gpu-a',
        mdev: null,
        pcie: true,
        raw: 'mapping=gpu-a,pcie=1',
      },
      {
        slot: 'hostpci1',
        busId: '0000:4b:00.4',
        mapping: null,
        mdev: 'nvidia-592',
        pcie: null,
        raw: '0000:4b:00.4,mdev=nvidia-592',
      },
      {
        slot: 'hostpci2',
        busId: '0000:17:00.0',
        mapping: null,
        mdev: null,
        pcie: true,
        raw: 'host=0000:17:00;0000:17:00.1,pcie=1,rombar=0',
      },
      {
        slot: 'hostpci2',
        busId: '0000:17:00.1',
        mapping: null,
        mdev: null,
        pcie: true,
        raw: 'host=0000:17:00;0000:17:00.1,pcie=1,rombar=0',
      },
      {
        slot: 'hostpci3',
        busId: '0000:3d:00.0',
        mapping: null,
        mdev: null,
        pcie: false,
        raw: '3d:00.0,x-vga=1,pcie=0',
      },
    ]);
    expect(w.gpuRefs).toEqual(['mapping:gpu-a', '0000:4b:00.4', '0000:17:00.0', '0000:3d:00.0']);
  });

  it('reads NUMA nodes and affinity', () => {
    expect(w.vm!.numaNodes).toEqual([
      { id: 0, cpus: '0-7;16-23', hostnodes: '0', memoryMiB: 65536, policy: 'bind' },
      { id: 1, cpus: '8-15;24-31', hostnodes: '1', memoryMiB: 65536, policy: 'bind' },
    ]);
    expect(w.cpus).toEqual([
      ...Array.from({ length: 16 }, (_, i) => i),
      ...Array.from({ length: 16 }, (_, i) => 32 + i),
    ]);
    expect(f.warnings).toBeUndefined();
  });

  it('stops at [PENDING] and says so', () => {
    const g = parser.parse('cores: 4\nhostpci0: 01:00\n[PENDING]\nhostpci1: 02:00\n');
    expect(g.workloads![0]!.vm!.hostpci).toHaveLength(1);
    expect(g.warnings?.some((x) => /PENDING/.test(x))).toBe(true);
  });
});

describe('proxmox-vm: kinds, names and odd configs', () => {
  it('derives the kind from tags, then explicit words in the name', () => {
    expect(one('name: a\ncores: 1\ntags: serving\n').kind).toBe('inference');
    expect(one('name: a\ncores: 1\ntags: infer,prod\n').kind).toBe('inference');
    expect(one('name: a\ncores: 1\ntags: train\n').kind).toBe('training');
    expect(one('name: llama-infer-01\ncores: 1\n').kind).toBe('inference');
    expect(one('name: VM-training-01\ncores: 1\n').kind).toBe('training');
    expect(one('name: trainer-box\ncores: 1\n').kind).toBe('other');
    expect(one('name: llm-serving\ncores: 1\n').kind).toBe('other');
    expect(one('name: a\ncores: 1\ntags: training;inference\n').kind).toBe('other');
  });

  it('accepts a VM without hostpci, with a warning', () => {
    const f = parser.parse('name: plain\ncores: 4\nmemory: current=4096\nostype: l26\n', {
      name: '300.conf',
    });
    const w = f.workloads![0]!;
    expect(w.gpuRefs).toEqual([]);
    expect(w.vm!.hostpci).toEqual([]);
    expect(w.vm!.memoryMiB).toBe(4096);
    expect(f.warnings?.some((x) => /no hostpci/.test(x))).toBe(true);
  });

  it('warns about an invalid affinity and a bad PCI id', () => {
    const f = parser.parse('name: x\naffinity: all\nhostpci0: zz:yy\n');
    expect(f.workloads![0]!.cpus).toBeNull();
    expect(f.workloads![0]!.vm!.affinity).toBe('all');
    expect(f.workloads![0]!.vm!.hostpci[0]!.busId).toBeNull();
    expect(f.warnings?.some((x) => /affinity/.test(x))).toBe(true);
    expect(f.warnings?.some((x) => /not a PCI address/.test(x))).toBe(true);
  });

  it('reads qm config output with trailing spaces and a digest', () => {
    const w = one(
      'boot: order=scsi0   \ncores: 8  \ndigest: 0123abcd\nhostpci0: 0000:81:00,pcie=1  \nname: infer-1\n',
    );
    expect(w.gpuRefs).toEqual(['0000:81:00.0']);
    expect(w.vm!.cores).toBe(8);
    expect(w.kind).toBe('inference');
  });
});

describe('proxmox-vm: rejects what it cannot use', () => {
  it('throws on text without Proxmox keys', () => {
    expect(() => parser.parse('hello world\nfoo bar\n')).toThrow(/not a Proxmox VM config/);
    expect(() => parser.parse('workloads:\n  - name: a\n')).toThrow(/not a Proxmox VM config/);
  });
});

describeRobustness(parser, {
  hint: { name: 'x.conf' },
  foreign: ['numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt'],
  truncated: readReal(HOMELAB),
  noise: { alphabet: 'hostpci0:=,; \n\tabc019.-#[]', seed: 11 },
  odd: {
    'an empty hostpci value': 'hostpci0: ',
    'a hostpci value of separators': 'hostpci0: ,,,;;;===',
    'a numa line without a value': 'numa0: cpus',
    'a config cut at 123 characters': () => readReal(HOMELAB).slice(0, 123),
    'a 3 MB name': `name: ${'x'.repeat(3_000_000)}`,
  },
});

describe('proxmox-vm: the VM id', () => {
  const CONF = 'name: train-02\ncores: 16\nmemory: 65536\nhostpci0: 0000:17:00,pcie=1\n';
  const vmid = (text: string, name?: string, hint?: number) => {
    const f = parser.parse(text, {
      ...(name === undefined ? {} : { name }),
      ...(hint === undefined ? {} : { vmid: hint }),
    });
    return { id: f.workloads![0]!.vm!.vmid, warnings: f.warnings ?? [] };
  };

  it('from a pasted prompt line, a `# VMID` comment or a bundle section name', () => {
    expect(vmid(`root@pve:~# qm config 102\n${CONF}`, 'paste.txt')).toEqual({ id: 102, warnings: [] });
    expect(vmid(`$ sudo qm config 102 --current\n${CONF}`).id).toBe(102);
    expect(vmid(`root@pve:~# cat /etc/pve/qemu-server/102.conf\n${CONF}`).id).toBe(102);
    expect(vmid(`# VMID 102\n${CONF}`).id).toBe(102);
    expect(vmid(CONF, 'pve-qemu-server/102.conf').id).toBe(102);
    expect(vmid(CONF, 'bundle.txt#qemu-server/102.conf').id).toBe(102);
  });

  it('from the naming conventions of the file', () => {
    for (const name of [
      '102.conf',
      '/tmp/uploads/102.conf',
      'qemu-server-102.conf',
      'qm-config-102.txt',
      'vm102.conf',
      'vm-102.txt',
      '102.txt',
      'qm_config_102.txt',
    ])
      expect(vmid(CONF, name).id, name).toBe(102);
    for (const name of ['gpu-node-01.conf', 'vm-a.txt', 'rtx3080.txt', 'vm12.conf'])
      expect(vmid(CONF, name).id, name).toBeNull();
  });

  it('an explicit id (--vmid) wins; a disagreement is reported', () => {
    expect(vmid(CONF, 'config.txt', 102)).toEqual({ id: 102, warnings: [] });
    const r = vmid(`root@pve:~# qm config 103\n${CONF}`, '104.conf', 102);
    expect(r.id).toBe(102);
    expect(r.warnings).toEqual([
      'the content says VM 103, but VM 102 is used (the id given wins)',
      'the file name says VM 104, but VM 102 is used (the id given wins)',
    ]);
    expect(vmid(CONF, 'x.txt', 42).warnings[0]).toBe(
      'the VM id given (42) is not a Proxmox VM id (100–999999999): ignored',
    );
  });

  it('no id anywhere: vmid null and a warning that says how to give it', () => {
    const r = vmid(CONF, 'config.txt');
    expect(r.id).toBeNull();
    expect(r.warnings).toContain('VM config without a VM id: name the file 102.conf or pass --vmid 102');
  });
});

describe('proxmox-vm: names copied into commands are validated', () => {
  it('a name outside the Proxmox DNS-name rule becomes vm-<id>, with a warning', () => {
    for (const bad of [
      'train; rm -rf /',
      'train_01',
      '-lead',
      `${'a'.repeat(64)}`,
      'x\u001b[31m',
      '$(reboot)',
    ]) {
      const f = parser.parse(`name: ${bad}\nhostpci0: 0000:17:00\n`, { name: '102.conf' });
      expect(f.workloads![0]!.name, bad).toBe('vm-102');
      expect(f.warnings?.[0], bad).toMatch(
        /is not a valid Proxmox VM name .*: the VM is called vm-102 instead$/,
      );
    }
  });

  it('valid names are kept', () => {
    for (const good of ['train-01', 'vm.umbrella.net', 'A100-infer', '7b', `${'a'.repeat(63)}.b`]) {
      const f = parser.parse(`name: ${good}\nhostpci0: 0000:17:00\n`, { name: '102.conf' });
      expect(f.workloads![0]!.name, good).toBe(good);
    }
  });
});
