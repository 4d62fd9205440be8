/**
 * Agent configuration, read once at the entry point from the environment and validated with zod.
 */
import { z } from 'zod';
import { ConfigError } from '../../tools/errors.ts';
import { AnthropicModel } from './anthropic.ts';
import type { ModelPort } from './model.ts';

/** A current Sonnet-class model of the SDK's list (1.16: claude-sonnet-4-5 is gone, end of life 2026-11-30). */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

const Env = z.object({
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  INFRALENS_MODEL: z
    .string()
    .regex(/^[\w.:@/-]{1,100}$/, 'a model id such as claude-sonnet-5-5')
    .optional(),
  /** the older name of INFRALENS_MODEL, still read. */
  ANTHROPIC_MODEL: z
    .string()
    .regex(/^[\w.:@/-]{1,100}$/, 'a model id such as claude-sonnet-5-5')
    .optional(),
  INFRALENS_REDACT: z.enum(['0', '1']).default('1'),
  INFRALENS_THINKING: z.enum(['adaptive', 'off']).default('adaptive'),
  INFRALENS_MAX_TOKENS: z.coerce.number().int().min(1024).max(16_000).default(8_192),
  INFRALENS_AGENT_DEADLINE_MS: z.coerce.number().int().positive().default(120_000),
  INFRALENS_TOOL_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});

export interface AgentConfig {
  apiKey: string | null;
  baseURL: string | null;
  model: string;
  redact: boolean;
  thinking: 'adaptive' | 'off';
  maxTokens: number;
  deadlineMs: number;
  toolTimeoutMs: number;
}

export function agentConfigFrom(env: Record<string, string | undefined>): AgentConfig {
  const parsed = Env.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    // one line naming the setting; never the value (it may be a secret)
    const i = parsed.error.issues[0]!;
    throw new ConfigError(`invalid setting ${i.path.join('.')}: ${i.message}`);
  }
  const e = parsed.data;
  return {
    apiKey: e.ANTHROPIC_API_KEY ?? null,
    baseURL: e.ANTHROPIC_BASE_URL ?? null,
    model: e.INFRALENS_MODEL ?? e.ANTHROPIC_MODEL ?? DEFAULT_MODEL,
    redact: e.INFRALENS_REDACT === '1',
    thinking: e.INFRALENS_THINKING,
    maxTokens: e.INFRALENS_MAX_TOKENS,
    deadlineMs: e.INFRALENS_AGENT_DEADLINE_MS,
    toolTimeoutMs: e.INFRALENS_TOOL_TIMEOUT_MS,
  };
}

/** The model the configuration asks for; null without an API key (the offline analyst answers). */
export function modelFrom(c: AgentConfig): ModelPort | null {
  if (!c.apiKey) return null;
  return new AnthropicModel({ apiKey: c.apiKey, baseURL: c.baseURL, model: c.model });
}
