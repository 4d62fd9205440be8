/**
 * The commands that carry out a plan (scoring/placement/commands.ts): their order, the MIG creation lines,
 * Proxmox `qm set` syntax (domain facts §7), CPU affinity on the GPUs' NUMA node, manual placeholders,
 * PCI mappings, and bare-metal `CUDA_VISIBLE_DEVICES=… numactl …` lines.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { buildContext } from '../../scoring/context.ts';
import { type Placement, planHost } from '../../scoring/placement/index.ts';
import { creationOrder } from '../../scoring/placement/mig-layout.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { parseCpuList } from '../../tools/parsers/text.ts';
import { H100_TOPO, host, L40S_TOPO, REAL_TOPO, scenario, smiCsv, workloads } from '../helpers/placement.ts';

const topo = (name: string) => readFileSync(new URL(name, REAL_TOPO), 'utf8');

const PLACEHOLDER = /<[^<>]+>/;
const CPUSET = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;

/** `qm set VMID --k v …` as VMID and an ordered list of [key, value]. */
function qmSet(command: string): { vmid: number; args: [string, string][] } {
  // placeholders (manual steps) may contain spaces: read each as one token
  const m = /^qm set (\d+)((?: --[a-z0-9]+ \S+)+)$/.exec(command.replace(/<[^<>]+>/g, '<placeholder>'));
  expect(m, `not a qm set line: ${command}`).not.toBeNull();
  const tokens = m![2]!.trim().split(' ');
  const args: [string, string][] = [];
  for (let i = 0; i < tokens.length; i += 2) args.push([tokens[i]!.slice(2), tokens[i + 1]!]);
  return { vmid: Number(m![1]), args };
}

const indexOf = (p: Placement, re: RegExp) => p.commands.findIndex((c) => re.test(c.command));
const lastIndexOf = (p: Placement, re: RegExp) =>
  p.commands.reduce((last, c, i) => (re.test(c.command) ? i : last), -1);

