/**
 * Issue 13: collecting a fleet of 200 hosts over SSH, against a real OpenSSH `sshd` on loopback, beside
 * `pdsh -R ssh` running the same collector on the same hosts with the same fan-out, in one run.
 *
 * One sshd on a random loopback port (its own host key and config in a temp folder, `UsePAM no`,
 * `StrictModes no`, `MaxStartups 256`) stands in for 200 hosts (`host-000` … `host-199`, all 127.0.0.1).
 * The sessions run as a bench user whose login shell is /bin/sh with an empty temp home, so the figure is
 * the clients' and not the machine's shell start-up files (root's bash sourcing ~/.bashrc, pyenv init …,
 * costs ~1 s of CPU per session on a development machine): as root the bench creates the system user
 * `infralens-bench` (or uses the one named by INFRALENS_BENCH_USER) and points its home at the temp
 * folder; not as root, the sessions run as the current user and the notes say the figure includes its
 * login shell's start-up files. authorized_keys is in the temp folder (`AuthorizedKeysFile`).
 * A fake `nvidia-smi` is first on the sessions' PATH (`SetEnv`): it prints the recorded `-q -x`, `topo -m`
 * and `mig -lgi` sections of samples/fleet/baremetal-h200.txt, so every collection is a full 8-GPU bundle
 * (~200 KiB). Ours: collectHosts (ssh2, the script on stdin of `sh -s`, as in production). pdsh:
 * `pdsh -R ssh -f N -w host-[000-199] sh FILE` with FILE an identical copy of the collector (pdsh does not
 * feed stdin to remote commands), ssh told to use the same key and to check the host key against a
 * known_hosts file (BatchMode). Same fan-out for both (32). Goal: ours under 10 s and at most half
 * pdsh's time (the ratio line is ours ÷ pdsh, budget 0.5).
 *
 * When sshd or pdsh is missing the bench prints one 'skipped' line saying what to install
 * (.ci/run installs openssh-server and pdsh).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
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

const BENCH_USER = 'infralens-bench';

/** passwd entry of `name`, or null */
function passwd(name: string): { uid: number; gid: number; home: string; shell: string } | null {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const f = r.status === 0 ? r.stdout.trim().split(':') : [];
  return f.length >= 7 ? { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! } : null;
}

/**
 * The user the sessions run as, and a note when the figure includes a login shell's start-up files.
 * As root: INFRALENS_BENCH_USER when set (used as it is), else `infralens-bench` (created if absent) with
 * /bin/sh as its shell, `home` as its home (owned by it) and a password field of '*' (no password, but not
 * "locked": sshd without PAM refuses locked accounts).
 */
function benchUser(home: string): { user: string; note: string } | { error: string } {
  const self = userInfo().username;
  if (process.getuid?.() !== 0) {
    const shell = passwd(self)?.shell ?? 'its shell';
    return {
      user: self,
      note: `sessions as ${self} (not root: no bench user), so the figure includes ${shell}'s start-up files`,
    };
  }
  const named = process.env.INFRALENS_BENCH_USER;
  if (named) {
    const pw = passwd(named);
    if (!pw) return { error: `INFRALENS_BENCH_USER=${named}: no such user` };
    return { user: named, note: `sessions as ${named} (INFRALENS_BENCH_USER, login shell ${pw.shell})` };
  }
  const cmd = passwd(BENCH_USER)
    ? ['usermod', '--shell', '/bin/sh', '--home', home, '--password', '*', BENCH_USER]
    : [
        'useradd',
        '--system',
        '--shell',
        '/bin/sh',
        '--home-dir',
        home,
        '--no-create-home',
        '--password',
        '*',
        BENCH_USER,
      ];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  const pw = passwd(BENCH_USER);
  if (r.status !== 0 || !pw)
    return { error: `${cmd[0]} ${BENCH_USER} failed: ${r.stderr.trim().slice(0, 160)}` };
  chownSync(home, pw.uid, pw.gid);
  return { user: BENCH_USER, note: `sessions as ${BENCH_USER} (login shell /bin/sh, empty home)` };
}

/**
 * `transport`: also a second round with a one-line script that prints the recorded bundle (the clients
 * and sshd without the collector's own processes); off in `npm run bench`.
 */
