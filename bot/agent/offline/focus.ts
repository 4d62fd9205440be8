/**
 * What an answer was about, kept by the conversation between turns (plain JSON) so that the next question
 * can say "it", "the second one", "and GPU 5?" or "how do I fix it?". Validated on the way back in: a
 * focus that does not match (an older version, another analyst's JSON) is ignored.
 */
import { z } from 'zod';

export const TOPICS = [
  'overview',
  'slow',
  'score',
  'idle',
  'mig',
  'nvlink',
  'numa',
  'memory',
  'ecc',
  'pcie',
  'clocks',
  'nic',
  'fix',
  'gains',
  'report',
  'compare',
  'entity',
  'inventory',
  'finding',
  'change',
  'offtopic',
  /** "what does NUMA mean?": a plain definition, then how it applies here. */
  'define',
  /** data InfraLens does not collect (disk, CPU temperature, network bandwidth, prices). */
  'absent',
  /** "can I put another job here?", "where should a new 2-GPU job go?". */
  'capacity',
  /** "is it safe to reboot?". */
  'reboot',
  /** "what should I change first?", "제일 급한 거 뭐야?". */
  'first',
  /** "why?" after an answer: the cause of what it was about. */
  'why',
] as const;
export const Topic = z.enum(TOPICS);
export type Topic = z.infer<typeof Topic>;

const Gpus = z.array(z.number().int().min(0).max(1023)).max(64);
const Names = z.array(z.string().max(200)).max(64);

/** One thing an answer listed, in the order it listed them ("the second one" = items[1]). */
export const FocusItem = z.object({
  kind: z.enum(['finding', 'workload', 'gpu', 'host', 'move', 'command']),
  host: z.string().max(200).nullable(),
  /** the finding's rule, for findings (and the rules a move resolves, first one). */
  rule: z.string().max(60).nullable(),
  gpus: Gpus,
  workloads: Names,
});
export type FocusItem = z.infer<typeof FocusItem>;

export const Focus = z.object({
  v: z.literal(1),
  topic: Topic,
  host: z.string().max(200).nullable(),
  gpus: Gpus,
  workloads: Names,
  /** the rules the answer was about (e.g. numa-mismatch), to narrow "how do I fix it?". */
  rules: z.array(z.string().max(60)).max(20),
  items: z.array(FocusItem).max(40),
});
export type Focus = z.infer<typeof Focus>;

/** The previous focus when it is ours and valid; null otherwise. */
export function parseFocus(value: unknown): Focus | null {
  const r = Focus.safeParse(value);
  return r.success ? r.data : null;
}
