import { describe, expect, it } from 'vitest';
import type { InputError } from '../../tools/errors.ts';
import { workloadsParser as parser } from '../../tools/parsers/workloads.ts';
import { describeDetectIsolation, describeRobustness, inputError, noise } from '../helpers/fixtures.ts';

function error(text: string, name?: string): InputError {
  return inputError(() => parser.parse(text, name === undefined ? undefined : { name }));
}

const YAML_OK = `# workloads on gpu-node-01
host: gpu-node-01
workloads:
  - name: VM-training-01
    kind: training
    gpus: [0, 1, 2, 3]
    cpus: "0-3,64-67"
    distributed: true
    memoryGiB: 40
  - name: chat-inference
    kind: Inference
    gpus: ["0000:17:00.0", "00000000:3D:00.0", "b1:00"]
  - name: notebook
    kind: other
    gpus: ["4"]
    cpus: 5
`;

describeDetectIsolation(parser, { minOthers: 50 });

describe('workloads detect', () => {
  it('recognises YAML and JSON workloads files', () => {
    expect(parser.detect(YAML_OK)).toBeGreaterThanOrEqual(0.9);
    expect(parser.detect('{\n  "workloads": []\n}')).toBeGreaterThanOrEqual(0.9);
    expect(parser.detect('{"host": "a", "workloads": [{"name": "x"}]}')).toBeGreaterThanOrEqual(0.9);
  });

  it('does not take other YAML or JSON', () => {
    expect(parser.detect('apiVersion: v1\nkind: Pod\nspec:\n  workloads: 1\n')).toBe(0);
    expect(parser.detect('[1, 2, 3]')).toBe(0);
  });
});

describe('workloads: valid files', () => {
  it('reads YAML', () => {
    const f = parser.parse(YAML_OK, { name: 'workloads.yaml' });
    expect(f.format).toBe('workloads');
    expect(f.host).toBe('gpu-node-01');
    expect(f.warnings).toBeUndefined();
    expect(f.workloads).toEqual([
      {
        name: 'VM-training-01',
        kind: 'training',
        gpuRefs: [0, 1, 2, 3],
        cpus: [0, 1, 2, 3, 64, 65, 66, 67],
        distributed: true,
        memoryGiB: 40,
        vm: null,
      },
      {
        name: 'chat-inference',
        kind: 'inference',
        gpuRefs: ['0000:17:00.0', '0000:3d:00.0', '0000:b1:00.0'],
        cpus: null,
        distributed: null,
        memoryGiB: null,
        vm: null,
      },
      {
        name: 'notebook',
        kind: 'other',
        gpuRefs: [4],
        cpus: [5],
        distributed: null,
        memoryGiB: null,
        vm: null,
      },
    ]);
  });

  it('reads JSON', () => {
    const json = JSON.stringify({
      workloads: [
        { name: 'a', kind: 'training', gpus: [0, 1], distributed: false },
        { name: 'b', kind: 'inference', gpus: ['0000:17:00.0'], cpus: [0, 1, 2], memoryGiB: 7.5 },
      ],
    });
    const f = parser.parse(json, { name: 'w.json' });
    expect(f.host).toBeUndefined();
    expect(f.workloads!.map((w) => [w.name, w.kind, w.gpuRefs, w.cpus, w.distributed, w.memoryGiB])).toEqual([
      ['a', 'training', [0, 1], null, false, null],
      ['b', 'inference', ['0000:17:00.0'], [0, 1, 2], null, 7.5],
    ]);
  });

  it('warns about unknown keys, duplicate GPUs and empty lists, with CRLF line ends', () => {
    const f = parser.parse(
      'owner: me\r\nworkloads:\r\n  - name: a\r\n    kind: training\r\n    gpus: [0, 0]\r\n    gpu: 1\r\n  - name: b\r\n    kind: other\r\n    gpus: []\r\n',
    );
    expect(f.workloads!.map((w) => w.gpuRefs)).toEqual([[0], []]);
    expect(f.warnings).toEqual([
      'top level: unknown key "owner" ignored',
      'workloads[0]: unknown key "gpu" ignored (did you mean "gpus"?)',
      'workloads[0].gpus: 0 listed twice',
      'workloads[1] (b): gpus is empty',
    ]);
  });

  it('accepts an empty workloads list with a warning', () => {
    const f = parser.parse('workloads: []\n');
    expect(f.workloads).toEqual([]);
    expect(f.warnings).toEqual(['workloads file lists no workloads']);
  });
});

