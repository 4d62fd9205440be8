/**
 * The collection pipeline: collect hosts over SSH (tools/collect, injected), ingest each bundle the way
 * `infralens analyze` reads one (tools/ingest `ingestHosts`, the bundle as an input file, named after the
 * inventory entry), merge the guests of a Proxmox host into it (passthrough GPUs), analyse (scoring
 * `analyzeFleet`), record every host's history and evaluate its alerts.
 *
 * A host that fails (refused, wrong host key, timeout, a bundle that cannot be read) is a record with its
 * error, never a failure of the others. A host's record and alerts are written under a per-host lock, so
 * two collections of one host (a scheduled one and a re-check) never interleave their alert decisions.
 */
import { randomUUID } from 'node:crypto';
import { type Analysis, analyzeFleet, type HostAnalysis } from '../../scoring/analyze.ts';
import { type Comparison, compare, type HistoryRecord } from '../../scoring/history.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { InputError } from '../../tools/errors.ts';
import { type InputFile, ingestHosts } from '../../tools/ingest/index.ts';
import { mergeGuests } from '../../tools/ingest/passthrough.ts';
import { type AlertEvent, evaluateAlerts } from './alerts.ts';
import type { CollectOutcome, FleetDeps, HostEntry } from './types.ts';

export interface HostResult {
  host: string;
  record: HistoryRecord;
  /** the host's latest record before this collection (null: its first). */
  previous: HistoryRecord | null;
  /** the latest successful record before this collection (null: none). */
  lastGood: HistoryRecord | null;
  /** null when the collection or the ingestion failed. */
  analysis: HostAnalysis | null;
  error: { kind: string; message: string } | null;
  /** warnings of the collection, the ingestion and the passthrough merge. */
  warnings: string[];
  alerts: AlertEvent[];
}

export interface CollectResult {
  /** per host, in the order asked (guests added for a Proxmox host come after it). */
  hosts: HostResult[];
  /** the analysis of every host that could be analysed (for a report). */
  analysis: Analysis;
  at: number;
}

/** The records read before a collection: the unreachable rule needs this many (plus the new one). */
const PREVIOUS_RECORDS = 100;
const LOCK_MS = 60_000;

/** The hosts to collect: those asked, and the guests of every Proxmox host among them (its GPUs' view). */
export function withGuests(all: readonly HostEntry[], hosts: readonly HostEntry[]): HostEntry[] {
  const out = new Map(hosts.map((h) => [h.name, h]));
  for (const h of hosts)
    if (h.role === 'proxmox')
      for (const g of all) if (g.role === 'guest' && g.proxmoxHost === h.name) out.set(g.name, g);
  return [...out.values()];
}

type Ingested =
  | { ok: true; snapshot: Snapshot; warnings: string[] }
  | { ok: false; error: { kind: string; message: string } };

/** One host's bundle, with its live sources' files → its snapshot (named after the inventory entry). */
function ingestBundle(
  host: HostEntry,
  outcome: CollectOutcome | undefined,
  live: { files: InputFile[]; warnings: string[] } = { files: [], warnings: [] },
): Ingested {
  if (!outcome) return { ok: false, error: { kind: 'internal', message: 'the collector reported nothing' } };
  if (!outcome.ok) return { ok: false, error: { ...outcome.error } };
  try {
    const { snapshots, rejected } = ingestHosts(
      [{ name: `${host.name}.bundle.txt`, content: outcome.bundle }, ...live.files],
      { host: host.name },
    );
    const snapshot = snapshots[0];
    if (!snapshot)
      return { ok: false, error: { kind: 'ingest', message: rejected[0]?.error.describe() ?? 'no data' } };
    return {
      ok: true,
      snapshot,
      // what the collector's sections said (a command missing or failing on the host, a section cut):
      // a collection can succeed while NUMA or topology facts are missing, and the user must see that.
      // A MIG listing on a host without MIG GPUs exits 6 by design: not worth a warning.
      warnings: [
        ...outcome.warnings,
        ...live.warnings,
        ...rejected.map((r) => r.error.describe()),
        ...snapshot.sources.flatMap((src) =>
          src.warnings.some((w) => /no MIG-enabled GPU/.test(w))
            ? []
            : src.warnings.map((w) => (src.file.includes('#') ? `${src.file.replace(/^.*#/, '')}: ${w}` : w)),
        ),
      ],
    };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, error: { kind: 'ingest', message: e.describe() } };
    throw e;
  }
}

/**
 * PASSTHROUGH — the one place guests are merged into their Proxmox host: every Proxmox host collected in
 * this batch takes the GPU views of its guests collected with it (tools/ingest/passthrough.ts). The guests
 * keep their own records as well.
 */
