/**
 * Command outputs InfraLens recognises but does not ingest. Recognising them lets the user hear
 * "this is X; send Y instead" rather than "unknown format".
 */
import { head } from './text.ts';
import type { Unsupported } from './types.ts';

const has = (re: RegExp) => (text: string) => (re.test(head(text)) ? 0.95 : 0);

export const UNSUPPORTED: readonly Unsupported[] = [
  {
    id: 'nccl-tests',
    title: 'nccl-tests (all_reduce_perf …)',
    detect: (t) =>
      /#\s+size\s+count\s+type\s+redop/.test(head(t)) || /#\s*nThread \d+ nGpus \d+/.test(head(t)) ? 0.95 : 0,
    reason:
      'nccl-tests benchmark output: InfraLens computes interconnect effects from the topology; send `nvidia-smi topo -m` (or the InfraLens bundle) instead',
  },
  {
    id: 'dcgmi-diag',
    title: 'dcgmi diag',
    detect: has(/^\|\s*Diagnostic\s+\|\s*Result\s+\|/m),
    reason:
      'dcgmi diag report: pass/fail health checks are not an input; send `nvidia-smi -q -x` or the InfraLens bundle',
  },
  {
    id: 'dcgmi-discovery',
    title: 'dcgmi discovery',
    detect: has(/^\|\s*(GPU ID\s+\|\s*Device Information|Instance Hierarchy)\s*\|/m),
    reason:
      'dcgmi discovery listing: it carries no utilisation or topology; send `nvidia-smi -q -x` or the InfraLens bundle',
  },
  {
    id: 'nvlink-status',
    title: 'nvidia-smi nvlink -s',
    detect: (t) => (/^GPU \d+: .*\(UUID: [^)]*\)\s*\n\s+Link \d+: /m.test(head(t)) ? 0.95 : 0),
    reason:
      'nvidia-smi nvlink -s (per-link speeds): NVLink connectivity is read from `nvidia-smi topo -m`; send that instead',
  },
  {
    id: 'lspci',
    title: 'lspci -nn',
    detect: (t) =>
      /^(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] [^\n]*(?:controller|Bridge)[^\n]*\[[0-9a-f]{4}:[0-9a-f]{4}\]/im.test(
        head(t),
      )
        ? 0.95
        : 0,
    reason:
      'lspci listing: it names PCI devices but not GPU indexes, memory or topology; send `nvidia-smi -q -x` and `nvidia-smi topo -m` (or the InfraLens bundle)',
  },
  {
    id: 'mig-lgipp',
    title: 'nvidia-smi mig -lgipp',
    detect: has(/^GPU\s+\d+\s+Profile ID\s+\d+\s+Placements?\s*:/m),
    reason:
      'nvidia-smi mig -lgipp (placement table): InfraLens knows the placement rules of each model; send `nvidia-smi mig -lgip` or `-lgi` instead',
  },
  {
    id: 'topo-p2p',
    title: 'nvidia-smi topo -p2p',
    detect: (t) =>
      /\bGNS\s*=\s*GPU not supported|\bCNS\s*=\s*Chipset not supported/.test(head(t)) ? 0.95 : 0,
    reason:
      'nvidia-smi topo -p2p (peer-access capability matrix): send `nvidia-smi topo -m` (the link matrix) instead',
  },
];
