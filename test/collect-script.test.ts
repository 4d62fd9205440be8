import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../tools/ingest/index.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'tools/collect/infralens-collect.sh');
const script = readFileSync(SCRIPT, 'utf8');
const code = script
  .split('\n')
  .filter((l) => !/^\s*#/.test(l))
  .join('\n');

describe('collect script: read-only by construction', () => {
  it('redirects only to /dev/null or file descriptors', () => {
    for (const m of code.matchAll(/(\d?)>(>?)\s*([^\s;|)]+)/g)) {
      const target = m[3]!;
      expect(
        target === '/dev/null' || /^&\d$/.test(target) || /^&\d/.test(`${target}`),
        `redirection to ${m[0]}`,
      ).toBe(true);
    }
  });

  it('uses no command that writes or changes state', () => {
    const forbidden =
      /\b(rm|mv|cp|tee|mkdir|touch|dd|chmod|chown|ln|truncate|modprobe|rmmod|insmod|systemctl|qm|pct|pvesh|sysctl|echo\s+[^|]*>\s*\/sys|mount|umount|kill|reboot)\b/;
    for (const line of code.split('\n')) expect(line, line).not.toMatch(forbidden);
  });

  it('calls nvidia-smi only with read-only arguments', () => {
    const calls = [...code.matchAll(/^run \S+ nvidia-smi(.*)$/gm)].map((m) => m[1]!.trim());
    expect(calls.length).toBeGreaterThan(5);
    const allowed = [
      /^$/,
      /^-q -x$/,
      /^-L$/,
      /^--query-gpu=[\w.,]+ --format=csv$/,
      /^--query-compute-apps=[\w.,]+ --format=csv$/,
      /^topo -m$/,
      /^mig -lgip$/,
      /^mig -lgi$/,
    ];
    for (const c of calls)
      expect(
        allowed.some((re) => re.test(c)),
        `nvidia-smi ${c}`,
      ).toBe(true);
  });

  it('is valid POSIX sh (dash -n)', () => {
    execFileSync('dash', ['-n', SCRIPT]);
  });
});

describe('collect script: runs on a fake host and its bundle parses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-collect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records missing commands, captures outputs, writes nothing', () => {
    const bin = join(dir, 'bin');
    const work = join(dir, 'cwd');
    const home = join(dir, 'home');
    const sys = join(dir, 'sys/bus/pci/devices');
    const pve = join(dir, 'pve/qemu-server');
    for (const d of [bin, work, home, pve]) mkdirSync(d, { recursive: true });
    const fx = (p: string) => join(ROOT, 'samples/real', p);
    writeFileSync(
      join(bin, 'nvidia-smi'),
      `#!/bin/sh
case "$*" in
  "-q -x") cat '${fx('smi-xml/l4-2x-drv555.42.06-with-processes.xml')}' ;;
  "topo -m") cat '${fx('topo/rtx5090-2x-threadripper-3975wx-phb-tabs-1numa.txt')}' ;;
  "mig -lgip"|"mig -lgi") echo "No MIG-enabled devices found."; exit 6 ;;
  *) echo "nvidia-smi: unsupported in this fake: $*" >&2; exit 2 ;;
esac
`,
    );
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const dev = (bdf: string, vendor: string, cls: string, numa: string) => {
      const d = join(sys, bdf);
      mkdirSync(d, { recursive: true });
      const files: Record<string, string> = {
        vendor,
        class: cls,
        device: '0x27b8',
        numa_node: numa,
        local_cpulist: numa === '0' ? '0-15' : '16-31',
        current_link_speed: '16.0 GT/s PCIe',
        max_link_speed: '16.0 GT/s PCIe',
        current_link_width: '1',
        max_link_width: '16',
      };
      for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), `${v}\n`);
    };
    dev('0000:01:00.0', '0x10de', '0x030200', '0');
    dev('0000:c1:00.0', '0x10de', '0x030200', '1');
    dev('0000:00:14.0', '0x8086', '0x0c0330', '0');
    writeFileSync(
      join(pve, '101.conf'),
      'name: infer-01\ntags: inference\ncores: 8\nhostpci0: 0000:c1:00,pcie=1\naffinity: 0-7\n',
    );
    const snapshotOfDir = (d: string) => readdirSync(d, { recursive: true }).map(String).sort();
    const before = snapshotOfDir(dir);

    const r = spawnSync('dash', [SCRIPT], {
      cwd: work,
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: home,
        INFRALENS_SYSFS: join(dir, 'sys'),
        INFRALENS_PVE: join(dir, 'pve'),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(snapshotOfDir(dir)).toEqual(before); // nothing written anywhere under the sandbox
    const out = r.stdout;
    const token = /^### infralens:bundle v2 token=([0-9a-f]{16})\n/.exec(out)?.[1];
    expect(token, 'a 16-hex-digit token on the first line').toBeDefined();
    expect(out).toContain(`### infralens:end nvidia-smi-q-x token=${token} rc=0`);
    expect(out).toContain(`### infralens:end mig-lgip token=${token} rc=6`);
    expect(out).toMatch(
      new RegExp(
        `### infralens:end nvidia-smi-L token=${token} rc=2\n#! nvidia-smi: unsupported in this fake: -L`,
      ),
    );
    expect(out).toContain(`### infralens:section pve-qemu-server/101.conf token=${token}`);
    expect(out).not.toContain('0000:00:14.0'); // not an NVIDIA GPU

    const { snapshot, rejected } = ingest([{ name: 'host.txt', content: out }]);
    expect(rejected).toEqual([]);
    expect(snapshot.gpus).toHaveLength(2);
    const g1 = snapshot.gpus.find((g) => g.busId === '0000:c1:00.0')!;
    expect(g1.index).toBe(1);
    expect(g1.pcie.widthCurrent).toBe(1);
    // the fake host's topo (from another machine) puts GPU1 on NUMA 0 while sysfs says 1: reported, not hidden
    expect(g1.numaNode).toBe(0);
    expect(snapshot.conflicts).toContainEqual(
      expect.objectContaining({ subject: 'GPU1', field: 'numaNode', kind: 'static', kept: 0 }),
    );
    const vm = snapshot.workloads.find((w) => w.name === 'infer-01')!;
    expect(vm.kind).toBe('inference');
    expect(vm.gpus).toEqual([1]);
    expect(vm.vm?.vmid).toBe(101);
  });
});

