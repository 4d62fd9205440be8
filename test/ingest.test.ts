import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Snapshot } from '../scoring/snapshot.ts';
import { InputError } from '../tools/errors.ts';
import { splitBundle } from '../tools/ingest/bundle.ts';
import { ingest, ingestHosts, MAX_INPUT_BYTES, parseFile } from '../tools/ingest/index.ts';
import { readInputFile } from '../tools/ingest/read-file.ts';
import { detectFormat, PARSERS } from '../tools/parsers/index.ts';

const SAMPLES = new URL('../samples/', import.meta.url).pathname;
const real = (p: string) => readFileSync(join(SAMPLES, 'real', p), 'utf8');
const allReal = (() => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (!n.endsWith('.md')) out.push(relative(join(SAMPLES, 'real'), p));
    }
  };
  walk(join(SAMPLES, 'real'));
  return out.sort();
})();

function expectInputError(f: () => unknown, code?: string): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    if (code) expect((e as InputError).code).toBe(code);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('input guards', () => {
  it('rejects empty, blank, binary, non-UTF-8 and oversized inputs with a clear reason', () => {
    expect(expectInputError(() => parseFile({ name: 'e.txt', content: '' }), 'INPUT_EMPTY').describe()).toBe(
      'e.txt: file is empty',
    );
    expectInputError(() => parseFile({ name: 'b.txt', content: ' \n\t\n' }), 'INPUT_EMPTY');
    expectInputError(
      () => parseFile({ name: 'x.bin', content: Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]) }),
      'INPUT_BINARY',
    );
    expectInputError(
      () => parseFile({ name: 'l1.txt', content: Uint8Array.from([0x66, 0xff, 0xfe, 0x41]) }),
      'INPUT_BINARY',
    );
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x41);
    const e = expectInputError(() => parseFile({ name: 'big.log', content: big }), 'INPUT_TOO_LARGE');
    expect(e.message).toContain(`${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
  });

  it('names an unknown format as unknown, and a known-but-unsupported one by its command', () => {
    expectInputError(
      () => parseFile({ name: 'notes.txt', content: 'hello\nworld\n' }),
      'INPUT_UNKNOWN_FORMAT',
    );
    const nccl = expectInputError(
      () =>
        parseFile({
          name: 'n.txt',
          content: real('nccl/dgx-a100-640gb-4gpu-p2p-disabled-allreduce-busbw5.2-TABLE-ONLY.txt'),
        }),
      'INPUT_UNSUPPORTED',
    );
    expect(nccl.message).toMatch(/nccl-tests/);
    const p2p = expectInputError(
      () =>
        parseFile({ name: 'p.txt', content: real('topo/topo-p2p-rw-rtx5090-2x-GNS-gpu-not-supported.txt') }),
      'INPUT_UNSUPPORTED',
    );
    expect(p2p.message).toMatch(/topo -p2p/);
  });
});

describe('robustness: every parser on every real output, whole and truncated', () => {
  // Each parser, handed any real output (its own or another command's) or a truncated one, returns a
  // fragment or throws InputError — never a TypeError, never a hang.
  it('never crashes', () => {
    for (const file of allReal) {
      const text = real(file);
      const variants = [
        text,
        text.slice(0, Math.floor(text.length * 0.1)),
        text.slice(0, Math.floor(text.length / 2)),
        text.slice(Math.floor(text.length / 3)),
      ];
      for (const v of variants) {
        for (const p of PARSERS) {
          try {
            p.parse(v, { name: file });
          } catch (e) {
            if (!(e instanceof InputError)) throw new Error(`${p.id} on ${file}: ${(e as Error).stack}`);
          }
        }
        try {
          parseFile({ name: file, content: v });
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
        }
      }
    }
  });

  it('handles a few MB of random printable text quickly', () => {
    let s = '';
    let x = 12345;
    const chars = 'abcdefGPU0123456789 |:-.,\t\n[]%MiBWNV';
    while (s.length < 4 * 1024 * 1024) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      s += chars[x % chars.length];
    }
    for (const p of PARSERS) {
      try {
        p.parse(s);
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`${p.id}: ${(e as Error).stack}`);
      }
    }
    expectInputError(() => parseFile({ name: 'noise.txt', content: s }));
  });
});

describe('format detection', () => {
  it('claims every real output for at most one clear format', () => {
    for (const file of allReal) {
      const det = detectFormat(real(file));
      expect(det.kind, file).not.toBe('unknown');
    }
  });
});

const BUNDLE = readFileSync(join(SAMPLES, 'bundles/aws-p5en-8x-h200-real.txt'), 'utf8');

describe('bundle', () => {
  it('splits sections, records missing commands and reads meta', () => {
    const b = splitBundle(BUNDLE);
    expect(b.meta.host).toBe('aws-p5en-sample');
    expect(b.sections.map((s) => s.name)).toEqual(['query-gpu', 'query-compute-apps', 'lscpu', 'numactl-H']);
    expect(b.sections.find((s) => s.name === 'numactl-H')?.missing).toBe(true);
  });

  it('parses into one snapshot; a failing section is a warning, not a failure', () => {
    const text = `${BUNDLE}### infralens:section topo-m\nFailed to initialize NVML: Driver/library version mismatch\n### infralens:end topo-m rc=9\n#! some stderr\n`;
    const { snapshot, rejected } = ingest([{ name: 'b.txt', content: text }]);
    expect(rejected).toEqual([]);
    expect(Snapshot.parse(snapshot)).toBeTruthy();
    expect(snapshot.host).toBe('aws-p5en-sample');
    expect(snapshot.gpus).toHaveLength(8);
    expect(snapshot.gpus.every((g) => g.memory.totalMiB === 143771 && g.uuid?.startsWith('GPU-'))).toBe(true);
    expect(snapshot.processes.filter((p) => p.gpuIndex !== null)).toHaveLength(8);
    expect(snapshot.cpu.sockets).toBe(2);
    const notes = snapshot.sources.find((s) => s.format === 'bundle')?.warnings ?? [];
    expect(notes.some((n) => n.startsWith('numactl-H: command not installed'))).toBe(true);
    expect(notes).toContain(
      'topo-m: command failed (exit status 9): Failed to initialize NVML: Driver/library version mismatch',
    );
  });

  it('a bundle with no usable section is rejected', () => {
    expectInputError(
      () =>
        parseFile({
          name: 'b.txt',
          content:
            '### infralens:bundle v1\n### infralens:section topo-m\n### infralens:end topo-m missing\n',
        }),
      'INPUT_MALFORMED',
    );
  });
});

