/**
 * The conversation core: one turn in (text, uploaded files, who asks, the conversation id) → one reply out,
 * with no transport in it. `ask`, `chat`, the Slack bot and the Teams bot all call `runTurn`. The state of
 * the conversation (history, inputs, redaction map, language, the offline analyst's focus) is loaded from
 * a store, updated and saved, so any worker can run the next turn.
 *
 * Claude answers when a model is configured; the offline analyst answers without one, and instead of one
 * whenever the model cannot give a usable answer (unavailable, refusal, context window, nothing left after
 * grounding) — saying so in the reply.
 */
import { createHash } from 'node:crypto';
import type { Lang } from '../../scoring/report.ts';
import { toolSchemas } from '../../tools/agent/index.ts';
import { resultText } from '../../tools/agent/runner.ts';
import { Session } from '../../tools/agent/session.ts';
import type { SessionCache } from '../../tools/agent/session-cache.ts';
import type { Services, ToolCall, ToolContext, ToolRunner } from '../../tools/agent/types.ts';
import { type InputFile, MAX_INPUT_BYTES } from '../../tools/ingest/index.ts';
import { GroundingIndex } from '../agent/grounding.ts';
import { questionIdentities } from '../agent/identities.ts';
import { languageOf } from '../agent/lang.ts';
import { type AgentLimits, runAgent } from '../agent/loop.ts';
import type { Block, ModelMessage, ModelPort, ModelUsage } from '../agent/model.ts';
import { offlineAnswer } from '../agent/offline/index.ts';
import { Redactor } from '../agent/redact.ts';
import { collectParts, type Reply, safeReply, unsafeStrings } from './reply.ts';
import { type ConversationState, LIMITS, newState } from './state.ts';
import type { ConversationStore } from './store.ts';

export interface TurnInput {
  conversationId: string;
  /** the user's words (may be empty when the message only carries files). */
  text: string;
  /** files uploaded with this message; they join the conversation's inputs. */
  files?: InputFile[];
  /** who asks (their name and id are masked before the model sees them). */
  user?: { id: string; name?: string };
}

export interface TurnDeps {
  store: ConversationStore;
  /** null: no model configured, the offline analyst answers. */
  model: ModelPort | null;
  runner: ToolRunner;
  services: Services;
  /** inputs every conversation of this surface sees (a demo scenario, the configured fleet). */
  baseInputs?: readonly InputFile[];
  redact: boolean;
  thinking?: 'adaptive' | 'off';
  limits?: Partial<AgentLimits>;
  now?: () => Date;
  onTool?: (call: ToolCall) => void;
  /** Sessions kept between turns (a bot's worker keeps one cache for all its conversations). */
  sessions?: SessionCache;
}

export interface TurnOutput {
  reply: Reply;
  state: ConversationState;
}

const NOTE_OFFLINE: Record<Lang, Record<'model' | 'config', string>> = {
  en: {
    model: '(Answered by the offline analyst: Claude could not answer right now.)',
    config:
      '(Answered by the offline analyst: the Claude API refused our credentials or model; an operator should check ANTHROPIC_API_KEY and INFRALENS_MODEL.)',
  },
  ko: {
    model: '(오프라인 분석기가 답했습니다: 지금은 Claude가 답할 수 없습니다.)',
    config:
      '(오프라인 분석기가 답했습니다: Claude API가 키 또는 모델을 받아들이지 않았습니다. 운영자가 ANTHROPIC_API_KEY와 INFRALENS_MODEL을 확인해야 합니다.)',
  },
};

const UPLOAD_ONLY: Record<Lang, string> = {
  en: 'What do these files show? Give the overall diagnosis.',
  ko: '이 파일들에서 무엇을 알 수 있나요? 전체 진단을 알려 주세요.',
};

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = (c: Uint8Array | string) => (typeof c === 'string' ? Buffer.from(c) : c);

