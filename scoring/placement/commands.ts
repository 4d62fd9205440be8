/**
 * The commands that carry out a plan, in a valid order: stop what changes (`qm shutdown` for Proxmox VMs,
 * a manual `kill` for bare-metal jobs), give whole GPUs to their VMs (`qm set`, mapping-based where the VM
 * uses PCI mappings) so that no VM config still holds a GPU that gets MIG, set up MIG (largest instance
 * first), attach MIG / vGPU slices, start the VMs, restart bare-metal jobs with a
 * `CUDA_VISIBLE_DEVICES=… numactl …` prefix. InfraLens never runs them.
 *
 * A workload from a Proxmox VM config only ever gets `qm` commands; when its VM id is not in the inputs they
 * carry a `<VMID>` placeholder. A step that needs a value only the host can tell (a VM id, an SR-IOV
 * function, a MIG device UUID, a NUMA node id the inputs did not give) is marked `manual` and says how to
 * find it. Every value taken from the inputs is shell-quoted (shell.ts).
 */
import type { HostContext } from '../context.ts';
import { formatCpuList } from '../cpuset.ts';
import { josa } from '../korean.ts';
import type { Workload } from '../snapshot.ts';
import type { Planned } from './apply.ts';
import type { CpuGroup } from './cpus.ts';
import type { Command } from './schema.ts';
import { oneLine, shq } from './shell.ts';
import { type Choice, isCurrent, type Job } from './solve.ts';
import { vmNumaLayout } from './vm-numa.ts';

const bdf = (bus: string | null) => (bus ? bus.replace(/\.0$/, '') : null);

/** A workload that comes from a Proxmox VM config: it gets `qm` commands only. */
export const isVm = (w: Workload) => w.vm !== null || w.source.format.includes('proxmox-vm');

/** A NUMA node id the commands may name: the GPU or numactl / lscpu gave it (not derived from affinity). */
const trusted = (g: CpuGroup) => g.node !== null && (g.source === 'gpu' || g.source === 'cpu-table');

const gpuNames = (ids: readonly number[]) => ids.map((i) => `GPU${i}`).join(', ');

