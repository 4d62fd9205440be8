/**
 * The turn worker's Slack surface: files fetched with the bot token (`files:read`), replies as Block Kit
 * (bot/slack/blocks.ts). The turn itself — downloads checked, the conversation core, the reply stored
 * before it is sent, one turn per conversation at a time — is the surface-free bot/turns.ts.
 */
import type { TurnSurface } from '../turns.ts';
import { replyMessages, textMessages } from './blocks.ts';
import { downloadSlackFile } from './download.ts';

/** Slack as a turn surface; `fetch` for downloads (tests may count requests; production: global fetch). */
export function slackSurface(botToken: string, opts: { fetch?: typeof fetch } = {}): TurnSurface {
  return {
    download: (f) => downloadSlackFile(f, botToken, opts.fetch ? { fetch: opts.fetch } : {}),
    replyMessages: (reply, o) => replyMessages(reply, o),
    textMessages: (text) => textMessages(text),
  };
}

/** A Slack Web API error's code (`channel_not_found`, `ratelimited`), or the error's kind. */
export function slackError(e: unknown): string {
  const x = e as { code?: string; data?: { error?: string } };
  return (x.data?.error ?? x.code ?? 'error').slice(0, 60);
}
