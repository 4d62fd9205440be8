/**
 * Ingestion: raw input files (bytes) → one Snapshot. Pure: the caller reads the files.
 *
 * Every input either contributes a fragment or is rejected with a specific InputError naming the file;
 * nothing is dropped silently. Bundles are split into sections; a section that cannot be parsed becomes
 * a warning of that source (the rest of the bundle still counts).
 */
import type { Snapshot } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import { detectFormat, formatPriority, parserById } from '../parsers/index.ts';
import type { Parser } from '../parsers/types.ts';
import { isBundle, parserIdForSection, splitBundle } from './bundle.ts';
import type { Fragment } from './fragment.ts';
import { mergeFragments, type SourcedFragment } from './merge.ts';

/** Largest input accepted (a full 8-GPU `nvidia-smi -q -x` is about 0.5 MB). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export interface InputFile {
  name: string;
  content: Uint8Array | string;
}

export interface Rejection {
  file: string;
  error: InputError;
}

export interface IngestResult {
  snapshot: Snapshot;
  /** files that could not be used at all (each with the reason). */
  rejected: Rejection[];
}

/** The error for an input over MAX_INPUT_BYTES (the CLI checks the size before reading the file). */
export function tooLarge(size: number, file: string): InputError {
  return new InputError(
    'INPUT_TOO_LARGE',
    `file is ${(size / 1024 / 1024).toFixed(1)} MiB; the limit is ${MAX_INPUT_BYTES / 1024 / 1024} MiB (send the command outputs, not logs or archives)`,
    { file },
  );
}

/** Decode and sanity-check an input; throws InputError (empty, binary, too large). */
export function decodeInput(file: InputFile): string {
  const size = typeof file.content === 'string' ? Buffer.byteLength(file.content) : file.content.byteLength;
  if (size > MAX_INPUT_BYTES) throw tooLarge(size, file.name);
  let text: string;
  if (typeof file.content === 'string') text = file.content;
  else {
    const bytes = file.content;
    const probe = bytes.subarray(0, 65536);
    if (probe.includes(0))
      throw new InputError(
        'INPUT_BINARY',
        'binary file (contains NUL bytes): expected the text output of a command',
        {
          file: file.name,
        },
      );
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InputError('INPUT_BINARY', 'not UTF-8 text: expected the text output of a command', {
        file: file.name,
      });
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'file is empty', { file: file.name });
  return text;
}

function runParser(parser: Parser, text: string, name: string): Fragment {
  try {
    return parser.parse(text, { name });
  } catch (e) {
    if (e instanceof InputError) {
      e.file ??= name;
      throw e;
    }
    // a parser bug must not crash ingestion of the other files; report it as this file's problem
    throw new InputError('INPUT_MALFORMED', `could not be read as ${parser.title}: ${(e as Error).message}`, {
      file: name,
      cause: e,
    });
  }
}

/** One file → its fragments (several for a bundle). Throws InputError naming the file. */
export function parseFile(file: InputFile): SourcedFragment[] {
  const text = decodeInput(file);
  if (isBundle(text)) return parseBundle(text, file.name);
  const det = detectFormat(text);
  if (det.kind === 'unsupported')
    throw new InputError('INPUT_UNSUPPORTED', det.format.reason, {
      file: file.name,
    });
  if (det.kind === 'unknown')
    throw new InputError(
      'INPUT_UNKNOWN_FORMAT',
      'unknown format: not one of the outputs InfraLens reads (run `infralens formats` for the list, or send the bundle from `infralens collect-script`)',
      { file: file.name },
    );
  const fragment = runParser(det.parser, text, file.name);
  return [{ source: file.name, priority: formatPriority(det.parser.id), fragment }];
}

