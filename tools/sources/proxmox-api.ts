/**
 * The Proxmox VE API as a live source: a cluster's VM ↔ GPU map without SSH, read-only, with an API token
 * (`Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`). It reads
 *
 *   GET /api2/json/nodes                               the nodes (offline ones are skipped)
 *   GET /api2/json/cluster/mapping/pci                 PCI resource mappings (PVE ≥ 8.0), `map` strings per node
 *   GET /api2/json/nodes/{node}/qemu                   the node's VMs (templates are skipped: they never run)
 *   GET /api2/json/nodes/{node}/qemu/{vmid}/config     a VM's config, an object of key → value
 *   GET /api2/json/nodes/{node}/hardware/pci           the node's PCI devices (id, vendor, device, class,
 *                                                      iommugroup, subsystem ids, mdev)
 *
 * and renders them as the files the ingest already reads, named after their origin: one `qm config` text per
 * VM (`pve-api/<node>/qemu-<vmid>.conf`, keys sorted, `digest` left out and `description` percent-encoded as
 * `qm config` prints them, the VM id passed in InputFile.vmid), the node's entries of the PCI mappings as
 * /etc/pve/mapping/pci.cfg (`pve-api/<node>/mapping-pci.cfg`), and the node's NVIDIA display/3D devices in
 * the collector's sysfs-pci format (`pve-api/<node>/hardware-pci.txt`). The formats carry no host name: a
 * caller ingests each node's files on their own (`ingest(files, { host: node })`), or adds them to that
 * node's SSH bundle.
 *
 * What the API does not give: the NUMA node of a PCI device (nor its local CPUs, PCIe link or driver).
 * `hardware/pci` is read from sysfs by PVE::SysFSTools::lspci, which copies only the fields above; no other
 * read-only endpoint has them. Those fields are left empty in the sysfs-pci lines (never guessed), so the
 * GPUs' NUMA nodes are unknown unless the node's collector bundle (sysfs-pci read over SSH) is also read.
 *
 * Privileges (a read-only token, e.g. the PVEAuditor role): VM.Audit on /vms (VMs without it are silently
 * left out of the VM list by Proxmox), Sys.Audit on / (hardware/pci), Mapping.Audit on /mapping/pci
 * (mappings without it are left out of the list). A 401 or 403 is an `auth` SourceError (the live
 * sources' error, tools/sources/prometheus.ts) naming the privilege; nothing is written or started on the
 * cluster.
 *
 * TLS: against `caFile` (the cluster CA, /etc/pve/pve-root-ca.pem), and/or pinned to the server
 * certificate's SHA-256 fingerprint (as `pvenode cert info` and the GUI show it). The pin is checked on the
 * connection before any request is written, so a wrong certificate never sees the token; with a CA file a
 * pinned fingerprint must match too. Neither: the system CAs. Every answer is capped in bytes, every request
 * and the whole read in time, the VMs per node in number, and the requests in flight. Node names and VM ids
 * are validated before they go into a URL. The secret is only ever put in the Authorization header.
 */
