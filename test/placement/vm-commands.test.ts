/**
 * Proxmox VMs in the commands (issue: "VM vs bare metal" and "a VM that already has virtual NUMA nodes").
 * A workload from a Proxmox VM config only ever gets `qm` commands — with a `<VMID>` placeholder (manual,
 * saying how to find it) when the VM id is not in the inputs — never `kill`, `numactl` or a MIG step while
 * a VM still holds the GPU. Every `numaN` the plan writes is consistent: vCPU ranges partition the VM's
 * vCPUs, the memory sums to the VM's, and today's extra `numaN` entries are deleted.
 */
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { buildContext } from '../../scoring/context.ts';
import { cpuGroups } from '../../scoring/placement/cpus.ts';
import { planHost } from '../../scoring/placement/index.ts';
import { vmNumaLayout } from '../../scoring/placement/vm-numa.ts';
import type { ProxmoxVm, Snapshot } from '../../scoring/snapshot.ts';
import { host, scenario } from '../helpers/placement.ts';

const BARE = /^(?:kill |CUDA_VISIBLE_DEVICES=)|numactl/;

/** The demo host with the VM ids of `names` removed (as when configs come without their file names). */
function withoutVmids(names: string[]): Snapshot {
  const snap = scenario('h200');
  for (const w of snap.workloads) if (names.includes(w.name)) w.vm!.vmid = null;
  return snap;
}

describe('VMs whose id is not in the inputs', () => {
  const unknown = ['train-vision-b', 'infer-chat', 'infer-embed'];
  const snap = withoutVmids(unknown);
  const plan = planHost(snap);
  const cmds = plan.commands.map((c) => c.command);

  it('the premise: they move, two of them onto MIG slices of a GPU train-vision-b holds today', () => {
    expect(plan.moves.map((m) => m.workload)).toEqual(expect.arrayContaining(unknown));
    const mig = plan.targets['infer-chat']!.gpus[0]!;
    expect(snap.workloads.find((w) => w.name === 'train-vision-b')!.gpus).toContain(mig);
  });

  it('never get bare-metal commands', () => {
    for (const c of cmds) expect(c, c).not.toMatch(BARE);
  });

  it('get qm commands with a <VMID> placeholder, manual, saying how to find the id', () => {
    for (const verb of ['shutdown', 'start']) {
      const lines = plan.commands.filter((c) => c.command === `qm ${verb} <VMID>`);
      expect(lines, verb).toHaveLength(unknown.length);
      for (const c of lines) expect(c.manual).toBe(true);
    }
    const stops = plan.commands.filter((c) => c.command === 'qm shutdown <VMID>');
    for (const c of stops) {
      expect(c.what.en).toContain('/etc/pve/qemu-server/<VMID>.conf');
      expect(c.what.en).toContain('qm list');
      expect(c.what.ko).toContain('qm list');
    }
    expect(stops.map((c) => unknown.find((n) => c.what.en.startsWith(`stop ${n}`)))).toEqual(unknown);
    const sets = plan.commands.filter((c) => c.command.startsWith('qm set <VMID> '));
    expect(sets).toHaveLength(unknown.length);
    for (const c of sets) expect(c.manual).toBe(true);
    // the known VMs keep their ids and stay automatic
    expect(cmds).toContain('qm shutdown 103');
    expect(plan.commands.find((c) => c.command === 'qm shutdown 103')!.manual).toBe(false);
    expect(plan.notes.some((n) => n.includes('<VMID>') && n.includes('train-vision-b'))).toBe(true);
  });

  it('MIG is enabled only after the VM holding the GPU is stopped and its config gives the GPU up', () => {
    const mig = plan.targets['infer-chat']!.gpus[0]!;
    const enable = cmds.indexOf(`nvidia-smi -i ${mig} -mig 1`);
    expect(enable).toBeGreaterThan(0);
    const stopB = plan.commands.findIndex(
      (c) => c.command === 'qm shutdown <VMID>' && c.what.en.startsWith('stop train-vision-b'),
    );
    const setB = plan.commands.findIndex(
      (c) => c.command.startsWith('qm set <VMID> ') && c.what.en.startsWith('train-vision-b'),
    );
    expect(stopB).toBeGreaterThanOrEqual(0);
    expect(stopB).toBeLessThan(enable);
    expect(setB).toBeLessThan(enable);
    const bus = snap.gpus.find((g) => g.index === mig)!.busId!.replace(/\.0$/, '');
    expect(plan.commands[setB]!.command).not.toContain(bus);
    expect(plan.commands[enable]!.what.en).toContain('passed through to the VM of train-vision-b');
  });
});

describe('a workload whose source is a Proxmox config is a VM even without VM facts', () => {
  it('gets qm commands, not kill / numactl', () => {
    const snap = scenario('h200');
    const w = snap.workloads.find((x) => x.name === 'train-rec-c')!;
    w.vm = null;
    expect(w.source.format).toBe('proxmox-vm');
    const plan = planHost(snap);
    expect(plan.moves.some((m) => m.workload === 'train-rec-c')).toBe(true);
    for (const c of plan.commands) expect(c.command, c.command).not.toMatch(BARE);
    expect(plan.commands.some((c) => c.command === 'qm shutdown <VMID>')).toBe(true);
  });
});

