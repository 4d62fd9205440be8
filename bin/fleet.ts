/**
 * `infralens hosts` and `infralens collect`: the fleet inventory (INFRALENS_CONFIG) and collection over
 * SSH from the command line. An entry-point module: it reads the environment it is given (the CLI passes
 * process.env), prints through `io`, and returns the exit code.
 *
 * collect exit codes: 0 every host collected · 1 some host failed · 2 usage or inventory error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { safeInline } from '../scoring/text-safety.ts';
import type { CollectOutcome } from '../tools/collect/ssh.ts';
import { ConfigError, UsageError } from '../tools/errors.ts';
import type { HostEntry, Inventory } from '../tools/inventory/schema.ts';

/** a host's last collection, from the history store (wired by the bot's history; absent here) */
export interface LastCollection {
  at: string;
  score: number | null;
  grade: string | null;
  error?: string;
}

export interface FleetHooks {
  lastCollection?: (host: HostEntry) => Promise<LastCollection | null>;
}

interface FleetIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

type Env = Readonly<Record<string, string | undefined>>;

async function inventoryFrom(env: Env): Promise<Inventory> {
  const path = env.INFRALENS_CONFIG;
  if (path === undefined || path.trim() === '')
    throw new ConfigError(
      'INFRALENS_CONFIG is not set: point it at the fleet inventory YAML (example: samples/inventory.example.yaml)',
    );
  const { loadInventory } = await import('../tools/inventory/load.ts');
  return loadInventory(path);
}

function roleText(h: HostEntry): string {
  return h.role === 'guest' ? `guest (VM ${h.vmid} on ${h.proxmoxHost})` : h.role;
}

