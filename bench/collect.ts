/**
 * Issue 13: collecting a fleet of 200 hosts over SSH, against a real OpenSSH `sshd` on loopback, beside
 * `pdsh -R ssh` running the same collector on the same hosts with the same fan-out, in one run.
 *
 * One sshd runs as the current user on a random loopback port (its own host key, authorized_keys and
 * config in a temp folder: `UsePAM no`, `StrictModes no`, no root needed); 200 inventory entries
 * (`bench-000` … `bench-199`) point at it. A fake `nvidia-smi` is first on the sessions' PATH (`SetEnv`):
 * it prints the recorded `-q -x`, `topo -m` and `mig -lgi` sections of samples/fleet/baremetal-h200.txt,
 * so every collection is a full 8-GPU bundle (~200 KiB). Ours: collectHosts (ssh2, the script on stdin of
 * `sh -s`). pdsh: `pdsh -R ssh -f N -w bench-[000-199] sh <copy of the collector>` (pdsh does not feed
 * stdin to remote commands, so the script is a file in the temp folder), ssh told to use the same key and
 * to check the host key against a known_hosts file (BatchMode). Goal: ours under 10 s and at least 2× faster.
 *
 * When sshd or pdsh is missing the bench prints one 'skipped' line saying what to install
 * (.ci/run installs openssh-server and pdsh).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { collectHosts } from '../tools/collect/fleet.ts';
import { fingerprint } from '../tools/collect/host-key.ts';
import { COLLECTOR_SCRIPT_URL } from '../tools/collect/script.ts';
import { parseInventory } from '../tools/inventory/load.ts';
import type { BenchResult } from './slack.ts';

const SSHD = '/usr/sbin/sshd';
const DEFAULT_HOSTS = 200;
const DEFAULT_FANOUT = 32;
const BUDGET_MS = 10_000;

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ createServer }) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** the sections of a v2 bundle by name */
function sections(bundle: string): Map<string, string> {
  const token = /token=(\S+)/.exec(bundle.split('\n', 1)[0]!)?.[1] ?? '';
  const out = new Map<string, string>();
  const re = new RegExp(
    `^### infralens:section (\\S+) token=${token}\\n([\\s\\S]*?)^### infralens:end \\1 token=${token}`,
    'gm',
  );
  for (const m of bundle.matchAll(re)) out.set(m[1]!, m[2]!);
  return out;
}

/** a fake nvidia-smi answering with recorded outputs */
function fakeNvidiaSmi(bin: string, rec: string): void {
  mkdirSync(bin, { recursive: true });
  const s = sections(readFileSync(new URL('../samples/fleet/baremetal-h200.txt', import.meta.url), 'utf8'));
  const files: [string, string][] = [
    ['-q -x', 'nvidia-smi-q-x'],
    ['topo -m', 'topo-m'],
    ['mig -lgi', 'mig-lgi'],
  ];
  const cases: string[] = [];
  for (const [args, name] of files) {
    const text = s.get(name);
    if (text === undefined) continue;
    writeFileSync(join(rec, `${name}.txt`), text);
    cases.push(`  '${args}') exec cat '${join(rec, `${name}.txt`)}' ;;`);
  }
  const script = [
    '#!/bin/sh',
    '# bench/collect.ts: a fake nvidia-smi printing recorded outputs (samples/fleet/baremetal-h200.txt)',
    'case "$*" in',
    ...cases,
    "  *) echo 'nvidia-smi (bench fake): no recording for these arguments' >&2; exit 6 ;;",
    'esac',
    '',
  ].join('\n');
  writeFileSync(join(bin, 'nvidia-smi'), script);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
}

function skip(why: string, HOSTS: number): BenchResult[] {
  return [
    {
      name: `collect: ${HOSTS} loopback hosts over SSH (skipped)`,
      ms: 0,
      budgetMs: BUDGET_MS,
      note: `skipped: ${why} (apt-get install openssh-server pdsh; .ci/run installs them)`,
    },
  ];
}

