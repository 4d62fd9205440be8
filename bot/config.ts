/**
 * The bot's configuration, read once from the environment at the entry point (bot/main.ts) and validated
 * with zod. A missing or malformed setting stops start-up with one line naming it, never its value (it may
 * be a secret). Every secret is also handed to the logger, which masks it wherever it would appear.
 */
import { z } from 'zod';
import { ConfigError } from '../tools/errors.ts';
import { type AgentConfig, agentConfigFrom } from './agent/config.ts';

export type BotMode = 'bot' | 'worker';

const Env = z.object({
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[\w-]+$/, 'a bot token (xoxb-…)'),
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
});

export interface SlackConfig {
  botToken: string;
  signingSecret: string | null;
  appToken: string | null;
  /** the Web API base URL with its trailing slash; null: Slack's own. */
  apiUrl: string | null;
}

export interface BotConfig {
  mode: BotMode;
  slack: SlackConfig;
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
  // HTTP mode verifies every request with the signing secret; Socket Mode needs none
  if (mode === 'bot' && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
    throw new ConfigError('missing setting SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');
  const agent = agentConfigFrom(env);
  const secrets = [e.SLACK_BOT_TOKEN, e.SLACK_SIGNING_SECRET, e.SLACK_APP_TOKEN, agent.apiKey].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  // a password in the Redis URL is a secret too
  const redisPassword = /^rediss?:\/\/[^@/]*:([^@/]+)@/.exec(e.REDIS_URL)?.[1];
  if (redisPassword) secrets.push(decodeURIComponent(redisPassword));
  return {
    mode,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? null,
      appToken: e.SLACK_APP_TOKEN ?? null,
      apiUrl: e.SLACK_API_URL ?? null,
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
    secrets,
  };
}
