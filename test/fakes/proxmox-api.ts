/**
 * Fake Proxmox VE API for tests: an HTTPS server on 127.0.0.1:0 answering `GET /api2/json/…` with the
 * documented JSON shapes (`{"data": …}`) of samples/proxmox-api/ (a 2-node cluster and an offline node built
 * from real configs; see its PROVENANCE.md), so tools/sources/proxmox-api.ts runs its real HTTPS client,
 * TLS checks and parsing against it.
 *
 * - TLS: a cluster CA and a node certificate (SAN 127.0.0.1, localhost) made with openssl in a temp dir at
 *   start, as a Proxmox cluster has (pve-root-ca.pem, pve-ssl.pem). `fingerprint` is the node certificate's
 *   SHA-256 as `pvenode cert info` prints it (`AA:BB:…`), `caFile` the CA's PEM. Without openssl the fake
 *   cannot start: `opensslMissing` says why, for `describe.skipIf`.
 * - Authentication: `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`. An unknown token or a wrong
 *   secret is `401 authentication failure` with `{"data":null}`, no header `401 No ticket` (pveproxy delays
 *   these by 3 s; the fake does not).
 * - Privileges per token (FAKE_TOKENS), checked as Proxmox does: the VM list and the mapping list leave out
 *   what the token may not audit (VM.Audit, Mapping.Audit); a VM config without VM.Audit and hardware/pci
 *   without Sys.Audit are `403 Permission check failed (…)` with `{"data":null,"message":…}`.
 * - Unknown paths and other methods: `501 Method 'GET /…' not implemented`, as pveproxy answers. Paths of an
 *   offline node: `595 No route to host` (pveproxy's code for a node it cannot reach).
 * - Fault injection per path: `fault(path, { kind: 'hang' })` never answers, `{ kind: 'status', status }`
 *   answers that status, `{ kind: 'huge', bytes }` streams a `{"data":[…` body of that size (default 64 MiB,
 *   written as the client reads, so the fake holds no big buffer). `setData(path, data)` changes an answer
 *   (a hostile VM name, a huge config).
 * - `requests` records every request (path, status, token id: never the secret), `maxInFlight` the most
 *   requests open at once. `httpUrl` serves the same API over plain HTTP, as behind a TLS-terminating
 *   tunnel, for a caller's own fetch.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

export const SAMPLES_DIR = new URL('../../samples/proxmox-api/', import.meta.url).pathname;

/** Why the fake cannot start here, or null. */
export const opensslMissing: string | null = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return null;
  } catch {
    return 'openssl is not installed (the fake Proxmox API makes its certificates with it)';
  }
})();

export type Privilege = 'Sys.Audit' | 'VM.Audit' | 'Mapping.Audit';

/** The tokens the fake knows: a read-only auditor, and one without Sys.Audit (no hardware/pci). */
export const FAKE_TOKENS = {
  auditor: {
    tokenId: 'infralens@pve!audit',
    secret: '3f1c2a4e-7b6d-4c1a-9e2f-0a1b2c3d4e5f',
    privileges: ['Sys.Audit', 'VM.Audit', 'Mapping.Audit'] as Privilege[],
  },
  vmsOnly: {
    tokenId: 'infralens@pve!vms',
    secret: '8d2e4f60-1a2b-4c3d-8e9f-a0b1c2d3e4f5',
    privileges: ['VM.Audit', 'Mapping.Audit'] as Privilege[],
  },
} as const;

export type Fault =
  | { kind: 'hang' }
  | { kind: 'status'; status: number; message?: string }
  | { kind: 'huge'; bytes?: number };

export interface FakeProxmoxRequest {
  method: string;
  /** the path under /api2/json, decoded. */
  path: string;
  /** 0 for a request left hanging. */
  status: number;
  /** the token id the request carried, or null. */
  tokenId: string | null;
}

