import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeHost } from '../../scoring/analyze.ts';
import { gradeOf } from '../../scoring/score.ts';
import { ingest } from '../../tools/ingest/index.ts';
import { ingestProxmoxFleet } from '../../tools/ingest/proxmox-fleet.ts';
import {
  FLEET_GOLDEN,
  fleetFile,
  fleetGolden,
  GUEST_VMIDS,
  serializeGolden,
} from '../helpers/fleet-proxmox.ts';

describe('golden: a Proxmox host with GPUs in passthrough + its guests → merged snapshot and score', () => {
  it('samples/fleet/pve-host.txt + pve-guest-*.txt → samples/fleet/pve-merged.expected.json', () => {
    // re-record with `npx tsx scripts/make-fleet-proxmox.ts` and review the diff
    expect(serializeGolden(fleetGolden())).toBe(readFileSync(FLEET_GOLDEN, 'utf8'));
  });

  const merged = () =>
    ingestProxmoxFleet(
      [fleetFile('pve-host.txt')],
      GUEST_VMIDS.map((vmid) => ({ vmid, files: [fleetFile(`pve-guest-${vmid}.txt`)] })),
    );

  it('the host alone has no score: its GPUs are bound to vfio-pci', () => {
    const { snapshot } = ingest([fleetFile('pve-host.txt')]);
    expect(snapshot.gpus).toHaveLength(8);
    expect(snapshot.gpus.every((g) => g.utilization.gpuPct === null)).toBe(true);
    expect(analyzeHost(snapshot).score).toBeNull();
  });

  it('with its guests the score is complete, its GPU part computed from the guests’ utilisation', () => {
    const { snapshot } = merged();
    const a = analyzeHost(snapshot);
    expect(a.host).toBe('pve-hgx-01');
    expect(a.score).not.toBeNull();
    const s = a.score!;
    expect(s.grade).toBe(gradeOf(s.value));
    expect(s.components.numa).not.toBeNull();
    expect(s.components.io).not.toBeNull();
    // the six GPUs the two VMs hold, each with the guest's readings
    expect(s.basis).toEqual({ gpus: 6, numaGpus: 6, ioGpus: 6 });
    const held = snapshot.workloads.flatMap((w) => w.gpus);
    const gpuPart =
      held
        .map((i) => snapshot.gpus[i]!)
        .map((g) => (g.utilization.gpuPct! / 100) * 0.4 + (g.memory.usedMiB! / g.memory.totalMiB!) * 0.3)
        .reduce((x, y) => x + y, 0) /
      held.length /
      0.7;
    expect(s.components.gpu).toBeCloseTo(100 * gpuPart, 1);
    // the inference VM is pinned to CPUs of the other socket: a NUMA finding, from sysfs + the VM config
    expect(a.findings.some((f) => f.rule === 'numa-mismatch' && f.workloads?.includes('infer-chat'))).toBe(
      true,
    );
  });

  it('maps hostpci order to the guests’ bus order and resolves the PCI mapping of VM 101', () => {
    const { snapshot, warnings } = merged();
    const train = snapshot.workloads.find((w) => w.name === 'train-llm')!;
    expect(train.gpus).toEqual([0, 1, 2, 3]);
    expect(snapshot.gpus[2]!.busId).toBe('0000:52:00.0');
    expect(snapshot.gpus[2]!.utilization.gpuPct).toBe(94);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('hostpci2 GPU2 0000:52:00.0 → guest 0000:03:00.0');
    expect(snapshot.processes.map((p) => [p.pid, p.gpuIndex])).toEqual([
      [3311, 0],
      [3312, 1],
      [3313, 2],
      [3314, 3],
      [2871, 4],
      [2874, 5],
    ]);
  });
});
