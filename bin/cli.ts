/**
 * The InfraLens command line. Entry point: the only place (with the bot and worker mains) that reads
 * files, argv and the environment, prints, and exits.
 *
 * Exit codes: 0 ok · 2 bad input or usage (message on stderr naming the file and the problem) · 1 internal.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError, UsageError } from '../tools/errors.ts';
import { type InputFile, ingest, MAX_INPUT_BYTES } from '../tools/ingest/index.ts';
import { PARSERS, UNSUPPORTED } from '../tools/parsers/index.ts';

const ROOT = new URL('../', import.meta.url);
export const DEMO_SAMPLE = new URL('samples/bundles/aws-p5en-8x-h200-real.txt', ROOT);
const COLLECT_SCRIPT = new URL('tools/collect/infralens-collect.sh', ROOT);

const USAGE = `InfraLens — why are your GPU servers under-used?

Usage:
  infralens parse [--host NAME] [--keep-going] FILE...   merged host snapshot as JSON (schemaVersion 1)
  infralens demo                                          the snapshot of the embedded sample (no network, no keys)
  infralens collect-script                                print the read-only collector script (POSIX sh)
  infralens formats                                       the input formats InfraLens reads and recognises
  infralens help

FILE is any command output InfraLens reads (format auto-detected) or a bundle from collect-script.
Several files for one host are merged; conflicting values are reported in "conflicts".
Exit codes: 0 ok, 2 bad input or usage, 1 internal error.`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function readInput(path: string): InputFile {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError('USAGE', 'is a directory, expected a file', { file: path });
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      'USAGE',
      `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        file: path,
      },
    );
  }
  if (size > MAX_INPUT_BYTES)
    throw new InputError(
      'INPUT_TOO_LARGE',
      `file is ${(size / 1024 / 1024).toFixed(1)} MiB; the limit is ${MAX_INPUT_BYTES / 1024 / 1024} MiB (send the command outputs, not logs or archives)`,
      { file: path },
    );
  return { name: path, content: readFileSync(path) };
}

function parseCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    options: { host: { type: 'string' }, 'keep-going': { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('parse: give at least one FILE');
  const files = positionals.map(readInput);
  const result = ingest(files, values.host === undefined ? {} : { host: values.host });
  for (const r of result.rejected) io.err(`infralens: ${r.error.describe()}`);
  if (result.rejected.length > 0 && !values['keep-going']) return 2;
  io.out(JSON.stringify(result.snapshot, null, 2));
  return 0;
}

function demoCommand(io: Io): number {
  const file: InputFile = { name: basename(DEMO_SAMPLE.pathname), content: readFileSync(DEMO_SAMPLE) };
  io.out(JSON.stringify(ingest([file]).snapshot, null, 2));
  return 0;
}

function formatsCommand(io: Io): number {
  io.out('Reads (auto-detected):');
  for (const p of PARSERS) io.out(`  ${p.id.padEnd(22)} ${p.title}`);
  io.out('\nRecognised but not read (you are told what to send instead):');
  for (const u of UNSUPPORTED) io.out(`  ${u.id.padEnd(22)} ${u.title}`);
  return 0;
}

export function main(argv: string[], io: Io): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'parse':
        return parseCommand(rest, io);
      case 'demo':
        return demoCommand(io);
      case 'collect-script':
        io.out(readFileSync(COLLECT_SCRIPT, 'utf8').trimEnd());
        return 0;
      case 'formats':
        return formatsCommand(io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`infralens: ${e.describe()}`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`infralens: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`infralens: internal error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

const isEntry =
  process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === new URL(import.meta.url).pathname;
if (isEntry) {
  const code = main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  });
  process.exitCode = code;
}
