import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../../scoring/snapshot.ts';
import { type GpuWindow, WindowDocument } from '../../scoring/window.ts';
import { ingest, ingestHosts } from '../../tools/ingest/index.ts';
import { gpuWindowParser as parser } from '../../tools/parsers/gpu-window.ts';
import { detectFormat } from '../../tools/parsers/index.ts';
import { describeDetectIsolation, describeRobustness, inputError, readReal } from '../helpers/fixtures.ts';
import { busyDay, stats } from '../helpers/window.ts';
import { scenario } from '../rules/helpers.ts';

const DEMO_PATH = new URL('../../samples/window/h200-demo-24h.json', import.meta.url);
const DEMO = readFileSync(DEMO_PATH, 'utf8');
const A800 = 'dcgm/dcgm-exporter-metrics-8x-a800-sxm4-gpu0-mig-3x2g.20gb-drv535.txt';
const A800_GPU0 = 'GPU-1f027ee8-6e1e-2b8c-0108-3d370e5f0418';

/** A busy day at one sample a minute; `idle` idle samples of SM active. */
const win = (edit: Partial<GpuWindow> = {}, idle = 0) => busyDay(edit, idle, 20000);

type Entry = {
  uuid: string;
  index?: number | null;
  migInstance?: { id: number; profile: string | null } | null;
  window: GpuWindow;
};

function doc(gpus: Entry[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    { kind: 'infralens-gpu-window', version: 1, host: 'n1', source: 'test', gpus, missing: [], ...extra },
    null,
    2,
  );
}

describeDetectIsolation(parser, { minOthers: 50 });

