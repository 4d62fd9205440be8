/**
 * The Claude path of one turn: our own tool-use loop over the model port (stateless Messages API; no beta
 * tool runner, no server-side threads). Every `tool_use` gets its `tool_result` (parallel calls run
 * concurrently), tool inputs are unmasked before a tool runs and results masked before the model reads
 * them, failures come back as `is_error` results, and the loop is bounded by an iteration cap, a per-tool
 * timeout (the runner), an overall deadline and a token budget. The final answer is checked for grounding
 * against every tool result of the conversation: re-prompted once, then the offending clauses removed.
 *
 * The loop never answers offline itself: when the model cannot give a usable answer it returns a
 * `fallback` with the reason, and the conversation core asks the offline analyst (saying so).
 */
import { readFileSync } from 'node:fs';
import type { Lang } from '../../scoring/report.ts';
import type { ToolSchema } from '../../tools/agent/index.ts';
import { resultText } from '../../tools/agent/runner.ts';
import type { ToolCall, ToolContext, ToolRunner } from '../../tools/agent/types.ts';
import { projectRoot } from '../../tools/paths.ts';
import { checkGrounding, type GroundingIndex, stripUngrounded } from './grounding.ts';
import {
  type Block,
  isText,
  isToolUse,
  ModelError,
  type ModelMessage,
  type ModelPort,
  type ModelRequest,
  type ModelUsage,
  type ToolResultBlock,
} from './model.ts';
import type { Redactor } from './redact.ts';

export const SYSTEM_PROMPT = readFileSync(new URL('bot/prompts/system.md', projectRoot()), 'utf8');

export interface AgentLimits {
  maxIterations: number;
  deadlineMs: number;
  /** max_tokens of the first request (room for adaptive thinking and the answer). */
  maxTokens: number;
  /** the most max_tokens a retry may ask for (non-streaming calls must stay under ~21k). */
  maxTokensCap: number;
  /** input + output tokens one turn may spend. */
  tokenBudget: number;
}

export const DEFAULT_LIMITS: AgentLimits = {
  maxIterations: 10,
  deadlineMs: 120_000,
  maxTokens: 8_192,
  maxTokensCap: 16_000,
  tokenBudget: 400_000,
};

export interface AgentInput {
  /** the user's words, unmasked. */
  question: string;
  lang: Lang;
  model: ModelPort;
  runner: ToolRunner;
  ctx: Omit<ToolContext, 'signal'>;
  redactor: Redactor;
  /** the conversation so far, model-side (masked) form. */
  history: ModelMessage[];
  tools: ToolSchema[];
  /** every tool result of the conversation so far; this turn's results are added to it. */
  grounding: GroundingIndex;
  limits?: Partial<AgentLimits>;
  thinking?: 'adaptive' | 'off';
  /** called after each tool call (logs, metrics, a chat surface's status line). */
  onTool?: (call: ToolCall) => void;
}

export type AgentOutcome =
  | {
      kind: 'answer';
      /** unmasked, grounded. */
      text: string;
      /** claims removed by the grounding check. */
      removed: string[];
      toolCalls: ToolCall[];
      usage: ModelUsage;
      /** the conversation after this turn (masked), to store. */
      history: ModelMessage[];
    }
  | {
      kind: 'fallback';
      reason: string;
      /** who must act: `model` (unavailable / refused / could not answer) or `config` (an operator). */
      cause: 'model' | 'config';
      toolCalls: ToolCall[];
      usage: ModelUsage;
    };

export const NOTE_REMOVED: Record<Lang, string> = {
  en: '(A statement that could not be verified against the data was removed.)',
  ko: '(데이터로 확인할 수 없는 내용은 삭제했습니다.)',
};

const REPROMPT: Record<Lang, (claims: string) => string> = {
  en: (c) =>
    `These values are not in any tool result of this conversation: ${c}. Rewrite the answer using only values from the tool results (call a tool if you need one), keeping the direct answer first.`,
  ko: (c) =>
    `다음 값은 이 대화의 도구 결과에 없습니다: ${c}. 도구 결과에 있는 값만 써서 답을 다시 쓰세요 (필요하면 도구를 호출하세요). 직접적인 답을 첫 줄에 두세요.`,
};

