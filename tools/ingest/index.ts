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
import { checkFragment } from '../parsers/limits.ts';
import { normalizeBusId, stripControl } from '../parsers/text.ts';
import type { ParseHint, Parser } from '../parsers/types.ts';
import { isBundle, parserIdForSection, splitBundle } from './bundle.ts';
import type { Fragment } from './fragment.ts';
import { mergeFragments, type SourcedFragment } from './merge.ts';

/** Largest input accepted (a full 8-GPU `nvidia-smi -q -x` is about 0.5 MB). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export interface InputFile {
  name: string;
  content: Uint8Array | string;
  /**
   * The Proxmox VM id of a VM config, when the caller knows it (the CLI's `--vmid`). It wins over an id
   * found in the content or the file name; it is ignored, with a warning, for any other kind of file.
   */
  vmid?: number;
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

const mib = (n: number) =>
  n < 1024 * 1024
    ? `${Math.round((n / 1024) * 10) / 10} KiB`
    : `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/**
 * The error for an input over `cap` bytes (MAX_INPUT_BYTES by default). `atLeast`: the size is what was
 * read before stopping, not the whole file (a pipe or device has no size).
 */
export function tooLarge(size: number, file: string, cap = MAX_INPUT_BYTES, atLeast = false): InputError {
  return new InputError(
    'INPUT_TOO_LARGE',
    `file is ${atLeast ? 'more than ' : ''}${atLeast ? mib(cap) : mib(size)}; the limit is ${mib(cap)} (send the command outputs, not logs or archives)`,
    { file },
  );
}

/**
 * UTF-16 text: a byte-order mark (FF FE = little endian, FE FF = big endian), or ASCII with every other
 * byte NUL (what PowerShell's `>` and Windows Notepad write). Returns the encoding, or null.
 */
export function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 8) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i++) if (bytes[i] === 0) i % 2 === 0 ? evenZero++ : oddZero++;
  const half = n / 2;
  if (oddZero >= half * 0.9 && evenZero <= half * 0.05) return 'utf-16le';
  if (evenZero >= half * 0.9 && oddZero <= half * 0.05) return 'utf-16be';
  return null;
}

/** Decode an input; also returns remarks about the decoding (UTF-16 converted). */
function decode(file: InputFile): { text: string; notes: string[] } {
  const size = typeof file.content === 'string' ? Buffer.byteLength(file.content) : file.content.byteLength;
  if (size > MAX_INPUT_BYTES) throw tooLarge(size, file.name);
  let text: string;
  const notes: string[] = [];
  if (typeof file.content === 'string') text = file.content;
  else {
    const bytes = file.content;
    const utf16 = utf16Encoding(bytes);
    if (utf16 !== null) {
      // decoded rather than refused: Windows users' `nvidia-smi > out.txt` in PowerShell writes UTF-16
      try {
        text = new TextDecoder(utf16, { fatal: true }).decode(bytes);
      } catch {
        throw new InputError(
          'INPUT_BINARY',
          `looks like UTF-16 text but is not valid UTF-16: convert it to UTF-8 (e.g. \`iconv -f UTF-16 -t UTF-8\`)`,
          { file: file.name },
        );
      }
      if (text.includes('\u0000'))
        throw new InputError(
          'INPUT_BINARY',
          'binary file (contains NUL characters after UTF-16 decoding): expected the text output of a command',
          { file: file.name },
        );
      notes.push(
        `UTF-16 text (${utf16 === 'utf-16le' ? 'little' : 'big'} endian, as PowerShell and Notepad write it) was converted to UTF-8`,
      );
    } else {
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
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'file is empty', { file: file.name });
  return { text, notes };
}

/** Decode and sanity-check an input; throws InputError (empty, binary, too large). UTF-16 is decoded. */
export function decodeInput(file: InputFile): string {
  return decode(file).text;
}

/**
 * Run a parser and hold its output to the limits (limits.ts: caps, ranges, control characters), with
 * the remarks naming `source`. A parser bug becomes an InputError of this file, not a crash.
 */
function runParser(parser: Parser, text: string, source: string, hint: ParseHint): Fragment {
  let fragment: Fragment;
  try {
    fragment = parser.parse(text, hint);
  } catch (e) {
    if (e instanceof InputError) {
      e.file ??= source;
      throw e;
    }
    // a parser bug must not crash ingestion of the other files; report it as this file's problem
    const message =
      e instanceof RangeError ? 'the input is nested or repeated too deeply' : (e as Error).message;
    throw new InputError('INPUT_MALFORMED', `could not be read as ${parser.title}: ${message}`, {
      file: source,
      cause: e,
    });
  }
  return checkFragment(fragment, source);
}

