/**
 * Names a user typed that an answer may repeat without a tool having returned them: a host name they
 * asked about ("How is gpu-node-99 doing?" → "gpu-node-99 is not a host I know"). Only identifiers that
 * start with a letter; never GPU, VM or NIC references, quantities ("80C", "16GB") or bare numbers, so a
 * number in the question still grounds no claim about the results.
 */
export function questionIdentities(question: string): string[] {
  const out = new Set<string>();
  for (const m of question.matchAll(/[A-Za-z][\w.-]*/g)) {
    const tok = m[0].replace(/[.-]+$/, '');
    if (/^(?:gpus?|vms?|nics?|mig|gi|ci|numa|node|cpu|pcie|gen)[\s#_-]?\d+$/i.test(tok)) continue;
    if (/\d/.test(tok) || /^[A-Za-z]+(?:-[A-Za-z0-9]+)+$/.test(tok)) out.add(tok);
  }
  return [...out];
}
