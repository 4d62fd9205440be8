/**
 * The bot's entry point: `infralens bot` (the Slack front door and, in the same process, the workers) and
 * `infralens worker` (workers only: more machines on the same Redis). Configuration is read here, once,
 * from the environment (bot/config.ts); everything below gets it passed in.
 *
 * Start-up: Redis connection and queues, then `auth.test` (an invalid token stops start-up with one line;
 * a network failure is retried while `/readyz` says why), then the receiver and the workers. SIGTERM /
 * SIGINT: stop taking requests, let running jobs finish (bounded by INFRALENS_SHUTDOWN_MS), exit 0.
 */
import { Worker } from 'node:worker_threads';
import { WebClient } from '@slack/web-api';
import { FleetService } from '../jobs/fleet/service.ts';
import type { CollectFn, LiveSourcesFn } from '../jobs/fleet/types.ts';
import { createLogger, type Logger } from '../jobs/log.ts';
import { Backbone, type WorkerTimings } from '../jobs/queue/backbone.ts';
import { sendProcessor } from '../jobs/queue/outbox.ts';
import { toolProcessor } from '../jobs/queue/tool-runner.ts';
import { renderPdf, warmUp } from '../jobs/report/pdf.ts';
import { SessionCache } from '../tools/agent/session-cache.ts';
import type { FleetPort, Services } from '../tools/agent/types.ts';
import { collectHosts } from '../tools/collect/fleet.ts';
import { ConfigError } from '../tools/errors.ts';
import { projectRoot } from '../tools/paths.ts';
import { scenarioFiles } from '../tools/scenarios.ts';
import { liveInputs } from '../tools/sources/index.ts';
import { modelFrom } from './agent/config.ts';
import type { ModelPort } from './agent/model.ts';
import { type BotConfig, type BotMode, botConfigFrom } from './config.ts';
import { FleetChat, keepBundles } from './fleet-chat.ts';
import { M, type MetricOp, Metrics } from './metrics.ts';
import { reportRoute } from './reports.ts';
import { healthRoutes, type Route } from './routes.ts';
import { startSlackApp } from './slack/app.ts';
import { SlackTransport } from './slack/transport.ts';
import { slackSurface } from './slack/turns.ts';
import { serveRoutes, teamsRoutes } from './teams/app.ts';
import { teamsSurface } from './teams/surface.ts';
import { TeamsTokenClient } from './teams/token.ts';
import { TeamsTransport } from './teams/transport.ts';
import { turnProcessor } from './turns.ts';

export interface BotHandle {
  /** the HTTP port (0 when a worker serves none). */
  port: number;
  metrics: Metrics;
  backbone: Backbone;
  /** the fleet's queue and worker (INFRALENS_CONFIG, where workers run); null otherwise. */
  fleet: FleetService | null;
  stop(): Promise<void>;
}

export interface BotOverrides {
  /** a model in place of the one the configuration names (tests: a scripted model). */
  model?: ModelPort | null;
  log?: Logger;
  services?: Services;
  /** worker lock and stall timings (tests shorten them to see a killed worker's job taken over). */
  worker?: Partial<WorkerTimings>;
  /** the registry metrics go to (a worker thread forwards them to the main thread's). */
  metrics?: Metrics;
  /** false: run no workers here (`infralens bot` runs them in a thread, bot/worker-thread.ts). */
  workers?: boolean;
  /** the fleet's collector in place of SSH (tests: recorded bundles). */
  collect?: CollectFn;
  /** the fleet's live sources in place of tools/sources (tests). */
  sources?: LiveSourcesFn;
}

