/**
 * `nvidia-smi mig -lgip`: the GPU-instance profiles of every MIG-enabled GPU.
 *
 *   | GPU instance profiles:                                                      |
 *   | GPU   Name             ID    Instances   Memory     P2P    SM    DEC   ENC  |
 *   |                              Free/Total   GiB              CE    JPEG  OFA  |
 *   |=============================================================================|
 *   |   0  MIG 1g.10gb       19     7/7        9.75       No     16     1     0   |
 *   |                                                             1     1     0   |
 *   +-----------------------------------------------------------------------------+
 *
 * Each profile takes two lines; only the first carries what we keep. Values are read by the column order
 * of the header line (the `Name` column holds two tokens, `MIG` and the name).
 */
import type { MigProfile } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch } from '../ingest/fragment.ts';
import { cellText, head, int, lines, num } from './text.ts';
import type { Parser } from './types.ts';

const TITLE_RE = /GPU instance profiles\s*:/i;
const LGIPP_RE = /^\s*GPU\s+\d+\s+Profile ID\s+\d+\s+Placements?\s*:/im;
/** a first row line, as it looks without the header (for detection and the fragment check). */
const ROW_RE = /^\|\s*\d+\s+(?:MIG\s+)?\d+g\.\S+\s+\d+\s+\d+\/\d+\s+\d+(?:\.\d+)?\s+(?:Yes|No)\s+\d+/im;
const PROFILE_NAME_RE = /^\d+g\.\S+$/i;
const FREE_TOTAL_RE = /^(\d+)\/(\d+)$/;

/** Positions (in value tokens, not counting the `MIG` prefix) of the columns we read. */
interface Columns {
  id: number;
  instances: number;
  memory: number;
  sm: number;
}

const DEFAULT_COLUMNS: Columns = { id: 2, instances: 3, memory: 4, sm: 6 };

function tokens(s: string): string[] {
  return s === '' ? [] : s.split(/\s+/);
}

/** Column positions from the header line `GPU Name ID Instances Memory P2P SM DEC ENC`, or null. */
function columnsFromHeader(toks: string[]): Columns | null {
  const find = (word: string) => toks.findIndex((t) => t.toLowerCase() === word);
  const c = { gpu: find('gpu'), name: find('name'), id: find('id'), instances: find('instances') };
  const memory = find('memory');
  const sm = find('sm');
  if (c.gpu !== 0 || c.name !== 1 || c.id < 0 || c.instances < 0 || memory < 0 || sm < 0) return null;
  return { id: c.id, instances: c.instances, memory, sm };
}

interface Row {
  gpu: number;
  profile: MigProfile;
}

/** A first row line, or null. `cols` are header positions; the `MIG ` prefix shifts the values by one. */
function parseRow(toks: string[], cols: Columns): Row | null {
  const gpu = int(toks[0]);
  if (gpu === null || gpu < 0 || !/^\d+$/.test(toks[0] ?? '')) return null;
  const shift = toks[1] === 'MIG' ? 1 : 0;
  const name = toks[1 + shift];
  if (name === undefined || !PROFILE_NAME_RE.test(name)) return null;
  const idTok = toks[cols.id + shift];
  if (idTok === undefined || !/^\d+$/.test(idTok)) return null;
  const ft = FREE_TOTAL_RE.exec(toks[cols.instances + shift] ?? '');
  const smTok = toks[cols.sm + shift];
  return {
    gpu,
    profile: {
      id: Number(idTok),
      name,
      instancesFree: ft ? Number(ft[1]) : null,
      instancesTotal: ft ? Number(ft[2]) : null,
      memoryGiB: num(toks[cols.memory + shift]),
      smCount: smTok !== undefined && /^\d+$/.test(smTok) ? Number(smTok) : null,
    },
  };
}

/** Looks like the start of a profile row (`|   0  MIG …`) even when it could not be read. */
function looksLikeRowStart(toks: string[]): boolean {
  return /^\d+$/.test(toks[0] ?? '') && (toks[1] === 'MIG' || PROFILE_NAME_RE.test(toks[1] ?? ''));
}