import { readFile, stat } from 'node:fs/promises';
import { Agent, type AgentOptions, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { ConfigError, InputError } from '../errors.ts';
import type { InputFile } from '../ingest/index.ts';
import { proxmoxVmParser, VM_NAME } from '../parsers/proxmox-vm.ts';
import { normalizeBusId } from '../parsers/text.ts';
import { SourceError } from './prometheus.ts';

// ---------------------------------------------------------------------------------------------
// Configuration and limits
// ---------------------------------------------------------------------------------------------

export interface ProxmoxSource {
  /** the API's address, e.g. `https://pve1:8006` (a path prefix is kept, for a reverse proxy). */
  url: string;
  /** `user@realm!tokenname` */
  tokenId: string;
  /** the token's secret (a UUID); only ever sent in the Authorization header. */
  secret: string;
  /** the server certificate's SHA-256 fingerprint, `AA:BB:…` as Proxmox shows it. */
  fingerprint?: string;
  /** a PEM file of the CA(s) to verify the server against (the cluster's pve-root-ca.pem). */
  caFile?: string;
  /** the time one request may take, in ms (default 15 000). */
  timeoutMs?: number;
  /** the nodes to read (default: every online node of the cluster). */
  nodes?: string[];
}

const MiB = 1024 * 1024;

export const PROXMOX_LIMITS = {
  /** one answer: a node list, a VM list, a PCI device list, the mappings. */
  maxResponseBytes: 8 * MiB,
  /** one VM config answer (a real one is a few KiB). */
  maxConfigBytes: 1 * MiB,
  maxNodes: 128,
  /** VMs read per node; the rest are named in a warning. */
  maxVmsPerNode: 2000,
  maxPciDevices: 4096,
  maxMappings: 4096,
  /** keys of one VM config rendered (Proxmox knows about 200). */
  maxConfigKeys: 1000,
  /** requests in flight at once. */
  concurrency: 4,
  /** one request, when the source does not set `timeoutMs`. */
  requestTimeoutMs: 15_000,
  /** the whole read (default: 120 s, or twice the request timeout when that is longer). */
  overallTimeoutMs: 120_000,
} as const;

export type ProxmoxLimits = { -readonly [K in keyof typeof PROXMOX_LIMITS]: number };

/** A fetch-compatible transport, for a caller that reaches the API through something of its own. */
export type FetchLike = (
  url: string,
  init: { method: 'GET'; headers: Record<string, string>; signal: AbortSignal; redirect: 'manual' },
) => Promise<Response>;

export interface FetchClusterOptions {
  /**
   * Send the requests through this instead of the built-in HTTPS client. The TLS options (fingerprint,
   * caFile) cannot be enforced through it, so giving both is a ConfigError.
   */
  fetch?: FetchLike;
  /** aborts the read: requests are cancelled and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  limits?: Partial<ProxmoxLimits>;
}

export interface ProxmoxVmSummary {
  node: string;
  vmid: number;
  /** the VM's name when it is a valid Proxmox name, else null. */
  name: string | null;
  /** `running`, `stopped`, … as the VM list says, or null. */
  status: string | null;
  /** the node's GPUs its hostpci entries name (a mapping counts once: Proxmox gives it one device). */
  gpus: number;
}

export interface ProxmoxCluster {
  files: InputFile[];
  /** the nodes read, sorted. */
  nodes: string[];
  /** the VMs read, by node then VM id. */
  vms: ProxmoxVmSummary[];
  /** what was left out or is unknown, one line each. */
  warnings: string[];
}

/** `user@realm!tokenname`: no spaces, `:`, `/`, `=`, `,` (the header splits on `=`). */
const TOKEN_ID = /^[^\s:/@!=,]{1,64}@[A-Za-z][A-Za-z0-9._-]{0,63}![A-Za-z][A-Za-z0-9._-]{0,63}$/;
/** a token secret is a UUID; any visible ASCII is accepted, nothing that could break the header. */
const SECRET = /^[\x21-\x7e]{1,256}$/;
/** a Proxmox node name (`pve-node`: a DNS label). */
const NODE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** a mapping id (`pve-configid`). */
const MAPPING_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
/** a VM config key as Proxmox writes them (`hostpci0`, `amd-sev`, `spice_enhancements`). */
const CONFIG_KEY = /^[a-z][a-z0-9_-]{0,63}$/;
const VMID_MIN = 100;
const VMID_MAX = 999_999_999;

interface Checked {
  /** origin + path prefix, no trailing slash: what messages name. */
  display: string;
  base: URL;
  tokenId: string;
  secret: string;
  pin: string | null;
  caFile: string | null;
  nodes: string[] | null;
}

/** `AA:BB:…` (32 pairs) or 64 hex digits → `AA:BB:…` upper case; null when it is not one. */
export function normalizeFingerprint(fp: string): string | null {
  const t = fp.trim();
  if (!/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(t) && !/^[0-9A-Fa-f]{64}$/.test(t)) return null;
  return t.replace(/:/g, '').toUpperCase().match(/../g)!.join(':');
}

/** Validate a source; throws ConfigError naming the field (never the secret's value). */
export function checkSource(src: ProxmoxSource, o: { fetch?: unknown } = {}): Checked {
  let url: URL;
  try {
    url = new URL(src.url);
  } catch {
    throw new ConfigError(`Proxmox API url '${serverWords(String(src.url), 100)}' is not a URL`);
  }
  if (url.protocol !== 'https:')
    throw new ConfigError(`Proxmox API url ${url.origin} must be https:// (the token would travel in clear)`);
  if (url.username || url.password)
    throw new ConfigError(
      'Proxmox API url must not hold a user or password: use tokenId and the secret file',
    );
  if (url.search || url.hash)
    throw new ConfigError(`Proxmox API url ${url.origin} must not have ?query or #hash`);
  const prefix = url.pathname.replace(/\/+$/, '').replace(/\/api2\/json$/, '');
  const display = `${url.origin}${prefix}`;
  if (typeof src.tokenId !== 'string' || !TOKEN_ID.test(src.tokenId))
    throw new ConfigError(
      `Proxmox API ${display}: tokenId '${serverWords(String(src.tokenId), 80)}' must be user@realm!tokenname (e.g. infralens@pve!audit)`,
    );
  if (typeof src.secret !== 'string' || !SECRET.test(src.secret))
    throw new ConfigError(
      `Proxmox API ${display}: the secret of ${src.tokenId} must be the token's secret (a UUID: visible characters, no spaces)`,
    );
  let pin: string | null = null;
  if (src.fingerprint !== undefined) {
    pin = normalizeFingerprint(src.fingerprint);
    if (pin === null)
      throw new ConfigError(
        `Proxmox API ${display}: fingerprint must be a SHA-256 fingerprint AA:BB:…:FF (32 pairs), as \`pvenode cert info\` prints it`,
      );
  }
  if (o.fetch !== undefined && (pin !== null || src.caFile !== undefined))
    throw new ConfigError(
      `Proxmox API ${display}: fingerprint and caFile cannot be enforced through a caller's fetch`,
    );
  let nodes: string[] | null = null;
  if (src.nodes !== undefined) {
    for (const n of src.nodes)
      if (typeof n !== 'string' || !NODE_NAME.test(n))
        throw new ConfigError(
          `Proxmox API ${display}: node '${serverWords(String(n), 80)}' is not a node name`,
        );
    nodes = [...new Set(src.nodes)];
  }
  const base = new URL(url.origin);
  base.pathname = prefix;
  return {
    display,
    base,
    tokenId: src.tokenId,
    secret: src.secret,
    pin,
    caFile: src.caFile ?? null,
    nodes,
  };
}

// ---------------------------------------------------------------------------------------------
// Texts (one line each, EN and KO)
// ---------------------------------------------------------------------------------------------

/** Server-provided text made safe for a one-line message: control characters out, cut at `max`. */
function serverWords(s: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const line = s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A SourceError (the live sources' one error type, tools/sources/prometheus.ts) naming the cluster: `host`
 * is the API's host:port, `source` `proxmox-api <url>`.
 */
function fail(kind: SourceError['kind'], c: Checked, en: string, ko: string): SourceError {
  return new SourceError(kind, `Proxmox API ${c.display}: ${en}`, {
    host: c.base.host,
    source: `proxmox-api ${c.display}`,
    messageKo: `Proxmox API ${c.display}: ${ko}`,
  });
}

/** A SourceError for an HTTP status, which the read looks at (595: a node unreachable, 501: no mappings). */
class StatusError extends SourceError {
  constructor(
    readonly status: number,
    e: SourceError,
  ) {
    super(e.kind, e.message, { host: e.host, source: e.source, messageKo: e.messageKo });
  }
}

/** The privilege an endpoint needs and the ACL path it is checked on. */
function privilegeOf(path: string): { priv: string; on: string } {
  let m = /^\/nodes\/[^/]+\/qemu\/(\d+)\//.exec(path);
  if (m) return { priv: 'VM.Audit', on: `/vms/${m[1]}` };
  if (/^\/nodes\/[^/]+\/qemu$/.test(path)) return { priv: 'VM.Audit', on: '/vms' };
  if (/\/hardware\/pci$/.test(path)) return { priv: 'Sys.Audit', on: '/' };
  if (path.startsWith('/cluster/mapping/')) return { priv: 'Mapping.Audit', on: '/mapping/pci' };
  m = /^\/nodes\/([^/]+)/.exec(path);
  return { priv: 'Sys.Audit', on: m ? `/nodes/${m[1]}` : '/nodes' };
}

const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Words for a network error code (the line names the cause, not a stack). */
const NETWORK_WORDS: Readonly<Record<string, [string, string]>> = {
  ECONNREFUSED: [
    'connection refused (is pveproxy running, is the port 8006?)',
    '연결 거부됨 (pveproxy 실행 여부와 포트 8006 확인)',
  ],
  ECONNRESET: ['the connection was reset', '연결이 재설정됨'],
  EHOSTUNREACH: ['no route to the host', '호스트로 가는 경로 없음'],
  ENETUNREACH: ['the network is unreachable', '네트워크에 연결할 수 없음'],
  EHOSTDOWN: ['the host is down', '호스트가 꺼져 있음'],
  ENOTFOUND: [
    'the address does not resolve (check the url or DNS)',
    '주소를 찾을 수 없음 (URL 또는 DNS 확인)',
  ],
  EAI_AGAIN: ['name resolution failed for now (DNS)', '이름 확인 일시 실패 (DNS)'],
  ETIMEDOUT: ['the connection timed out', '연결 시간 초과'],
  EPIPE: ['the connection closed while writing', '쓰는 중 연결이 닫힘'],
  ECONNABORTED: ['the connection was aborted', '연결이 중단됨'],
};

/** OpenSSL verification codes: the certificate is not trusted or not for this address. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

// ---------------------------------------------------------------------------------------------
// Transport: one GET, its answer capped
// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  statusText: string;
  body: Buffer;
}

type Get = (path: string, signal: AbortSignal, cap: number) => Promise<Answer>;

class TooLarge extends Error {
  constructor(readonly cap: number) {
    super(`answer over ${cap} bytes`);
  }
}

class PinMismatch extends Error {
  constructor(readonly seen: string) {
    super('certificate fingerprint mismatch');
  }
}

/**
 * An HTTPS agent that, with a pin, hands a connection to a request only once the certificate's fingerprint
 * matched: the request (and its Authorization header) is written to a verified connection or not at all.
 */
class PinnedAgent extends Agent {
  readonly #pin: string | null;
  /** connections still in their handshake (a request that timed out leaves them to `close`). */
  readonly #pending = new Set<TLSSocket>();
  constructor(options: AgentOptions, pin: string | null) {
    super(options);
    this.#pin = pin;
  }
  /** the agent's sockets and the ones still shaking hands */
  close(): void {
    for (const s of this.#pending) s.destroy();
    this.#pending.clear();
    this.destroy();
  }
  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options) as TLSSocket;
    // a listener for the moment between the handshake and the request taking the socket (an error then
    // would otherwise crash the process); the request's own listener still reports it
    socket.on('error', () => {});
    const pin = this.#pin;
    if (pin === null || callback === undefined) return socket;
    this.#pending.add(socket);
    const onError = (e: Error) => {
      this.#pending.delete(socket);
      socket.off('secureConnect', onSecure);
      callback(e, socket);
    };
    const onSecure = () => {
      this.#pending.delete(socket);
      socket.off('error', onError);
      const seen = socket.getPeerCertificate()?.fingerprint256 ?? '';
      if (seen.toUpperCase() !== pin) {
        const e = new PinMismatch(seen.toUpperCase());
        socket.destroy();
        callback(e, socket);
        return;
      }
      callback(null, socket);
    };
    socket.once('error', onError);
    socket.once('secureConnect', onSecure);
    return undefined;
  }
}

function httpsTransport(
  c: Checked,
  headers: Record<string, string>,
  ca: Buffer | null,
  concurrency: number,
): { get: Get; close: () => void } {
  const agent = new PinnedAgent(
    {
      keepAlive: true,
      maxSockets: concurrency,
      // a full handshake per connection, so the pin is checked on a certificate the server just sent
      maxCachedSessions: 0,
      ...(ca ? { ca } : {}),
      // pin alone: the chain is not checked (a self-signed certificate is the usual case), the pin is
      rejectUnauthorized: c.pin === null || ca !== null,
    },
    c.pin,
  );
  const hostname = c.base.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = c.base.port === '' ? 443 : Number(c.base.port);
  const prefix = c.base.pathname.replace(/\/+$/, '');
  const get: Get = (path, signal, cap) =>
    new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const done = (e: Error | null, a?: Answer) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(a!);
      };
      // settled here, not by the request's own abort: a request still waiting for its connection (a
      // handshake that never ends, with a pin) reports an abort only once it gets one
      const onAbort = () => {
        req.destroy();
        done(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      };
      const req = httpsRequest({
        hostname,
        port,
        path: `${prefix}/api2/json${path}`,
        method: 'GET',
        headers,
        agent,
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => done(e));
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > cap) {
          req.destroy();
          done(new TooLarge(cap));
          return;
        }
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (chunk: Buffer) => {
          n += chunk.length;
          if (n > cap) {
            req.destroy();
            done(new TooLarge(cap));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (e) => done(e));
        res.on('close', () => {
          if (!res.complete)
            done(Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }));
        });
        res.on('end', () =>
          done(null, {
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            body: Buffer.concat(chunks),
          }),
        );
      });
      req.end();
    });
  return { get, close: () => agent.close() };
}

