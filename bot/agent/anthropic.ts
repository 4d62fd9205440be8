/**
 * The model port over `@anthropic-ai/sdk` (Messages API, non-streaming `messages.create`). The SDK retries
 * 408/409/429/5xx and connection errors itself (`maxRetries`); what still fails is mapped to ModelError by
 * who must act. This is the only file of the agent that imports the SDK.
 */
import Anthropic from '@anthropic-ai/sdk';
import {
  type Block,
  ModelError,
  type ModelPort,
  type ModelRequest,
  type ModelResponse,
  type StopReason,
} from './model.ts';

export interface AnthropicOptions {
  apiKey: string;
  baseURL?: string | null;
  model: string;
  maxRetries?: number;
  /** per HTTP request, ms (the SDK's own default is 10 minutes). */
  timeoutMs?: number;
}

export class AnthropicModel implements ModelPort {
  readonly id: string;
  private readonly client: Anthropic;

  constructor(o: AnthropicOptions) {
    this.id = o.model;
    this.client = new Anthropic({
      apiKey: o.apiKey,
      ...(o.baseURL ? { baseURL: o.baseURL } : {}),
      maxRetries: o.maxRetries ?? 2,
      timeout: o.timeoutMs ?? 120_000,
    });
  }

  async create(req: ModelRequest, signal: AbortSignal): Promise<ModelResponse> {
    let resp: Anthropic.Message;
    try {
      resp = await this.client.messages.create(
        {
          model: this.id,
          max_tokens: req.maxTokens,
          system: req.system,
          tools: req.tools as Anthropic.Tool[],
          messages: req.messages as Anthropic.MessageParam[],
          ...(req.thinking === 'adaptive' ? { thinking: { type: 'adaptive' as const } } : {}),
        },
        { signal },
      );
    } catch (e) {
      throw toModelError(e);
    }
    return {
      content: resp.content as unknown as Block[],
      stopReason: (resp.stop_reason ?? 'end_turn') as StopReason,
      usage: {
        inputTokens: resp.usage?.input_tokens ?? 0,
        outputTokens: resp.usage?.output_tokens ?? 0,
        cacheReadTokens: resp.usage?.cache_read_input_tokens ?? 0,
        cacheWriteTokens: resp.usage?.cache_creation_input_tokens ?? 0,
      },
    };
  }
}

/** SDK errors → ModelError; the message never carries the key (the SDK does not put it in messages). */
export function toModelError(e: unknown): ModelError {
  if (e instanceof ModelError) return e;
  const err = e as { status?: number; name?: string; message?: string };
  const msg = `${err.name ?? 'Error'}: ${err.message ?? String(e)}`.slice(0, 300);
  if (typeof err.status === 'number') {
    const s = err.status;
    if (s === 401 || s === 403 || s === 404) return new ModelError('config', msg, { cause: e, status: s });
    if (s === 400 || s === 413 || s === 422) return new ModelError('request', msg, { cause: e, status: s });
    return new ModelError('unavailable', msg, { cause: e, status: s });
  }
  // APIConnectionError, APIConnectionTimeoutError, APIUserAbortError (our deadline), fetch failures
  return new ModelError('unavailable', msg, { cause: e });
}