export function commandsFor(
  ctx: HostContext,
  jobs: readonly Job[],
  choices: readonly Choice[],
  planned: Planned,
): Command[] {
  const out: Omit<Command, 'step'>[] = [];
  const changed = jobs
    .map((job, j) => ({
      job,
      c: choices[j]!,
      cpus: planned.cpus.get(job.workload.name) ?? null,
      groups: planned.groups.get(job.workload.name) ?? [],
    }))
    .filter(
      ({ job, c, cpus }) =>
        !isCurrent(c, job.current) || formatCpuList(cpus ?? []) !== formatCpuList(job.workload.cpus ?? []),
    );
  const vms = changed.filter((x) => isVm(x.job.workload));
  const bare = changed.filter((x) => !isVm(x.job.workload));
  const name = (w: Workload) => oneLine(w.name);
  const vmid = (w: Workload) => (w.vm?.vmid != null ? String(w.vm.vmid) : '<VMID>');
  const known = (w: Workload) => w.vm?.vmid != null;
  const vmLabel = (w: Workload) => (known(w) ? ` (VM ${w.vm!.vmid})` : '');
  const vmLabelKo = (w: Workload) => (known(w) ? `(VM ${w.vm!.vmid})` : '');
  /** how to find a VM id the inputs do not carry. */
  const findId = (w: Workload) => ({
    en: `. ${name(w)}'s VM id is not in the inputs: it is the number of its config file (/etc/pve/qemu-server/<VMID>.conf), or the VMID column of \`qm list\` on the row named ${name(w)}`,
    ko: `. ${name(w)}의 VM ID가 입력에 없습니다: 설정 파일 이름의 숫자(/etc/pve/qemu-server/<VMID>.conf)이거나 \`qm list\`에서 이름이 ${name(w)}인 행의 VMID 열입니다`,
  });
  const idHint = (w: Workload) => (known(w) ? { en: '', ko: '' } : findId(w));

  for (const { job } of vms) {
    const w = job.workload;
    const hint = idHint(w);
    out.push({
      command: `qm shutdown ${vmid(w)}`,
      what: { en: `stop ${name(w)}${vmLabel(w)}${hint.en}`, ko: `${name(w)}${vmLabelKo(w)} 중지${hint.ko}` },
      downtime: true,
      manual: !known(w),
    });
  }

  // bare-metal jobs that change stop too, before any GPU they hold is reconfigured
  for (const { job, c } of bare) {
    const w = job.workload;
    const on = gpuNames(job.current);
    const gpusToo = !isCurrent(c, job.current);
    const pids = ctx.snapshot.processes
      .filter((p) => p.pid !== null && p.gpuIndex !== null && job.current.includes(p.gpuIndex))
      .map((p) => p.pid);
    const seen = pids.length ? `; seen in the inputs: ${pids.join(' ')}` : '';
    out.push({
      command: `kill <PIDs of ${shq(w.name)} on ${on}>`,
      what: {
        en: `stop ${name(w)} before its ${gpusToo ? 'GPUs' : 'CPUs'} change (its processes: nvidia-smi --query-compute-apps=pid,gpu_bus_id --format=csv${seen})`,
        ko: `${gpusToo ? 'GPU' : 'CPU'}를 바꾸기 전에 ${name(w)} 중지 (프로세스 확인: nvidia-smi --query-compute-apps=pid,gpu_bus_id --format=csv${pids.length ? `; 입력에 보이는 PID: ${pids.join(' ')}` : ''})`,
      },
      downtime: true,
      manual: true,
    });
  }

  // whole GPUs first: a GPU a VM gives up is out of its config before MIG is enabled on it
  const vmSet = ({ job, c, cpus, groups }: (typeof changed)[number]) => {
    const w = job.workload;
    const vm = w.vm ?? {
      vmid: null,
      hostpci: [],
      affinity: null,
      numa: null,
      numaNodes: [],
      cores: null,
      sockets: null,
      memoryMiB: null,
      machine: null,
      tags: [],
    };
    const numa = cpus ? numaArgs(vm, groups, cpus) : null;
    // the GPUs take the VM's GPU slots, then free ones; other devices (USB, NICs) keep theirs
    const slots = gpuSlots(ctx, vm.hostpci, c.type === 'whole' ? c.gpus.length : 1);
    const del = (extra: string[]) => {
      const all = [...extra, ...(numa?.remove ?? [])];
      return all.length ? ` --delete ${shq(all.join(','))}` : '';
    };
    const hint = idHint(w);
    const numaManual = numa?.manual ?? false;
    const numaWhat = numa?.what ?? { en: '', ko: '' };
    if (c.type === 'whole') {
      const usesMapping = vm.hostpci.some((h) => h.mapping !== null);
      const gpusChanged = !isCurrent(c, job.current);
      const args = c.gpus
        .map((i, k) => {
          const bus = ctx.gpu(i)?.busId ?? null;
          const mapping = usesMapping ? mappingFor(ctx, bus) : null;
          const value = mapping
            ? shq(`mapping=${mapping},pcie=1`)
            : bdf(bus)
              ? shq(`${bdf(bus)},pcie=1`)
              : null;
          return ` --${slots.use[k]} ${value ?? `<bus id of GPU${i}: nvidia-smi --query-gpu=index,pci.bus_id --format=csv>,pcie=1`}`;
        })
        .join('');
      const busUnknown = gpusChanged && c.gpus.some((i) => !ctx.gpu(i)?.busId);
      return {
        command: `qm set ${vmid(w)}${gpusChanged ? args : ''}${numa?.args ?? ''}${del(slots.free)}`,
        what: {
          en: `${name(w)}: ${gpusChanged ? `GPUs ${gpuNames(c.gpus)}, ` : ''}${numa ? numa.summary.en : 'CPUs unchanged'}${numaWhat.en}${hint.en}`,
          ko: `${name(w)}: ${gpusChanged ? `GPU ${gpuNames(c.gpus)}, ` : ''}${numa ? numa.summary.ko : 'CPU 변경 없음'}${numaWhat.ko}${hint.ko}`,
        },
        downtime: false,
        manual: !known(w) || numaManual || busUnknown,
      };
    }
    const bus = bdf(ctx.gpu(c.gpu)?.busId ?? null) ?? `<bus id of GPU${c.gpu}>`;
    const kind =
      c.type === 'mig'
        ? `MIG-backed vGPU type for ${c.profile.name}`
        : `${c.sizeGB} GB time-sliced vGPU type`;
    return {
      command: `qm set ${vmid(w)} --${slots.use[0]} <SR-IOV function of ${bus}>,mdev=<${kind}>${numa?.args ?? ''}${del(slots.free)}`,
      what: {
        en: `${name(w)}: attach a ${c.type === 'mig' ? c.profile.name : `${c.sizeGB} GB`} slice of GPU${c.gpu}. Fill in a free virtual function of ${bus} (ls /sys/bus/pci/devices/${bus}.0/ | grep virtfn) and its vGPU type (mdevctl types)${numaWhat.en}${hint.en}`,
        ko: `${name(w)}: GPU${c.gpu}의 ${c.type === 'mig' ? c.profile.name : `${c.sizeGB} GB`} 슬라이스 연결. ${bus}의 빈 가상 함수(ls /sys/bus/pci/devices/${bus}.0/ | grep virtfn)와 vGPU 타입(mdevctl types)을 채워 넣으세요${numaWhat.ko}${hint.ko}`,
      },
      downtime: false,
      manual: true,
    };
  };
  for (const x of vms) if (x.c.type === 'whole') out.push(vmSet(x));

  // which VM holds each GPU today (a GPU that gets MIG may still be bound to vfio-pci for it)
  const passedThrough = new Map<number, Workload>();
  for (const job of jobs)
    if (isVm(job.workload)) for (const i of job.current) passedThrough.set(i, job.workload);

  for (const [gpu, instances] of [...planned.migLayouts].sort((a, b) => a[0] - b[0])) {
    const g = ctx.gpu(gpu)!;
    const holder = passedThrough.get(gpu);
    const bus = bdf(g.busId);
    // the VM by its id when known (its name otherwise)
    const vmEn = holder ? (known(holder) ? `VM ${holder.vm!.vmid}` : `the VM of ${name(holder)}`) : '';
    const vmKo = holder ? (known(holder) ? `VM ${holder.vm!.vmid}` : `${name(holder)}의 VM`) : '';
    const vfio = holder
      ? {
          en: `. GPU${gpu} is passed through to ${vmEn} today: that VM is stopped and its config gives GPU${gpu} up above; if the host's nvidia-smi does not list GPU${gpu}${bus ? ` (lspci -k -s ${bus} shows vfio-pci)` : ''}, bind it back to the nvidia driver first`,
          ko: `. ${josa(`GPU${gpu}`, '은')} 현재 ${vmKo}에 패스스루되어 있습니다: 그 VM은 위에서 중지되고 설정에서도 ${josa(`GPU${gpu}`, '을')} 내놓습니다. 호스트의 nvidia-smi에 ${josa(`GPU${gpu}`, '이')} 보이지 않으면${bus ? ` (lspci -k -s ${bus} 결과가 vfio-pci)` : ''} 먼저 nvidia 드라이버에 다시 연결하세요`,
        }
      : { en: '', ko: '' };
    if (g.mig.mode !== 'enabled')
      out.push({
        command: `nvidia-smi -i ${gpu} -mig 1`,
        what: {
          en: `enable MIG on GPU${gpu} (no process may use it; in a VM with passthrough a reboot may be needed)${vfio.en}`,
          ko: `GPU${gpu}에 MIG 활성화 (사용 중인 프로세스가 없어야 함; 패스스루 VM에서는 재부팅이 필요할 수 있음)${vfio.ko}`,
        },
        downtime: true,
        manual: false,
      });
    const ids = instances.map((i) => i.profileId).join(',');
    out.push({
      command: `nvidia-smi mig -i ${gpu} -cgi ${ids} -C`,
      what: {
        en: `create ${instances.map((i) => `${i.profile} for ${oneLine(i.workload)}`).join(', ')} on GPU${gpu} (largest first; GI and CI are not persistent across reboots: keep this in mig-parted or a boot unit)`,
        ko: `GPU${gpu}에 ${instances.map((i) => `${oneLine(i.workload)}용 ${i.profile}`).join(', ')} 생성 (큰 것부터; GI/CI는 재부팅 시 사라지므로 mig-parted나 부팅 유닛에 등록)`,
      },
      downtime: false,
      manual: false,
    });
  }

  for (const x of vms) if (x.c.type !== 'whole') out.push(vmSet(x));

  for (const { job } of vms) {
    const w = job.workload;
    out.push({
      command: `qm start ${vmid(w)}`,
      what: known(w)
        ? { en: `start ${name(w)}`, ko: `${name(w)} 시작` }
        : { en: `start ${name(w)} (the same VM id as above)`, ko: `${name(w)} 시작 (위와 같은 VM ID)` },
      downtime: false,
      manual: !known(w),
    });
  }

  for (const { job, c, cpus, groups } of bare) {
    const w = job.workload;
    const bind = bareBinding(groups, cpus);
    const devices =
      c.type === 'whole'
        ? c.gpus.join(',')
        : `<MIG UUID of the ${c.type === 'mig' ? c.profile.name : 'shared'} instance on GPU${c.gpu}>`;
    out.push({
      command: `CUDA_VISIBLE_DEVICES=${devices}${bind.prefix} <your ${job.workload.kind} command>`,
      what: {
        en: `restart ${name(w)} on ${c.type === 'whole' ? gpuNames(c.gpus) : `GPU${c.gpu}`}${bind.what.en}${c.type === 'mig' ? ' (MIG UUIDs: nvidia-smi -L)' : ''}`,
        ko: `${josa(name(w), '을')} ${c.type === 'whole' ? gpuNames(c.gpus) : `GPU${c.gpu}`}에서 재시작${bind.what.ko}${c.type === 'mig' ? ' (MIG UUID: nvidia-smi -L)' : ''}`,
      },
      downtime: false,
      manual: true,
    });
  }
  return out.map((c, i) => ({
    step: i + 1,
    ...c,
    command: oneLine(c.command),
    what: { en: oneLine(c.what.en), ko: oneLine(c.what.ko) },
  }));
}

