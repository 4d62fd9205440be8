/**
 * The demo scenarios (samples/scenarios/<name>/): a bundle and the Proxmox VM configs of a demo server,
 * as input files. Used by `demo`, `ask`/`chat` without `--input`, the bot with INFRALENS_DEMO=1, and tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { UsageError } from './errors.ts';
import type { InputFile } from './ingest/index.ts';
import { projectRoot } from './paths.ts';

export const SCENARIOS = ['h200', 'l40s'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The files of a demo scenario: its bundle and its Proxmox VM configs. */
export function scenarioFiles(name: string): InputFile[] {
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new UsageError(`unknown scenario '${name}' (choose ${SCENARIOS.join(' or ')})`);
  const dir = new URL(`samples/scenarios/${name}/`, projectRoot());
  const confs = readdirSync(new URL('qemu-server/', dir))
    .filter((f) => f.endsWith('.conf'))
    .sort();
  return [
    { name: `${name}/bundle.txt`, content: readFileSync(new URL('bundle.txt', dir)) },
    ...confs.map((f) => ({
      name: `${name}/qemu-server/${f}`,
      content: readFileSync(new URL(`qemu-server/${f}`, dir)),
    })),
  ];
}
