/**
 * The Prometheus live source (tools/sources/prometheus.ts) against a real Prometheus 2.42 (Debian's
 * package): scraping loopback dcgm-exporters that serve real dumps changing over time, and serving a
 * backfilled day (promtool) behind TLS and basic auth; and against fake Prometheus servers on loopback for
 * what a real one will not do on demand (401, hanging, oversized or malformed answers, error JSON), and
 * for the exact query text it receives.
 *
 * UPDATE_SAMPLES=1 writes the windows the real Prometheus gave to samples/window/ (see its PROVENANCE.md);
 * otherwise the committed ones are only checked.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idleOf, seriesStats, WindowDocument } from '../../scoring/window.ts';
import { ConfigError } from '../../tools/errors.ts';
import {
  CATALOGUE,
  fetchWindow,
  type PrometheusSource,
  parseWindow,
  promqlString,
  SourceError,
  stepFor,
} from '../../tools/sources/prometheus.ts';
import {
  type Backfill,
  backfillText,
  close,
  createBlocks,
  type DayPlan,
  type DcgmExporter,
  DUMPS,
  dump,
  FB_STEP_MIB,
  hasOpenssl,
  hasPrometheus,
  levels,
  listen,
  NO_PROMETHEUS,
  type RunningPrometheus,
  samplesOf,
  selfSignedCert,
  startDcgmExporter,
  startPrometheus,
  TEST_BASIC,
} from '../helpers/prometheus.ts';

const UPDATE = process.env.UPDATE_SAMPLES === '1';
const SAMPLES = new URL('../../samples/window/', import.meta.url);
/** The windows this file writes (samples/window/PROVENANCE.md describes each). */
const SAMPLE_FILES = {
  a800: 'live-a800-8x-gpu0-mig-msxf-hpc-64-35-ai.json',
  l40s: 'live-l40s-gpu1-wl8sg.json',
  t4: 'live-t4-cp-bm14r7.json',
  dayL40s: 'day-l40s-gpu1-wl8sg-busy-09-12-utc.json',
  dayT4: 'day-t4-cp-bm14r7-busy-00-12-utc.json',
} as const;
const readSample = (name: string) =>
  WindowDocument.parse(JSON.parse(readFileSync(new URL(name, SAMPLES), 'utf8')));
const writeSample = (name: string, doc: WindowDocument) => {
  if (UPDATE) writeFileSync(new URL(name, SAMPLES), `${JSON.stringify(doc, null, 2)}\n`);
};

/** The plans of the backfilled day: hours busy of 24 (the rest idle). */
const DAY_PLANS = {
  l40s: { file: DUMPS.l40s, busyHours: [9, 12], withSmActive: true },
  t4: { file: DUMPS.t4, busyHours: [0, 12] },
} as const satisfies Record<string, DayPlan>;
const idleHoursOf = (p: DayPlan) => 24 - (p.busyHours[1] - p.busyHours[0]);

async function rejection(p: Promise<unknown>): Promise<SourceError> {
  const e = await p.then(
    () => {
      throw new Error('expected a SourceError');
    },
    (err: unknown) => err,
  );
  if (!(e instanceof SourceError)) throw e;
  return e;
}

/* ------------------------------------------------------------------------------------------------ */

