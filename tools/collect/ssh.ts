/**
 * Agentless collection from one host over SSH (ssh2). The security model, in code:
 * - one fixed command, `sh -s`, on one exec channel; the project's read-only collector script is written
 *   to its stdin and stdin is closed. Nothing a user or a model writes ever reaches the command line;
 * - the host key must match the pinned SHA256 fingerprint or a known_hosts entry. An unknown key is
 *   refused unless the inventory opts in with `trustOnFirstUse` (then the key is accepted, or checked
 *   against the trust store when one is given, and the fingerprint is reported so it can be pinned);
 * - connect timeout (TCP + handshake + authentication), keepalive, a command timeout, an stdout cap
 *   (the channel is closed when it is passed) and a small stderr cap;
 * - authentication by a private key file (read byte-capped, never logged) or the ssh-agent socket the
 *   entry point passes in. Messages never hold key material.
 * A failure is data (CollectOutcome with a kind), never a throw; only an aborted signal rejects.
 */
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { HostEntry, Inventory } from '../inventory/schema.ts';
import {
  checkKnownHosts,
  fingerprint,
  type KnownHosts,
  knownHostsName,
  parseKnownHosts,
} from './host-key.ts';
import { collectorScript } from './script.ts';

const { Client, utils } = ssh2;
type SshClient = InstanceType<typeof Client>;

export type CollectErrorKind =
  | 'host-key'
  | 'auth'
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'output-cap'
  | 'exit'
  | 'config';

export type CollectOutcome =
  | {
      host: string;
      ok: true;
      bundle: string;
      bytes: number;
      ms: number;
      attempts: number;
      warnings: string[];
    }
  | {
      host: string;
      ok: false;
      error: { kind: CollectErrorKind; message: string };
      ms: number;
      attempts: number;
    };

/** The one command ever run on a host. */
export const COLLECT_COMMAND = 'sh -s';
/** stderr kept from a host (its tail is quoted in an 'exit' error) */
export const STDERR_CAP_BYTES = 64 * 1024;
/** private keys and known_hosts files are small */
const KEY_FILE_MAX_BYTES = 64 * 1024;
const KNOWN_HOSTS_MAX_BYTES = 4 * 1024 * 1024;

/** Keys of trust-on-first-use hosts seen before (host name → fingerprint); optional. */
export interface TrustStore {
  get(host: string): string | undefined;
  set(host: string, fingerprint: string): void;
}

/** Files read once per fleet run (keys, known_hosts), by path. */
export type FileCache = Map<string, Promise<Buffer>>;

export interface CollectOptions {
  /** the script fed to `sh -s` (default: tools/collect/infralens-collect.sh) */
  script?: string;
  /** the ssh-agent socket (SSH_AUTH_SOCK), passed in by the entry point, for hosts with `agent: true` */
  agentSocket?: string;
  /** stops the collection: connections are closed and the promise rejects with the signal's reason */
  signal?: AbortSignal;
  /** keys accepted on trust before (trustOnFirstUse hosts) */
  trustStore?: TrustStore;
  /** shared by the hosts of one run so a key file is read once */
  files?: FileCache;
  /** the attempt number this is (fleet.ts retries); reported in the outcome */
  attempt?: number;
}

