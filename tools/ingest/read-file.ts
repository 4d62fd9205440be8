/**
 * Reading an input file from disk, bounded: the edge where a path becomes an InputFile. The rest of
 * ingestion is pure (index.ts); entry points (the CLI, a server) call this and hand the result on.
 *
 * `stat` says 0 bytes for devices, pipes and FIFOs, so a size check before reading protects nothing
 * (`parse /dev/zero` would grow without end). This reads at most `cap + 1` bytes from anything —
 * regular file, pipe, FIFO, character device — and stops at the time limit, so a slow or endless
 * source costs at most `cap` bytes of memory and `timeoutMs` of waiting.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { type InputFile, MAX_INPUT_BYTES, tooLarge } from './index.ts';

/** How long reading one input may take (a pipe or FIFO whose writer is slow or silent). */
export const READ_TIMEOUT_MS = 10_000;

export interface ReadInputOptions {
  /** the time limit in ms; READ_TIMEOUT_MS by default. */
  timeoutMs?: number;
  /** an explicit Proxmox VM id for a VM config (the CLI's `--vmid`), passed on as `InputFile.vmid`. */
  vmid?: number;
}

const CHUNK = 64 * 1024;
const POLL_MS = 20;

function failure(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, expected a file'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : code === 'ELOOP'
              ? 'too many symbolic links'
              : `cannot read (${code ?? (e as Error).message})`;
  return new InputError('USAGE', why, { file: path, cause: e });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Read `path` into an InputFile, at most `cap` bytes. Throws InputError:
 * - `INPUT_TOO_LARGE` when there are more than `cap` bytes (after reading `cap + 1`, never more);
 * - `USAGE` for a missing file (`no such file`), a directory, a permission problem (`permission
 *   denied`), or a source that did not finish within the time limit (`timed out after N s`).
 * - `INPUT_EMPTY` for a pipe or FIFO that gave no byte within the time limit.
 * Regular files, pipes, FIFOs and devices are all read the same way; a FIFO whose writer has not
 * opened it yet is waited for (within the time limit).
 */
export async function readInputFile(
  path: string,
  cap: number = MAX_INPUT_BYTES,
  options: ReadInputOptions = {},
): Promise<InputFile> {
  const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let fh: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer, and reading a silent pipe returns EAGAIN
    // instead of blocking a thread for ever; it changes nothing for regular files.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw failure(path, e);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new InputError('USAGE', 'is a directory, expected a file', { file: path });
    if (st.isFile() && st.size > cap) throw tooLarge(st.size, path, cap);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (Date.now() > deadline)
        throw new InputError(
          'USAGE',
          `timed out after ${Math.round(timeoutMs / 100) / 10} s: the input did not end (a pipe or device that keeps waiting?)`,
          { file: path },
        );
      const want = Math.min(CHUNK, cap + 1 - total);
      let n: number;
      try {
        const buf = Buffer.allocUnsafe(want);
        ({ bytesRead: n } = await fh.read(buf, 0, want, null));
        if (n > 0) chunks.push(n === want ? buf : buf.subarray(0, n));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          await sleep(POLL_MS);
          continue;
        }
        throw failure(path, e);
      }
      if (n === 0) {
        // a FIFO whose writer has not opened it yet reads as the end: wait for one (bounded)
        if (total === 0 && st.isFIFO()) {
          if (Date.now() + POLL_MS > deadline)
            throw new InputError(
              'INPUT_EMPTY',
              `no data arrived within ${Math.round(timeoutMs / 100) / 10} s (a pipe or FIFO without a writer?)`,
              { file: path },
            );
          await sleep(POLL_MS);
          continue;
        }
        break;
      }
      total += n;
      if (total > cap) throw tooLarge(total, path, cap, true);
    }
    const content = new Uint8Array(Buffer.concat(chunks, total));
    const file: InputFile = { name: path, content };
    if (options.vmid !== undefined) file.vmid = options.vmid;
    return file;
  } finally {
    await fh.close().catch(() => undefined);
  }
}