describe('parseWindow', () => {
  const now = new Date('2026-12-03T18:14:00Z'); // a Thursday; in Seoul Friday 03:14
  const iso = (ms: number) => new Date(ms).toISOString();
  const at = (words: string, tz?: string) => {
    const w = parseWindow(words, now, tz);
    return w && { from: iso(w.fromMs), to: iso(w.toMs), label: w.label };
  };
  const back = (h: number) => iso(now.getTime() - h * 3_600_000);

  it.each([
    ['', '24h', 24],
    ['24h', '24h', 24],
    ['1h', '1h', 1],
    ['12h', '12h', 12],
    ['7d', '7d', 7 * 24],
    ['30d', '30d', 30 * 24],
    ['90d', '90d', 90 * 24],
    ['2160h', '2160h', 2160],
    ['last 48 hours', '48h', 48],
    ['past 7 days', '7d', 7 * 24],
    ['  7 Days? ', '7d', 7 * 24],
    ['최근 3시간', '3h', 3],
    ['최근 7일', '7d', 7 * 24],
    ['지난 24시간', '24h', 24],
    ['12시간', '12h', 12],
  ])('%j → the last %s', (words, label, hours) => {
    expect(at(words)).toEqual({ from: back(hours), to: iso(now.getTime()), label });
  });

  it.each([
    ['today', 'UTC', '2026-12-03T00:00:00.000Z', '2026-12-03T18:14:00.000Z'],
    ['yesterday', 'UTC', '2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
    ['this week', 'UTC', '2026-11-30T00:00:00.000Z', '2026-12-03T18:14:00.000Z'],
    ['last week', 'UTC', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
    ['오늘', 'UTC', '2026-12-03T00:00:00.000Z', '2026-12-03T18:14:00.000Z'],
    ['어제', 'UTC', '2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
    ['이번 주', 'UTC', '2026-11-30T00:00:00.000Z', '2026-12-03T18:14:00.000Z'],
    ['지난주', 'UTC', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
    // Seoul (UTC+9): it is already Friday 4 December there
    ['today', 'Asia/Seoul', '2026-12-03T15:00:00.000Z', '2026-12-03T18:14:00.000Z'],
    ['yesterday', 'Asia/Seoul', '2026-12-02T15:00:00.000Z', '2026-12-03T15:00:00.000Z'],
    ['어제', 'Asia/Seoul', '2026-12-02T15:00:00.000Z', '2026-12-03T15:00:00.000Z'],
    ['이번주', 'Asia/Seoul', '2026-11-29T15:00:00.000Z', '2026-12-03T18:14:00.000Z'],
    ['지난 주', 'Asia/Seoul', '2026-11-22T15:00:00.000Z', '2026-11-29T15:00:00.000Z'],
    ['last week', 'Asia/Seoul', '2026-11-22T15:00:00.000Z', '2026-11-29T15:00:00.000Z'],
  ])('%j in %s', (words, tz, from, to) => {
    const label =
      {
        오늘: 'today',
        어제: 'yesterday',
        '이번 주': 'this week',
        이번주: 'this week',
        지난주: 'last week',
        '지난 주': 'last week',
      }[words] ?? words;
    expect(at(words, tz)).toEqual({ from, to, label });
  });

  it('a calendar day across a DST change is 23 hours (Europe/Berlin, 29 March 2026)', () => {
    const w = parseWindow('yesterday', new Date('2026-03-30T12:00:00Z'), 'Europe/Berlin')!;
    expect(iso(w.fromMs)).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(w.toMs)).toBe('2026-03-29T22:00:00.000Z');
    expect((w.toMs - w.fromMs) / 3_600_000).toBe(23);
  });

  it.each(['tomorrow', 'next week', '3 weeks', '91d', '2161h', '0h', '내일', 'all', '24hours ago'])(
    '%j is not understood: null',
    (words) => expect(parseWindow(words, now)).toBeNull(),
  );

  it('an unknown time zone is a configuration error', () => {
    expect(() => parseWindow('yesterday', now, 'Mars/Olympus')).toThrow(ConfigError);
  });
});

describe('stepFor', () => {
  const H = 3_600_000;
  it.each([
    [1, 15],
    [12, 30],
    [24, 60],
    [7 * 24, 600],
    [30 * 24, 1800],
    [90 * 24, 7200],
  ])('%i h → %i s, at most about 2,000 points', (hours, step) => {
    expect(stepFor(0, hours * H)).toBe(step);
    expect((hours * 3600) / step).toBeLessThanOrEqual(2016);
  });
  it('never under 15 s', () => expect(stepFor(0, 20_000)).toBe(15));
});

describe('promqlString', () => {
  it('quotes and escapes backslashes, quotes and control characters', () => {
    expect(promqlString('gpu-a')).toBe('"gpu-a"');
    expect(promqlString('a"b\\c\nd\re\tf\u0001')).toBe('"a\\"b\\\\c\\nd\\re\\tf\\x01"');
  });
});

/* ------------------------------------------------------------------------------------------------ */
/* Fake Prometheus servers on loopback                                                              */
/* ------------------------------------------------------------------------------------------------ */

interface Seen {
  path: string;
  params: URLSearchParams;
  headers: IncomingMessage['headers'];
}

async function fakeProm(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const srv = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const s = { path: u.pathname, params: u.searchParams, headers: req.headers };
    seen.push(s);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    handler(req, res, s);
  });
  const port = await listen(srv);
  return { url: `http://127.0.0.1:${port}`, seen, maxInFlight: () => maxInFlight, stop: () => close(srv) };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A Prometheus that has one GPU with GPU_UTIL 0, 50, 0 … for any query. */
function answering(present: string[] = ['DCGM_FI_DEV_GPU_UTIL'], delayMs = 0) {
  return (_req: IncomingMessage, res: ServerResponse, s: Seen) => {
    const reply = () => {
      if (s.path === '/api/v1/query')
        return json(res, 200, {
          status: 'success',
          data: {
            resultType: 'vector',
            result: present.map((n) => ({ metric: { __name__: n }, value: [1, '1'] })),
          },
        });
      const start = Number(s.params.get('start'));
      const step = Number(s.params.get('step'));
      const values = [0, 1, 2, 3].map((i) => [start + i * step, i % 2 ? '50' : '0']);
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [{ metric: { UUID: 'GPU-0000', gpu: '0', Hostname: 'h' }, values }],
        },
      });
    };
    if (delayMs) setTimeout(reply, delayMs);
    else reply();
  };
}