/**
 * `--affinity … --numa 1 --numa0 … [--numa1 …]` for a VM on `groups` with host CPUs `cpus`, and the
 * `numaN` of today's config to delete (vm-numa.ts).
 */
function numaArgs(
  vm: NonNullable<Workload['vm']>,
  groups: readonly CpuGroup[],
  cpus: readonly number[],
): {
  args: string;
  remove: string[];
  manual: boolean;
  summary: { en: string; ko: string };
  what: { en: string; ko: string };
} {
  const affinity = ` --affinity ${shq(formatCpuList(cpus))}`;
  const nodes = groups.filter((g) => g.cpus.some((c) => cpus.includes(c)));
  const ids = nodes.map((g) => g.node).filter((n): n is number => n !== null);
  const nodeTxt = (ko: boolean) =>
    ids.length === 0
      ? ''
      : ids.length === 1
        ? ` ${ko ? 'NUMA 노드' : 'on NUMA node'} ${ids[0]}`
        : ` ${ko ? 'NUMA 노드' : 'on NUMA nodes'} ${ids.join(', ')}`;
  const layout = vmNumaLayout(vm, groups, cpus);
  if (layout.nodes.length === 0)
    return {
      args: affinity,
      remove: [],
      manual: false,
      summary: { en: `CPUs ${formatCpuList(cpus)}`, ko: `CPU ${formatCpuList(cpus)}` },
      what: { en: '', ko: '' },
    };
  let manual = false;
  const props = layout.nodes.map((n) => {
    const vcpus = n.vcpus[0] === n.vcpus[1] ? `${n.vcpus[0]}` : `${n.vcpus[0]}-${n.vcpus[1]}`;
    let hostnodes: string;
    if (n.hostnodes) hostnodes = n.hostnodes.join(';');
    else {
      manual = true;
      hostnodes = `<NUMA node of CPUs ${formatCpuList(n.hostCpus)}>`;
    }
    let memory: string;
    if (n.memoryMiB !== null) memory = String(n.memoryMiB);
    else {
      manual = true;
      memory =
        layout.nodes.length === 1
          ? '<the VM memory in MiB>'
          : `<MiB for vCPUs ${vcpus}: the numa${layout.nodes.map((x) => x.id).join('/numa')} memory must add up to the VM memory>`;
    }
    const prop = `cpus=${vcpus},hostnodes=${hostnodes},memory=${memory},policy=bind`;
    const value = prop.includes('<') ? (prop.includes(';') ? `'${prop}'` : prop) : shq(prop);
    return ` --numa${n.id} ${value}`;
  });
  const many = layout.nodes.length > 1;
  const derived = nodes.some((g) => !trusted(g));
  const memUnknown = layout.nodes.some((n) => n.memoryMiB === null);
  return {
    args: `${affinity} --numa 1${props.join('')}`,
    remove: layout.remove.map((id) => `numa${id}`),
    manual,
    summary: {
      en: `CPUs ${formatCpuList(cpus)}${nodeTxt(false)} (memory bound there${many ? `; one virtual NUMA node per host node, vCPUs split ${layout.nodes.map((n) => `${n.vcpus[0]}-${n.vcpus[1]}`).join(' / ')}` : ''})`,
      ko: `${nodeTxt(true).trim() ? `${nodeTxt(true).trim()}의 ` : ''}CPU ${formatCpuList(cpus)} (메모리도 그 노드에 고정${many ? `; 호스트 노드마다 가상 NUMA 노드 하나, vCPU ${layout.nodes.map((n) => `${n.vcpus[0]}-${n.vcpus[1]}`).join(' / ')}` : ''})`,
    },
    what: {
      en: `${layout.remove.length ? `; deletes ${layout.remove.map((id) => `numa${id}`).join(', ')} of today's config so the NUMA nodes cover the vCPUs and memory exactly once` : ''}${derived ? '; the inputs carry no NUMA id for these GPUs: find the node of those CPUs with lscpu | grep "NUMA node"' : ''}${memUnknown ? '; the VM memory is not in the inputs (qm config <VMID> | grep memory)' : ''}`,
      ko: `${layout.remove.length ? `; NUMA 노드가 vCPU와 메모리를 정확히 한 번씩 나누도록 기존 설정의 ${layout.remove.map((id) => `numa${id}`).join(', ')} 삭제` : ''}${derived ? '; 입력에 이 GPU들의 NUMA ID가 없습니다: lscpu | grep "NUMA node"로 해당 CPU의 노드를 확인하세요' : ''}${memUnknown ? '; VM 메모리가 입력에 없습니다 (qm config <VMID> | grep memory)' : ''}`,
    },
  };
}

