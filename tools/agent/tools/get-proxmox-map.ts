import { z } from 'zod';
import type { ProxmoxMap } from '../../sources/proxmox-map.ts';
import { type ToolContext, type ToolDef, ToolFailure } from '../types.ts';
import { forModel } from './common.ts';

const Input = z.strictObject({
  cluster: z
    .string()
    .max(63)
    .optional()
    .describe('the Proxmox cluster as the inventory names it; may be omitted when there is one'),
});

export const PROXMOX_HOW =
  'a Proxmox cluster is read through its API when the inventory (INFRALENS_CONFIG) lists it under `proxmox:` with a read-only API token';

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const fleet = ctx.services.fleet;
  if (!fleet?.proxmoxMap || !fleet.proxmoxClusters)
    throw new ToolFailure(`no Proxmox cluster: ${PROXMOX_HOW}`);
  const clusters = fleet.proxmoxClusters();
  if (clusters.length === 0) throw new ToolFailure(`no Proxmox cluster in the inventory: ${PROXMOX_HOW}`);
  const asked = input.cluster?.trim();
  if (!asked && clusters.length > 1)
    throw new ToolFailure(`several Proxmox clusters (${clusters.join(', ')}): pass one as \`cluster\``);
  const name = asked ? clusters.find((c) => c.toLowerCase() === asked.toLowerCase()) : clusters[0];
  if (!name) throw new ToolFailure(`unknown Proxmox cluster '${asked}'; known: ${clusters.join(', ')}`);
  let map: ProxmoxMap;
  try {
    map = await fleet.proxmoxMap(name);
  } catch (e) {
    throw new ToolFailure(`the Proxmox cluster ${name} could not be read: ${(e as Error).message}`);
  }
  return {
    data: forModel(ctx, {
      cluster: map.cluster,
      nodes: map.nodes,
      /** each VM with the node's GPUs its hostpci entries name, and each GPU's NUMA node. */
      vms: map.vms,
      vmsWithGpus: map.vms.filter((v) => v.gpus.length > 0).length,
      warnings: map.warnings.slice(0, 20),
    }),
  };
}

export type GetProxmoxMapResult = Awaited<ReturnType<typeof run>>['data'];

export const getProxmoxMap: ToolDef<z.infer<typeof Input>, GetProxmoxMapResult> = {
  name: 'get_proxmox_map',
  description:
    'The VM ↔ GPU ↔ NUMA map of a Proxmox cluster read through its API (read-only token, no SSH): its nodes with their GPUs and NUMA nodes, and each VM with the GPUs its hostpci entries pass through (bus id, model, NUMA node) and its own NUMA pinning. Use for "which VM has which GPU", "are the VMs on the right NUMA node", "VM별 GPU 배치". Placement commands stay `qm set`.',
  input: Input,
  run,
};