export interface FakeProxmox {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** the same API over plain HTTP (a caller's own transport). */
  httpUrl: string;
  /** the node certificate's SHA-256 fingerprint, `AA:BB:…`. */
  fingerprint: string;
  /** the cluster CA's PEM file (pve-root-ca.pem). */
  caFile: string;
  requests: FakeProxmoxRequest[];
  /** the most requests open at once so far. */
  maxInFlight: number;
  /** the answer's `data` of a path (a copy), or undefined. */
  data(path: string): unknown;
  setData(path: string, data: unknown): void;
  /** the next `times` requests whose path matches get the fault (default: every one). */
  fault(path: string | RegExp, f: Fault, times?: number): void;
  close(): Promise<void>;
}

/** Every `<path>.json` of the samples folder, by API path (`nodes/x/qemu.json` → `/nodes/x/qemu`). */
function loadSamples(dir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) {
        const rel = relative(dir, p)
          .split(sep)
          .join('/')
          .replace(/\.json$/, '');
        out.set(`/${rel}`, (JSON.parse(readFileSync(p, 'utf8')) as { data: unknown }).data);
      }
    }
  };
  walk(dir);
  return out;
}

/** A cluster CA and a node certificate signed by it (EC keys: fast to make). */
function makeCertificates(dir: string): { key: string; cert: string; caFile: string; fingerprint: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', timeout: 20_000 });
  const f = (n: string) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('pve-root-ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Proxmox Virtual Environment/OU=infralens-test/O=PVE Cluster Manager CA',
  ]);
  run([
    'req',
    ...ec,
    '-keyout',
    f('pve-ssl.key'),
    '-out',
    f('pve-ssl.csr'),
    '-subj',
    '/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=pve-hgx-01.local',
  ]);
  writeFileSync(
    f('ext.cnf'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:pve-hgx-01\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    f('pve-ssl.csr'),
    '-CA',
    f('pve-root-ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('pve-ssl.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ]);
  const cert = readFileSync(f('pve-ssl.pem'), 'utf8');
  return {
    key: readFileSync(f('pve-ssl.key'), 'utf8'),
    cert,
    caFile: f('pve-root-ca.pem'),
    fingerprint: new X509Certificate(cert).fingerprint256,
  };
}

const JSON_TYPE = 'application/json;charset=UTF-8';

