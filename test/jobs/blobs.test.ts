import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobMissingError, BlobStore, MAX_BLOB_BYTES } from '../../jobs/queue/blobs.ts';
import { dropPrefix, plainRedis, uniquePrefix } from './helpers.ts';

const redis = plainRedis();
const prefix = uniquePrefix('blobs');
const blobs = new BlobStore(redis, prefix, 3600);

afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe('BlobStore', () => {
  it('stores bytes under their sha256 and gives them back', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255, 254, 10, 13]);
    const sha = await blobs.put(bytes);
    expect(sha).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await blobs.get(sha)).toEqual(bytes);
    expect(await redis.ttl(`${prefix}:blob:${sha}`)).toBeGreaterThan(3500);
  });

  it('storing the same bytes again refreshes the TTL', async () => {
    const bytes = new TextEncoder().encode('same content');
    const sha = await blobs.put(bytes);
    await redis.expire(`${prefix}:blob:${sha}`, 10);
    expect(await blobs.put(bytes)).toBe(sha);
    expect(await redis.ttl(`${prefix}:blob:${sha}`)).toBeGreaterThan(3500);
  });

  it('a view into a larger buffer stores only its own bytes', async () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = big.subarray(2, 5);
    const sha = await blobs.put(view);
    expect(await blobs.get(sha)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('round-trips input files (text and bytes, vmid kept) in order', async () => {
    const files = [
      { name: 'h200/bundle.txt', content: '=== nvidia-smi -q -x ===\n한글 ✓\n' },
      { name: 'qemu-server/101.conf', content: new Uint8Array([104, 105]), vmid: 101 },
      { name: 'copy.txt', content: '=== nvidia-smi -q -x ===\n한글 ✓\n' },
    ];
    const refs = await blobs.putFiles(files);
    expect(refs.map((r) => r.name)).toEqual(files.map((f) => f.name));
    expect(refs[0]!.sha256).toBe(refs[2]!.sha256);
    expect(refs[1]!.vmid).toBe(101);
    const back = await blobs.getFiles(refs);
    expect(new TextDecoder().decode(back[0]!.content as Uint8Array)).toBe(files[0]!.content);
    expect(back[1]).toEqual({ name: 'qemu-server/101.conf', content: new Uint8Array([104, 105]), vmid: 101 });
  });

  it('a missing blob is an error naming the file', async () => {
    const [ref] = await blobs.putFiles([{ name: 'gone.xml', content: 'soon gone' }]);
    await redis.del(`${prefix}:blob:${ref!.sha256}`);
    expect(await blobs.get(ref!.sha256)).toBeNull();
    const err = await blobs.getFiles([ref!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobMissingError);
    expect((err as Error).message).toMatch(/^gone\.xml expired from the store/);
  });

  it('refuses a blob over 17 MiB and a malformed hash', async () => {
    await expect(blobs.put(new Uint8Array(MAX_BLOB_BYTES + 1))).rejects.toThrow(/limit/);
    await expect(blobs.get('../../etc')).rejects.toThrow(/sha256/);
  });
});
