/**
 * The turn worker's Teams surface: files fetched from their pre-authorised download URLs (personal chat
 * only), replies as Adaptive Cards (bot/teams/cards.ts), and the typing indicator repeated while a turn
 * runs (Teams shows it for a few seconds).
 */
import type { Logger } from '../../jobs/log.ts';
import type { Kv } from '../../jobs/queue/kv.ts';
import type { TurnSurface } from '../turns.ts';
import { replyCards, textCards } from './cards.ts';
import { downloadTeamsFile } from './download.ts';
import { refOf } from './refs.ts';
import { downloadError } from './texts.ts';
import type { TokenSource } from './token.ts';
import { sendTyping } from './transport.ts';

export function teamsSurface(deps: {
  kv: Kv;
  tokens: TokenSource;
  log: Logger;
  fetch?: typeof fetch;
}): TurnSurface {
  return {
    download: (f) => downloadTeamsFile(f, deps.fetch ? { fetch: deps.fetch } : {}),
    replyMessages: (reply, o) => replyCards(reply, o),
    textMessages: (text) => textCards(text),
    downloadError,
    working: async (to) => {
      const ref = await refOf(deps.kv, to.channel);
      if (ref) await sendTyping(ref, deps.tokens, deps.fetch);
    },
  };
}
