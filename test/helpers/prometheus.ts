/**
 * A real Prometheus for the live-source tests (Debian's `prometheus` package: /usr/bin/prometheus and
 * /usr/bin/promtool), and what it reads:
 *
 * - startDcgmExporter: a loopback "dcgm-exporter" serving a real dump from samples/real/dcgm/ whose
 *   activity changes with each scrape (busy on even scrapes, idle on odd ones, framebuffer use growing),
 *   every other line verbatim. Lines whose value is not a number (the A800 dump's
 *   `ERROR - FAILED TO CONVERT TO STRING`) are left out: Prometheus would reject the whole scrape.
 * - backfillDay: a past day of the same dumps as OpenMetrics text with timestamps (a GPU busy for some
 *   hours, idle for the rest), turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`,
 *   so a real 24-hour window can be queried at once.
 * - startPrometheus: spawns Prometheus on 127.0.0.1 (a free port) scraping the given targets, or serving a
 *   backfilled data directory, optionally behind TLS and basic auth (--web.config.file); resolves when it
 *   logs that it is ready; stop() ends it and removes what it created.
 *
 * Busy and idle values come from the dumps themselves: busy from the Tesla T4 dump (GPU util 91 %), idle
 * from the L40S dump (GPU util 0 %).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.ts';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
export const hasPrometheus = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
export const NO_PROMETHEUS = `${PROMETHEUS} or ${PROMTOOL} is missing (apt-get install prometheus; .ci/run installs it)`;

const DCGM = new URL('../../samples/real/dcgm/', import.meta.url);
export const DUMPS = {
  a800: 'dcgm-exporter-metrics-8x-a800-sxm4-gpu0-mig-3x2g.20gb-drv535.txt',
  l40s: 'dcgm-exporter-metrics-l40s-1gpu-upcloud-uks-drv595.58.03-full.txt',
  t4: 'dcgm-exporter-metrics-tesla-t4-busy-eccd-drv590.48.01-no-help-type-lines.txt',
} as const;
export const dump = (file: string) => readFileSync(new URL(file, DCGM), 'utf8');

/**
 * Basic auth for Prometheus' web config: a test-only user and password and the password's bcrypt hash.
 * Node has no bcrypt; the hash was made once with glibc/libxcrypt's crypt(3):
 * `perl -e 'print crypt("infralens-test-password", "\$2b\$10\$<22 random salt characters>")'`.
 */
export const TEST_BASIC = {
  user: 'infralens',
  password: 'infralens-test-password',
  bcrypt: '$2b$10$lMNJBwa05dnqV1VcHA2xv.209F1VcYgBecYTdP5C93Y0u28DdIeHa',
} as const;

/* ------------------------------------------------------------------------------------------------ */
/* The dumps                                                                                        */
/* ------------------------------------------------------------------------------------------------ */

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?Inf$|^NaN$/;

export interface Sample {
  /** the line up to its value: `NAME{labels}` verbatim */
  series: string;
  name: string;
  labels: Record<string, string>;
  value: string;
}

/** The samples of a dump (comment lines and lines with a value that is not a number are left out). */
export function samplesOf(text: string): { samples: Sample[]; dropped: number } {
  const samples: Sample[] = [];
  let dropped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const close = line.lastIndexOf('}');
    const cut = close >= 0 ? close + 1 : line.search(/\s/);
    const series = line.slice(0, cut);
    const value = line.slice(cut).trim();
    if (!NUMBER.test(value)) {
      dropped++;
      continue;
    }
    const brace = series.indexOf('{');
    const name = brace >= 0 ? series.slice(0, brace) : series;
    const labels: Record<string, string> = {};
    for (const m of series.slice(brace + 1).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[m[1]!] = m[2]!;
    samples.push({ series, name, labels, value });
  }
  return { samples, dropped };
}

/** The first value of `metric` in a dump, as a number. */
function valueIn(text: string, metric: string): number {
  const s = samplesOf(text).samples.find((x) => x.name === metric);
  if (!s) throw new Error(`no ${metric} in the dump`);
  return Number(s.value);
}

/** The series whose values follow the GPU's activity. */
export const ACTIVITY = [
  'DCGM_FI_DEV_GPU_UTIL',
  'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
  'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
  'DCGM_FI_PROF_DRAM_ACTIVE',
  'DCGM_FI_PROF_PCIE_TX_BYTES',
  'DCGM_FI_PROF_PCIE_RX_BYTES',
] as const;

