/**
 * One call to the Bot Framework connector (the REST service Teams answers through): an activity posted to
 * a conversation (`POST {serviceUrl}v3/conversations/{id}/activities[/{replyToId}]`) with the bot's bearer
 * token. The service URL comes from a stored reference (bot/teams/refs.ts), i.e. from an activity whose
 * token vouched for it, so the token is never sent anywhere else.
 *
 * Errors are sorted for the send queue: 429 → `RateLimited` (its Retry-After); 401 → `Unauthorized` (the
 * caller refreshes the token once); 403 / 404 / 400 → `PermanentSendError` (the bot was removed, the
 * conversation is gone, the activity is invalid); anything else (5xx, network, timeout) → a plain Error,
 * retried with backoff.
 */
import { PermanentSendError, RateLimited } from '../../jobs/queue/outbox.ts';
import type { ConversationRef } from './refs.ts';

export class Unauthorized extends Error {
  override name = 'Unauthorized';
}

export interface ConnectorCall {
  token: string;
  /** the activity to reply to (a channel thread's root, a personal chat's message). */
  replyToId?: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The activities URL of a conversation (the service URL with exactly one slash before `v3`). */
export function activitiesUrl(
  ref: Pick<ConversationRef, 'serviceUrl' | 'conversationId'>,
  replyToId?: string | null,
): string {
  const base = ref.serviceUrl.endsWith('/') ? ref.serviceUrl : `${ref.serviceUrl}/`;
  const url = `${base}v3/conversations/${encodeURIComponent(ref.conversationId)}/activities`;
  return replyToId ? `${url}/${encodeURIComponent(replyToId)}` : url;
}

/** Post one activity; resolves the id the connector gave it (null when it gave none). */
export async function postActivity(
  ref: ConversationRef,
  activity: Record<string, unknown>,
  call: ConnectorCall,
): Promise<string | null> {
  const body = {
    ...activity,
    channelId: 'msteams',
    serviceUrl: ref.serviceUrl,
    conversation: {
      id: ref.conversationId,
      conversationType: ref.conversationType,
      ...(ref.tenantId ? { tenantId: ref.tenantId } : {}),
    },
    from: ref.bot,
    ...(call.replyToId ? { replyToId: call.replyToId } : {}),
  };
  const res = await (call.fetch ?? fetch)(activitiesUrl(ref, call.replyToId), {
    method: 'POST',
    headers: { Authorization: `Bearer ${call.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(call.timeoutMs ?? 15_000),
  });
  const text = await res.text().catch(() => '');
  if (res.status === 429) {
    const after = Number(res.headers.get('retry-after') ?? '1');
    throw new RateLimited((Number.isFinite(after) && after > 0 ? after : 1) * 1000);
  }
  if (res.status === 401) throw new Unauthorized(`the connector refused the bot's token (401)`);
  if (res.status === 400 || res.status === 403 || res.status === 404)
    throw new PermanentSendError(`Teams refused the message: ${res.status} ${errorCode(text)}`.trim());
  if (!res.ok) throw new Error(`the Teams connector answered ${res.status}`);
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** The error code of a connector error body (`{error:{code}}`), never its message (it may echo input). */
function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.replace(/[^\w.-]/g, '').slice(0, 60) : '';
  } catch {
    return '';
  }
}