/**
 * The NUMA binding of a bare-metal job: node ids the GPUs or numactl gave (`--cpunodebind/--membind`, one
 * node or the set it spans, with per-rank binding explained); otherwise its CPUs and local allocation, which
 * needs no node id.
 */
function bareBinding(
  groups: readonly CpuGroup[],
  cpus: number[] | null,
): { prefix: string; what: { en: string; ko: string } } {
  const nodes = groups.filter((g) => !cpus || g.cpus.some((c) => cpus.includes(c)));
  if (nodes.length === 0) return { prefix: '', what: { en: '', ko: '' } };
  if (nodes.every(trusted)) {
    const ids = nodes.map((g) => g.node!).join(',');
    if (nodes.length === 1)
      return {
        prefix: ` numactl --cpunodebind=${ids} --membind=${ids}`,
        what: {
          en: ` with CPUs and memory of NUMA node ${ids}`,
          ko: ` (NUMA 노드 ${ids}의 CPU와 메모리 사용)`,
        },
      };
    const perRank = nodes.map((g) => `${gpuNames(g.gpus)} → node ${g.node}`).join('; ');
    const perRankKo = nodes.map((g) => `${gpuNames(g.gpus)} → 노드 ${g.node}`).join('; ');
    return {
      prefix: ` numactl --cpunodebind=${ids} --membind=${ids}`,
      what: {
        en: ` with CPUs and memory of NUMA nodes ${nodes.map((g) => g.node).join(', ')}, where its GPUs are; with one process per GPU, bind each rank to its GPU's node instead (numactl --cpunodebind=N --membind=N: ${perRank})`,
        ko: ` (GPU가 있는 NUMA 노드 ${nodes.map((g) => g.node).join(', ')}의 CPU와 메모리 사용; GPU마다 프로세스 하나라면 각 랭크를 그 GPU의 노드에 고정: numactl --cpunodebind=N --membind=N, ${perRankKo})`,
      },
    };
  }
  const list = formatCpuList(cpus ?? nodes.flatMap((g) => g.cpus));
  return {
    prefix: ` numactl --physcpubind=${shq(list)} --localalloc`,
    what: {
      en: ` on CPUs ${list}, local to its GPUs, with memory on the node of the CPU that uses it (the inputs carry no NUMA id for these GPUs, so none is named)`,
      ko: ` (GPU에 로컬한 CPU ${list} 사용, 메모리는 사용하는 CPU의 노드에 할당; 입력에 이 GPU들의 NUMA ID가 없어 노드 번호는 쓰지 않음)`,
    },
  };
}

