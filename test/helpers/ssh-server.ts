/**
 * Fake SSH hosts for the collection tests: real `ssh2.Server`s on 127.0.0.1 (random ports), each with its
 * own generated ed25519 host key, accepting one generated client key. On `exec sh -s` a host reads stdin
 * (recording whether it was exactly the collector script) and answers with a recorded bundle from
 * samples/fleet/, or misbehaves as its mode says: wrong host key, auth failure, hung command, output
 * flood, exit status 1, dropped connections (transient), or a forwarding jump host. A shared counter
 * records the most exec sessions open at once across the fleet.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { fingerprint } from '../../tools/collect/host-key.ts';
import { collectorScript } from '../../tools/collect/script.ts';
import { parseInventory } from '../../tools/inventory/load.ts';
import type { Inventory } from '../../tools/inventory/schema.ts';

const { Server, utils } = ssh2;

const FLEET = new URL('../../samples/fleet/', import.meta.url);
/** a recorded bundle from samples/fleet/ */
export function recorded(file: string): string {
  return readFileSync(new URL(file, FLEET), 'utf8');
}

export type FakeMode =
  | 'ok'
  | 'wrong-host-key' // the inventory pins a different key than the one the host presents
  | 'auth-fail' // every authentication is rejected
  | 'hang' // reads the script, never answers
  | 'flood' // answers with floodBytes (default 20 MiB) of output
  | 'exit1'; // prints to stderr and exits 1

export interface FakeHostSpec {
  name: string;
  mode?: FakeMode;
  /** what `sh -s` prints (default: samples/fleet/baremetal-h200.txt) */
  bundle?: string;
  floodBytes?: number;
  /** wait before answering, ms (to observe concurrency) */
  delayMs?: number;
  /** destroy the first N TCP connections right after accept (a transient failure) */
  dropFirst?: number;
  /** accept direct-tcpip (a jump host) */
  forward?: boolean;
  /** extra inventory fields for this host (role, groups, jump, …) as YAML flow pairs */
  extra?: Record<string, unknown>;
}

export interface FakeHost {
  name: string;
  port: number;
  /** the fingerprint the inventory pins (for wrong-host-key: another key's) */
  pinned: string;
  /** the fingerprint the host presents */
  presented: string;
  /** the host's public key, `ssh-ed25519 AAAA…` (for known_hosts lines) */
  publicKey: string;
  spec: FakeHostSpec;
  /** TCP connections accepted (dropped ones included) */
  connections: number;
  /** exec requests, with the command */
  commands: string[];
  /** per exec: whether stdin was exactly the collector script */
  stdinIsCollector: boolean[];
  /** forwarded connections (jump host) */
  forwards: string[];
}

export interface FakeFleet {
  hosts: FakeHost[];
  host(name: string): FakeHost;
  /** the client's private key file */
  keyFile: string;
  dir: string;
  /** exec sessions open now, and the most at once */
  active: number;
  maxActive: number;
  /** inventory YAML for these hosts; `hosts` adds raw entries (a refused port, …) */
  inventoryYaml(opts?: { collection?: Record<string, unknown>; hosts?: Record<string, unknown>[] }): string;
  inventory(opts?: { collection?: Record<string, unknown>; hosts?: Record<string, unknown>[] }): Inventory;
  close(): Promise<void>;
}

/**
 * An ed25519 key pair that ssh2 itself can read back: `generateKeyPairSync` gives, about once in 170
 * draws, a key its own `parseKey` refuses ("Malformed OpenSSH public key"), so draw again until both halves
 * parse. A test-fixture concern only: real keys come from files ssh-keygen wrote.
 */
export function keyPair(): { public: string; private: string } {
  for (;;) {
    const k = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.public) instanceof Error) && !(utils.parseKey(k.private) instanceof Error))
      return k;
  }
}

function blobOf(pub: string): Buffer {
  const k = utils.parseKey(pub);
  if (k instanceof Error) throw k;
  const one = Array.isArray(k) ? k[0]! : k;
  return one.getPublicSSH();
}

