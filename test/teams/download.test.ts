/**
 * Downloading Teams files against loopback HTTP servers: the bytes without any Authorization header (the
 * URL is pre-authorised), the size cap with no announced size (Teams says 0) both on Content-Length and
 * on a body that outgrows it, an HTML page instead of the file, HTTP errors, a slow server, redirects (at
 * most 3, never to plain http off this machine), non-https URLs. And which attachments of an activity
 * are read, named as ignored, or skipped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadError } from '../../bot/slack/download.ts';
import { downloadTeamsFile, teamsAttachments } from '../../bot/teams/download.ts';
import type { RemoteFile } from '../../jobs/queue/contracts.ts';

interface Seen {
  path: string;
  auth: string | undefined;
}

const servers: Server[] = [];

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

const file = (url: string, over: Partial<RemoteFile> = {}): RemoteFile => ({
  id: 'b2c3d4',
  name: 'topo.txt',
  size: 0,
  url: `${url}/personal/user/_layouts/15/download.aspx?UniqueId=b2c3d4&tempauth=abc`,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<DownloadError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DownloadError);
    return e as DownloadError;
  }
  throw new Error('expected a DownloadError');
}

const TOPO = '\tGPU0\tGPU1\nGPU0\t X \tNV18\n';

describe('downloadTeamsFile', () => {
  it('downloads the bytes with no Authorization header', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(TOPO);
    });
    const got = await downloadTeamsFile(file(s.url));
    expect(got.name).toBe('topo.txt');
    expect(new TextDecoder().decode(got.content as Uint8Array)).toBe(TOPO);
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]!.auth).toBeUndefined();
    expect(s.seen[0]!.path).toContain('tempauth=abc');
  });

  it('refuses a declared size over the cap before reading the body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '2000' });
      res.end('x'.repeat(2000));
    });
    const e = await failure(downloadTeamsFile(file(s.url), { maxBytes: 1000 }));
    expect(e.kind).toBe('too_large');
  });

  it('stops a body that outgrows the cap while streaming (no size announced)', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' }); // chunked: no Content-Length
      const chunk = 'y'.repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 40 && res.write(chunk)) sent++;
        if (sent < 40) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    const e = await failure(downloadTeamsFile(file(s.url), { maxBytes: 256 * 1024 }));
    expect(e.kind).toBe('too_large');
    expect(e.message).toMatch(/more than 0\.3 MiB/);
  });

  it('the default cap is ingestion’s (16 MiB): 17 MiB is refused', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 17 && res.write(chunk)) sent++;
        if (sent < 17) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    const e = await failure(downloadTeamsFile(file(s.url)));
    expect(e.kind).toBe('too_large');
  });

  it('an announced size over the cap is refused with no request', async () => {
    const s = await serve((_req, res) => res.end('x'));
    const e = await failure(downloadTeamsFile(file(s.url, { size: 17 * 1024 * 1024 })));
    expect(e.kind).toBe('too_large');
    expect(s.seen).toHaveLength(0);
  });

  it('an HTML page instead of a text file is a sign-in page (by type or by content)', async () => {
    const byType = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<html>sign in</html>');
    });
    expect((await failure(downloadTeamsFile(file(byType.url)))).kind).toBe('login_page');
    const byContent = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end('\uFEFF  <!DOCTYPE html><html><body>Sign in to your account</body></html>');
    });
    const e = await failure(downloadTeamsFile(file(byContent.url)));
    expect(e.kind).toBe('login_page');
    expect(e.message).toMatch(/share the file again/);
  });

  it('HTTP errors carry the status', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(403);
      res.end('no');
    });
    const e = await failure(downloadTeamsFile(file(s.url)));
    expect(e).toMatchObject({ kind: 'http', status: 403 });
    expect(e.message).toMatch(/expired/);
  });

  it('a server that does not finish in time: timeout', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
    });
    const e = await failure(downloadTeamsFile(file(s.url), { timeoutMs: 300 }));
    expect(e.kind).toBe('timeout');
  });

  it('nobody listening: network', async () => {
    const s = await serve((_req, res) => res.end());
    const url = s.url;
    for (const x of servers.splice(0)) await new Promise<void>((r) => x.close(() => r()));
    expect((await failure(downloadTeamsFile(file(url)))).kind).toBe('network');
  });

  it('follows up to 3 redirects, none with a header carrying credentials', async () => {
    const s = await serve((req, res) => {
      const hop = Number(/hop=(\d)/.exec(req.url ?? '')?.[1] ?? 0);
      if (hop < 3) {
        res.writeHead(302, { Location: `/next?hop=${hop + 1}` });
        res.end();
      } else {
        res.writeHead(200);
        res.end(TOPO);
      }
    });
    const got = await downloadTeamsFile(file(s.url));
    expect(new TextDecoder().decode(got.content as Uint8Array)).toBe(TOPO);
    expect(s.seen.map((x) => x.auth)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('a fourth redirect is refused', async () => {
    const s = await serve((req, res) => {
      const hop = Number(/hop=(\d)/.exec(req.url ?? '')?.[1] ?? 0);
      res.writeHead(302, { Location: `/next?hop=${hop + 1}` });
      res.end();
    });
    const e = await failure(downloadTeamsFile(file(s.url)));
    expect(e.kind).toBe('http');
    expect(e.message).toMatch(/more than 3 redirects/);
    expect(s.seen).toHaveLength(4);
  });

  it('a redirect to plain http off this machine, or to another scheme, is refused', async () => {
    for (const location of ['http://files.example.com/topo.txt', 'file:///etc/passwd', 'ftp://x/y']) {
      const s = await serve((_req, res) => {
        res.writeHead(307, { Location: location });
        res.end();
      });
      const e = await failure(downloadTeamsFile(file(s.url)));
      expect(e.kind, location).toBe('http');
      expect(e.message).toMatch(/refusing a redirect/);
    }
  });

  it('refuses plain http off this machine and other schemes before any request', async () => {
    for (const url of [
      'http://files.example.com/topo.txt',
      'ftp://files.example.com/topo.txt',
      'file:///etc/passwd',
    ]) {
      const e = await failure(downloadTeamsFile(file('', { url })));
      expect(e.kind, url).toBe('http');
      expect(e.message).toMatch(/refusing/);
    }
  });
});

const info = (name: string, over: Record<string, unknown> = {}) => ({
  contentType: 'application/vnd.microsoft.teams.file.download.info',
  contentUrl: `https://contoso-my.sharepoint.com/personal/u/Documents/${name}`,
  name,
  content: {
    downloadUrl: `https://contoso-my.sharepoint.com/download.aspx?UniqueId=${name}&tempauth=t`,
    uniqueId: `id-${name}`,
    fileType: name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '',
    ...over,
  },
});

describe('teamsAttachments', () => {
  it('text files are read; images and binaries are named as ignored; the HTML rendering and cards are skipped', () => {
    const got = teamsAttachments([
      { contentType: 'text/html', content: '<div>look at this</div>' },
      info('topo.txt'),
      info('nvidia-smi-q.xml'),
      info('qm-config-102'),
      info('report.pdf'),
      info('photo.png'),
      { contentType: 'image/png', contentUrl: 'https://smba.trafficmanager.net/x', name: 'pasted.png' },
      { contentType: 'image/*', contentUrl: 'https://us-api.asm.skype.com/v1/objects/0-x/views/imgo' },
      { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } },
      {
        contentType: 'application/vnd.microsoft.teams.card.file.info',
        contentUrl: 'https://x/y.pdf',
        name: 'y.pdf',
      },
    ]);
    expect(got.read).toEqual([
      {
        id: 'id-topo.txt',
        name: 'topo.txt',
        size: 0,
        url: 'https://contoso-my.sharepoint.com/download.aspx?UniqueId=topo.txt&tempauth=t',
      },
      expect.objectContaining({ id: 'id-nvidia-smi-q.xml', name: 'nvidia-smi-q.xml' }),
      expect.objectContaining({ name: 'qm-config-102' }),
    ]);
    expect(got.ignored).toEqual(['report.pdf', 'photo.png', 'pasted.png', 'image']);
  });

  it('untrusted shapes: not an array, junk entries, missing or bad fields', () => {
    expect(teamsAttachments(undefined)).toEqual({ read: [], ignored: [] });
    expect(teamsAttachments({ 0: info('a.txt') })).toEqual({ read: [], ignored: [] });
    const got = teamsAttachments([
      null,
      42,
      'topo.txt',
      [],
      { contentType: 42 },
      info('no-url.txt', { downloadUrl: undefined }),
      info('bad-url.txt', { downloadUrl: 'javascript:alert(1)' }),
      info('plain-http.txt', { downloadUrl: 'http://evil.example.com/x' }),
      { ...info('x.txt'), name: { not: 'a string' } },
      { ...info('x.txt'), content: 'not an object' },
      info('no-id.log', { uniqueId: undefined }),
      info('../../etc/evil\u0007name.txt'),
    ]);
    expect(got.ignored).toEqual(['no-url.txt', 'bad-url.txt', 'plain-http.txt', 'x.txt']);
    expect(got.read.map((f) => f.name)).toEqual(['no-id.log', 'evil name.txt']);
    expect(got.read[0]!.id).toMatch(/^u-[0-9a-f]{32}$/);
  });

  it('caps: 20 read, 50 ignored', () => {
    const many = [
      ...Array.from({ length: 25 }, (_, i) => info(`out-${i}.txt`)),
      ...Array.from({ length: 60 }, (_, i) => info(`img-${i}.png`)),
    ];
    const got = teamsAttachments(many);
    expect(got.read).toHaveLength(20);
    expect(got.ignored).toHaveLength(50);
    expect(got.ignored.slice(0, 5)).toEqual([
      'out-20.txt',
      'out-21.txt',
      'out-22.txt',
      'out-23.txt',
      'out-24.txt',
    ]);
  });
});