/**
 * The hostpci slots a VM's `n` planned GPUs go to: the slots that hold GPUs today (in slot order), then the
 * lowest slots no other device uses; `free` are today's GPU slots left over (to delete).
 */
function gpuSlots(
  ctx: HostContext,
  hostpci: readonly { slot: string; busId: string | null; mapping: string | null }[],
  n: number,
): { use: string[]; free: string[] } {
  const num = (slot: string) => Number(slot.replace('hostpci', ''));
  const gpu = hostpci
    .map((h) => h.slot)
    .filter((slot) => isGpuSlot(ctx, hostpci, slot))
    .sort((a, b) => num(a) - num(b));
  const taken = new Set(hostpci.map((h) => h.slot));
  const use = gpu.slice(0, n);
  for (let k = 0; use.length < n; k++) if (!taken.has(`hostpci${k}`)) use.push(`hostpci${k}`);
  return { use, free: gpu.slice(n) };
}

/** A VM's hostpci slot that holds one of the host's GPUs (not a USB controller or a NIC). */
function isGpuSlot(
  ctx: HostContext,
  hostpci: readonly { slot: string; busId: string | null; mapping: string | null }[],
  slot: string,
): boolean {
  const h = hostpci.find((x) => x.slot === slot);
  return !!h && (h.mapping !== null || ctx.snapshot.gpus.some((g) => g.busId === h.busId));
}

/** The PCI mapping id whose device is `bus`, when the inputs had /etc/pve/mapping/pci.cfg. */
function mappingFor(ctx: HostContext, bus: string | null): string | null {
  if (!bus) return null;
  const hit = Object.entries(ctx.snapshot.pciMappings).find(([, buses]) => buses.includes(bus));
  return hit ? hit[0] : null;
}
