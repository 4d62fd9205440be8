/**
 * MIG layouts: which multisets of GPU-instance profiles fit one GPU, where each instance lands, and the
 * order to create them. Placement rules from `nvidia-smi mig -lgipp` (domain facts §2c): on 8-memory-slice
 * GPUs 1g at {0..6}:1, 1g.2x at {0,2,4,6}:2, 2g at {0,2,4}:2, 3g at {0,4}:4, 4g at {0}:4, 7g at {0}:8 —
 * so 3g+3g+1g does not fit. Instances are created largest first (`-cgi 19,19,14,9` fails with
 * "Insufficient Resources" where `-cgi 9,19,14,19` works, S14).
 */
import type { GpuModel, MigProfileSpec } from '../gpu-models.ts';
import { MEMORY_HEADROOM } from '../rules/sharing.ts';
import type { Gpu } from '../snapshot.ts';

export interface PlacedInstance {
  profile: MigProfileSpec;
  start: number;
}

const memorySlicesOf = (model: GpuModel) => Math.max(...model.migProfiles.map((p) => p.memorySlices));
export const computeSlicesOf = (model: GpuModel) => Math.max(...model.migProfiles.map((p) => p.compute));

/** Creation order: largest memory footprint first, then larger compute, then profile id. */
export function creationOrder(profiles: readonly MigProfileSpec[]): MigProfileSpec[] {
  return [...profiles].sort(
    (a, b) => b.memorySlices - a.memorySlices || b.compute - a.compute || a.id - b.id,
  );
}

/**
 * Place the profiles on one GPU of `model`, or return null when they do not fit (memory slices, start
 * positions, compute slices, per-profile instance limits).
 */
export function layout(model: GpuModel, profiles: readonly MigProfileSpec[]): PlacedInstance[] | null {
  if (!model.migCapable || profiles.length === 0) return profiles.length === 0 ? [] : null;
  const compute = profiles.reduce((a, p) => a + p.compute, 0);
  if (compute > computeSlicesOf(model)) return null;
  for (const p of new Set(profiles)) if (profiles.filter((x) => x === p).length > p.maxInstances) return null;
  const order = creationOrder(profiles);
  const used = new Array<boolean>(memorySlicesOf(model)).fill(false);
  const out: PlacedInstance[] = [];
  const place = (k: number): boolean => {
    if (k === order.length) return true;
    const p = order[k]!;
    for (const start of p.starts) {
      if (start + p.memorySlices > used.length) continue;
      let free = true;
      for (let s = start; s < start + p.memorySlices; s++) if (used[s]) free = false;
      if (!free) continue;
      for (let s = start; s < start + p.memorySlices; s++) used[s] = true;
      out.push({ profile: p, start });
      if (place(k + 1)) return true;
      out.pop();
      for (let s = start; s < start + p.memorySlices; s++) used[s] = false;
    }
    return false;
  };
  return place(0) ? out : null;
}

/**
 * Memory an instance of `p` offers on `g`, MiB: the GiB `mig -lgip` reported for it when captured, else
 * the nominal size less the 10% headroom of rules/sharing.ts.
 */
export function instanceMemoryMiB(g: Gpu, p: MigProfileSpec): number {
  const gib = g.mig.profiles?.find((x) => x.name === p.name)?.memoryGiB ?? p.memoryGiB * MEMORY_HEADROOM;
  return gib * 1024;
}
