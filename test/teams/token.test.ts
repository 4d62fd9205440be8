/**
 * TeamsTokenClient against the fake Entra (test/fakes/teams.ts) on 127.0.0.1: the secret and the
 * certificate credentials, one cached token shared by concurrent callers, refresh five minutes before
 * expiry (an injected clock), invalidate(), and which failures are permanent. The certificate is made by
 * `openssl` in a temp dir; without openssl those cases are skipped, saying why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TeamsConfig } from '../../bot/config.ts';
import { TeamsTokenClient, TokenError } from '../../bot/teams/token.ts';
import { type FakeTeams, startFakeTeams } from '../fakes/teams.ts';

const fakes: FakeTeams[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function fake(opts: Parameters<typeof startFakeTeams>[0] = {}): Promise<FakeTeams> {
  const f = await startFakeTeams(opts);
  fakes.push(f);
  return f;
}

function configFor(f: FakeTeams, over: Partial<TeamsConfig> = {}): TeamsConfig {
  return {
    appId: f.appId,
    tenantId: f.tenantId,
    secret: f.secret,
    cert: null,
    authority: f.authority,
    issuers: [],
    ...over,
  };
}

/** A loopback server answering every request with one status and body (what the fake cannot do). */
async function answering(status: number, body: string): Promise<string> {
  const s = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'Content-Type': 'application/json' }).end(body));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function failure(p: Promise<unknown>): Promise<TokenError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TokenError);
  return e as TokenError;
}

