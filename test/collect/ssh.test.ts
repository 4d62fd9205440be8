/**
 * SSH collection against fake SSH hosts on loopback (real ssh2 servers serving recorded bundles): each
 * outcome kind, retries only for transient failures, the concurrency bound, a jump host, result order,
 * abort.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay, collectHosts, seededRandom } from '../../tools/collect/fleet.ts';
import { fingerprint } from '../../tools/collect/host-key.ts';
import { type CollectOutcome, collectHost } from '../../tools/collect/ssh.ts';
import { selectHosts } from '../../tools/inventory/load.ts';
import { closedPort, type FakeFleet, recorded, startFakeFleet } from '../helpers/ssh-server.ts';

let fleet: FakeFleet;
let refusedPort: number;
const BUNDLE = recorded('baremetal-h200.txt');

beforeAll(async () => {
  fleet = await startFakeFleet([
    { name: 'gpu-node-01' },
    { name: 'pve-hgx-01', bundle: recorded('pve-host.txt'), extra: { role: 'proxmox', groups: ['pve'] } },
    {
      name: 'train-llm',
      bundle: recorded('pve-guest-101.txt'),
      extra: { role: 'guest', proxmoxHost: 'pve-hgx-01', vmid: 101, groups: ['pve'] },
    },
    { name: 'wrong-key', mode: 'wrong-host-key' },
    { name: 'no-auth', mode: 'auth-fail' },
    { name: 'hung', mode: 'hang' },
    { name: 'flood', mode: 'flood' },
    { name: 'broken', mode: 'exit1' },
    { name: 'flaky', dropFirst: 2 },
    { name: 'bastion', forward: true },
    { name: 'behind', extra: { jump: 'bastion' } },
  ]);
  refusedPort = await closedPort();
});
afterAll(() => fleet?.close());

const inv = (collection: Record<string, unknown> = {}) =>
  fleet.inventory({
    collection: { commandTimeoutSec: 1, outputCapMiB: 1, ...collection },
    hosts: [{ name: 'closed', address: '127.0.0.1', port: refusedPort, hostKey: fleet.hosts[0]!.pinned }],
  });
const host = (i: ReturnType<typeof inv>, name: string) => selectHosts(i, name)[0]!;
const fail = (o: CollectOutcome) => {
  if (o.ok) throw new Error(`${o.host} succeeded`);
  return o.error;
};

describe('collectHost', () => {
  it('runs sh -s fed the collector and returns the recorded bundle', async () => {
    const i = inv();
    const o = await collectHost(host(i, 'gpu-node-01'), i);
    expect(o).toMatchObject({ host: 'gpu-node-01', ok: true, attempts: 1, warnings: [] });
    if (!o.ok) return;
    expect(o.bundle).toBe(BUNDLE);
    expect(o.bytes).toBe(Buffer.byteLength(BUNDLE));
    const h = fleet.host('gpu-node-01');
    expect(h.commands).toEqual(['sh -s']);
    expect(h.stdinIsCollector).toEqual([true]);
  });

  it('refuses a host presenting another key than the pinned one, naming both fingerprints', async () => {
    const i = inv();
    const e = fail(await collectHost(host(i, 'wrong-key'), i));
    const h = fleet.host('wrong-key');
    expect(e.kind).toBe('host-key');
    expect(e.message).toBe(`host key mismatch: expected ${h.pinned}, the host presented ${h.presented}`);
    expect(h.commands).toEqual([]);
  });

  it('checks a known_hosts file: a matching entry passes, another key is refused', async () => {
    const ok = fleet.host('gpu-node-01');
    const kh = join(fleet.dir, 'known_hosts');
    // the key blob of the host: only its fingerprint is pinned, so take it from a first contact on trust
    const seen: string[] = [];
    const tofu = fleet.inventory({ collection: { commandTimeoutSec: 1 } });
    const h0 = { ...host(tofu, 'gpu-node-01'), hostKey: undefined, trustOnFirstUse: true } as never;
    const first = await collectHost(h0, tofu, {
      trustStore: { get: () => undefined, set: (_h, fp) => seen.push(fp) },
    });
    expect(first.ok).toBe(true);
    expect(seen).toEqual([ok.presented]);
    if (first.ok) expect(first.warnings[0]).toMatch(/accepted on first use.*pin it with hostKey: SHA256:/);
    // a trust store that remembers another key refuses
    const changed = await collectHost(h0, tofu, {
      trustStore: { get: () => fleet.host('wrong-key').pinned, set: () => {} },
    });
    expect(fail(changed)).toMatchObject({
      kind: 'host-key',
      message: expect.stringMatching(/changed since it was first trusted/),
    });

    const viaKh = { ...host(tofu, 'gpu-node-01'), hostKey: undefined, knownHosts: kh } as never;
    const name = `[127.0.0.1]:${ok.port}`;
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    const other = fleet.host('wrong-key');
    for (const line of [
      `${name} ${ok.publicKey}`,
      `other,${name} ${ok.publicKey}`,
      `${hashed} ${ok.publicKey}`,
      `[127.0.0.*]:* ${ok.publicKey}`,
    ]) {
      writeFileSync(kh, `# test\n[127.0.0.1]:1 ${other.publicKey}\n${line}\n`);
      expect((await collectHost(viaKh, tofu, { files: new Map() })).ok, line).toBe(true);
    }
    writeFileSync(kh, `# test\n[127.0.0.1]:1 ${ok.publicKey}\n!${name},[127.0.0.1]:* ${ok.publicKey}\n`);
    const none = fail(await collectHost(viaKh, tofu));
    expect(none).toEqual({
      kind: 'host-key',
      message: `${kh} has no key for ${name}; the host presented ${ok.presented}`,
    });
    writeFileSync(kh, `${name} ${other.publicKey}\n`);
    expect(fail(await collectHost(viaKh, tofu)).message).toBe(
      `host key mismatch: ${kh} expects ${other.presented} for ${name}, the host presented ${ok.presented}`,
    );
    writeFileSync(kh, `${name} ${ok.publicKey}\n@revoked * ${ok.publicKey}\n`);
    expect(fail(await collectHost(viaKh, tofu)).message).toBe(
      `${kh} marks the presented key ${ok.presented} as revoked`,
    );
  });

  it('reports failed authentication, a refused port, a hung command, an output flood and exit status 1', async () => {
    const i = inv();
    const [auth, refused, hung, flood, broken] = await Promise.all(
      ['no-auth', 'closed', 'hung', 'flood', 'broken'].map((n) => collectHost(host(i, n), i)),
    );
    expect(fail(auth!)).toEqual({
      kind: 'auth',
      message: 'authentication failed (the server accepted none of the offered methods)',
    });
    expect(fail(refused!)).toEqual({
      kind: 'refused',
      message: 'connection refused (nothing listens on the port)',
    });
    expect(fail(hung!)).toEqual({ kind: 'timeout', message: 'the collector did not finish within 1 s' });
    expect(fail(flood!)).toEqual({
      kind: 'output-cap',
      message: 'the host printed more than 1 MiB; stopped reading',
    });
    expect(fail(broken!)).toEqual({
      kind: 'exit',
      message:
        'the collector exited with status 1: nvidia-smi: NVIDIA-SMI has failed because it could not communicate',
    });
    expect(fail(broken!).message).not.toContain(String.fromCharCode(27));
  });

  it('reports a missing or unreadable key file as config, without reading it into the message', async () => {
    const i = inv();
    const bad = join(fleet.dir, 'not-a-key');
    writeFileSync(bad, 'SECRET-MATERIAL-1234\n');
    const e1 = fail(await collectHost({ ...host(i, 'gpu-node-01'), key: bad }, i));
    expect(e1).toEqual({
      kind: 'config',
      message: `the private key file ${bad} is not a private key InfraLens can read`,
    });
    expect(e1.message).not.toMatch(/SECRET/);
    const e2 = fail(await collectHost({ ...host(i, 'gpu-node-01'), key: join(fleet.dir, 'nope') }, i));
    expect(e2.kind).toBe('config');
    const e3 = fail(
      await collectHost({ ...host(i, 'gpu-node-01'), key: undefined, agent: true } as never, i),
    );
    expect(e3).toEqual({
      kind: 'config',
      message: 'agent: true but no ssh-agent socket (SSH_AUTH_SOCK) is set',
    });
  });

  it('reaches a host through its jump host (forwardOut on the jump connection)', async () => {
    const i = inv();
    const o = await collectHost(host(i, 'behind'), i);
    expect(o.ok).toBe(true);
    if (o.ok) expect(o.bundle).toBe(BUNDLE);
    expect(fleet.host('bastion').forwards).toEqual([`127.0.0.1:${fleet.host('behind').port}`]);
    expect(fleet.host('bastion').commands).toEqual([]);
    expect(fleet.host('behind').stdinIsCollector).toEqual([true]);
  });
});

describe('collectHosts', () => {
  it('returns outcomes in the order of the hosts, each failure its own', async () => {
    const i = inv();
    const names = ['broken', 'gpu-node-01', 'closed', 'pve-hgx-01', 'train-llm', 'wrong-key'];
    const out = await collectHosts(
      i,
      names.map((n) => host(i, n)),
    );
    expect(out.map((o) => o.host)).toEqual(names);
    expect(out.map((o) => (o.ok ? 'ok' : o.error.kind))).toEqual([
      'exit',
      'ok',
      'refused',
      'ok',
      'ok',
      'host-key',
    ]);
    expect(out[3]!.ok && out[3]!.bundle).toBe(recorded('pve-host.txt'));
    expect(out[4]!.ok && out[4]!.bundle).toBe(recorded('pve-guest-101.txt'));
  });

  it('retries transient failures with backoff, and never host-key, auth, refused or exit', async () => {
    const i = inv({ retries: 2 });
    const before = Object.fromEntries(fleet.hosts.map((h) => [h.name, h.connections]));
    const out = await collectHosts(
      i,
      ['flaky', 'hung', 'wrong-key', 'no-auth', 'closed', 'broken'].map((n) => host(i, n)),
      { backoffMs: 10, maxBackoffMs: 20 },
    );
    const by = Object.fromEntries(out.map((o) => [o.host, o]));
    // flaky drops its first two connections (reset before SSH is ready), then answers
    expect(by.flaky, JSON.stringify(by.flaky)).toMatchObject({ ok: true, attempts: 3 });
    expect(fleet.host('flaky').connections - before.flaky!).toBe(3);
    expect(by.hung).toMatchObject({ ok: false, attempts: 3, error: { kind: 'timeout' } });
    for (const n of ['wrong-key', 'no-auth', 'closed', 'broken']) expect(by[n]!.attempts).toBe(1);
    expect(fleet.host('wrong-key').connections - before['wrong-key']!).toBe(1);
    expect(fleet.host('no-auth').connections - before['no-auth']!).toBe(1);
    expect(fleet.host('broken').connections - before.broken!).toBe(1);
  });

  it('keeps at most collection.concurrency sessions open at once', async () => {
    const slow = await startFakeFleet(
      Array.from({ length: 12 }, (_, k) => ({ name: `slow-${k}`, delayMs: 150, bundle: `bundle ${k}\n` })),
    );
    try {
      const i = slow.inventory({ collection: { concurrency: 3 } });
      const out = await collectHosts(i, i.hosts);
      expect(out.every((o) => o.ok)).toBe(true);
      expect(out.map((o) => o.ok && o.bundle)).toEqual(Array.from({ length: 12 }, (_, k) => `bundle ${k}\n`));
      expect(slow.maxActive).toBe(3);
      expect(
        out.every(
          (o) => o.ok && o.warnings.includes('the output does not start with an InfraLens bundle header'),
        ),
      ).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('stops everything on abort: open sessions close and the promise rejects', async () => {
    const i = inv({ commandTimeoutSec: 30 });
    const ac = new AbortController();
    const t0 = performance.now();
    const p = collectHosts(i, [host(i, 'hung'), host(i, 'hung'), host(i, 'gpu-node-01')], {
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(new Error('stop')), 300);
    await expect(p).rejects.toThrow('stop');
    expect(performance.now() - t0).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(fleet.active).toBe(0);
    await expect(collectHosts(i, [host(i, 'gpu-node-01')], { signal: ac.signal })).rejects.toThrow('stop');
  });

  it('draws its backoff from a seeded RNG: doubling, capped, jittered', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const da = [2, 3, 4, 5, 6].map((n) => backoffDelay(n, a, 500, 4000));
    expect(da).toEqual([2, 3, 4, 5, 6].map((n) => backoffDelay(n, b, 500, 4000)));
    da.forEach((d, k) => {
      const exp = Math.min(4000, 500 * 2 ** k);
      expect(d).toBeGreaterThanOrEqual(exp / 2);
      expect(d).toBeLessThan(exp);
    });
    expect(fingerprint(Buffer.from('x'))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