/** Busy values (the T4 dump, util 91 %) and idle values (the L40S dump, util 0 %) of each series. */
export function levels(): { busy: Record<string, number>; idle: Record<string, number> } {
  const t4 = dump(DUMPS.t4);
  const l40s = dump(DUMPS.l40s);
  const busy: Record<string, number> = {};
  const idle: Record<string, number> = {};
  for (const m of [...ACTIVITY, 'DCGM_FI_DEV_FB_USED']) {
    busy[m] = valueIn(t4, m);
    idle[m] = valueIn(l40s, m);
  }
  return { busy, idle };
}

/** Framebuffer growth per scrape in the live fake, MiB. */
export const FB_STEP_MIB = 256;

/** What the live fake serves for a sample at scrape k (0-based). */
export function liveValue(s: Sample, k: number, lv = levels()): string {
  if ((ACTIVITY as readonly string[]).includes(s.name))
    return String(k % 2 === 0 ? lv.busy[s.name] : lv.idle[s.name]);
  if (s.name === 'DCGM_FI_DEV_FB_USED') return String(Number(s.value) + k * FB_STEP_MIB);
  if (s.name === 'DCGM_FI_DEV_FB_FREE') return String(Math.max(0, Number(s.value) - k * FB_STEP_MIB));
  return s.value;
}

/* ------------------------------------------------------------------------------------------------ */
/* The live fake dcgm-exporter                                                                      */
/* ------------------------------------------------------------------------------------------------ */

export interface DcgmExporter {
  /** `127.0.0.1:port`, a scrape target */
  target: string;
  /** scrapes served: k and when */
  served: { k: number; atMs: number }[];
  samples: Sample[];
  /** lines left out because their value is not a number */
  dropped: number;
  stop(): Promise<void>;
}

/** Serves `/metrics` from a real dump, its activity alternating per scrape (liveValue). */
export async function startDcgmExporter(file: string): Promise<DcgmExporter> {
  const text = dump(file);
  const { samples, dropped } = samplesOf(text);
  const lv = levels();
  const served: { k: number; atMs: number }[] = [];
  // The dump's lines in order, comments kept; a sample line is rebuilt as its verbatim series + value.
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const bySeries = new Map(samples.map((s) => [s.series, s]));
  const render = (k: number) => {
    const out: string[] = [];
    for (const line of lines) {
      if (line.startsWith('#')) {
        out.push(line);
        continue;
      }
      const close = line.lastIndexOf('}');
      const s = bySeries.get(line.slice(0, close >= 0 ? close + 1 : line.search(/\s/)));
      if (s) out.push(`${s.series} ${liveValue(s, k, lv)}`);
    }
    return `${out.join('\n')}\n`;
  };
  const srv = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const k = served.length;
    served.push({ k, atMs: Date.now() });
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(render(k));
  });
  const port = await listen(srv);
  return { target: `127.0.0.1:${port}`, served, samples, dropped, stop: () => close(srv) };
}

/* ------------------------------------------------------------------------------------------------ */
/* Backfill                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

export interface DayPlan {
  /** a file of samples/real/dcgm/ */
  file: string;
  /** hours of the day (from its start) the GPU is busy: [from, to) */
  busyHours: [number, number];
  /**
   * also write DCGM_FI_PROF_SM_ACTIVE (as a counters file with it uncommented would): the labels of the
   * dump's DCGM_FI_PROF_GR_ENGINE_ACTIVE line, the value of GR engine active.
   */
  withSmActive?: boolean;
}

export interface Backfill {
  /** the OpenMetrics text given to promtool */
  openMetrics: string;
  /** the values written, per `NAME|UUID` (catalogue series), in time order */
  written: Map<string, number[]>;
  samplesPerSeries: number;
}

