/**
 * `nvidia-smi -L`: one line per GPU, followed by its MIG devices.
 *
 *   GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-b4895dbf-9350-2524-a89b-98161ddd9fe4)
 *     MIG 3g.40gb     Device  0: (UUID: MIG-7089d0f3-293f-58c9-8f8c-5ea666eedbde)
 *
 * Drivers before R470 print `MIG 1g.5gb Device 0: (UUID: MIG-GPU-<gpu uuid>/<gi>/<ci>)`; the GPU-instance
 * and compute-instance ids are then taken from the UUID. A GPU without MIG lines says nothing about its
 * MIG mode (MIG may be enabled with no instance), so `mig` is left out for it.
 */
import { emptyMigDevice, type MigDevice } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, GpuPatch } from '../ingest/fragment.ts';
import { head, lines } from './text.ts';
import type { Parser } from './types.ts';

const GPU_START_RE = /^GPU\s+(\d+):\s/;
const MIG_RE = /^MIG\s+(\S+)\s+Device\s+(\d+)\s*:\s*\(UUID:\s*([^)\s]+)\s*\)$/;
const LEGACY_MIG_UUID_RE = /^MIG-GPU-[0-9a-f-]+\/(\d+)\/(\d+)$/i;
const HANDLE_ERROR_RE = /^Unable to determine the device handle\b/i;

interface GpuLine {
  index: number;
  name: string | null;
  uuid: string | null;
}

/** `GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)`, or null. */
function parseGpuLine(t: string): GpuLine | null {
  const m = GPU_START_RE.exec(t);
  if (!m) return null;
  const at = t.lastIndexOf('(UUID:');
  if (at < 0 || !t.endsWith(')')) return null;
  const uuid = t.slice(at + 6, -1).trim();
  if (!/^GPU-[0-9a-zA-Z-]+$/.test(uuid)) return null;
  const name = t.slice(m[0].length, at).trim();
  return { index: Number(m[1]), name: name === '' ? null : name, uuid };
}

function parseMigLine(t: string): MigDevice | null {
  const m = MIG_RE.exec(t);
  if (!m) return null;
  const uuid = m[3]!;
  const legacy = LEGACY_MIG_UUID_RE.exec(uuid);
  return {
    ...emptyMigDevice(),
    device: Number(m[2]),
    profile: m[1]!,
    uuid,
    gi: legacy ? Number(legacy[1]) : null,
    ci: legacy ? Number(legacy[2]) : null,
  };
}

export const nvidiaSmiLParser: Parser = {
  id: 'nvidia-smi-L',
  title: 'nvidia-smi -L',

  detect(text: string): number {
    try {
      const ls = lines(head(text));
      // the last line of the head may be cut
      if (text.length > 4096) ls.pop();
      let gpu = 0;
      let mig = 0;
      let other = 0;
      for (const line of ls) {
        const t = line.trim();
        if (t === '') continue;
        if (parseGpuLine(t)) gpu++;
        else if (/^MIG\s+\S+\s+Device\s+\d+\s*:\s*\(UUID:/.test(t)) mig++;
        else if (HANDLE_ERROR_RE.test(t)) continue;
        else other++;
      }
      if (gpu === 0) return mig > 0 && other === 0 ? 0.6 : 0;
      if (other === 0) return 0.95;
      // e.g. `nvidia-smi nvlink -s` also starts with GPU lines, followed by many other lines.
      return other * 4 <= gpu + mig ? 0.6 : 0.1;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'nvidia-smi -L: the input is empty');
    const warnings: string[] = [];
    const gpus: GpuPatch[] = [];
    const migByGpu = new Map<GpuPatch, MigDevice[]>();
    const seen = new Set<number>();
    let current: GpuPatch | null = null;
    let orphanMig = 0;
    let other = 0;

    for (const line of lines(text)) {
      const t = line.trim();
      if (t === '') continue;
      const g = parseGpuLine(t);
      if (g) {
        if (seen.has(g.index)) {
          warnings.push(`nvidia-smi -L: GPU ${g.index} listed twice; the first line is kept`);
          current = null;
          continue;
        }
        seen.add(g.index);
        current = { index: g.index, name: g.name, uuid: g.uuid };
        gpus.push(current);
        continue;
      }
      const d = parseMigLine(t);
      if (d) {
        if (current === null) {
          orphanMig++;
          continue;
        }
        let list = migByGpu.get(current);
        if (!list) {
          list = [];
          migByGpu.set(current, list);
        }
        list.push(d);
        continue;
      }
      if (HANDLE_ERROR_RE.test(t)) {
        warnings.push(t.length > 200 ? `${t.slice(0, 200)}…` : t);
        continue;
      }
      other++;
    }

    if (gpus.length === 0) {
      if (/No devices were found/i.test(text)) {
        return { format: 'nvidia-smi-L', gpus: [], warnings: ['nvidia-smi -L: "No devices were found"'] };
      }
      throw new InputError(
        orphanMig > 0 ? 'INPUT_TRUNCATED' : 'INPUT_MALFORMED',
        orphanMig > 0
          ? 'fragment of nvidia-smi -L: MIG device lines without their "GPU N: … (UUID: GPU-…)" line'
          : 'not nvidia-smi -L output: no "GPU N: … (UUID: GPU-…)" line found',
      );
    }
    for (const [gpu, devices] of migByGpu) gpu.mig = { mode: 'enabled', devices };
    if (orphanMig > 0)
      warnings.push(`nvidia-smi -L: ${orphanMig} MIG line(s) before any GPU line were skipped`);
    if (other > 0) warnings.push(`nvidia-smi -L: ${other} line(s) not understood were skipped`);

    const out: Fragment = { format: 'nvidia-smi-L', gpus };
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  },
};
