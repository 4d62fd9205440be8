import type { HostContext } from '../context.ts';
import type { Finding, RuleId } from '../findings.ts';

/** One rule per file; `index.ts` lists them. A rule reads the host context and returns findings. */
export interface Rule {
  id: RuleId;
  /** one line for docs and `infralens rules`. */
  summary: string;
  evaluate(ctx: HostContext): Finding[];
}
