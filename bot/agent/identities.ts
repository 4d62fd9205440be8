/**
 * Names a user typed that an answer may repeat without a tool having returned them: a host name they
 * asked about ("How is gpu-node-99 doing?" → "gpu-node-99 is not a host I know"). Only host-like tokens
 * that start with a letter; never GPU, VM or NIC references, model names, quantities ("80C", "16GB") or
 * bare numbers, so a number in the question still grounds no claim about the results.
 */
export function questionIdentities(question: string): string[] {
  const out = new Set<string>();
  for (const m of question.matchAll(/[A-Za-z][\w.-]*/g)) {
    const tok = m[0].replace(/[.-]+$/, '');
    if (/^(?:gpus?|vms?|nics?|mig|gi|ci|numa|node|cpu|pcie|gen)[\s#_-]?\d+$/i.test(tok)) continue;
    // host-like: a letter and a separator (gpu-node-99, dgx-03, node_7, db1.example); a bare model name
    // the user typed (H100, A100) grounds nothing, or "is my H100 slow?" could be answered about an H100
    if (/[-_.]/.test(tok) && /[A-Za-z]/.test(tok) && tok.length >= 3) out.add(tok);
  }
  return [...out];
}
