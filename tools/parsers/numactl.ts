/**
 * `numactl -H` (`numactl --hardware`): NUMA nodes, their CPUs and memory, and the distance matrix.
 *
 *   available: 2 nodes (0-1)
 *   node 0 cpus: 0 1 2 3
 *   node 0 size: 515346 MB
 *   node 0 free: 510311 MB
 *   node distances:
 *   node   0   1
 *     0:  10  32
 *     1:  32  10
 *
 * numactl's "MB" is 2^20 bytes, so sizes are MiB as printed. Nodes without CPUs (memory-only nodes, GPU
 * memory exposed as NUMA nodes) are kept with `cpus: []`.
 */
import type { NumaNode } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment } from '../ingest/fragment.ts';
import { MAX_NUMA_NODE } from './limits.ts';
import { CpuBudget, head, lines, mib, parseCpuList } from './text.ts';
import type { Parser } from './types.ts';

const AVAILABLE_RE = /^available:\s*(\d+)\s+nodes?\s*(?:\(([^)]*)\))?/i;
const NODE_RE = /^node\s+(\d+)\s+(cpus|size|free)\s*:\s*(.*)$/i;
const DIST_HEADER_RE = /^node(?:\s+\d+)+$/i;
const DIST_ROW_RE = /^(\d+)\s*:\s*(.*)$/;

export const numactlParser: Parser = {
  id: 'numactl',
  title: 'numactl -H',

  detect(text: string): number {
    try {
      const h = head(text);
      if (/^\s*available:\s*\d+\s+nodes?\b/im.test(h)) return 0.95;
      if (/^\s*node\s+\d+\s+cpus:/im.test(h) && /^\s*node\s+\d+\s+size:/im.test(h)) return 0.8;
      if (/^\s*No NUMA available on this system/im.test(h) && h.trim().length < 200) return 0.6;
      return 0;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'numactl -H: the input is empty');
    const warnings: string[] = [];
    const nodes = new Map<number, NumaNode>();
    let declared: number | null = null;
    let declaredIds: number[] | null = null;
    let inDistances = false;
    let distHeader: number[] | null = null;
    const distRows = new Map<number, number[]>();
    let distUnreadable = false;
    const budget = new CpuBudget();
    let numaOver = 0;

    const node = (id: number): NumaNode => {
      let n = nodes.get(id);
      if (!n) {
        n = { id, cpus: [], memoryMiB: null, freeMiB: null };
        nodes.set(id, n);
      }
      return n;
    };

    for (const line of lines(text)) {
      const t = line.trim();
      if (t === '') continue;
      const a = AVAILABLE_RE.exec(t);
      if (a) {
        declared = Number(a[1]);
        declaredIds = a[2] === undefined ? null : parseCpuList(a[2]);
        inDistances = false;
        continue;
      }
      const m = NODE_RE.exec(t);
      if (m) {
        const id = Number(m[1]);
        if (id > MAX_NUMA_NODE) {
          numaOver++;
          continue;
        }
        const n = node(id);
        const value = m[3]!.trim();
        const kind = m[2]!.toLowerCase();
        if (kind === 'cpus') {
          if (value === '') n.cpus = [];
          else {
            const before = budget.cut;
            const cpus = parseCpuList(value, budget);
            if (cpus === null && budget.cut === before)
              warnings.push(`numactl: node ${id}: CPU list "${value.slice(0, 80)}" not understood`);
            n.cpus = cpus ?? [];
          }
        } else if (kind === 'size') n.memoryMiB = mib(value);
        else n.freeMiB = mib(value);
        continue;
      }
      if (/^node distances\s*:/i.test(t)) {
        inDistances = true;
        continue;
      }
      if (/^No distance information available/i.test(t)) {
        inDistances = false;
        continue;
      }
      if (inDistances) {
        if (DIST_HEADER_RE.test(t)) {
          distHeader = t.split(/\s+/).slice(1).map(Number);
          continue;
        }
        const r = DIST_ROW_RE.exec(t);
        if (r) {
          const values = r[2]!.trim() === '' ? [] : r[2]!.trim().split(/\s+/).map(Number);
          if (values.some((v) => !Number.isFinite(v))) distUnreadable = true;
          else distRows.set(Number(r[1]), values);
          continue;
        }
        distUnreadable = true;
      }
    }

    if (nodes.size === 0) {
      if (/No NUMA available on this system/i.test(text)) {
        throw new InputError(
          'INPUT_UNSUPPORTED',
          'numactl: "No NUMA available on this system" (the kernel exposes no NUMA topology); send `lscpu` instead',
        );
      }
      throw new InputError(
        declared !== null ? 'INPUT_TRUNCATED' : 'INPUT_MALFORMED',
        declared !== null
          ? 'numactl -H: "available:" line but no "node N cpus/size/free" lines'
          : 'not numactl -H output: no "available: N nodes" or "node N cpus:" line found',
      );
    }

    const numaNodes = [...nodes.values()];
    if (numaOver > 0)
      warnings.push(
        `numactl: lines of ${numaOver} node(s) with an id above ${MAX_NUMA_NODE} ignored (the limit)`,
      );
    const cut = budget.warning();
    if (cut) warnings.push(`numactl: ${cut}`);
    if (declaredIds !== null) {
      const missing = declaredIds.filter((id) => !nodes.has(id));
      if (missing.length > 0)
        warnings.push(
          `numactl: node(s) ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? `, … (${missing.length} in all)` : ''} announced but not listed (truncated?)`,
        );
    } else if (declared !== null && declared !== numaNodes.length) {
      warnings.push(`numactl: ${declared} nodes announced but ${numaNodes.length} listed (truncated?)`);
    }
    for (const n of numaNodes) {
      if (n.memoryMiB === null) warnings.push(`numactl: node ${n.id}: no size line`);
    }

    // Distance matrix, in the order of numaNodes. Absent (not null) when the output has none.
    let distances: number[][] | undefined;
    if (distRows.size > 0 || distHeader !== null) {
      const order = numaNodes.map((n) => n.id);
      const cols = distHeader ?? order;
      const colIndex = new Map(cols.map((id, i) => [id, i] as const));
      const rows: number[][] = [];
      let ok = !distUnreadable && cols.length === order.length && colIndex.size === cols.length;
      for (const id of order) {
        const row = distRows.get(id);
        if (!ok || row === undefined || row.length !== cols.length) {
          ok = false;
          break;
        }
        rows.push(order.map((col) => row[colIndex.get(col) ?? -1] ?? Number.NaN));
      }
      if (ok && rows.every((r) => r.every((v) => Number.isFinite(v)))) distances = rows;
      else
        warnings.push('numactl: the node distance matrix is incomplete or does not match the nodes; ignored');
    } else {
      warnings.push('numactl: no node distance matrix (truncated?)');
    }

    const out: Fragment = { format: 'numactl', cpu: distances ? { numaNodes, distances } : { numaNodes } };
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  },
};
