/**
 * `lscpu`: CPU model, sockets, cores, threads, the CPUs of each NUMA node, and the hypervisor vendor (a VM).
 *
 * Two layouts exist: the classic flat one (every `Key:   value` at column 0) and the hierarchical one of
 * util-linux 2.38+ (sections such as `Vendor ID:` with indented sub-keys `  Model name:`,
 * `    Socket(s):`). Both are read as a flat list of keys. A value that the terminal or the source wrapped
 * (typically `Flags:`) continues on lines that carry no `key:`; they are skipped. `lscpu -J` is read too.
 * Caches and vulnerabilities are ignored. NUMA memory is unknown here (null).
 */
import type { NumaNode } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment } from '../ingest/fragment.ts';
import { MAX_NUMA_NODE } from './limits.ts';
import { CpuBudget, head, int, isNullWord, lines, parseCpuList } from './text.ts';
import type { Parser } from './types.ts';

const NUMA_NODE_KEY_RE = /^NUMA node(\d+) CPU\(s\)$/i;
/** a plausible lscpu key: letters, digits, spaces, `()`, `-`, `/`, `.`, `_`. */
const KEY_RE = /^[A-Za-z][\w ()\-/.]*$/;
const MAX_KEY = 48;

interface Field {
  key: string;
  value: string;
}

/** `Key:   value` lines of the text layouts. */
function textFields(text: string): Field[] {
  const out: Field[] = [];
  /** column where the value of the last `key: value` line starts; deeper lines continue that value. */
  let valueCol = Number.POSITIVE_INFINITY;
  for (const line of lines(text)) {
    const body = line.trimStart();
    if (body === '') continue;
    const indent = line.length - body.length;
    if (indent >= valueCol) continue; // continuation of a wrapped value (Flags, Vulnerability …)
    const colon = body.indexOf(':');
    if (colon <= 0 || colon > MAX_KEY) continue;
    const key = body.slice(0, colon).trim();
    if (!KEY_RE.test(key)) continue;
    const rest = body.slice(colon + 1);
    const value = rest.trim();
    valueCol =
      value === '' ? Number.POSITIVE_INFINITY : indent + colon + 1 + (rest.length - rest.trimStart().length);
    out.push({ key, value });
  }
  return out;
}

interface JsonField {
  field?: unknown;
  data?: unknown;
  children?: unknown;
}

/** `lscpu -J`: `{"lscpu": [{"field": "Architecture:", "data": "x86_64", "children": […]}, …]}`. */
function jsonFields(text: string): Field[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const list = (doc as { lscpu?: unknown } | null)?.lscpu;
  if (!Array.isArray(list)) return null;
  const out: Field[] = [];
  const walk = (items: unknown[], depth: number): void => {
    if (depth > 8) return;
    for (const item of items) {
      const f = item as JsonField | null;
      if (f === null || typeof f !== 'object') continue;
      if (typeof f.field === 'string') {
        const key = f.field.trim().replace(/:$/, '').trim();
        const value = f.data === null || f.data === undefined ? '' : String(f.data).trim();
        out.push({ key, value });
      }
      if (Array.isArray(f.children)) walk(f.children, depth + 1);
    }
  };
  walk(list, 0);
  return out;
}

export const lscpuParser: Parser = {
  id: 'lscpu',
  title: 'lscpu',

  detect(text: string): number {
    try {
      const h = head(text);
      if (/^\s*\{\s*"lscpu"\s*:/.test(h)) return 0.9;
      const arch = /^Architecture:[ \t]+\S/m.test(h);
      const cpus = /^\s*CPU\(s\):[ \t]+\d+/m.test(h);
      if (arch && cpus) return 0.95;
      const keys = [
        /^\s*Model name:/m,
        /^\s*Socket\(s\):/m,
        /^\s*Thread\(s\) per core:/m,
        /^\s*Core\(s\) per socket:/m,
      ];
      const hits = keys.filter((re) => re.test(h)).length;
      if (hits >= 3 || (hits >= 2 && (arch || cpus))) return 0.7;
      return 0;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'lscpu: the input is empty');
    const trimmed = text.trimStart();
    const fields = (trimmed.startsWith('{') ? jsonFields(trimmed) : null) ?? textFields(text);
    const warnings: string[] = [];

    const first = new Map<string, string>();
    let modelNames = 0;
    const numaNodes: NumaNode[] = [];
    const numaSeen = new Set<number>();
    const budget = new CpuBudget();
    let numaOver = 0;
    for (const { key, value } of fields) {
      const k = key.toLowerCase();
      if (k === 'model name') modelNames++;
      if (!first.has(k)) first.set(k, value);
      const m = NUMA_NODE_KEY_RE.exec(key);
      if (m) {
        const id = Number(m[1]);
        if (numaSeen.has(id)) continue;
        if (id > MAX_NUMA_NODE) {
          numaOver++;
          continue;
        }
        numaSeen.add(id);
        const before = budget.cut;
        const cpus = value === '' ? [] : parseCpuList(value, budget);
        if (cpus === null && budget.cut === before)
          warnings.push(`lscpu: NUMA node${id} CPU list "${value.slice(0, 80)}" not understood`);
        numaNodes.push({ id, cpus: cpus ?? [], memoryMiB: null, freeMiB: null });
      }
    }
    if (numaOver > 0)
      warnings.push(`lscpu: ${numaOver} NUMA node(s) with an id above ${MAX_NUMA_NODE} ignored (the limit)`);
    const cut = budget.warning();
    if (cut) warnings.push(`lscpu: ${cut}`);

    const get = (k: string): string | undefined => first.get(k);
    const model = get('model name');
    // present only under a hypervisor (`Hypervisor vendor: KVM`; `Hypervisor: z/VM` on s390)
    const hv = get('hypervisor vendor') ?? get('hypervisor');
    const cpu = {
      model: model === undefined || isNullWord(model) ? null : model,
      ...(hv === undefined ? {} : { hypervisor: hv === '' || isNullWord(hv) ? null : hv }),
      sockets: int(get('socket(s)')),
      coresPerSocket: int(get('core(s) per socket')),
      threadsPerCore: int(get('thread(s) per core')),
      logicalCpus: int(get('cpu(s)')),
    };

    const known = [get('model name'), get('socket(s)'), get('core(s) per socket'), get('thread(s) per core')];
    if (get('cpu(s)') === undefined && known.every((v) => v === undefined) && numaNodes.length === 0) {
      throw new InputError(
        'INPUT_MALFORMED',
        fields.length > 0
          ? 'lscpu: none of the expected fields (CPU(s), Model name, Socket(s), …) found; if the output is localised, run `LC_ALL=C lscpu`'
          : 'not lscpu output: no "Key: value" lines found',
      );
    }
    if (modelNames > 1) {
      warnings.push(
        `lscpu: ${modelNames} CPU types listed (heterogeneous cores); model, sockets and cores are those of the first`,
      );
    }
    const declaredNodes = int(get('numa node(s)'));
    if (declaredNodes !== null && numaNodes.length > 0 && declaredNodes !== numaNodes.length) {
      warnings.push(`lscpu: ${declaredNodes} NUMA nodes announced but ${numaNodes.length} listed`);
    }

    const out: Fragment = {
      format: 'lscpu',
      cpu: numaNodes.length > 0 ? { ...cpu, numaNodes } : cpu,
    };
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  },
};
