/**
 * The user's workloads file (YAML or JSON): what runs on the host, for placement and sharing advice.
 *
 *   host: gpu-node-01            # optional
 *   workloads:
 *     - name: VM-training-01     # unique
 *       kind: training           # training | inference | other
 *       gpus: [0, 1, 2, 3]       # nvidia-smi GPU indexes, or PCI bus ids
 *       cpus: "0-31,64-95"       # optional CPU affinity (cpuset list)
 *       distributed: true        # optional; default true for training on more than one GPU
 *       memoryGiB: 40            # optional VRAM the job needs
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { Fragment, WorkloadSpec } from '../ingest/fragment.ts';
import { capWarnings, head, normalizeBusId, parseCpuList } from './text.ts';
import type { ParseHint, Parser } from './types.ts';

/**
 * A workloads file is written by hand (a few KiB); anything bigger is not one, and the YAML parser
 * needs about 2 µs per character, so the limit also bounds the parse time.
 */
export const MAX_WORKLOADS_CHARS = 256 * 1024;
const MAX_ALIASES = 100;

const TOP_KEYS = new Set(['host', 'workloads']);
const ITEM_KEYS = new Set(['name', 'kind', 'gpus', 'cpus', 'distributed', 'memoryGiB']);
const SUGGEST: Record<string, string> = {
  gpu: 'gpus',
  gpuids: 'gpus',
  devices: 'gpus',
  cpu: 'cpus',
  affinity: 'cpus',
  cpuset: 'cpus',
  type: 'kind',
  memory: 'memoryGiB',
  mem: 'memoryGiB',
  memorygib: 'memoryGiB',
  vram: 'memoryGiB',
  hostname: 'host',
};

const GPUS_MSG = 'expected a list of GPU indexes or PCI bus ids';

const GpuRef = z.union([z.number(), z.string()], {
  error: 'expected a GPU index (0, 1, …) or a PCI bus id such as 0000:17:00.0',
});

const WorkloadItem = z.looseObject({
  name: z
    .string({ error: (i) => (i.input === undefined ? 'required: the workload name' : 'expected a string') })
    .trim()
    .min(1, { error: 'must not be empty' }),
  kind: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(['training', 'inference', 'other'], {
      error: (i) =>
        i.input === undefined
          ? 'required: training, inference or other'
          : `expected training, inference or other, got ${JSON.stringify(i.input)}`,
    }),
  ),
  gpus: z.array(GpuRef, {
    error: (i) => (i.input === undefined ? `required: ${GPUS_MSG}` : GPUS_MSG),
  }),
  cpus: z
    .union([z.string(), z.number(), z.array(z.number())], {
      error: 'expected a CPU list such as "0-31,64-95"',
    })
    .nullish(),
  distributed: z.boolean({ error: 'expected true or false' }).nullish(),
  memoryGiB: z.number({ error: 'expected a number of GiB' }).positive({ error: 'must be > 0' }).nullish(),
});

const WorkloadsFile = z.looseObject(
  {
    host: z
      .string({ error: 'expected a host name (string)' })
      .trim()
      .min(1, { error: 'must not be empty' })
      .nullish(),
    workloads: z.array(WorkloadItem, {
      error: (i) =>
        i.input === undefined ? 'required: a list of workloads' : 'expected a list of workloads',
    }),
  },
  { error: 'expected a mapping with a `workloads:` list' },
);

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

function fail(where: string, message: string): never {
  throw new InputError('INPUT_MALFORMED', `workloads file: ${where}: ${message}`);
}

