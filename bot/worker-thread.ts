/**
 * The workers of `infralens bot`, in a thread of their own: turns (the offline analyst, placement, PDF
 * rendering) are CPU work, and on the front door's event loop they would delay the acknowledgements Slack
 * waits for. The thread runs `startBot` in worker mode with the configuration the main thread read (plain
 * data, passed as workerData); its metrics are forwarded to the main thread's `/metrics`.
 *
 * Messages: main → thread `'stop'`; thread → main `{ kind: 'ready' }`, `{ kind: 'metric', … }`,
 * `{ kind: 'stopped' }`, `{ kind: 'failed', error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BotConfig } from './config.ts';
import { startBot } from './main.ts';
import { type MetricOp, Metrics } from './metrics.ts';

const port = parentPort;
if (!port) throw new Error('bot/worker-thread.ts runs as a worker thread of infralens bot');

/** Metrics that are recorded by the main thread's registry. */
class ForwardedMetrics extends Metrics {
  override apply(op: MetricOp): void {
    port!.postMessage({ kind: 'metric', op });
  }
}

const config = (workerData as { config: BotConfig }).config;
try {
  const handle = await startBot({ ...config, mode: 'worker' }, { metrics: new ForwardedMetrics() });
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    void handle.stop().finally(() => {
      port.postMessage({ kind: 'stopped' });
      port.close();
    });
  });
  port.postMessage({ kind: 'ready' });
} catch (e) {
  port.postMessage({
    kind: 'failed',
    error: (e as Error).message,
    config: (e as Error).name === 'ConfigError',
  });
  port.close();
}
