import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../scoring/snapshot.ts';
import { InputError } from '../tools/errors.ts';
import { splitBundle } from '../tools/ingest/bundle.ts';
import { ingest, MAX_INPUT_BYTES, parseFile } from '../tools/ingest/index.ts';
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
    const t0 = performance.now();
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
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  it('handles a few MB of random printable text quickly', () => {
    let s = '';
    let x = 12345;
    const chars = 'abcdefGPU0123456789 |:-.,\t\n[]%MiBWNV';
    while (s.length < 4 * 1024 * 1024) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      s += chars[x % chars.length];
    }
    const t0 = performance.now();
    for (const p of PARSERS) {
      try {
        p.parse(s);
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`${p.id}: ${(e as Error).stack}`);
      }
    }
    expectInputError(() => parseFile({ name: 'noise.txt', content: s }));
    expect(performance.now() - t0).toBeLessThan(10_000);
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