describe('commands of the H200 demo plan', () => {
  const snap = scenario('h200');
  const plan = planHost(snap);
  const ctx = buildContext(snap);
  const vmOf = (name: string) => snap.workloads.find((w) => w.name === name)!.vm!;
  const changedVms = plan.moves.map((m) => vmOf(m.workload).vmid);

  it('is a plan with moves, MIG and several VMs (the premise of the checks below)', () => {
    expect(plan.moves.length).toBeGreaterThanOrEqual(3);
    expect(Object.values(plan.targets).some((t) => t.form.startsWith('MIG '))).toBe(true);
    expect(plan.commands.map((c) => c.step)).toEqual(plan.commands.map((_, i) => i + 1));
  });

  it('stops every changing VM before any `-mig 1` and any `qm set`, and starts them last', () => {
    const shutdowns = plan.commands.filter((c) => c.command.startsWith('qm shutdown '));
    expect(shutdowns.map((c) => Number(c.command.split(' ')[2])).sort()).toEqual([...changedVms].sort());
    expect(shutdowns.every((c) => c.downtime)).toBe(true);
    const lastStop = lastIndexOf(plan, /^qm shutdown /);
    expect(indexOf(plan, /-mig 1$/)).toBeGreaterThan(lastStop);
    expect(indexOf(plan, /^nvidia-smi mig /)).toBeGreaterThan(lastStop);
    expect(indexOf(plan, /^qm set /)).toBeGreaterThan(lastStop);
    // a VM that gives up a GPU has it out of its config before MIG is enabled on it (whole GPUs first);
    // MIG exists before a VM is given a slice of it; every VM is started after all configuration
    expect(lastIndexOf(plan, /^qm set (?!.*<SR-IOV)/)).toBeLessThan(indexOf(plan, /-mig 1$/));
    expect(indexOf(plan, /^qm set .*<SR-IOV/)).toBeGreaterThan(lastIndexOf(plan, /^nvidia-smi /));
    const firstStart = indexOf(plan, /^qm start /);
    expect(firstStart).toBeGreaterThan(lastIndexOf(plan, /^qm set /));
    expect(plan.commands.slice(firstStart).every((c) => c.command.startsWith('qm start '))).toBe(true);
    const starts = plan.commands.filter((c) => c.command.startsWith('qm start '));
    expect(starts.map((c) => Number(c.command.split(' ')[2])).sort()).toEqual([...changedVms].sort());
    // a VM that does not change is never touched
    const untouched = snap.workloads.filter((w) => !plan.moves.some((m) => m.workload === w.name));
    expect(untouched.length).toBeGreaterThan(0);
    for (const w of untouched)
      expect(plan.commands.some((c) => c.command.split(' ').includes(String(w.vm!.vmid)))).toBe(false);
  });

  it('enables MIG and creates the instances, largest first, on the GPU the plan put MIG on', () => {
    const migGpus = new Map<number, string[]>();
    for (const t of Object.values(plan.targets))
      if (t.form.startsWith('MIG '))
        migGpus.set(t.gpus[0]!, [...(migGpus.get(t.gpus[0]!) ?? []), t.form.slice(4)]);
    expect(migGpus.size).toBeGreaterThan(0);
    const creates = plan.commands.filter((c) => c.command.startsWith('nvidia-smi mig '));
    expect(creates).toHaveLength(migGpus.size);
    for (const c of creates) {
      const m = /^nvidia-smi mig -i (\d+) -cgi ((?:\d+,)*\d+) -C$/.exec(c.command);
      expect(m, c.command).not.toBeNull();
      const gpu = Number(m![1]);
      expect(migGpus.has(gpu), `GPU${gpu} gets no MIG target`).toBe(true);
      const model = ctx.model(ctx.gpu(gpu)!)!;
      const profiles = migGpus.get(gpu)!.map((name) => model.migProfiles.find((p) => p.name === name)!);
      expect(m![2]!.split(',').map(Number)).toEqual(creationOrder(profiles).map((p) => p.id));
      // MIG mode is enabled on that GPU before, unless it is already on
      if (ctx.gpu(gpu)!.mig.mode !== 'enabled')
        expect(indexOf(plan, new RegExp(`^nvidia-smi -i ${gpu} -mig 1$`))).toBeLessThan(
          plan.commands.indexOf(c),
        );
    }
    // -mig 1 only on GPUs that get MIG
    for (const c of plan.commands.filter((x) => / -mig 1$/.test(x.command)))
      expect(migGpus.has(Number(/-i (\d+)/.exec(c.command)![1]))).toBe(true);
  });

  it('every qm set line is valid Proxmox syntax and matches the targets', () => {
    const sets = plan.commands.filter((c) => c.command.startsWith('qm set '));
    expect(sets.map((c) => qmSet(c.command).vmid).sort()).toEqual([...changedVms].sort());
    for (const c of sets) {
      const { vmid, args } = qmSet(c.command);
      const w = snap.workloads.find((x) => x.vm?.vmid === vmid)!;
      const target = plan.targets[w.name]!;
      const keys = args.map(([k]) => k);
      expect(new Set(keys).size, c.command).toBe(keys.length);
      for (const k of keys) expect(k, c.command).toMatch(/^(?:hostpci\d|affinity|numa|numa0|delete)$/);
      const hostpci = args.filter(([k]) => k.startsWith('hostpci'));
      if (target.form === 'whole') {
        expect(c.manual).toBe(false);
        // whole GPUs: the bus ids of the target GPUs, in order, as `0000:bb:dd,pcie=1`
        if (hostpci.length > 0)
          expect(hostpci.map(([, v]) => v)).toEqual(
            target.gpus.map((i) => `${ctx.gpu(i)!.busId!.replace(/\.0$/, '')},pcie=1`),
          );
        for (const [, v] of hostpci)
          expect(v).toMatch(/^(?:[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}|mapping=[A-Za-z][\w.-]*),pcie=1$/);
      } else {
        // a MIG slice: an SR-IOV function and a vGPU type only the host can tell
        expect(c.manual).toBe(true);
        expect(hostpci).toHaveLength(1);
        expect(hostpci[0]![1]).toBe('<placeholder>,mdev=<placeholder>');
        expect(c.command).toMatch(
          /--hostpci0 <SR-IOV function of [0-9a-f]{4}:[0-9a-f]{2}:00>,mdev=<[^<>]+> /,
        );
      }
      const get = (k: string) => args.find(([x]) => x === k)?.[1];
      expect(get('affinity'), c.command).toMatch(CPUSET);
      expect(get('affinity')).toBe(target.cpus);
      expect(get('numa')).toBe('1');
      const numa0 = /^cpus=0-(\d+),hostnodes=(\d+),memory=(\d+),policy=bind$/.exec(get('numa0') ?? '');
      expect(numa0, c.command).not.toBeNull();
      expect(Number(numa0![1]) + 1).toBe((w.vm!.cores ?? 1) * (w.vm!.sockets ?? 1));
      expect(Number(numa0![2])).toBe(target.numaNode);
      expect(Number(numa0![3])).toBe(w.vm!.memoryMiB);
      const del = get('delete');
      if (del !== undefined) expect(del).toMatch(/^hostpci\d(?:,hostpci\d)*$/);
    }
  });

  it("puts each VM's CPUs on the NUMA node of its target GPUs, disjoint between VMs", () => {
    const seen = new Set<number>();
    for (const [name, t] of Object.entries(plan.targets)) {
      expect(t.cpus, name).not.toBeNull();
      const cpus = parseCpuList(t.cpus!)!;
      const node = snap.cpu.numaNodes.find((n) => n.id === t.numaNode);
      expect(node, `${name}: NUMA node ${t.numaNode}`).toBeDefined();
      for (const i of t.gpus) {
        const g = snap.gpus.find((x) => x.index === i)!;
        expect(g.numaNode, `${name}: GPU${i}`).toBe(t.numaNode);
        for (const c of cpus) expect(g.cpuAffinity, `${name}: CPU ${c} local to GPU${i}`).toContain(c);
      }
      for (const c of cpus) {
        expect(node!.cpus).toContain(c);
        expect(seen.has(c), `${name}: CPU ${c} given twice`).toBe(false);
        seen.add(c);
      }
      // as many CPUs as the VM had
      const w = snap.workloads.find((x) => x.name === name)!;
      expect(cpus.length).toBe(w.cpus!.length);
    }
  });

  it('manual steps carry <…> placeholders and say how to fill them; the others carry none', () => {
    expect(plan.commands.some((c) => c.manual)).toBe(true);
    for (const c of plan.commands) {
      if (c.manual) {
        expect(c.command, c.command).toMatch(PLACEHOLDER);
        expect(c.what.en.length).toBeGreaterThan(20);
        expect(c.what.ko.length).toBeGreaterThan(10);
      } else expect(c.command, c.command).not.toMatch(/[<>]/);
    }
  });
});

