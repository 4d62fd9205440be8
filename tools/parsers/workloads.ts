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
 *
 * Names are copied into commands and reports, so they are held to a safe set: letters, digits and
 * `. _ : @ + -`, 1–128 characters (WORKLOAD_NAME); anything else is rejected naming the entry. The file
 * is bounded: MAX_WORKLOADS_CHARS characters, MAX_WORKLOADS_DEPTH levels of nesting (a deeply nested
 * file would exhaust the parser's stack), MAX_WORKLOADS entries, and its CPU lists together expand to at
 * most MAX_CPU_IDS_PER_INPUT ids.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { Fragment, WorkloadSpec } from '../ingest/fragment.ts';
import { MAX_WORKLOADS } from './limits.ts';
import { CpuBudget, capWarnings, head, MAX_CPU_IDS_PER_INPUT, normalizeBusId, parseCpuList } from './text.ts';
import type { ParseHint, Parser } from './types.ts';

/**
 * A workloads file is written by hand (a few KiB); anything bigger is not one, and the YAML parser
 * needs about 2 µs per character, so the limit also bounds the parse time.
 */
export const MAX_WORKLOADS_CHARS = 256 * 1024;
const MAX_ALIASES = 100;
/** Nesting levels (block indentation, `- ` entries, `[`/`{`) a workloads file may use; it needs 4. */
export const MAX_WORKLOADS_DEPTH = 32;
/** A workload name: it is copied into shell commands and reports. */
export const WORKLOAD_NAME = /^[A-Za-z0-9._:@+-]{1,128}$/;

/**
 * An upper bound of the nesting depth of a YAML or JSON text, in one linear pass: block levels (a stack
 * of indentations, plus `- ` entries chained on one line) plus the deepest `[`/`{` nesting outside
 * quotes and comments. Stops counting past `limit`.
 */
export function nestingDepth(text: string, limit = MAX_WORKLOADS_DEPTH): number {
  let flow = 0;
  let maxFlow = 0;
  let maxBlock = 0;
  const indents: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && maxFlow + maxBlock <= limit) {
    // start of a line: indentation and chained `- ` entries (only outside flow collections)
    let indent = 0;
    while (i < n && text[i] === ' ') {
      indent++;
      i++;
    }
    if (flow === 0 && i < n && text[i] !== '\n' && text[i] !== '#') {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      let dashes = 0;
      while (
        i + 1 < n &&
        (text[i] === '-' || text[i] === '?') &&
        (text[i + 1] === ' ' || text[i + 1] === '\t')
      ) {
        dashes++;
        i += 2;
        while (i < n && text[i] === ' ') i++;
      }
      maxBlock = Math.max(maxBlock, indents.length + dashes);
    }
    // the rest of the line: brackets outside quotes and comments
    let quote: string | null = null;
    for (; i < n && text[i] !== '\n'; i++) {
      const c = text[i]!;
      if (quote !== null) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = null;
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
        while (i < n && text[i] !== '\n') i++;
        break;
      } else if (c === '[' || c === '{') maxFlow = Math.max(maxFlow, ++flow);
      else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    i++;
  }
  return maxFlow + maxBlock;
}

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
  memoryGiB: z
    .number({ error: 'expected a number of GiB' })
    .positive({ error: 'must be > 0' })
    .max(65_536, { error: 'must be at most 65536 GiB' })
    .nullish(),
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
    if (nestingDepth(text) > MAX_WORKLOADS_DEPTH)
      throw new InputError(
        'INPUT_MALFORMED',
        `workloads file: nested more than ${MAX_WORKLOADS_DEPTH} levels deep; a workloads file needs 4 (workloads → entry → gpus → index)`,
      );

    let data: unknown;
    try {
      data = load(text, hint);
    } catch (e) {
      if (e instanceof RangeError)
        throw new InputError('INPUT_MALFORMED', 'workloads file: nested or repeated too deeply to read');
      throw e;
    }
    const result = WorkloadsFile.safeParse(data);
    if (!result.success) {
      const issues = result.error.issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
      const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
      throw new InputError('INPUT_MALFORMED', `workloads file: ${issues.join('; ')}${more}`);
    }
    const file = result.data;
    const warnings: string[] = [];
    unknownKeys(file, TOP_KEYS, 'top level', warnings);
    if (file.workloads.length > MAX_WORKLOADS)
      throw new InputError(
        'INPUT_TOO_LARGE',
        `workloads file lists ${file.workloads.length} workloads; at most ${MAX_WORKLOADS} are accepted`,
      );

    const names = new Map<string, number>();
    const budget = new CpuBudget();
    const workloads: WorkloadSpec[] = file.workloads.map((w, i) => {
      const where = `workloads[${i}]`;
      unknownKeys(w, ITEM_KEYS, where, warnings);
      if (!WORKLOAD_NAME.test(w.name))
        fail(
          `${where}.name`,
          `${JSON.stringify(w.name.length > 140 ? `${w.name.slice(0, 140)}…` : w.name)} is not a valid workload name: use letters, digits and . _ : @ + - (1–128 characters; it is copied into commands)`,
        );
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
        const before = budget.cut;
        cpus = list.length > 100_000 ? null : parseCpuList(list, budget);
        if (cpus === null && budget.cut > before)
          fail(
            `${where}.cpus`,
            `the CPU lists of the file hold more than ${MAX_CPU_IDS_PER_INPUT} CPU ids in all (list fewer CPUs)`,
          );
        if (cpus === null) {
          fail(
            `${where}.cpus`,
            `invalid CPU list ${JSON.stringify(list.length > 80 ? `${list.slice(0, 80)}…` : w.cpus)} (expected e.g. "0-31,64-95", ids 0–65535)`,
          );
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
