/**
 * The commands that carry out a plan, in a valid order: stop the VMs that change, set up MIG (largest
 * instance first), reconfigure the VMs (Proxmox `qm set`, mapping-based where the VM uses PCI mappings),
 * start them. Bare-metal jobs are stopped with the VMs and restarted last with a
 * `CUDA_VISIBLE_DEVICES=… numactl …` prefix. InfraLens never runs them.
 * A step that needs a value only the host can tell (an SR-IOV function, a MIG device UUID) is marked
 * `manual` and says how to find it.
 */
import type { HostContext } from '../context.ts';
import { formatCpuList } from '../cpuset.ts';
import type { Planned } from './apply.ts';
import type { Command } from './schema.ts';
import { type Choice, isCurrent, type Job, nodeFor } from './solve.ts';

const bdf = (bus: string | null) => (bus ? bus.replace(/\.0$/, '') : '<bus id>');

export function commandsFor(
  ctx: HostContext,
  jobs: readonly Job[],
  choices: readonly Choice[],
  planned: Planned,
): Command[] {
  const out: Omit<Command, 'step'>[] = [];
  const changed = jobs
    .map((job, j) => ({ job, c: choices[j]!, cpus: planned.cpus.get(job.workload.name) ?? null }))
    .filter(
      ({ job, c, cpus }) =>
        !isCurrent(c, job.current) || formatCpuList(cpus ?? []) !== formatCpuList(job.workload.cpus ?? []),
    );
  const vms = changed.filter((x) => x.job.workload.vm?.vmid != null);
  const bare = changed.filter((x) => x.job.workload.vm?.vmid == null);

  for (const { job } of vms)
    out.push({
      command: `qm shutdown ${job.workload.vm!.vmid}`,
      what: {
        en: `stop ${job.workload.name} (VM ${job.workload.vm!.vmid})`,
        ko: `${job.workload.name}(VM ${job.workload.vm!.vmid}) 중지`,
      },
      downtime: true,
      manual: false,
    });

  // bare-metal jobs that change stop too, before any GPU they hold is reconfigured
  for (const { job } of bare) {
    const w = job.workload;
    const on = job.current.map((i) => `GPU${i}`).join(', ');
    const pids = ctx.snapshot.processes
      .filter((p) => p.pid !== null && p.gpuIndex !== null && job.current.includes(p.gpuIndex))
      .map((p) => p.pid);
    const seen = pids.length ? `; seen in the inputs: ${pids.join(' ')}` : '';
    out.push({
      command: `kill <PIDs of ${w.name} on ${on}>`,
      what: {
        en: `stop ${w.name} before its GPUs change (its processes: nvidia-smi --query-compute-apps=pid,gpu_bus_id --format=csv${seen})`,
        ko: `GPU를 바꾸기 전에 ${w.name} 중지 (프로세스 확인: nvidia-smi --query-compute-apps=pid,gpu_bus_id --format=csv${pids.length ? `; 입력에 보이는 PID: ${pids.join(' ')}` : ''})`,
      },
      downtime: true,
      manual: true,
    });
  }

  for (const [gpu, instances] of [...planned.migLayouts].sort((a, b) => a[0] - b[0])) {
    const g = ctx.gpu(gpu)!;
    if (g.mig.mode !== 'enabled')
      out.push({
        command: `nvidia-smi -i ${gpu} -mig 1`,
        what: {
          en: `enable MIG on GPU${gpu} (no process may use it; in a VM with passthrough a reboot may be needed)`,
          ko: `GPU${gpu}에 MIG 활성화 (사용 중인 프로세스가 없어야 함; 패스스루 VM에서는 재부팅이 필요할 수 있음)`,
        },
        downtime: true,
        manual: false,
      });
    const ids = instances.map((i) => i.profileId).join(',');
    out.push({
      command: `nvidia-smi mig -i ${gpu} -cgi ${ids} -C`,
      what: {
        en: `create ${instances.map((i) => `${i.profile} for ${i.workload}`).join(', ')} on GPU${gpu} (largest first; GI and CI are not persistent across reboots: keep this in mig-parted or a boot unit)`,
        ko: `GPU${gpu}에 ${instances.map((i) => `${i.workload}용 ${i.profile}`).join(', ')} 생성 (큰 것부터; GI/CI는 재부팅 시 사라지므로 mig-parted나 부팅 유닛에 등록)`,
      },
      downtime: false,
      manual: false,
    });
  }

  for (const { job, c, cpus } of vms) {
    const w = job.workload;
    const vm = w.vm!;
    const node = nodeFor(ctx, c.type === 'whole' ? c.gpus : [c.gpu]);
    const vcpus = (vm.cores ?? cpus?.length ?? 1) * (vm.sockets ?? 1);
    const numaArgs =
      cpus && node !== null
        ? ` --affinity ${formatCpuList(cpus)} --numa 1 --numa0 cpus=0-${vcpus - 1},hostnodes=${node}${vm.memoryMiB ? `,memory=${vm.memoryMiB}` : ''},policy=bind`
        : '';
    // the GPUs take the VM's GPU slots, then free ones; other devices (USB, NICs) keep theirs
    const slots = gpuSlots(ctx, vm.hostpci, c.type === 'whole' ? c.gpus.length : 1);
    if (c.type === 'whole') {
      const usesMapping = vm.hostpci.some((h) => h.mapping !== null);
      const args = c.gpus
        .map((i, k) => {
          const bus = ctx.gpu(i)?.busId ?? null;
          const mapping = usesMapping ? mappingFor(ctx, bus) : null;
          return ` --${slots.use[k]} ${mapping ? `mapping=${mapping}` : bdf(bus)},pcie=1`;
        })
        .join('');
      const extra = slots.free;
      const del = extra.length ? ` --delete ${extra.join(',')}` : '';
      const gpusChanged = !isCurrent(c, job.current);
      out.push({
        command: `qm set ${vm.vmid}${gpusChanged ? args : ''}${numaArgs}${del}`,
        what: {
          en: `${w.name}: ${gpusChanged ? `GPUs ${c.gpus.map((i) => `GPU${i}`).join(', ')}, ` : ''}CPUs ${cpus ? formatCpuList(cpus) : 'unchanged'} on NUMA node ${node ?? '?'} (memory bound there)`,
          ko: `${w.name}: ${gpusChanged ? `GPU ${c.gpus.map((i) => `GPU${i}`).join(', ')}, ` : ''}NUMA 노드 ${node ?? '?'}의 CPU ${cpus ? formatCpuList(cpus) : '변경 없음'} (메모리도 그 노드에 고정)`,
        },
        downtime: false,
        manual: false,
      });
    } else {
      const bus = bdf(ctx.gpu(c.gpu)?.busId ?? null);
      const kind =
        c.type === 'mig'
          ? `MIG-backed vGPU type for ${c.profile.name}`
          : `${c.sizeGB} GB time-sliced vGPU type`;
      out.push({
        command: `qm set ${vm.vmid} --${slots.use[0]} <SR-IOV function of ${bus}>,mdev=<${kind}>${numaArgs}${slots.free.length ? ` --delete ${slots.free.join(',')}` : ''}`,
        what: {
          en: `${w.name}: attach a ${c.type === 'mig' ? c.profile.name : `${c.sizeGB} GB`} slice of GPU${c.gpu}. Fill in a free virtual function of ${bus} (ls /sys/bus/pci/devices/${bus}.0/ | grep virtfn) and its vGPU type (mdevctl types)`,
          ko: `${w.name}: GPU${c.gpu}의 ${c.type === 'mig' ? c.profile.name : `${c.sizeGB} GB`} 슬라이스 연결. ${bus}의 빈 가상 함수(ls /sys/bus/pci/devices/${bus}.0/ | grep virtfn)와 vGPU 타입(mdevctl types)을 채워 넣으세요`,
        },
        downtime: false,
        manual: true,
      });
    }
  }

  for (const { job } of vms)
    out.push({
      command: `qm start ${job.workload.vm!.vmid}`,
      what: { en: `start ${job.workload.name}`, ko: `${job.workload.name} 시작` },
      downtime: false,
      manual: false,
    });

  for (const { job, c } of bare) {
    const node = nodeFor(ctx, c.type === 'whole' ? c.gpus : [c.gpu]);
    const numa = node === null ? '' : ` numactl --cpunodebind=${node} --membind=${node}`;
    const devices =
      c.type === 'whole'
        ? c.gpus.join(',')
        : `<MIG UUID of the ${c.type === 'mig' ? c.profile.name : 'shared'} instance on GPU${c.gpu}>`;
    out.push({
      command: `CUDA_VISIBLE_DEVICES=${devices}${numa} <your ${job.workload.kind} command>`,
      what: {
        en: `restart ${job.workload.name} on ${c.type === 'whole' ? c.gpus.map((i) => `GPU${i}`).join(', ') : `GPU${c.gpu}`}${node === null ? '' : ` with CPUs and memory of NUMA node ${node}`}${c.type === 'mig' ? ' (MIG UUIDs: nvidia-smi -L)' : ''}`,
        ko: `${job.workload.name}을(를) ${c.type === 'whole' ? c.gpus.map((i) => `GPU${i}`).join(', ') : `GPU${c.gpu}`}에서 재시작${node === null ? '' : ` (NUMA 노드 ${node}의 CPU와 메모리 사용)`}${c.type === 'mig' ? ' (MIG UUID: nvidia-smi -L)' : ''}`,
      },
      downtime: false,
      manual: true,
    });
  }
  return out.map((c, i) => ({ step: i + 1, ...c }));
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