describe('commands: a VM that uses Proxmox PCI mappings', () => {
  const BUSES = ['18', '2a', '3a', '5d', '9a', 'ab', 'ba', 'db'];
  /** /etc/pve/mapping/pci.cfg with one mapping per GPU (format of tools/parsers/proxmox-pci-mapping.ts). */
  const PCI_CFG = BUSES.map(
    (b, i) =>
      `h200-gpu${i}\n\tmap id=10de:233b,iommugroup=${40 + i},node=gpu-node-01,path=0000:${b}:00.0,subsystem-id=10de:1996\n\tdescription H200 NVL GPU${i}\n`,
  ).join('\n');

  function withMappings(): Snapshot {
    const files = scenarioFiles('h200').map((f) => {
      if (!f.name.endsWith('/102.conf')) return f;
      const text = Buffer.from(f.content).toString('utf8');
      const mapped = text
        .replace(/^hostpci0: 0000:5d:00,pcie=1$/m, 'hostpci0: mapping=h200-gpu3,pcie=1')
        .replace(/^hostpci1: 0000:ab:00,pcie=1$/m, 'hostpci1: mapping=h200-gpu5,pcie=1');
      expect(mapped).not.toBe(text);
      return { name: f.name, content: mapped };
    });
    return host([...files, { name: 'etc/pve/mapping/pci.cfg', content: PCI_CFG }]);
  }

  it('the mapped VM resolves to the same GPUs as with bus ids', () => {
    const snap = withMappings();
    expect(Object.keys(snap.pciMappings)).toHaveLength(8);
    const w = snap.workloads.find((x) => x.name === 'train-vision-b')!;
    expect(w.gpus).toEqual([3, 5]);
    expect(w.vm!.hostpci.map((h) => h.mapping)).toEqual(['h200-gpu3', 'h200-gpu5']);
  });

  it('gets mapping=<id> hostpci arguments; the VMs with bus ids keep bus ids', () => {
    const snap = withMappings();
    const plan = planHost(snap);
    const target = plan.targets['train-vision-b']!;
    expect(target.form).toBe('whole');
    const set = plan.commands.find((c) => c.command.startsWith('qm set 102 '))!;
    const hostpci = qmSet(set.command).args.filter(([k]) => k.startsWith('hostpci'));
    expect(hostpci).toEqual(target.gpus.map((i, k) => [`hostpci${k}`, `mapping=h200-gpu${i},pcie=1`]));
    expect(set.manual).toBe(false);
    // the plan is the same as without mappings; other VMs still get bus ids
    expect(plan.targets).toEqual(planHost(scenario('h200')).targets);
    const other = plan.commands.find((c) => /^qm set 103 .*--hostpci0 /.test(c.command));
    expect(other?.command).toMatch(/--hostpci0 0000:[0-9a-f]{2}:00,pcie=1/);
  });
});

