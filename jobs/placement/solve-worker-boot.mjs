// Development entry of the host-solve worker (jobs/placement/solve-worker.ts) when the sources run through
// tsx: a worker thread does not inherit tsx's loader, so register it here first. The build (dist/) runs
// dist/jobs/placement/solve-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./solve-worker.ts');
