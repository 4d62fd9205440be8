/**
 * The agent: one turn of a conversation. Our own loop over `client.messages.create` (no beta tool runner,
 * no server-side threads): the model calls our tools, every `tool_use` gets its `tool_result` (parallel
 * calls too), failures come back as `is_error` results, and the loop is bounded by an iteration cap, a
 * per-tool timeout (the runner), an overall deadline and a token budget. The final answer is checked for
 * grounding (every number must come from a tool result of the turn): re-prompted once, then stripped.
 * When there is no API key, or the API fails after the SDK's retries, the offline analyst answers.
 */
import { readFileSync } from 'node:fs';
import type Anthropic from '@anthropic-ai/sdk';
import type { Finding } from '../../scoring/findings.ts';
import type { Lang } from '../../scoring/report.ts';
import { toolSchemas } from '../../tools/agent/index.ts';
import { resultText } from '../../tools/agent/runner.ts';
import type { Session } from '../../tools/agent/session.ts';
import type { Services, ToolContext, ToolRunner } from '../../tools/agent/types.ts';
import { checkGrounding, stripUngrounded } from './grounding.ts';
import { languageOf } from './lang.ts';
import { offlineAnswer } from './offline.ts';
import { Redactor } from './redact.ts';

export const SYSTEM_PROMPT = readFileSync(new URL('../prompts/system.md', import.meta.url), 'utf8');

type MessageParam = Anthropic.MessageParam;
type ContentBlock = Anthropic.ContentBlock;

export interface AgentOptions {
  /** null = no API key: the offline analyst answers. */
  client: Anthropic | null;
  model: string;
  runner: ToolRunner;
  session: Session;
  services: Services;
  redact?: boolean;
  maxIterations?: number;
  deadlineMs?: number;
  maxTokens?: number;
  /** input + output tokens one turn may spend. */
  tokenBudget?: number;
  /** earlier turns of the conversation (model-side, redacted form). */
  history?: MessageParam[];
  /** called with each tool call (for logs and the chat surface's status line). */
  onTool?: (name: string, ok: boolean, ms: number) => void;
}

export interface AgentResult {
  text: string;
  lang: Lang;
  mode: 'llm' | 'offline';
  /** why the offline analyst answered, when it did. */
  fallbackReason: string | null;
  findings: Finding[];
  pdf: { bytes: Uint8Array; filename: string } | null;
  toolCalls: { name: string; ok: boolean }[];
  usage: { inputTokens: number; outputTokens: number };
  /** claims removed by the grounding check. */
  removed: string[];
  /** the conversation to pass back as `history` next turn. */
  history: MessageParam[];
}

const NOTE_REMOVED: Record<Lang, string> = {
  en: '(A statement that could not be verified against the data was removed.)',
  ko: '(데이터로 확인할 수 없는 내용은 삭제했습니다.)',
};
const NOTE_OFFLINE: Record<Lang, string> = {
  en: '(Answered by the offline analyst: Claude is not available right now.)',
  ko: '(오프라인 분석기가 답했습니다: 지금은 Claude를 쓸 수 없습니다.)',
};

/** Errors after which the offline analyst takes over (the SDK has already retried 429/5xx). */
function isOutage(e: unknown): boolean {
  const err = e as { status?: number; name?: string };
  if (typeof err.status === 'number') return err.status === 429 || err.status >= 500 || err.status === 408;
  return /APIConnection|Timeout|AbortError/.test(err.name ?? '');
}

const REDACTORS = new WeakMap<Session, Redactor>();