export async function collectResults(opts: { hosts?: number; fanout?: number } = {}): Promise<BenchResult[]> {
  const HOSTS = opts.hosts ?? DEFAULT_HOSTS;
  const FANOUT = opts.fanout ?? DEFAULT_FANOUT;
  if (!existsSync(SSHD)) return skip(`${SSHD} is not installed`, HOSTS);
  const pdsh = which('pdsh');
  const ssh = which('ssh');
  if (!pdsh || !ssh) return skip(`${pdsh ? 'ssh' : 'pdsh'} is not installed`, HOSTS);

  const dir = mkdtempSync(join(tmpdir(), 'infralens-bench-sshd-'));
  let sshd: ChildProcess | undefined;
  try {
    const { utils } = ssh2;
    const hostKey = utils.generateKeyPairSync('ed25519');
    const clientKey = utils.generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'host_ed25519'), hostKey.private, { mode: 0o600 });
    writeFileSync(join(dir, 'id_ed25519'), clientKey.private, { mode: 0o600 });
    writeFileSync(join(dir, 'authorized_keys'), `${clientKey.public.trim()}\n`, { mode: 0o600 });
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    const blob = (Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH();
    const pinned = fingerprint(blob);
    writeFileSync(join(dir, 'known_hosts'), `bench-sshd ${hostKey.public.trim()}\n`);
    const bin = join(dir, 'bin');
    fakeNvidiaSmi(bin, dir);
    copyFileSync(COLLECTOR_SCRIPT_URL, join(dir, 'infralens-collect.sh'));

    const port = await freePort();
    const user = userInfo().username;
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_ed25519')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user}`,
        // 200 hosts behind one sshd: let every connection through the unauthenticated-connection limit
        'MaxStartups 1000:30:1000',
        'MaxSessions 10',
        'UseDNS no',
        'PrintMotd no',
        'PrintLastLog no',
        'X11Forwarding no',
        'AllowTcpForwarding no',
        'LogLevel ERROR',
        `SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
        '',
      ].join('\n'),
    );
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true }); // privilege separation dir
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let sshdErr = '';
    sshd.stderr?.on('data', (d: Buffer) => {
      sshdErr = (sshdErr + d.toString()).slice(-2000);
    });
    if (!(await waitForPort(port, 5000)))
      return skip(`sshd did not start: ${sshdErr.trim().split('\n').at(-1) ?? ''}`, HOSTS);

    const names = Array.from({ length: HOSTS }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
    const inv = parseInventory(
      JSON.stringify({
        defaults: { user, key: join(dir, 'id_ed25519') },
        collection: { concurrency: FANOUT, retries: 0, commandTimeoutSec: 60 },
        hosts: names.map((name) => ({ name, address: '127.0.0.1', port, hostKey: pinned })),
      }),
      'bench-inventory.yaml',
    );
    // warm-up (module load, first handshake); also checks the setup works end to end
    const warm = await collectHosts(inv, inv.hosts.slice(0, 2));
    if (!warm[0]!.ok)
      return skip(
        `collection from the bench sshd failed: ${warm[0]!.error.kind}: ${warm[0]!.error.message}`,
        HOSTS,
      );

    writeFileSync(
      join(dir, 'ssh_config'),
      [
        'Host bench-*',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  User ${user}`,
        `  IdentityFile ${join(dir, 'id_ed25519')}`,
        '  IdentitiesOnly yes',
        '  HostKeyAlias bench-sshd',
        `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    );
    // the transport alone: a script that only prints the recorded bundle (same bytes, one process)
    copyFileSync(new URL('../samples/fleet/baremetal-h200.txt', import.meta.url), join(dir, 'recorded.txt'));
    const catScript = `cat '${join(dir, 'recorded.txt')}'\n`;
    writeFileSync(join(dir, 'cat-recorded.sh'), catScript);

    const round = async (what: string, script: string | undefined, file: string): Promise<BenchResult[]> => {
      const t0 = performance.now();
      const ours = await collectHosts(inv, inv.hosts, script === undefined ? {} : { script });
      const oursMs = performance.now() - t0;
      const ok = ours.filter((o) => o.ok).length;
      const bytes = ours.reduce((a, o) => a + (o.ok ? o.bytes : 0), 0);
      const firstFail = ours.find((o) => !o.ok);
      const p0 = performance.now();
      const r = spawnSync(
        pdsh,
        [
          '-R',
          'ssh',
          '-f',
          String(FANOUT),
          '-N',
          '-w',
          `bench-[000-${String(HOSTS - 1).padStart(3, '0')}]`,
          'sh',
          file,
        ],
        {
          env: { ...process.env, PDSH_SSH_ARGS: `-F ${join(dir, 'ssh_config')} %h`, PDSH_RCMD_TYPE: 'ssh' },
          maxBuffer: 1024 * 1024 * 1024,
          encoding: 'buffer',
        },
      );
      const pdshMs = performance.now() - p0;
      const pdshBundles = (r.stdout.toString('latin1').match(/^### infralens:bundle v2/gm) ?? []).length;
      const pdshErr = r.stderr.toString('utf8').trim().split('\n').slice(-1)[0] ?? '';
      return [
        {
          name: `collect (${what}): ${HOSTS} loopback hosts, collectHosts (ssh2, concurrency ${FANOUT})`,
          ms: oursMs,
          budgetMs: BUDGET_MS,
          note: `${ok}/${HOSTS} ok${firstFail && !firstFail.ok ? ` (first failure: ${firstFail.error.kind}: ${firstFail.error.message})` : ''}, ${(bytes / 1024 / 1024).toFixed(1)} MiB; one OpenSSH sshd on 127.0.0.1`,
        },
        {
          name: `collect (${what}): pdsh -R ssh -f ${FANOUT}, the same ${HOSTS} hosts`,
          ms: pdshMs,
          budgetMs: 12 * BUDGET_MS,
          note: `${pdshBundles}/${HOSTS} bundles, exit ${r.status}${r.status !== 0 && pdshErr ? ` (${pdshErr.slice(0, 160)})` : ''}; the reference, one ssh process per host`,
        },
        {
          name: `collect (${what}): collectHosts time / pdsh time (goal at most 0.5: 2× faster)`,
          ms: oursMs / pdshMs,
          budgetMs: 0.5,
          unit: '×',
          note: `${(pdshMs / oursMs).toFixed(2)}× as fast as pdsh`,
        },
      ];
    };
    return [
      // the collector itself (fake nvidia-smi with recorded outputs): the hosts' work is in the figure
      ...(await round('collector', undefined, join(dir, 'infralens-collect.sh'))),
      // the fan-out alone: connect, authenticate, one exec, ~200 KiB back
      ...(await round('transport', catScript, join(dir, 'cat-recorded.sh'))),
    ];
  } finally {
    sshd?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

// alone: npx tsx bench/collect.ts [HOSTS [FANOUT]]
if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === new URL(import.meta.url).pathname) {
  const [h, f] = process.argv.slice(2).map(Number);
  for (const r of await collectResults({ ...(h ? { hosts: h } : {}), ...(f ? { fanout: f } : {}) }))
    console.log(`${r.name}: ${r.ms.toFixed(2)} ${r.unit ?? 'ms'} (budget ${r.budgetMs}) — ${r.note}`);
}
