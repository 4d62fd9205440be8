/**
 * The contract of an answer composer: which tool calls it needs for an understood question, and how it
 * writes the answer from their typed results — the direct answer (one or two lines), the support
 * (evidence, impact, recommendation), where to get more, and what the answer was about (its focus).
 */
import type { Lang } from '../../../../scoring/report.ts';
import type { CollectResult } from '../../../../tools/agent/tools/collect-nvidia-smi.ts';
import type { ComputeScoreResult } from '../../../../tools/agent/tools/compute-score.ts';
import type { CreateReportResult } from '../../../../tools/agent/tools/create-report.ts';
import type { FindBottlenecksResult } from '../../../../tools/agent/tools/find-bottlenecks.ts';
import type { FindNumaMismatchResult } from '../../../../tools/agent/tools/find-numa-mismatch.ts';
import type { GeneratePlacementResult } from '../../../../tools/agent/tools/generate-placement.ts';
import type { TopologyResult } from '../../../../tools/agent/tools/get-topology.ts';
import type { ListHostsResult } from '../../../../tools/agent/tools/list-hosts.ts';
import type { FocusItem, Topic } from '../focus.ts';
import type { Understanding } from '../understand.ts';

/** What each tool returns, by tool name. */
export interface ToolResults {
  list_hosts: ListHostsResult;
  collect_nvidia_smi: CollectResult;
  get_topology: TopologyResult;
  compute_score: ComputeScoreResult;
  find_numa_mismatch: FindNumaMismatchResult;
  find_bottlenecks: FindBottlenecksResult;
  generate_placement: GeneratePlacementResult;
  create_report: CreateReportResult;
}
export type ToolName = keyof ToolResults;

export type Finding = FindBottlenecksResult['findings'][number];

export interface Call {
  name: ToolName;
  input: Record<string, unknown>;
}

/** The results of one answer's calls: the data of those that succeeded, the error of those that failed. */
export interface Results {
  data: Partial<ToolResults>;
  errors: Partial<Record<ToolName, string>>;
}

export interface AnswerInput {
  u: Understanding;
  lang: Lang;
  /** the host the answer is about (canonical, as list_hosts names it). */
  host: string;
  /** list_hosts' entry for that host. */
  entry: ListHostsResult['hosts'][number];
  r: Results;
}

export interface Composed {
  /** the answer to the question asked (at most two lines). */
  direct: string[];
  /** the evidence, the impact, the recommendation (about ten lines, unless everything was asked). */
  support: string[];
  /** one line on where to get more, or null. */
  more: string | null;
  /** true when the user asked for everything (all commands): the support is not cut. */
  full?: boolean;
  /** how well this host answers the question, for ordering hosts (capacity: room for a new job). */
  rank?: number;
  focus: {
    topic?: Topic;
    gpus: number[];
    workloads: string[];
    rules: string[];
    items: FocusItem[];
  };
}

export interface Composer {
  topic: Topic;
  /** the tool calls this answer needs (list_hosts has already run). */
  calls(u: Understanding, host: string, lang: Lang): Call[];
  compose(input: AnswerInput): Composed;
}
