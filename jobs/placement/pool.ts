/**
 * Fleet placement across cores: a pool of worker threads that run host solves (the pure unit of
 * scoring/placement/fleet-host.ts), and `planFleetParallel`, which solves every host of the fleet in the
 * pool and hands the solutions to the pure cross-host search (`planFleet` with `initial`). The search itself
 * stays in this thread: it is sequential by nature (one move per round) and its solves are few and cached.
 *
 * The same unit shards over machines: a host solve is `HostSolveTask` → `HostSolution`, plain data that
 * survives JSON, so a BullMQ job (jobs/queue/) can carry one host — or a batch of hosts — per job: the
 * producer adds one job per batch of `hostSolveTasks(snapshots, options)` (the payload: the snapshots'
 * stored ids and the options, per STYLE "payloads carry ids"), workers on any machine run
 * `runHostSolveTask` and store the `HostSolution`s, and the job that plans the fleet waits for the batch
 * (a BullMQ flow: the fleet job as parent, the host solves as children) and calls `planFleet(snapshots,
 * options, { initial })`. The result does not depend on who solved which host: each solve is exact and
 * deterministic (a node budget, never the clock).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type FleetPlan,
  type FleetSearchOptions,
  type HostSolution,
  type HostSolveTask,
  hostSolveTasks,
  planFleet,
} from '../../scoring/placement/fleet.ts';
import type { PlacementOptions } from '../../scoring/placement/solve.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { projectRoot } from '../../tools/paths.ts';

/** One worker per core: the main thread only waits while the pool works. */
export const defaultPoolSize = () => Math.max(1, availableParallelism());

/** Where a worker starts: the build's bundle, or (sources through tsx) a bootstrap that loads tsx. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./solve-worker-boot.mjs', import.meta.url)
    : new URL('dist/jobs/placement/solve-worker.js', projectRoot());
}

interface Pending {
  resolve: (r: HostSolution[]) => void;
  reject: (e: Error) => void;
}

export class HostSolvePool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(size = defaultPoolSize()) {
    this.size = Math.max(1, Math.floor(size));
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(workerEntry());
      w.unref();
      w.on('message', (m: { id: number; results?: HostSolution[]; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(`host solve failed in a worker: ${m.error}`));
        else p.resolve(m.results ?? []);
      });
      w.on('error', (e) => this.failAll(e));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new Error(`a host-solve worker exited (code ${code})`));
      });
      this.workers.push(w);
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private send(worker: Worker, tasks: HostSolveTask[]): Promise<HostSolution[]> {
    if (this.closed) return Promise.reject(new Error('the host-solve pool is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, tasks });
    });
  }

  /**
   * Solve every task; the results in the tasks' order. Tasks go out in batches (about four per worker, so
   * a slow host does not leave the other workers idle for long), each worker taking the next batch when it
   * is done with one.
   */
  async run(tasks: readonly HostSolveTask[]): Promise<HostSolution[]> {
    const out: HostSolution[] = new Array(tasks.length);
    const batch = Math.max(1, Math.ceil(tasks.length / (this.size * 4)));
    let next = 0;
    const drain = async (w: Worker) => {
      while (next < tasks.length) {
        const start = next;
        next = Math.min(tasks.length, next + batch);
        const results = await this.send(w, tasks.slice(start, next));
        results.forEach((r, k) => {
          out[start + k] = r;
        });
      }
    };
    await Promise.all(this.workers.map(drain));
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the host-solve pool is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * `planFleet` with the hosts solved in a worker pool: the same plan as `planFleet(snapshots, options)`.
 * Without a pool, one is started for the call and closed after it.
 */
export async function planFleetParallel(
  snapshots: readonly Snapshot[],
  options: PlacementOptions = {},
  pool?: HostSolvePool,
  search: Omit<FleetSearchOptions, 'initial'> = {},
): Promise<FleetPlan> {
  const own = pool ? null : new HostSolvePool();
  try {
    const initial = await (pool ?? own!).run(hostSolveTasks(snapshots, options));
    return planFleet(snapshots, options, { ...search, initial });
  } finally {
    await own?.close();
  }
}