describe('workloads: errors name the path and the problem', () => {
  const item = (extra: string) => `workloads:\n  - name: ok\n    kind: other\n    gpus: [0]\n  - ${extra}\n`;

  it('gpus is not a list', () => {
    expect(error(item('name: b\n    kind: training\n    gpus: 3')).message).toContain(
      'workloads[1].gpus: expected a list of GPU indexes or PCI bus ids',
    );
  });

  it('gpus is missing', () => {
    expect(error(item('name: b\n    kind: training')).message).toContain('workloads[1].gpus: required');
  });

  it('a GPU reference is neither an index nor a bus id', () => {
    expect(error(item('name: b\n    kind: training\n    gpus: [0, "GPU-abc"]')).message).toMatch(
      /workloads\[1\]\.gpus\[1\]: expected a GPU index .* got "GPU-abc"/,
    );
    expect(error(item('name: b\n    kind: training\n    gpus: [-1]')).message).toMatch(
      /workloads\[1\]\.gpus\[0\]/,
    );
    expect(error(item('name: b\n    kind: training\n    gpus: [1.5]')).message).toMatch(
      /workloads\[1\]\.gpus\[0\]/,
    );
    expect(error(item('name: b\n    kind: training\n    gpus: [{a: 1}]')).message).toMatch(
      /workloads\[1\]\.gpus\[0\]/,
    );
  });

  it('duplicate names', () => {
    expect(error(item('name: ok\n    kind: training\n    gpus: [1]')).message).toContain(
      'workloads[1].name: duplicate workload name "ok" (also workloads[0])',
    );
  });

  it('invalid kind, name and fields', () => {
    expect(error(item('name: b\n    kind: batch\n    gpus: [1]')).message).toContain(
      'workloads[1].kind: expected training, inference or other, got "batch"',
    );
    expect(error(item('kind: other\n    gpus: [1]')).message).toContain('workloads[1].name: required');
    expect(error(item('name: ""\n    kind: other\n    gpus: [1]')).message).toContain(
      'workloads[1].name: must not be empty',
    );
    expect(error(item('name: b\n    kind: other\n    gpus: [1]\n    distributed: "yes"')).message).toContain(
      'workloads[1].distributed: expected true or false',
    );
    expect(error(item('name: b\n    kind: other\n    gpus: [1]\n    memoryGiB: -4')).message).toContain(
      'workloads[1].memoryGiB: must be > 0',
    );
  });

  it('an invalid CPU list is named', () => {
    expect(error(item('name: b\n    kind: other\n    gpus: [1]\n    cpus: "0-x"')).message).toContain(
      'workloads[1].cpus: invalid CPU list "0-x"',
    );
    expect(error(item('name: b\n    kind: other\n    gpus: [1]\n    cpus: "31-0"')).message).toContain(
      'workloads[1].cpus',
    );
  });

  it('top-level problems', () => {
    expect(error('host: a\n').message).toContain('workloads: required: a list of workloads');
    expect(error('workloads: {a: 1}\n').message).toContain('workloads: expected a list of workloads');
    expect(error('- a\n- b\n').message).toContain('(top level): expected a mapping with a `workloads:` list');
    expect(error('host: [1]\nworkloads: []\n').message).toContain('host: expected a host name');
  });

  it('syntax errors carry a position', () => {
    expect(error('workloads:\n  - name: a\n   kind: [\n').message).toMatch(
      /workloads file: line \d+, column \d+: /,
    );
    expect(error('workloads: []\nworkloads: []\n').message).toMatch(/line 2/);
    expect(error('{"workloads": [}', 'w.json').message).toMatch(/invalid JSON/);
    expect(error('---\nworkloads: []\n---\nworkloads: []\n').code).toBe('INPUT_MALFORMED');
  });

  it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'workloads: [*f]',
    ].join('\n');
    expect(error(bomb).message).toMatch(/alias/i);
  });

  it('refuses a huge document', () => {
    const e = error(`workloads: []\n# ${'x'.repeat(2_000_000)}\n`);
    expect(e.code).toBe('INPUT_TOO_LARGE');
  });
});

