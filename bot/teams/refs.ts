/**
 * Teams conversation references: what the bot must know to post into a conversation later (the reply of
 * a queued turn, a daily post, an alert) — the connector's service URL, the conversation, the tenant and
 * the bot's own account. The front door stores one for every authenticated activity it accepts (the
 * service URL is then one the token's `serviceurl` claim vouched for); the send queue's Teams transport
 * reads it. A channel thread (`19:…@thread.tacv2;messageid=…`) is also stored under its channel's id, so a
 * daily post configured for the channel (`surface: teams, id: 19:…@thread.tacv2`) finds it once anyone
 * has talked to the bot there, or the bot was added to the team.
 */
import { z } from 'zod';
import type { Kv } from '../../jobs/queue/kv.ts';

export const ConversationRef = z.object({
  serviceUrl: z.string().url().max(500),
  conversationId: z.string().min(1).max(400),
  /** `personal`, `channel` or `groupChat` (Teams' `conversation.conversationType`). */
  conversationType: z.enum(['personal', 'channel', 'groupChat']),
  tenantId: z.string().max(100).nullable(),
  bot: z.object({ id: z.string().max(200), name: z.string().max(200).optional() }),
  /** the team's id (`channelData.team.id`), for a channel. */
  teamId: z.string().max(200).nullable(),
  at: z.number(),
});
export type ConversationRef = z.infer<typeof ConversationRef>;

/** A channel's own id: a thread's conversation id without its `;messageid=…`. */
export function baseConversationId(id: string): string {
  const i = id.indexOf(';messageid=');
  return i < 0 ? id : id.slice(0, i);
}

export const refKey = (conversationId: string) => `teams-ref-${conversationId}`;

/** References live as long as conversations (retention), refreshed by every activity. */
export async function saveRef(kv: Kv, ref: ConversationRef, ttlSec: number): Promise<void> {
  const entries = [{ key: refKey(ref.conversationId), value: ref, ttlSec }];
  const base = baseConversationId(ref.conversationId);
  if (base !== ref.conversationId)
    entries.push({ key: refKey(base), value: { ...ref, conversationId: base }, ttlSec });
  await kv.multiSetJson(entries);
}

/** The stored reference of a conversation (or of the channel a thread belongs to); null: none yet. */
export async function refOf(kv: Kv, conversationId: string): Promise<ConversationRef | null> {
  const direct = ConversationRef.safeParse(await kv.getJson(refKey(conversationId)));
  if (direct.success) return direct.data;
  const base = baseConversationId(conversationId);
  if (base === conversationId) return null;
  const channel = ConversationRef.safeParse(await kv.getJson(refKey(base)));
  return channel.success ? { ...channel.data, conversationId } : null;
}
