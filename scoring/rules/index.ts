/** The rule registry: one rule per file. Adding a rule = a file here + a line below + its tests. */
import { clockThrottle } from './clock-throttle.ts';
import { crossSocket } from './cross-socket.ts';
import { eccErrors } from './ecc-errors.ts';
import { gpuIdle } from './gpu-idle.ts';
import { gpuInterconnect } from './gpu-interconnect.ts';
import { ioBound } from './io-bound.ts';
import { memoryPressure } from './memory-pressure.ts';
import { memoryUnderuse } from './memory-underuse.ts';
import { migCandidate } from './mig-candidate.ts';
import { nicFar } from './nic-far.ts';
import { nicLayout } from './nic-layout.ts';
import { numaMismatch } from './numa-mismatch.ts';
import { nvlinkSplit } from './nvlink-split.ts';
import { pcieDowntrained } from './pcie-downtrained.ts';
import { shareCandidate } from './share-candidate.ts';
import type { Rule } from './types.ts';

export const RULES: readonly Rule[] = [
  numaMismatch,
  nvlinkSplit,
  crossSocket,
  migCandidate,
  shareCandidate,
  gpuIdle,
  memoryPressure,
  memoryUnderuse,
  ioBound,
  pcieDowntrained,
  clockThrottle,
  eccErrors,
  nicFar,
  gpuInterconnect,
  nicLayout,
];