class CollectFailure extends Error {
  constructor(
    readonly kind: CollectErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** what a network error code means, in words for the per-host line */
const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while writing',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  EHOSTDOWN: 'the host is down',
  ENETDOWN: 'the network is down',
  ENOTFOUND: 'the address does not resolve (check the inventory address or DNS)',
  EAI_AGAIN: 'name resolution failed for now (DNS)',
  ECONNABORTED: 'connection aborted',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are dropped whole
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** printable, one line, at most `max` characters from the end */
export function tail(s: string, max = 500): string {
  const t = s.replace(ANSI, '').replace(/\r?\n/g, ' | ').replace(CONTROL, '');
  const trimmed = t.replace(/(?:\s*\|\s*)+$/, '').trim();
  return trimmed.length > max ? `…${trimmed.slice(trimmed.length - max + 1)}` : trimmed;
}

function readCapped(path: string, max: number, what: string, files: FileCache | undefined): Promise<Buffer> {
  const key = `${what}\0${path}`;
  const hit = files?.get(key);
  if (hit) return hit;
  const p = (async () => {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CollectFailure(
        'config',
        `cannot read the ${what} ${path} (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`,
      );
    }
    if (buf.length > max)
      throw new CollectFailure('config', `the ${what} ${path} is larger than ${max / 1024} KiB`);
    return buf;
  })();
  files?.set(key, p);
  return p;
}

interface Verifier {
  verify(key: Buffer): boolean;
  /** why the last key was refused */
  problem?: string;
}

async function hostVerifier(host: HostEntry, opts: CollectOptions, warnings: string[]): Promise<Verifier> {
  if (host.hostKey !== undefined) {
    const want = host.hostKey;
    const v: Verifier = {
      verify(key) {
        const got = fingerprint(key);
        if (got === want) return true;
        v.problem = `host key mismatch: expected ${want}, the host presented ${got}`;
        return false;
      },
    };
    return v;
  }
  if (host.knownHosts !== undefined) {
    const file = host.knownHosts;
    const buf = await readCapped(file, KNOWN_HOSTS_MAX_BYTES, 'known_hosts file', opts.files);
    const kh: KnownHosts = parseKnownHosts(buf.toString('utf8'));
    const name = knownHostsName(host.address, host.port);
    const v: Verifier = {
      verify(key) {
        const r = checkKnownHosts(kh, name, key, file);
        if (r.ok) return true;
        v.problem = r.reason;
        return false;
      },
    };
    return v;
  }
  if (host.trustOnFirstUse) {
    const v: Verifier = {
      verify(key) {
        const got = fingerprint(key);
        const before = opts.trustStore?.get(host.name);
        if (before !== undefined && before !== got) {
          v.problem = `host key changed since it was first trusted: expected ${before}, the host presented ${got}`;
          return false;
        }
        if (before === undefined) {
          opts.trustStore?.set(host.name, got);
          warnings.push(
            `host key accepted on first use (trustOnFirstUse): ${got}; pin it with hostKey: ${got}`,
          );
        }
        return true;
      },
    };
    return v;
  }
  // the schema refuses this; kept so a hand-built HostEntry cannot skip the check
  return {
    problem: 'no pinned host key (hostKey or knownHosts) and trustOnFirstUse is not set',
    verify() {
      return false;
    },
  };
}

async function authConfig(
  host: HostEntry,
  opts: CollectOptions,
): Promise<{ privateKey: Buffer } | { agent: string }> {
  if (host.agent) {
    if (!opts.agentSocket)
      throw new CollectFailure('config', 'agent: true but no ssh-agent socket (SSH_AUTH_SOCK) is set');
    return { agent: opts.agentSocket };
  }
  if (host.key === undefined) throw new CollectFailure('config', 'no private key file and no agent');
  const privateKey = await readCapped(host.key, KEY_FILE_MAX_BYTES, 'private key file', opts.files);
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    const encrypted = /passphrase|encrypted/i.test(parsed.message);
    throw new CollectFailure(
      'config',
      encrypted
        ? `the private key file ${host.key} is encrypted; use an unencrypted key readable only by InfraLens, or agent: true`
        : `the private key file ${host.key} is not a private key InfraLens can read`,
    );
  }
  return { privateKey };
}