/** Add uploads to the state: the same name replaces the older file; caps are enforced with a note. */
function addInputs(state: ConversationState, files: readonly InputFile[], now: Date, lang: Lang): string[] {
  const notes: string[] = [];
  for (const f of files) {
    const bytes = bytesOf(f.content);
    const name = f.name.split(/[\\/]/).pop() || 'upload.txt';
    if (bytes.byteLength > MAX_INPUT_BYTES) {
      notes.push(
        lang === 'ko'
          ? `${name}: ${(bytes.byteLength / 1048576).toFixed(1)} MiB로 한도(${MAX_INPUT_BYTES / 1048576} MiB)를 넘습니다. 명령 출력만 보내 주세요.`
          : `${name}: ${(bytes.byteLength / 1048576).toFixed(1)} MiB is over the ${MAX_INPUT_BYTES / 1048576} MiB limit; send the command outputs only.`,
      );
      continue;
    }
    const hash = sha256(bytes);
    const kept = state.inputs.filter((x) => x.name !== name && x.sha256 !== hash);
    const total = kept.reduce((a, x) => a + x.bytes, 0) + bytes.byteLength;
    if (kept.length + 1 > LIMITS.inputs || total > LIMITS.inputBytes) {
      notes.push(
        lang === 'ko'
          ? `${name}: 이 대화의 파일 한도(${LIMITS.inputs}개, ${LIMITS.inputBytes / 1048576} MiB)를 넘어 추가하지 않았습니다. 새 스레드에서 시작하세요.`
          : `${name}: not added, this conversation holds its maximum of files (${LIMITS.inputs}, ${LIMITS.inputBytes / 1048576} MiB); start a new thread.`,
      );
      continue;
    }
    state.inputs = [
      ...kept,
      {
        name,
        data: Buffer.from(bytes).toString('base64'),
        bytes: bytes.byteLength,
        sha256: hash,
        addedAt: now.toISOString(),
      },
    ];
  }
  return notes;
}

/** Drop the oldest whole turns (a turn starts at a user message with text) until the history fits. */
export function trimHistory(history: ModelMessage[], maxChars: number): ModelMessage[] {
  const size = (m: ModelMessage) =>
    typeof m.content === 'string' ? m.content.length : JSON.stringify(m.content).length;
  let total = history.reduce((a, m) => a + size(m), 0);
  let start = 0;
  while (total > maxChars) {
    let next = start + 1;
    while (
      next < history.length &&
      !(history[next]!.role === 'user' && typeof history[next]!.content === 'string')
    )
      next++;
    if (next >= history.length) break; // keep the latest turn whole
    for (let i = start; i < next; i++) total -= size(history[i]!);
    start = next;
  }
  return history.slice(start);
}

/** Every tool result the history holds, as data (JSON where it parses), to ground later answers. */
function groundingFrom(
  history: readonly ModelMessage[],
  redactor: Redactor,
  identities: readonly string[],
): GroundingIndex {
  // names the conversation already holds (hosts, the user's IPs and names) may be echoed back: they are
  // identities, not measurements (strings ground no bare number)
  const results: unknown[] = [{ identities }];
  for (const m of history) {
    if (m.role !== 'user' || typeof m.content === 'string') continue;
    for (const b of m.content as Block[]) {
      if (b.type !== 'tool_result') continue;
      const text = redactor.unmask(String((b as { content: unknown }).content));
      if ((b as { is_error?: boolean }).is_error) {
        results.push({ error: text });
        continue;
      }
      try {
        results.push(JSON.parse(text));
      } catch {
        results.push(text);
      }
    }
  }
  return new GroundingIndex(results);
}

/** The offline turn as Messages API history, so a later Claude turn sees what was looked up and said. */
function offlineHistory(
  question: string,
  calls: readonly ToolCall[],
  answer: string,
  turn: number,
  redactor: Redactor,
): ModelMessage[] {
  const out: ModelMessage[] = [{ role: 'user', content: redactor.mask(question) }];
  if (calls.length > 0) {
    const id = (i: number) => `toolu_offline_${turn}_${i}`;
    out.push({
      role: 'assistant',
      content: calls.map((c, i) => ({
        type: 'tool_use',
        id: id(i),
        name: c.name,
        input: redactor.maskDeep(c.input),
      })),
    });
    out.push({
      role: 'user',
      content: calls.map((c, i) => ({
        type: 'tool_result',
        tool_use_id: id(i),
        content: redactor.mask(resultText(c.outcome)),
        ...(c.outcome.status === 'error' ? { is_error: true } : {}),
      })),
    });
  }
  out.push({ role: 'assistant', content: [{ type: 'text', text: redactor.mask(answer) }] });
  return out;
}

