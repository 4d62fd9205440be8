/**
 * Grounding: every number, GPU index and identifier with digits (host names like gpu-node-01, models like
 * H200, profiles like 1g.18gb) in an answer must appear in a tool result of that turn (or in the question). The checker lists the sentences that break the rule; the loop asks the model once
 * to restate, then removes what is still ungrounded and says so.
 */

export interface Ungrounded {
  sentence: string;
  claims: string[];
}

function numbersIn(text: string): string[] {
  // "/100" is the score's scale, not a claim
  return text.replace(/\/\s?100\b/g, ' ').match(/(?<![\w.])\d+(?:\.\d+)?(?![\w])/g) ?? [];
}

const norm = (n: string) => {
  const v = Number(n);
  return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : n;
};

/** Every number that appears in the sources (JSON values and numbers inside strings), normalised. */
export function groundTruth(sources: readonly string[]): { numbers: Set<string>; text: string } {
  const numbers = new Set<string>();
  for (const s of sources)
    for (const n of s.match(/-?\d+(?:\.\d+)?/g) ?? []) numbers.add(norm(n.replace(/^-/, '')));
  return { numbers, text: sources.join('\n').toLowerCase() };
}

/** Split into sentences (and list items / lines), keeping the text. */
export function sentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?。])\s+(?=[A-Z가-힣(*\-•])/))
    .filter((s) => s.trim() !== '');
}

export function checkGrounding(answer: string, sources: readonly string[]): Ungrounded[] {
  const truth = groundTruth(sources);
  const out: Ungrounded[] = [];
  for (const sentence of sentences(answer)) {
    const claims: string[] = [];
    // GPU indexes: GPU5 / GPU 5
    for (const m of sentence.matchAll(/\bGPU\s?(\d+)\b/g))
      if (!truth.text.includes(`gpu${m[1]}`) && !truth.text.includes(`"index":${m[1]}`)) claims.push(m[0]);
    const withoutIds = sentence
      .replace(/\bGPU\s?\d+\b/g, ' ')
      .replace(/^\s*(?:\d+[.)]|[-*•])\s+/, ' ') // list markers
      .replace(/\b[\w.-]*[A-Za-z][\w.-]*\d[\w.-]*\b|\b\d[\w.-]*[A-Za-z][\w.-]*\b/g, (tok) => {
        // identifiers with digits (1g.18gb, H200, NV6, mlx5_0, 0000:17:00.0) must appear as they are
        if (!truth.text.includes(tok.toLowerCase())) claims.push(tok);
        return ' ';
      });
    for (const n of numbersIn(withoutIds)) if (!truth.numbers.has(norm(n))) claims.push(n);
    if (claims.length > 0) out.push({ sentence, claims: [...new Set(claims)] });
  }
  return out;
}

/** Remove the ungrounded sentences. */
export function stripUngrounded(answer: string, bad: readonly Ungrounded[]): string {
  let out = answer;
  for (const b of bad) out = out.split(b.sentence).join('');
  return out
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
