/**
 * A conversation's view of the fleet: which hosts exist and where their data comes from (uploaded files
 * or a demo scenario today; the SSH collector later). Snapshots and analyses are computed on demand and
 * cached for the session.
 */
import type { Analysis } from '../../scoring/analyze.ts';
import { analyzeAndPlan } from '../../scoring/placement/index.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { type InputFile, ingestHosts } from '../ingest/index.ts';
import { ToolFailure, type TurnArtifacts } from './types.ts';

export class Session {
  private snapshots: Snapshot[] | null = null;
  private analysis: Analysis | null = null;
  private rejectedNotes: string[] = [];
  /** artifacts of the current turn (reset by the loop at the start of each turn). */
  artifacts: TurnArtifacts = { findings: [], pdf: null };

  constructor(private readonly files: readonly InputFile[]) {}

  /** Parse the inputs once; rejected files become notes (the user is told, nothing is dropped silently). */
  load(): Snapshot[] {
    if (this.snapshots) return this.snapshots;
    if (this.files.length === 0)
      throw new ToolFailure(
        'no host data: upload a bundle from `infralens collect-script` (or nvidia-smi outputs) first',
      );
    const { snapshots, rejected } = ingestHosts(this.files);
    this.rejectedNotes = rejected.map((r) => r.error.describe());
    this.snapshots = snapshots;
    return snapshots;
  }

  notes(): string[] {
    this.load();
    return this.rejectedNotes;
  }

  hosts(): string[] {
    return this.load().map((s, i) => s.host ?? `host-${i + 1}`);
  }

  snapshot(host?: string): Snapshot {
    const all = this.load();
    const names = this.hosts();
    if (host === undefined || host === '') {
      if (all.length === 1) return all[0]!;
      throw new ToolFailure(`several hosts are loaded (${names.join(', ')}): name one`);
    }
    const i = names.indexOf(host);
    if (i < 0) throw new ToolFailure(`unknown host '${host}'; known hosts: ${names.join(', ')}`);
    return all[i]!;
  }

  fullAnalysis(): Analysis {
    this.analysis ??= analyzeAndPlan(this.load());
    return this.analysis;
  }

  hostAnalysis(host?: string): Analysis['hosts'][number] {
    const s = this.snapshot(host);
    const i = this.load().indexOf(s);
    return this.fullAnalysis().hosts[i]!;
  }
}
