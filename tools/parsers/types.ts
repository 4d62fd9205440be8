import type { Fragment } from '../ingest/fragment.ts';

/**
 * One parser per input format. Pure: text in, Fragment out. No I/O, no clock, no env.
 *
 * - `detect` returns a confidence in [0, 1] that the text is this format (0 = not it). It must be cheap
 *   (look at the head of the text), must never throw, and should return ≥ 0.9 only on an unambiguous
 *   signature (a header line, an XML root element).
 * - `parse` returns what the input says, or throws `InputError` (tools/errors.ts) with a specific,
 *   user-readable reason when the text is this format but unusable, e.g.
 *   `new InputError('INPUT_TRUNCATED', 'fragment of mig -lgip: no GPU header')`.
 */
export interface ParseHint {
  /** the file name, or the section label inside a bundle (e.g. `pve-qemu-server/101.conf`). */
  name?: string;
  /**
   * The Proxmox VM id of a VM config, when the caller knows it (the CLI's `--vmid`, `InputFile.vmid`):
   * it wins over an id found in the content or the name. Other parsers ignore it.
   */
  vmid?: number;
}

export interface Parser {
  /** stable format id, part of the JSON contract (`sources[].format`). */
  readonly id: string;
  /** the command that produces the format, as a user would type it. */
  readonly title: string;
  detect(text: string): number;
  parse(text: string, hint?: ParseHint): Fragment;
}

/**
 * A recogniser for command outputs we know but do not ingest (nccl-tests, dcgmi diag, lspci, …):
 * it exists so the user gets "this is X; InfraLens does not read it, send Y instead" rather than
 * "unknown format".
 */
export interface Unsupported {
  readonly id: string;
  readonly title: string;
  detect(text: string): number;
  /** why it is rejected and what to send instead. */
  readonly reason: string;
}