export async function collectResults(
  opts: { hosts?: number; fanout?: number; transport?: boolean } = {},
): Promise<BenchResult[]> {
  const HOSTS = opts.hosts ?? DEFAULT_HOSTS;
  const FANOUT = opts.fanout ?? DEFAULT_FANOUT;
  if (!existsSync(SSHD)) return skip(`${SSHD} is not installed`, HOSTS);
  const pdsh = which('pdsh');
  const ssh = which('ssh');
  if (!pdsh || !ssh) return skip(`${pdsh ? 'ssh' : 'pdsh'} is not installed`, HOSTS);

  const dir = mkdtempSync(join(tmpdir(), 'infralens-bench-sshd-'));
  let sshd: ChildProcess | undefined;
  try {
    // the bench user reads the fake nvidia-smi, its recordings, the collector copy and authorized_keys
    chmodSync(dir, 0o755);
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o755 });
    const who = benchUser(home);
    if ('error' in who) return skip(who.error, HOSTS);
    const { user } = who;

    const { utils } = ssh2;
    // ssh2's generator now and then gives a key its own parser refuses: draw again until both parse
    const pair = () => {
      for (;;) {
        const k = utils.generateKeyPairSync('ed25519');
        if (!(utils.parseKey(k.public) instanceof Error) && !(utils.parseKey(k.private) instanceof Error))
          return k;
      }
    };
    const hostKey = pair();
    const clientKey = pair();
    writeFileSync(join(dir, 'host_ed25519'), hostKey.private, { mode: 0o600 });
    writeFileSync(join(dir, 'id_ed25519'), clientKey.private, { mode: 0o600 });
    writeFileSync(join(dir, 'authorized_keys'), `${clientKey.public.trim()}\n`, { mode: 0o644 });
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    const blob = (Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH();
    const pinned = fingerprint(blob);
    writeFileSync(join(dir, 'known_hosts'), `bench-sshd ${hostKey.public.trim()}\n`);
    const bin = join(dir, 'bin');
    fakeNvidiaSmi(bin, dir);
    // pdsh's copy of the collector: the same bytes ours sends on stdin
    const scriptFile = join(dir, 'infralens-collect.sh');
    copyFileSync(COLLECTOR_SCRIPT_URL, scriptFile);
    chmodSync(scriptFile, 0o644);

    const port = await freePort();
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
        // one sshd behind every host: the unauthenticated-connection limit well above the fan-out
        'MaxStartups 256',
        'MaxSessions 64',
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

    const names = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(3, '0')}`);
    const inv = parseInventory(
      JSON.stringify({
        defaults: { user, key: join(dir, 'id_ed25519') },
        collection: { concurrency: FANOUT, retries: 0, commandTimeoutSec: 60 },
        hosts: names.map((name) => ({ name, address: '127.0.0.1', port, hostKey: pinned })),
      }),
      'bench-inventory.yaml',
    );
    writeFileSync(
      join(dir, 'ssh_config'),
      [
        'Host host-*',
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
    // pdsh under a shell that prints its children's CPU time (`times`, last line) to stderr afterwards
    const runPdsh = (hosts: string, file = scriptFile) => {
      const r = spawnSync(
        'sh',
        [
          '-c',
          'pdsh "$@"; s=$?; times >&2; exit $s',
          'sh',
          ...['-R', 'ssh', '-f', String(FANOUT), '-N', '-w', hosts, 'sh', file],
        ],
        {
          env: {
            ...process.env,
            PATH: `${dirname(pdsh)}:${process.env.PATH ?? ''}`,
            PDSH_SSH_ARGS: `-F ${join(dir, 'ssh_config')} %h`,
            PDSH_RCMD_TYPE: 'ssh',
          },
          maxBuffer: 1024 * 1024 * 1024,
          encoding: 'buffer',
        },
      );
      const lines = r.stderr.toString('utf8').trim().split('\n');
      const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1) ?? '');
      const cpuS = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : Number.NaN;
      return { status: r.status, stdout: r.stdout, stderr: Buffer.from(lines.slice(0, -2).join('\n')), cpuS };
    };
    const bundlesIn = (out: Buffer) =>
      (out.toString('latin1').match(/^### infralens:bundle v2/gm) ?? []).length;
    const lastLine = (err: Buffer) => err.toString('utf8').trim().split('\n').at(-1) ?? '';

    // warm-up (module load, first handshakes, sshd and ssh binaries in the page cache); also checks both
    // clients work end to end before anything is timed
    const warm = await collectHosts(inv, inv.hosts.slice(0, 2));
    if (!warm[0]!.ok)
      return skip(
        `collection from the bench sshd failed: ${warm[0]!.error.kind}: ${warm[0]!.error.message}`,
        HOSTS,
      );
    const warmPdsh = runPdsh('host-000');
    if (bundlesIn(warmPdsh.stdout) !== 1)
      return skip(
        `pdsh against the bench sshd failed: exit ${warmPdsh.status}: ${lastLine(warmPdsh.stderr)}`,
        HOSTS,
      );

    // one timed round: ours (the script on stdin of `sh -s`), then pdsh (`sh FILE`, the same bytes)
    const round = async (what: string, script: string | undefined, file: string): Promise<BenchResult[]> => {
      const load = loadavg()[0]!.toFixed(2);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const ours = await collectHosts(inv, inv.hosts, script === undefined ? {} : { script });
      const oursMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const oursCpuS = (cpu.user + cpu.system) / 1e6;
      const ok = ours.filter((o) => o.ok).length;
      const bytes = ours.reduce((a, o) => a + (o.ok ? o.bytes : 0), 0);
      const firstFail = ours.find((o) => !o.ok);

      const p0 = performance.now();
      const r = runPdsh(`host-[000-${String(HOSTS - 1).padStart(3, '0')}]`, file);
      const pdshMs = performance.now() - p0;
      const pdshBundles = bundlesIn(r.stdout);
      const pdshErr = lastLine(r.stderr);
      const tag = what ? ` (${what})` : '';
      return [
        {
          name: `collect${tag}: ${HOSTS} loopback hosts, collectHosts (ssh2, concurrency ${FANOUT})`,
          ms: oursMs,
          budgetMs: BUDGET_MS,
          note: `${ok}/${HOSTS} ok${firstFail && !firstFail.ok ? ` (first failure: ${firstFail.error.kind}: ${firstFail.error.message})` : ''}, ${(bytes / 1024 / 1024).toFixed(1)} MiB, client CPU ${oursCpuS.toFixed(1)} s; one OpenSSH sshd on 127.0.0.1; ${who.note}; load ${load}`,
        },
        {
          name: `collect${tag}: pdsh -R ssh -f ${FANOUT}, the same ${HOSTS} hosts and script (informational)`,
          ms: pdshMs,
          budgetMs: 60 * BUDGET_MS,
          note: `${pdshBundles}/${HOSTS} bundles, exit ${r.status}${r.status !== 0 && pdshErr ? ` (${pdshErr.slice(0, 160)})` : ''}, client CPU (pdsh and its ssh processes) ${r.cpuS.toFixed(1)} s; one ssh process per host`,
        },
        {
          name: `collect${tag}: collectHosts time ÷ pdsh time, ${HOSTS} hosts (goal at most 0.5: 2× faster)`,
          ms: oursMs / pdshMs,
          budgetMs: 0.5,
          unit: '× pdsh',
          note: `${(pdshMs / oursMs).toFixed(2)}× as fast as pdsh`,
        },
      ];
    };
    const results = await round('', undefined, scriptFile);
    if (opts.transport) {
      // the transport alone: a one-line script printing the same recorded bundle (one process per host)
      copyFileSync(
        new URL('../samples/fleet/baremetal-h200.txt', import.meta.url),
        join(dir, 'recorded.txt'),
      );
      chmodSync(join(dir, 'recorded.txt'), 0o644);
      const catScript = `cat '${join(dir, 'recorded.txt')}'\n`;
      writeFileSync(join(dir, 'cat-recorded.sh'), catScript, { mode: 0o644 });
      results.push(...(await round('transport only', catScript, join(dir, 'cat-recorded.sh'))));
    }
    return results;
  } finally {
    sshd?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

// alone: npx tsx bench/collect.ts [HOSTS [FANOUT [transport]]]
if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === new URL(import.meta.url).pathname) {
  const [h, f] = process.argv.slice(2, 4).map(Number);
  const transport = process.argv[4] === 'transport';
  for (const r of await collectResults({
    ...(h ? { hosts: h } : {}),
    ...(f ? { fanout: f } : {}),
    transport,
  }))
    console.log(`${r.name}: ${r.ms.toFixed(2)} ${r.unit ?? 'ms'} (budget ${r.budgetMs}) — ${r.note}`);
}
