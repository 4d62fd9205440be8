/**
 * The bot's configuration, read once from the environment at the entry point (bot/main.ts) and validated
 * with zod. A missing or malformed setting stops start-up with one line naming it, never its value (it may
 * be a secret). Every secret is also handed to the logger, which masks it wherever it would appear.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../tools/errors.ts';
import { loadInventory } from '../tools/inventory/load.ts';
import type { Inventory } from '../tools/inventory/schema.ts';
import { type AgentConfig, agentConfigFrom } from './agent/config.ts';

export type BotMode = 'bot' | 'worker';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const Env = z.object({
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-[\w-]+$/, 'a bot token (xoxb-…)')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, 'the app’s signing secret').optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-[\w-]+$/, 'an app-level token (xapp-…)')
    .optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => (u.endsWith('/') ? u : `${u}/`))
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  INFRALENS_DEMO: z.enum(['0', '1']).default('0'),
  INFRALENS_QUEUE_PREFIX: z
    .string()
    .regex(/^[\w-]{1,40}$/, 'letters, digits, - or _')
    .default('infralens'),
  /** how long a conversation (a thread) and a channel's uploads are kept, days. */
  INFRALENS_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** questions per user and per channel per minute. */
  INFRALENS_USER_RATE: z.coerce.number().int().min(1).max(1000).default(10),
  INFRALENS_CHANNEL_RATE: z.coerce.number().int().min(1).max(10_000).default(30),
  /** how long SIGTERM waits for running jobs, ms. */
  INFRALENS_SHUTDOWN_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  /** how long a worker's hold on a job lasts without renewal: a crashed worker's jobs are taken over by
   * another after about this long. */
  INFRALENS_JOB_LOCK_MS: z.coerce.number().int().min(2_000).max(600_000).default(60_000),
  INFRALENS_TURN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** the fleet inventory (YAML): hosts collected over SSH, daily posts and alerts; none: no fleet. */
  INFRALENS_CONFIG: z.string().min(1).max(4096).optional(),
  /** how long each host's score history is kept, days. */
  INFRALENS_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** collect every host this often (minutes) so alerts fire between daily posts; 0: only for the posts. */
  INFRALENS_COLLECT_MINUTES: z.coerce.number().int().min(0).max(1440).default(15),
  /** the ssh-agent socket, for inventory hosts with `agent: true`. */
  SSH_AUTH_SOCK: z.string().max(4096).optional(),
  /** Microsoft Teams: the bot's Entra app (client) id; with it, Teams is served at POST /api/messages. */
  TEAMS_APP_ID: z.string().regex(GUID, 'the Entra application (client) id, a GUID').optional(),
  /** the app's client secret (or TEAMS_CERT_FILE + TEAMS_KEY_FILE). */
  TEAMS_APP_PASSWORD: z
    .string()
    .min(8, 'the app’s client secret is at least 8 characters (copy its Value, not its ID)')
    .optional(),
  TEAMS_CERT_FILE: z.string().min(1).max(4096).optional(),
  TEAMS_KEY_FILE: z.string().min(1).max(4096).optional(),
  /** the Entra tenant the app is registered in (single tenant). */
  TEAMS_TENANT_ID: z.string().regex(GUID, 'the Entra tenant id, a GUID').optional(),
  /** the Entra authority (tokens and signing keys); tests point it at a loopback fake. */
  TEAMS_AUTHORITY: z
    .url({ protocol: /^https?$/, error: 'an https URL such as https://login.microsoftonline.com' })
    .transform((u) => u.replace(/\/+$/, ''))
    .default('https://login.microsoftonline.com'),
  /** more accepted token issuers, comma-separated (Bot Framework's and the tenant's are built in). */
  TEAMS_ISSUERS: z.string().max(4000).optional(),
  /** the bot's public base URL (https://bot.example.com): report links in Teams channels. */
  INFRALENS_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'the bot’s public base URL, such as https://bot.example.com' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** the key report links are signed with (default: derived from the Teams credential). */
  INFRALENS_LINK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** how long a report link works, hours. */
  INFRALENS_LINK_HOURS: z.coerce
    .number()
    .int('whole hours, 1 to 168')
    .min(1, 'whole hours, 1 to 168')
    .max(24 * 7, 'whole hours, 1 to 168')
    .default(24),
});

/** The fleet (INFRALENS_CONFIG): the inventory, loaded and validated once at start-up. */
export interface FleetConfig {
  configPath: string;
  inventory: Inventory;
  historyDays: number;
  collectEveryMinutes: number;
  agentSocket: string | null;
}

export interface SlackConfig {
  botToken: string;
  signingSecret: string | null;
  appToken: string | null;
  /** the Web API base URL with its trailing slash; null: Slack's own. */
  apiUrl: string | null;
}

