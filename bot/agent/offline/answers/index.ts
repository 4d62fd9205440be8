/** The answer composers, one per topic, listed once. */
import type { Topic } from '../focus.ts';
import { absent } from './absent.ts';
import { capacity } from './capacity.ts';
import { change } from './change.ts';
import { clocks } from './clocks.ts';
import { define } from './define.ts';
import { ecc } from './ecc.ts';
import { entity } from './entity.ts';
import { finding } from './finding.ts';
import { first } from './first.ts';
import { fix } from './fix.ts';
import { gains } from './gains.ts';
import { idle } from './idle.ts';
import { inventory } from './inventory.ts';
import { memory } from './memory.ts';
import { mig } from './mig.ts';
import { nic } from './nic.ts';
import { numa } from './numa.ts';
import { nvlink } from './nvlink.ts';
import { overview } from './overview.ts';
import { pcie } from './pcie.ts';
import { reboot } from './reboot.ts';
import { report } from './report.ts';
import { score } from './score.ts';
import { slow } from './slow.ts';
import type { Composer } from './types.ts';
import { why } from './why.ts';

export { compareHosts, fleetSummary } from './fleet.ts';
export { limited } from './limited.ts';
export type { Composed, Composer, Results, ToolName } from './types.ts';

const COMPOSERS: readonly Composer[] = [
  overview,
  slow,
  score,
  idle,
  mig,
  nvlink,
  numa,
  memory,
  ecc,
  pcie,
  clocks,
  nic,
  fix,
  gains,
  report,
  entity,
  inventory,
  finding,
  change,
  define,
  absent,
  capacity,
  reboot,
  first,
  why,
];

/** The composer of a host-level topic ('compare' and 'offtopic' are answered without one). */
export function composerFor(topic: Topic): Composer {
  return COMPOSERS.find((c) => c.topic === topic) ?? overview;
}

/** Topics that need utilisation: on inputs without it (a topo -m upload) the limited answer says so. */
export const NEEDS_UTILISATION: readonly Topic[] = ['overview', 'slow', 'score', 'idle', 'fix', 'gains'];
