/**
 * The `sysfs-pci` section of an InfraLens bundle: one line per NVIDIA PCI display/3D device, read by the
 * collector from /sys/bus/pci/devices/<bdf>/ (works on Proxmox hosts where GPUs are bound to vfio-pci and
 * nvidia-smi cannot see them). Format, tab-separated `key=value`:
 *
 *   bus=0000:17:00.0  vendor=0x10de  device=0x2335  class=0x030200  driver=vfio-pci  numa_node=0
 *   local_cpulist=0-47,96-143  current_link_speed=32.0 GT/s PCIe  max_link_speed=32.0 GT/s PCIe
 *   current_link_width=16  max_link_width=16
 */
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch } from '../ingest/fragment.ts';
import { CpuBudget, head, int, lines, normalizeBusId, parseCpuList } from './text.ts';
import type { Parser } from './types.ts';

/** PCI device ids of NVIDIA data-centre GPUs (pci.ids), used only when nvidia-smi is absent. */
const DEVICE_NAMES: Record<string, string> = {
  '0x2330': 'NVIDIA H100 80GB HBM3',
  '0x2331': 'NVIDIA H100 PCIe',
  '0x2321': 'NVIDIA H100 NVL',
  '0x2335': 'NVIDIA H200',
  '0x233b': 'NVIDIA H200 NVL',
  '0x20b0': 'NVIDIA A100-SXM4-40GB',
  '0x20b2': 'NVIDIA A100-SXM4-80GB',
  '0x20f1': 'NVIDIA A100-PCIE-40GB',
  '0x20b5': 'NVIDIA A100 80GB PCIe',
  '0x20b7': 'NVIDIA A30',
  '0x26b9': 'NVIDIA L40S',
  '0x26b5': 'NVIDIA L40',
  '0x27b8': 'NVIDIA L4',
};

/** `32.0 GT/s PCIe` → PCIe generation. */
export function linkSpeedToGen(s: string | undefined): number | null {
  if (!s) return null;
  const m = /(\d+(?:\.\d+)?)\s*GT\/s/i.exec(s);
  if (!m) return null;
  const gts = Number(m[1]);
  const table: [number, number][] = [
    [2.5, 1],
    [5, 2],
    [8, 3],
    [16, 4],
    [32, 5],
    [64, 6],
  ];
  return table.find(([speed]) => Math.abs(speed - gts) < 0.01)?.[1] ?? null;
}

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.split('\t')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export const sysfsPciParser: Parser = {
  id: 'sysfs-pci',
  title: 'InfraLens collector: /sys/bus/pci/devices (NVIDIA GPUs)',
  detect: (text) => (/^bus=[0-9a-f:.]+\tvendor=0x10de\t/m.test(head(text)) ? 0.95 : 0),
  parse(text) {
    const gpus: GpuPatch[] = [];
    const warnings: string[] = [];
    const budget = new CpuBudget();
    for (const line of lines(text)) {
      if (!line.startsWith('bus=')) continue;
      const f = fields(line);
      const busId = normalizeBusId(f.bus);
      if (!busId) {
        warnings.push(`unreadable PCI address in line: ${line.slice(0, 80)}`);
        continue;
      }
      const numa = int(f.numa_node);
      const patch: GpuPatch = {
        busId,
        numaNode: numa === null || numa < 0 ? null : numa,
        cpuAffinity: parseCpuList(f.local_cpulist, budget),
        pcie: {
          genCurrent: linkSpeedToGen(f.current_link_speed),
          genMax: linkSpeedToGen(f.max_link_speed),
          widthCurrent: int(f.current_link_width),
          widthMax: int(f.max_link_width),
        },
      };
      const name = f.device ? DEVICE_NAMES[f.device.toLowerCase()] : undefined;
      if (name) patch.name = name;
      if (f.driver && f.driver !== 'nvidia')
        warnings.push(
          `GPU ${busId} is bound to ${f.driver}${f.driver === 'vfio-pci' ? ' (PCI passthrough)' : ''}`,
        );
      gpus.push(patch);
    }
    if (gpus.length === 0)
      throw new InputError(
        'INPUT_MALFORMED',
        'sysfs-pci section without any `bus=… vendor=0x10de` device line',
      );
    const cut = budget.warning();
    if (cut) warnings.push(cut);
    const fragment: Fragment = { format: 'sysfs-pci', gpus, gpusComplete: true, warnings };
    return fragment;
  },
};
