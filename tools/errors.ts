/**
 * Errors grouped by who must act. Each has a stable string code; callers map them to exit codes and
 * chat replies. Library code throws these; only entry points print or exit.
 */
export type ErrorCode =
  | 'INPUT_EMPTY'
  | 'INPUT_BINARY'
  | 'INPUT_TOO_LARGE'
  | 'INPUT_UNKNOWN_FORMAT'
  | 'INPUT_UNSUPPORTED'
  | 'INPUT_MALFORMED'
  | 'INPUT_TRUNCATED'
  | 'INPUT_CONFLICT'
  | 'USAGE'
  | 'CONFIG'
  | 'INTERNAL';

/** The user's file or arguments are wrong: exit code 2, message names the file and the problem. */
export class InputError extends Error {
  override name = 'InputError';
  readonly code: ErrorCode;
  /** file the error is about, set by the ingest layer when known. */
  file: string | undefined;
  constructor(code: ErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options?.file;
  }
  /** `FILE: message` when the file is known. */
  describe(): string {
    return this.file ? `${this.file}: ${this.message}` : this.message;
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code: ErrorCode = 'USAGE';
}

/** Missing or invalid configuration: fail at startup, before side effects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code: ErrorCode = 'CONFIG';
}