/** Start the bot or a worker from a configuration; resolves once it takes work. */
export async function startBot(config: BotConfig, overrides: BotOverrides = {}): Promise<BotHandle> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, secrets: config.secrets });
  const metrics = overrides.metrics ?? new Metrics();
  const backbone = await Backbone.open({
    url: config.redisUrl,
    prefix: config.prefix,
    log,
    worker: {
      lockDurationMs: config.jobLockMs,
      stalledIntervalMs: Math.max(1000, Math.round(config.jobLockMs / 4)),
      ...overrides.worker,
    },
  });
  const slack = config.slack;
  const client = slack
    ? new WebClient(slack.botToken, {
        ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: 15_000,
      })
    : null;
  // Teams: the bot's token for the connector (client credentials, cached), shared by the front door's
  // typing indicator and the send queue's transport
  const tokens = config.teams ? new TeamsTokenClient(config.teams) : null;

  // auth.test: a bad token is fatal at once; anything else is retried in the background
  let identity: { userId: string | null; botId: string | null } = { userId: null, botId: null };
  let authError: string | null = client ? 'auth.test has not answered yet' : null;
  const authOnce = async (): Promise<boolean> => {
    if (!client) return true;
    try {
      const r = await client.auth.test();
      identity = { userId: (r.user_id as string) ?? null, botId: (r.bot_id as string) ?? null };
      authError = null;
      return true;
    } catch (e) {
      const code = (e as { data?: { error?: string } }).data?.error;
      if (
        code === 'invalid_auth' ||
        code === 'not_authed' ||
        code === 'account_inactive' ||
        code === 'token_revoked'
      ) {
        await backbone.close(0).catch(() => {});
        throw new ConfigError(`SLACK_BOT_TOKEN was refused by Slack (auth.test: ${code})`);
      }
      authError = `auth.test failed: ${code ?? (e as Error).message}`;
      return false;
    }
  };
  let authTimer: NodeJS.Timeout | undefined;
  if (!(await authOnce())) {
    log.warn('slack: auth.test failed, retrying', { error: authError });
    const retry = (delay: number) => {
      authTimer = setTimeout(() => {
        void authOnce()
          .then((ok) => {
            if (!ok) retry(Math.min(delay * 2, 30_000));
          })
          .catch((e: unknown) => log.error(String((e as Error).message)));
      }, delay);
      authTimer.unref();
    };
    retry(1000);
  }

  metrics.gauge(M.queueDepth[0], M.queueDepth[1], async () => {
    const d = await backbone.depth();
    return Object.entries(d).flatMap(([queue, counts]) =>
      Object.entries(counts).map(([state, n]) => [{ queue, state }, n] as [Record<string, string>, number]),
    );
  });

  const services: Services = overrides.services ?? { renderReport: renderPdf, now: () => new Date() };
  // the fleet in the conversation (bot/fleet-chat.ts): set once the fleet has started, below; the tools
  // collect inventory hosts and read their history through it
  let fleetChat: FleetChat | null = null;
  const fleetChatNow = (): FleetChat => {
    if (!fleetChat) throw new Error('the fleet is not running in this process');
    return fleetChat;
  };
  const fleetPort: FleetPort | null =
    config.fleet && overrides.workers !== false
      ? {
          collect: (h) => fleetChatNow().collect(h),
          history: (h, d) => fleetChatNow().history(h, d),
          window: (h, w) => fleetChatNow().window(h, w),
          proxmoxMap: (c) => fleetChatNow().proxmoxMap(c),
          proxmoxClusters: () => config.fleet?.inventory.proxmox.map((c) => c.name) ?? [],
        }
      : null;
  const toolServices: Services = fleetPort ? { ...services, fleet: fleetPort } : services;
  // parsed and analysed inputs, shared by this process's turns and tool calls
  const sessions = new SessionCache(16);
  const model = overrides.model !== undefined ? overrides.model : modelFrom(config.agent);
  // a worker keeps a warm PDF renderer: the first Korean report would otherwise pay the shaper's start-up
  if (overrides.workers !== false)
    void warmUp({ shaper: true }).catch((e: unknown) =>
      log.warn('pdf: warm-up failed', { error: String((e as Error).message) }),
    );
  if (overrides.workers !== false)
    backbone.startWorkers(
      {
        turn: turnProcessor({
          backbone,
          surfaces: {
            ...(slack ? { slack: slackSurface(slack.botToken) } : {}),
            ...(tokens ? { teams: teamsSurface({ kv: backbone.kv, tokens, log }) } : {}),
          },
          model,
          agent: config.agent,
          services: toolServices,
          fleet: () => fleetChat,
          demoFiles: config.demo ? [...scenarioFiles('h200'), ...scenarioFiles('l40s')] : [],
          sessions,
          retentionSec: config.retentionSec,
          metrics,
          log,
        }),
        tool: toolProcessor({ services: toolServices, blobs: backbone.blobs, log, sessions }),
        send: sendProcessor({
          kv: backbone.kv,
          transports: {
            ...(client
              ? {
                  slack: new SlackTransport({ client, kv: backbone.kv, blobs: backbone.blobs, metrics, log }),
                }
              : {}),
            ...(tokens
              ? {
                  teams: new TeamsTransport({
                    kv: backbone.kv,
                    blobs: backbone.blobs,
                    tokens,
                    links: config.links,
                    metrics,
                    log,
                  }),
                }
              : {}),
          },
          log,
        }),
      },
      { turns: config.turnConcurrency },
    );

  // the fleet (INFRALENS_CONFIG): its worker runs where the workers run; its schedulers are upserted at
  // every start-up (idempotent: a restart neither duplicates nor loses a daily post)
  let fleet: FleetService | null = null;
  if (config.fleet && overrides.workers !== false) {
    const { inventory, agentSocket } = config.fleet;
    try {
      fleet = await FleetService.start({
        url: config.redisUrl,
        prefix: config.prefix,
        inventory,
        // each host's last bundle is kept for the chat (its inventory hosts are answered from it)
        collect: keepBundles(
          overrides.collect ??
            ((inv, hosts, o) =>
              collectHosts(inv, hosts, {
                ...(o?.signal ? { signal: o.signal } : {}),
                ...(agentSocket ? { agentSocket } : {}),
              })),
          backbone.kv,
        ),
        // the hosts' live sources: GPU windows from Prometheus, Proxmox nodes' VM maps from the API
        sources: overrides.sources ?? liveInputs,
        outbox: backbone,
        renderPdf: services.renderReport,
        log,
        retentionDays: config.fleet.historyDays,
        collectEveryMinutes: config.fleet.collectEveryMinutes,
      });
      fleetChat = new FleetChat(fleet, backbone.kv);
      const s = await fleet.syncSchedulers();
      log.info('fleet: schedulers synced', { upserted: s.upserted.length, removed: s.removed.length });
    } catch (e) {
      await fleet?.close(0);
      await backbone.close(0).catch(() => {});
      throw e;
    }
  }

  // the front door: Slack's receiver with the other routes (health, Teams, report links) beside its own,
  // or, without Slack, a plain HTTP server with them
  let front: { port: number; stop(): Promise<void> } | null = null;
  if (config.mode === 'bot') {
    const routes: Route[] = [
      ...healthRoutes({
        metrics,
        notReady: async () => {
          if (!(await backbone.ready())) return 'Redis does not answer';
          return authError;
        },
      }),
      reportRoute({ links: config.links, blobs: backbone.blobs, log }),
      ...(config.teams && tokens
        ? teamsRoutes({
            teams: config.teams,
            backbone,
            tokens,
            log,
            metrics,
            rate: config.rate,
            retentionSec: config.retentionSec,
          })
        : []),
    ];
    if (slack && client) {
      front = await startSlackApp({
        slack,
        port: config.port,
        backbone,
        client,
        log,
        metrics,
        rate: config.rate,
        retentionSec: config.retentionSec,
        identity: () => identity,
        routes,
      });
    } else {
      const server = await serveRoutes(routes, config.port);
      log.info('teams: listening', { port: server.port });
      front = { port: server.port, stop: () => server.close() };
    }
  }
  log.info('infralens: started', {
    mode: config.mode,
    port: front?.port ?? 0,
    model: model ? config.agent.model : 'offline analyst',
    surfaces: [slack ? 'slack' : null, config.teams ? 'teams' : null].filter(Boolean).join('+'),
    workers: overrides.workers === false ? 'elsewhere' : 'here',
    demo: config.demo,
    fleet: config.fleet ? `${config.fleet.inventory.hosts.length} hosts` : 'none',
  });

  let stopping: Promise<void> | null = null;
  return {
    port: front?.port ?? 0,
    metrics,
    backbone,
    fleet,
    stop: () => {
      stopping ??= (async () => {
        clearTimeout(authTimer);
        await front?.stop();
        await fleet?.close(config.shutdownMs);
        await backbone.close(config.shutdownMs);
        log.info('infralens: stopped');
      })();
      return stopping;
    },
  };
}

