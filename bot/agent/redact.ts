/**
 * Redaction: before anything goes to the model, host names, IP addresses, serial numbers, GPU/MIG UUIDs
 * and user names are replaced by placeholders (HOST_1, IP_1, …); the answer is restored afterwards. On by
 * default (INFRALENS_REDACT=0 turns it off).
 */
export class Redactor {
  private readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();
  private counters = new Map<string, number>();

  constructor(readonly enabled = true) {}

  /** Register values that must be masked wherever they appear (host names, serials, user names). */
  add(kind: 'HOST' | 'SERIAL' | 'USER', values: Iterable<string | null | undefined>): void {
    for (const v of values) if (v && v.length >= 3) this.placeholder(kind, v);
  }

  private placeholder(kind: string, value: string): string {
    const known = this.forward.get(value);
    if (known) return known;
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const p = `${kind}_${n}`;
    this.forward.set(value, p);
    this.backward.set(p, value);
    return p;
  }

  mask(text: string): string {
    if (!this.enabled) return text;
    let out = text;
    // longest first, so `gpu-node-01.example` is masked before `gpu-node-01`
    for (const [value, p] of [...this.forward].sort((a, b) => b[0].length - a[0].length))
      out = out.split(value).join(p);
    out = out.replace(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, (ip) => this.placeholder('IP', ip));
    out = out.replace(/\b(GPU|MIG)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, (u) =>
      this.placeholder('UUID', u),
    );
    return out;
  }

  unmask(text: string): string {
    if (!this.enabled) return text;
    return text.replace(/\b(?:HOST|IP|SERIAL|USER|UUID)_\d+\b/g, (p) => this.backward.get(p) ?? p);
  }
}
