/**
 * `nvidia-smi topo -m` (also `topo --matrix` and the PCIe-only `topo -mp`): the GPU/NIC connection matrix.
 *
 *           GPU0    GPU1    NIC0    CPU Affinity    NUMA Affinity   GPU NUMA ID
 *   GPU0     X      NV12    PXB     0-31,64-95      0               N/A
 *   GPU1    NV12     X      PXB     0-31,64-95      0               N/A
 *   NIC0    PXB     PXB      X
 *
 *   Legend: …            NIC Legend:  NIC0: mlx5_0
 *
 * Tokenisation does not rely on fixed character columns: matrix cells are single tokens (X, NV12, PIX, …)
 * and are split on any whitespace. The tokens after the cells are the affinity fields; when fewer are
 * present than the header has extra columns (blank cells), they are placed by their position after tab
 * expansion (nvidia-smi pads with tabs to 8-column stops, and pasted copies usually keep that layout).
 *
 * Variants handled: tabs or spaces; legacy drivers (`SOC` for SYS, no NODE, only `CPU Affinity`); NIC
 * columns named `NIC<i>` (with or without the `NIC Legend:` block) or by device (`mlx5_0`); blank or
 * abbreviated (`...`) affinity fields; truncated outputs (missing rows are reported, not invented).
 * The `GPU NUMA ID` column is the NUMA node of the GPU's own memory, not the host node: it is ignored.
 *
 * Pastes that lost a separator are detected, never read silently wrong:
 * - a link cell run together with its neighbour (`PIXNODE`, `NODENODE`, `NV18NV18`) is split into the
 *   known codes when there is exactly one way to split it and the row then has one cell per column;
 *   otherwise the row's links are left unknown, with a warning;
 * - CPU Affinity run together with NUMA Affinity (`0-45,92-1370` for `0-45,92-137` and `0`: the NUMA
 *   field is then missing) is split when exactly one reading matches the CPU list of another row;
 *   otherwise both fields are left unknown, with a warning, and the readings go to the merge, which
 *   takes one when numactl -H or lscpu of the same host leaves exactly one (merge.ts).
 *
 * Bounds: at most MAX_GPUS GPU and MAX_NICS NIC columns are read (the rest are skipped with a warning),
 * and the CPU lists of one input expand to at most MAX_CPU_IDS_PER_INPUT ids (text.ts, CpuBudget).
 */
import type { Link, LinkKind, Nic } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { AffinityCandidates, Fragment, GpuPatch } from '../ingest/fragment.ts';
import { MAX_GPUS, MAX_NICS, MAX_NUMA_NODE } from './limits.ts';
import { CpuBudget, formatCpuList, head, int, isNullWord, lines, parseCpuList } from './text.ts';
import type { Parser } from './types.ts';

/** A whitespace-free token and its column in the tab-expanded line. */
interface Tok {
  t: string;
  at: number;
}

type ExtraKind = 'cpu' | 'numa' | 'gpuNuma' | 'elided' | 'other';

/** A header column after the endpoint columns (`CPU Affinity`, `NUMA Affinity`, …). */
interface Extra {
  kind: ExtraKind;
  title: string;
  at: number;
}

/** An endpoint column of the matrix; `id` null for an elided (`...`) column. */
interface Column {
  label: string;
  id: string | null;
  gpu: number | null;
  device: string | null;
}

interface Header {
  columns: Column[];
  extras: Extra[];
  /** row label → column index. */
  byLabel: Map<string, number>;
}

/** The cells of `topo -m` (current and legacy). */
const TOPO_CELL = /^(?:X|NV\d{1,3}|PIX|PXB|PHB|NODE|SYS|SOC)$/i;
/** The cells of `topo -p2p` (peer-access capability). */
const P2P_CELL = /^(?:X|OK|CNS|GNS|TNS|NS|DR|U)$/;
/** Anything that can stand in a matrix cell: a short upper-case code or an elision mark. */
const CELL_LIKE = /^(?:X|NV\d{1,3}|[A-Z][A-Z0-9]{1,5}|\.{2,}|…)$/;
const isCell = memo((t: string): boolean => CELL_LIKE.test(t) && !/^(?:GPU|NIC)\d/.test(t));
const ELIDED = /^(?:\.{2,}|…)$/;
/** A header longer than this is not a topo header (a 64-GPU, 64-NIC header is under 1 000 characters). */
const MAX_HEADER = 20_000;
const ENDPOINT_NAME = /^[A-Za-z][\w.:-]*$/;
const P2P_LEGEND = /GNS\s+=\s+GPU not supported|CNS\s+=\s+Chipset not supported|OK\s+=\s+Status Ok/i;
const TOPO_LEGEND = /(?:SYS|SOC|PHB|PIX|PXB|NODE)\s+=\s+Connection traversing/g;