/** Where the workers' thread starts: the build's bundle, or (sources through tsx) a bootstrap that loads tsx. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./worker-thread-boot.mjs', import.meta.url)
    : new URL('dist/bot/worker-thread.js', projectRoot());
}

/**
 * `infralens bot`: the front door on this thread, the workers in a thread of their own (bot/worker-thread.ts),
 * so turns never hold up an acknowledgement. Stopping stops the front door, then the workers (they finish
 * running jobs), then this thread's connections. A workers' thread that dies stops the bot (exit 1), for
 * the service manager to restart it.
 */
async function startWithWorkerThread(config: BotConfig): Promise<BotHandle> {
  const log = createLogger({ level: config.logLevel, secrets: config.secrets });
  const metrics = new Metrics();
  const thread = new Worker(workerEntry(), { workerData: { config } });
  let stopped: () => void = () => {};
  const threadStopped = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  await new Promise<void>((resolve, reject) => {
    thread.on('message', (m: { kind: string; op?: MetricOp; error?: string; config?: boolean }) => {
      if (m.kind === 'metric' && m.op) metrics.apply(m.op);
      else if (m.kind === 'ready') resolve();
      else if (m.kind === 'stopped') stopped();
      else if (m.kind === 'failed')
        reject(m.config ? new ConfigError(m.error ?? 'invalid setting') : new Error(`workers: ${m.error}`));
    });
    thread.once('error', (e) => reject(e));
    thread.once('exit', (code) => {
      stopped();
      reject(new Error(`the workers' thread exited (${code})`));
    });
  });
  let stopping = false;
  thread.on('error', (e) => log.error('workers: thread failed', { error: e.message }));
  thread.on('exit', (code) => {
    if (stopping) return;
    log.error('workers: the thread exited; stopping the bot for the service manager to restart it', { code });
    process.exit(1);
  });
  const handle = await startBot(config, { log, metrics, workers: false });
  return {
    ...handle,
    stop: async () => {
      stopping = true;
      await handle.stop();
      thread.postMessage('stop');
      const bound = new Promise<void>((r) => setTimeout(r, config.shutdownMs + 5000).unref());
      await Promise.race([threadStopped, bound]);
      await thread.terminate();
    },
  };
}

/** `infralens bot|worker`: read the environment once, start, and stop cleanly on SIGTERM/SIGINT. */
export async function runFromEnv(mode: BotMode, err: (line: string) => void): Promise<number> {
  let config: BotConfig;
  try {
    config = botConfigFrom(process.env, mode);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`infralens: ${e.message}`);
      return 2;
    }
    throw e;
  }
  let handle: BotHandle;
  try {
    handle = mode === 'bot' ? await startWithWorkerThread(config) : await startBot(config);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`infralens: ${e.message}`);
      return 2;
    }
    err(`infralens: could not start: ${(e as Error).message}`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      err(`infralens: ${signal}: finishing running jobs, then exiting`);
      void handle.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