/** a TCP port on 127.0.0.1 with nothing listening (bound once, then closed) */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function startFakeFleet(specs: FakeHostSpec[]): Promise<FakeFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-ssh-'));
  const client = keyPair();
  const keyFile = join(dir, 'id_ed25519');
  writeFileSync(keyFile, client.private, { mode: 0o600 });
  const clientPub = utils.parseKey(client.public);
  if (clientPub instanceof Error) throw clientPub;
  const allowedKey = Array.isArray(clientPub) ? clientPub[0]! : clientPub;
  const allowedBlob = allowedKey.getPublicSSH();
  const script = collectorScript();
  const nets: NetServer[] = [];
  const sockets = new Set<Socket>();

  const fleet: FakeFleet = {
    hosts: [],
    host(name) {
      const h = fleet.hosts.find((x) => x.name === name);
      if (!h) throw new Error(`no fake host ${name}`);
      return h;
    },
    keyFile,
    dir,
    active: 0,
    maxActive: 0,
    inventoryYaml(opts = {}) {
      const collection = { connectTimeoutSec: 5, commandTimeoutSec: 10, retries: 0, ...opts.collection };
      const hosts = [
        ...fleet.hosts.map((h) => ({
          name: h.name,
          address: '127.0.0.1',
          port: h.port,
          hostKey: h.pinned,
          ...h.spec.extra,
        })),
        ...(opts.hosts ?? []),
      ];
      // JSON is YAML
      return JSON.stringify({ defaults: { user: 'gpuadmin', key: keyFile }, collection, hosts }, null, 2);
    },
    inventory(opts = {}) {
      return parseInventory(fleet.inventoryYaml(opts), 'fake-fleet.yaml');
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(nets.map((n) => new Promise((r) => n.close(r))));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  for (const spec of specs) {
    const mode = spec.mode ?? 'ok';
    const hk = keyPair();
    const presented = fingerprint(blobOf(hk.public));
    const pinned = mode === 'wrong-host-key' ? fingerprint(blobOf(keyPair().public)) : presented;
    const bundle = spec.bundle ?? recorded('baremetal-h200.txt');
    const host: FakeHost = {
      name: spec.name,
      port: 0,
      pinned,
      presented,
      publicKey: hk.public.trim(),
      spec,
      connections: 0,
      commands: [],
      stdinIsCollector: [],
      forwards: [],
    };
    const ssh = new Server({ hostKeys: [hk.private] }, (conn) => {
      conn.on('error', () => {});
      conn.on('authentication', (ctx) => {
        if (mode === 'auth-fail' || ctx.method !== 'publickey') return ctx.reject(['publickey']);
        if (!ctx.key.data.equals(allowedBlob)) return ctx.reject(['publickey']);
        if (ctx.signature && ctx.blob && allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)
          return ctx.reject(['publickey']);
        ctx.accept();
      });
      conn.on('ready', () => {
        conn.on('tcpip', (accept, reject, info) => {
          if (!spec.forward) return reject();
          host.forwards.push(`${info.destIP}:${info.destPort}`);
          const ch = accept();
          const s = netConnect(info.destPort, info.destIP);
          sockets.add(s);
          s.on('error', () => ch.destroy());
          ch.on('error', () => s.destroy());
          ch.on('close', () => s.destroy());
          s.on('close', () => ch.destroy());
          ch.pipe(s).pipe(ch);
        });
        conn.on('session', (acceptSession) => {
          const session = acceptSession();
          session.on('exec', (accept, reject, info) => {
            host.commands.push(info.command);
            if (info.command !== 'sh -s') {
              reject();
              return;
            }
            const ch = accept();
            fleet.active++;
            fleet.maxActive = Math.max(fleet.maxActive, fleet.active);
            let open = true;
            ch.on('close', () => {
              if (open) fleet.active--;
              open = false;
            });
            const stdin: Buffer[] = [];
            ch.on('data', (d: Buffer) => stdin.push(d));
            ch.on('end', () => {
              const isCollector = Buffer.concat(stdin).toString('utf8') === script;
              host.stdinIsCollector.push(isCollector);
              const answer = () => {
                if (!open) return;
                if (!isCollector) {
                  ch.stderr.write('sh: not the collector script\n');
                  ch.exit(2);
                  ch.end();
                } else if (mode === 'hang') {
                  // never answer
                } else if (mode === 'exit1') {
                  ch.stderr.write(
                    'nvidia-smi: \x1b[31mNVIDIA-SMI has failed\x1b[0m because it could not communicate\n',
                  );
                  ch.exit(1);
                  ch.end();
                } else if (mode === 'flood') {
                  const chunk = Buffer.alloc(64 * 1024, 'x');
                  let left = spec.floodBytes ?? 20 * 1024 * 1024;
                  const pump = () => {
                    while (open && left > 0) {
                      left -= chunk.length;
                      if (!ch.write(chunk)) {
                        ch.once('drain', pump);
                        return;
                      }
                    }
                    if (open) {
                      ch.exit(0);
                      ch.end();
                    }
                  };
                  pump();
                } else {
                  ch.write(bundle);
                  ch.exit(0);
                  ch.end();
                }
              };
              if (spec.delayMs) setTimeout(answer, spec.delayMs);
              else answer();
            });
          });
        });
      });
    });
    let drops = spec.dropFirst ?? 0;
    const tcp = createServer((sock) => {
      host.connections++;
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      if (drops > 0) {
        drops--;
        sock.destroy();
        return;
      }
      ssh.injectSocket(sock);
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const a = tcp.address();
    host.port = typeof a === 'object' && a ? a.port : 0;
    nets.push(tcp);
    fleet.hosts.push(host);
  }
  return fleet;
}
