/**
 * `nvidia-smi mig -lgi`: the GPU instances that exist on every MIG-enabled GPU.
 *
 *   | GPU instances:                                        |
 *   | GPU   Name             Profile  Instance   Placement  |
 *   |                          ID       ID       Start:Size |
 *   |=======================================================|
 *   |   0  MIG 1g.10gb         19        9          2:1     |
 *   +-------------------------------------------------------+
 *
 * GPU-instance ids and placements are kept exactly as printed (ids are often non-sequential, placements
 * unordered). Only GPUs with at least one instance appear; `No GPU instances found` names no GPU.
 */
import { emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch } from '../ingest/fragment.ts';
import { cellText, head, lines } from './text.ts';
import type { Parser } from './types.ts';

const TITLE_RE = /GPU instances\s*:/i;
const NONE_RE = /No GPU instances found/i;
const NO_MIG_RE = /No MIG-enabled devices found/i;
/** a row as it looks without the header (for detection). */
const ROW_RE = /^\|\s*\d+\s+MIG\s+\d+g\.\S+\s+\d+\s+\d+\s+\d+:\d+\s*\|/im;
const PROFILE_NAME_RE = /^\d+(?:c\.\d+)?g\.\S+$/i;
const UINT_RE = /^\d+$/;
const PLACEMENT_RE = /^(\d+):(\d+)$/;

interface Row {
  gpu: number;
  device: MigDevice;
}

/** `0 MIG 1g.10gb 19 9 2:1` → GPU 0, GI 9, profile id 19, placement 2:1. */
function parseRow(toks: string[]): Row | null {
  if (!UINT_RE.test(toks[0] ?? '')) return null;
  const shift = toks[1] === 'MIG' ? 1 : 0;
  const name = toks[1 + shift];
  const profileId = toks[2 + shift];
  const gi = toks[3 + shift];
  const placement = PLACEMENT_RE.exec(toks[4 + shift] ?? '');
  if (name === undefined || !PROFILE_NAME_RE.test(name)) return null;
  if (profileId === undefined || !UINT_RE.test(profileId) || gi === undefined || !UINT_RE.test(gi))
    return null;
  if (!placement) return null;
  return {
    gpu: Number(toks[0]),
    device: {
      ...emptyMigDevice(),
      gi: Number(gi),
      profile: name,
      profileId: Number(profileId),
      placement: { start: Number(placement[1]), size: Number(placement[2]) },
    },
  };
}

function looksLikeRowStart(toks: string[]): boolean {
  return UINT_RE.test(toks[0] ?? '') && (toks[1] === 'MIG' || PROFILE_NAME_RE.test(toks[1] ?? ''));
}

export const migLgiParser: Parser = {
  id: 'mig-lgi',
  title: 'nvidia-smi mig -lgi',

  detect(text: string): number {
    try {
      const h = head(text);
      if (/^\s*\|\s*GPU instances\s*:/im.test(h)) return 0.95;
      if (ROW_RE.test(h)) return 0.7;
      if (/^\s*No GPU instances found/i.test(h) && h.trim().length < 200) return 0.7;
      return 0;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'mig -lgi: the input is empty');
    const warnings: string[] = [];
    let title = false;
    let header = false;
    let unreadable = 0;
    let lastKind: 'row' | 'border' | 'other' = 'other';
    let lastGpu: number | null = null;
    const cutGpus = new Set<string>();
    const byGpu = new Map<number, MigDevice[]>();
    let rowCount = 0;

    for (const line of lines(text)) {
      const t = line.trim();
      if (t === '') continue;
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
        continue;
      }
      if (/^=+$/.test(cell)) {
        lastKind = 'border';
        continue;
      }
      const toks = cell === '' ? [] : cell.split(/\s+/);
      if (toks[0]?.toLowerCase() === 'gpu' && toks[1]?.toLowerCase() === 'name') {
        header = true;
        if (!toks.some((x) => /^placement$/i.test(x)) || !toks.some((x) => /^instance$/i.test(x))) {
          throw new InputError(
            'INPUT_UNSUPPORTED',
            `mig -lgi: unknown column layout "${cell.slice(0, 120)}" (expected GPU, Name, Profile ID, Instance ID, Placement)`,
          );
        }
        continue;
      }
      const row = parseRow(toks);
      if (row) {
        rowCount++;
        let list = byGpu.get(row.gpu);
        if (!list) {
          list = [];
          byGpu.set(row.gpu, list);
        }
        if (list.some((d) => d.gi === row.device.gi)) {
          warnings.push(`GPU ${row.gpu}: GPU instance ${row.device.gi} listed twice; the first row is kept`);
        } else {
          list.push(row.device);
        }
        lastGpu = row.gpu;
        lastKind = 'row';
        continue;
      }
      if (looksLikeRowStart(toks)) {
        unreadable++;
        cutGpus.add(toks[0] ?? '?');
        lastKind = 'other';
      }
    }

    if (rowCount === 0) {
      if (NONE_RE.test(text)) {
        // MIG is enabled somewhere, but no GPU has an instance; the message names no GPU to patch.
        return {
          format: 'mig-lgi',
          gpus: [],
          warnings: ['mig -lgi: "No GPU instances found" (no GPU index given, so no GPU is updated)'],
        };
      }
      if (NO_MIG_RE.test(text)) {
        return { format: 'mig-lgi', gpus: [], warnings: ['nvidia-smi reports no MIG-enabled GPU'] };
      }
      if (title || header) {
        throw new InputError(
          unreadable > 0 ? 'INPUT_TRUNCATED' : 'INPUT_MALFORMED',
          'mig -lgi: the "GPU instances:" table has no readable instance rows',
        );
      }
      throw new InputError(
        'INPUT_MALFORMED',
        'not nvidia-smi mig -lgi output: no "GPU instances:" table found',
      );
    }

    if (!title && !header) {
      warnings.push(
        'mig -lgi: fragment without the "GPU instances:" header; the complete rows present were read',
      );
    }
    if (unreadable > 0) {
      warnings.push(
        `mig -lgi: ${unreadable} incomplete instance row(s) skipped; the instance list of GPU ${[...cutGpus].join(', ')} may be incomplete`,
      );
    } else if (lastKind !== 'border') {
      warnings.push(
        `mig -lgi: the table ends without its closing border (cut?); the instance list of GPU ${lastGpu} may be incomplete`,
      );
    }

    const gpus: GpuPatch[] = [...byGpu].map(([index, devices]) => ({
      index,
      mig: { mode: 'enabled', devices },
    }));
    const out: Fragment = { format: 'mig-lgi', gpus };
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  },
};
