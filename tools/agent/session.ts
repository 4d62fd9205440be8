/**
 * A conversation's view of the hosts, built for one turn from the conversation's inputs (uploaded files,
 * a demo scenario, later the SSH collector): which hosts exist and their snapshots and analyses, computed
 * on demand and kept for the turn. Read-only: tools read it and return data; nothing is written here.
 */
import type { Analysis } from '../../scoring/analyze.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import { type InputFile, ingestHosts, parseFile } from '../ingest/index.ts';
import { ToolFailure } from './types.ts';

/**
 * The inventory hosts of a conversation travel as input files like uploads (so a tools worker rebuilds the
 * same Session from the blob store): each host's last collected bundle, and this manifest naming them, the
 * time each was collected, and the other inventory hosts the channel sees (no bundle kept, history only).
 * The chat layer never accepts an upload under this name.
 */
export const FLEET_MANIFEST = 'infralens-fleet.json';

export interface FleetManifest {
  infralens: 'fleet';
  hosts: { name: string; file: string; at: number }[];
  /** every inventory host the channel sees (those above included). */
  inventory: string[];
}

function readManifest(files: readonly InputFile[]): FleetManifest | null {
  const f = files.find((x) => x.name === FLEET_MANIFEST);
  if (!f) return null;
  try {
    const m = JSON.parse(typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8'));
    if (m?.infralens !== 'fleet' || !Array.isArray(m.hosts) || !Array.isArray(m.inventory)) return null;
    return {
      infralens: 'fleet',
      hosts: m.hosts.filter(
        (h: unknown): h is FleetManifest['hosts'][number] =>
          typeof (h as { name?: unknown })?.name === 'string' &&
          typeof (h as { file?: unknown }).file === 'string' &&
          typeof (h as { at?: unknown }).at === 'number',
      ),
      inventory: m.inventory.filter((x: unknown): x is string => typeof x === 'string'),
    };
  } catch {
    return null;
  }
}

export const NO_DATA =
  'no host data: upload the file that `infralens collect-script` produces on the server (or nvidia-smi -q -x, nvidia-smi topo -m and Proxmox VM configs), or ask in a channel with configured hosts';

/** The file name without its folders, for Unix and Windows paths. */
export const baseName = (path: string) => path.split(/[\\/]/).pop() || path;

/** file names only: absolute paths carry user names and are no business of the model or the chat. */
const describe = (e: InputError) => (e.file ? `${baseName(e.file)}: ${e.message}` : e.message);

export class Session {
  private snapshots: Snapshot[] | null = null;
  private analysis: Analysis | null = null;
  private rejectedNotes: string[] = [];
  private rejected: string[] = [];
  private readonly manifest: FleetManifest | null;
  /** when each inventory host's snapshot was collected (ms), refreshed by a live collection. */
  private readonly collected = new Map<string, number>();

  constructor(private readonly inputs: readonly InputFile[]) {
    this.manifest = readManifest(inputs);
    for (const h of this.manifest?.hosts ?? []) this.collected.set(h.name, h.at);
  }

  /** The input files the session was built from (a queue-backed runner ships them to a tools worker). */
  files(): readonly InputFile[] {
    return this.inputs;
  }

  /** Parse the inputs once; rejected files become notes (the user is told, nothing is dropped silently). */
  load(): Snapshot[] {
    if (this.snapshots) {
      if (this.snapshots.length === 0)
        throw new ToolFailure(`none of the inputs could be read: ${this.rejectedNotes.join('; ')}`);
      return this.snapshots;
    }
    const fleet = this.fleetSnapshots();
    const plain = this.manifest
      ? this.inputs.filter(
          (f) => f.name !== FLEET_MANIFEST && !this.manifest!.hosts.some((h) => h.file === f.name),
        )
      : this.inputs;
    if (plain.length === 0 && fleet.length > 0) {
      this.snapshots = fleet;
      return fleet;
    }
    if (plain.length === 0) throw new ToolFailure(NO_DATA);
    let result: ReturnType<typeof ingestHosts>;
    try {
      result = ingestHosts(plain);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // not one input is usable: remember why, and say so to whoever asks
      this.rejected = plain.map((f) => f.name);
      this.rejectedNotes = plain.map((f) => {
        try {
          parseFile(f);
          return describe(e);
        } catch (x) {
          return x instanceof InputError ? describe(x) : `${baseName(f.name)}: ${(x as Error).message}`;
        }
      });
      this.snapshots = [];
      throw new ToolFailure(`none of the inputs could be read: ${this.rejectedNotes.join('; ')}`);
    }
    const { snapshots, rejected } = result;
    this.rejectedNotes = rejected.map((r) => describe(r.error));
    this.rejected = rejected.map((r) => r.file);
    this.snapshots = [...snapshots, ...fleet.filter((f) => !snapshots.some((x) => x.host === f.host))];
    return this.snapshots;
  }

  /** Each inventory host's bundle as a snapshot named after its inventory entry (as the fleet jobs read it). */
  private fleetSnapshots(): Snapshot[] {
    const out: Snapshot[] = [];
    for (const h of this.manifest?.hosts ?? []) {
      const file = this.inputs.find((f) => f.name === h.file);
      const s = file ? ingestFleetBundle(h.name, file) : null;
      if (s) out.push(s);
    }
    return out;
  }

  /** true when `host` (canonical) is an inventory host of this conversation with a collected snapshot. */
  isInventoryHost(host: string): boolean {
    return this.collected.has(host);
  }

  /** When an inventory host's snapshot was collected (ms), or null (an upload, the demo). */
  collectedAt(host: string): number | null {
    return this.collected.get(host) ?? null;
  }

  /** The inventory hosts the conversation's channel sees (with or without a kept snapshot). */
  inventoryHosts(): string[] {
    return [...(this.manifest?.inventory ?? [])];
  }

  /**
   * Replace an inventory host's snapshot with a fresh collection's (its bundle, collected at `at`): the
   * tools called after this one in the turn read the new facts. Returns the new snapshot, or null when the
   * bundle could not be read.
   */
  refresh(host: string, bundle: string, at: number): Snapshot | null {
    const fresh = ingestFleetBundle(host, { name: `${host}.bundle.txt`, content: bundle });
    if (!fresh) return null;
    const snapshots = this.load();
    const i = snapshots.findIndex((s) => s.host === host);
    if (i >= 0) snapshots[i] = fresh;
    else snapshots.push(fresh);
    this.analysis = null;
    this.collected.set(host, at);
    return fresh;
  }

  /** true when there is at least one input (the tools then have something to read). */
  hasInputs(): boolean {
    return this.inputs.length > 0;
  }

  notes(): string[] {
    this.tryLoad();
    return this.rejectedNotes;
  }

  private tryLoad(): void {
    try {
      this.load();
    } catch (e) {
      if (!(e instanceof ToolFailure)) throw e;
    }
  }

  /** the names of the input files that could not be used at all. */
  rejectedFiles(): string[] {
    this.tryLoad();
    return this.rejected;
  }

  hosts(): string[] {
    return this.load().map((s, i) => s.host ?? `host-${i + 1}`);
  }

  /** The host's canonical name for a name as a user or the model wrote it (case and `.domain` tolerant). */
  resolveHost(name: string): string | null {
    const names = this.hosts();
    if (names.includes(name)) return name;
    const n = name.trim().toLowerCase();
    return (
      names.find((h) => h.toLowerCase() === n) ??
      names.find((h) => h.toLowerCase().split('.')[0] === n.split('.')[0]) ??
      null
    );
  }

  snapshot(host?: string): Snapshot {
    return this.load()[this.indexOf(host)]!;
  }

  private indexOf(host?: string): number {
    const names = this.hosts();
    if (host === undefined || host === '') {
      if (names.length === 1) return 0;
      throw new ToolFailure(
        `several hosts are loaded (${names.join(', ')}): pass one as \`host\`, or call list_hosts for a summary of all`,
      );
    }
    const canonical = this.resolveHost(host);
    if (canonical === null) throw new ToolFailure(`unknown host '${host}'; known hosts: ${names.join(', ')}`);
    return names.indexOf(canonical);
  }

  fullAnalysis(): Analysis {
    this.analysis ??= analyzeAndPlan(this.load());
    return this.analysis;
  }

  hostAnalysis(host?: string): Analysis['hosts'][number] {
    return this.fullAnalysis().hosts[this.indexOf(host)]!;
  }
}

/** An inventory host's bundle → its snapshot named after the host (null when it cannot be read). */
function ingestFleetBundle(host: string, file: InputFile): Snapshot | null {
  try {
    return ingestHosts([file], { host }).snapshots[0] ?? null;
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
}