describe('merge', () => {
  const xml = real('smi-xml/l4-2x-drv555.42.06-with-processes.xml');
  const topo2 = real('topo/rtx5090-2x-threadripper-3975wx-phb-tabs-1numa.txt');

  it('matches GPUs across files by index / bus id and merges their facts', () => {
    const { snapshot } = ingest([
      { name: 'q.xml', content: xml },
      { name: 'topo.txt', content: topo2 },
    ]);
    expect(snapshot.gpus).toHaveLength(2);
    const g0 = snapshot.gpus[0]!;
    expect(g0.busId).toBe('0000:01:00.0');
    expect(g0.family).toBe('L4');
    expect(g0.cpuAffinity?.length).toBeGreaterThan(0);
    expect(snapshot.links.length).toBeGreaterThan(0);
  });

  it('reports a conflict instead of overwriting', () => {
    const a = 'index, pci.bus_id, name, memory.total [MiB]\n0, 00000000:17:00.0, NVIDIA H200, 143771 MiB\n';
    const b =
      'index, pci.bus_id, name, memory.total [MiB]\n0, 00000000:17:00.0, NVIDIA H100 80GB HBM3, 81559 MiB\n';
    const { snapshot } = ingest([
      { name: 'a.csv', content: a },
      { name: 'b.csv', content: b },
    ]);
    expect(snapshot.gpus).toHaveLength(1);
    expect(snapshot.gpus[0]!.name).toBe('NVIDIA H200');
    const c = snapshot.conflicts.find((x) => x.field === 'name');
    expect(c).toMatchObject({ subject: 'GPU0', kind: 'static', kept: 'NVIDIA H200' });
    expect(c?.values.map((v) => v.source)).toEqual(['a.csv', 'b.csv']);
  });

  it('resolves workload GPUs given as bus ids and Proxmox mappings; unknown refs are kept and reported', () => {
    const gpusCsv =
      'index, pci.bus_id, name\n0, 00000000:17:00.0, NVIDIA H200 NVL\n1, 00000000:3D:00.0, NVIDIA H200 NVL\n';
    const wl = JSON.stringify({
      workloads: [
        { name: 'train', kind: 'training', gpus: ['0000:3d:00.0', 0] },
        { name: 'ghost', kind: 'inference', gpus: [7] },
      ],
    });
    const { snapshot } = ingest([
      { name: 'g.csv', content: gpusCsv },
      { name: 'w.json', content: wl },
    ]);
    const train = snapshot.workloads.find((w) => w.name === 'train')!;
    expect(train.gpus).toEqual([0, 1]);
    expect(train.distributed).toBe(true);
    const ghost = snapshot.workloads.find((w) => w.name === 'ghost')!;
    expect(ghost.gpus).toEqual([]);
    expect(ghost.unresolvedGpus).toEqual(['7']);
    expect(snapshot.warnings.some((w) => w.includes('ghost'))).toBe(true);
  });

  it('assigns indexes in PCI bus order when only sysfs saw the GPUs (vfio-bound passthrough host)', () => {
    const sysfs = [
      'bus=0000:c1:00.0\tvendor=0x10de\tdevice=0x26b9\tclass=0x030200\tdriver=vfio-pci\tnuma_node=1\tlocal_cpulist=32-63\tcurrent_link_speed=16.0 GT/s PCIe\tmax_link_speed=16.0 GT/s PCIe\tcurrent_link_width=16\tmax_link_width=16',
      'bus=0000:01:00.0\tvendor=0x10de\tdevice=0x26b9\tclass=0x030200\tdriver=vfio-pci\tnuma_node=0\tlocal_cpulist=0-31\tcurrent_link_speed=16.0 GT/s PCIe\tmax_link_speed=16.0 GT/s PCIe\tcurrent_link_width=16\tmax_link_width=16',
    ].join('\n');
    const bundle = `### infralens:bundle v1\n### infralens:section sysfs-pci\n${sysfs}\n### infralens:end sysfs-pci rc=0\n`;
    const { snapshot } = ingest([{ name: 'b.txt', content: bundle }]);
    expect(snapshot.gpus.map((g) => [g.index, g.busId, g.numaNode, g.family])).toEqual([
      [0, '0000:01:00.0', 0, 'L40S'],
      [1, '0000:c1:00.0', 1, 'L40S'],
    ]);
    expect(snapshot.gpus[0]!.pcie).toEqual({ genCurrent: 4, genMax: 4, widthCurrent: 16, widthMax: 16 });
    expect(snapshot.warnings.join(' ')).toMatch(/PCI bus order/);
  });

  it('--host wins over the names inside the inputs', () => {
    const { snapshot } = ingest([{ name: 'b.txt', content: BUNDLE }], { host: 'gpu-node-01' });
    expect(snapshot.host).toBe('gpu-node-01');
  });
});