describe('a VM that already has virtual NUMA nodes', () => {
  /** VM 102 of the demo with two virtual nodes: numa1 has no hostnodes and half of the memory. */
  function twoNodeVm(): Snapshot {
    const files = scenarioFiles('h200').map((f) => {
      if (!f.name.endsWith('/102.conf')) return f;
      const text = Buffer.from(f.content)
        .toString('utf8')
        .replace(
          /^numa0: .*$/m,
          'numa0: cpus=0-15,hostnodes=0,memory=131072,policy=bind\nnuma1: cpus=16-31,memory=131072',
        );
      return { name: f.name, content: text };
    });
    return host(files);
  }
  const snap = twoNodeVm();
  const vm = snap.workloads.find((w) => w.name === 'train-vision-b')!.vm!;
  const plan = planHost(snap);
  const set = plan.commands.find((c) => c.command.startsWith('qm set 102 '))!;

  it('the premise: the config has numa0 and numa1 and the VM moves', () => {
    expect(vm.numaNodes.map((n) => n.id)).toEqual([0, 1]);
    expect(set).toBeDefined();
  });

  it('sets every numaN it keeps and deletes the others', () => {
    const numa = [...set.command.matchAll(/--numa(\d+) (\S+)/g)].map((m) => Number(m[1]));
    expect(numa).toEqual([0]);
    expect(set.command).toMatch(/ --delete (?:\S+,)?numa1(?:,\S+)?$/);
    expect(set.what.en).toContain('numa1');
  });

  it('the numa0 it writes covers all vCPUs and all of the VM memory', () => {
    const m = /--numa0 cpus=0-(\d+),hostnodes=(\d+),memory=(\d+),policy=bind/.exec(set.command)!;
    expect(Number(m[1]) + 1).toBe((vm.cores ?? 1) * (vm.sockets ?? 1));
    expect(Number(m[3])).toBe(vm.memoryMiB);
  });
});

describe('vmNumaLayout: Proxmox-valid virtual NUMA nodes', () => {
  const snap = scenario('h200');
  const ctx = buildContext(snap);
  const vm = (over: Partial<ProxmoxVm>): ProxmoxVm => ({ ...snap.workloads[0]!.vm!, ...over });
  const node0 = cpuGroups(ctx, [0]);
  const both = cpuGroups(ctx, [0, 4]);
  const cpus = (groups: typeof both, n: number) => groups.flatMap((g) => g.cpus.slice(0, n));

  const check = (v: ProxmoxVm, groups: typeof both, mine: number[]) => {
    const l = vmNumaLayout(v, groups, mine);
    let next = 0;
    for (const n of l.nodes) {
      expect(n.vcpus[0]).toBe(next);
      expect(n.vcpus[1]).toBeGreaterThanOrEqual(n.vcpus[0]);
      next = n.vcpus[1] + 1;
    }
    expect(next).toBe((v.cores ?? 1) * (v.sockets ?? 1));
    if (v.memoryMiB !== null) expect(l.nodes.reduce((a, n) => a + n.memoryMiB!, 0)).toBe(v.memoryMiB);
    expect(l.nodes.map((n) => n.id)).toEqual(l.nodes.map((_, k) => k));
    return l;
  };

  it('one host node: one virtual node; extra numaN of today are removed', () => {
    const l = check(
      vm({
        cores: 16,
        sockets: 2,
        memoryMiB: 100000,
        numaNodes: [0, 1, 2].map((id) => ({
          id,
          cpus: null,
          hostnodes: null,
          memoryMiB: null,
          policy: null,
        })),
      }),
      node0,
      cpus(node0, 8),
    );
    expect(l.nodes).toHaveLength(1);
    expect(l.nodes[0]!.hostnodes).toEqual([0]);
    expect(l.remove).toEqual([1, 2]);
  });

  it('two host nodes: two virtual nodes in proportion, memory in GiB when it divides', () => {
    const l = check(vm({ cores: 12, sockets: 1, memoryMiB: 65536, numaNodes: [] }), both, cpus(both, 6));
    expect(l.nodes.map((n) => n.hostnodes)).toEqual([[0], [1]]);
    expect(l.nodes.map((n) => n.vcpus)).toEqual([
      [0, 5],
      [6, 11],
    ]);
    expect(l.nodes.every((n) => n.memoryMiB! % 1024 === 0)).toBe(true);
  });

  it('odd memory and vCPUs still add up', () => {
    check(vm({ cores: 7, sockets: 1, memoryMiB: 10001, numaNodes: [] }), both, [
      ...both[0]!.cpus.slice(0, 5),
      ...both[1]!.cpus.slice(0, 2),
    ]);
  });

  it('fewer vCPUs than host nodes: one virtual node bound to all of them', () => {
    const l = check(vm({ cores: 1, sockets: 1, memoryMiB: 4096, numaNodes: [] }), both, cpus(both, 1));
    expect(l.nodes).toHaveLength(1);
    expect(l.nodes[0]!.hostnodes).toEqual([0, 1]);
  });

  it('unknown memory: null (the command carries a placeholder)', () => {
    const l = check(vm({ cores: 4, memoryMiB: null, numaNodes: [] }), both, cpus(both, 2));
    expect(l.nodes.every((n) => n.memoryMiB === null)).toBe(true);
  });
});
