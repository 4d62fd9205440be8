/**
 * The last few Sessions, by their inputs (names, bytes and given VM ids): parsing and analysing the same
 * files again for every turn and tool call of a conversation is most of a turn's work. A Session is
 * read-only once built, so sharing it between turns is safe.
 */
import { createHash } from 'node:crypto';
import type { InputFile } from '../ingest/index.ts';
import { Session } from './session.ts';

export class SessionCache {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly size = 8) {}

  /** The key of a set of inputs (order matters: it decides which file wins a conflict). */
  static keyOf(files: readonly InputFile[]): string {
    const h = createHash('sha256');
    for (const f of files) {
      h.update(`${f.name}\0${f.vmid ?? ''}\0`);
      h.update(typeof f.content === 'string' ? Buffer.from(f.content) : f.content);
      h.update('\0\0');
    }
    return h.digest('hex');
  }

  /** The cached Session of a key, or the one `make` builds (then cached). */
  get(key: string, make: () => Session): Session {
    const cached = this.sessions.get(key);
    if (cached) {
      // most recently used last
      this.sessions.delete(key);
      this.sessions.set(key, cached);
      return cached;
    }
    const session = make();
    this.sessions.set(key, session);
    while (this.sessions.size > this.size) this.sessions.delete(this.sessions.keys().next().value!);
    return session;
  }

  /** The Session of these inputs. */
  of(files: readonly InputFile[]): Session {
    return this.get(SessionCache.keyOf(files), () => new Session(files));
  }
}
