/**
 * Where conversation state lives between turns. The CLI keeps it in memory; the chat bots keep it in
 * Redis (jobs/) with a retention. A store only saves and loads whole states: one turn of a conversation
 * runs at a time (the jobs layer serialises turns per conversation).
 */
import { ConversationState } from './state.ts';

export interface ConversationStore {
  load(id: string): Promise<ConversationState | null>;
  save(state: ConversationState): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Parse a stored value; null (start afresh) when it is not a state of this version. */
export function parseState(raw: unknown): ConversationState | null {
  const r = ConversationState.safeParse(raw);
  return r.success ? r.data : null;
}

export class MemoryStore implements ConversationStore {
  private readonly states = new Map<string, string>();

  async load(id: string): Promise<ConversationState | null> {
    const raw = this.states.get(id);
    return raw === undefined ? null : parseState(JSON.parse(raw));
  }

  async save(state: ConversationState): Promise<void> {
    // stored as JSON, as a remote store would: nothing shared by reference between turns
    this.states.set(state.id, JSON.stringify(state));
  }

  async delete(id: string): Promise<void> {
    this.states.delete(id);
  }
}
