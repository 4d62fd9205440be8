/**
 * The live sources of an inventory host, beside its SSH collection: its GPU window from Prometheus
 * (dcgm-exporter series, tools/sources/prometheus.ts) and, for a Proxmox node read through the API, its VM
 * configs and PCI mappings (tools/sources/proxmox-api.ts). Both arrive as input files the ingest already
 * reads, so a live window and an uploaded one go through the same parsers.
 *
 * A source that fails (bad credentials, a timeout, no series for the host, the server down) is a warning
 * on the host, naming the source and the cause; the host is still analysed from what SSH gave. Secrets
 * are read from their files when a source is used (so a rotated token is picked up), capped in size, and
 * never appear in a message.
 */
import { readFileSync, statSync } from 'node:fs';
import type { InputFile } from '../ingest/index.ts';
import type { HostEntry, Inventory, PrometheusEntry, ProxmoxApiEntry } from '../inventory/schema.ts';
import { fetchWindow, type PrometheusSource, parseWindow } from './prometheus.ts';
import { fetchCluster, type ProxmoxSource } from './proxmox-api.ts';

/** The most a secret or CA file may hold. */
const SECRET_MAX = 64 * 1024;

/** A secret, CA or token file's text, capped; a clear error naming the file (never its content). */
export function readSecret(path: string, what: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > SECRET_MAX) throw new Error(`${what} ${path}: over ${SECRET_MAX} bytes`);
  return readFileSync(path, 'utf8').trim();
}

export function prometheusSource(p: PrometheusEntry): PrometheusSource {
  return {
    url: p.url,
    ...(p.bearerFile ? { auth: { bearer: readSecret(p.bearerFile, 'the bearer token file') } } : {}),
    ...(p.basic
      ? {
          auth: {
            basic: { user: p.basic.user, password: readSecret(p.basic.passwordFile, 'the password file') },
          },
        }
      : {}),
    ...(p.caFile ? { caFile: p.caFile } : {}),
    labels: p.labels,
    timeoutMs: p.timeoutSec * 1000,
  };
}

export function proxmoxSource(p: ProxmoxApiEntry): ProxmoxSource {
  return {
    url: p.url,
    tokenId: p.tokenId,
    secret: readSecret(p.secretFile, 'the token secret file'),
    ...(p.fingerprint ? { fingerprint: p.fingerprint } : {}),
    ...(p.caFile ? { caFile: p.caFile } : {}),
    ...(p.nodes ? { nodes: p.nodes } : {}),
    timeoutMs: p.timeoutSec * 1000,
  };
}

export interface LiveInputs {
  files: InputFile[];
  /** one line per source that failed, naming it and the cause. */
  warnings: string[];
}

/** The window a host's Prometheus is asked for: `words` (chat: "yesterday"), else the server's default. */
export function windowOf(
  server: PrometheusEntry,
  words: string | undefined,
  now: Date,
): { fromMs: number; toMs: number; label: string } {
  return (
    (words ? parseWindow(words, now) : null) ?? parseWindow(server.window, now) ?? parseWindow('24h', now)!
  );
}

/** The GPU window of one host as an input file; throws the source's error. */
export async function hostWindow(
  inv: Inventory,
  host: HostEntry,
  opts: { now: Date; window?: string; signal?: AbortSignal },
): Promise<InputFile> {
  if (!host.prometheus) throw new Error(`${host.name} has no Prometheus in the inventory`);
  const server = inv.prometheus.find((p) => p.name === host.prometheus!.server)!;
  const doc = await fetchWindow(
    prometheusSource(server),
    host.prometheus.hostLabel,
    windowOf(server, opts.window, opts.now),
    opts.signal ? { signal: opts.signal } : {},
  );
  return {
    name: `${host.name}.window-${doc.gpus[0]?.window.label ?? 'window'}.json`,
    content: JSON.stringify(doc),
  };
}

/**
 * The live inputs of the hosts of one collection: each cluster is read once for all its nodes, each host's
 * window fetched on its own; failures are warnings. Sources run concurrently.
 */
export async function liveInputs(
  inv: Inventory,
  hosts: readonly HostEntry[],
  opts: { now: Date; signal?: AbortSignal },
): Promise<Map<string, LiveInputs>> {
  const out = new Map<string, LiveInputs>(hosts.map((h) => [h.name, { files: [], warnings: [] }]));
  const clusters = new Map<string, Promise<{ files: InputFile[]; warnings: string[] }>>();
  const clusterFiles = (name: string) => {
    let p = clusters.get(name);
    if (!p) {
      const entry = inv.proxmox.find((c) => c.name === name)!;
      p = fetchCluster(proxmoxSource(entry), opts.signal ? { signal: opts.signal } : {});
      clusters.set(name, p);
    }
    return p;
  };
  await Promise.all(
    hosts.map(async (h) => {
      const mine = out.get(h.name)!;
      const jobs: Promise<void>[] = [];
      if (h.prometheus)
        jobs.push(
          hostWindow(inv, h, opts).then(
            (f) => void mine.files.push(f),
            (e: unknown) => void mine.warnings.push(`GPU window: ${oneLine(e)}`),
          ),
        );
      if (h.proxmoxApi) {
        const { cluster, node } = h.proxmoxApi;
        jobs.push(
          clusterFiles(cluster).then(
            (c) => {
              const own = nodeFiles(c.files, node);
              if (own.length === 0)
                mine.warnings.push(`Proxmox API ${cluster}: no node named '${node}' in the cluster`);
              mine.files.push(...own);
              // what the read left out or could not know (templates, caps, NUMA), for this node
              for (const w of c.warnings)
                if (w.includes(node)) mine.warnings.push(`Proxmox API ${cluster}: ${w}`);
            },
            (e: unknown) => void mine.warnings.push(`Proxmox API ${cluster}: ${oneLine(e)}`),
          ),
        );
      }
      await Promise.all(jobs);
    }),
  );
  return out;
}

/** A node's files of a cluster read (`pve-api/<node>/…`). */
export function nodeFiles(files: readonly InputFile[], node: string): InputFile[] {
  return files.filter((f) => f.name.startsWith(`pve-api/${node}/`));
}

const oneLine = (e: unknown) =>
  String((e as Error)?.message ?? e)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .slice(0, 400);