describeRobustness(parser, {
  foreign: [A800, 'dcgm/dcgmi-diag-r2-aws-p4de-8x-a100-80gb-dcgm3.3.3.txt'],
  truncated: DEMO,
  noise: {
    seed: 15,
    alphabet: ['{', '}', '[', ']', '"kind"', ':', ',', '"infralens-gpu-window"', '1', ' ', '\n'],
    length: 2_000_000,
  },
  odd: {
    'deeply nested': () => `{"kind":"infralens-gpu-window","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    'a JSON array': '[{"kind":"infralens-gpu-window"}]',
    'gpus is not a list': doc([]).replace('"gpus": []', '"gpus": 7'),
    'a NaN written out': doc([{ uuid: 'GPU-a', window: win() }]).replace('"mean": 0.5', '"mean": NaN'),
    'a number past double range': doc([{ uuid: 'GPU-a', window: win() }]).replace(
      '"mean": 0.5',
      '"mean": 1e309',
    ),
  },
  codes: ['INPUT_MALFORMED'],
  maxMs: 3000,
});

describe('gpu-window: detection', () => {
  it('claims a window document (kind first or not), and nothing else JSON', () => {
    expect(parser.detect(DEMO)).toBeGreaterThanOrEqual(0.9);
    const det = detectFormat(DEMO);
    expect(det.kind === 'parser' && det.parser.id).toBe('gpu-window');
    const kindLast = JSON.stringify({
      version: 1,
      host: 'n1',
      source: '',
      gpus: [],
      kind: 'infralens-gpu-window',
    });
    expect(parser.detect(kindLast)).toBeGreaterThanOrEqual(0.9);
    expect(parser.detect('{"workloads": []}')).toBe(0);
    expect(parser.detect('{"kind": "something-else"}')).toBe(0);
  });
});

describe('gpu-window: the demo window (samples/window/h200-demo-24h.json)', () => {
  const f = parser.parse(DEMO, { name: 'h200-demo-24h.json' });

  it('is a valid WindowDocument, names its host and gives each GPU its window by UUID and index', () => {
    expect(WindowDocument.safeParse(JSON.parse(DEMO)).success).toBe(true);
    expect(f.format).toBe('gpu-window');
    expect(f.host).toBe('gpu-node-01');
    expect(f.warnings).toBeUndefined();
    expect(f.gpus!.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const g6 = f.gpus![6]!;
    expect(g6.uuid).toBe('GPU-1e24cb19-a630-7bb5-5664-ea331bf06aff');
    expect(g6.window?.idleSeconds).toBe(1260 * 60);
    expect(g6.window?.smActive?.p95).toBe(0.062);
    // a window patch says nothing else about the GPU
    expect(Object.keys(g6).sort()).toEqual(['index', 'uuid', 'window']);
  });

  it('attaches to the H200 scenario GPUs by UUID: no new GPU, no new conflict, every GPU has its window', () => {
    const files = [...scenario('h200'), { name: 'window.json', content: DEMO }];
    const without = ingestHosts(scenario('h200')).snapshots[0]!;
    const { snapshots, rejected } = ingestHosts(files);
    expect(rejected).toEqual([]);
    expect(snapshots).toHaveLength(1);
    const s = snapshots[0]!;
    expect(s.host).toBe('gpu-node-01');
    expect(s.gpus).toHaveLength(8);
    expect(s.conflicts).toEqual(without.conflicts);
    expect(s.warnings).toEqual(without.warnings);
    for (const g of s.gpus) {
      expect(g.window, `GPU${g.index}`).not.toBeNull();
      const entry = WindowDocument.parse(JSON.parse(DEMO)).gpus.find((x) => x.uuid === g.uuid);
      expect(g.window).toEqual(entry!.window);
    }
    expect(s.sources.map((x) => x.format)).toContain('gpu-window');
    expect(Snapshot.safeParse(s).success).toBe(true);
  });
});

describe('gpu-window: the windows a real Prometheus produced (samples/window/PROVENANCE.md)', () => {
  const DIR = new URL('../../samples/window/', import.meta.url);
  const recorded = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'h200-demo-24h.json');

  it('there are recorded windows to read', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(5);
  });

  it.each(recorded)('%s: detected and read; the only remark names the series it lacks', (name) => {
    const text = readFileSync(new URL(name, DIR), 'utf8');
    expect(parser.detect(text)).toBeGreaterThanOrEqual(0.9);
    const f = parser.parse(text, { name });
    expect(f.gpus!.length).toBeGreaterThan(0);
    for (const w of f.warnings ?? []) expect(w).toMatch(/^series with no sample in the window: DCGM_FI_/);
  });

  it('the A800 window attaches its three MIG instances to the GPU_I_IDs of the real scrape, its 7 GPUs by UUID', () => {
    const { snapshot, rejected } = ingest([
      { name: 'a800.txt', content: readReal(A800) },
      {
        name: 'live-a800.json',
        content: readFileSync(new URL('live-a800-8x-gpu0-mig-msxf-hpc-64-35-ai.json', DIR), 'utf8'),
      },
    ]);
    expect(rejected).toEqual([]);
    expect(snapshot.gpus).toHaveLength(8);
    expect(snapshot.conflicts).toEqual([]);
    const g0 = snapshot.gpus.find((g) => g.uuid === A800_GPU0)!;
    expect(g0.mig.devices.map((d) => [d.gi, d.window?.idleBasis])).toEqual([
      [3, 'gr_engine_active'],
      [5, 'gr_engine_active'],
      [6, 'gr_engine_active'],
    ]);
    expect(snapshot.gpus.filter((g) => g.window !== null)).toHaveLength(7);
  });
});

describe('gpu-window: GPU identity', () => {
  it('a window alone creates its GPUs, keyed by UUID (with the index when given), on the named host', () => {
    const { snapshot } = ingest([
      {
        name: 'w.json',
        content: doc([
          { uuid: 'GPU-b', index: 1, window: win() },
          { uuid: 'GPU-a', index: null, window: win({}, 1440) },
        ]),
      },
    ]);
    expect(snapshot.host).toBe('n1');
    expect(snapshot.gpus.map((g) => [g.uuid, g.index])).toEqual([
      ['GPU-b', 1],
      ['GPU-a', null],
    ]);
    expect(snapshot.gpus[1]!.window?.idleSeconds).toBe(86400);
  });

  it('a UUID the other inputs do not know is a GPU of its own (the index does not merge it with another GPU)', () => {
    const csv =
      'index, uuid, name, memory.used [MiB], memory.total [MiB], utilization.gpu [%]\n0, GPU-known, NVIDIA L4, 100, 23034, 5\n';
    const { snapshot } = ingest([
      { name: 'q.csv', content: csv },
      {
        name: 'w.json',
        content: doc([
          { uuid: 'GPU-known', index: 0, window: win() },
          { uuid: 'GPU-stranger', index: 0, window: win({}, 10) },
        ]),
      },
    ]);
    expect(snapshot.gpus.map((g) => g.uuid)).toEqual(['GPU-known', 'GPU-stranger']);
    expect(snapshot.gpus[0]!.window?.idleSeconds).toBe(0);
    expect(snapshot.gpus[0]!.name).toBe('NVIDIA L4');
    expect(snapshot.gpus[1]!.window?.idleSeconds).toBe(600);
    expect(snapshot.warnings.join(' ')).toMatch(/two different GPUs claim index 0/);
  });

  it('MIG instances attach to the MigDevice with that GPU_I_ID (real A800 scrape, GPU0 in MIG mode)', () => {
    const w5 = win({ smActive: stats(0.2, 0.4, 0.5), util: null, idleBasis: 'sm_active' }, 100);
    const w6 = win({ smActive: stats(0.001, 0.004, 0.02), util: null }, 1400);
    const { snapshot, rejected } = ingest([
      { name: 'a800.txt', content: readReal(A800) },
      {
        name: 'w.json',
        content: doc(
          [
            { uuid: A800_GPU0, index: 0, migInstance: { id: 6, profile: '2g.20gb' }, window: w6 },
            { uuid: A800_GPU0, index: 0, migInstance: { id: 5, profile: '2g.20gb' }, window: w5 },
          ],
          { host: 'msxf-hpc-64-35-ai' },
        ),
      },
    ]);
    expect(rejected).toEqual([]);
    const g0 = snapshot.gpus.find((g) => g.uuid === A800_GPU0)!;
    expect(g0.window).toBeNull();
    expect(g0.mig.devices.map((d) => [d.gi, d.window?.idleSeconds ?? null])).toEqual([
      [3, null],
      [5, 6000],
      [6, 84000],
    ]);
    expect(snapshot.conflicts).toEqual([]);
  });

  it('a MIG-… UUID names an instance: with the GPU index it attaches there, without one it is left out', () => {
    const f = parser.parse(
      doc([
        { uuid: 'MIG-aaaa', index: 2, migInstance: { id: 1, profile: '1g.18gb' }, window: win() },
        { uuid: 'MIG-bbbb', index: null, migInstance: { id: 2, profile: '1g.18gb' }, window: win() },
      ]),
    );
    expect(f.gpus).toHaveLength(1);
    expect(f.gpus![0]!.index).toBe(2);
    expect(f.gpus![0]!.uuid).toBeUndefined();
    expect(f.gpus![0]!.mig?.devices?.map((d) => [d.gi, d.uuid])).toEqual([[1, 'MIG-aaaa']]);
    expect(f.warnings).toEqual([
      'gpus[1]: MIG-bbbb is a MIG instance with no GPU index: its window is not used',
    ]);
  });

  it('the document host names the host: a window of another host is analysed as that host', () => {
    const { snapshots } = ingestHosts([
      ...scenario('h200'),
      { name: 'w.json', content: doc([{ uuid: 'GPU-x', window: win() }]) },
    ]);
    expect(snapshots.map((s) => s.host).sort()).toEqual(['gpu-node-01', 'n1']);
  });
});

describe('gpu-window: what cannot be read', () => {
  const err = (text: string) => inputError(() => parser.parse(text), 'INPUT_MALFORMED').message;

  it('not JSON, not an object, a wrong version: InputError saying so', () => {
    expect(err('{"kind": "infralens-gpu-window", ')).toMatch(
      /^infralens-gpu-window document is not valid JSON: /,
    );
    expect(err(doc([], { version: 2 }))).toBe(
      'infralens-gpu-window document: version 2 is not one this InfraLens reads (1)',
    );
    inputError(() => parser.parse(''), 'INPUT_EMPTY');
  });

  it('a missing or mistyped field: the message names the field', () => {
    const noStep = JSON.parse(doc([{ uuid: 'GPU-a', window: win() }]));
    delete noStep.gpus[0].window.stepSec;
    expect(err(JSON.stringify(noStep))).toMatch(
      /^infralens-gpu-window document: gpus\[0\]\.window\.stepSec: /,
    );
    expect(err(doc([{ uuid: 'GPU-a', window: win({ stepSec: 0 }) }]))).toMatch(
      /gpus\[0\]\.window\.stepSec: /,
    );
    expect(err(doc([{ uuid: '', window: win() }]))).toMatch(/gpus\[0\]\.uuid: /);
    expect(err(doc([], { host: '' }))).toMatch(/: host: /);
    const two = JSON.parse(doc([{ uuid: 'GPU-a', window: win() }]));
    two.gpus[0].window.label = 5;
    two.gpus[0].window.expectedSamples = -1;
    expect(err(JSON.stringify(two))).toMatch(/\(and 1 more problem\)$/);
  });

  it('bounds that are not dates in order: the field is named', () => {
    expect(err(doc([{ uuid: 'GPU-a', window: win({ from: 'yesterday' }) }]))).toBe(
      'infralens-gpu-window: gpus[0].window.from "yesterday" is not a date (ISO 8601)',
    );
    expect(err(doc([{ uuid: 'GPU-a', window: win({ to: '2026-11-25T08:00:00Z' }) }]))).toBe(
      'infralens-gpu-window: gpus[0].window.to 2026-11-25T08:00:00Z is not after from 2026-11-25T09:00:00Z',
    );
  });

  it('statistics that cannot be are left unknown, with a warning naming them', () => {
    const f = parser.parse(
      doc([
        {
          uuid: 'GPU-a',
          window: win({
            smActive: stats(1.4, 1.5, 1.6),
            util: stats(50, 120, 90),
            fbUsedMiB: stats(-5, 10, 20, -10),
            idleBasis: 'gpu_util',
          }),
        },
        { uuid: 'GPU-b', window: win({ idleSeconds: 200_000 }) },
        { uuid: 'GPU-c', window: win({ idleSeconds: 60, idleBasis: null }) },
      ]),
    );
    const [a, b, c] = f.gpus!;
    expect(a!.window?.smActive).toBeNull();
    expect(a!.window?.util).toBeNull();
    expect(a!.window?.fbUsedMiB).toBeNull();
    // the idle time rested on a series that was dropped
    expect(a!.window?.idleSeconds).toBeNull();
    expect(b!.window?.idleSeconds).toBeNull();
    expect(c!.window?.idleSeconds).toBeNull();
    expect(f.warnings).toEqual([
      'gpus[0].window.smActive: mean 1.4 is outside 0–1: left unknown',
      'gpus[0].window.util: p95 120 is outside 0–100: left unknown',
      'gpus[0].window.fbUsedMiB: mean -5 is outside 0–1048576: left unknown',
      'gpus[0].window.idleBasis: gpu_util has no statistics in this window: idle time left unknown',
      'gpus[1].window.idleSeconds: 200000 is longer than the window (86400 s): left unknown',
      'gpus[2].window.idleSeconds: no idleBasis says which series decided it: left unknown',
    ]);
  });

  it('a second window for the same GPU or instance is not used; the missing series are named', () => {
    const f = parser.parse(
      doc(
        [
          { uuid: 'GPU-a', window: win() },
          { uuid: 'GPU-a', window: win({}, 5) },
        ],
        { missing: ['DCGM_FI_PROF_PIPE_TENSOR_ACTIVE'] },
      ),
    );
    expect(f.gpus).toHaveLength(1);
    expect(f.gpus![0]!.window?.idleSeconds).toBe(0);
    expect(f.warnings).toEqual([
      'gpus[1]: GPU-a already has a window (gpus[0]): this one is not used',
      'series with no sample in the window: DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
    ]);
  });

  it('two documents for one GPU: the merge keeps the first whole and says the other was left out', () => {
    const { snapshot } = ingest([
      { name: 'day.json', content: doc([{ uuid: 'GPU-a', window: win() }]) },
      { name: 'week.json', content: doc([{ uuid: 'GPU-a', window: win({ label: '7d' }, 3) }]) },
    ]);
    expect(snapshot.gpus).toHaveLength(1);
    expect(snapshot.gpus[0]!.window?.label).toBe('24h');
    expect(snapshot.conflicts).toEqual([]);
    expect(snapshot.warnings).toContain(
      'week.json: GPU-a already has a window (24h from day.json): this one (7d) is left out',
    );
  });
});