/** Microsoft Teams (bot/teams/): the Entra app the Bot Framework service authenticates as. */
export interface TeamsConfig {
  appId: string;
  tenantId: string;
  /** the client secret; null when a certificate is used. */
  secret: string | null;
  /** a certificate credential (PEM files): read when a token is first needed. */
  cert: { certFile: string; keyFile: string } | null;
  /** the Entra authority without the tenant (https://login.microsoftonline.com; tests: a fake's URL). */
  authority: string;
  /** extra accepted issuers of incoming tokens. */
  issuers: string[];
}

/** Signed, expiring report links (`GET /reports/:token`), for channels where a bot cannot upload. */
export interface LinkConfig {
  /** the bot's public base URL; null: no links (the reply says to ask in a personal chat). */
  publicUrl: string | null;
  secret: string;
  ttlSec: number;
}

export interface BotConfig {
  mode: BotMode;
  /** null: Slack is not configured (Teams only). */
  slack: SlackConfig | null;
  /** null: Teams is not configured (Slack only). */
  teams: TeamsConfig | null;
  links: LinkConfig;
  port: number;
  redisUrl: string;
  demo: boolean;
  prefix: string;
  retentionSec: number;
  rate: { userPerMin: number; channelPerMin: number };
  shutdownMs: number;
  turnConcurrency: number;
  jobLockMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  agent: AgentConfig;
  /** the fleet inventory and its settings; null without INFRALENS_CONFIG. */
  fleet: FleetConfig | null;
  /** every secret value, for the logger to mask. */
  secrets: string[];
}

export function botConfigFrom(env: Record<string, string | undefined>, mode: BotMode): BotConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const name = i.path.join('.');
    const missing = i.code === 'invalid_type' && present[name] === undefined;
    throw new ConfigError(missing ? `missing setting ${name}` : `invalid setting ${name}: ${i.message}`);
  }
  const e = parsed.data;
  if (!e.SLACK_BOT_TOKEN && !e.TEAMS_APP_ID)
    throw new ConfigError('missing setting SLACK_BOT_TOKEN (Slack) or TEAMS_APP_ID (Microsoft Teams)');
  // HTTP mode verifies every request with the signing secret; Socket Mode needs none
  if (mode === 'bot' && e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
    throw new ConfigError('missing setting SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');
  const teams = teamsConfigFrom(e);
  const agent = agentConfigFrom(env);
  const secrets = [
    e.SLACK_BOT_TOKEN,
    e.SLACK_SIGNING_SECRET,
    e.SLACK_APP_TOKEN,
    agent.apiKey,
    e.TEAMS_APP_PASSWORD,
    e.INFRALENS_LINK_SECRET,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
  // report links are signed with their own secret, or one derived from the Teams credential (never the
  // credential itself), or, with neither, a random one (links then die with the process)
  const linkSecret =
    e.INFRALENS_LINK_SECRET ??
    (teams
      ? createHmac('sha256', teams.secret ?? `${teams.cert?.keyFile}:${teams.appId}`)
          .update('infralens report links')
          .digest('hex')
      : randomBytes(32).toString('hex'));
  // a password in the Redis URL is a secret too
  const redisPassword = /^rediss?:\/\/[^@/]*:([^@/]+)@/.exec(e.REDIS_URL)?.[1];
  if (redisPassword) secrets.push(decodeURIComponent(redisPassword));
  // the inventory is read once, here; a wrong one stops start-up with the loader's message (InventoryError)
  const fleet: FleetConfig | null = e.INFRALENS_CONFIG
    ? {
        configPath: e.INFRALENS_CONFIG,
        inventory: loadInventory(e.INFRALENS_CONFIG),
        historyDays: e.INFRALENS_HISTORY_DAYS,
        collectEveryMinutes: e.INFRALENS_COLLECT_MINUTES,
        agentSocket: e.SSH_AUTH_SOCK ?? null,
      }
    : null;
  return {
    mode,
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET ?? null,
          appToken: e.SLACK_APP_TOKEN ?? null,
          apiUrl: e.SLACK_API_URL ?? null,
        }
      : null,
    teams,
    links: {
      publicUrl: e.INFRALENS_PUBLIC_URL ?? null,
      secret: linkSecret,
      ttlSec: e.INFRALENS_LINK_HOURS * 3600,
    },
    port: e.PORT,
    redisUrl: e.REDIS_URL,
    demo: e.INFRALENS_DEMO === '1',
    prefix: e.INFRALENS_QUEUE_PREFIX,
    retentionSec: e.INFRALENS_RETENTION_DAYS * 86_400,
    rate: { userPerMin: e.INFRALENS_USER_RATE, channelPerMin: e.INFRALENS_CHANNEL_RATE },
    shutdownMs: e.INFRALENS_SHUTDOWN_MS,
    turnConcurrency: e.INFRALENS_TURN_CONCURRENCY,
    jobLockMs: e.INFRALENS_JOB_LOCK_MS,
    logLevel: e.LOG_LEVEL,
    agent,
    fleet,
    secrets,
  };
}