function unknownKeys(obj: object, allowed: Set<string>, where: string, warnings: string[]): void {
  for (const k of Object.keys(obj)) {
    if (allowed.has(k)) continue;
    const hint = SUGGEST[k.toLowerCase()];
    warnings.push(`${where}: unknown key "${k}" ignored${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
}

/** A YAML parser message without its trailing `at line L, column C:` (the position is given apart). */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/\s*at line \d+, column \d+:?\s*$/, '');
  if (/multiple documents/i.test(first))
    return 'the file holds several YAML documents (---): put all workloads in one';
  return first;
}

function load(text: string, hint: ParseHint | undefined): unknown {
  const trimmed = text.trimStart();
  const isJsonName = /\.json$/i.test(hint?.name ?? '');
  let jsonError: string | null = null;
  if (isJsonName || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      jsonError = e instanceof Error ? e.message : String(e);
      if (isJsonName) fail('invalid JSON', jsonError);
      // YAML is a superset of JSON: a JSON-looking file with comments may still be valid YAML
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    if (jsonError !== null) fail('invalid JSON', jsonError);
    const pos = err.linePos?.[0];
    fail(pos ? `line ${pos.line}, column ${pos.col}` : 'YAML', yamlMessage(err.message));
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    fail('YAML', e instanceof Error ? e.message : String(e));
  }
}

export const workloadsParser: Parser = {
  id: 'workloads',
  title: 'workloads file (YAML or JSON)',

  detect(text: string): number {
    try {
      const h = head(text);
      if (/^workloads[ \t]*:/m.test(h)) return 0.95;
      if (/^\s*\{[\s\S]*"workloads"\s*:/.test(h)) return 0.95;
      return 0;
    } catch {
      return 0;
    }
  },

  parse(text: string, hint?: ParseHint): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'workloads file is empty');
    if (text.length > MAX_WORKLOADS_CHARS) {
      throw new InputError(
        'INPUT_TOO_LARGE',
        `workloads file is ${text.length} characters; a workloads file over ${MAX_WORKLOADS_CHARS} is not accepted`,
      );
    }
    if (text.includes('\u0000')) throw new InputError('INPUT_BINARY', 'workloads file contains binary data');

    const data = load(text, hint);
    const result = WorkloadsFile.safeParse(data);
    if (!result.success) {
      const issues = result.error.issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
      const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
      throw new InputError('INPUT_MALFORMED', `workloads file: ${issues.join('; ')}${more}`);
    }
    const file = result.data;
    const warnings: string[] = [];
    unknownKeys(file, TOP_KEYS, 'top level', warnings);

    const names = new Map<string, number>();
    const workloads: WorkloadSpec[] = file.workloads.map((w, i) => {
      const where = `workloads[${i}]`;
      unknownKeys(w, ITEM_KEYS, where, warnings);
      const prev = names.get(w.name);
      if (prev !== undefined)
        fail(`${where}.name`, `duplicate workload name "${w.name}" (also workloads[${prev}])`);
      names.set(w.name, i);

      const gpuRefs: (number | string)[] = [];
      w.gpus.forEach((g, j) => {
        let ref: number | string;
        if (typeof g === 'number') {
          if (!Number.isInteger(g) || g < 0)
            fail(`${where}.gpus[${j}]`, `expected a GPU index (0, 1, …), got ${g}`);
          ref = g;
        } else if (/^\s*\d+\s*$/.test(g)) {
          ref = Number(g);
        } else {
          const bus = normalizeBusId(g);
          if (bus === null) {
            fail(
              `${where}.gpus[${j}]`,
              `expected a GPU index (0, 1, …) or a PCI bus id such as 0000:17:00.0, got ${JSON.stringify(g)}`,
            );
          }
          ref = bus;
        }
        if (gpuRefs.includes(ref)) warnings.push(`${where}.gpus: ${JSON.stringify(g)} listed twice`);
        else gpuRefs.push(ref);
      });
      if (gpuRefs.length === 0) warnings.push(`${where} (${w.name}): gpus is empty`);

      let cpus: number[] | null = null;
      if (w.cpus !== undefined && w.cpus !== null) {
        const list = Array.isArray(w.cpus) ? w.cpus.join(',') : String(w.cpus);
        cpus = parseCpuList(list);
        if (cpus === null) {
          fail(`${where}.cpus`, `invalid CPU list ${JSON.stringify(w.cpus)} (expected e.g. "0-31,64-95")`);
        }
      }
      return {
        name: w.name,
        kind: w.kind,
        gpuRefs,
        cpus,
        distributed: w.distributed ?? null,
        memoryGiB: w.memoryGiB ?? null,
        vm: null,
      };
    });
    if (workloads.length === 0) warnings.push('workloads file lists no workloads');

    const fragment: Fragment = { format: 'workloads', workloads };
    if (file.host !== undefined && file.host !== null) fragment.host = file.host;
    if (warnings.length > 0) fragment.warnings = capWarnings(warnings);
    return fragment;
  },
};