function fetchTransport(f: FetchLike, c: Checked, headers: Record<string, string>): Get {
  const prefix = c.base.toString().replace(/\/+$/, '');
  return async (path, signal, cap) => {
    const res = await f(`${prefix}/api2/json${path}`, { method: 'GET', headers, signal, redirect: 'manual' });
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > cap) {
      await res.body?.cancel().catch(() => {});
      throw new TooLarge(cap);
    }
    const chunks: Buffer[] = [];
    let n = 0;
    const reader = res.body?.getReader();
    if (reader)
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.byteLength;
        if (n > cap) {
          await reader.cancel().catch(() => {});
          throw new TooLarge(cap);
        }
        chunks.push(Buffer.from(value));
      }
    return { status: res.status, statusText: res.statusText, body: Buffer.concat(chunks) };
  };
}

// ---------------------------------------------------------------------------------------------
// Answers (the documented shapes, only the fields used)
// ---------------------------------------------------------------------------------------------

const Envelope = z.object({ data: z.unknown() });
const NodeItem = z.object({ node: z.string(), status: z.string().optional() });
const VmItem = z.object({
  vmid: z.union([z.number(), z.string()]),
  name: z.string().optional(),
  status: z.string().optional(),
  template: z.union([z.number(), z.string(), z.boolean()]).optional(),
});
const PciItem = z.object({
  id: z.string(),
  vendor: z.string(),
  device: z.string(),
  class: z.string(),
});
const MappingItem = z.object({
  id: z.string(),
  map: z.array(z.unknown()).optional(),
  description: z.string().optional(),
  mdev: z.union([z.number(), z.string(), z.boolean()]).optional(),
});