/** OpenMetrics text for [dayStartMs, dayStartMs + 24 h) at `intervalSec`, from real dumps and plans. */
export function backfillText(plans: readonly DayPlan[], dayStartMs: number, intervalSec = 60): Backfill {
  const lv = levels();
  const n = Math.floor(86_400 / intervalSec);
  const out: string[] = [];
  const written = new Map<string, number[]>();
  for (const plan of plans) {
    const text = dump(plan.file);
    const all = samplesOf(text).samples;
    const fbUsed = all.find((s) => s.name === 'DCGM_FI_DEV_FB_USED');
    const fbFree = all.find((s) => s.name === 'DCGM_FI_DEV_FB_FREE');
    const fbTotal = Number(fbUsed?.value ?? 0) + Number(fbFree?.value ?? 0);
    const rows: { s: Sample; name: string; series: string }[] = all.map((s) => ({
      s,
      name: s.name,
      series: s.series,
    }));
    if (plan.withSmActive) {
      const gr = all.find((s) => s.name === 'DCGM_FI_PROF_GR_ENGINE_ACTIVE');
      if (!gr) throw new Error(`${plan.file} has no GR engine active line to copy`);
      rows.push({
        s: gr,
        name: 'DCGM_FI_PROF_SM_ACTIVE',
        series: gr.series.replace('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_PROF_SM_ACTIVE'),
      });
    }
    for (const row of rows) {
      const key = `${row.name}|${row.s.labels.UUID ?? ''}`;
      const values: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = dayStartMs + i * intervalSec * 1000;
        const hour = Math.floor((i * intervalSec) / 3600);
        const busy = hour >= plan.busyHours[0] && hour < plan.busyHours[1];
        const level = busy ? lv.busy : lv.idle;
        let v: number;
        if (row.name === 'DCGM_FI_PROF_SM_ACTIVE') v = level.DCGM_FI_PROF_GR_ENGINE_ACTIVE!;
        else if (row.name === 'DCGM_FI_DEV_FB_USED') v = level.DCGM_FI_DEV_FB_USED!;
        else if (row.name === 'DCGM_FI_DEV_FB_FREE') v = fbTotal - level.DCGM_FI_DEV_FB_USED!;
        else if ((ACTIVITY as readonly string[]).includes(row.name)) v = level[row.name]!;
        else v = Number(row.s.value);
        values.push(v);
        out.push(`${row.series} ${v} ${(t / 1000).toFixed(3)}`);
      }
      written.set(key, values);
    }
  }
  out.push('# EOF');
  return { openMetrics: `${out.join('\n')}\n`, written, samplesPerSeries: n };
}

/** Writes `text` and runs promtool into `dataDir` (which Prometheus then opens). */
export async function createBlocks(text: string, dataDir: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-om-'));
  try {
    const file = join(dir, 'day.om');
    writeFileSync(file, text);
    await promisify(execFile)(
      PROMTOOL,
      ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir],
      {
        timeout: 60_000,
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Prometheus                                                                                       */
/* ------------------------------------------------------------------------------------------------ */

export interface StartOptions {
  targets: string[];
  scrapeIntervalSec?: number;
  /** an existing TSDB directory (backfilled): kept on stop. Default: a fresh temporary one. */
  dataDir?: string;
  basicAuth?: { user: string; bcrypt: string };
  /** TLS: the server's certificate and key files (PEM) */
  tls?: { certFile: string; keyFile: string };
  /** extra web config YAML lines */
  webConfig?: string;
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: StartOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-prom-'));
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const interval = opts.scrapeIntervalSec ?? 1;
  const config = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${interval}s`,
    'scrape_configs:',
    '  - job_name: dcgm',
    '    static_configs:',
    `      - targets: [${opts.targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const web: string[] = [];
  if (opts.tls)
    web.push('tls_server_config:', `  cert_file: ${opts.tls.certFile}`, `  key_file: ${opts.tls.keyFile}`);
  if (opts.basicAuth) web.push('basic_auth_users:', `  ${opts.basicAuth.user}: '${opts.basicAuth.bcrypt}'`);
  if (opts.webConfig) web.push(opts.webConfig);
  if (web.length > 0) writeFileSync(join(dir, 'web.yml'), `${web.join('\n')}\n`);

  const port = await freePort();
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${dataDir}`,
    '--storage.tsdb.retention.time=30d',
    `--web.listen-address=127.0.0.1:${port}`,
    ...(web.length > 0 ? [`--web.config.file=${join(dir, 'web.yml')}`] : []),
  ];
  const child = spawn(PROMETHEUS, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('Prometheus did not become ready in 30 s')), 30_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${e.message}\n${log.slice(-10).join('\n')}`));
    };
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) {
        log.push(line);
        if (log.length > 200) log.shift();
        if (line.includes('Server is ready to receive web requests')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`Prometheus exited (${code})`)));
  });
  child.stderr!.resume();
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.removeAllListeners('exit');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/* ------------------------------------------------------------------------------------------------ */
/* TLS and loopback servers                                                                         */
/* ------------------------------------------------------------------------------------------------ */

export const hasOpenssl = existsSync('/usr/bin/openssl');

/** A self-signed certificate for 127.0.0.1 (P-256, 2 days), made by openssl in a temporary directory. */
export async function selfSignedCert(): Promise<{ dir: string; certFile: string; keyFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await promisify(execFile)(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=infralens-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { timeout: 30_000 },
  );
  return { dir, certFile, keyFile };
}

export function listen(srv: Server | import('node:https').Server): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

export function close(srv: Server | import('node:https').Server): Promise<void> {
  return new Promise((resolve) => {
    srv.closeAllConnections?.();
    srv.close(() => resolve());
  });
}
