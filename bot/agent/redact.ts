/**
 * Redaction: before anything goes to the model, host names, IP addresses, serial numbers, GPU/MIG UUIDs
 * and user names are replaced by placeholders (HOST_1, IP_1, …); the model's tool inputs and its answer
 * are restored afterwards. On by default (INFRALENS_REDACT=0 turns it off). The map is plain data that the
 * conversation state keeps, so a placeholder means the same value in every turn, on any worker.
 */
export type RedactKind = 'HOST' | 'SERIAL' | 'USER' | 'IP' | 'UUID';

export interface RedactionState {
  enabled: boolean;
  /** [value, placeholder] pairs, in the order they were assigned. */
  pairs: [string, string][];
}

const PLACEHOLDER = /\b(?:HOST|IP|SERIAL|USER|UUID)_\d+\b/g;
const IS_PLACEHOLDER = /^(?:HOST|IP|SERIAL|USER|UUID)_\d+$/;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  private readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private sorted: [string, string][] | null = null;

  constructor(readonly enabled = true) {}

  static from(state: RedactionState): Redactor {
    const r = new Redactor(state.enabled);
    for (const [value, p] of state.pairs) {
      r.forward.set(value, p);
      r.backward.set(p, value);
      const [kind, n] = [p.slice(0, p.lastIndexOf('_')), Number(p.slice(p.lastIndexOf('_') + 1))];
      r.counters.set(kind, Math.max(r.counters.get(kind) ?? 0, n));
    }
    return r;
  }

  /** every value the map holds (host names, IPs, user names the conversation has seen). */
  values(): string[] {
    return [...this.forward.keys()];
  }

  toJSON(): RedactionState {
    return { enabled: this.enabled, pairs: [...this.forward] };
  }

  /** Register values that must be masked wherever they appear (host names, serials, user names). */
  add(kind: RedactKind, values: Iterable<string | null | undefined>): void {
    for (const v of values) if (v && v.length >= 3 && !IS_PLACEHOLDER.test(v)) this.placeholder(kind, v);
  }

  /** The name the model sees for a value (the value itself when redaction is off or it is not registered). */
  maskValue(value: string): string {
    return this.enabled ? (this.forward.get(value) ?? value) : value;
  }

  private placeholder(kind: string, value: string): string {
    const known = this.forward.get(value);
    if (known) return known;
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const p = `${kind}_${n}`;
    this.forward.set(value, p);
    this.backward.set(p, value);
    this.sorted = null;
    return p;
  }

  mask(text: string): string {
    if (!this.enabled) return text;
    let out = text;
    // longest first, so `gpu-node-01.example` is masked before `gpu-node-01`
    this.sorted ??= [...this.forward].sort((a, b) => b[0].length - a[0].length);
    // whole tokens only: a host called `gpu` must not turn `gpus` or `gpu-node` into `HOST_1s`
    for (const [value, p] of this.sorted)
      if (out.includes(value))
        out = out.replace(new RegExp(`(?<![\\w-])${escapeRe(value)}(?![\\w-])`, 'g'), p);
    out = out.replace(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, (ip) => this.placeholder('IP', ip));
    out = out.replace(/\b(GPU|MIG)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, (u) =>
      this.placeholder('UUID', u),
    );
    return out;
  }

  unmask(text: string): string {
    if (!this.enabled) return text;
    return text.replace(PLACEHOLDER, (p) => this.backward.get(p) ?? p);
  }

  /** Restore placeholders in every string of a value (the model's tool inputs). */
  unmaskDeep<T>(value: T): T {
    return this.enabled ? (deep(value, (s) => this.unmask(s)) as T) : value;
  }

  /** Mask every string of a value (tool inputs replayed into the model's history). */
  maskDeep<T>(value: T): T {
    return this.enabled ? (deep(value, (s) => this.mask(s)) as T) : value;
  }
}

function deep(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => deep(x, f));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x, f)]));
  return v;
}