/** The Teams settings: all of app id, tenant and one credential, or none of them. */
function teamsConfigFrom(e: z.output<typeof Env>): TeamsConfig | null {
  const any =
    e.TEAMS_APP_ID ?? e.TEAMS_APP_PASSWORD ?? e.TEAMS_CERT_FILE ?? e.TEAMS_KEY_FILE ?? e.TEAMS_TENANT_ID;
  if (!any) return null;
  if (!e.TEAMS_APP_ID)
    throw new ConfigError('missing setting TEAMS_APP_ID (the other TEAMS_ settings are set)');
  if (!e.TEAMS_TENANT_ID) throw new ConfigError('missing setting TEAMS_TENANT_ID');
  const cert = e.TEAMS_CERT_FILE || e.TEAMS_KEY_FILE;
  if (cert && !(e.TEAMS_CERT_FILE && e.TEAMS_KEY_FILE))
    throw new ConfigError(`missing setting ${e.TEAMS_CERT_FILE ? 'TEAMS_KEY_FILE' : 'TEAMS_CERT_FILE'}`);
  if (!e.TEAMS_APP_PASSWORD && !cert)
    throw new ConfigError('missing setting TEAMS_APP_PASSWORD (or TEAMS_CERT_FILE and TEAMS_KEY_FILE)');
  if (e.TEAMS_APP_PASSWORD && cert)
    throw new ConfigError('TEAMS_APP_PASSWORD and TEAMS_CERT_FILE are both set: use one credential');
  // the certificate is read when the first token is needed; a path that cannot be read stops start-up now
  for (const [name, file] of [
    ['TEAMS_CERT_FILE', e.TEAMS_CERT_FILE],
    ['TEAMS_KEY_FILE', e.TEAMS_KEY_FILE],
  ] as const) {
    if (!file) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new ConfigError(
        `invalid setting ${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
  }
  return {
    appId: e.TEAMS_APP_ID.toLowerCase(),
    tenantId: e.TEAMS_TENANT_ID.toLowerCase(),
    secret: e.TEAMS_APP_PASSWORD ?? null,
    cert: cert ? { certFile: e.TEAMS_CERT_FILE!, keyFile: e.TEAMS_KEY_FILE! } : null,
    authority: e.TEAMS_AUTHORITY,
    issuers: (e.TEAMS_ISSUERS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}

/** What the CLI's fleet commands (`hosts`, `collect`, `history`, `digest`) share with the bot. */
export interface CliFleetConfig {
  redisUrl: string;
  prefix: string;
  /** how long each host's score history is kept, days (INFRALENS_HISTORY_DAYS, as the bot keeps it). */
  historyDays: number;
  /** null without SLACK_BOT_TOKEN: `infralens digest --now` is then a dry run. */
  slack: { botToken: string; apiUrl: string | null } | null;
  /** every secret value, for the logger to mask. */
  secrets: string[];
}

const CliEnv = Env.pick({
  REDIS_URL: true,
  INFRALENS_QUEUE_PREFIX: true,
  INFRALENS_HISTORY_DAYS: true,
  SLACK_BOT_TOKEN: true,
  SLACK_API_URL: true,
}).partial({ SLACK_BOT_TOKEN: true });

/**
 * The CLI's fleet settings, read with the bot's names, checks and defaults (REDIS_URL,
 * INFRALENS_QUEUE_PREFIX, INFRALENS_HISTORY_DAYS, SLACK_BOT_TOKEN, SLACK_API_URL) so both find the same
 * history and queues.
 */
export function cliFleetConfigFrom(env: Record<string, string | undefined>): CliFleetConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = CliEnv.safeParse(present);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ConfigError(`invalid setting ${i.path.join('.')}: ${i.message}`);
  }
  const e = parsed.data;
  const secrets = e.SLACK_BOT_TOKEN ? [e.SLACK_BOT_TOKEN] : [];
  const redisPassword = /^rediss?:\/\/[^@/]*:([^@/]+)@/.exec(e.REDIS_URL)?.[1];
  if (redisPassword) secrets.push(decodeURIComponent(redisPassword));
  return {
    redisUrl: e.REDIS_URL,
    prefix: e.INFRALENS_QUEUE_PREFIX,
    historyDays: e.INFRALENS_HISTORY_DAYS,
    slack: e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN, apiUrl: e.SLACK_API_URL ?? null } : null,
    secrets,
  };
}
