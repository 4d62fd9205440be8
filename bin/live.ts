/**
 * The live sources from the CLI (issue 15), with the inventory of `INFRALENS_CONFIG`:
 *
 * - `infralens window HOST [--window 24h|7d|yesterday|this week] [--lang ko] [--json] [--out FILE]`: the
 *   host's GPU window from its Prometheus — per GPU the idle hours of the window, SM active mean and p95,
 *   memory used — and the findings computed with it. `--out` writes the `infralens-gpu-window` document
 *   (it can be given to `infralens analyze` beside the host's other outputs).
 * - `infralens proxmox-map [CLUSTER] [--json]`: a Proxmox cluster's VM ↔ GPU ↔ NUMA map from its API
 *   (read-only token, no SSH).
 *
 * Exit 0 done · 1 the source failed (one line naming it and the cause) · 2 usage or inventory.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { safeInline } from '../scoring/text-safety.ts';
import { WindowDocument } from '../scoring/window.ts';
import { UsageError } from '../tools/errors.ts';
import { inventoryFrom } from './fleet.ts';

type Env = Readonly<Record<string, string | undefined>>;
interface Io {
  out(s: string): void;
  err(s: string): void;
}

const r1 = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

export async function windowCommand(args: string[], io: Io, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      window: { type: 'string' },
      lang: { type: 'string', default: 'en' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('window takes one HOST');
  if (values.lang !== 'en' && values.lang !== 'ko')
    throw new UsageError(`--lang must be ko or en, not '${values.lang}'`);
  const lang = values.lang;
  const inv = await inventoryFrom(env);
  const host = inv.hosts.find((h) => h.name === positionals[0]);
  if (!host) throw new UsageError(`no host named '${safeInline(positionals[0]!, 80)}' in the inventory`);
  if (!host.prometheus)
    throw new UsageError(
      `${host.name} has no Prometheus: add a \`prometheus:\` server to the inventory whose groups cover it, or name one on the host`,
    );
  const { hostWindow } = await import('../tools/sources/index.ts');
  const { parseWindow } = await import('../tools/sources/prometheus.ts');
  if (values.window !== undefined && parseWindow(values.window, new Date()) === null)
    throw new UsageError(
      `--window takes 24h, 7d, today, yesterday, this week, last week (or 어제, 이번 주), not '${safeInline(values.window, 40)}'`,
    );
  let file: { name: string; content: string | Uint8Array };
  try {
    file = await hostWindow(inv, host, {
      now: new Date(),
      ...(values.window !== undefined ? { window: values.window } : {}),
    });
  } catch (e) {
    io.err(`infralens: the GPU window of ${host.name}: ${safeInline(String((e as Error).message), 400)}`);
    return 1;
  }
  const doc = WindowDocument.parse(JSON.parse(String(file.content)));
  if (values.out) writeFileSync(values.out, `${JSON.stringify(doc, null, 2)}\n`);
  const [{ ingestHosts }, { analyzeFleet }] = await Promise.all([
    import('../tools/ingest/index.ts'),
    import('../scoring/analyze.ts'),
  ]);
  const { snapshots } = ingestHosts([file], { host: host.name });
  const analysis = snapshots[0] ? analyzeFleet([snapshots[0]]).hosts[0] : undefined;
  if (values.json) {
    io.out(JSON.stringify({ window: doc, findings: analysis?.findings ?? [] }, null, 2));
    return 0;
  }
  const w = doc.gpus[0]?.window;
  io.out(
    `${host.name} — ${w ? `${w.label} (${w.from} → ${w.to}, step ${w.stepSec} s)` : 'no GPU'} — ${doc.source}`,
  );
  for (const g of doc.gpus) {
    const x = g.window;
    const span = (Date.parse(x.to) - Date.parse(x.from)) / 3_600_000;
    const name = `${g.index === null ? g.uuid : `GPU ${g.index}`}${g.migInstance ? ` MIG ${g.migInstance.profile ?? g.migInstance.id}` : ''}`;
    const idle = x.idleSeconds === null ? 'idle ?' : `idle ${r1(x.idleSeconds / 3600)} h of ${r1(span)} h`;
    const sm = x.smActive
      ? `SM active ${r1(x.smActive.mean * 100)} % (p95 ${r1(x.smActive.p95 * 100)} %)`
      : x.util
        ? `util ${r1(x.util.mean)} % (p95 ${r1(x.util.p95)} %)`
        : 'no activity series';
    const mem = x.fbUsedMiB ? `, memory p95 ${Math.round(x.fbUsedMiB.p95)} MiB` : '';
    io.out(`  ${name}: ${idle}, ${sm}${mem}`);
  }
  if (doc.missing.length) io.out(`  series without data: ${doc.missing.join(', ')}`);
  const findings = (analysis?.findings ?? []).filter((f) => f.severity !== 'info');
  if (findings.length) {
    io.out(lang === 'ko' ? '기간 기준 발견 사항:' : 'Findings over the window:');
    for (const f of findings) io.out(`  [${f.severity}] ${safeInline(f.title[lang], 200)}`);
  }
  return 0;
}

export async function proxmoxMapCommand(args: string[], io: Io, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('proxmox-map takes at most one CLUSTER');
  const inv = await inventoryFrom(env);
  if (inv.proxmox.length === 0)
    throw new UsageError('the inventory lists no Proxmox cluster: add one under `proxmox:` (see README)');
  const entry = positionals[0] ? inv.proxmox.find((c) => c.name === positionals[0]) : inv.proxmox[0];
  if (!entry)
    throw new UsageError(
      `no Proxmox cluster '${safeInline(positionals[0]!, 63)}'; the inventory has ${inv.proxmox.map((c) => c.name).join(', ')}`,
    );
  if (!positionals[0] && inv.proxmox.length > 1)
    throw new UsageError(`several Proxmox clusters (${inv.proxmox.map((c) => c.name).join(', ')}): name one`);
  const { proxmoxMap } = await import('../tools/sources/proxmox-map.ts');
  let map: Awaited<ReturnType<typeof proxmoxMap>>;
  try {
    map = await proxmoxMap(entry);
  } catch (e) {
    io.err(`infralens: the Proxmox cluster ${entry.name}: ${safeInline(String((e as Error).message), 400)}`);
    return 1;
  }
  if (values.json) {
    io.out(JSON.stringify(map, null, 2));
    return 0;
  }
  io.out(
    `${map.cluster}: ${map.nodes.length} node${map.nodes.length === 1 ? '' : 's'}, ${map.vms.length} VMs`,
  );
  for (const n of map.nodes) {
    io.out(
      `${n.node}: ${n.gpus} GPU${n.gpus === 1 ? '' : 's'}${n.numaNodes.length ? `, NUMA nodes ${n.numaNodes.join(', ')}` : ''}`,
    );
    for (const v of map.vms.filter((x) => x.node === n.node)) {
      const gpus = v.gpus.length
        ? v.gpus
            .map((g) => `${g.busId ?? `GPU ${g.gpu}`}${g.numaNode === null ? '' : ` (NUMA ${g.numaNode})`}`)
            .join(', ')
        : 'no GPU';
      const pin = v.hostNodes.length ? `; pinned to host NUMA ${v.hostNodes.join(', ')}` : '';
      const unres = v.unresolved.length ? `; not a GPU of ${n.node}: ${v.unresolved.join(', ')}` : '';
      io.out(
        `  VM ${v.vmid}${v.name ? ` ${safeInline(v.name, 60)}` : ''}${v.status ? ` [${v.status}]` : ''}: ${gpus}${pin}${unres}`,
      );
    }
  }
  for (const w of map.warnings.slice(0, 20)) io.err(`infralens: ${safeInline(w, 300)}`);
  return 0;
}