export async function startFakeProxmox(o: { samples?: string } = {}): Promise<FakeProxmox> {
  if (opensslMissing) throw new Error(opensslMissing);
  const dir = mkdtempSync(join(tmpdir(), 'infralens-pve-'));
  const tls = makeCertificates(dir);
  const answers = loadSamples(o.samples ?? SAMPLES_DIR);
  const nodes = answers.get('/nodes') as { node: string; status?: string; ssl_fingerprint?: string }[];
  for (const n of nodes) if ('ssl_fingerprint' in n) n.ssl_fingerprint = tls.fingerprint;
  const faults: { match: string | RegExp; fault: Fault; left: number }[] = [];
  const open = new Set<ServerResponse>();
  let inFlight = 0;

  const send = (res: ServerResponse, status: number, text: string, body: unknown) => {
    const raw = JSON.stringify(body);
    res.writeHead(status, text, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(raw) });
    res.end(raw);
  };
  const error = (res: ServerResponse, status: number, message: string) =>
    send(res, status, message, { data: null, message: `${message}\n` });

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    open.add(res);
    res.on('close', () => {
      inFlight--;
      open.delete(res);
    });
    const url = new URL(req.url ?? '/', 'https://fake');
    const rel = url.pathname.startsWith('/api2/json/')
      ? url.pathname.slice('/api2/json'.length)
      : url.pathname;
    let path: string;
    try {
      path = decodeURIComponent(rel).replace(/\/+$/, '');
    } catch {
      path = rel;
    }
    const auth = /^PVEAPIToken=([^=]+)=(.*)$/.exec(req.headers.authorization ?? '');
    const entry: FakeProxmoxRequest = {
      method: req.method ?? '',
      path,
      status: 0,
      tokenId: auth ? auth[1]! : null,
    };
    fake.requests.push(entry);
    const reply = (status: number, text: string, body: unknown) => {
      entry.status = status;
      send(res, status, text, body);
    };
    const fail = (status: number, message: string) => {
      entry.status = status;
      error(res, status, message);
    };

    // authentication first, as pveproxy does
    if (!auth) return fail(401, 'No ticket');
    const token = Object.values(FAKE_TOKENS).find((t) => t.tokenId === auth[1]);
    if (!token || token.secret !== auth[2]) return reply(401, 'authentication failure', { data: null });

    const f = faults.find(
      (x) => x.left > 0 && (typeof x.match === 'string' ? x.match === path : x.match.test(path)),
    );
    if (f) {
      f.left--;
      if (f.fault.kind === 'hang') return; // never answered; closed by close()
      if (f.fault.kind === 'status')
        return fail(
          f.fault.status,
          f.fault.message ?? (f.fault.status >= 500 ? 'Internal Server Error' : 'error'),
        );
      return huge(res, entry, f.fault.bytes ?? 64 * 1024 * 1024);
    }
    if (req.method !== 'GET' || !url.pathname.startsWith('/api2/json/'))
      return fail(501, `Method '${req.method} ${path}' not implemented`);

    const nodeName = /^\/nodes\/([^/]+)\//.exec(path)?.[1];
    if (nodeName !== undefined) {
      const n = nodes.find((x) => x.node === nodeName);
      if (!n)
        return fail(
          500,
          `hostname lookup '${nodeName}' failed - failed to get address info for: ${nodeName}`,
        );
      if (n.status !== 'online')
        return fail(595, 'Errors during connection establishment, proxy handshake: No route to host');
    }
    const can = (p: Privilege) => (token.privileges as readonly string[]).includes(p);
    const vm = /^\/nodes\/[^/]+\/qemu\/(\d+)\/config$/.exec(path);
    if (vm && !can('VM.Audit')) return fail(403, `Permission check failed (/vms/${vm[1]}, VM.Audit)`);
    if (/^\/nodes\/[^/]+\/hardware\/pci$/.test(path) && !can('Sys.Audit'))
      return fail(403, 'Permission check failed (/, Sys.Audit|Sys.Modify)');
    if (!answers.has(path)) return fail(501, `Method 'GET ${path}' not implemented`);
    let data = answers.get(path);
    // lists leave out what the token may not audit, without an error (as Proxmox does)
    if (/^\/nodes\/[^/]+\/qemu$/.test(path) && !can('VM.Audit')) data = [];
    if (path === '/cluster/mapping/pci' && !can('Mapping.Audit')) data = [];
    return reply(200, 'OK', { data });
  };

  /** a 200 whose body never ends before `bytes`, written as fast as the client reads */
  const huge = (res: ServerResponse, entry: FakeProxmoxRequest, bytes: number) => {
    entry.status = 200;
    res.writeHead(200, 'OK', { 'Content-Type': JSON_TYPE });
    const chunk = Buffer.from(`${'{"node":"pve-hgx-01","status":"online"},'.repeat(1600)}`);
    let sent = 0;
    res.write('{"data":[');
    const pump = () => {
      while (sent < bytes && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end('{}]}');
    };
    pump();
  };

  const https = createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
  const http = createHttpServer(handler);
  const listen = (s: typeof http | typeof https) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });
  const [port, httpPort] = await Promise.all([listen(https), listen(http)]);

  const fake: FakeProxmox = {
    url: `https://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    fingerprint: tls.fingerprint,
    caFile: tls.caFile,
    requests: [],
    maxInFlight: 0,
    data: (path) => structuredClone(answers.get(path)),
    setData: (path, data) => void answers.set(path, data),
    fault: (match, fault, times = Number.POSITIVE_INFINITY) =>
      void faults.push({ match, fault, left: times }),
    close: async () => {
      for (const r of open) r.destroy();
      const shut = (s: typeof http | typeof https) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        });
      await Promise.all([shut(https), shut(http)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fake;
}
