/**
 * Content-addressed bytes in Redis: uploaded input files and generated PDFs, kept for a TTL (7 days in the
 * backbone). Jobs carry a file's sha256, never its bytes, so a payload stays small and a file that several
 * turns or tool calls share is stored once. Storing the same bytes again refreshes the TTL instead of
 * writing them again. A blob that expired is a clear error naming the file (upload it again).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { InputFile } from '../../tools/ingest/index.ts';
import type { BlobRef } from './contracts.ts';

/** The largest blob: an input may be 16 MiB (tools/ingest MAX_INPUT_BYTES); a little room above it. */
export const MAX_BLOB_BYTES = 17 * 1024 * 1024;

const SHA256 = /^[0-9a-f]{64}$/;

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A file of a job whose bytes are no longer in the store. */
export class BlobMissingError extends Error {
  override name = 'BlobMissingError';
  constructor(
    readonly file: string,
    readonly sha256: string,
  ) {
    super(`${file} expired from the store (files are kept for a limited time): upload it again`);
  }
}

const bytesOf = (content: Uint8Array | string): Uint8Array =>
  typeof content === 'string' ? Buffer.from(content, 'utf8') : content;

export class BlobStore {
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    readonly ttlSec: number,
  ) {
    if (!Number.isInteger(ttlSec) || ttlSec <= 0)
      throw new Error(`blob TTL must be whole seconds > 0, not ${ttlSec}`);
  }

  private key(sha: string): string {
    return `${this.prefix}:blob:${sha}`;
  }

  /** Store bytes; their sha256 (hex). Throws for more than MAX_BLOB_BYTES. */
  async put(bytes: Uint8Array): Promise<string> {
    if (bytes.byteLength > MAX_BLOB_BYTES)
      throw new Error(
        `a blob of ${bytes.byteLength} bytes is over the store's limit of ${MAX_BLOB_BYTES} bytes`,
      );
    const sha = sha256Hex(bytes);
    const key = this.key(sha);
    // already there (same content, same key): keep it another TTL instead of sending the bytes again
    if ((await this.redis.expire(key, this.ttlSec)) === 1) return sha;
    await this.redis.set(
      key,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      'EX',
      this.ttlSec,
    );
    return sha;
  }

  /** The bytes of a sha256, or null when they expired (or were never stored). */
  async get(sha: string): Promise<Uint8Array | null> {
    if (!SHA256.test(sha)) throw new Error(`not a sha256: ${sha.slice(0, 80)}`);
    const buf = await this.redis.getBuffer(this.key(sha));
    return buf === null ? null : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Store input files; a reference (name, sha256, vmid) for each, in order. */
  async putFiles(files: readonly InputFile[]): Promise<BlobRef[]> {
    const refs: BlobRef[] = [];
    for (const f of files) {
      const sha256 = await this.put(bytesOf(f.content));
      refs.push({ name: f.name, sha256, ...(f.vmid === undefined ? {} : { vmid: f.vmid }) });
    }
    return refs;
  }

  /** The input files of references; BlobMissingError (naming the file) when one expired. */
  async getFiles(refs: readonly BlobRef[]): Promise<InputFile[]> {
    return Promise.all(
      refs.map(async (r) => {
        const content = await this.get(r.sha256);
        if (content === null) throw new BlobMissingError(r.name, r.sha256);
        return { name: r.name, content, ...(r.vmid === undefined ? {} : { vmid: r.vmid }) };
      }),
    );
  }
}
