/**
 * Conversation state in Redis, with a retention: any worker can run a conversation's next turn. The turn
 * worker saves a state together with the reply it produced (one MULTI), so a turn that is retried after a
 * crash neither runs twice nor loses its answer: `BufferedStore` holds the state `runTurn` saves until the
 * worker writes both.
 */
import type { Kv } from '../../jobs/queue/kv.ts';
import type { ConversationState } from './state.ts';
import { type ConversationStore, parseState } from './store.ts';

export const stateKey = (id: string) => `conv-${id}`;

export class RedisStore implements ConversationStore {
  constructor(
    private readonly kv: Kv,
    private readonly ttlSec: number,
  ) {}

  async load(id: string): Promise<ConversationState | null> {
    return parseState(await this.kv.getJson(stateKey(id)));
  }

  async save(state: ConversationState): Promise<void> {
    await this.kv.setJson(stateKey(state.id), state, this.ttlSec);
  }

  async delete(id: string): Promise<void> {
    await this.kv.del(stateKey(id));
  }
}

/** Loads through to Redis; keeps what is saved until the caller writes it with the reply. */
export class BufferedStore implements ConversationStore {
  saved: ConversationState | null = null;

  constructor(private readonly inner: ConversationStore) {}

  load(id: string): Promise<ConversationState | null> {
    return this.inner.load(id);
  }

  async save(state: ConversationState): Promise<void> {
    this.saved = state;
  }

  async delete(id: string): Promise<void> {
    this.saved = null;
    await this.inner.delete(id);
  }
}
