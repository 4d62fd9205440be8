/**
 * Downloading Slack files against loopback HTTP servers: the bytes with the Bearer token, the size cap
 * (before any request, on Content-Length, and on a body that outgrows what was announced), Slack's HTML
 * login page, HTTP errors, a slow server, and redirects (at most 3; the token never leaves the file's
 * origin). And which shared files are worth downloading at all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadError, downloadSlackFile, isCandidateFile } from '../../bot/slack/download.ts';
import type { RemoteFile } from '../../jobs/queue/contracts.ts';

const TOKEN = 'xoxb-test-token';

interface Seen {
  path: string;
  auth: string | undefined;
}

const servers: Server[] = [];

/** A loopback server that records what it was asked (path and Authorization) and answers with `handle`. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

const file = (url: string, over: Partial<RemoteFile> = {}): RemoteFile => ({
  id: 'F1',
  name: 'topo.txt',
  size: 12,
  url: `${url}/files-pri/T1-F1/topo.txt`,
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

describe('downloadSlackFile', () => {
  it('downloads the bytes with the bot token', async () => {
    const body = 'GPU0\tGPU1\nGPU0\t X \tNV18\n';
    const a = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    });
    const got = await downloadSlackFile(file(a.url), TOKEN);
    expect(got.name).toBe('topo.txt');
    expect(Buffer.from(got.content as Uint8Array).toString()).toBe(body);
    expect(a.seen).toEqual([{ path: '/files-pri/T1-F1/topo.txt', auth: `Bearer ${TOKEN}` }]);
  });

  it('refuses a file announced over the cap without asking for it', async () => {
    const a = await serve((_req, res) => res.end('x'));
    const e = await failure(downloadSlackFile(file(a.url, { size: 1001 }), TOKEN, { maxBytes: 1000 }));
    expect(e.kind).toBe('too_large');
    expect(a.seen).toHaveLength(0);
  });

  it('refuses a Content-Length over the cap', async () => {
    const a = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(5000) });
      res.end('y'.repeat(5000));
    });
    const e = await failure(downloadSlackFile(file(a.url), TOKEN, { maxBytes: 1000 }));
    expect(e.kind).toBe('too_large');
  });

  it('stops reading a body that outgrows the cap (size announced small, chunked, no Content-Length)', async () => {
    let wrote = 0;
    let closed = false;
    const a = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.on('close', () => {
        closed = true;
      });
      const chunk = 'z'.repeat(16 * 1024);
      const pump = () => {
        // an endless body: only the client's cap ends it
        while (!closed && wrote < 64 * 1024 * 1024 && res.write(chunk)) wrote += chunk.length;
        if (!closed) res.once('drain', pump);
      };
      pump();
    });
    const e = await failure(downloadSlackFile(file(a.url, { size: 10 }), TOKEN, { maxBytes: 100_000 }));
    expect(e.kind).toBe('too_large');
    expect(wrote).toBeLessThan(64 * 1024 * 1024);
  });

  it("names the missing files:read scope for Slack's HTML login page", async () => {
    const page = '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in</body></html>';
    const a = await serve((req, res) => {
      res.writeHead(200, {
        'content-type': req.url?.includes('typed') ? 'text/html; charset=utf-8' : 'text/plain',
      });
      res.end(page);
    });
    for (const path of ['typed', 'untyped']) {
      const e = await failure(
        downloadSlackFile(file(a.url, { url: `${a.url}/files-pri/T1-F1/${path}` }), TOKEN),
      );
      expect(e.kind).toBe('login_page');
      expect(e.message).toContain('files:read');
    }
    // an HTML file that is meant to be HTML is not a login page
    const ok = await downloadSlackFile(file(a.url, { name: 'page.html' }), TOKEN);
    expect(Buffer.from(ok.content as Uint8Array).toString()).toBe(page);
  });

  it('reports an HTTP error with its status', async () => {
    const a = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('file_not_found');
    });
    const e = await failure(downloadSlackFile(file(a.url), TOKEN));
    expect(e.kind).toBe('http');
    expect(e.status).toBe(404);
    expect(e.message).not.toContain(TOKEN);
  });

  it('gives up on a slow server', async () => {
    const a = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      // never ends
    });
    const e = await failure(downloadSlackFile(file(a.url), TOKEN, { timeoutMs: 150 }));
    expect(e.kind).toBe('timeout');
    const b = await serve(() => {
      // never answers at all
    });
    expect((await failure(downloadSlackFile(file(b.url), TOKEN, { timeoutMs: 150 }))).kind).toBe('timeout');
  });

  it('reports a server it cannot reach as a network error', async () => {
    const a = await serve((_req, res) => res.end());
    const url = a.url;
    a.server.closeAllConnections();
    await new Promise<void>((resolve) => a.server.close(() => resolve()));
    servers.splice(servers.indexOf(a.server), 1);
    const e = await failure(downloadSlackFile(file(url), TOKEN));
    expect(e.kind).toBe('network');
  });

  it('refuses URLs that are not http or https', async () => {
    let called = false;
    const spy = (async () => {
      called = true;
      return new Response('');
    }) as typeof fetch;
    for (const url of ['file:///etc/passwd', 'ftp://files.slack.com/x']) {
      const e = await failure(
        downloadSlackFile({ id: 'F', name: 'x.txt', size: 1, url }, TOKEN, { fetch: spy }),
      );
      expect(e.kind).toBe('http');
    }
    expect(called).toBe(false);
  });

  describe('redirects', () => {
    it('follows one to another https origin without the token', async () => {
      const b = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('from the edge');
      });
      const a = await serve((_req, res) => {
        res.writeHead(302, { location: 'https://files-edge.test/cdn/topo.txt?sig=abc' });
        res.end();
      });
      // https://files-edge.test is served by the second loopback server (no TLS in tests)
      const viaEdge = ((input: string | URL | Request, init?: RequestInit) => {
        const u = new URL(input instanceof Request ? input.url : String(input));
        if (u.hostname === 'files-edge.test') return fetch(`${b.url}${u.pathname}${u.search}`, init);
        return fetch(u, init);
      }) as typeof fetch;
      const got = await downloadSlackFile(file(a.url), TOKEN, { fetch: viaEdge });
      expect(Buffer.from(got.content as Uint8Array).toString()).toBe('from the edge');
      expect(a.seen).toEqual([{ path: '/files-pri/T1-F1/topo.txt', auth: `Bearer ${TOKEN}` }]);
      expect(b.seen).toEqual([{ path: '/cdn/topo.txt?sig=abc', auth: undefined }]);
    });

    it('keeps the token on the same origin', async () => {
      const a = await serve((req, res) => {
        if (req.url === '/moved') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('moved here');
        } else {
          res.writeHead(301, { location: '/moved' });
          res.end();
        }
      });
      const got = await downloadSlackFile(file(a.url), TOKEN);
      expect(Buffer.from(got.content as Uint8Array).toString()).toBe('moved here');
      expect(a.seen.map((s) => s.auth)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    });

    it('refuses a redirect to plain http on another origin, and more than 3 redirects', async () => {
      const b = await serve((_req, res) => res.end('never'));
      const a = await serve((req, res) => {
        const n = Number(req.url?.match(/hop(\d+)/)?.[1] ?? 0);
        res.writeHead(302, { location: req.url?.includes('away') ? `${b.url}/x` : `/loop/hop${n + 1}` });
        res.end();
      });
      const away = await failure(downloadSlackFile(file(a.url, { url: `${a.url}/away` }), TOKEN));
      expect(away.kind).toBe('http');
      expect(b.seen).toHaveLength(0);
      const loop = await failure(downloadSlackFile(file(a.url), TOKEN));
      expect(loop.kind).toBe('http');
      expect(loop.message).toContain('redirects');
      expect(
        a.seen.filter((s) => s.path.startsWith('/loop') || s.path.startsWith('/files-pri')),
      ).toHaveLength(4);
    });
  });
});

describe('isCandidateFile', () => {
  it.each([
    [{ name: 'topo.txt', size: 10 }, true],
    [{ name: 'gpu.XML', size: 10, mimetype: 'application/xml', filetype: 'xml' }, true],
    [{ name: 'query.csv', size: 10 }, true],
    [{ name: '102.conf', size: 10 }, true],
    // Slack's "not recognised": the extension decides, and without one ingestion judges the content
    [{ name: '102.conf', size: 10, mimetype: 'application/octet-stream', filetype: 'binary' }, true],
    [{ name: 'topo', size: 10, mimetype: 'application/octet-stream' }, true],
    [{ name: 'core.bin', size: 10, mimetype: 'application/octet-stream', filetype: 'binary' }, false],
    [{ name: 'shot.png', size: 10, mimetype: 'application/octet-stream' }, false],
    [{ name: 'pci.cfg', size: 10 }, true],
    [{ name: 'workloads.yaml', size: 10 }, true],
    [{ name: 'workloads.json', size: 10, mimetype: 'application/json' }, true],
    [{ name: 'run.log', size: 10 }, true],
    [{ name: 'gpu-node-01-infralens.bundle', size: 10 }, true],
    [{ name: 'metrics.tsv', size: 10 }, true],
    [{ name: 'smi.out', size: 10 }, true],
    [{ name: 'numactl', size: 10 }, true],
    [{ name: 'qm-config-102', size: 10, mimetype: 'text/plain', filetype: 'text' }, true],
    [{ name: 'Untitled', size: 10, filetype: 'snippet' }, true],
    [{ name: 'nvidia-smi.2026-11-26', size: 10, mimetype: 'text/plain' }, true],
    [{ name: 'collect.sh', size: 10, filetype: 'shell' }, true],
    [{ name: 'screenshot.png', size: 10, mimetype: 'image/png', filetype: 'png' }, false],
    [{ name: 'report.pdf', size: 10, mimetype: 'application/pdf' }, false],
    [{ name: 'logs.zip', size: 10 }, false],
    [{ name: 'logs.tar.gz', size: 10, mimetype: 'application/gzip' }, false],
    [{ name: 'specs.docx', size: 10 }, false],
    [{ name: 'sheet.xlsx', size: 10 }, false],
    [{ name: 'demo.mp4', size: 10, mimetype: 'video/mp4' }, false],
    [{ name: 'photo', size: 10, mimetype: 'image/jpeg' }, false],
    [{ name: 'blob', size: 10, filetype: 'binary' }, false],
    [{ name: 'topo.txt', size: 10, mimetype: 'image/png' }, false],
    [{ name: 'page.html', size: 10, mimetype: 'text/html' }, false],
    [{ name: 'data.parquet', size: 10 }, false],
  ])('%j → %s', (f, ok) => {
    expect(isCandidateFile(f)).toBe(ok);
  });
});
