/**
 * The collector script: the one text InfraLens ever sends to a host (`infralens collect-script` prints the
 * same file). Read once per process, byte-capped.
 */
import { readFileSync } from 'node:fs';
import { projectRoot } from '../paths.ts';

export const COLLECTOR_SCRIPT_URL = new URL('tools/collect/infralens-collect.sh', projectRoot());
const MAX_SCRIPT_BYTES = 256 * 1024;

let cached: string | undefined;

/** The read-only collector (tools/collect/infralens-collect.sh). */
export function collectorScript(): string {
  if (cached !== undefined) return cached;
  const buf = readFileSync(COLLECTOR_SCRIPT_URL);
  if (buf.length > MAX_SCRIPT_BYTES) throw new Error('the collector script is larger than 256 KiB');
  cached = buf.toString('utf8');
  return cached;
}
