/**
 * Agent configuration, read once at the entry point from the environment and validated with zod.
 */
import { z } from 'zod';
import { ConfigError } from '../../tools/errors.ts';

/** A current Sonnet-class model of the SDK's list (claude-sonnet-4-5 reaches end of life 2026-11-30). */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

const Env = z.object({
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  ANTHROPIC_MODEL: z.string().min(1).default(DEFAULT_MODEL),
  INFRALENS_REDACT: z.enum(['0', '1']).default('1'),
  INFRALENS_AGENT_DEADLINE_MS: z.coerce.number().int().positive().default(120_000),
  INFRALENS_TOOL_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});

export interface AgentConfig {
  apiKey: string | null;
  baseURL: string | null;
  model: string;
  redact: boolean;
  deadlineMs: number;
  toolTimeoutMs: number;
}

export function agentConfigFrom(env: Record<string, string | undefined>): AgentConfig {
  const parsed = Env.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success)
    throw new ConfigError(
      `invalid agent configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const e = parsed.data;
  return {
    apiKey: e.ANTHROPIC_API_KEY ?? null,
    baseURL: e.ANTHROPIC_BASE_URL ?? null,
    model: e.ANTHROPIC_MODEL,
    redact: e.INFRALENS_REDACT === '1',
    deadlineMs: e.INFRALENS_AGENT_DEADLINE_MS,
    toolTimeoutMs: e.INFRALENS_TOOL_TIMEOUT_MS,
  };
}