/** what kind of failure an ssh2 / socket error is */
function classify(err: Error & { level?: string; code?: string }, verifier: Verifier): CollectFailure {
  if (err instanceof CollectFailure) return err;
  const code = err.code;
  const level = err.level;
  if (verifier.problem !== undefined && (level === 'handshake' || /verification failed/i.test(err.message)))
    return new CollectFailure('host-key', verifier.problem);
  if (level === 'client-authentication')
    return new CollectFailure(
      'auth',
      'authentication failed (the server accepted none of the offered methods)',
    );
  if (level === 'agent') return new CollectFailure('auth', `ssh-agent: ${tail(err.message, 200)}`);
  if (code === 'ECONNREFUSED')
    return new CollectFailure('refused', 'connection refused (nothing listens on the port)');
  if (level === 'client-timeout' || code === 'ETIMEDOUT')
    return new CollectFailure(
      'timeout',
      /keepalive/i.test(err.message) ? 'keepalive timeout' : 'connect timeout',
    );
  if (level === 'client-dns')
    return new CollectFailure('unreachable', `cannot resolve the address (${code ?? 'dns'})`);
  if (code !== undefined && TRANSIENT_CODES.has(code))
    return new CollectFailure('unreachable', `${NETWORK_WORDS[code] ?? 'network error'} (${code})`);
  // no common algorithm: the host's or our settings must change, another attempt cannot help
  if ((level === 'handshake' || level === 'protocol') && /no matching|unsupported/i.test(err.message))
    return new CollectFailure('config', `SSH handshake failed: ${tail(err.message, 200)}`);
  if (/connection lost/i.test(err.message))
    return new CollectFailure('unreachable', 'the connection was lost before the SSH handshake finished');
  return new CollectFailure('unreachable', tail(err.message, 200) || 'connection failed');
}

/** open one SSH connection (over `sock` when given: a jump host's forwarded channel) */
function connectOne(
  host: HostEntry,
  inv: Inventory,
  verifier: Verifier,
  auth: { privateKey: Buffer } | { agent: string },
  sock: Duplex | undefined,
  track: (c: SshClient) => void,
): Promise<SshClient> {
  const c = new Client();
  track(c);
  return new Promise((resolve, reject) => {
    let done = false;
    c.on('ready', () => {
      done = true;
      resolve(c);
    });
    c.on('error', (e: Error) => {
      if (done) return;
      done = true;
      reject(classify(e, verifier));
    });
    c.on('close', () => {
      if (done) return;
      done = true;
      reject(
        verifier.problem !== undefined
          ? new CollectFailure('host-key', verifier.problem)
          : new CollectFailure('unreachable', 'the connection closed before SSH was ready'),
      );
    });
    const keepalive = inv.collection.keepaliveSec * 1000;
    c.connect({
      host: host.address,
      port: host.port,
      username: host.user,
      ...auth,
      ...(sock ? { sock } : {}),
      readyTimeout: inv.collection.connectTimeoutSec * 1000,
      keepaliveInterval: keepalive,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => verifier.verify(key),
    });
  });
}

function forward(via: SshClient, to: HostEntry, through: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, to.address, to.port, (err, stream) => {
      if (err) {
        const reason = tail(err.message, 200);
        reject(
          new CollectFailure(
            /refused/i.test(reason) ? 'refused' : 'unreachable',
            `jump host ${through} cannot reach ${to.address}:${to.port} (${reason})`,
          ),
        );
      } else resolve(stream);
    });
  });
}

interface RunResult {
  bundle: string;
  bytes: number;
  warnings: string[];
}