describe('commands: hostpci slots that hold other devices', () => {
  it('keeps a non-GPU device (a USB controller in hostpci0) and replaces only the GPU slot', () => {
    const files = scenarioFiles('h200').map((f) => {
      if (!f.name.endsWith('/103.conf')) return f;
      const text = Buffer.from(f.content)
        .toString('utf8')
        .replace(
          /^hostpci0: 0000:3a:00,pcie=1$/m,
          'hostpci0: 0000:00:14.0,pcie=1\nhostpci1: 0000:3a:00,pcie=1',
        );
      return { name: f.name, content: text };
    });
    const snap = host(files);
    const w = snap.workloads.find((x) => x.name === 'train-rec-c')!;
    expect(w.gpus).toEqual([2]);
    const plan = planHost(snap);
    const target = plan.targets['train-rec-c']!;
    expect(target.gpus).not.toEqual([2]);
    const set = plan.commands.find((c) => c.command.startsWith('qm set 103 '))!;
    const args = qmSet(set.command).args;
    const bus = snap.gpus.find((g) => g.index === target.gpus[0])!.busId!.replace(/\.0$/, '');
    // the GPU goes where the old GPU was; hostpci0 (the USB controller) is neither overwritten nor deleted
    expect(args.filter(([k]) => k.startsWith('hostpci'))).toEqual([['hostpci1', `${bus},pcie=1`]]);
    expect(args.find(([k]) => k === 'delete')?.[1] ?? '').not.toMatch(/hostpci0/);
  });
});

