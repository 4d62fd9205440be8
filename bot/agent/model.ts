/**
 * The model port: what the agent loop needs from an LLM, with no vendor SDK in it. The messages mirror
 * the Messages API wire format (so history is plain JSON that can be stored and replayed); the Anthropic
 * implementation is `anthropic.ts`, the scripted fake for tests is `test/fakes/scripted-model.ts`.
 */

export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error?: boolean;
  cache_control?: CacheControl;
}
/** thinking, redacted_thinking and blocks we do not read: kept unchanged and sent back as they came. */
export interface OtherBlock {
  type: string;
  [k: string]: unknown;
}
export type Block = TextBlock | ToolUseBlock | ToolResultBlock | OtherBlock;

export interface CacheControl {
  type: 'ephemeral';
}

export interface ModelMessage {
  role: 'user' | 'assistant';
  content: string | Block[];
}

export interface ModelTool {
  name: string;
  description: string;
  input_schema: { type: 'object'; [k: string]: unknown };
  cache_control?: CacheControl;
}

export interface ModelRequest {
  system: { type: 'text'; text: string; cache_control?: CacheControl }[];
  messages: ModelMessage[];
  tools: ModelTool[];
  maxTokens: number;
  /** adaptive thinking (the model decides how much); off sends no thinking parameter. */
  thinking: 'adaptive' | 'off';
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'
  | (string & {});

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface ModelResponse {
  content: Block[];
  stopReason: StopReason;
  usage: ModelUsage;
}

export interface ModelPort {
  /** the model id, for logs. */
  readonly id: string;
  create(request: ModelRequest, signal: AbortSignal): Promise<ModelResponse>;
}

/**
 * A model failure, by who must act: `unavailable` (overloaded, rate limited after retries, network,
 * timeout — the offline analyst answers), `config` (bad key, unknown model — an operator must fix it; the
 * offline analyst still answers, and the reason is logged), `request` (we sent something invalid — a bug).
 */
export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    readonly kind: 'unavailable' | 'config' | 'request',
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status ?? null;
  }
  readonly status: number | null;
}

export const isToolUse = (b: Block): b is ToolUseBlock => b.type === 'tool_use';
export const isText = (b: Block): b is TextBlock => b.type === 'text';
