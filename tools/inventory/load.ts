/**
 * Loading the inventory: read the file (byte-capped), parse the YAML, validate with the schema and say
 * what is wrong the way a person edits the file: `inventory.yaml: hosts[2] (gpu-node-03).hostKey: …`.
 * The path comes from the entry point (INFRALENS_CONFIG); nothing here reads the environment.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { type HostEntry, type Inventory, inventorySchema } from './schema.ts';

export type { ChannelEntry, HostEntry, Inventory } from './schema.ts';

/** An inventory file is small; anything bigger is a mistake (a wrong path, a binary). */
export const INVENTORY_MAX_BYTES = 1024 * 1024;

/** The inventory is wrong: every issue names the file, the entry and the field. */
export class InventoryError extends ConfigError {
  override name = 'InventoryError';
  readonly issues: string[];
  constructor(issues: string[]) {
    super(
      issues.length === 1
        ? issues[0]!
        : `${issues.length} problems in the inventory:\n  ${issues.join('\n  ')}`,
    );
    this.issues = issues;
  }
}

export interface ParseOptions {
  /** relative key/knownHosts paths are relative to this folder (loadInventory: the file's folder) */
  baseDir?: string;
  /** `~/` expands to this (default: the user's home folder) */
  home?: string;
}

/** `hosts[2] (gpu-node-03).hostKey`, `channels[0] (C0123).groups[1]`, `collection.retries` */
function where(path: readonly PropertyKey[], raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      node = Array.isArray(node) ? node[seg] : undefined;
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        const o = node as Record<string, unknown>;
        const label = typeof o.name === 'string' ? o.name : typeof o.id === 'string' ? o.id : undefined;
        if (label !== undefined) out += ` (${clip(label)})`;
      }
    } else {
      out += out === '' ? String(seg) : `.${String(seg)}`;
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(seg)] : undefined;
    }
  }
  return out;
}

/** a name from the file, shown in a message: printable and short */
function clip(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return t.length > 64 ? `${t.slice(0, 63)}…` : t;
}

function issueText(source: string, issue: z.core.$ZodIssue, raw: unknown): string {
  const at = where(issue.path, raw);
  let msg = issue.message;
  if (issue.code === 'unrecognized_keys')
    msg = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${clip(k)}'`).join(', ')}`;
  else if (issue.code === 'invalid_type' && /received undefined/.test(msg)) msg = 'required';
  return `${source}: ${at === '' ? '(top level)' : at}: ${msg}`;
}

function expandPath(p: string, opts: ParseOptions): string {
  if (p === '~' || p.startsWith('~/')) return resolve(opts.home ?? homedir(), p.slice(2));
  if (isAbsolute(p) || opts.baseDir === undefined) return p;
  return resolve(opts.baseDir, p);
}

/** Parse and validate inventory YAML. `source` names the file in messages. Throws InventoryError. */
export function parseInventory(text: string, source = 'inventory.yaml', opts: ParseOptions = {}): Inventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0)
    throw new InventoryError(
      doc.errors.slice(0, 10).map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return `${source}:${at.line}:${at.col}: YAML: ${e.message.split('\n')[0]}`;
      }),
    );
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InventoryError([`${source}: must be a YAML mapping with a 'hosts:' list`]);
  const r = inventorySchema.safeParse(raw);
  if (!r.success) throw new InventoryError(r.error.issues.slice(0, 50).map((i) => issueText(source, i, raw)));
  const inv = r.data;
  for (const h of inv.hosts) {
    if (h.key !== undefined) h.key = expandPath(h.key, opts);
    if (h.knownHosts !== undefined) h.knownHosts = expandPath(h.knownHosts, opts);
  }
  // the live sources' secret and CA files, like the keys: relative to the inventory's folder
  for (const p of inv.prometheus) {
    if (p.bearerFile !== undefined) p.bearerFile = expandPath(p.bearerFile, opts);
    if (p.basic) p.basic.passwordFile = expandPath(p.basic.passwordFile, opts);
    if (p.caFile !== undefined) p.caFile = expandPath(p.caFile, opts);
  }
  for (const p of inv.proxmox) {
    p.secretFile = expandPath(p.secretFile, opts);
    if (p.caFile !== undefined) p.caFile = expandPath(p.caFile, opts);
  }
  return inv;
}

/** Read (at most INVENTORY_MAX_BYTES) and parse the inventory file. Throws InventoryError. */
export function loadInventory(path: string, opts: Omit<ParseOptions, 'baseDir'> = {}): Inventory {
  const source = basename(path);
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InventoryError([`${path}: not a regular file`]);
    const buf = Buffer.alloc(Math.min(st.size, INVENTORY_MAX_BYTES) + 1);
    let n = 0;
    for (;;) {
      const k = readSync(fd, buf, n, buf.length - n, null);
      if (k === 0) break;
      n += k;
      if (n >= buf.length) break;
    }
    if (n > INVENTORY_MAX_BYTES)
      throw new InventoryError([
        `${path}: larger than ${INVENTORY_MAX_BYTES / 1024 / 1024} MiB; is this the inventory?`,
      ]);
    text = buf.subarray(0, n).toString('utf8');
  } catch (e) {
    if (e instanceof InventoryError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InventoryError([
      `${path}: cannot read the inventory (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
    ]);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseInventory(text, source, { ...opts, baseDir: dirname(resolve(path)) });
}

/**
 * The hosts a selector names: a host name, else a group name, else every host when the selector is
 * empty, `all` or `*`. Order: the inventory's. An unknown selector is an InventoryError listing what exists.
 */
export function selectHosts(inv: Inventory, selector?: string): HostEntry[] {
  if (selector === undefined || selector === '' || selector === 'all' || selector === '*')
    return [...inv.hosts];
  const host = inv.hosts.find((h) => h.name === selector);
  if (host) return [host];
  const inGroup = inv.hosts.filter((h) => h.groups.includes(selector));
  if (inGroup.length > 0) return inGroup;
  const groups = [...new Set(inv.hosts.flatMap((h) => h.groups))];
  throw new InventoryError([
    `no host or group named '${clip(selector)}' (hosts: ${inv.hosts
      .slice(0, 10)
      .map((h) => h.name)
      .join(', ')}${inv.hosts.length > 10 ? ', …' : ''}; groups: ${groups.join(', ') || 'none'})`,
  ]);
}

/** A host's jump chain, nearest first (the schema has ruled out cycles and unknown names). */
export function jumpChain(inv: Inventory, host: HostEntry): HostEntry[] {
  const out: HostEntry[] = [];
  let cur = host.jump;
  while (cur !== undefined && out.length < inv.hosts.length) {
    const j = inv.hosts.find((h) => h.name === cur);
    if (!j) break;
    out.push(j);
    cur = j.jump;
  }
  return out;
}