const RANDOM = noise(5_000_000, 'workloads:-[]{}&*"\n abc01', 5);

describeRobustness(parser, {
  foreign: [
    'smi-csv/h100-8x-query-gpu-name-memtotal.csv.txt',
    'numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt',
  ],
  truncated: YAML_OK,
  odd: {
    'a flow list cut short': 'workloads:\n  - name: a\n    gpus: [0, 1',
    'JSON cut short': '{"workloads": [{"name": "a"',
    'YAML punctuation': ': : : - - [ { ] }',
    '~5 MB of random text': RANDOM,
    // under the size limit but still random
    '200 kB of random text': RANDOM.slice(0, 200_000),
  },
});

describe('workloads: names and bounds', () => {
  it('a name outside [A-Za-z0-9._:@+-]{1,128} is rejected naming the entry', () => {
    for (const bad of ['train; rm -rf /', 'a b', 'x\u0007', 'é', '$(id)', 'a'.repeat(129)]) {
      const e = error(
        `workloads:\n  - name: ok\n    kind: other\n    gpus: [0]\n  - name: ${JSON.stringify(bad)}\n    kind: training\n    gpus: [1]\n`,
      );
      expect(e.message, bad).toMatch(
        /^workloads file: workloads\[1\]\.name: .* is not a valid workload name: use letters, digits and \. _ : @ \+ -/,
      );
    }
    const f = parser.parse('workloads:\n  - name: "team@a:train.v2+b_c-d"\n    kind: other\n    gpus: [0]\n');
    expect(f.workloads?.[0]?.name).toBe('team@a:train.v2+b_c-d');
  });

  it('deeply nested YAML or JSON: a clear error, not a stack overflow', () => {
    const flow = `workloads: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;
    const dashes = `workloads:\n${'- '.repeat(60_000)}x\n`;
    const json = `{"workloads": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const text of [flow, dashes, json]) {
      const t0 = performance.now();
      const e = error(text, text === json ? 'w.json' : 'w.yaml');
      expect(e.message).toBe(
        'workloads file: nested more than 32 levels deep; a workloads file needs 4 (workloads → entry → gpus → index)',
      );
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });

  it('memoryGiB: Infinity, NaN or absurd values are rejected', () => {
    for (const v of ['.inf', '.nan', '1e309', '1e308']) {
      const e = error(`workloads:\n  - name: a\n    kind: training\n    gpus: [0]\n    memoryGiB: ${v}\n`);
      expect(e.message, v).toMatch(/workloads\[0\]\.memoryGiB/);
    }
  });

  it('CPU lists: ids above 65535, or more than 1 048 576 ids in the file, are rejected quickly', () => {
    expect(
      error('workloads:\n  - name: a\n    kind: other\n    gpus: [0]\n    cpus: "0-65536"\n').message,
    ).toMatch(/workloads\[0\]\.cpus: invalid CPU list "0-65536"/);
    const many = `workloads:\n${Array.from({ length: 1000 }, (_, i) => `  - {name: w${i}, kind: other, gpus: [0], cpus: "0-65535"}`).join('\n')}\n`;
    const t0 = performance.now();
    expect(error(many).message).toBe(
      'workloads file: workloads[16].cpus: the CPU lists of the file hold more than 1048576 CPU ids in all (list fewer CPUs)',
    );
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('more than 1 024 workloads: rejected', () => {
    const many = `workloads:\n${Array.from({ length: 1025 }, (_, i) => `  - {name: w${i}, kind: other, gpus: [0]}`).join('\n')}\n`;
    expect(error(many).message).toBe('workloads file lists 1025 workloads; at most 1024 are accepted');
  });
});