describe('commands: bare-metal workloads (a workloads file, no VM)', () => {
  it('L40S topology: a DDP job split across sockets is restarted with CUDA_VISIBLE_DEVICES and numactl', () => {
    const snap = host([
      { name: 'topo.txt', content: topo(L40S_TOPO) },
      smiCsv([
        ['NVIDIA L40S', 0, 46068, 0],
        ['NVIDIA L40S', 30000, 46068, 90],
        ['NVIDIA L40S', 30000, 46068, 90],
        ['NVIDIA L40S', 0, 46068, 0],
      ]),
      workloads([{ name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-15' }]),
    ]);
    const plan = planHost(snap);
    const t = plan.targets.ddp!;
    expect(t.form).toBe('whole');
    expect(new Set(t.gpus.map((i) => snap.gpus.find((g) => g.index === i)!.numaNode)).size).toBe(1);
    expect(plan.commands.map((c) => c.command)).toEqual([
      'kill <PIDs of ddp on GPU1, GPU2>',
      `CUDA_VISIBLE_DEVICES=${t.gpus.join(',')} numactl --cpunodebind=${t.numaNode} --membind=${t.numaNode} <your training command>`,
    ]);
    const [stop, restart] = plan.commands;
    expect(stop!.downtime).toBe(true);
    expect(stop!.what.en).toContain('nvidia-smi --query-compute-apps');
    expect(restart!.manual).toBe(true);
    expect(restart!.what.en).toBe(
      `restart ddp on ${t.gpus.map((i) => `GPU${i}`).join(', ')} with CPUs and memory of NUMA node ${t.numaNode}`,
    );
    expect(plan.commands.every((c) => c.manual)).toBe(true);
  });

  it('the real single-NUMA H100 guest topology: unpinned jobs get pinned to node 0', () => {
    const snap = host([
      { name: 'topo.txt', content: topo(H100_TOPO) },
      workloads([
        { name: 'llm', kind: 'training', gpus: [0, 1, 2, 3] },
        { name: 'serve', kind: 'inference', gpus: [4] },
      ]),
    ]);
    const plan = planHost(snap);
    expect(plan.commands.map((c) => c.command)).toEqual([
      'kill <PIDs of llm on GPU0, GPU1, GPU2, GPU3>',
      'kill <PIDs of serve on GPU4>',
      'CUDA_VISIBLE_DEVICES=0,1,2,3 numactl --cpunodebind=0 --membind=0 <your training command>',
      'CUDA_VISIBLE_DEVICES=4 numactl --cpunodebind=0 --membind=0 <your inference command>',
    ]);
    expect(plan.targets.llm).toMatchObject({ gpus: [0, 1, 2, 3], form: 'whole', numaNode: 0, cpus: '0-63' });
    expect(plan.commands.every((c) => c.manual)).toBe(true);
  });

  it('a bare-metal job moved onto a MIG instance is told to use the MIG UUID (manual)', () => {
    const H100 = 'NVIDIA H100 80GB HBM3';
    const snap = host([
      { name: 'topo.txt', content: topo(H100_TOPO) },
      smiCsv([
        [H100, 6000, 81559, 4],
        [H100, 5000, 81559, 3],
        [H100, 0, 81559, 0],
        [H100, 0, 81559, 0],
        [H100, 0, 81559, 0],
        [H100, 0, 81559, 0],
        [H100, 0, 81559, 0],
        [H100, 0, 81559, 0],
      ]),
      workloads([
        { name: 'svc-a', kind: 'inference', gpus: [0], cpus: '0-3' },
        { name: 'svc-b', kind: 'inference', gpus: [1], cpus: '4-7' },
      ]),
    ]);
    const plan = planHost(snap);
    const forms = Object.values(plan.targets).map((t) => t.form);
    expect(forms.every((f) => f.startsWith('MIG '))).toBe(true);
    const mig = plan.commands.filter((c) => c.command.startsWith('nvidia-smi'));
    expect(mig.length).toBeGreaterThan(0);
    // both jobs are stopped before MIG is enabled on a GPU one of them runs on
    expect(lastIndexOf(plan, /^kill <PIDs of svc-[ab] /)).toBeLessThan(indexOf(plan, /^nvidia-smi /));
    expect(plan.commands.filter((c) => c.command.startsWith('kill '))).toHaveLength(2);
    for (const c of plan.commands.filter((x) => x.command.startsWith('CUDA_VISIBLE_DEVICES='))) {
      expect(c.command).toMatch(
        /^CUDA_VISIBLE_DEVICES=<MIG UUID of the 1g\.10gb instance on GPU\d> numactl /,
      );
      expect(c.manual).toBe(true);
      expect(c.what.en).toContain('nvidia-smi -L');
    }
  });
});

describe('commands of the L40S demo plan', () => {
  const snap = scenario('l40s');
  const plan = planHost(snap);

  it('never creates MIG and never proposes a MIG form', () => {
    expect(plan.moves.length).toBeGreaterThan(0);
    expect(plan.commands.some((c) => /-mig 1|nvidia-smi mig/.test(c.command))).toBe(false);
    for (const t of Object.values(plan.targets)) expect(t.form.startsWith('MIG')).toBe(false);
    for (const m of plan.moves) expect(m.to.form.startsWith('MIG')).toBe(false);
  });

  it('orders stop → qm set → start, with valid qm set lines', () => {
    const lastStop = lastIndexOf(plan, /^qm shutdown /);
    expect(indexOf(plan, /^qm set /)).toBeGreaterThan(lastStop);
    expect(indexOf(plan, /^qm start /)).toBeGreaterThan(lastIndexOf(plan, /^qm set /));
    for (const c of plan.commands.filter((x) => x.command.startsWith('qm set '))) {
      const { args } = qmSet(c.command);
      for (const [k, v] of args) {
        if (k.startsWith('hostpci')) expect(v).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2},pcie=1$/);
        if (k === 'affinity') expect(v).toMatch(CPUSET);
      }
    }
  });
});