/** The request copy of the messages with a cache breakpoint on the last block (stored history has none). */
function withCacheBreakpoint(messages: ModelMessage[]): ModelMessage[] {
  if (messages.length === 0) return messages;
  const last = messages.at(-1)!;
  const blocks: Block[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
  const tail = blocks.at(-1);
  if (tail && (tail.type === 'text' || tail.type === 'tool_result'))
    blocks[blocks.length - 1] = { ...tail, cache_control: { type: 'ephemeral' } } as Block;
  return [...messages.slice(0, -1), { role: last.role, content: blocks }];
}

export async function runAgent(o: AgentInput): Promise<AgentOutcome> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const { lang, redactor } = o;
  const controller = new AbortController();
  const deadline = Date.now() + limits.deadlineMs;
  const timer = setTimeout(() => controller.abort(), limits.deadlineMs);
  const ctx: ToolContext = { ...o.ctx, signal: controller.signal };
  const toolCalls: ToolCall[] = [];
  const usage: ModelUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const fallback = (reason: string, cause: 'model' | 'config' = 'model'): AgentOutcome => ({
    kind: 'fallback',
    reason,
    cause,
    toolCalls,
    usage,
  });

  const system: ModelRequest['system'] = [
    { type: 'text', text: SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } },
  ];
  const tools = o.tools.map((t, i, all) =>
    i === all.length - 1 ? { ...t, cache_control: { type: 'ephemeral' as const } } : t,
  );
  const messages: ModelMessage[] = [...o.history, { role: 'user', content: redactor.mask(o.question) }];
  /** where this turn's answer attempts start: a re-prompt exchange is not kept in the stored history. */
  let answerStart = -1;
  let maxTokens = limits.maxTokens;
  let reprompted = false;
  let roomRetried = false;

  try {
    for (let i = 0; i < limits.maxIterations; i++) {
      if (Date.now() > deadline) return fallback('deadline exceeded');
      if (usage.inputTokens + usage.outputTokens > limits.tokenBudget)
        return fallback('token budget exceeded');
      let resp: Awaited<ReturnType<ModelPort['create']>>;
      try {
        resp = await o.model.create(
          {
            system,
            tools,
            messages: withCacheBreakpoint(messages),
            maxTokens,
            thinking: o.thinking ?? 'adaptive',
          },
          controller.signal,
        );
      } catch (e) {
        const err = e instanceof ModelError ? e : new ModelError('unavailable', String(e));
        if (controller.signal.aborted) return fallback('deadline exceeded');
        return fallback(err.message, err.kind === 'config' ? 'config' : 'model');
      }
      usage.inputTokens += resp.usage.inputTokens;
      usage.outputTokens += resp.usage.outputTokens;
      usage.cacheReadTokens += resp.usage.cacheReadTokens;
      usage.cacheWriteTokens += resp.usage.cacheWriteTokens;
      const content = resp.content;
      const toolUses = content.filter(isToolUse);
      const answer = content
        .filter(isText)
        .map((b) => b.text)
        .join('\n')
        .trim();

      if (resp.stopReason === 'refusal') return fallback('the model declined to answer (refusal)');
      if (resp.stopReason === 'model_context_window_exceeded')
        return fallback('the conversation is longer than the model can read (context window exceeded)');
      if (resp.stopReason === 'max_tokens' && (toolUses.length > 0 || (answer === '' && !roomRetried))) {
        // a tool call cut short has truncated arguments; an answer cut during thinking has no text: more room
        if (toolUses.length === 0) roomRetried = true;
        if (maxTokens >= limits.maxTokensCap) return fallback('the answer did not fit in max_tokens');
        maxTokens = Math.min(maxTokens * 2, limits.maxTokensCap);
        continue;
      }
      if (resp.stopReason === 'pause_turn') {
        messages.push({ role: 'assistant', content });
        continue;
      }
      if (toolUses.length > 0) {
        messages.push({ role: 'assistant', content });
        const results: ToolResultBlock[] = await Promise.all(
          toolUses.map(async (u) => {
            const input = redactor.unmaskDeep(u.input);
            const outcome = await o.runner.run(u.name, input, ctx);
            const call = { name: u.name, input, outcome };
            toolCalls.push(call);
            o.onTool?.(call);
            // the data grounds the answer, and so does an error's text (the answer may quote the cause)
            o.grounding.add(outcome.status === 'success' ? outcome.data : { error: outcome.error });
            return {
              type: 'tool_result' as const,
              tool_use_id: u.id,
              content: redactor.mask(resultText(outcome)),
              ...(outcome.status === 'error' ? { is_error: true } : {}),
            };
          }),
        );
        messages.push({ role: 'user', content: results });
        continue;
      }

      // a final answer
      if (answer === '') return fallback('the model returned no text');
      if (answerStart < 0) answerStart = messages.length;
      const unmasked = redactor.unmask(answer);
      const bad = checkGrounding(unmasked, o.grounding);
      if (bad.length > 0 && !reprompted) {
        reprompted = true;
        const claims = [...new Set(bad.flatMap((b) => b.claims))].join(', ');
        messages.push({ role: 'assistant', content });
        messages.push({ role: 'user', content: REPROMPT[lang](redactor.mask(claims)) });
        continue;
      }
      const removed = bad.flatMap((b) => b.claims);
      let final = unmasked;
      if (bad.length > 0) {
        const kept = stripUngrounded(unmasked, bad);
        if (kept.replace(/[\s\p{P}]/gu, '').length < 6)
          return fallback('nothing of the model’s answer could be verified against the data');
        final = `${kept}\n\n${NOTE_REMOVED[lang]}`;
      }
      if (resp.stopReason === 'max_tokens')
        final += lang === 'ko' ? '\n(답이 길어 잘렸습니다.)' : '\n(The answer was cut short.)';
      const history = [
        ...messages.slice(0, answerStart),
        { role: 'assistant' as const, content: [{ type: 'text' as const, text: redactor.mask(final) }] },
      ];
      return { kind: 'answer', text: final, removed, toolCalls, usage, history };
    }
    return fallback('iteration cap reached');
  } finally {
    clearTimeout(timer);
  }
}
