/**
 * Helpers the fixture generators share (scripts/make-scenarios.ts, scripts/make-fleet-proxmox.ts): fixed-
 * width hex, deterministic well-formed GPU UUIDs, and setting one element's text in the real `-q -x`
 * template they start from.
 */

export function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Deterministic, well-formed GPU UUIDs (FNV-1a over the seed). */
export function uuidFor(seed: string, i: number): string {
  let h = 2166136261;
  const out: string[] = [];
  for (let k = 0; k < 16; k++) {
    for (const ch of `${seed}-${i}-${k}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out.push(hex(h & 0xff, 2));
  }
  const s = out.join('');
  return `GPU-${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** The first `<tag>` (inside the first `<within>` when given) set to `value`. */
export function setTag(xml: string, tag: string, value: string, within?: string): string {
  if (within) {
    const re = new RegExp(`(<${within}>)([\\s\\S]*?)(</${within}>)`);
    return xml.replace(re, (_m, a: string, body: string, c: string) => a + setTag(body, tag, value) + c);
  }
  return xml.replace(new RegExp(`<${tag}>[^<]*</${tag}>`), `<${tag}>${value}</${tag}>`);
}
