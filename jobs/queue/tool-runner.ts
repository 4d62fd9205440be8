/**
 * Tool calls on the tools queue. `QueueToolRunner` is the agent's ToolRunner when the bot runs on the
 * backbone: it ships the session's input files to the blob store (once per turn), adds a tools job, and
 * waits for its result; any worker on the same Redis runs it. `toolProcessor` is that worker's side: it
 * rebuilds the Session from the blobs (the last few are kept: analysis is expensive and follow-ups reuse
 * it) and runs the tool through the LocalRunner, exactly as the CLI does in-process.
 *
 * Like every runner, this one never throws: a timeout, a failed job or Redis trouble becomes an error
 * outcome naming the tool and the cause. Results cross the queue as JSON; PDF attachments go through the
 * blob store (the job's return value and the events stream stay small) and come back as bytes.
 */
import { type Job, type Processor, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import type { Finding } from '../../scoring/findings.ts';
import { LocalRunner } from '../../tools/agent/runner.ts';
import type { Session } from '../../tools/agent/session.ts';
import { SessionCache } from '../../tools/agent/session-cache.ts';
import type { Attachment, Services, ToolContext, ToolOutcome, ToolRunner } from '../../tools/agent/types.ts';
import type { Logger } from '../log.ts';
import type { Backbone } from './backbone.ts';
import { BlobMissingError, type BlobStore } from './blobs.ts';
import { type BlobRef, ToolJob } from './contracts.ts';

/** Sessions a tools worker keeps (keyed by the inputs' names and hashes). */
export const SESSION_CACHE = 8;
/** How much longer than the tool's own timeout the runner waits (queueing, a worker's start). */
export const WAIT_MARGIN_MS = 5_000;

/** An outcome as a tools job returns it: attachments by blob hash. */
const WireOutcome = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.unknown(),
    findings: z.array(z.unknown()),
    attachments: z.array(
      z.object({ kind: z.literal('pdf'), filename: z.string(), title: z.string(), sha256: z.string() }),
    ),
    ms: z.number(),
  }),
  z.object({ status: z.literal('error'), error: z.string(), ms: z.number() }),
]);
export type WireOutcome = z.infer<typeof WireOutcome>;

export interface QueueToolRunnerOptions {
  backbone: Backbone;
  conversationId: string;
  /** the tool's own timeout on the worker (ms); the runner waits `marginMs` longer. */
  timeoutMs: number;
  /** how much longer than timeoutMs to wait for a worker's answer (default WAIT_MARGIN_MS). */
  marginMs?: number;
}

const causeOf = (e: unknown): string => {
  const msg = e instanceof Error ? e.message : String(e);
  return /timed out before finishing/.test(msg) ? 'no tools worker answered in time' : msg;
};

export class QueueToolRunner implements ToolRunner {
  private shipped: { session: Session; refs: Promise<BlobRef[]> } | null = null;

  constructor(private readonly opts: QueueToolRunnerOptions) {}

  async run(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutcome> {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    const fail = (cause: string): ToolOutcome => ({
      status: 'error',
      error: `${name} could not run: ${cause}`,
      ms: ms(),
    });
    if (ctx.signal.aborted) return fail('the turn was cancelled');
    const timeoutMs = Math.min(Math.max(1, Math.round(this.opts.timeoutMs)), 600_000);
    let onAbort = () => {};
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    const work = (async () => {
      const inputs = await this.refs(ctx.session);
      const events = await this.opts.backbone.toolEventsReady();
      const job = await this.opts.backbone.enqueueTool({
        name,
        input,
        inputs,
        conversationId: this.opts.conversationId,
        timeoutMs,
      });
      const raw: unknown = await job.waitUntilFinished(
        events,
        timeoutMs + (this.opts.marginMs ?? WAIT_MARGIN_MS),
      );
      return this.decode(name, raw);
    })();
    try {
      const r = await Promise.race([work, aborted]);
      if (r === 'aborted') {
        work.catch(() => {});
        return fail('the turn was cancelled');
      }
      // the time the caller waited: queueing and transfer included
      return { ...r, ms: ms() };
    } catch (e) {
      return fail(causeOf(e));
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  /** The session's inputs in the blob store, stored once per runner (a turn's tool calls share them). */
  private refs(session: Session): Promise<BlobRef[]> {
    if (this.shipped?.session !== session) {
      const refs = this.opts.backbone.blobs.putFiles(session.files());
      this.shipped = { session, refs };
      // a failed upload is tried again by the next call
      refs.catch(() => {
        if (this.shipped?.refs === refs) this.shipped = null;
      });
    }
    return this.shipped!.refs;
  }

  private async decode(name: string, raw: unknown): Promise<ToolOutcome> {
    const parsed = WireOutcome.safeParse(raw);
    if (!parsed.success) throw new Error(`the tools worker returned an unexpected result (another version?)`);
    const w = parsed.data;
    if (w.status === 'error') return w;
    const attachments: Attachment[] = [];
    for (const a of w.attachments) {
      const bytes = await this.opts.backbone.blobs.get(a.sha256);
      if (bytes === null)
        throw new Error(`${name}'s ${a.filename} expired from the store before it was read`);
      attachments.push({ kind: a.kind, filename: a.filename, title: a.title, bytes });
    }
    return { status: 'success', data: w.data, findings: w.findings as Finding[], attachments, ms: w.ms };
  }
}

export interface ToolProcessorDeps {
  services: Services;
  blobs: BlobStore;
  log: Logger;
  /** the Sessions this process keeps (shared with its turn worker); a cache of its own by default. */
  sessions?: SessionCache;
}

/** The tools worker's processor: a ToolJob in, a WireOutcome out (the tool's failures are outcomes too). */
export function toolProcessor(deps: ToolProcessorDeps): Processor<ToolJob, WireOutcome> {
  const sessions = deps.sessions ?? new SessionCache(SESSION_CACHE);
  const log = deps.log.child({ queue: 'tools' });

  // keyed by content: a turn in the same process that built this Session already shares it
  const sessionFor = async (inputs: BlobRef[]): Promise<Session> =>
    sessions.of(await deps.blobs.getFiles(inputs));

  return async (job: Job<ToolJob>, _token?: string, signal?: AbortSignal): Promise<WireOutcome> => {
    const parsed = ToolJob.safeParse(job.data);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ');
      throw new UnrecoverableError(`invalid tool job: ${why}`);
    }
    const d = parsed.data;
    let session: Session;
    try {
      session = await sessionFor(d.inputs);
    } catch (e) {
      // an expired upload does not come back on a retry: say so to the model and the user
      if (e instanceof BlobMissingError)
        return { status: 'error', error: `${d.name} could not run: ${e.message}`, ms: 0 };
      throw e;
    }
    const outcome = await new LocalRunner(d.timeoutMs).run(d.name, d.input, {
      session,
      services: deps.services,
      signal: signal ?? new AbortController().signal,
    });
    log.debug('tool ran', { job: job.id, tool: d.name, status: outcome.status, ms: outcome.ms });
    if (outcome.status === 'error') return outcome;
    const attachments = [];
    for (const a of outcome.attachments)
      attachments.push({
        kind: a.kind,
        filename: a.filename,
        title: a.title,
        sha256: await deps.blobs.put(a.bytes),
      });
    return { status: 'success', data: outcome.data, findings: outcome.findings, attachments, ms: outcome.ms };
  };
}
