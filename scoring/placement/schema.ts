/** The placement plan's JSON shape (part of `analyze --json`, docs/json.md). */
import { z } from 'zod';
import { Finding, Text } from '../findings.ts';
import { Score } from '../score.ts';

export const Command = z.object({
  step: z.number().int(),
  command: z.string(),
  what: Text,
  /** the step interrupts a workload or a GPU. */
  downtime: z.boolean(),
  /** contains a placeholder (<…>) the operator fills in; `what` says how. */
  manual: z.boolean(),
});
export type Command = z.infer<typeof Command>;

export const Target = z.object({
  gpus: z.array(z.number().int()),
  /** `whole`, or the MIG profile / vGPU share the workload gets on its GPU. */
  form: z.string(),
  cpus: z.string().nullable(),
  /** the NUMA node of the GPUs when they are all on one; null when they span several or none is known. */
  numaNode: z.number().int().nullable(),
  /** every known NUMA node the GPUs sit on (several for a job that spans nodes). */
  numaNodes: z.array(z.number().int()),
});
export type Target = z.infer<typeof Target>;

export const Move = z.object({
  workload: z.string(),
  from: Target,
  to: Target,
  /** findings (rule, GPUs) of the current state that this move resolves. */
  resolves: z.array(z.object({ rule: z.string(), gpus: z.array(z.number().int()) })),
  reason: Text,
});
export type Move = z.infer<typeof Move>;

export const Gain = z.object({
  model: z.string(),
  summary: Text,
  before: z.number(),
  after: z.number(),
  unit: z.string(),
  figures: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type Gain = z.infer<typeof Gain>;

export const Placement = z.object({
  /** the objective: score after − MOVE_COST × moves (docs/placement.md). */
  objective: z.object({
    value: z.number(),
    scoreAfter: z.number().nullable(),
    /** why `scoreAfter` is null (what the inputs lack), else null. */
    scoreAfterReason: Text.nullable(),
    moves: z.number().int(),
    moveCost: z.number(),
  }),
  /** every workload's target (unchanged ones too), and the subset that changes. */
  targets: z.record(z.string(), Target),
  moves: z.array(Move),
  after: z.object({ score: Score.nullable(), findings: z.array(Finding) }),
  expected: z.array(Gain),
  commands: z.array(Command),
  /** workloads the plan could not consider, and other remarks. */
  notes: z.array(z.string()),
  /** how the optimum was found. */
  search: z.object({
    method: z.string(),
    /** leaves (complete plans) evaluated. */
    explored: z.number().int(),
    /** search nodes visited, and the budget of nodes (no clock is read: the same input gives the same plan). */
    nodes: z.number().int(),
    budget: z.number().int(),
    /** false when the search budget ran out: the plan is the best found, within `bound` of the optimum. */
    exact: z.boolean(),
    /** upper bound on the objective. */
    bound: z.number(),
  }),
});
export type Placement = z.infer<typeof Placement>;