describe('client secret', () => {
  it('fetches a token with the secret', async () => {
    const f = await fake();
    const token = await new TeamsTokenClient(configFor(f)).get();
    expect(token).toMatch(/^fake-bf\./);
    expect(f.tokenRequests).toEqual([
      { tenant: f.tenantId, clientId: f.appId, credential: 'secret', status: 200, error: undefined },
    ]);
  });

  it('shares one request among concurrent callers and caches the token', async () => {
    const f = await fake();
    const client = new TeamsTokenClient(configFor(f));
    const tokens = await Promise.all(Array.from({ length: 8 }, () => client.get()));
    expect(new Set(tokens).size).toBe(1);
    expect(f.tokensIssued).toBe(1);
    expect(await client.get()).toBe(tokens[0]);
    expect(f.tokensIssued).toBe(1);
  });

  it('fetches again five minutes before expires_in (injected clock)', async () => {
    const f = await fake({ tokenTtlSec: 3600 });
    let t = 1_000_000;
    const client = new TeamsTokenClient(configFor(f), { now: () => t });
    const first = await client.get();
    t += (3600 - 300) * 1000 - 1;
    expect(await client.get()).toBe(first);
    t += 2;
    const second = await client.get();
    expect(second).not.toBe(first);
    expect(f.tokensIssued).toBe(2);
  });

  it('uses a token shorter-lived than five minutes for half its life', async () => {
    const f = await fake({ tokenTtlSec: 120 });
    let t = 0;
    const client = new TeamsTokenClient(configFor(f), { now: () => t });
    const first = await client.get();
    t += 59_000;
    expect(await client.get()).toBe(first);
    t += 2_000;
    expect(await client.get()).not.toBe(first);
  });

  it('invalidate() drops the cached token (after a 401)', async () => {
    const f = await fake();
    const client = new TeamsTokenClient(configFor(f));
    const first = await client.get();
    client.invalidate();
    expect(await client.get()).not.toBe(first);
    expect(f.tokensIssued).toBe(2);
  });

  it('a wrong secret is permanent, names the AADSTS code and never the secret or Entra’s text', async () => {
    const f = await fake();
    const secret = 'wrong-secret-Value-8f3a1b';
    const client = new TeamsTokenClient(configFor(f, { secret }));
    const e = await failure(client.get());
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('invalid_client');
    expect(e.message).toContain('AADSTS7000215');
    expect(e.message).toContain('TEAMS_APP_PASSWORD');
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain('Invalid client secret provided');
    expect(e.message).not.toMatch(/Trace ID|Correlation/);
    // a failure is not cached: the next call asks again
    await failure(client.get());
    expect(f.tokenRequests.map((r) => r.status)).toEqual([401, 401]);
  });

  it('an unknown app or tenant is permanent too', async () => {
    const f = await fake();
    const app = await failure(
      new TeamsTokenClient(configFor(f, { appId: '00000000-0000-4000-8000-000000000000' })).get(),
    );
    expect([app.permanent, app.message.includes('AADSTS700016')]).toEqual([true, true]);
    const tenant = await failure(
      new TeamsTokenClient(configFor(f, { tenantId: '00000000-0000-4000-8000-000000000000' })).get(),
    );
    expect([tenant.permanent, tenant.message.includes('AADSTS90002')]).toEqual([true, true]);
  });

  it('an Entra that is down, failing or answering garbage is not permanent', async () => {
    const f = await fake();
    const cfg = configFor(f);
    await f.close();
    fakes.splice(0);
    const down = await failure(new TeamsTokenClient(cfg).get());
    expect(down.permanent).toBe(false);
    expect(down.message).toMatch(/could not reach .*ECONNREFUSED/);

    const busy = await failure(
      new TeamsTokenClient({
        ...cfg,
        authority: await answering(503, '{"error":"temporarily_unavailable"}'),
      }).get(),
    );
    expect([busy.permanent, busy.message]).toEqual([
      false,
      'the Entra token endpoint answered 503 (temporarily_unavailable)',
    ]);

    const huge = await failure(
      new TeamsTokenClient({
        ...cfg,
        authority: await answering(200, `{"x":"${'a'.repeat(100_000)}"}`),
      }).get(),
    );
    expect([huge.permanent, huge.message]).toEqual([
      false,
      "the Entra token endpoint's answer is over 65536 bytes",
    ]);

    const empty = await failure(
      new TeamsTokenClient({ ...cfg, authority: await answering(200, '{}') }).get(),
    );
    expect(empty.message).toMatch(/without a usable token/);
    expect(empty.permanent).toBe(false);
  });
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)(
  'certificate (skipped: openssl is not installed to make a test certificate)',
  () => {
    let dir: string;

    function makeCert(name: string): { certFile: string; keyFile: string } {
      const certFile = join(dir, `${name}.crt.pem`);
      const keyFile = join(dir, `${name}.key.pem`);
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=infralens-test', '-days', '1'].concat(
          ['-keyout', keyFile, '-out', certFile],
        ),
        { stdio: 'ignore', timeout: 20_000 },
      );
      return { certFile, keyFile };
    }

    let registered: { certFile: string; keyFile: string };
    let other: { certFile: string; keyFile: string };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'infralens-teams-cert-'));
      registered = makeCert('registered');
      other = makeCert('other');
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    const pem = (file: string) => readFileSync(file, 'utf8');

    it('fetches a token with a signed client assertion (x5t of the registered certificate)', async () => {
      const f = await fake({ certPem: pem(registered.certFile) });
      const client = new TeamsTokenClient(configFor(f, { secret: null, cert: registered }));
      expect(await client.get()).toMatch(/^fake-bf\./);
      expect(f.tokenRequests).toEqual([
        { tenant: f.tenantId, clientId: f.appId, credential: 'assertion', status: 200, error: undefined },
      ]);
    });

    it('a certificate the app does not know is refused, permanently', async () => {
      const f = await fake({ certPem: pem(registered.certFile) });
      const e = await failure(new TeamsTokenClient(configFor(f, { secret: null, cert: other })).get());
      expect(e.permanent).toBe(true);
      expect(e.message).toContain('AADSTS700027');
    });

    it('reads the PEM files only when a token is needed, and says which one it cannot read', async () => {
      const f = await fake({ certPem: pem(registered.certFile) });
      const missing = { certFile: join(dir, 'absent.pem'), keyFile: registered.keyFile };
      const client = new TeamsTokenClient(configFor(f, { secret: null, cert: missing }));
      const e = await failure(client.get());
      expect([e.permanent, e.message]).toEqual([true, 'cannot read TEAMS_CERT_FILE (ENOENT)']);
      // fixed on disk: the next call reads it again
      writeFileSync(missing.certFile, pem(registered.certFile));
      expect(await client.get()).toMatch(/^fake-bf\./);
      expect(f.tokenRequests).toHaveLength(1);
    });

    it('refuses a PEM file over 64 KiB and a key that is not a key', async () => {
      const f = await fake({ certPem: pem(registered.certFile) });
      const big = join(dir, 'big.pem');
      writeFileSync(big, 'x'.repeat(65 * 1024));
      const tooBig = await failure(
        new TeamsTokenClient(
          configFor(f, { secret: null, cert: { certFile: big, keyFile: registered.keyFile } }),
        ).get(),
      );
      expect([tooBig.permanent, tooBig.message]).toEqual([
        true,
        'TEAMS_CERT_FILE is over 64 KiB: is it a PEM file?',
      ]);
      const notKey = await failure(
        new TeamsTokenClient(
          configFor(f, {
            secret: null,
            cert: { certFile: registered.certFile, keyFile: registered.certFile },
          }),
        ).get(),
      );
      expect(notKey.permanent).toBe(true);
      expect(notKey.message).toMatch(/^TEAMS_KEY_FILE does not hold/);
    });
  },
);