function parseBundle(text: string, name: string): SourcedFragment[] {
  let bundle: ReturnType<typeof splitBundle>;
  try {
    bundle = splitBundle(text);
  } catch (e) {
    if (e instanceof InputError) e.file ??= name;
    throw e;
  }
  const out: SourcedFragment[] = [];
  const notes: string[] = [];
  for (const sec of bundle.sections) {
    const label = `${name}#${sec.name}`;
    if (sec.missing) {
      notes.push(`${sec.name}: command not installed on the host`);
      continue;
    }
    if (sec.body.trim() === '') {
      notes.push(
        `${sec.name}: no output${sec.rc ? ` (exit status ${sec.rc})` : ''}${sec.stderr ? `: ${sec.stderr.split('\n')[0]}` : ''}`,
      );
      continue;
    }
    const id = parserIdForSection(sec.name);
    let parser = id ? parserById(id) : null;
    if (!parser) {
      const det = detectFormat(sec.body);
      parser = det.kind === 'parser' ? det.parser : null;
    }
    if (!parser) {
      notes.push(`${sec.name}: unknown section, ignored`);
      continue;
    }
    try {
      const fragment = parser.parse(sec.body, { name: sec.name });
      if (sec.rc)
        fragment.warnings = [...(fragment.warnings ?? []), `the command exited with status ${sec.rc}`];
      out.push({ source: label, priority: formatPriority(parser.id), fragment });
    } catch (e) {
      const why = e instanceof InputError ? e.message : `parser error: ${(e as Error).message}`;
      // a failing command's error text (e.g. "MIG mode not enabled") is expected, not a fault of the bundle
      notes.push(
        `${sec.name}: ${sec.rc ? `command failed (exit status ${sec.rc}): ${sec.body.trim().split('\n')[0]}` : why}`,
      );
    }
  }
  const metaFragment: Fragment = { format: 'bundle', warnings: notes };
  if (bundle.meta.host) metaFragment.host = bundle.meta.host;
  out.unshift({ source: name, priority: -1, fragment: metaFragment });
  if (out.length === 1)
    throw new InputError(
      'INPUT_MALFORMED',
      `InfraLens bundle without any usable section (${notes.join('; ')})`,
      {
        file: name,
      },
    );
  return out;
}

export interface IngestOptions {
  host?: string;
}

export interface IngestHostsResult {
  /** one snapshot per host, in the order hosts first appear in the files. */
  snapshots: Snapshot[];
  rejected: Rejection[];
}

/**
 * Parse files that may come from several hosts (a fleet) and merge them per host. A file's host is the
 * name it carries (bundle meta, workloads file, dcgm-exporter label); files that name no host join the
 * only host there is, and are an error when there are several. `--host` puts every file on one host.
 */
export function ingestHosts(files: readonly InputFile[], options: IngestOptions = {}): IngestHostsResult {
  if (options.host !== undefined) {
    const { snapshot, rejected } = ingest(files, options);
    return { snapshots: [snapshot], rejected };
  }
  const groups = new Map<string, SourcedFragment[]>();
  const anonymous: { file: string; fragments: SourcedFragment[] }[] = [];
  const rejected: Rejection[] = [];
  for (const f of files) {
    let fragments: SourcedFragment[];
    try {
      fragments = parseFile(f);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      e.file ??= f.name;
      rejected.push({ file: f.name, error: e });
      continue;
    }
    const host = fragments
      .map((x) => x.fragment.host)
      .find((h): h is string => typeof h === 'string' && h !== '');
    if (host === undefined) anonymous.push({ file: f.name, fragments });
    else groups.set(host, [...(groups.get(host) ?? []), ...fragments]);
  }
  if (groups.size > 1 && anonymous.length > 0) {
    for (const a of anonymous)
      rejected.push({
        file: a.file,
        error: new InputError(
          'INPUT_CONFLICT',
          `names no host, and the inputs cover ${groups.size} hosts (${[...groups.keys()].join(', ')}): analyse it with --host NAME, or send the bundle`,
          { file: a.file },
        ),
      });
  } else if (anonymous.length > 0) {
    const key = groups.keys().next().value ?? '';
    groups.set(key, [...(groups.get(key) ?? []), ...anonymous.flatMap((a) => a.fragments)]);
  }
  if (groups.size === 0) {
    if (rejected[0]) throw rejected[0].error;
    throw new InputError('USAGE', 'no input files');
  }
  return { snapshots: [...groups.values()].map((g) => mergeFragments(g)), rejected };
}

/**
 * Parse and merge files into one snapshot. Files that cannot be used are returned in `rejected`; if no
 * file is usable at all, the first rejection is thrown.
 */
export function ingest(files: readonly InputFile[], options: IngestOptions = {}): IngestResult {
  const fragments: SourcedFragment[] = [];
  const rejected: Rejection[] = [];
  for (const f of files) {
    try {
      fragments.push(...parseFile(f));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      e.file ??= f.name;
      rejected.push({ file: f.name, error: e });
    }
  }
  if (fragments.length === 0) {
    if (rejected[0]) throw rejected[0].error;
    throw new InputError('USAGE', 'no input files');
  }
  const snapshot = mergeFragments(fragments, options.host === undefined ? {} : { host: options.host });
  return { snapshot, rejected };
}