const EXTRA_WORDS: readonly [ExtraKind, readonly string[]][] = [
  ['cpu', ['cpu', 'affinity']],
  ['numa', ['numa', 'affinity']],
  ['gpuNuma', ['gpu', 'numa', 'id']],
];

/** JavaScript's `\s`: what `\S+` tokens are separated by. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * The whitespace-separated tokens of a line, at most `max` (a row needs its cells and a few fields), each
 * with its column after expanding tabs to 8-column stops (how a terminal shows nvidia-smi's output). One
 * pass over the line; the expanded line is never built.
 */
function tokenize(line: string, max = Number.POSITIVE_INFINITY): Tok[] {
  const out: Tok[] = [];
  const n = line.length;
  let col = 0;
  let i = 0;
  while (i < n && out.length < max) {
    const c = line.charCodeAt(i);
    if (c === 9) col += 8 - (col % 8);
    else if (isSpace(c)) col++;
    else {
      const start = i;
      const at = col;
      do {
        i++;
        col++;
      } while (i < n && !isSpace(line.charCodeAt(i)));
      out.push({ t: line.slice(start, i), at });
      continue;
    }
    i++;
  }
  return out;
}

/**
 * `f` remembered for up to 4 096 arguments: a matrix repeats a handful of cell codes a million times, and
 * each is classified once. `f` must be pure and its result must not be changed by the caller.
 */
function memo<T>(f: (t: string) => T): (t: string) => T {
  const seen = new Map<string, T>();
  return (t) => {
    const hit = seen.get(t);
    if (hit !== undefined || seen.has(t)) return hit as T;
    const v = f(t);
    if (seen.size < 4096) seen.set(t, v);
    return v;
  };
}