export async function runTurn(input: TurnInput, deps: TurnDeps): Promise<TurnOutput> {
  const now = (deps.now ?? (() => new Date()))();
  const state =
    (await deps.store.load(input.conversationId)) ?? newState(input.conversationId, now, deps.redact);
  const lang = languageOf(input.text, state.turns > 0 ? state.lang : 'en');
  const files = input.files ?? [];
  const notes = addInputs(state, files, now, lang);
  const question = input.text.trim() === '' && files.length > 0 ? UPLOAD_ONLY[lang] : input.text.trim();

  const stored = state.inputs.map((x) => ({ name: x.name, content: Buffer.from(x.data, 'base64') }));
  const inputs = [...(deps.baseInputs ?? []), ...stored];
  const session = deps.sessions ? deps.sessions.of(inputs) : new Session(inputs);
  // uploads that cannot be read are said once, then dropped (they would fail every later turn too)
  const rejected = new Set(session.rejectedFiles());
  const uploaded = new Set(files.map((f) => f.name.split(/[\\/]/).pop()));
  for (const n of session.notes()) if ([...uploaded].some((u) => u && n.startsWith(`${u}:`))) notes.push(n);
  state.inputs = state.inputs.filter((x) => !rejected.has(x.name) || !uploaded.has(x.name));

  const redactor = Redactor.from(
    state.redaction.enabled === deps.redact ? state.redaction : { enabled: deps.redact, pairs: [] },
  );
  let hosts: string[] = [];
  try {
    hosts = session.hosts();
    redactor.add('HOST', hosts);
    redactor.add(
      'SERIAL',
      session.load().flatMap((s) => s.gpus.map((g) => g.serial)),
    );
  } catch {
    // no data: the tools will say so
  }
  if (input.user) redactor.add('USER', [input.user.name, input.user.id]);

  const ctx: Omit<ToolContext, 'signal'> = { session, services: deps.services };
  const history = state.history as ModelMessage[];
  let text: string;
  let mode: Reply['mode'] = 'offline';
  let fallbackReason: string | null = null;
  let calls: ToolCall[] = [];
  let usage: ModelUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  let removed: string[] = [];
  let newHistory: ModelMessage[];
  let focus: unknown = state.focus;

  const agent = deps.model
    ? await runAgent({
        question,
        lang,
        model: deps.model,
        runner: deps.runner,
        ctx,
        redactor,
        history,
        tools: toolSchemas(hosts.map((h) => redactor.maskValue(h))),
        grounding: groundingFrom(history, redactor, [...redactor.values(), ...questionIdentities(question)]),
        ...(deps.limits ? { limits: deps.limits } : {}),
        ...(deps.thinking ? { thinking: deps.thinking } : {}),
        ...(deps.onTool ? { onTool: deps.onTool } : {}),
      })
    : null;
  if (agent?.kind === 'answer') {
    mode = 'llm';
    text = agent.text;
    calls = agent.toolCalls;
    usage = agent.usage;
    removed = agent.removed;
    newHistory = agent.history;
    focus = null;
  } else {
    if (agent) {
      fallbackReason = agent.reason;
      usage = agent.usage;
    }
    const controller = new AbortController();
    const offline = await offlineAnswer({
      question,
      lang,
      runner: deps.runner,
      ctx: { ...ctx, signal: controller.signal },
      focus: state.focus,
      hosts,
    });
    calls = offline.calls;
    for (const c of calls) deps.onTool?.(c);
    focus = offline.focus;
    text = agent ? `${offline.text}\n\n${NOTE_OFFLINE[lang][agent.cause]}` : offline.text;
    newHistory = [...history, ...offlineHistory(question, calls, offline.text, state.turns, redactor)];
  }

  const { parts, attachments } = collectParts(calls);
  state.history = trimHistory(newHistory, LIMITS.historyChars) as ConversationState['history'];
  state.redaction = redactor.toJSON();
  state.lang = lang;
  state.turns += 1;
  state.updatedAt = now.toISOString();
  state.focus = focus ?? null;
  await deps.store.save(state);

  // names from the inputs may hold newlines or control characters: the reply shows them on one line, clean
  let names: string[] = [];
  try {
    names = unsafeStrings(session.load());
  } catch {
    // no data: nothing from the inputs can be in the answer
  }
  return {
    state,
    reply: safeReply(
      {
        conversationId: input.conversationId,
        text,
        lang,
        mode,
        fallbackReason,
        parts,
        attachments,
        notes,
        toolCalls: calls.map((c) => ({
          name: c.name,
          input: c.input,
          ok: c.outcome.status === 'success',
          ms: c.outcome.ms,
          error: c.outcome.status === 'error' ? c.outcome.error : null,
        })),
        usage,
        removed,
      },
      names,
    ),
  };
}