function withNotes(fragment: Fragment, notes: readonly string[]): Fragment {
  if (notes.length === 0) return fragment;
  return { ...fragment, warnings: [...notes, ...(fragment.warnings ?? [])] };
}

/** One file → its fragments (several for a bundle). Throws InputError naming the file. */
export function parseFile(file: InputFile): SourcedFragment[] {
  const { text, notes } = decode(file);
  if (isBundle(text)) {
    if (file.vmid !== undefined)
      notes.push(
        `a VM id (${file.vmid}) was given, but this is a bundle: its VM configs carry their own ids`,
      );
    return parseBundle(text, file.name, notes);
  }
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
  const hint: ParseHint = { name: file.name };
  if (file.vmid !== undefined) {
    if (det.parser.id === 'proxmox-vm') hint.vmid = file.vmid;
    else notes.push(`a VM id (${file.vmid}) was given, but this is not a Proxmox VM config: ignored`);
  }
  const fragment = withNotes(runParser(det.parser, text, file.name, hint), notes);
  return [{ source: stripControl(file.name), priority: formatPriority(det.parser.id), fragment }];
}

function parseBundle(text: string, name: string, fileNotes: readonly string[] = []): SourcedFragment[] {
  let bundle: ReturnType<typeof splitBundle>;
  try {
    bundle = splitBundle(text);
  } catch (e) {
    if (e instanceof InputError) e.file ??= name;
    throw e;
  }
  const out: SourcedFragment[] = [];
  const notes: string[] = [...fileNotes, ...bundle.notes];
  for (const sec of bundle.sections) {
    const label = stripControl(`${name}#${sec.name}`);
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
      const fragment = runParser(parser, sec.body, label, { name: sec.name });
      if (sec.rc)
        fragment.warnings = [...(fragment.warnings ?? []), `the command exited with status ${sec.rc}`];
      out.push({ source: label, priority: formatPriority(parser.id), fragment });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // a failing command's error text (e.g. "MIG mode not enabled") is expected, not a fault of the bundle
      notes.push(
        `${sec.name}: ${sec.rc ? `command failed (exit status ${sec.rc}): ${sec.body.trim().split('\n')[0]}` : e.message}`,
      );
    }
  }
  const metaFragment: Fragment = { format: 'bundle', warnings: notes };
  if (bundle.meta.host) metaFragment.host = bundle.meta.host;
  out.unshift({ source: stripControl(name), priority: -1, fragment: checkFragment(metaFragment) });
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
    // a file that names no host still names GPUs (a Proxmox VM config's hostpci bus ids, a CSV's uuids):
    // it joins the one host those GPUs belong to; when none or several hosts have them, it is refused
    const ids = new Map([...groups].map(([h, frags]) => [h, gpuIds(frags)]));
    for (const a of anonymous) {
      const mine = gpuIds(a.fragments, true);
      const owners = [...ids].filter(([, theirs]) => [...mine].some((id) => theirs.has(id))).map(([h]) => h);
      if (owners.length === 1) {
        groups.get(owners[0]!)!.push(...a.fragments);
        continue;
      }
      rejected.push({
        file: a.file,
        error: new InputError(
          'INPUT_CONFLICT',
          owners.length > 1
            ? `names no host, and its GPUs match GPUs of several hosts (${owners.join(', ')}): analyse it with --host NAME, or send it inside that host's bundle`
            : `names no host, and the inputs cover ${groups.size} hosts (${[...groups.keys()].join(', ')}): analyse it with --host NAME, or send the bundle`,
          { file: a.file },
        ),
      });
    }
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
 * The GPUs a file's fragments name: bus ids and uuids of GPUs, and (with `refs`) the GPUs its workloads
 * and VM configs point at (hostpci bus ids, bus-id GPU references).
 */
function gpuIds(fragments: readonly SourcedFragment[], refs = false): Set<string> {
  const out = new Set<string>();
  for (const { fragment } of fragments) {
    for (const g of fragment.gpus ?? []) {
      if (g.busId) out.add(g.busId);
      if (g.uuid) out.add(g.uuid.toLowerCase());
    }
    if (!refs) continue;
    for (const w of fragment.workloads ?? []) {
      for (const r of w.gpuRefs) if (typeof r === 'string') out.add(normalizeBusId(r) ?? r.toLowerCase());
      for (const h of w.vm?.hostpci ?? []) if (h.busId) out.add(h.busId);
    }
  }
  return out;
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