// ---------------------------------------------------------------------------------------------------
// Merge: what is not a conflict, and what "unknown" means

const TABLE_H200 = real('smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt');

describe('merge: equal values are not conflicts', () => {
  it('a name cut short by the table gives way to the whole name from -L, whatever the priority', () => {
    const table = TABLE_H200.replace(
      '|   0  NVIDIA H200                    On  |',
      '|   0  NVIDIA RTX PRO 6000 Blac...    On  |',
    );
    expect(table).not.toBe(TABLE_H200);
    const L =
      'GPU 0: NVIDIA RTX PRO 6000 Blackwell Server Edition (UUID: GPU-6a3f1c2e-1f0d-4c5a-9e7b-2a1d3c4b5e6f)\n';
    const { snapshot } = ingest([
      { name: 'smi.txt', content: table },
      { name: 'L.txt', content: L },
    ]);
    expect(snapshot.gpus[0]!.name).toBe('NVIDIA RTX PRO 6000 Blackwell Server Edition');
    expect(snapshot.conflicts.filter((c) => c.field === 'name')).toEqual([]);
    // the other way round too (-L first in the list changes nothing: priority decides order, not the list)
    const again = ingest([
      { name: 'L.txt', content: L },
      { name: 'smi.txt', content: table },
    ]).snapshot;
    expect(again.gpus[0]!.name).toBe('NVIDIA RTX PRO 6000 Blackwell Server Edition');
  });

  it('87 W in the table and 87.88 W in the CSV are one value (the precise one is kept); 434 W vs 440.2 W is a conflict', () => {
    const csv = (w0: string, w1: string) =>
      `index, power.draw [W]\n0, ${w0} W\n1, ${w1} W\n2, 300.00 W\n3, 0.5 W\n4, 1 W\n5, 1 W\n6, 1 W\n7, 1 W\n`;
    const { snapshot } = ingest([
      { name: 'smi.txt', content: TABLE_H200 },
      { name: 'q.csv', content: csv('434.51', '440.2') },
    ]);
    const g0 = snapshot.gpus[0]!;
    expect(g0.power.drawW).toBe(434.51);
    const power = snapshot.conflicts.filter((c) => c.field === 'power.drawW').map((c) => c.subject);
    expect(power).not.toContain('GPU0');
    expect(power).toContain('GPU1');
  });

  it('`Not Found` is unknown like N/A: it neither wins nor conflicts', () => {
    const q = real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt').replace(
      /(CUDA Version\s+:) 12\.4/,
      '$1 Not Found',
    );
    const table = real('smi-default/l40s-1x-drv550.127.05-no-procs.txt');
    const { snapshot } = ingest([
      { name: 'q.txt', content: q },
      { name: 'smi.txt', content: table },
    ]);
    expect(snapshot.cudaVersion).toBe(ingest([{ name: 'smi.txt', content: table }]).snapshot.cudaVersion);
    expect(snapshot.cudaVersion).not.toBeNull();
    expect(snapshot.conflicts.filter((c) => c.field === 'cudaVersion')).toEqual([]);
  });
});

