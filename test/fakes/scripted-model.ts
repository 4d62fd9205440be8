/**
 * A scripted model (the model port's fake): replays scripted turns in order and records every request, so
 * conversation tests run the real loop, tools and grounding without HTTP. The wire-level fake
 * (`anthropic.ts`) exercises the real SDK; this one keeps the conversation tests small and fast.
 */
import {
  type Block,
  ModelError,
  type ModelPort,
  type ModelRequest,
  type ModelResponse,
  type StopReason,
} from '../../bot/agent/model.ts';

export type ScriptedTurn = ModelResponse | ModelError | ((req: ModelRequest) => ModelResponse | ModelError);

export class ScriptedModel implements ModelPort {
  readonly id = 'scripted';
  readonly requests: ModelRequest[] = [];
  private readonly turns: ScriptedTurn[];
  private n = 0;

  constructor(turns: ScriptedTurn[] = []) {
    this.turns = [...turns];
  }

  script(turns: ScriptedTurn[]): void {
    this.turns.push(...turns);
  }

  pending(): number {
    return this.turns.length;
  }

  async create(req: ModelRequest, signal: AbortSignal): Promise<ModelResponse> {
    if (signal.aborted) throw new ModelError('unavailable', 'aborted');
    this.requests.push(structuredClone(req));
    const t = this.turns.shift();
    if (t === undefined)
      throw new Error(`ScriptedModel: no scripted turn left for request ${this.requests.length}`);
    const r = typeof t === 'function' ? t(req) : t;
    if (r instanceof ModelError) throw r;
    return structuredClone(r);
  }

  /** a fresh tool_use id. */
  nextId(): string {
    this.n += 1;
    return `toolu_scripted_${this.n}`;
  }
}

const usage = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 };

/** A text answer (end_turn unless told). */
export function say(text: string, stopReason: StopReason = 'end_turn'): ModelResponse {
  return { content: [{ type: 'text', text }], stopReason, usage };
}

let ids = 0;
/** One or more tool calls in one response (parallel calls). */
export function call(...calls: [name: string, input?: Record<string, unknown>][]): ModelResponse {
  const content: Block[] = calls.map(([name, input]) => {
    ids += 1;
    return { type: 'tool_use', id: `toolu_s${ids}`, name, input: input ?? {} };
  });
  return { content, stopReason: 'tool_use', usage };
}

export function stop(stopReason: StopReason, content: Block[] = []): ModelResponse {
  return { content, stopReason, usage };
}

/** The JSON of every tool_result the last request carried, by tool_use id order. */
export function lastResults(req: ModelRequest): { content: string; is_error?: boolean }[] {
  const last = req.messages.at(-1);
  if (!last || typeof last.content === 'string') return [];
  return last.content
    .filter((b) => b.type === 'tool_result')
    .map((b) => b as unknown as { content: string; is_error?: boolean });
}