export async function runAgent(question: string, o: AgentOptions): Promise<AgentResult> {
  const lang = languageOf(question);
  const session = o.session;
  session.artifacts = { findings: [], pdf: null };
  const deadline = Date.now() + (o.deadlineMs ?? 120_000);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.deadlineMs ?? 120_000);
  const ctx: ToolContext = { session, services: o.services, signal: controller.signal };
  const toolCalls: AgentResult['toolCalls'] = [];
  const usage = { inputTokens: 0, outputTokens: 0 };
  const finish = (
    text: string,
    mode: AgentResult['mode'],
    fallbackReason: string | null,
    removed: string[],
    history: MessageParam[],
  ): AgentResult => ({
    text,
    lang,
    mode,
    fallbackReason,
    findings: dedupe(session.artifacts.findings),
    pdf: session.artifacts.pdf,
    toolCalls,
    usage,
    removed,
    history,
  });

  const offline = async (reason: string | null): Promise<AgentResult> => {
    session.artifacts = { findings: [], pdf: null };
    const a = await offlineAnswer(question, lang, o.runner, ctx);
    for (const x of a.outcomes) toolCalls.push({ name: x.name, ok: x.outcome.status === 'success' });
    const text = reason ? `${a.text}\n\n${NOTE_OFFLINE[lang]}` : a.text;
    return finish(text, 'offline', reason, [], o.history ?? []);
  };

  try {
    if (!o.client) return await offline(null);
    // one redactor per conversation, so placeholders mean the same thing in every turn of the history
    let redactor = REDACTORS.get(session);
    if (!redactor || redactor.enabled !== (o.redact ?? true)) {
      redactor = new Redactor(o.redact ?? true);
      REDACTORS.set(session, redactor);
    }
    try {
      const snaps = session.load();
      redactor.add('HOST', session.hosts());
      redactor.add(
        'SERIAL',
        snaps.flatMap((s) => s.gpus.map((g) => g.serial)),
      );
    } catch {
      // no data: the tools will say so
    }
    const messages: MessageParam[] = [
      ...(o.history ?? []),
      { role: 'user', content: redactor.mask(question) },
    ];
    const tools = toolSchemas();
    const sources: string[] = [question];
    let maxTokens = o.maxTokens ?? 2048;
    let reprompted = false;
    for (let i = 0; i < (o.maxIterations ?? 10); i++) {
      if (Date.now() > deadline) return await offline('deadline exceeded');
      if (usage.inputTokens + usage.outputTokens > (o.tokenBudget ?? 200_000))
        return await offline('token budget exceeded');
      let resp: Anthropic.Message;
      try {
        resp = await o.client.messages.create(
          { model: o.model, max_tokens: maxTokens, system: SYSTEM_PROMPT, tools, messages },
          { signal: controller.signal },
        );
      } catch (e) {
        if (isOutage(e)) return await offline(`${(e as Error).name}: ${(e as Error).message}`.slice(0, 200));
        throw e;
      }
      usage.inputTokens += resp.usage?.input_tokens ?? 0;
      usage.outputTokens += resp.usage?.output_tokens ?? 0;
      const content = resp.content as ContentBlock[];
      const toolUses = content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');

      if (resp.stop_reason === 'max_tokens' && toolUses.length > 0) {
        // a tool call cut short has truncated arguments: ask again with more room
        maxTokens = Math.min(maxTokens * 2, 16_384);
        continue;
      }
      messages.push({ role: 'assistant', content });
      if (resp.stop_reason === 'pause_turn') continue;
      if (toolUses.length > 0) {
        const results = await Promise.all(
          toolUses.map(async (u) => {
            const outcome = await o.runner.run(u.name, u.input, ctx);
            toolCalls.push({ name: u.name, ok: outcome.status === 'success' });
            o.onTool?.(u.name, outcome.status === 'success', outcome.ms);
            const text = resultText(outcome);
            sources.push(text);
            return {
              type: 'tool_result' as const,
              tool_use_id: u.id,
              content: redactor.mask(text),
              ...(outcome.status === 'error' ? { is_error: true } : {}),
            };
          }),
        );
        messages.push({ role: 'user', content: results });
        continue;
      }
      // a final answer
      let text = content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text')
        .map((b) => b.text)
        .join('\n')
        .trim();
      if (resp.stop_reason === 'max_tokens')
        text += lang === 'ko' ? '\n(답이 길어 잘렸습니다.)' : '\n(The answer was cut short.)';
      const unmasked = redactor.unmask(text);
      const bad = checkGrounding(unmasked, sources);
      if (bad.length > 0 && !reprompted) {
        reprompted = true;
        const claims = [...new Set(bad.flatMap((b) => b.claims))].join(', ');
        messages.push({
          role: 'user',
          content:
            lang === 'ko'
              ? `다음 값은 도구 결과에 없습니다: ${claims}. 도구 결과에 있는 값만 써서 답을 다시 쓰세요.`
              : `These values are not in any tool result of this turn: ${claims}. Rewrite the answer using only values from the tool results.`,
        });
        continue;
      }
      const removed = bad.flatMap((b) => b.claims);
      const final = bad.length > 0 ? `${stripUngrounded(unmasked, bad)}\n\n${NOTE_REMOVED[lang]}` : unmasked;
      return finish(final, 'llm', null, removed, messages);
    }
    return await offline('iteration cap reached');
  } finally {
    clearTimeout(timer);
  }
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}:${f.workloads.join(',')}:${f.gpus.join(',')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