const W = {
  fromMs: Date.parse('2026-12-02T00:00:00Z'),
  toMs: Date.parse('2026-12-03T00:00:00Z'),
  label: 'yesterday',
};

describe('fetchWindow against fake Prometheus servers', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of stops) await s();
  });
  const fake = async (h: Parameters<typeof fakeProm>[0]) => {
    const f = await fakeProm(h);
    stops.push(f.stop);
    return f;
  };

  it('sends the bearer token, asks the probe first, then one range query per series present', async () => {
    const f = await fake(answering());
    const doc = await fetchWindow({ url: f.url, auth: { bearer: 's3cr3t-token' } }, 'h', W);
    expect(f.seen.map((s) => s.path)).toEqual(['/api/v1/query', '/api/v1/query_range']);
    for (const s of f.seen) {
      expect(s.headers.authorization).toBe('Bearer s3cr3t-token');
      expect(s.headers.accept).toBe('application/json');
    }
    const range = f.seen[1]!.params;
    expect(range.get('query')).toBe('DCGM_FI_DEV_GPU_UTIL{Hostname="h"}');
    expect(range.get('step')).toBe('60');
    expect(range.get('start')).toBe((W.fromMs / 1000).toFixed(3));
    // 1,440 points of one minute: the last starts a minute before the day ends
    expect(range.get('end')).toBe(((W.toMs - 60_000) / 1000).toFixed(3));
    expect(f.seen[0]!.params.get('time')).toBe((W.toMs / 1000).toFixed(3));
    expect(doc.gpus).toHaveLength(1);
    const w = doc.gpus[0]!.window;
    expect(w.expectedSamples).toBe(1440);
    expect(w.util).toEqual(seriesStats([0, 50, 0, 50]));
    expect(w.idleSeconds).toBe(2 * 60);
    expect(w.idleBasis).toBe('gpu_util');
    expect(doc.missing).toEqual(
      CATALOGUE.filter((n) => n !== 'DCGM_FI_DEV_GPU_UTIL' && n !== 'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL'),
    );
  });

  it('sends basic auth, and works through a given fetch', async () => {
    const f = await fake(answering());
    const calls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    await fetchWindow({ url: f.url, auth: { basic: { user: 'ops', password: 'pa55word' } } }, 'h', W, {
      fetch: recording,
    });
    expect(calls).toHaveLength(2);
    expect(f.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:pa55word').toString('base64')}`);
  });

  it('escapes the host in every query: a PromQL injection stays a label value', async () => {
    const f = await fake(answering());
    const host = 'gpu-a"} or vector(1) or {x="';
    const doc = await fetchWindow({ url: f.url }, host, W);
    const sel = 'Hostname="gpu-a\\"} or vector(1) or {x=\\""';
    expect(f.seen[0]!.params.get('query')).toBe(
      `count by (__name__) (last_over_time({__name__=~"${CATALOGUE.join('|')}",${sel}}[86400s:60s]))`,
    );
    expect(f.seen[1]!.params.get('query')).toBe(`DCGM_FI_DEV_GPU_UTIL{${sel}}`);
    expect(doc.host).toBe(host);
  });

  it('sums NVLink TX and RX when both are there; else reads the total (MiB/s) as bytes/s', async () => {
    const both = await fake(
      answering([
        'DCGM_FI_PROF_NVLINK_TX_BYTES',
        'DCGM_FI_PROF_NVLINK_RX_BYTES',
        'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL',
      ]),
    );
    const d1 = await fetchWindow({ url: both.url }, 'h', W);
    expect(both.seen[1]!.params.get('query')).toBe(
      'DCGM_FI_PROF_NVLINK_TX_BYTES{Hostname="h"} + DCGM_FI_PROF_NVLINK_RX_BYTES{Hostname="h"}',
    );
    expect(d1.gpus[0]!.window.nvlinkBytesPerSec!.max).toBe(50);
    const total = await fake(answering(['DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL']));
    const d2 = await fetchWindow({ url: total.url }, 'h', W);
    expect(total.seen[1]!.params.get('query')).toBe('DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL{Hostname="h"}');
    expect(d2.gpus[0]!.window.nvlinkBytesPerSec!.max).toBe(50 * 1_048_576);
    expect(d2.missing).not.toContain('DCGM_FI_PROF_NVLINK_TX_BYTES');
  });

  it('runs at most 4 range queries at once', async () => {
    const f = await fake(answering(CATALOGUE.slice(0, 8), 50));
    await fetchWindow({ url: f.url }, 'h', W);
    expect(f.seen.filter((s) => s.path === '/api/v1/query_range')).toHaveLength(8);
    expect(f.maxInFlight()).toBe(4);
  });

  it('401 → auth, naming the host and the URL, never the token', async () => {
    const f = await fake((_q, res) => res.writeHead(401, 'Unauthorized').end('bad token s3cr3t-token'));
    const e = await rejection(fetchWindow({ url: f.url, auth: { bearer: 's3cr3t-token' } }, 'gpu-a', W));
    expect(e.kind).toBe('auth');
    expect(e.message).toBe(`gpu-a: prometheus ${f.url}: 401 Unauthorized — check the bearer token`);
    expect(e.messageKo).toBe(`gpu-a: prometheus ${f.url}: 401 Unauthorized — bearer 토큰을 확인하세요`);
    const noAuth = await rejection(fetchWindow({ url: f.url }, 'gpu-a', W));
    expect(noAuth.message).toContain('it wants credentials');
  });

  it('a server that never answers → timeout within the request limit', async () => {
    const f = await fake(() => {});
    const t0 = Date.now();
    const e = await rejection(fetchWindow({ url: f.url, timeoutMs: 300 }, 'gpu-a', W));
    expect(e.kind).toBe('timeout');
    expect(e.message).toBe(`gpu-a: prometheus ${f.url}: no answer within 0.3 s`);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a body that stalls half-way → timeout', async () => {
    const f = await fake((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success","data":');
    });
    const e = await rejection(fetchWindow({ url: f.url, timeoutMs: 300 }, 'gpu-a', W));
    expect(e.kind).toBe('timeout');
  });

  it('an answer over 32 MiB → bad_response, read no further', async () => {
    let written = 0;
    const f = await fake((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const e = await rejection(fetchWindow({ url: f.url }, 'gpu-a', W));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toBe(`gpu-a: prometheus ${f.url}: an answer is over 32 MiB`);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('error JSON → bad_response with the error, cleaned; errorType timeout → timeout', async () => {
    const f = await fake((_q, res) =>
      json(res, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:1: parse error:\nunexpected character',
      }),
    );
    const e = await rejection(fetchWindow({ url: f.url }, 'gpu-a', W));
    expect(e.kind).toBe('bad_response');
    expect(e.message).toBe(
      `gpu-a: prometheus ${f.url}: the query failed: bad_data: invalid parameter "query": 1:1: parse error: unexpected character`,
    );
    const t = await fake((_q, res) =>
      json(res, 503, {
        status: 'error',
        errorType: 'timeout',
        error: 'query timed out in expression evaluation',
      }),
    );
    expect((await rejection(fetchWindow({ url: t.url }, 'gpu-a', W))).kind).toBe('timeout');
  });

  it('an error that echoes the credentials has them masked', async () => {
    const f = await fake((req, res) =>
      json(res, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: `header was ${req.headers.authorization}`,
      }),
    );
    const e = await rejection(fetchWindow({ url: f.url, auth: { bearer: 's3cr3t-token' } }, 'gpu-a', W));
    expect(e.message).not.toContain('s3cr3t-token');
    expect(e.message).toContain('Bearer ***');
    const b = await rejection(
      fetchWindow({ url: f.url, auth: { basic: { user: 'ops', password: 'pa55word' } } }, 'gpu-a', W),
    );
    expect(b.message).not.toContain(Buffer.from('ops:pa55word').toString('base64'));
  });

  it('503 text → refused; 404 HTML → bad_response; a redirect is not followed', async () => {
    const r = await fake((_q, res) => res.writeHead(503, 'Service Unavailable').end('Service Unavailable'));
    const e1 = await rejection(fetchWindow({ url: r.url }, 'gpu-a', W));
    expect(e1.kind).toBe('refused');
    expect(e1.message).toContain('503 Service Unavailable');
    const n = await fake((_q, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>nope</html>'),
    );
    const e2 = await rejection(fetchWindow({ url: n.url }, 'gpu-a', W));
    expect(e2.kind).toBe('bad_response');
    expect(e2.message).toContain('without /api/v1');
    const other = await fake(answering());
    const red = await fake((_q, res) => res.writeHead(302, { location: `${other.url}/api/v1/query` }).end());
    const e3 = await rejection(fetchWindow({ url: red.url, auth: { bearer: 's3cr3t-token' } }, 'gpu-a', W));
    expect(e3.kind).toBe('bad_response');
    expect(other.seen).toHaveLength(0);
  });

  it('a success that is not a query result → bad_response', async () => {
    const f = await fake((_q, res) =>
      json(res, 200, { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } }),
    );
    expect((await rejection(fetchWindow({ url: f.url }, 'gpu-a', W))).kind).toBe('bad_response');
  });

  it('nothing listening → unreachable', async () => {
    const f = await fake(() => {});
    await f.stop();
    const e = await rejection(fetchWindow({ url: f.url }, 'gpu-a', W));
    expect(e.kind).toBe('unreachable');
    expect(e.message).toBe(
      `gpu-a: prometheus ${f.url}: cannot connect (ECONNREFUSED) — is Prometheus running, and is the URL right?`,
    );
  });

  it('the caller’s abort rejects with its reason', async () => {
    const f = await fake(() => {});
    const ac = new AbortController();
    const p = fetchWindow({ url: f.url }, 'gpu-a', W, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('shutting down')), 50);
    await expect(p).rejects.toThrow('shutting down');
  });

  it('a source that cannot be used is a configuration error', async () => {
    const ok = { url: 'http://127.0.0.1:1' };
    const bad: [PrometheusSource, string][] = [
      [{ url: 'ftp://x' }, 'http or https'],
      [{ url: 'http://u:p@127.0.0.1:1' }, 'carries credentials'],
      [{ ...ok, labels: { hostname: 'host-name' } }, 'label name'],
      [{ ...ok, labels: { uuid: 'a"}' } }, 'label name'],
      [{ ...ok, caFile: '/x', auth: { bearer: 'a\nb' } }, 'one line'],
    ];
    for (const [src, text] of bad) await expect(fetchWindow(src, 'h', W)).rejects.toThrow(text);
    await expect(fetchWindow(ok, 'x'.repeat(254), W)).rejects.toThrow(ConfigError);
    await expect(fetchWindow(ok, 'h', { ...W, toMs: W.fromMs })).rejects.toThrow(ConfigError);
    await expect(fetchWindow({ ...ok, caFile: '/x' }, 'h', W, { fetch })).rejects.toThrow('custom fetch');
  });
});

