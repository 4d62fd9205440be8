/**
 * Ingestion of a Proxmox host with GPUs in passthrough together with its guests: the host's files and
 * each guest's files are ingested on their own (index.ts), then the guests' views are merged into the
 * host's (passthrough.ts). Pure: the caller reads or collects the files.
 */
import type { Snapshot } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import { type IngestOptions, type InputFile, ingest, type Rejection } from './index.ts';
import { type GuestSnapshot, mergeGuests } from './passthrough.ts';

/** The source under which the merge's warnings are listed (`snapshot.sources`). */
export const PASSTHROUGH_SOURCE = 'proxmox-passthrough';

export interface GuestFiles {
  /** the Proxmox VM id the guest runs as (inventory `vmid`). */
  vmid: number;
  files: readonly InputFile[];
  /** what the files came from (an inventory host name), for warnings; default: the first file's name. */
  source?: string;
}

export interface ProxmoxFleetResult {
  snapshot: Snapshot;
  /** files that could not be used, the host's and the guests'. */
  rejected: Rejection[];
  /** the merge's warnings (also the warnings of the `proxmox-passthrough` source). */
  warnings: string[];
}

/**
 * Ingest a Proxmox host's files and its guests' files, and merge the guests' GPU views into the host's
 * snapshot. The host's files must give a snapshot (else the first rejection is thrown, as `ingest`
 * does); a guest whose files are all unusable is a warning, and the host is analysed without it.
 * `options.host` names the host (the guests' own names never do).
 */
export function ingestProxmoxFleet(
  hostFiles: readonly InputFile[],
  guests: readonly GuestFiles[],
  options: IngestOptions = {},
): ProxmoxFleetResult {
  const host = ingest(hostFiles, options);
  const rejected: Rejection[] = [...host.rejected];
  const views: GuestSnapshot[] = [];
  const notes: string[] = [];
  for (const g of guests) {
    const source = g.source ?? g.files[0]?.name ?? `the guest of VM ${g.vmid}`;
    try {
      const r = ingest(g.files);
      rejected.push(...r.rejected);
      views.push({ vmid: g.vmid, snapshot: r.snapshot, source });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      rejected.push({ file: e.file ?? source, error: e });
      notes.push(
        `VM ${g.vmid}: no usable input from the guest ${source} (${e.message}): its GPUs have no readings`,
      );
    }
  }
  const { snapshot, warnings } = mergeGuests(host.snapshot, views);
  const all = [...notes, ...warnings];
  if (guests.length > 0)
    snapshot.sources.push({ file: PASSTHROUGH_SOURCE, format: PASSTHROUGH_SOURCE, warnings: all });
  return { snapshot, rejected, warnings: all };
}