describe('merge: MIG mode from mig -lgip', () => {
  const LGIP = real('mig/h100-sxm5-80gb-4gpu-node-lgip-all-gpus.txt');
  const L4 =
    'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000000)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000001)\n';

  it('profiles listed with instances mark MIG as enabled', () => {
    const { snapshot } = ingest([
      { name: 'L.txt', content: L4 },
      { name: 'lgip.txt', content: LGIP },
    ]);
    expect(snapshot.gpus[0]!.mig.mode).toBe('enabled');
    expect(snapshot.gpus[0]!.mig.profiles?.length).toBeGreaterThan(0);
  });

  it('a more authoritative input that says disabled wins (and the disagreement is listed)', () => {
    const csv = 'index, mig.mode.current\n0, Disabled\n1, Enabled\n';
    const { snapshot } = ingest([
      { name: 'q.csv', content: csv },
      { name: 'lgip.txt', content: LGIP },
    ]);
    expect(snapshot.gpus[0]!.mig.mode).toBe('disabled');
    expect(snapshot.gpus[1]!.mig.mode).toBe('enabled');
    expect(snapshot.conflicts).toContainEqual(
      expect.objectContaining({ subject: 'GPU0', field: 'mig.mode', kept: 'disabled' }),
    );
  });
});

describe('merge: run-together topo affinity settled by the host CPU facts', () => {
  const GLUED = real('topo/l40s-4x-2socket-384thr-GLUED-cpu-numa-affinity-all-gpu-rows-EDITED.txt');
  const numactl = [
    'available: 2 nodes (0-1)',
    'node 0 cpus: 0-95 192-287',
    'node 0 size: 773658 MB',
    'node 0 free: 760000 MB',
    'node 1 cpus: 96-191 288-383',
    'node 1 size: 774090 MB',
    'node 1 free: 770000 MB',
    'node distances:',
    'node   0   1',
    '  0:  10  32',
    '  1:  32  10',
  ].join('\n');

  it('numactl -H of the host: the reading whose CPUs are that NUMA node is taken', () => {
    const { snapshot } = ingest([
      { name: 'topo.txt', content: GLUED },
      { name: 'numactl.txt', content: numactl },
    ]);
    const orig = ingest([
      { name: 't', content: real('topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt') },
    ]).snapshot;
    expect(snapshot.gpus.map((g) => [g.numaNode, g.cpuAffinity])).toEqual(
      orig.gpus.map((g) => [g.numaNode, g.cpuAffinity]),
    );
    expect(snapshot.warnings).toContain(
      'topo.txt: GPU0: CPU Affinity and NUMA Affinity run together ("0-95,192-2870") read as CPUs 0-95,192-287, NUMA node 0 (the CPUs of NUMA node 0 in the other inputs)',
    );
  });

  it("lscpu's CPU count alone: the only reading within the host's CPUs", () => {
    const lscpu = 'Architecture: x86_64\nCPU(s): 384\nSocket(s): 2\n';
    const { snapshot } = ingest([
      { name: 'topo.txt', content: GLUED },
      { name: 'lscpu.txt', content: lscpu },
    ]);
    expect(snapshot.gpus.map((g) => g.numaNode)).toEqual([0, 0, 1, 1]);
  });

  it('alone, the fields stay unknown', () => {
    const { snapshot } = ingest([{ name: 'topo.txt', content: GLUED }]);
    expect(snapshot.gpus.map((g) => [g.numaNode, g.cpuAffinity])).toEqual([
      [null, null],
      [null, null],
      [null, null],
      [null, null],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Encodings, names, VM ids

describe('UTF-16 input (PowerShell `>` or Notepad) is decoded', () => {
  const text = real('smi-csv/h100-8x-query-gpu-name-memtotal.csv.txt');
  const plain = ingest([{ name: 'a.csv', content: text }]).snapshot;
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.from(le).swap16();

  it.each([
    ['little endian with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
    ['big endian with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
    ['little endian without BOM (NUL-interleaved ASCII)', le],
    ['big endian without BOM', be],
  ])('%s: same GPUs as the UTF-8 file, with a note', (_, bytes) => {
    const { snapshot } = ingest([{ name: 'a.csv', content: new Uint8Array(bytes) }]);
    expect(snapshot.gpus).toEqual(plain.gpus);
    expect(snapshot.sources[0]!.warnings[0]).toMatch(
      /^UTF-16 text \((little|big) endian, as PowerShell and Notepad write it\) was converted to UTF-8$/,
    );
  });

  it('broken UTF-16 says how to convert it', () => {
    const bad = new Uint8Array([0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00]); // a lone surrogate
    const e = expectInputError(() => parseFile({ name: 'x.txt', content: bad }), 'INPUT_BINARY');
    expect(e.message).toContain('iconv -f UTF-16 -t UTF-8');
  });
});

describe('the VM id of a VM config', () => {
  const CONF = 'name: train-02\ncores: 16\nhostpci0: 0000:17:00,pcie=1\n';
  it('InputFile.vmid (the CLI --vmid) sets it for a file without one', () => {
    const [f] = parseFile({ name: 'config.txt', content: CONF, vmid: 102 });
    expect(f!.fragment.workloads?.[0]?.vm?.vmid).toBe(102);
    expect(f!.fragment.warnings ?? []).toEqual([]);
  });
  it('`qm config 102 > qm-config-102.txt` is not a bare-metal job', () => {
    const { snapshot } = ingest([{ name: 'qm-config-102.txt', content: CONF }]);
    expect(snapshot.workloads[0]!.vm?.vmid).toBe(102);
  });
  it('without any id: vmid null and the warning', () => {
    const { snapshot } = ingest([{ name: 'config.txt', content: CONF }]);
    expect(snapshot.workloads[0]!.vm?.vmid).toBeNull();
    expect(snapshot.sources[0]!.warnings).toContain(
      'VM config without a VM id: name the file 102.conf or pass --vmid 102',
    );
  });
  it('a VM id given for another kind of file is ignored with a warning', () => {
    const [f] = parseFile({ name: 'L.txt', content: 'GPU 0: NVIDIA L4 (UUID: GPU-1)\n', vmid: 102 });
    expect(f!.fragment.warnings?.[0]).toBe(
      'a VM id (102) was given, but this is not a Proxmox VM config: ignored',
    );
  });
});

describe('control characters never reach the snapshot', () => {
  it('GPU names, process names and bundle hosts are stripped', () => {
    const gpus = 'index, uuid, name\n0, GPU-aa, NVIDIA H200\u001b[2J\u001b]0;owned\u0007\n';
    const apps =
      'gpu_uuid, pid, process_name, used_gpu_memory [MiB]\nGPU-aa, 42, python\u001b[31m train.py, 100 MiB\n';
    const bundle =
      '### infralens:bundle v2 token=abcdef0123456789\n### infralens:section meta token=abcdef0123456789\nhost=gpu\u001b[1m-01\n### infralens:end meta token=abcdef0123456789 rc=0\n' +
      `### infralens:section query-gpu token=abcdef0123456789\n${gpus}### infralens:end query-gpu token=abcdef0123456789 rc=0\n` +
      `### infralens:section query-compute-apps token=abcdef0123456789\n${apps}### infralens:end query-compute-apps token=abcdef0123456789 rc=0\n`;
    const { snapshot } = ingest([{ name: 'b.txt', content: bundle }]);
    // JSON writes a control character as \u00xx: none is left anywhere
    expect(JSON.stringify(snapshot)).not.toMatch(/\\u00[0-9a-f]{2}/);
    expect(snapshot.host).toBe('gpu[1m-01');
    expect(snapshot.gpus[0]!.name).toBe('NVIDIA H200[2J]0;owned');
    expect(snapshot.processes[0]!.name).toBe('python[31m train.py');
  });
});

// ---------------------------------------------------------------------------------------------------
// Bundle markers

describe('bundle markers carry the run token', () => {
  const T = 'c0ffee00deadbeef';
  const sec = (name: string, body: string, token = T) =>
    `### infralens:section ${name} token=${token}\n${body}\n### infralens:end ${name} token=${token} rc=0\n`;
  const L = 'GPU 0: NVIDIA L4 (UUID: GPU-0b6f3c2e-1f0d-4c5a-9e7b-2a1d3c4b5e6f)';

  it('a marker line inside a command output (without the token) is output, not a section', () => {
    const forged = `${L}\n### infralens:end nvidia-smi-L rc=0\n### infralens:section workloads\nworkloads:\n  - {name: forged, kind: training, gpus: [0]}\n### infralens:section meta\nhost=evil`;
    const text = `### infralens:bundle v2 token=${T}\n${sec('meta', 'host=gpu-node-01')}${sec('nvidia-smi-L', forged)}`;
    const b = splitBundle(text);
    expect(b.token).toBe(T);
    expect(b.sections.map((s) => s.name)).toEqual(['nvidia-smi-L']);
    expect(b.meta.host).toBe('gpu-node-01');
    const { snapshot } = ingest([{ name: 'b.txt', content: text }]);
    expect(snapshot.workloads).toEqual([]);
    expect(snapshot.host).toBe('gpu-node-01');
    expect(snapshot.sources[0]!.warnings).toContain(
      "3 line(s) that look like section markers but lack this bundle's token were read as command output, not as sections",
    );
  });

  it('markers with another token do not count either', () => {
    const text = `### infralens:bundle v2 token=${T}\n${sec('nvidia-smi-L', L)}${sec('workloads', 'workloads: []', 'ffffffffffffffff')}`;
    expect(splitBundle(text).sections.map((s) => s.name)).toEqual(['nvidia-smi-L']);
  });

  it('a bundle of the first collector (no token) still reads, with a warning', () => {
    const { snapshot } = ingest([{ name: 'b.txt', content: BUNDLE }]);
    expect(snapshot.gpus).toHaveLength(8);
    expect(snapshot.sources[0]!.warnings[0]).toMatch(
      /^bundle without a marker token \(written by an older collector\)/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Hostile inputs: each bounded, each well under a second

describe('hostile inputs: bounded results (their cost: npm run bench)', () => {
  // the cost of each case is measured by `npm run bench` (hostile inputs); here: the results are right
  const timed = <T>(f: () => T): { value: T } => ({ value: f() });
  const topo = (n: number) =>
    [
      ['', ...Array.from({ length: n }, (_, i) => `GPU${i}`), 'CPU Affinity', 'NUMA Affinity'].join('\t'),
      ...Array.from({ length: n }, (_, i) =>
        [`GPU${i}`, ...Array.from({ length: n }, (_, j) => (i === j ? ' X ' : 'NV18')), '0-191', '0'].join(
          '\t',
        ),
      ),
    ].join('\n');
  const smiL = (n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        `GPU ${i}: NVIDIA H100 80GB HBM3 (UUID: GPU-${i.toString(16).padStart(8, '0')}-9350-2524-a89b-98161ddd9fe4)`,
    ).join('\n');

  it('a topo -m of 256 GPUs (was 18 s)', () => {
    const { value } = timed(() => ingest([{ name: 't.txt', content: topo(256) }]).snapshot);
    expect(value.links).toHaveLength((256 * 255) / 2);
  });

  it('nvidia-smi -L with 20 000 GPUs: the first 1 024, with a warning (was 21 s)', () => {
    const { value } = timed(() => ingest([{ name: 'L.txt', content: smiL(20_000) }]).snapshot);
    expect(value.gpus).toHaveLength(1024);
    expect(value.sources[0]!.warnings).toContain(
      'L.txt: 20000 GPUs: only the first 1024 are read (the limit)',
    );
  });

  it('numactl -H and lscpu with 4 000 nodes of CPUs 0-65535 (was 76 s, and out of memory)', () => {
    const numactl = [
      'available: 4000 nodes (0-3999)',
      ...Array.from({ length: 4000 }, (_, i) => `node ${i} cpus: 0-65535\nnode ${i} size: 1000 MB`),
    ].join('\n');
    const lscpu = [
      'Architecture: x86_64',
      'CPU(s): 65536',
      ...Array.from({ length: 4000 }, (_, i) => `NUMA node${i} CPU(s): 0-65535`),
    ].join('\n');
    for (const content of [numactl, lscpu]) {
      const { value } = timed(() => ingest([{ name: 'n.txt', content }]).snapshot);
      expect(value.cpu.numaNodes).toHaveLength(1024);
      expect(value.cpu.numaNodes.filter((n) => n.cpus.length > 0)).toHaveLength(16);
    }
  });

  it('the merge of 1 024 GPUs from three inputs, and of a topo with 64 GPUs + 200 NICs', () => {
    const csv = `index, pci.bus_id, uuid, name\n${Array.from(
      { length: 1024 },
      (_, i) =>
        `${i}, 0000:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}.0, GPU-${i.toString(16).padStart(8, '0')}-9350-2524-a89b-98161ddd9fe4, NVIDIA H100 80GB HBM3`,
    ).join('\n')}\n`;
    const { value } = timed(
      () =>
        ingest([
          { name: 'q.csv', content: csv },
          { name: 'L.txt', content: smiL(1024) },
          { name: 't.txt', content: topo(64) },
        ]).snapshot,
    );
    expect(value.gpus).toHaveLength(1024);
    expect(value.conflicts).toEqual([]);
  });

  it('the same file twice over the GPU cap: one warning, no slowdown', () => {
    const { value } = timed(
      () =>
        ingest([
          { name: 'a.txt', content: smiL(1024) },
          {
            name: 'b.txt',
            content: smiL(1024).replace(/UUID: GPU-/g, 'UUID: GPU-f'),
          },
        ]).snapshot,
    );
    expect(value.gpus).toHaveLength(1024);
    expect(value.warnings).toContain(
      'more than 1024 GPUs in the inputs: 1024 GPU entries past the limit were ignored (check that all inputs are from one host)',
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Reading a file from disk: bounded in bytes and time, for anything a path can name

describe('readInputFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-read-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const rejects = async (p: Promise<unknown>, code: string) => {
    const e = await p.then(
      () => {
        throw new Error('expected an InputError');
      },
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe(code);
    return e as InputError;
  };

  it('a regular file: its bytes, and the VM id passed on', async () => {
    const path = join(dir, 'L.txt');
    writeFileSync(path, 'GPU 0: NVIDIA L4 (UUID: GPU-1)\n');
    const f = await readInputFile(path, MAX_INPUT_BYTES, { vmid: 102 });
    expect(f.name).toBe(path);
    expect(Buffer.from(f.content as Uint8Array).toString()).toBe('GPU 0: NVIDIA L4 (UUID: GPU-1)\n');
    expect(f.vmid).toBe(102);
  });

  it('/dev/zero (stat says 0 bytes): stops after cap + 1 bytes with INPUT_TOO_LARGE', async () => {
    const e = await rejects(readInputFile('/dev/zero'), 'INPUT_TOO_LARGE');
    expect(e.message).toBe(
      'file is more than 16 MiB; the limit is 16 MiB (send the command outputs, not logs or archives)',
    );
    expect(e.file).toBe('/dev/zero');
    await rejects(readInputFile('/dev/zero', 1024), 'INPUT_TOO_LARGE');
  });

  it('a regular file over the cap is refused from its size, without reading it', async () => {
    const path = join(dir, 'big.log');
    writeFileSync(path, Buffer.alloc(2048, 0x41));
    const e = await rejects(readInputFile(path, 1024), 'INPUT_TOO_LARGE');
    expect(e.message).toMatch(/^file is 2 KiB; the limit is 1 KiB/);
  });

  it('a FIFO whose writer never ends: the time limit', async () => {
    const fifo = join(dir, 'slow.fifo');
    execFileSync('mkfifo', [fifo]);
    // one writer that sends a line and then keeps the FIFO open without ever closing it
    const writer = spawn('sh', ['-c', `exec 3>'${fifo}'; printf 'GPU 0: x\\n' >&3; exec sleep 30`], {
      stdio: 'ignore',
    });
    children.push(writer);
    const t0 = performance.now();
    const e = await rejects(readInputFile(fifo, MAX_INPUT_BYTES, { timeoutMs: 400 }), 'USAGE');
    expect(e.message).toMatch(/^timed out after 0\.4 s/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a FIFO with a writer that ends: its content', async () => {
    const fifo = join(dir, 'ok.fifo');
    execFileSync('mkfifo', [fifo]);
    const p = readInputFile(fifo, MAX_INPUT_BYTES, { timeoutMs: 5000 });
    const writer = spawn('sh', ['-c', `sleep 0.2; printf 'hello\\n' > '${fifo}'`], { stdio: 'ignore' });
    children.push(writer);
    const f = await p;
    expect(Buffer.from(f.content as Uint8Array).toString()).toBe('hello\n');
  });

  it('a FIFO nobody writes to: no data within the time limit', async () => {
    const fifo = join(dir, 'none.fifo');
    execFileSync('mkfifo', [fifo]);
    const e = await rejects(readInputFile(fifo, MAX_INPUT_BYTES, { timeoutMs: 200 }), 'INPUT_EMPTY');
    expect(e.message).toMatch(/^no data arrived within 0\.2 s/);
  });

  it('a directory, a missing file, an unreadable file: clear errors', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect((await rejects(readInputFile(sub), 'USAGE')).message).toBe('is a directory, expected a file');
    expect((await rejects(readInputFile(join(dir, 'nope.txt')), 'USAGE')).message).toBe('no such file');
    const locked = join(dir, 'locked.txt');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    if (process.getuid?.() !== 0) {
      expect((await rejects(readInputFile(locked), 'USAGE')).message).toBe('permission denied');
      return;
    }
    // as root every file is readable: read it as nobody instead
    chmodSync(dir, 0o755);
    const out = execFileSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '--import',
        'tsx',
        '-e',
        `import('./tools/ingest/read-file.ts').then((m) => m.readInputFile(${JSON.stringify(locked)})).catch((e) => console.log(e.code, e.message))`,
      ],
      { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8', timeout: 30_000 },
    );
    expect(out.trim()).toBe('USAGE permission denied');
  }, 30_000);
});

describe('files that name no host, with several hosts loaded', () => {
  const read = (p: string) => ({ name: p, content: readFileSync(new URL(`../${p}`, import.meta.url)) });
  const confs = (name: string) =>
    readdirSync(new URL(`../samples/scenarios/${name}/qemu-server/`, import.meta.url))
      .filter((f) => f.endsWith('.conf'))
      .map((f) => read(`samples/scenarios/${name}/qemu-server/${f}`));

  it('a Proxmox VM config joins the host whose GPUs its hostpci entries name', () => {
    const { snapshots, rejected } = ingestHosts([
      read('samples/scenarios/h200/bundle.txt'),
      read('samples/scenarios/l40s/bundle.txt'),
      ...confs('h200'),
      ...confs('l40s'),
    ]);
    expect(rejected).toEqual([]);
    const by = new Map(snapshots.map((s) => [s.host, s.workloads.map((w) => w.name).sort()]));
    expect(by.get('gpu-node-01')).toEqual([
      'infer-chat',
      'infer-embed',
      'train-llm-a',
      'train-rec-c',
      'train-vision-b',
    ]);
    expect(by.get('gpu-node-02')).toEqual(['infer-llm-8b', 'infer-ocr', 'train-diffusion']);
  });

  it('one whose GPUs match no host, or several, is refused with the reason', () => {
    const lost = {
      name: '900.conf',
      content: 'name: lost\ncores: 4\nmemory: 8192\nhostpci0: 0000:fe:00,pcie=1\n',
    };
    const twice = {
      name: 'b2.txt',
      content: readFileSync(new URL('../samples/scenarios/h200/bundle.txt', import.meta.url), 'utf8').replace(
        /host=gpu-node-01/,
        'host=gpu-node-09',
      ),
    };
    const vm = confs('h200')[0]!;
    const { rejected } = ingestHosts([read('samples/scenarios/h200/bundle.txt'), twice, lost, vm]);
    const why = new Map(rejected.map((r) => [r.file, r.error.message]));
    expect(why.get('900.conf')).toMatch(/^names no host, and the inputs cover 2 hosts/);
    expect(why.get(vm.name)).toMatch(
      /^names no host, and its GPUs match GPUs of several hosts \(gpu-node-01, gpu-node-09\)/,
    );
  });
});
