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

  constructor(private readonly inputs: readonly InputFile[]) {}

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
    if (this.inputs.length === 0) throw new ToolFailure(NO_DATA);
    let result: ReturnType<typeof ingestHosts>;
    try {
      result = ingestHosts(this.inputs);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // not one input is usable: remember why, and say so to whoever asks
      this.rejected = this.inputs.map((f) => f.name);
      this.rejectedNotes = this.inputs.map((f) => {
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
    this.snapshots = snapshots;
    return snapshots;
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
