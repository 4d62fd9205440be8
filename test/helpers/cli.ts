/**
 * The CLI in-process: `main(argv, io)` with captured output, for tests where a process is not the point
 * (a spawned `bin/infralens` costs a Node start-up each; test/cli.test.ts keeps a few for the launcher).
 */
import { main } from '../../bin/cli.ts';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { lines?: string[] } = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const lines = opts.lines;
  const status = await main(args, {
    out: (s) => out.push(`${s}\n`),
    err: (s) => err.push(`${s}\n`),
    ...(lines
      ? {
          lines: async function* () {
            yield* lines;
          },
        }
      : {}),
  });
  return { status, stdout: out.join(''), stderr: err.join('') };
}