/** Items of a list answer that have the shape; the others are counted, not fatal. */
function items<T>(
  data: unknown,
  schema: z.ZodType<T>,
  what: string,
  path: string,
  c: Checked,
): { ok: T[]; bad: number } {
  if (!Array.isArray(data))
    throw fail(
      'bad_response',
      c,
      `GET ${path}: the answer's data is not a list of ${what}`,
      `GET ${path}: 응답의 data가 ${what} 목록이 아님`,
    );
  const ok: T[] = [];
  let bad = 0;
  for (const d of data) {
    const r = schema.safeParse(d);
    if (r.success) ok.push(r.data);
    else bad++;
  }
  return { ok, bad };
}

// ---------------------------------------------------------------------------------------------
// Rendering: the files the ingest reads
// ---------------------------------------------------------------------------------------------

/** `PVE::Tools::encode_text`: every byte outside 0x20–0x39 and 0x3B–0x7E (so `:` too) as %XX of UTF-8. */
function encodeText(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8'))
    out +=
      (b >= 0x20 && b <= 0x39) || (b >= 0x3b && b <= 0x7e)
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Characters that would end or disguise a line (C0, DEL, C1, line separators, direction overrides). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const LINE_BREAKERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const HAS_LINE_BREAKER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A value kept on one line: the characters above percent-encoded (UTF-8), everything else as is. */
function oneLineValue(s: string): string {
  return s.replace(LINE_BREAKERS, encodeText);
}

/**
 * A VM config answer as `qm config` prints it: keys sorted, `digest` left out, `description`
 * percent-encoded, numbers and booleans as Perl prints them. A value that would break the line is kept on
 * it (percent-encoded); keys that are not config keys and values that are not scalars are left out, counted
 * in `notes`.
 */
export function renderQmConfig(
  config: Readonly<Record<string, unknown>>,
  maxKeys: number = PROXMOX_LIMITS.maxConfigKeys,
): { text: string; notes: string[] } {
  const notes: string[] = [];
  let badKeys = 0;
  let badValues = 0;
  let over = 0;
  const lines: string[] = [];
  for (const key of Object.keys(config).sort()) {
    if (key === 'digest') continue;
    if (!CONFIG_KEY.test(key)) {
      badKeys++;
      continue;
    }
    const v = config[key];
    let text: string;
    if (typeof v === 'string') text = key === 'description' ? encodeText(v) : oneLineValue(v);
    else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
    else if (typeof v === 'boolean') text = v ? '1' : '0';
    else {
      if (v !== null && v !== undefined) badValues++;
      continue;
    }
    if (lines.length >= maxKeys) {
      over++;
      continue;
    }
    lines.push(`${key}: ${text}`);
  }
  if (badKeys > 0) notes.push(`${badKeys} key(s) that are not config keys left out`);
  if (badValues > 0) notes.push(`${badValues} value(s) that are not text or numbers left out`);
  if (over > 0) notes.push(`${over} key(s) beyond ${maxKeys} left out`);
  return { text: lines.length > 0 ? `${lines.join('\n')}\n` : '', notes };
}

/** `a=b,c=d` → Map (a mapping's `map` entry, a property string). */
function props(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

export interface PciMapping {
  id: string;
  map?: unknown[] | undefined;
  description?: string | undefined;
  mdev?: unknown;
}

/**
 * The mappings' entries for `node` as /etc/pve/mapping/pci.cfg (the id at column 0, properties indented by
 * a tab, a blank line between sections), or null when no mapping has an entry for the node. The paths of
 * the node only: a mapping may name other devices on other nodes. Also returns each mapping's paths.
 */
export function renderPciMapping(
  mappings: readonly PciMapping[],
  node: string,
): { text: string | null; paths: Map<string, string[]>; notes: string[] } {
  const sections: string[] = [];
  const paths = new Map<string, string[]>();
  const notes: string[] = [];
  for (const m of mappings) {
    if (!MAPPING_ID.test(m.id)) {
      notes.push(`PCI mapping '${serverWords(m.id, 60)}' is not a mapping id: left out`);
      continue;
    }
    const mine: string[] = [];
    for (const e of m.map ?? []) {
      if (typeof e !== 'string' || e.length > 4096 || HAS_LINE_BREAKER.test(e)) {
        notes.push(`PCI mapping ${m.id}: an entry that is not a one-line property string left out`);
        continue;
      }
      const p = props(e);
      if (p.get('node') !== node) continue;
      mine.push(e);
      const list = paths.get(m.id) ?? [];
      for (const x of (p.get('path') ?? '').split(';')) {
        const b = normalizeBusId(x);
        if (b !== null && !list.includes(b)) list.push(b);
      }
      paths.set(m.id, list);
    }
    if (mine.length === 0) continue;
    const lines = [m.id];
    if (typeof m.description === 'string' && m.description !== '')
      lines.push(`\tdescription ${oneLineValue(m.description.slice(0, 4096))}`);
    for (const e of mine) lines.push(`\tmap ${e}`);
    if (m.mdev === 1 || m.mdev === true || m.mdev === '1') lines.push('\tmdev 1');
    sections.push(`${lines.join('\n')}\n`);
  }
  return { text: sections.length > 0 ? sections.join('\n') : null, paths, notes };
}

export interface PciDevice {
  id: string;
  vendor: string;
  device: string;
  class: string;
}

/** NVIDIA display (0x0300xx) and 3D (0x0302xx) devices: what the collector's sysfs scan lists. */
function isGpu(d: PciDevice): boolean {
  return d.vendor.toLowerCase() === '0x10de' && /^0x030[02][0-9a-f]{2}$/i.test(d.class);
}

/**
 * A node's GPUs as the collector's sysfs-pci lines. The fields the API does not give (driver, numa_node,
 * local_cpulist, the PCIe link) are left empty, as the collector leaves an unreadable file: unknown, never
 * guessed. Returns null when the node has no NVIDIA GPU.
 */
export function renderSysfsPci(
  devices: readonly PciDevice[],
  node: string,
): { text: string | null; buses: Set<string> } {
  const buses = new Set<string>();
  const lines: string[] = [];
  for (const d of devices) {
    if (!isGpu(d)) continue;
    const bus = normalizeBusId(d.id);
    if (bus === null || !/^0x[0-9a-f]{4}$/i.test(d.device) || buses.has(bus)) continue;
    buses.add(bus);
    lines.push(
      `bus=${bus}\tvendor=0x10de\tdevice=${d.device.toLowerCase()}\tclass=${d.class.toLowerCase()}\tdriver=\tnuma_node=\tlocal_cpulist=\tcurrent_link_speed=\tmax_link_speed=\tcurrent_link_width=\tmax_link_width=`,
    );
  }
  if (lines.length === 0) return { text: null, buses };
  const head = `# Proxmox VE API: GET /nodes/${node}/hardware/pci (the API gives no driver, NUMA node, local CPUs or PCIe link)`;
  return { text: `${head}\n${lines.join('\n')}\n`, buses };
}

// ---------------------------------------------------------------------------------------------
// The read
// ---------------------------------------------------------------------------------------------

/** Bounded concurrency; a freed slot is handed to the next waiter (never more than `n` running). */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    else active++;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

async function readCa(c: Checked, file: string): Promise<Buffer> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    if (st.size > MiB) throw Object.assign(new Error('over 1 MiB'), { code: 'over 1 MiB' });
    return await readFile(file);
  } catch (e) {
    throw new ConfigError(
      `Proxmox API ${c.display}: CA file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/**
 * Read a cluster's VM ↔ GPU map (see the module comment). Throws ConfigError for a bad source, SourceError
 * when the cluster cannot be read (auth, tls, timeout, unreachable, bad_response); rejects with the
 * signal's reason when `o.signal` aborts. What is left out (templates, VMs over the cap, a VM whose config
 * is unusable, offline nodes) is in `warnings`.
 */
export async function fetchCluster(src: ProxmoxSource, o: FetchClusterOptions = {}): Promise<ProxmoxCluster> {
  const c = checkSource(src, o);
  const requestTimeoutMs = src.timeoutMs ?? o.limits?.requestTimeoutMs ?? PROXMOX_LIMITS.requestTimeoutMs;
  if (!(requestTimeoutMs > 0)) throw new ConfigError(`Proxmox API ${c.display}: timeoutMs must be positive`);
  for (const [k, v] of Object.entries(o.limits ?? {}))
    if (!(typeof v === 'number' && v >= 1 && Number.isFinite(v)))
      throw new ConfigError(`Proxmox API ${c.display}: limit ${k} must be a number ≥ 1`);
  const L: ProxmoxLimits = {
    ...PROXMOX_LIMITS,
    overallTimeoutMs: Math.max(PROXMOX_LIMITS.overallTimeoutMs, 2 * requestTimeoutMs),
    ...o.limits,
    requestTimeoutMs,
  };
  o.signal?.throwIfAborted();
  const ca = c.caFile === null ? null : await readCa(c, c.caFile);
  const headers = {
    Authorization: `PVEAPIToken=${c.tokenId}=${c.secret}`,
    Accept: 'application/json',
    'User-Agent': 'infralens',
  };
  const https = o.fetch ? null : httpsTransport(c, headers, ca, L.concurrency);
  const transport: Get = o.fetch ? fetchTransport(o.fetch, c, headers) : https!.get;
  const deadline = AbortSignal.timeout(L.overallTimeoutMs);
  const stop = new AbortController();
  const overall = AbortSignal.any([deadline, stop.signal, ...(o.signal ? [o.signal] : [])]);
  const slot = limiter(L.concurrency);

  /** one GET → the answer's `data`, or a SourceError */
  const api = (path: string, cap = L.maxResponseBytes): Promise<{ data: unknown }> =>
    slot(async () => {
      const perRequest = AbortSignal.timeout(L.requestTimeoutMs);
      const signal = AbortSignal.any([overall, perRequest]);
      let a: Answer;
      try {
        overall.throwIfAborted();
        a = await transport(path, signal, cap);
      } catch (e) {
        if (o.signal?.aborted) throw o.signal.reason;
        if (deadline.aborted)
          throw fail(
            'timeout',
            c,
            `the read did not finish within ${secs(L.overallTimeoutMs)} (at GET ${path})`,
            `${secs(L.overallTimeoutMs)} 안에 읽기를 마치지 못함 (GET ${path})`,
          );
        if (perRequest.aborted)
          throw fail(
            'timeout',
            c,
            `no answer within ${secs(L.requestTimeoutMs)} to GET ${path}`,
            `GET ${path}에 ${secs(L.requestTimeoutMs)} 안에 응답 없음`,
          );
        if (stop.signal.aborted) throw e; // another request failed first; that failure is the one reported
        throw transportError(c, path, e);
      }
      return answer(c, path, a);
    });

  try {
    return await read(c, L, api, overall);
  } finally {
    stop.abort();
    https?.close();
  }
}

function transportError(c: Checked, path: string, e: unknown): SourceError {
  if (e instanceof TooLarge)
    return fail(
      'bad_response',
      c,
      `GET ${path}: the answer is larger than ${Math.round(e.cap / MiB)} MiB`,
      `GET ${path}: 응답이 ${Math.round(e.cap / MiB)} MiB보다 큼`,
    );
  if (e instanceof PinMismatch)
    return fail(
      'tls',
      c,
      `the server's certificate has SHA-256 fingerprint ${e.seen || '(none)'}, not the pinned ${c.pin}: compare with the node's certificate (\`pvenode cert info\`, or Node → System → Certificates in the GUI); nothing was sent`,
      `서버 인증서의 SHA-256 지문이 ${e.seen || '(없음)'}로, 고정된 ${c.pin}와 다름: 노드 인증서(\`pvenode cert info\` 또는 GUI의 노드 → 시스템 → 인증서)와 비교하세요. 아무것도 보내지 않았음`,
    );
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code ?? '';
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    const why = serverWords(err.message ?? code, 160);
    return fail(
      'tls',
      c,
      `the server's certificate is not trusted (${why}): give the cluster CA file (/etc/pve/pve-root-ca.pem) or pin the certificate's fingerprint (\`pvenode cert info\`)`,
      `서버 인증서를 신뢰할 수 없음 (${why}): 클러스터 CA 파일(/etc/pve/pve-root-ca.pem)을 지정하거나 인증서 지문(\`pvenode cert info\`)을 고정하세요`,
    );
  }
  const words = NETWORK_WORDS[code];
  if (words) return fail('unreachable', c, `cannot connect: ${words[0]}`, `연결할 수 없음: ${words[1]}`);
  const msg = serverWords((err as Error)?.message ?? String(e), 160);
  return fail('unreachable', c, `cannot connect: ${msg}`, `연결할 수 없음: ${msg}`);
}

/** An HTTP answer → its `data`, or the SourceError its status means. */
function answer(c: Checked, path: string, a: Answer): { data: unknown } {
  const text = a.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const st = serverWords(a.statusText, 120);
  const serverMsg =
    parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string'
      ? serverWords((parsed as { message: string }).message, 160)
      : st;
  if (a.status === 401)
    throw fail(
      'auth',
      c,
      `authentication failure (HTTP 401${st ? ` ${st}` : ''}): check the token id ${c.tokenId} and its secret, and that the token has not expired or been removed`,
      `인증 실패 (HTTP 401${st ? ` ${st}` : ''}): 토큰 ID ${c.tokenId}와 시크릿을 확인하고, 토큰이 만료되거나 삭제되지 않았는지 확인하세요`,
    );
  if (a.status === 403) {
    const { priv, on } = privilegeOf(path);
    throw fail(
      'auth',
      c,
      `the token ${c.tokenId} lacks ${priv} on ${on} (GET ${path}: HTTP 403${serverMsg ? ` ${serverMsg}` : ''}): grant it a read-only role that has it, e.g. PVEAuditor (with privilege separation, to the token itself)`,
      `토큰 ${c.tokenId}에 ${on}의 ${priv} 권한이 없음 (GET ${path}: HTTP 403${serverMsg ? ` ${serverMsg}` : ''}): 이 권한이 있는 읽기 전용 역할(예: PVEAuditor)을 부여하세요 (권한 분리 토큰이면 토큰 자체에)`,
    );
  }
  if (a.status !== 200) {
    const what =
      a.status >= 300 && a.status < 400
        ? 'a redirect (not followed: the token stays with this server)'
        : `HTTP ${a.status}${serverMsg ? ` ${serverMsg}` : ''}`;
    const e = fail(
      'bad_response',
      c,
      `GET ${path}: ${what}`,
      `GET ${path}: ${a.status >= 300 && a.status < 400 ? '리다이렉트 (따라가지 않음: 토큰은 이 서버에만 보냄)' : `HTTP ${a.status}${serverMsg ? ` ${serverMsg}` : ''}`}`,
    );
    throw new StatusError(a.status, e);
  }
  const env = Envelope.safeParse(parsed);
  if (!env.success || !('data' in (parsed as object)))
    throw fail(
      'bad_response',
      c,
      `GET ${path}: the answer is not the Proxmox API's JSON ({"data": …})`,
      `GET ${path}: 응답이 Proxmox API JSON ({"data": …}) 형식이 아님`,
    );
  return { data: env.data.data };
}

type Api = (path: string, cap?: number) => Promise<{ data: unknown }>;

async function read(c: Checked, L: ProxmoxLimits, api: Api, overall: AbortSignal): Promise<ProxmoxCluster> {
  const warnings: string[] = [];
  const [nodesAnswer, mappings] = await Promise.all([api('/nodes'), readMappings(c, L, api, warnings)]);

  // nodes
  const listed = items(nodesAnswer.data, NodeItem, 'nodes', '/nodes', c).ok;
  const byName = new Map<string, string | undefined>();
  for (const n of listed) {
    if (!NODE_NAME.test(n.node)) {
      warnings.push(`node '${serverWords(n.node, 60)}' is not a node name: left out`);
      continue;
    }
    byName.set(n.node, n.status);
  }
  let names = c.nodes ?? [...byName.keys()];
  if (c.nodes)
    for (const n of c.nodes)
      if (!byName.has(n)) warnings.push(`node ${n} is not in the cluster's node list: not read`);
  names = [...new Set(names.filter((n) => byName.has(n)))].sort();
  const offline = names.filter((n) => byName.get(n) !== undefined && byName.get(n) !== 'online');
  for (const n of offline)
    warnings.push(`node ${n} is ${serverWords(byName.get(n) ?? '', 20)}: its VMs are not read`);
  names = names.filter((n) => !offline.includes(n));
  if (names.length > L.maxNodes) {
    warnings.push(
      `${names.length} nodes; the first ${L.maxNodes} are read (${names.slice(L.maxNodes, L.maxNodes + 5).join(', ')}… left out)`,
    );
    names = names.slice(0, L.maxNodes);
  }

  const perNode = await Promise.all(
    names.map(async (node): Promise<NodeResult> => {
      try {
        return await readNode(c, L, api, node, mappings, overall);
      } catch (e) {
        // 595/596: the node answering could not reach this node (pveproxy's own codes); the others still count
        if (e instanceof StatusError && (e.status === 595 || e.status === 596)) {
          const why = e.message.replace(/^Proxmox API \S+: /, '');
          return {
            files: [],
            vms: [],
            gpus: 0,
            warnings: [`node ${node} did not answer through the cluster (${why}): its VMs are not read`],
          };
        }
        throw e;
      }
    }),
  );
  const files: InputFile[] = [];
  const vms: ProxmoxVmSummary[] = [];
  let gpus = 0;
  for (const r of perNode) {
    files.push(...r.files);
    vms.push(...r.vms);
    warnings.push(...r.warnings);
    gpus += r.gpus;
  }
  if (gpus > 0)
    warnings.push(
      'the Proxmox API does not give the NUMA node of a PCI device: the GPUs read from it have no NUMA node unless the node is also collected over SSH (sysfs)',
    );
  return { files, nodes: names, vms, warnings };
}

async function readMappings(
  c: Checked,
  L: ProxmoxLimits,
  api: Api,
  warnings: string[],
): Promise<PciMapping[]> {
  const path = '/cluster/mapping/pci';
  let data: unknown;
  try {
    data = (await api(path)).data;
  } catch (e) {
    // PVE before 8.0 has no PCI mappings: an unknown path is 501 "Method … not implemented" (or 404)
    if (e instanceof StatusError && (e.status === 501 || e.status === 404)) {
      warnings.push(`GET ${path}: HTTP ${e.status}: no PCI mappings read (Proxmox VE before 8.0 has none)`);
      return [];
    }
    throw e;
  }
  const { ok, bad } = items(data, MappingItem, 'mappings', path, c);
  if (bad > 0) warnings.push(`${bad} PCI mapping(s) without an id left out`);
  if (ok.length > L.maxMappings) {
    warnings.push(`${ok.length} PCI mappings; the first ${L.maxMappings} are read`);
    return ok.slice(0, L.maxMappings);
  }
  return ok;
}

interface NodeResult {
  files: InputFile[];
  vms: ProxmoxVmSummary[];
  warnings: string[];
  gpus: number;
}

async function readNode(
  c: Checked,
  L: ProxmoxLimits,
  api: Api,
  node: string,
  mappings: readonly PciMapping[],
  overall: AbortSignal,
): Promise<NodeResult> {
  const warnings: string[] = [];
  const enc = encodeURIComponent(node);
  const [vmAnswer, pciAnswer] = await Promise.all([
    api(`/nodes/${enc}/qemu`),
    api(`/nodes/${enc}/hardware/pci`),
  ]);

  const pci = items(pciAnswer.data, PciItem, 'PCI devices', `/nodes/${node}/hardware/pci`, c);
  let devices = pci.ok;
  if (devices.length > L.maxPciDevices) {
    warnings.push(`node ${node}: ${devices.length} PCI devices; the first ${L.maxPciDevices} are read`);
    devices = devices.slice(0, L.maxPciDevices);
  }
  const sysfs = renderSysfsPci(devices, node);
  const mapping = renderPciMapping(mappings, node);
  for (const n of mapping.notes) warnings.push(`node ${node}: ${n}`);

  // VMs: valid ids, no templates, at most maxVmsPerNode, by id
  const listed = items(vmAnswer.data, VmItem, 'VMs', `/nodes/${node}/qemu`, c);
  const seen = new Set<number>();
  const vmsListed: { vmid: number; name: string | undefined; status: string | undefined }[] = [];
  let templates = 0;
  let badIds = listed.bad;
  for (const v of listed.ok) {
    const id = typeof v.vmid === 'number' ? v.vmid : /^\d{1,10}$/.test(v.vmid) ? Number(v.vmid) : Number.NaN;
    if (!Number.isInteger(id) || id < VMID_MIN || id > VMID_MAX || seen.has(id)) {
      badIds++;
      continue;
    }
    seen.add(id);
    if (v.template === 1 || v.template === true || v.template === '1') {
      templates++;
      continue;
    }
    vmsListed.push({ vmid: id, name: v.name, status: v.status });
  }
  vmsListed.sort((a, b) => a.vmid - b.vmid);
  if (badIds > 0) warnings.push(`node ${node}: ${badIds} VM list entr(ies) without a valid VM id left out`);
  if (templates > 0) warnings.push(`node ${node}: ${templates} template(s) left out (a template never runs)`);
  if (listed.ok.length === 0)
    warnings.push(`node ${node}: no VMs visible (there are none, or the token lacks VM.Audit on /vms)`);
  let chosen = vmsListed;
  if (chosen.length > L.maxVmsPerNode) {
    const rest = chosen.slice(L.maxVmsPerNode);
    warnings.push(
      `node ${node}: ${chosen.length} VMs; the first ${L.maxVmsPerNode} by id are read (VMs ${rest[0]!.vmid}–${rest[rest.length - 1]!.vmid} left out)`,
    );
    chosen = chosen.slice(0, L.maxVmsPerNode);
  }

  const configs = await Promise.all(
    chosen.map(async (v) => {
      const path = `/nodes/${enc}/qemu/${v.vmid}/config`;
      try {
        const { data } = await api(path, L.maxConfigBytes);
        if (data === null || typeof data !== 'object' || Array.isArray(data))
          throw fail(
            'bad_response',
            c,
            `GET ${path}: the config is not an object`,
            `GET ${path}: 설정이 객체가 아님`,
          );
        return { v, config: data as Record<string, unknown> };
      } catch (e) {
        // one unusable config (too large, not an object, a server error for it) leaves out that VM only
        if (e instanceof SourceError && e.kind === 'bad_response' && !overall.aborted) {
          warnings.push(
            `node ${node}: VM ${v.vmid} left out: ${e.message.replace(/^Proxmox API \S+: /, '')}`,
          );
          return null;
        }
        throw e;
      }
    }),
  );

  const files: InputFile[] = [];
  if (sysfs.text !== null) files.push({ name: `pve-api/${node}/hardware-pci.txt`, content: sysfs.text });
  if (mapping.text !== null) files.push({ name: `pve-api/${node}/mapping-pci.cfg`, content: mapping.text });
  const vms: ProxmoxVmSummary[] = [];
  for (const r of configs) {
    if (r === null) continue;
    const { v, config } = r;
    const { text, notes } = renderQmConfig(config, L.maxConfigKeys);
    for (const n of notes) warnings.push(`node ${node}: VM ${v.vmid}: ${n}`);
    if (text === '') {
      warnings.push(`node ${node}: VM ${v.vmid} left out: its config is empty`);
      continue;
    }
    const name = `pve-api/${node}/qemu-${v.vmid}.conf`;
    files.push({ name, content: text, vmid: v.vmid });
    const own = typeof config.name === 'string' && VM_NAME.test(config.name) ? config.name : null;
    const listedName = v.name !== undefined && VM_NAME.test(v.name) ? v.name : null;
    vms.push({
      node,
      vmid: v.vmid,
      name: own ?? listedName,
      status: v.status !== undefined ? serverWords(v.status, 20) || null : null,
      gpus: gpusOf(text, v.vmid, name, sysfs.buses, mapping.paths, node, warnings),
    });
  }
  return { files, vms, warnings, gpus: sysfs.buses.size };
}

/** The node's GPUs a VM config names (through the real parser, so the count is what the ingest sees). */
function gpusOf(
  text: string,
  vmid: number,
  name: string,
  gpuBuses: ReadonlySet<string>,
  mappingPaths: ReadonlyMap<string, string[]>,
  node: string,
  warnings: string[],
): number {
  let hostpci: { slot: string; busId: string | null; mapping: string | null }[];
  try {
    hostpci = proxmoxVmParser.parse(text, { vmid, name }).workloads?.[0]?.vm?.hostpci ?? [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return 0;
  }
  const counted = new Set<string>();
  for (const h of hostpci) {
    let buses: string[];
    if (h.busId !== null) buses = [h.busId];
    else if (h.mapping !== null) {
      const paths = mappingPaths.get(h.mapping);
      if (paths === undefined) {
        warnings.push(
          `node ${node}: VM ${vmid} ${h.slot} uses PCI mapping '${serverWords(h.mapping, 60)}', which has no entry for this node or which the token cannot see (Mapping.Audit on /mapping/pci)`,
        );
        continue;
      }
      buses = paths;
    } else continue;
    const hits = buses.filter((b) => gpuBuses.has(b));
    if (hits.length > 0) counted.add(hits.join(';'));
  }
  return counted.size;
}
