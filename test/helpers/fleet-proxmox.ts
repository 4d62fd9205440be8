/**
 * The recorded Proxmox passthrough fleet (samples/fleet/pve-*.txt) and its golden:
 * samples/fleet/pve-merged.expected.json, rewritten only by `npx tsx scripts/make-fleet-proxmox.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeHost } from '../../scoring/analyze.ts';
import type { InputFile } from '../../tools/ingest/index.ts';
import { ingestProxmoxFleet } from '../../tools/ingest/proxmox-fleet.ts';

export const FLEET = join(new URL('../../', import.meta.url).pathname, 'samples/fleet');
export const FLEET_GOLDEN = join(FLEET, 'pve-merged.expected.json');
export const GUEST_VMIDS = [101, 102] as const;

export function fleetFile(name: string): InputFile {
  return { name, content: readFileSync(join(FLEET, name)) };
}

/** The host bundle and its guests' bundles, merged; with the score and its reason. */
export function fleetGolden(): unknown {
  const r = ingestProxmoxFleet(
    [fleetFile('pve-host.txt')],
    GUEST_VMIDS.map((vmid) => ({ vmid, files: [fleetFile(`pve-guest-${vmid}.txt`)] })),
  );
  const a = analyzeHost(r.snapshot);
  return {
    warnings: r.warnings,
    rejected: r.rejected.map((x) => ({ file: x.file, code: x.error.code })),
    score: a.score,
    scoreReason: a.scoreReason,
    snapshot: r.snapshot,
  };
}

export const serializeGolden = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