export const migLgipParser: Parser = {
  id: 'mig-lgip',
  title: 'nvidia-smi mig -lgip',

  detect(text: string): number {
    try {
      const h = head(text);
      if (TITLE_RE.test(h)) return 0.95;
      // Header-less rows: still ours, so parse() can say precisely why it is rejected.
      if (ROW_RE.test(h)) return 0.7;
      return 0;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'mig -lgip: the input is empty');
    const warnings: string[] = [];
    let title = false;
    let cols: Columns | null = null;
    let truncatedMark = false;
    let unreadable = 0;
    let lastKind: 'row' | 'row2' | 'border' | 'other' = 'other';
    const byGpu = new Map<number, MigProfile[]>();
    let rowCount = 0;

    for (const line of lines(text)) {
      const t = line.trim();
      if (t === '') continue;
      if (/^(?:\.{3,}|…+)$/.test(t)) {
        truncatedMark = true;
        lastKind = 'other';
        continue;
      }
      if (/^\+[-=+]*\+?$/.test(t)) {
        lastKind = 'border';
        continue;
      }
      const cell = cellText(line);
      if (cell === null) {
        lastKind = 'other';
        continue;
      }
      if (TITLE_RE.test(cell)) {
        title = true;
        lastKind = 'other';
        continue;
      }
      if (/^=+$/.test(cell)) {
        lastKind = 'border';
        continue;
      }
      const toks = tokens(cell);
      if (toks[0]?.toLowerCase() === 'gpu' && toks[1]?.toLowerCase() === 'name') {
        cols = columnsFromHeader(toks);
        if (cols === null) {
          throw new InputError(
            'INPUT_UNSUPPORTED',
            `mig -lgip: unknown column layout "${cell.slice(0, 120)}" (expected GPU, Name, ID, Instances, Memory, P2P, SM, …)`,
          );
        }
        lastKind = 'other';
        continue;
      }
      const row = parseRow(toks, cols ?? DEFAULT_COLUMNS);
      if (row) {
        rowCount++;
        let list = byGpu.get(row.gpu);
        if (!list) {
          list = [];
          byGpu.set(row.gpu, list);
        }
        if (list.some((p) => p.id === row.profile.id)) {
          warnings.push(`GPU ${row.gpu}: profile id ${row.profile.id} listed twice; the first row is kept`);
        } else {
          list.push(row.profile);
        }
        lastKind = 'row';
        continue;
      }
      if (looksLikeRowStart(toks)) {
        unreadable++;
        lastKind = 'other';
        continue;
      }
      // second line of a profile (CE JPEG OFA) or column sub-header
      if (lastKind === 'row' && toks.every((x) => /^\d+$/.test(x))) lastKind = 'row2';
    }

    if (!title) {
      if (rowCount > 0) {
        const gpus = [...byGpu.keys()].join(', ');
        throw new InputError(
          'INPUT_TRUNCATED',
          `fragment of mig -lgip: no GPU header (the "GPU instance profiles:" title and column header are missing; ` +
            `${rowCount} profile row(s) of GPU ${gpus} found). Send the complete output of \`nvidia-smi mig -lgip\``,
        );
      }
      if (LGIPP_RE.test(text)) {
        throw new InputError(
          'INPUT_UNSUPPORTED',
          'nvidia-smi mig -lgipp (placement table): InfraLens reads the profile table; send `nvidia-smi mig -lgip` instead',
        );
      }
      if (/No MIG-enabled devices found/i.test(head(text))) {
        return {
          format: 'mig-lgip',
          gpus: [],
          warnings: ['nvidia-smi reports no MIG-enabled GPU, so there are no GPU-instance profiles'],
        };
      }
      throw new InputError(
        'INPUT_MALFORMED',
        'not nvidia-smi mig -lgip output: no "GPU instance profiles:" table found',
      );
    }
    if (rowCount === 0) {
      // nvidia-smi prints the table only for MIG-enabled GPUs, so it always has rows: the text was cut.
      throw new InputError(
        'INPUT_TRUNCATED',
        'mig -lgip: the "GPU instance profiles:" table has no readable profile rows (cut after the header?)',
      );
    }
    if (cols === null)
      warnings.push('mig -lgip: the column header line is missing; the default column order was assumed');
    if (unreadable > 0)
      warnings.push(`mig -lgip: ${unreadable} profile row(s) could not be read and were skipped`);
    if (truncatedMark) {
      warnings.push(
        `mig -lgip: the table is truncated (a "......." line); only the ${rowCount} profile row(s) present were read`,
      );
    } else if (lastKind !== 'border') {
      warnings.push(
        'mig -lgip: the table ends without its closing border; the last GPU may have more profiles',
      );
    }

    // nvidia-smi lists profiles only for GPUs in MIG mode: profiles with instances mean MIG is enabled
    // (a more authoritative input that says otherwise wins in the merge, as a conflict)
    const gpus: GpuPatch[] = [...byGpu].map(([index, profiles]) =>
      profiles.some((p) => (p.instancesTotal ?? 0) > 0)
        ? { index, mig: { mode: 'enabled', profiles } }
        : { index, mig: { profiles } },
    );
    const out: Fragment = { format: 'mig-lgip', gpus };
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  },
};