/* ------------------------------------------------------------------------------------------------ */
/* A real Prometheus scraping the fake dcgm-exporters                                               */
/* ------------------------------------------------------------------------------------------------ */

describe.skipIf(!hasPrometheus)(
  `a real Prometheus scraping dcgm-exporter dumps ${hasPrometheus ? '' : `(skipped: ${NO_PROMETHEUS})`}`,
  () => {
    const exporters: Record<keyof typeof DUMPS, DcgmExporter> = {} as never;
    let prom: RunningPrometheus;
    let window: { fromMs: number; toMs: number; label: string };
    const lv = levels();

    beforeAll(async () => {
      for (const k of Object.keys(DUMPS) as (keyof typeof DUMPS)[])
        exporters[k] = await startDcgmExporter(DUMPS[k]);
      prom = await startPrometheus({
        targets: Object.values(exporters).map((e) => e.target),
        scrapeIntervalSec: 1,
      });
      // Prometheus discovers static targets about 5 s after start; then wait for 6 scrapes of each.
      const until = Date.now() + 40_000;
      while (Object.values(exporters).some((e) => e.served.length < 7) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 200));
      const first = Math.max(...Object.values(exporters).map((e) => e.served[0]!.atMs));
      window = { fromMs: first + 500, toMs: Date.now(), label: 'live' };
    }, 60_000);

    afterAll(async () => {
      await prom?.stop();
      for (const e of Object.values(exporters)) await e?.stop();
    });

    const uuidsOf = (file: string) => [...new Set(samplesOf(dump(file)).samples.map((s) => s.labels.UUID!))];
    const fb0 = (file: string, uuid: string, name: string) =>
      Number(samplesOf(dump(file)).samples.find((s) => s.name === name && s.labels.UUID === uuid)!.value);

    it('the A800 host: 7 whole GPUs and GPU 0 as three MIG instances, with what was served', async () => {
      const a800 = exporters.a800;
      expect(a800.dropped).toBe(10); // the DCGM_FI_DEV_VGPU_PER_PROCESS_UTILIZATION "ERROR …" lines
      const doc = await fetchWindow({ url: prom.url }, 'msxf-hpc-64-35-ai', window, { stepSec: 1 });
      expect(WindowDocument.parse(doc)).toEqual(doc);
      expect(doc.source).toBe(`prometheus ${prom.url}`);
      expect(doc.missing).toEqual(['DCGM_FI_PROF_SM_ACTIVE']);
      expect(doc.gpus).toHaveLength(10);
      expect(new Set(doc.gpus.map((g) => g.uuid))).toEqual(new Set(uuidsOf(DUMPS.a800)));
      expect(doc.gpus.slice(0, 3).map((g) => [g.index, g.migInstance])).toEqual([
        [0, { id: 3, profile: '2g.20gb' }],
        [0, { id: 5, profile: '2g.20gb' }],
        [0, { id: 6, profile: '2g.20gb' }],
      ]);
      expect(doc.gpus.slice(3).map((g) => [g.index, g.migInstance])).toEqual(
        [1, 2, 3, 4, 5, 6, 7].map((i) => [i, null]),
      );

      const served = a800.served.length;
      const expected = Math.floor((window.toMs - window.fromMs) / 1000);
      for (const g of doc.gpus) {
        const w = g.window;
        expect(w.stepSec).toBe(1);
        expect(w.expectedSamples).toBe(expected);
        // framebuffer: what was served grows by 256 MiB a scrape, used + free constant
        const used0 = fb0(DUMPS.a800, g.uuid, 'DCGM_FI_DEV_FB_USED');
        const free0 = fb0(DUMPS.a800, g.uuid, 'DCGM_FI_DEV_FB_FREE');
        expect(w.fbUsedMiB!.samples).toBeGreaterThanOrEqual(4);
        expect(w.fbUsedMiB!.samples).toBeLessThanOrEqual(expected);
        expect((w.fbUsedMiB!.min - used0) % FB_STEP_MIB).toBe(0);
        expect(w.fbUsedMiB!.max).toBeLessThanOrEqual(used0 + (served - 1) * FB_STEP_MIB);
        expect(w.fbUsedMiB!.max).toBeGreaterThan(w.fbUsedMiB!.min);
        expect(w.fbUsedMiB!.max + w.fbFreeMiB!.min).toBe(used0 + free0);
        expect(w.fbUsedMiB!.min + w.fbFreeMiB!.max).toBe(used0 + free0);
        // activity alternates busy (the T4's values) and idle (the L40S's)
        expect([w.tensorActive!.min, w.tensorActive!.max]).toEqual([
          lv.idle.DCGM_FI_PROF_PIPE_TENSOR_ACTIVE,
          lv.busy.DCGM_FI_PROF_PIPE_TENSOR_ACTIVE,
        ]);
        expect(w.nvlinkBytesPerSec).toMatchObject({ min: 0, max: 0 }); // the dump's total is 0
        expect(w.smActive).toBeNull();
        if (g.migInstance) {
          // MIG instances have neither GPU_UTIL nor PCIe series in the dump: idleness from the graphics
          // engine's activity, which dcgm-exporter reports per instance
          expect([w.util, w.pcieTxBytesPerSec, w.idleBasis]).toEqual([null, null, 'gr_engine_active']);
          expect(w.grEngineActive).not.toBeNull();
          expect(w.idleSeconds).toBeGreaterThanOrEqual(0);
        } else {
          expect([w.util!.min, w.util!.max]).toEqual([0, lv.busy.DCGM_FI_DEV_GPU_UTIL]);
          const busy = Math.round((w.util!.mean * w.util!.samples) / lv.busy.DCGM_FI_DEV_GPU_UTIL!);
          expect(w.idleBasis).toBe('gpu_util');
          expect(w.idleSeconds).toBe((w.util!.samples - busy) * 1);
          expect([w.pcieTxBytesPerSec!.min, w.pcieTxBytesPerSec!.max]).toEqual([
            lv.idle.DCGM_FI_PROF_PCIE_TX_BYTES,
            lv.busy.DCGM_FI_PROF_PCIE_TX_BYTES,
          ]);
        }
      }
      writeSample(SAMPLE_FILES.a800, doc);
    });

    it('the L40S and T4 hosts: one GPU each, no NVLink, no SM active', async () => {
      for (const [k, host] of [
        ['l40s', 'gpu1-wl8sg'],
        ['t4', 'cp-bm14r7'],
      ] as const) {
        const doc = await fetchWindow({ url: prom.url }, host, window, { stepSec: 1 });
        expect(doc.gpus.map((g) => [g.uuid, g.index, g.migInstance])).toEqual([
          [uuidsOf(DUMPS[k])[0], 0, null],
        ]);
        expect(doc.missing).toEqual([
          'DCGM_FI_PROF_SM_ACTIVE',
          'DCGM_FI_PROF_NVLINK_TX_BYTES',
          'DCGM_FI_PROF_NVLINK_RX_BYTES',
        ]);
        const w = doc.gpus[0]!.window;
        expect([w.util!.min, w.util!.max]).toEqual([0, 91]);
        expect(w.idleBasis).toBe('gpu_util');
        expect(w.nvlinkBytesPerSec).toBeNull();
        writeSample(SAMPLE_FILES[k], doc);
      }
    });

    it('a host without series → no_series, naming the hosts Prometheus has', async () => {
      const e = await rejection(
        fetchWindow({ url: prom.url }, 'gpu-a', { ...window, label: '24h' }, { stepSec: 1 }),
      );
      expect(e.kind).toBe('no_series');
      expect(e.message).toMatch(
        new RegExp(
          `^gpu-a: prometheus ${prom.url}: no DCGM series with Hostname="gpu-a" in the last 24h \\(it has them for 3 other hosts: .*\\) — is dcgm-exporter scraped, and is the label name right\\?$`,
        ),
      );
      expect(e.messageKo).toContain('최근 24시간 동안 Hostname="gpu-a"인 DCGM 시리즈가 없습니다');
    });

    it('an injected host finds nothing instead of every series', async () => {
      const e = await rejection(
        fetchWindow({ url: prom.url }, 'gpu-a"} or vector(1) or {x="', window, { stepSec: 1 }),
      );
      expect(e.kind).toBe('no_series');
    });

    it('a wrong hostname label name → no_series that says so', async () => {
      const e = await rejection(
        fetchWindow({ url: prom.url, labels: { hostname: 'node' } }, 'gpu1-wl8sg', window, { stepSec: 1 }),
      );
      expect(e.kind).toBe('no_series');
      expect(e.message).toContain('the DCGM series here carry no node label');
    });

    it('Prometheus stopped → unreachable', async () => {
      await prom.stop();
      const e = await rejection(fetchWindow({ url: prom.url }, 'gpu1-wl8sg', window, { stepSec: 1 }));
      expect(e.kind).toBe('unreachable');
      expect(e.message).toContain('ECONNREFUSED');
    });
  },
);

