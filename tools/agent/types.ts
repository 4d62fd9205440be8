/**
 * The agent's tools: each is defined once (zod input schema → validation, the model's JSON schema and the
 * docs) and run through one runner interface, so the jobs layer can move execution onto a queue without
 * touching the loop. Tools never throw at the model: the runner turns every failure into an error result
 * naming the host, the command or file, and the cause.
 *
 * Tools return their results as data and mutate nothing: the JSON the model reads (`data`), plus what a
 * chat surface renders natively (`findings`) and files to attach (`attachments`). The conversation
 * collects findings and attachments from the results of a turn.
 */
import type { z } from 'zod';
import type { HostAnalysis } from '../../scoring/analyze.ts';
import type { Finding } from '../../scoring/findings.ts';
import type { HistoryRecord } from '../../scoring/history.ts';
import type { ReportModel } from '../../scoring/report.ts';
import type { WindowDocument } from '../../scoring/window.ts';
import type { ProxmoxMap } from '../sources/proxmox-map.ts';
import type { Session } from './session.ts';

/** Adapters a tool may use, injected by the entry point (tools/ must not import jobs/ or bot/). */
export interface Services {
  /** render a report model (scoring/report.ts) to PDF bytes. */
  renderReport(model: ReportModel, now: Date): Promise<Uint8Array>;
  now(): Date;
  /** the fleet (INFRALENS_CONFIG) where the bot runs with one: live collection and score history. */
  fleet?: FleetPort;
}

/** One collection of an inventory host, made now and recorded in its history. */
export interface FleetCollection {
  host: string;
  /** when it was collected (ms since the epoch). */
  at: number;
  /** the collector's bundle (null when the collection failed). */
  bundle: string | null;
  /** the history record this collection left, and the host's latest successful one before it. */
  record: HistoryRecord;
  before: HistoryRecord | null;
  error: { kind: string; message: string } | null;
}

/**
 * What the tools may ask of the fleet (implemented in bot/, over jobs/fleet, injected by the entry point):
 * collect an inventory host now, and read its score history. Only hosts the conversation's session knows
 * as inventory hosts are asked for (the session holds the channel's hosts only).
 */
export interface FleetPort {
  collect(host: string): Promise<FleetCollection>;
  /** the host's records of the last `days` days, oldest first. */
  history(host: string, days: number): Promise<HistoryRecord[]>;
  /** the host's GPU window from its Prometheus (`words`: "yesterday", "7d", "이번 주"; default its own). */
  window?(host: string, words?: string): Promise<FleetWindow>;
  /** a Proxmox cluster's VM ↔ GPU ↔ NUMA map from its API (the only one when `cluster` is omitted). */
  proxmoxMap?(cluster?: string): Promise<ProxmoxMap>;
  /** the Proxmox clusters of the inventory (by API). */
  proxmoxClusters?(): string[];
}

/** An inventory host's GPU window, and the host analysed with it (issue 15). */
export interface FleetWindow {
  host: string;
  doc: WindowDocument;
  /** its last collection analysed with the window; null when no collection of it is kept. */
  analysis: HostAnalysis | null;
}

export interface ToolContext {
  session: Session;
  services: Services;
  signal: AbortSignal;
}

/** A file a tool produced for the user (the PDF report). */
export interface Attachment {
  kind: 'pdf';
  filename: string;
  /** a title for the chat surface, e.g. "InfraLens report — gpu-node-01". */
  title: string;
  bytes: Uint8Array;
}

/** What a tool returns: the model's JSON, and what a chat surface renders or attaches. */
export interface ToolReturn<T = unknown> {
  data: T;
  findings?: Finding[];
  attachments?: Attachment[];
}

export interface ToolDef<I = unknown, O = unknown> {
  name: string;
  /** what the tool does, when to use it, what it returns and in which units (the model reads this). */
  description: string;
  input: z.ZodType<I>;
  run(input: I, ctx: ToolContext): Promise<ToolReturn<O>>;
}

export type ToolOutcome =
  | { status: 'success'; data: unknown; findings: Finding[]; attachments: Attachment[]; ms: number }
  | { status: 'error'; error: string; ms: number };

/** One tool call of a turn, with its (unmasked) input and its outcome as data. */
export interface ToolCall {
  name: string;
  input: unknown;
  outcome: ToolOutcome;
}

export interface ToolRunner {
  run(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutcome>;
}

/** A failure a tool reports on purpose (the message is for the model and the user). */
export class ToolFailure extends Error {
  override name = 'ToolFailure';
}