/** The extra column (multi-word title) starting at toks[i], if any. */
function matchExtra(toks: readonly Tok[], i: number): { kind: ExtraKind; len: number } | null {
  for (const [kind, words] of EXTRA_WORDS) {
    let ok = true;
    for (let k = 0; k < words.length; k++) {
      if (toks[i + k]?.t.toLowerCase() !== words[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return { kind, len: words.length };
  }
  return null;
}

/** Parse a header line (tokens of the tab-expanded line) into endpoint columns and extra columns. */
function parseHeader(toks: readonly Tok[]): Header {
  const columns: Column[] = [];
  const extras: Extra[] = [];
  let i = 0;
  // endpoint columns
  while (i < toks.length) {
    const tok = toks[i]!;
    if (matchExtra(toks, i)) break;
    if (ELIDED.test(tok.t)) {
      // `GPU0 ... GPU7`: an elided column between endpoints; `GPU7 ...` at the end: elided extras.
      const next = toks[i + 1];
      if (next && ENDPOINT_NAME.test(next.t) && !matchExtra(toks, i + 1)) {
        columns.push({ label: tok.t, id: null, gpu: null, device: null });
        i++;
        continue;
      }
      break;
    }
    if (!ENDPOINT_NAME.test(tok.t)) break;
    columns.push({ label: tok.t, id: null, gpu: null, device: null });
    i++;
  }
  // extra columns
  while (i < toks.length) {
    const tok = toks[i]!;
    const ex = matchExtra(toks, i);
    if (ex) {
      const words = toks.slice(i, i + ex.len).map((x) => x.t);
      extras.push({ kind: ex.kind, title: words.join(' '), at: tok.at });
      i += ex.len;
      continue;
    }
    if (ELIDED.test(tok.t)) {
      extras.push({ kind: 'elided', title: tok.t, at: tok.at });
      i++;
      continue;
    }
    // an unknown heading; words separated by one space belong together
    let title = tok.t;
    let end = tok.at + tok.t.length;
    i++;
    while (i < toks.length && toks[i]!.at === end + 1 && !matchExtra(toks, i)) {
      title += ` ${toks[i]!.t}`;
      end = toks[i]!.at + toks[i]!.t.length;
      i++;
    }
    extras.push({ kind: 'other', title, at: tok.at });
  }
  // endpoint ids: GPU<i>, NIC<i>; other names (mlx5_0, …) are NICs numbered in column order
  const used = new Set<string>();
  for (const c of columns) {
    if (c.label !== '' && ELIDED.test(c.label)) continue;
    const g = /^GPU(\d+)$/.exec(c.label);
    const n = /^NIC(\d+)$/.exec(c.label);
    const id = g ? `GPU${Number(g[1])}` : n ? `NIC${Number(n[1])}` : null;
    if (id && !used.has(id)) {
      c.id = id;
      c.gpu = g ? Number(g[1]) : null;
      used.add(id);
    }
  }
  let next = 0;
  for (const c of columns) {
    if (c.id !== null || ELIDED.test(c.label) || /^(?:GPU|NIC)\d+$/.test(c.label)) continue;
    while (used.has(`NIC${next}`)) next++;
    c.id = `NIC${next}`;
    c.device = c.label;
    used.add(c.id);
  }
  const byLabel = new Map<string, number>();
  columns.forEach((c, k) => {
    if (c.id !== null && !byLabel.has(c.label)) byLabel.set(c.label, k);
  });
  return { columns, extras, byLabel };
}

interface Found {
  kind: 'topo' | 'p2p' | 'header-only';
  /** line index of the header. */
  index: number;
  header: Header;
}

/**
 * Find the matrix header: a line whose first token is `GPU<i>` and whose second token is not a cell,
 * followed by a row labelled with one of its columns whose cells are matrix codes.
 * Returns the first `topo -m` matrix; otherwise what was seen (a p2p matrix, a header without rows).
 */
function findMatrix(ls: readonly string[]): Found | null {
  let fallback: Found | null = null;
  let p2pLegend: boolean | undefined;
  const hasP2pLegend = () => {
    p2pLegend ??= ls.some((l) => P2P_LEGEND.test(l));
    return p2pLegend;
  };
  for (let i = 0; i < ls.length; i++) {
    const line = ls[i]!;
    if (line.length > MAX_HEADER || !line.includes('GPU')) continue;
    const m = /^\s*(GPU\d+)(?:\s+(\S+))?/.exec(line);
    if (!m || (m[2] !== undefined && (TOPO_CELL.test(m[2]) || P2P_CELL.test(m[2]) || ELIDED.test(m[2]))))
      continue;
    const header = parseHeader(tokenize(line));
    if (header.columns.length === 0) continue;
    // the first row
    let j = i + 1;
    while (j < ls.length && ls[j]!.trim() === '') j++;
    const row = j < ls.length ? tokenize(ls[j]!, header.columns.length + 2) : [];
    const label = row[0]?.t;
    const codes: string[] = [];
    for (let k = 1; k < row.length && k <= header.columns.length; k++) {
      const t = row[k]!.t;
      if (!isCell(t) && !P2P_CELL.test(t)) break;
      codes.push(t);
    }
    if (label === undefined || !header.byLabel.has(label) || codes.length === 0) {
      if (!fallback && (header.extras.some((e) => e.kind !== 'other') || /^GPU\d+$/.test(m[2] ?? '')))
        fallback = { kind: 'header-only', index: i, header };
      continue;
    }
    const informative = codes.filter((c) => c !== 'X');
    const topo = informative.some((c) => TOPO_CELL.test(c) || ELIDED.test(c));
    const p2p = informative.length > 0 && informative.every((c) => P2P_CELL.test(c));
    if (topo) return { kind: 'topo', index: i, header };
    if (p2p || (informative.length === 0 && header.extras.length === 0 && hasP2pLegend())) {
      if (!fallback || fallback.kind === 'header-only') fallback = { kind: 'p2p', index: i, header };
      continue;
    }
    if (informative.length === 0) return { kind: 'topo', index: i, header };
  }
  return fallback;
}

/** Place the trailing tokens of a row into the header's extra columns. */
function assignExtras(
  trailing: readonly Tok[],
  extras: readonly Extra[],
): { values: (string | null)[]; note: string | null } {
  const values: (string | null)[] = extras.map(() => null);
  if (trailing.length === 0 || extras.length === 0) {
    return { values, note: trailing.length > 0 ? 'fields after the matrix with no column heading' : null };
  }
  if (trailing.length === extras.length) {
    trailing.forEach((tok, k) => {
      values[k] = tok.t;
    });
    return { values, note: null };
  }
  if (trailing.length < extras.length) {
    // Blank fields. nvidia-smi separates fields by tabs, so a value starts at or before its heading's
    // column (blank or short values before it take fewer tab stops than the 12–13 character headings):
    // place each token under the first heading at or right of it, keeping the order.
    let prev = -1;
    trailing.forEach((tok, k) => {
      let slot = extras.findIndex((e, x) => x > prev && e.at >= tok.at - 2);
      if (slot < 0) slot = prev + 1;
      slot = Math.min(slot, extras.length - (trailing.length - k));
      values[slot] = tok.t;
      prev = slot;
    });
    return { values, note: null };
  }
  // more tokens than headings: take them in order, the surplus is ignored
  extras.forEach((_, k) => {
    values[k] = trailing[k]!.t;
  });
  return { values, note: `${trailing.length - extras.length} field(s) more than the headings; ignored` };
}

/** The codes a glued cell may be made of, longest first. */
const GLUE_TOKEN = /^(?:NODE|PIX|PXB|PHB|SYS|SOC|NV\d{1,3}|X)/;
const GLUE_PARTS = ['NODE', 'PIX', 'PXB', 'PHB', 'SYS', 'SOC', 'X'];

/**
 * The one way to split `t` into two or more matrix codes (`PIXNODE` → PIX, NODE; `NV18NV18` → NV18,
 * NV18), or null when there is none or more than one. A code `NV#` takes all its digits (nvidia-smi
 * separates cells, so `NV181` would be one code). Linear: at most 64 characters are considered.
 */
export function splitGlued(t: string): string[] | null {
  if (t.length > 64 || TOPO_CELL.test(t) || !GLUE_TOKEN.test(t)) return null;
  const u = t.toUpperCase();
  // ways[i]: number of splits of u.slice(i) (capped at 2), next[i]: the first code of the split
  const ways = new Array<number>(u.length + 1).fill(0);
  const next = new Array<string>(u.length + 1).fill('');
  ways[u.length] = 1;
  for (let i = u.length - 1; i >= 0; i--) {
    const options: string[] = [];
    for (const part of GLUE_PARTS) if (u.startsWith(part, i)) options.push(part);
    const nv = /^NV\d+/.exec(u.slice(i, i + 6));
    if (nv && nv[0].length <= 5) options.push(nv[0]);
    for (const o of options) {
      const w = ways[i + o.length]!;
      if (w === 0) continue;
      if (ways[i] === 0) next[i] = o;
      ways[i] = Math.min(2, ways[i]! + w);
    }
  }
  if (ways[0] !== 1) return null;
  const parts: string[] = [];
  for (let i = 0; i < u.length; ) {
    parts.push(next[i]!);
    i += next[i]!.length;
  }
  return parts.length >= 2 ? parts : null;
}

const splitGluedOnce = memo(splitGlued);

/**
 * What a token is as a matrix cell, worked out once per distinct token: a cell code, a glued run of codes
 * (its parts), or neither; `same` is the one string kept for every copy of it (the matrix holds a few
 * shared strings, not a million copies).
 */
const cellToken = memo((t: string) => ({ cell: isCell(t), parts: splitGluedOnce(t), same: t }));

/** A matrix cell as a link: elided (`...`), the self cell (`X`), a link kind, or null (unknown). */
const linkCell = memo((raw: string) =>
  ELIDED.test(raw) ? ('elided' as const) : raw === 'X' ? ('self' as const) : classifyCell(raw),
);

function classifyCell(raw: string): { kind: LinkKind; nvlinks: number | null } | null {
  const t = raw.toUpperCase();
  const nv = /^NV(\d{1,3})$/.exec(t);
  if (nv) {
    const n = Number(nv[1]);
    return n > 0 ? { kind: 'NV', nvlinks: n } : null;
  }
  switch (t) {
    case 'PIX':
    case 'PXB':
    case 'PHB':
    case 'NODE':
    case 'SYS':
      return { kind: t, nvlinks: null };
    case 'SOC':
      return { kind: 'SYS', nvlinks: null };
    default:
      return null;
  }
}

/** `GPU2, GPU3, GPU4, NIC0` → `GPU2–GPU4, NIC0`. */
function ranges(ids: readonly string[]): string {
  const out: string[] = [];
  let start: string | null = null;
  let prev: { p: string; n: number; id: string } | null = null;
  const flush = () => {
    if (start !== null && prev !== null) out.push(start === prev.id ? start : `${start}–${prev.id}`);
  };
  for (const id of ids) {
    const m = /^([A-Z]+)(\d+)$/.exec(id);
    const cur = m ? { p: m[1]!, n: Number(m[2]), id } : { p: id, n: Number.NaN, id };
    if (prev && cur.p === prev.p && cur.n === prev.n + 1) {
      prev = cur;
      continue;
    }
    flush();
    start = id;
    prev = cur;
  }
  flush();
  return out.join(', ');
}

function listSome(items: readonly string[], max = 8): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;
}

interface RowData {
  cells: (string | undefined)[];
  /** raw values per extra column. */
  values: (string | null)[];
}

function readCpu(
  v: string | null,
  who: string,
  warn: (w: string) => void,
  budget: CpuBudget,
): number[] | null {
  if (v === null || isNullWord(v) || ELIDED.test(v)) return null;
  const before = budget.cut;
  const cpus = parseCpuList(v, budget);
  if (cpus === null && budget.cut === before)
    warn(`${who}: CPU Affinity "${v}" is not a CPU list (ids 0–65535); left unknown`);
  return cpus;
}

function readNuma(v: string | null, who: string, odd: Map<string, string[]>): number | null {
  if (v === null || isNullWord(v) || ELIDED.test(v)) return null;
  if (/^\d+$/.test(v)) return int(v);
  const list = parseCpuList(v, new CpuBudget(1)); // only a one-id list is a node
  if (list !== null && list.length === 1) return list[0]!;
  const whos = odd.get(v) ?? [];
  whos.push(who);
  odd.set(v, whos);
  return null;
}

type Reading = AffinityCandidates['candidates'][number];

/**
 * The readings of a CPU Affinity field whose NUMA Affinity is missing: the field as a whole (NUMA
 * unknown), and every split of its trailing digits into a CPU list and a NUMA id (`0-45,92-1370` →
 * `0-45,92-137` + `0`; `0-45,92-13` + `70` is no list, since 13 < 92).
 */
function gluedReadings(v: string, budget: CpuBudget): Reading[] {
  const out: Reading[] = [];
  const whole = parseCpuList(v, budget);
  if (whole !== null) out.push({ cpus: whole, numaNode: null });
  const digits = /\d+$/.exec(v)?.[0] ?? '';
  for (let k = 1; k <= Math.min(4, digits.length - 1); k++) {
    const numa = v.slice(v.length - k);
    const cpuText = v.slice(0, v.length - k);
    if ((numa.length > 1 && numa.startsWith('0')) || Number(numa) > MAX_NUMA_NODE) continue;
    const cpus = parseCpuList(cpuText, budget);
    if (cpus !== null) out.push({ cpus, numaNode: Number(numa) });
  }
  return out;
}

const sameCpus = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The matrix cells of a row (tokens after the label), up to `n`. With `split`, a token that is no code
 * but splits in exactly one way into codes (`PIXNODE`) counts as those cells (`glued` lists them).
 */
function rowCells(
  toks: readonly Tok[],
  n: number,
  split: boolean,
): { cells: string[]; next: number; glued: string[] } {
  const cells: string[] = [];
  const glued: string[] = [];
  let c = 1;
  for (; c < toks.length && cells.length < n; c++) {
    const t = toks[c]!.t;
    const info = cellToken(t);
    const parts = split ? info.parts : null;
    if (parts) {
      cells.push(...parts);
      glued.push(t);
      continue;
    }
    if (!info.cell) break;
    cells.push(info.same);
  }
  return { cells, next: c, glued };
}

function parseTopo(text: string): Fragment {
  if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'topo -m: the input is empty');
  if (head(text).includes('\u0000')) {
    throw new InputError('INPUT_BINARY', 'topo -m: the input is binary data, not command output');
  }
  const ls = lines(text);
  const found = findMatrix(ls);
  if (!found) {
    const legend = text.match(TOPO_LEGEND);
    if (legend && legend.length >= 2) {
      throw new InputError(
        'INPUT_TRUNCATED',
        'topo -m legend without the matrix (no GPU0 GPU1 … header row)',
      );
    }
    if (P2P_LEGEND.test(text)) {
      throw new InputError(
        'INPUT_UNSUPPORTED',
        'this is a `nvidia-smi topo -p2p` matrix (peer-access capability), not `topo -m`; send `nvidia-smi topo -m`',
      );
    }
    throw new InputError(
      'INPUT_MALFORMED',
      'not nvidia-smi topo -m output: no header row of GPU0 GPU1 … columns followed by GPU rows',
    );
  }
  if (found.kind === 'p2p') {
    throw new InputError(
      'INPUT_UNSUPPORTED',
      'this is a `nvidia-smi topo -p2p` matrix (OK/CNS/GNS/NS peer-access cells), not `topo -m`; send `nvidia-smi topo -m`',
    );
  }
  if (found.kind === 'header-only') {
    throw new InputError('INPUT_TRUNCATED', 'topo -m header without any GPU row');
  }

  const { columns, extras, byLabel } = found.header;
  const n = columns.length;
  const warnings: string[] = [];
  const seenWarnings = new Set<string>();
  const warn = (w: string) => {
    if (seenWarnings.has(w)) return;
    seenWarnings.add(w);
    warnings.push(w);
  };
  const budget = new CpuBudget();

  // caps: columns past MAX_GPUS GPUs / MAX_NICS NICs are skipped like elided ones
  const capped = new Set<string>();
  let gpuCols = 0;
  let nicCols = 0;
  for (const c of columns) {
    if (c.id === null) continue;
    const isGpu = c.gpu !== null;
    if (isGpu ? ++gpuCols > MAX_GPUS : ++nicCols > MAX_NICS) {
      capped.add(c.label);
      byLabel.delete(c.label);
      c.id = null;
      c.gpu = null;
    }
  }
  if (gpuCols > MAX_GPUS) warn(`${gpuCols} GPU columns: only the first ${MAX_GPUS} are read (the limit)`);
  if (nicCols > MAX_NICS) warn(`${nicCols} NIC columns: only the first ${MAX_NICS} are read (the limit)`);

  // rows
  const rows: (RowData | undefined)[] = columns.map(() => undefined);
  const extraNotes = new Map<string, string[]>();
  const gluedCells: string[] = [];
  let end = found.index + 1;
  for (; end < ls.length; end++) {
    const line = ls[end]!;
    if (line.trim() === '') continue;
    if (capped.size > 0 && capped.has(/^\s*(\S+)/.exec(line)?.[1] ?? '')) continue;
    // a row is its label, n cells (a few more when glued ones split) and the extra fields
    const toks = tokenize(line, 2 * n + extras.length + 8);
    const label = toks[0]!.t;
    const k = byLabel.get(label);
    if (k === undefined) {
      if (/^(?:GPU|NIC)\d+$/.test(label) && toks[1] && isCell(toks[1].t)) {
        warn(`row ${label} has no column in the header; ignored`);
        continue;
      }
      break;
    }
    // read with glued cells split; without any, this is the row as it is
    const split = rowCells(toks, n, true);
    const cells = split.cells;
    let c = split.next;
    let gluedRow = false;
    if (split.glued.length > 0) {
      const list = split.glued.map((g) => `"${g}"`).join(', ');
      let more = 0;
      while (c < toks.length && (isCell(toks[c]!.t) || splitGluedOnce(toks[c]!.t))) {
        more += splitGluedOnce(toks[c]!.t)?.length ?? 1;
        c++;
      }
      if (split.cells.length === n && more === 0) {
        // a glued cell split into known codes gives exactly one cell per column: take it
        gluedCells.push(`${label} ${list}`);
      } else {
        gluedRow = true;
        warn(
          `row ${label}: cells run together (${list}) do not split into one cell per column (${split.cells.length + more} cells for ${n} columns); its links are ignored`,
        );
      }
    }
    if (cells.length === 0) {
      // a second header, or a row cut right after its label
      if (toks.length === 1) warn(`truncated: row ${label} is cut after its label`);
      break;
    }
    if (rows[k] !== undefined) {
      warn(`row ${label} appears twice; the first is kept`);
      continue;
    }
    const trailing = toks.slice(c);
    const { values, note } = assignExtras(trailing, extras);
    if (note) extraNotes.set(note, [...(extraNotes.get(note) ?? []), label]);
    let kept: (string | undefined)[] = gluedRow ? [] : cells;
    if (cells.length < n && !gluedRow) {
      if (trailing.length === 0) {
        warn(`truncated: row ${label} has only ${cells.length} of ${n} cells`);
      } else {
        warn(
          `row ${label} has ${cells.length} of ${n} cells before its affinity fields; its links are ignored`,
        );
        kept = [];
      }
    }
    const diag = kept[k];
    if (diag !== undefined && diag !== 'X' && !ELIDED.test(diag)) {
      warn(
        `row ${label} has "${diag}" where its self cell (X) should be; the row looks misaligned and its links are ignored`,
      );
      kept = [];
    }
    rows[k] = { cells: kept, values };
  }
  if (gluedCells.length > 0)
    warn(
      `cells run together were split into known codes: ${listSome(gluedCells)} (the paste lost separators)`,
    );
  for (const [note, labels] of extraNotes) warn(`rows ${listSome(labels)}: ${note}`);

  const gpuRows = columns.filter((c, k) => c.gpu !== null && rows[k] !== undefined);
  if (gpuRows.length === 0) throw new InputError('INPUT_TRUNCATED', 'topo -m header without any GPU row');

  // NIC legend (after the matrix)
  const legend = new Map<string, string>();
  for (let i = end; i < ls.length; i++) {
    const m = /^\s*(NIC\d+)\s*:\s*(\S+)\s*$/.exec(ls[i]!);
    if (m && !legend.has(m[1]!)) legend.set(m[1]!, m[2]!);
  }

  // GPUs and NICs
  const kindAt = (kind: ExtraKind) => extras.findIndex((e) => e.kind === kind);
  const cpuCol = kindAt('cpu');
  const numaCol = kindAt('numa');
  const gpuNumaCol = kindAt('gpuNuma');
  const elided = kindAt('elided') >= 0;
  const oddNuma = new Map<string, string[]>();
  const blank: string[] = [];
  const gpuNumaIds: string[] = [];
  const gpus: GpuPatch[] = [];
  const nics: Nic[] = [];
  // CPU lists of rows whose NUMA field is there too: what a run-together row is compared with
  const healthy: { cpus: number[]; numa: number | null; id: string }[] = [];
  const glued: { k: number; id: string; raw: string }[] = [];
  const affinity = new Map<number, { cpus: number[] | null; numa: number | null }>();
  columns.forEach((col, k) => {
    const row = rows[k];
    if (col.id === null || !row) return;
    const cpuRaw = cpuCol >= 0 ? (row.values[cpuCol] ?? null) : null;
    const numaRaw = numaCol >= 0 ? (row.values[numaCol] ?? null) : null;
    if (
      cpuCol >= 0 &&
      numaCol >= 0 &&
      cpuRaw !== null &&
      numaRaw === null &&
      !ELIDED.test(cpuRaw) &&
      !isNullWord(cpuRaw)
    ) {
      glued.push({ k, id: col.id, raw: cpuRaw });
      return;
    }
    const cpus = cpuCol >= 0 || elided ? readCpu(cpuRaw, col.id, warn, budget) : null;
    const numa = numaCol >= 0 || elided ? readNuma(numaRaw, col.id, oddNuma) : null;
    affinity.set(k, { cpus, numa });
    if (cpus !== null && numaRaw !== null) healthy.push({ cpus, numa, id: col.id });
  });
  const pending: AffinityCandidates[] = [];
  const unresolved = new Map<string, string[]>();
  for (const g of glued) {
    const readings = gluedReadings(g.raw, budget);
    const matches = readings.filter((r) =>
      healthy.some((h) => sameCpus(h.cpus, r.cpus) && (r.numaNode === null || h.numa === r.numaNode)),
    );
    if (matches.length === 1) {
      const m = matches[0]!;
      affinity.set(g.k, { cpus: m.cpus, numa: m.numaNode });
      const like = healthy.filter((h) => sameCpus(h.cpus, m.cpus)).map((h) => h.id);
      warn(
        m.numaNode === null
          ? `${g.id}: NUMA Affinity is missing; CPU Affinity "${g.raw}" kept as printed, as in the rows of ${listSome(like, 4)}`
          : `${g.id}: CPU Affinity and NUMA Affinity run together ("${g.raw}"): read as CPUs ${formatCpuList(m.cpus)} and NUMA node ${m.numaNode}, as in the rows of ${listSome(like, 4)}`,
      );
      continue;
    }
    affinity.set(g.k, { cpus: null, numa: null });
    if (readings.length > 0) pending.push({ endpoint: g.id, raw: g.raw, candidates: readings });
    unresolved.set(g.raw, [...(unresolved.get(g.raw) ?? []), g.id]);
  }
  for (const [raw, ids] of unresolved)
    warn(
      `${listSome(ids)}: CPU Affinity "${raw}" with NUMA Affinity missing: the two fields look run together and can be read several ways; both left unknown (send lscpu or numactl -H of the same host with it, or the output with its tabs)`,
    );
  columns.forEach((col, k) => {
    if (col.id === null) return;
    const row = rows[k];
    const value = (at: number) => (at >= 0 && row ? (row.values[at] ?? null) : null);
    let cpuAffinity: number[] | null | undefined;
    let numaNode: number | null | undefined;
    if (row) {
      const a = affinity.get(k);
      if (cpuCol >= 0 || elided) cpuAffinity = a?.cpus ?? null;
      if (numaCol >= 0 || elided) numaNode = a?.numa ?? null;
    }
    if (col.gpu !== null) {
      const g: GpuPatch = { index: col.gpu };
      if (cpuAffinity !== undefined) g.cpuAffinity = cpuAffinity;
      if (numaNode !== undefined) g.numaNode = numaNode;
      gpus.push(g);
      if (
        row &&
        !elided &&
        cpuCol >= 0 &&
        numaCol >= 0 &&
        value(cpuCol) === null &&
        value(numaCol) === null
      ) {
        blank.push(col.id);
      }
      const gn = value(gpuNumaCol);
      if (gn !== null && !isNullWord(gn)) gpuNumaIds.push(`${col.id}: ${gn}`);
    } else {
      nics.push({
        id: col.id,
        device: col.device ?? legend.get(col.label) ?? null,
        numaNode: numaNode ?? null,
        cpuAffinity: cpuAffinity ?? null,
      });
    }
  });
  if (elided) warn('abbreviated output: affinity columns shown as "..." are treated as unknown');
  if (blank.length > 0) warn(`CPU Affinity and NUMA Affinity are blank for ${listSome(blank)}: unknown`);
  for (const [v, whos] of oddNuma) {
    warn(`${listSome(whos)}: NUMA Affinity "${v}" is not a single host NUMA node; numaNode left unknown`);
  }
  if (gpuNumaIds.length > 0) {
    warn(
      `GPU NUMA ID (${listSome(gpuNumaIds)}) is the NUMA node of the GPU's own memory, not the host NUMA node; ignored`,
    );
  }

  // links: one per unordered pair; the upper (row-major first) cell wins
  const links: Link[] = [];
  const unknownCells = new Set<string>();
  const selfOff: string[] = [];
  const disagree: string[] = [];
  let elidedCells = false;
  const usable = (raw: string | undefined, a: string, b: string) => {
    if (raw === undefined) return null;
    const c = linkCell(raw);
    if (c === 'elided') {
      elidedCells = true;
      return null;
    }
    if (c === 'self') {
      selfOff.push(`${a}–${b}`);
      return null;
    }
    if (!c) unknownCells.add(raw);
    return c;
  };
  for (let i = 0; i < n; i++) {
    const a = columns[i]!.id;
    if (a === null) continue;
    for (let j = i + 1; j < n; j++) {
      const b = columns[j]!.id;
      if (b === null) continue;
      const upRaw = rows[i]?.cells[j];
      const loRaw = rows[j]?.cells[i];
      const up = usable(upRaw, a, b);
      const lo = usable(loRaw, b, a);
      if (up && lo && (up.kind !== lo.kind || up.nvlinks !== lo.nvlinks)) {
        disagree.push(`${a}–${b} ${upRaw}/${loRaw}`);
      }
      if (up) links.push({ a, b, kind: up.kind, nvlinks: up.nvlinks, raw: upRaw! });
      else if (lo) links.push({ a, b, kind: lo.kind, nvlinks: lo.nvlinks, raw: loRaw! });
    }
  }
  if (disagree.length > 0) {
    warn(`the two triangle cells disagree for ${listSome(disagree)}; the upper (row-major) cell is kept`);
  }
  if (unknownCells.size > 0)
    warn(`unknown matrix cells ${listSome([...unknownCells])}; those links left unknown`);
  if (selfOff.length > 0) warn(`"X" off the diagonal for ${listSome(selfOff)}; those links left unknown`);
  if (elidedCells) warn('abbreviated output: matrix cells shown as "..." are treated as unknown');
  if (columns.some((c) => c.id === null)) warn('abbreviated output: an elided ("...") column was skipped');

  const missing = columns.filter((c, k) => c.id !== null && rows[k] === undefined).map((c) => c.id!);
  if (missing.length === 1) warn(`truncated: no row for ${missing[0]}`);
  else if (missing.length > 1) warn(`truncated: no rows for ${ranges(missing)}; links among them unknown`);

  const cut = budget.warning();
  if (cut) warn(cut);
  const fragment: Fragment = { format: 'topo-m', gpus, nics, links };
  if (pending.length > 0) fragment.affinityCandidates = pending;
  if (warnings.length > 0) fragment.warnings = warnings;
  return fragment;
}

function detectTopo(text: string): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const h = head(text, 8192);
  if (h.includes('\u0000')) return 0;
  const found = findMatrix(lines(h));
  if (found?.kind === 'topo') return 0.95;
  if (found?.kind === 'p2p') return 0.05;
  const legend = h.match(TOPO_LEGEND);
  if (legend && legend.length >= 2 && /=\s*Self/.test(h)) return 0.9;
  if (found?.kind === 'header-only') return 0.6;
  return 0;
}

export const topoMParser: Parser = {
  id: 'topo-m',
  title: 'nvidia-smi topo -m',
  detect(text: string): number {
    try {
      return detectTopo(text);
    } catch {
      return 0;
    }
  },
  parse(text: string): Fragment {
    return parseTopo(text);
  },
};