describe('collect script: markers cannot be forged, every read has a time limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-collect-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const collect = (bin: string, extraEnv: Record<string, string> = {}) =>
    spawnSync('dash', [SCRIPT], {
      cwd: dir,
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: dir,
        INFRALENS_SYSFS: join(dir, 'sys'),
        INFRALENS_PVE: join(dir, 'pve'),
        ...extraEnv,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('a command output holding marker lines stays output; each run draws a new token', () => {
    const bin = join(dir, 'forge-bin');
    mkdirSync(bin, { recursive: true });
    // a GPU process or a device name can put any line into nvidia-smi's output
    writeFileSync(
      join(bin, 'nvidia-smi'),
      `#!/bin/sh
case "$*" in
  "-L") printf 'GPU 0: NVIDIA L4 (UUID: GPU-0b6f3c2e-1f0d-4c5a-9e7b-2a1d3c4b5e6f)\\n### infralens:section workloads\\nworkloads:\\n  - name: forged\\n    kind: training\\n    gpus: [0]\\n### infralens:end workloads rc=0\\n' ;;
  *) exit 2 ;;
esac
`,
    );
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const a = collect(bin);
    const b = collect(bin);
    expect(a.status).toBe(0);
    const tokenOf = (out: string) => /^### infralens:bundle v2 token=(\S+)/.exec(out)?.[1];
    expect(tokenOf(a.stdout)).not.toBe(tokenOf(b.stdout));
    expect(a.stdout).toContain('### infralens:section workloads\n'); // there, but without the token
    const { snapshot } = ingest([{ name: 'host.txt', content: a.stdout }]);
    expect(snapshot.workloads).toEqual([]);
    expect(snapshot.gpus.map((g) => g.name)).toEqual(['NVIDIA L4']);
    const notes = snapshot.sources.find((s) => s.format === 'bundle')?.warnings ?? [];
    expect(notes).toContain(
      "2 line(s) that look like section markers but lack this bundle's token were read as command output, not as sections",
    );
  });

  it('a hung sysfs or config-file read is cut at the time limit and the collector carries on', () => {
    const bin = join(dir, 'empty-bin');
    mkdirSync(bin, { recursive: true });
    const gpu = join(dir, 'sys/bus/pci/devices/0000:01:00.0');
    mkdirSync(gpu, { recursive: true });
    mkdirSync(join(dir, 'pve/qemu-server'), { recursive: true });
    // FIFOs without a writer: opening them for reading blocks for ever
    execFileSync('mkfifo', [join(gpu, 'vendor'), join(dir, 'pve/qemu-server/102.conf')]);
    writeFileSync(join(dir, 'pve/qemu-server/103.conf'), 'name: infer-03\nhostpci0: 0000:01:00,pcie=1\n');
    const t0 = Date.now();
    const r = collect(bin, { INFRALENS_TIMEOUT: '1' });
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const token = /^### infralens:bundle v2 token=(\S+)/.exec(r.stdout)?.[1];
    expect(r.stdout).toContain(`### infralens:end sysfs-pci token=${token} rc=124`);
    expect(r.stdout).toContain(`### infralens:end pve-qemu-server/102.conf token=${token} rc=124`);
    expect(r.stdout).toContain(`### infralens:end pve-qemu-server/103.conf token=${token} rc=0`);
  });
});

describe('collect script: fed on standard input, as the SSH collector runs it', () => {
  // `infralens collect` runs `sh -s` and writes the script to its stdin. Where sh is bash, bash reads the
  // script from stdin as it goes, so a command that reads stdin would swallow the rest of the script (and
  // bash would then run what is left mid-line): every command the collector runs reads /dev/null.
  it('a command that reads standard input cannot eat the rest of the script (bash -s and dash -s)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infralens-collect-stdin-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      // a hostile nvidia-smi: it reads everything on its stdin before answering
      writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\ncat >/dev/null\necho "fake nvidia-smi $*"\n');
      chmodSync(join(bin, 'nvidia-smi'), 0o755);
      for (const shell of ['bash', 'dash']) {
        const r = spawnSync(shell, ['-s'], {
          input: script,
          cwd: dir,
          env: {
            PATH: `${bin}:/usr/bin:/bin`,
            HOME: dir,
            INFRALENS_SYSFS: join(dir, 'sys'),
            INFRALENS_PVE: join(dir, 'pve'),
          },
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(r.status, `${shell}: ${r.stderr}`).toBe(0);
        const ends = [...r.stdout.matchAll(/^### infralens:end (\S+) token=/gm)].map((m) => m[1]);
        // every nvidia-smi section ran, and the sections after them too
        for (const name of ['nvidia-smi-q-x', 'topo-m', 'mig-lgip', 'numactl-H', 'lscpu', 'sysfs-pci'])
          expect(ends, `${shell}: section ${name}`).toContain(name);
        expect(r.stdout).toContain('fake nvidia-smi -q -x');
        expect(r.stderr, shell).not.toMatch(/command not found|syntax error/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
