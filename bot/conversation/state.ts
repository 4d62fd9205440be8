/**
 * The state of one conversation (a Slack thread, a Teams conversation, a CLI chat): plain data that a
 * store saves and loads, so a turn can run on any worker. Validated on load: a value that does not match
 * (an older version, a damaged entry) starts a fresh conversation instead of failing the turn.
 */
import { z } from 'zod';

export const STATE_VERSION = 1 as const;

/** Limits on what one conversation keeps (uploads beyond them are refused with the reason). */
export const LIMITS = {
  /** uploaded files kept per conversation. */
  inputs: 64,
  /** their total size, bytes. */
  inputBytes: 64 * 1024 * 1024,
  /** model-side history kept, in characters (about 4 per token); older turns are dropped whole. */
  historyChars: 240_000,
} as const;

const BlockJson = z.looseObject({ type: z.string() });
export const MessageJson = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(BlockJson)]),
});

export const StoredInput = z.object({
  name: z.string(),
  /** the file's bytes, base64. */
  data: z.string(),
  bytes: z.number().int().nonnegative(),
  /** sha-256 of the bytes (hex), to recognise the same file uploaded again. */
  sha256: z.string(),
  addedAt: z.string(),
});
export type StoredInput = z.infer<typeof StoredInput>;

export const ConversationState = z.object({
  v: z.literal(STATE_VERSION),
  id: z.string().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** the language of the last question (a follow-up without words, like "GPU 5?", keeps it). */
  lang: z.enum(['en', 'ko']),
  turns: z.number().int().nonnegative(),
  inputs: z.array(StoredInput),
  /** the model-side conversation (masked), Messages API form. */
  history: z.array(MessageJson),
  redaction: z.object({ enabled: z.boolean(), pairs: z.array(z.tuple([z.string(), z.string()])) }),
  /** what the last answer was about, for the offline analyst's follow-ups (its own JSON). */
  focus: z.unknown(),
});
export type ConversationState = z.infer<typeof ConversationState>;

export function newState(id: string, now: Date, redact: boolean): ConversationState {
  const t = now.toISOString();
  return {
    v: STATE_VERSION,
    id,
    createdAt: t,
    updatedAt: t,
    lang: 'en',
    turns: 0,
    inputs: [],
    history: [],
    redaction: { enabled: redact, pairs: [] },
    focus: null,
  };
}
