/**
 * A worker thread of the host-solve pool (pool.ts): it receives batches of host solves as plain data
 * (`HostSolveTask`: snapshot, options, arrivals) and answers their `HostSolution`s, in order. Nothing else:
 * the solve is the pure core's (scoring/placement/fleet-host.ts).
 *
 * Messages: main → thread `{ id, tasks }`; thread → main `{ id, results }` or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { type HostSolveTask, runHostSolveTask } from '../../scoring/placement/fleet-host.ts';

const port = parentPort;
if (!port) throw new Error('jobs/placement/solve-worker.ts runs as a worker thread of the host-solve pool');

port.on('message', (m: { id: number; tasks: HostSolveTask[] }) => {
  try {
    port.postMessage({ id: m.id, results: m.tasks.map(runHostSolveTask) });
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
