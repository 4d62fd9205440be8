/**
 * The local tool runner: validates the model's arguments with the tool's zod schema, runs the tool with a
 * timeout, and returns `{status, data | error}` — never throws. Results are truncated to a size the model
 * can take. A queue-backed runner (jobs/) implements the same interface.
 */
import type { ZodType } from 'zod';
import { toolByName } from './index.ts';
import { type ToolContext, ToolFailure, type ToolOutcome, type ToolRunner } from './types.ts';

export const MAX_RESULT_CHARS = 24_000;

export class LocalRunner implements ToolRunner {
  constructor(private readonly timeoutMs = 30_000) {}

  async run(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutcome> {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    const tool = toolByName(name);
    if (!tool) return { status: 'error', error: `unknown tool '${name}'`, ms: ms() };
    const parsed = (tool.input as ZodType).safeParse(input ?? {});
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
      return { status: 'error', error: `invalid arguments for ${name}: ${why}`, ms: ms() };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        tool.run(parsed.data as never, ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new ToolFailure(`${name} timed out after ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      return {
        status: 'success',
        data: r.data,
        findings: r.findings ?? [],
        attachments: r.attachments ?? [],
        ms: ms(),
      };
    } catch (e) {
      const msg = e instanceof ToolFailure ? e.message : `${name} failed: ${(e as Error).message}`;
      return { status: 'error', error: msg, ms: ms() };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The text a tool result becomes for the model (JSON, cut at MAX_RESULT_CHARS with a marker). */
export function resultText(outcome: ToolOutcome): string {
  const s = outcome.status === 'success' ? JSON.stringify(outcome.data) : outcome.error;
  return s.length > MAX_RESULT_CHARS
    ? `${s.slice(0, MAX_RESULT_CHARS)}… [truncated ${s.length - MAX_RESULT_CHARS} chars]`
    : s;
}