function mergePassthrough(hosts: readonly HostEntry[], ingested: Map<string, Ingested>): void {
  for (const h of hosts) {
    const own = ingested.get(h.name);
    if (h.role !== 'proxmox' || !own?.ok) continue;
    const guests = hosts.flatMap((g) => {
      const got = ingested.get(g.name);
      return g.role === 'guest' && g.proxmoxHost === h.name && g.vmid !== undefined && got?.ok
        ? [{ vmid: g.vmid, snapshot: got.snapshot, source: g.name }]
        : [];
    });
    if (guests.length === 0) continue;
    const merged = mergeGuests(own.snapshot, guests);
    ingested.set(h.name, {
      ok: true,
      snapshot: merged.snapshot,
      warnings: [...own.warnings, ...merged.warnings],
    });
  }
}

async function withHostLock<T>(deps: FleetDeps, host: string, run: () => Promise<T>): Promise<T> {
  const key = `fleet-lock:${host}`;
  const token = randomUUID();
  for (let i = 0; !(await deps.state.setOnce(key, token, LOCK_MS)); i++) {
    if (i > 300) throw new Error(`the history of ${host} stayed locked for 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await run();
  } finally {
    await deps.state.delIf(key, token).catch(() => {});
  }
}

/** Collect hosts, ingest, analyse, record history and evaluate alerts; one result per host. */
export async function collectAndRecord(
  deps: FleetDeps,
  asked: readonly HostEntry[],
  opts: { signal?: AbortSignal } = {},
): Promise<CollectResult> {
  const hosts = withGuests(deps.inventory.hosts, asked);
  const t0 = Date.now();
  // SSH and the live sources (Prometheus windows, the Proxmox API) at the same time
  const [outcomes, live] = await Promise.all([
    hosts.length ? deps.collect(deps.inventory, hosts, opts.signal ? { signal: opts.signal } : {}) : [],
    deps.sources && hosts.some((h) => h.prometheus || h.proxmoxApi)
      ? deps.sources(deps.inventory, hosts, {
          now: deps.now(),
          ...(opts.signal ? { signal: opts.signal } : {}),
        })
      : new Map<string, { files: InputFile[]; warnings: string[] }>(),
  ]);
  const at = deps.now().getTime();
  const byHost = new Map(outcomes.map((o) => [o.host, o]));
  const ingested = new Map(hosts.map((h) => [h.name, ingestBundle(h, byHost.get(h.name), live.get(h.name))]));
  mergePassthrough(hosts, ingested);

  const analysed = hosts.filter((h) => ingested.get(h.name)?.ok);
  const analysis = analyzeFleet(
    analysed.map((h) => (ingested.get(h.name) as Extract<Ingested, { ok: true }>).snapshot),
  );
  const analysisOf = new Map(analysed.map((h, i) => [h.name, analysis.hosts[i]!]));

  const results: HostResult[] = [];
  for (const h of hosts) {
    const got = ingested.get(h.name)!;
    const hostAnalysis = analysisOf.get(h.name) ?? null;
    const result = await withHostLock(deps, h.name, async (): Promise<HostResult> => {
      const previous = await deps.history.last(h.name, '+inf', PREVIOUS_RECORDS);
      const record = await deps.history.record(
        h.name,
        got.ok && hostAnalysis
          ? hostAnalysis
          : { error: got.ok ? { kind: 'internal', message: 'not analysed' } : got.error },
        at,
      );
      const alerts = await evaluateAlerts(deps, h, record, previous);
      return {
        host: h.name,
        record,
        previous: previous[0] ?? null,
        lastGood: previous.find((p) => !p.error) ?? null,
        analysis: hostAnalysis,
        error: record.error ?? null,
        warnings: got.ok ? got.warnings : [],
        alerts,
      };
    });
    results.push(result);
  }
  deps.log.info('fleet: collected', {
    hosts: hosts.length,
    failed: results.filter((r) => r.error).length,
    ms: Date.now() - t0,
  });
  return { hosts: results, analysis, at };
}

export interface RecheckResult {
  host: string;
  /** the latest successful record before this collection (null: none). */
  before: HistoryRecord | null;
  after: HistoryRecord;
  comparison: Comparison;
  analysis: HostAnalysis | null;
  error: { kind: string; message: string } | null;
  /** what the collection warned of (a live source that failed, a section missing). */
  warnings: string[];
}

/**
 * Verify after a fix: collect one host again, record it, and compare with its latest record before this
 * collection — which findings are gone, which are new, which remain, and the score change.
 */
export async function recheck(deps: FleetDeps, hostName: string): Promise<RecheckResult> {
  const host = deps.inventory.hosts.find((h) => h.name === hostName);
  if (!host) throw new InputError('USAGE', `no host named '${hostName}' in the inventory`);
  const { hosts } = await collectAndRecord(deps, [host]);
  const r = hosts.find((x) => x.host === hostName)!;
  return {
    host: hostName,
    before: r.lastGood,
    after: r.record,
    comparison: compare(r.lastGood, r.record),
    analysis: r.analysis,
    error: r.error,
    warnings: r.warnings,
  };
}