/* ------------------------------------------------------------------------------------------------ */
/* A real Prometheus serving a backfilled day, also behind TLS and basic auth                       */
/* ------------------------------------------------------------------------------------------------ */

describe.skipIf(!hasPrometheus)(
  `a real Prometheus serving a backfilled day ${hasPrometheus ? '' : `(skipped: ${NO_PROMETHEUS})`}`,
  () => {
    const now = new Date();
    const day = parseWindow('yesterday', now)!;
    let dataDir: string;
    let backfill: Backfill;
    let prom: RunningPrometheus;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'infralens-tsdb-'));
      backfill = backfillText([DAY_PLANS.l40s, DAY_PLANS.t4], day.fromMs, 60);
      await createBlocks(backfill.openMetrics, dataDir);
      prom = await startPrometheus({ targets: [], dataDir });
    }, 60_000);

    afterAll(async () => {
      await prom?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const written = (name: string, uuid: string) => backfill.written.get(`${name}|${uuid}`)!;

    it('the L40S idle 21 of 24 hours (SM active): idleSeconds and statistics are what was written', async () => {
      const doc = await fetchWindow({ url: prom.url }, 'gpu1-wl8sg', day);
      expect(doc.missing).toEqual(['DCGM_FI_PROF_NVLINK_TX_BYTES', 'DCGM_FI_PROF_NVLINK_RX_BYTES']);
      const g = doc.gpus[0]!;
      const w = g.window;
      expect([w.label, w.stepSec, w.expectedSamples]).toEqual(['yesterday', 60, 1440]);
      expect(w.idleBasis).toBe('sm_active');
      expect(w.idleSeconds).toBe(idleHoursOf(DAY_PLANS.l40s) * 3600);
      expect(w.idleSeconds).toBe(21 * 3600);
      const sm = written('DCGM_FI_PROF_SM_ACTIVE', g.uuid);
      expect(w.idleSeconds).toBe(idleOf(sm, null, 60).idleSeconds);
      expect(w.smActive).toEqual(seriesStats(sm));
      expect(w.util).toEqual(seriesStats(written('DCGM_FI_DEV_GPU_UTIL', g.uuid)));
      expect(w.tensorActive).toEqual(seriesStats(written('DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', g.uuid)));
      expect(w.fbUsedMiB).toEqual(seriesStats(written('DCGM_FI_DEV_FB_USED', g.uuid)));
      expect(w.pcieRxBytesPerSec).toEqual(seriesStats(written('DCGM_FI_PROF_PCIE_RX_BYTES', g.uuid)));
      expect(w.smActive!.samples).toBe(1440);
      writeSample(SAMPLE_FILES.dayL40s, doc);
    });

    it('the T4 idle 12 of 24 hours (no SM active: GPU util decides)', async () => {
      const doc = await fetchWindow({ url: prom.url }, 'cp-bm14r7', day);
      expect(doc.missing).toContain('DCGM_FI_PROF_SM_ACTIVE');
      const w = doc.gpus[0]!.window;
      expect(w.idleBasis).toBe('gpu_util');
      expect(w.idleSeconds).toBe(idleHoursOf(DAY_PLANS.t4) * 3600);
      expect(w.util).toEqual(seriesStats(written('DCGM_FI_DEV_GPU_UTIL', doc.gpus[0]!.uuid)));
      writeSample(SAMPLE_FILES.dayT4, doc);
    });

    it('a window with no data for the host → no_series (nothing scraped now either)', async () => {
      const e = await rejection(fetchWindow({ url: prom.url }, 'gpu1-wl8sg', parseWindow('1h', now)!));
      expect(e.kind).toBe('no_series');
      expect(e.message).toContain(
        'in the last 1h, and none for any host now — is dcgm-exporter scraped by this Prometheus?',
      );
    });

    describe.skipIf(!hasOpenssl)(
      `behind TLS and basic auth ${hasOpenssl ? '' : '(skipped: /usr/bin/openssl is missing)'}`,
      () => {
        let tls: Awaited<ReturnType<typeof selfSignedCert>>;
        let other: Awaited<ReturnType<typeof selfSignedCert>>;
        let secure: RunningPrometheus;
        let copy: string;

        beforeAll(async () => {
          [tls, other] = await Promise.all([selfSignedCert(), selfSignedCert()]);
          copy = mkdtempSync(join(tmpdir(), 'infralens-tsdb-'));
          cpSync(dataDir, copy, { recursive: true });
          secure = await startPrometheus({
            targets: [],
            dataDir: copy,
            tls: { certFile: tls.certFile, keyFile: tls.keyFile },
            basicAuth: { user: TEST_BASIC.user, bcrypt: TEST_BASIC.bcrypt },
          });
        }, 60_000);

        afterAll(async () => {
          await secure?.stop();
          for (const d of [tls?.dir, other?.dir, copy]) if (d) rmSync(d, { recursive: true, force: true });
        });

        const basic = { basic: { user: TEST_BASIC.user, password: TEST_BASIC.password } };

        it('with the CA file and the password: the window, verified', async () => {
          expect(secure.url.startsWith('https://127.0.0.1:')).toBe(true);
          const doc = await fetchWindow(
            { url: secure.url, auth: basic, caFile: tls.certFile },
            'gpu1-wl8sg',
            day,
          );
          expect(doc.gpus[0]!.window.idleSeconds).toBe(21 * 3600);
          expect(doc.source).toBe(`prometheus ${secure.url}`);
        });

        it('without a CA file, or with another one → tls', async () => {
          const e = await rejection(fetchWindow({ url: secure.url, auth: basic }, 'gpu1-wl8sg', day));
          expect(e.kind).toBe('tls');
          expect(e.message).toMatch(
            /the TLS certificate is not trusted \(\w+\) — set caFile to the CA that signed it$/,
          );
          const e2 = await rejection(
            fetchWindow({ url: secure.url, auth: basic, caFile: other.certFile }, 'gpu1-wl8sg', day),
          );
          expect(e2.kind).toBe('tls');
          expect(e2.message).toContain('is caFile the CA that signed it?');
          const e3 = await rejection(
            fetchWindow(
              { url: secure.url, auth: basic, caFile: join(other.dir, 'nope.pem') },
              'gpu1-wl8sg',
              day,
            ),
          );
          expect(e3.kind).toBe('tls');
          expect(e3.message).toContain('cannot read the CA file');
        });

        it('a wrong password → auth, the password never shown', async () => {
          const wrong = { basic: { user: TEST_BASIC.user, password: 'not-the-password' } };
          const e = await rejection(
            fetchWindow({ url: secure.url, auth: wrong, caFile: tls.certFile }, 'gpu1-wl8sg', day),
          );
          expect(e.kind).toBe('auth');
          expect(e.message).toBe(
            `gpu1-wl8sg: prometheus ${secure.url}: 401 Unauthorized — check the basic-auth user and password`,
          );
          expect(`${e.message}${e.messageKo}`).not.toContain('not-the-password');
        });

        it('plain http to the TLS port → tls: use https', async () => {
          const e = await rejection(
            fetchWindow({ url: secure.url.replace('https:', 'http:'), auth: basic }, 'gpu1-wl8sg', day),
          );
          expect(e.kind).toBe('tls');
          expect(e.message).toBe(
            `gpu1-wl8sg: prometheus ${secure.url.replace('https:', 'http:')}: 400 Bad Request: the server speaks https — use an https:// URL`,
          );
        });
      },
    );
  },
);

/* ------------------------------------------------------------------------------------------------ */

describe('the committed windows in samples/window/', () => {
  it('are there, each a WindowDocument from a Prometheus on loopback', () => {
    const files = readdirSync(SAMPLES);
    for (const f of Object.values(SAMPLE_FILES)) {
      expect(files).toContain(f);
      expect(readSample(f).source).toMatch(/^prometheus http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(readSample(SAMPLE_FILES.a800).gpus.filter((g) => g.migInstance)).toHaveLength(3);
  });
  it('the backfilled days say what their plans were', () => {
    const l40s = readSample(SAMPLE_FILES.dayL40s).gpus[0]!.window;
    expect([l40s.idleSeconds, l40s.idleBasis, l40s.expectedSamples]).toEqual([
      idleHoursOf(DAY_PLANS.l40s) * 3600,
      'sm_active',
      1440,
    ]);
    const t4 = readSample(SAMPLE_FILES.dayT4).gpus[0]!.window;
    expect([t4.idleSeconds, t4.idleBasis]).toEqual([idleHoursOf(DAY_PLANS.t4) * 3600, 'gpu_util']);
  });
});