function lastText(l: LastCollection | null | undefined): string {
  if (l === undefined) return 'unknown';
  if (l === null) return 'never';
  if (l.error !== undefined) return `${l.at} failed: ${l.error}`;
  return `${l.at}${l.score !== null ? ` score ${l.score.toFixed(1)}` : ''}${l.grade !== null ? ` (${l.grade})` : ''}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** `infralens hosts [HOST|GROUP] [--json]` */
export async function hostsCommand(
  args: string[],
  io: FleetIo,
  env: Env,
  hooks: FleetHooks = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('hosts takes at most one HOST or GROUP');
  const inv = await inventoryFrom(env);
  const { selectHosts } = await import('../tools/inventory/load.ts');
  const hosts = selectHosts(inv, positionals[0]);
  const last = await Promise.all(
    hosts.map(async (h) => (hooks.lastCollection ? await hooks.lastCollection(h) : undefined)),
  );
  if (values.json) {
    io.out(
      JSON.stringify(
        hosts.map((h, i) => ({
          name: h.name,
          address: h.address,
          port: h.port,
          user: h.user,
          role: h.role,
          ...(h.role === 'guest' ? { proxmoxHost: h.proxmoxHost, vmid: h.vmid } : {}),
          ...(h.jump !== undefined ? { jump: h.jump } : {}),
          groups: h.groups,
          hostKey: h.hostKey ? 'pinned' : h.knownHosts ? 'known_hosts' : 'trust-on-first-use',
          lastCollection: last[i] === undefined ? 'unknown' : last[i],
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  const rows = [
    ['HOST', 'ADDRESS', 'ROLE', 'GROUPS', 'LAST COLLECTION'],
    ...hosts.map((h, i) => [
      h.name,
      `${h.user}@${h.address.includes(':') ? `[${h.address}]` : h.address}${h.port !== 22 ? `:${h.port}` : ''}${h.jump !== undefined ? ` via ${h.jump}` : ''}`,
      roleText(h),
      h.groups.join(',') || '-',
      safeInline(lastText(last[i]), 120),
    ]),
  ];
  for (const line of table(rows)) io.out(line);
  io.out(`${hosts.length} host${hosts.length === 1 ? '' : 's'} in ${env.INFRALENS_CONFIG}`);
  return 0;
}

interface HostSummary {
  gpus: number;
  score: number | null;
  grade: string | null;
  problem?: string;
}

/** the same ingest + analysis as `infralens analyze`, for one collected bundle */
async function summarise(name: string, bundle: string): Promise<HostSummary> {
  const [{ ingestHosts }, { analyzeFleet }] = await Promise.all([
    import('../tools/ingest/index.ts'),
    import('../scoring/analyze.ts'),
  ]);
  const { snapshots, rejected } = ingestHosts([{ name: `${name}.txt`, content: bundle }], { host: name });
  if (rejected.length > 0)
    return { gpus: 0, score: null, grade: null, problem: rejected[0]!.error.describe() };
  const h = analyzeFleet(snapshots).hosts[0]!;
  return {
    gpus: h.gpus.length,
    score: h.score?.value ?? null,
    grade: h.score?.grade ?? null,
    ...(h.score === null && h.scoreReason ? { problem: `no score: ${h.scoreReason.en}` } : {}),
  };
}

/** `infralens collect [HOST|GROUP] [--out DIR] [--json]` */
export async function collectCommand(args: string[], io: FleetIo, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('collect takes at most one HOST or GROUP');
  const inv = await inventoryFrom(env);
  const { selectHosts } = await import('../tools/inventory/load.ts');
  const hosts = selectHosts(inv, positionals[0]);
  const outDir = values.out === undefined ? undefined : resolve(values.out);
  if (outDir !== undefined) {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`--out ${outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const { collectHosts } = await import('../tools/collect/fleet.ts');
  const t0 = performance.now();
  const outcomes: CollectOutcome[] = await collectHosts(inv, hosts, {
    ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
    seed: Date.now() & 0x7fffffff,
  });
  const wall = performance.now() - t0;
  const rows: Record<string, unknown>[] = [];
  const lines: string[][] = [];
  for (const o of outcomes) {
    const tries = o.attempts > 1 ? `, ${o.attempts} attempts` : '';
    if (!o.ok) {
      rows.push({ host: o.host, ok: false, error: o.error, ms: o.ms, attempts: o.attempts });
      lines.push([o.host, o.error.kind, `${safeInline(o.error.message, 300)} (${o.ms} ms${tries})`]);
      continue;
    }
    let file: string | undefined;
    if (outDir !== undefined) {
      file = join(outDir, `${o.host}.txt`);
      writeFileSync(file, o.bundle);
    }
    const s = await summarise(o.host, o.bundle);
    rows.push({
      host: o.host,
      ok: true,
      gpus: s.gpus,
      score: s.score,
      grade: s.grade,
      bytes: o.bytes,
      ms: o.ms,
      attempts: o.attempts,
      warnings: o.warnings,
      ...(s.problem !== undefined ? { problem: s.problem } : {}),
      ...(file !== undefined ? { file } : {}),
    });
    const score = s.score !== null ? `score ${s.score.toFixed(1)} (${s.grade})` : 'no score';
    const extra = [
      `${Math.round(o.bytes / 1024)} KiB`,
      `${o.ms} ms${tries}`,
      ...(o.warnings.length > 0 ? [`${o.warnings.length} warning${o.warnings.length > 1 ? 's' : ''}`] : []),
    ];
    lines.push([
      o.host,
      'ok',
      `${s.gpus} GPU${s.gpus === 1 ? '' : 's'}, ${score}${s.problem !== undefined ? ` — ${safeInline(s.problem, 200)}` : ''} (${extra.join(', ')})`,
    ]);
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  if (values.json) io.out(JSON.stringify({ hosts: rows, failed, ms: Math.round(wall) }, null, 2));
  else {
    for (const l of table(lines)) io.out(l);
    io.out(
      `collected ${outcomes.length - failed} of ${outcomes.length} host${outcomes.length === 1 ? '' : 's'} in ${(wall / 1000).toFixed(1)} s${outDir !== undefined ? `; bundles in ${outDir}` : ''}`,
    );
    for (const o of outcomes)
      if (o.ok) for (const w of o.warnings) io.err(`infralens: ${o.host}: ${safeInline(w, 300)}`);
  }
  return failed > 0 ? 1 : 0;
}
