/**
 * The agent's tools: each is defined once (zod input schema → validation, the model's JSON schema and the
 * docs) and run through one runner interface, so the jobs layer can move execution onto a queue without
 * touching the loop. Tools never throw at the model: the runner turns every failure into an error result
 * naming the host, the command or file, and the cause.
 */
import type { z } from 'zod';
import type { Finding } from '../../scoring/findings.ts';
import type { ReportModel } from '../../scoring/report.ts';
import type { Session } from './session.ts';

/** Adapters a tool may use, injected by the entry point (tools/ must not import jobs/ or bot/). */
export interface Services {
  /** render a report model (scoring/report.ts) to PDF bytes. */
  renderReport(model: ReportModel, now: Date): Promise<Uint8Array>;
  now(): Date;
}

export interface ToolContext {
  session: Session;
  services: Services;
  signal: AbortSignal;
}

export interface ToolDef<I = unknown> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run(input: I, ctx: ToolContext): Promise<unknown>;
}

export type ToolOutcome =
  | { status: 'success'; data: unknown; ms: number }
  | { status: 'error'; error: string; ms: number };

export interface ToolRunner {
  run(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutcome>;
}

/** A failure a tool reports on purpose (the message is for the model and the user). */
export class ToolFailure extends Error {
  override name = 'ToolFailure';
}

/** What the tools produced in one turn, besides their JSON results (kept out of the model's context). */
export interface TurnArtifacts {
  findings: Finding[];
  pdf: { bytes: Uint8Array; filename: string } | null;
}