function runCollector(
  conn: SshClient,
  script: string,
  inv: Inventory,
  signal: AbortSignal | undefined,
): Promise<RunResult> {
  const cap = Math.floor(inv.collection.outputCapMiB * 1024 * 1024);
  const timeoutMs = inv.collection.commandTimeoutSec * 1000;
  return new Promise((resolve, reject) => {
    conn.exec(COLLECT_COMMAND, { pty: false }, (err, stream) => {
      if (err) {
        reject(
          new CollectFailure('refused', `the server refused the command channel (${tail(err.message, 200)})`),
        );
        return;
      }
      const out: Buffer[] = [];
      let bytes = 0;
      const errOut: Buffer[] = [];
      let errBytes = 0;
      let settled = false;
      const finish = (e: CollectFailure | null, r?: RunResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (e) {
          try {
            stream.signal('KILL');
          } catch {}
          stream.destroy();
          reject(e);
        } else resolve(r!);
      };
      const onAbort = () => finish(new CollectFailure('timeout', 'aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () =>
          finish(
            new CollectFailure(
              'timeout',
              `the collector did not finish within ${inv.collection.commandTimeoutSec} s`,
            ),
          ),
        timeoutMs,
      );
      stream.on('data', (d: Buffer) => {
        if (settled) return;
        bytes += d.length;
        if (bytes > cap) {
          finish(
            new CollectFailure(
              'output-cap',
              `the host printed more than ${inv.collection.outputCapMiB} MiB; stopped reading`,
            ),
          );
          return;
        }
        out.push(d);
      });
      stream.stderr.on('data', (d: Buffer) => {
        errBytes += d.length;
        errOut.push(d);
        // keep the newest STDERR_CAP_BYTES: drop whole chunks from the front
        while (errBytes - (errOut[0]?.length ?? 0) >= STDERR_CAP_BYTES && errOut.length > 1)
          errBytes -= errOut.shift()!.length;
      });
      stream.on('error', (e: Error) =>
        finish(new CollectFailure('unreachable', `channel error: ${tail(e.message, 200)}`)),
      );
      stream.on('close', (code: number | null | undefined, sig?: string) => {
        const stderr = Buffer.concat(errOut).toString('utf8');
        if (code === 0) {
          const bundle = Buffer.concat(out).toString('utf8');
          const warnings: string[] = [];
          if (!bundle.startsWith('### infralens:bundle'))
            warnings.push('the output does not start with an InfraLens bundle header');
          if (stderr.trim() !== '') warnings.push(`stderr: ${tail(stderr, 300)}`);
          finish(null, { bundle, bytes, warnings });
        } else if (typeof code === 'number') {
          const t = tail(stderr);
          finish(new CollectFailure('exit', `the collector exited with status ${code}${t ? `: ${t}` : ''}`));
        } else
          finish(
            new CollectFailure(
              sig ? 'exit' : 'unreachable',
              sig ? `the collector was killed by signal ${sig}` : 'the channel closed without an exit status',
            ),
          );
      });
      stream.on('exit', () => {});
      stream.end(script);
    });
  });
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Collect one host: connect (through its jump hosts), run the collector, return the bundle or the
 * failure's kind and message. One attempt; fleet.ts retries transient failures. Rejects only when
 * `opts.signal` aborts.
 */
export async function collectHost(
  host: HostEntry,
  inv: Inventory,
  opts: CollectOptions = {},
): Promise<CollectOutcome> {
  const t0 = performance.now();
  const attempts = opts.attempt ?? 1;
  const signal = opts.signal;
  if (signal?.aborted) throw abortError(signal);
  const clients: SshClient[] = [];
  const closeAll = () => {
    for (const c of clients.reverse()) {
      try {
        c.end();
        c.destroy();
      } catch {}
    }
  };
  const warnings: string[] = [];
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    closeAll();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const byName = new Map(inv.hosts.map((h) => [h.name, h]));
    const chain: HostEntry[] = [];
    for (let j = host.jump; j !== undefined && chain.length <= inv.hosts.length; j = byName.get(j)?.jump) {
      const jh = byName.get(j);
      if (!jh) throw new CollectFailure('config', `jump host '${j}' is not in the inventory`);
      chain.unshift(jh);
    }
    const script = opts.script ?? collectorScript();
    let sock: Duplex | undefined;
    let prev: SshClient | undefined;
    let prevName = '';
    for (const h of [...chain, host]) {
      const isTarget = h === host;
      const label = isTarget ? '' : `jump host ${h.name}: `;
      try {
        if (prev) sock = await forward(prev, h, prevName);
        const verifier = await hostVerifier(h, opts, isTarget ? warnings : []);
        const auth = await authConfig(h, opts);
        if (aborted) throw abortError(signal!);
        prev = await connectOne(h, inv, verifier, auth, sock, (c) => clients.push(c));
        prevName = h.name;
      } catch (e) {
        if (!(e instanceof CollectFailure)) throw e;
        throw new CollectFailure(e.kind, `${label}${e.message}`);
      }
    }
    const r = await runCollector(prev!, script, inv, signal);
    return {
      host: host.name,
      ok: true,
      bundle: r.bundle,
      bytes: r.bytes,
      ms: Math.round(performance.now() - t0),
      attempts,
      warnings: [...warnings, ...r.warnings],
    };
  } catch (e) {
    if (aborted || signal?.aborted) throw abortError(signal!);
    const f = e instanceof CollectFailure ? e : classify(e as Error, {} as Verifier);
    return {
      host: host.name,
      ok: false,
      error: { kind: f.kind, message: f.message },
      ms: Math.round(performance.now() - t0),
      attempts,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    closeAll();
  }
}
