// Development entry of the workers' thread (bot/worker-thread.ts) when the sources run through tsx: a
// worker thread does not inherit tsx's loader, so register it here first. The build (dist/) runs
// dist/bot/worker-thread.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker-thread.ts');
