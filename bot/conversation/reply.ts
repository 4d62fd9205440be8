/**
 * What one turn gives back to a chat surface: a short markdown answer (the direct answer first), the
 * structured parts a surface can render natively (score, findings, plan, commands), the attachments the
 * tools produced (the PDF), and what it cost. Built from the tool calls of the turn, never from the text.
 * `safeReply` makes every string of it safe to show (scoring/text-safety.ts).
 */
import type { Finding } from '../../scoring/findings.ts';
import type { Lang } from '../../scoring/report.ts';
import type { Score } from '../../scoring/score.ts';
import { inlineNames, isInline, mapStrings, safeInline, safeText } from '../../scoring/text-safety.ts';
import type { ComputeScoreResult } from '../../tools/agent/tools/compute-score.ts';
import type { GeneratePlacementResult } from '../../tools/agent/tools/generate-placement.ts';
import type { Attachment, ToolCall } from '../../tools/agent/types.ts';
import type { ModelUsage } from '../agent/model.ts';

export interface ReplyParts {
  /** the score of the host the turn was about (the last compute_score of the turn). */
  score: { host: string | null; value: number; grade: string; components: Score['components'] } | null;
  /** the findings the tools returned this turn, deduplicated, most severe first as the tools sorted them. */
  findings: Finding[];
  /** the placement plan (the last generate_placement of the turn). */
  plan: GeneratePlacementResult | null;
  commands: GeneratePlacementResult['commands'];
}

export interface Reply {
  conversationId: string;
  /** markdown; the answer to the question is in its first line. */
  text: string;
  lang: Lang;
  mode: 'llm' | 'offline';
  /** why the offline analyst answered when a model was configured. */
  fallbackReason: string | null;
  parts: ReplyParts;
  attachments: Attachment[];
  /** problems with the inputs of this turn (a file that could not be read, and why). */
  notes: string[];
  toolCalls: { name: string; input: unknown; ok: boolean; ms: number; error: string | null }[];
  usage: ModelUsage;
  /** claims the grounding check removed from the model's answer. */
  removed: string[];
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

/** The structured parts and attachments of a turn, collected from its tool calls. */
export function collectParts(calls: readonly ToolCall[]): { parts: ReplyParts; attachments: Attachment[] } {
  const findings: Finding[] = [];
  const attachments: Attachment[] = [];
  let score: ReplyParts['score'] = null;
  let plan: GeneratePlacementResult | null = null;
  for (const c of calls) {
    if (c.outcome.status !== 'success') continue;
    findings.push(...c.outcome.findings);
    attachments.push(...c.outcome.attachments);
    if (c.name === 'compute_score') {
      const d = c.outcome.data as ComputeScoreResult;
      if (d.score)
        score = { host: d.host, value: d.score.value, grade: d.score.grade, components: d.score.components };
    }
    if (c.name === 'generate_placement') plan = c.outcome.data as GeneratePlacementResult;
  }
  return {
    parts: { score, findings: dedupe(findings), plan, commands: plan?.commands ?? [] },
    attachments,
  };
}

/** The strings of a value (the turn's snapshots) that hold a newline, a tab or a control character. */
export function unsafeStrings(value: unknown): string[] {
  const out = new Set<string>();
  mapStrings(value, (s) => {
    if (s.length > 1 && !isInline(s)) out.add(s);
    return s;
  });
  return [...out];
}

/**
 * The reply as a chat surface shows it: control characters replaced in every string (the answer keeps its
 * lines and tabs; every other field is one line), and each of `names` — values from the inputs that hold a
 * newline, a tab or a control character (`unsafeStrings`) — written on one line wherever the answer quotes
 * it, so a name cannot forge lines of the answer. Attachments keep their bytes.
 */
export function safeReply(reply: Reply, names: readonly string[] = []): Reply {
  return { ...mapStrings(reply, (s) => safeInline(s)), text: safeText(inlineNames(reply.text, names)) };
}
