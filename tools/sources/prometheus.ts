/**
 * The Prometheus live source: what a host's GPUs did over a window (a day, a week), read from the
 * dcgm-exporter series a Prometheus keeps, written as an `infralens-gpu-window` document
 * (scoring/window.ts) that the ingest reads like an uploaded file.
 *
 * One instant query first (`/api/v1/query`) asks which series of a fixed catalogue the host has in the
 * window; then one range query (`/api/v1/query_range`) per series present, at most 4 at a time. The
 * result is grouped by GPU UUID (and `GPU_I_ID` for a MIG GPU instance) and reduced to statistics
 * (seriesStats) and idle time (idleOf). Each point of a range query is the value Prometheus holds at that
 * instant (a sample, not an average over the step): the statistics estimate the window without bias and
 * the points are few (stepFor: at most about 2,000 per series).
 *
 * The catalogue follows dcgm-exporter's default counters file (etc/default-counters.csv): it enables
 * GR_ENGINE/TENSOR/DRAM active, PCIe bytes, GPU_UTIL, FB used/free and DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL,
 * and leaves DCGM_FI_PROF_SM_ACTIVE and DCGM_FI_PROF_NVLINK_{TX,RX}_BYTES commented out — so a default
 * deployment has no SM active (idleness then comes from GPU_UTIL) and NVLink traffic only as the total.
 * Every host value placed in a query is a quoted, escaped PromQL string; label names are validated.
 *
 * HTTP: node:http/https (a CA file is honoured through an https Agent's `ca`: the one built-in way to
 * verify against a private CA), bearer or basic authentication, no redirects followed, a time limit per
 * request and for the whole fetch, bodies capped while they stream. Failures are SourceErrors with a kind
 * and one line naming the host and the Prometheus URL (never a credential), in English and Korean.
 */
import { open } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  type GpuWindow,
  idleOf,
  type SeriesStats,
  seriesStats,
  WindowDocument,
  type WindowGpu,
} from '../../scoring/window.ts';
import { ConfigError } from '../errors.ts';

export interface PrometheusSource {
  /** the Prometheus base URL (http or https, no credentials): `https://prom.example:9090`. */
  url: string;
  auth?: { bearer: string } | { basic: { user: string; password: string } };
  /** a PEM CA bundle (at most 1 MiB) for an https URL signed by a private CA. */
  caFile?: string;
  /** label names */
  labels?: {
    hostname?: string | undefined;
    uuid?: string | undefined;
    gpu?: string | undefined;
    gpuInstanceId?: string | undefined;
    gpuInstanceProfile?: string | undefined;
  };
  /** per request, ms (default 15,000); the whole fetch may take 4 times as long. */
  timeoutMs?: number;
}

/**
 * auth: 401/403. timeout: no answer within the limit, or Prometheus' own query timeout. unreachable: no
 * connection (refused, unknown name, reset). tls: certificate not trusted, CA file unusable, http to an
 * https port. no_series: no catalogue series for the host in the window. bad_response: not what the API
 * answers (HTML, a redirect, malformed, over 32 MiB), or an error JSON (its errorType and error, cleaned).
 * refused: 429/502/503/504 without an API answer (Prometheus or a proxy not taking queries now).
 */
export type SourceErrorKind =
  | 'auth'
  | 'timeout'
  | 'unreachable'
  | 'tls'
  | 'no_series'
  | 'bad_response'
  | 'refused';

/** A live source failed: `message` is one English line naming the host and the source; `messageKo` Korean. */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly kind: SourceErrorKind;
  /** the host asked about (cleaned, capped). */
  readonly host: string;
  /** `prometheus <url without credentials>` */
  readonly source: string;
  readonly messageKo: string;
  constructor(
    kind: SourceErrorKind,
    message: string,
    o: { host: string; source: string; messageKo: string },
  ) {
    super(message);
    this.kind = kind;
    this.host = o.host;
    this.source = o.source;
    this.messageKo = o.messageKo;
  }
}

/** dcgm-exporter's label names. */
export const DEFAULT_LABELS = {
  hostname: 'Hostname',
  uuid: 'UUID',
  gpu: 'gpu',
  gpuInstanceId: 'GPU_I_ID',
  gpuInstanceProfile: 'GPU_I_PROFILE',
} as const;

/** The catalogue: window field ← dcgm-exporter series. */
const SERIES = {
  smActive: 'DCGM_FI_PROF_SM_ACTIVE',
  tensorActive: 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
  dramActive: 'DCGM_FI_PROF_DRAM_ACTIVE',
  util: 'DCGM_FI_DEV_GPU_UTIL',
  grEngineActive: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
  fbUsedMiB: 'DCGM_FI_DEV_FB_USED',
  fbFreeMiB: 'DCGM_FI_DEV_FB_FREE',
  pcieTxBytesPerSec: 'DCGM_FI_PROF_PCIE_TX_BYTES',
  pcieRxBytesPerSec: 'DCGM_FI_PROF_PCIE_RX_BYTES',
} as const;
const NVLINK_TX = 'DCGM_FI_PROF_NVLINK_TX_BYTES';
const NVLINK_RX = 'DCGM_FI_PROF_NVLINK_RX_BYTES';
/** The default counters' NVLink series: despite its `counter` type an instantaneous rate in MiB/s, TX+RX. */
const NVLINK_TOTAL = 'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL';
const MIB = 1_048_576;

/** Every series the source reads, in the order queried. */
export const CATALOGUE: readonly string[] = [...Object.values(SERIES), NVLINK_TX, NVLINK_RX, NVLINK_TOTAL];

type StatField = keyof typeof SERIES | 'nvlinkBytesPerSec';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HOST_MAX = 253;
const CA_MAX = 1024 * 1024;
const BODY_MAX = 32 * 1024 * 1024;
const CONCURRENCY = 4;
/** points per series we aim at, and Prometheus' own limit (it refuses more). */
const TARGET_POINTS = 2000;
const PROMETHEUS_MAX_POINTS = 11_000;
/** the scrape interval most deployments use: a finer step only repeats samples. */
const MIN_STEP = 15;
const NICE_STEPS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
const MAX_SERIES_PER_QUERY = 20_000;

/* ------------------------------------------------------------------------------------------------ */
/* Windows in words                                                                                 */
/* ------------------------------------------------------------------------------------------------ */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_DAYS = 90;

/**
 * The window a user's words ask for, ending now unless it is a past calendar period: `24h` (also the
 * default for empty words), `1h`…`90d` (`12h`, `7 days`, `last 48 hours`), `today`, `yesterday`,
 * `this week`, `last week` (weeks start on Monday, days at midnight in `tz`, default UTC), and in Korean
 * `오늘`, `어제`, `이번 주`, `지난주`/`지난 주`, `최근 N시간`/`최근 N일` (also `지난 N시간`). The label is
 * canonical English (`24h`, `yesterday`, `this week`) whatever the language. Unknown words: null; an
 * unknown time zone: ConfigError.
 */
export function parseWindow(
  words: string,
  now: Date,
  tz = 'UTC',
): { fromMs: number; toMs: number; label: string } | null {
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) return null;
  const w = words
    .normalize('NFC')
    .toLowerCase()
    .replace(/[?.!"'“”‘’]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (w === '') return span(24, 'h', nowMs);

  const en = /^(?:(?:the )?(?:last|past) )?(\d{1,4}) ?(h|hr|hrs|hours?|d|days?)$/.exec(w);
  if (en) return span(Number(en[1]), en[2]!.startsWith('h') ? 'h' : 'd', nowMs);
  const ko = /^(?:(?:최근|지난) ?)?(\d{1,4}) ?(시간|일)$/.exec(w);
  if (ko) return span(Number(ko[1]), ko[2] === '시간' ? 'h' : 'd', nowMs);

  const period =
    w === 'today' || w === '오늘'
      ? 'today'
      : w === 'yesterday' || w === '어제'
        ? 'yesterday'
        : w === 'this week' || w === '이번 주' || w === '이번주'
          ? 'this week'
          : w === 'last week' || w === '지난주' || w === '지난 주'
            ? 'last week'
            : null;
  if (!period) return null;

  const zone = zoneOf(tz);
  const { y, m, d } = zone.date(nowMs);
  const midnight = (dayOffset: number) => zone.midnight(y, m, d + dayOffset);
  const sinceMonday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  switch (period) {
    case 'today':
      return { fromMs: midnight(0), toMs: nowMs, label: period };
    case 'yesterday':
      return { fromMs: midnight(-1), toMs: midnight(0), label: period };
    case 'this week':
      return { fromMs: midnight(-sinceMonday), toMs: nowMs, label: period };
    case 'last week':
      return { fromMs: midnight(-sinceMonday - 7), toMs: midnight(-sinceMonday), label: period };
  }
}

function span(n: number, unit: 'h' | 'd', nowMs: number) {
  const ms = n * (unit === 'h' ? HOUR : DAY);
  if (n < 1 || ms > MAX_DAYS * DAY) return null;
  return { fromMs: nowMs - ms, toMs: nowMs, label: `${n}${unit}` };
}

/** Calendar dates and midnights in an IANA time zone, through Intl (DST-aware). */
function zoneOf(tz: string) {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ConfigError(
      `unknown time zone '${String(tz).slice(0, 64)}': use an IANA name such as Asia/Seoul`,
    );
  }
  const wall = (ms: number) => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return { y: p.year!, m: p.month!, d: p.day!, hh: p.hour!, mm: p.minute!, ss: p.second! };
  };
  /** the zone's offset from UTC at `ms` (wall clock minus UTC). */
  const offset = (ms: number) => {
    const t = wall(ms);
    return Date.UTC(t.y, t.m - 1, t.d, t.hh, t.mm, t.ss) - Math.floor(ms / 1000) * 1000;
  };
  return {
    date: (ms: number) => wall(ms),
    /** the instant of midnight starting the day y-m-d (d may overflow: Date.UTC normalises it). */
    midnight(y: number, m: number, d: number): number {
      const asUtc = Date.UTC(y, m - 1, d);
      let t = asUtc - offset(asUtc);
      // a second pass settles a DST change between the guess and the answer
      const again = asUtc - offset(t);
      if (again !== t) t = again;
      return t;
    },
  };
}

/**
 * The query step, seconds, for a window: at least 15 s (a typical scrape interval), and a round value
 * large enough that a series has at most about 2,000 points (Prometheus refuses more than 11,000).
 */
export function stepFor(fromMs: number, toMs: number): number {
  const raw = Math.max(0, toMs - fromMs) / 1000 / TARGET_POINTS;
  if (raw <= MIN_STEP) return MIN_STEP;
  return NICE_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86_400) * 86_400;
}

/* ------------------------------------------------------------------------------------------------ */
/* PromQL                                                                                           */
/* ------------------------------------------------------------------------------------------------ */

/** A PromQL duration: whole seconds, else milliseconds. */
const duration = (sec: number) => (Number.isInteger(sec) ? `${sec}s` : `${Math.ceil(sec * 1000)}ms`);

/** A PromQL double-quoted string literal of `value`. */
export function promqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/* ------------------------------------------------------------------------------------------------ */
/* The fetch                                                                                        */
/* ------------------------------------------------------------------------------------------------ */

export interface FetchWindowOptions {
  /** a fetch to use instead of node:http(s) (then it verifies TLS itself: caFile is refused). */
  fetch?: typeof fetch;
  /** stops everything; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** the query step, seconds, instead of stepFor (tests over a few seconds of live scrapes). */
  stepSec?: number;
}

interface Labels {
  hostname: string;
  uuid: string;
  gpu: string;
  gpuInstanceId: string;
  gpuInstanceProfile: string;
}

/**
 * The GPU window of `host` (its value of the hostname label) from a Prometheus, as a WindowDocument.
 * Throws SourceError (auth, timeout, unreachable, tls, no_series, bad_response, refused) naming the host
 * and the server; ConfigError for a source that cannot be used as given (URL, label names, host, window).
 */
export async function fetchWindow(
  src: PrometheusSource,
  host: string,
  window: { fromMs: number; toMs: number; label: string },
  o: FetchWindowOptions = {},
): Promise<WindowDocument> {
  const base = baseUrl(src.url);
  const source = `prometheus ${shownUrl(base)}`;
  const labels = labelNames(src.labels);
  if (typeof host !== 'string' || host.length === 0 || host.length > HOST_MAX)
    throw new ConfigError(`the host label value must be 1 to ${HOST_MAX} characters (${source})`);
  const { fromMs, toMs, label } = window;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs)
    throw new ConfigError(`the window must end after it starts (${source})`);
  if (o.fetch && src.caFile)
    throw new ConfigError(`caFile cannot be applied to a custom fetch: it verifies TLS itself (${source})`);
  const timeoutMs = src.timeoutMs ?? 15_000;
  if (!(timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive (${source})`);

  const headers = authHeaders(src.auth);
  const secrets = secretsOf(src.auth);
  const fail = failure(host, source, secrets, src.auth);

  // The step and the points: n points at from, from + step, …; each stands for one step of the window.
  let step = o.stepSec ?? stepFor(fromMs, toMs);
  if (!(step >= 0.001) || !Number.isFinite(step))
    throw new ConfigError(`stepSec must be at least 0.001 (${source})`);
  const lenSec = (toMs - fromMs) / 1000;
  step = Math.max(step, Math.ceil(lenSec / PROMETHEUS_MAX_POINTS));
  const points = Math.max(1, Math.floor(lenSec / step));
  const startSec = fromMs / 1000;
  const endSec = startSec + (points - 1) * step;

  const ca = src.caFile ? await readCa(src.caFile, fail) : undefined;
  const deadline = AbortSignal.timeout(timeoutMs * 4);
  const client = makeClient({
    base,
    headers,
    ca,
    timeoutMs,
    deadline,
    fail,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const sel = `${labels.hostname}=${promqlString(host)}`;
  try {
    // 1. Which catalogue series the host has in the window: one instant query at its end over its length.
    // A subquery at the step reads only the samples near each step, as the range queries will (a plain
    // range selector would load every sample of a 90-day window).
    const probe = await client.instant(
      `count by (__name__) (last_over_time({__name__=~"${CATALOGUE.join('|')}",${sel}}[${duration(Math.max(lenSec, step))}:${duration(step)}]))`,
      toMs / 1000,
    );
    const present = new Set(probe.map((r) => r.metric.__name__).filter((n): n is string => !!n));
    if (present.size === 0) throw await noSeries(client, labels, host, label, fail);

    // 2. one range query per series present
    const queries: { field: StatField; query: string; scale: number }[] = [];
    for (const [field, name] of Object.entries(SERIES) as [keyof typeof SERIES, string][])
      if (present.has(name)) queries.push({ field, query: `${name}{${sel}}`, scale: 1 });
    if (present.has(NVLINK_TX) && present.has(NVLINK_RX))
      // a binary operator matches TX and RX of the same GPU (every label but the name)
      queries.push({
        field: 'nvlinkBytesPerSec',
        query: `${NVLINK_TX}{${sel}} + ${NVLINK_RX}{${sel}}`,
        scale: 1,
      });
    else if (present.has(NVLINK_TOTAL))
      queries.push({ field: 'nvlinkBytesPerSec', query: `${NVLINK_TOTAL}{${sel}}`, scale: MIB });

    const gpus = new Map<string, GpuAcc>();
    const answered = new Set<StatField>();
    await pool(queries, CONCURRENCY, client.abort, async (q) => {
      const series = await client.range(q.query, startSec, endSec, step);
      if (series.length > 0 && collect(series, q.field, q.scale, labels, gpus)) answered.add(q.field);
    });

    const missing: string[] = [];
    for (const [field, name] of Object.entries(SERIES) as [keyof typeof SERIES, string][])
      if (!answered.has(field)) missing.push(name);
    if (!answered.has('nvlinkBytesPerSec')) missing.push(NVLINK_TX, NVLINK_RX);
    if (gpus.size === 0)
      throw fail(
        'bad_response',
        `the DCGM series of ${shown(host)} carry no ${labels.uuid} label: set the UUID label name`,
        `${shown(host)}의 DCGM 시리즈에 ${labels.uuid} 레이블이 없습니다: UUID 레이블 이름을 설정하세요`,
      );

    const doc = {
      kind: 'infralens-gpu-window' as const,
      version: 1 as const,
      host,
      source,
      gpus: [...gpus.values()].sort(byGpu).map((g) => windowGpu(g, { fromMs, toMs, step, label, points })),
      missing,
    };
    const parsed = WindowDocument.safeParse(doc);
    if (!parsed.success)
      throw fail(
        'bad_response',
        `the window does not fit the document (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
        `윈도가 문서 형식에 맞지 않습니다 (${parsed.error.issues[0]?.path.join('.')})`,
      );
    return parsed.data;
  } finally {
    client.close();
  }
}

/** no_series, told apart from "Prometheus has no DCGM series at all" by one more instant query (now). */
async function noSeries(
  client: Client,
  labels: Labels,
  host: string,
  label: string,
  fail: Fail,
): Promise<SourceError> {
  const phrase = windowPhrase(label);
  const head = `no DCGM series with ${labels.hostname}=${promqlString(shown(host))} ${phrase.en}`;
  const headKo = `${phrase.ko} ${labels.hostname}=${promqlString(shown(host))}인 DCGM 시리즈가 없습니다`;
  const others = await client.instant(`count by (${labels.hostname}) ({__name__=~"${CATALOGUE.join('|')}"})`);
  const names = others.map((r) => r.metric[labels.hostname]).filter((n): n is string => !!n);
  if (others.length === 0)
    return fail(
      'no_series',
      `${head}, and none for any host now — is dcgm-exporter scraped by this Prometheus?`,
      `${headKo}. 지금 어느 호스트의 DCGM 시리즈도 없습니다 — 이 Prometheus가 dcgm-exporter를 수집하고 있나요?`,
    );
  if (names.length === 0)
    return fail(
      'no_series',
      `${head} — the DCGM series here carry no ${labels.hostname} label: set the hostname label name`,
      `${headKo} — 여기 DCGM 시리즈에는 ${labels.hostname} 레이블이 없습니다: 호스트 이름 레이블을 설정하세요`,
    );
  const some = names.slice(0, 3).map(shown).join(', ');
  const more = names.length > 3 ? ', …' : '';
  return fail(
    'no_series',
    `${head} (it has them for ${names.length} other host${names.length === 1 ? '' : 's'}: ${some}${more}) — is dcgm-exporter scraped, and is the label name right?`,
    `${headKo} (다른 호스트 ${names.length}대에는 있습니다: ${some}${more}) — dcgm-exporter가 수집되고 있는지, 레이블 이름이 맞는지 확인하세요`,
  );
}

function windowPhrase(label: string): { en: string; ko: string } {
  const n = /^(\d+)([hd])$/.exec(label);
  if (n) return { en: `in the last ${label}`, ko: `최근 ${n[1]}${n[2] === 'h' ? '시간' : '일'} 동안` };
  const ko: Record<string, string> = {
    today: '오늘',
    yesterday: '어제',
    'this week': '이번 주',
    'last week': '지난주',
  };
  return { en: label.slice(0, 40), ko: ko[label] ?? label.slice(0, 40) };
}

/* ------------------------------------------------------------------------------------------------ */
/* Grouping and statistics                                                                          */
/* ------------------------------------------------------------------------------------------------ */

interface GpuAcc {
  uuid: string;
  index: number | null;
  mig: { id: number; profile: string | null } | null;
  /** field → timestamp → value (a second series for the same GPU and instant is ignored). */
  values: Map<StatField, Map<number, number>>;
}

/** Adds a range query's series to the GPUs; true when at least one sample landed on a GPU. */
function collect(
  series: readonly PromSeries[],
  field: StatField,
  scale: number,
  labels: Labels,
  gpus: Map<string, GpuAcc>,
): boolean {
  let any = false;
  for (const s of series) {
    const uuid = s.metric[labels.uuid];
    if (!uuid || uuid.length > 100 || s.values.length === 0) continue;
    const giRaw = s.metric[labels.gpuInstanceId];
    const gi = giRaw !== undefined && /^\d{1,9}$/.test(giRaw) ? Number(giRaw) : null;
    const key = gi === null ? uuid : `${uuid}\u0000${gi}`;
    let g = gpus.get(key);
    if (!g) {
      const idx = s.metric[labels.gpu];
      const profile = s.metric[labels.gpuInstanceProfile];
      g = {
        uuid,
        index: idx !== undefined && /^\d{1,4}$/.test(idx) ? Number(idx) : null,
        mig: gi === null ? null : { id: gi, profile: profile && profile.length <= 40 ? profile : null },
        values: new Map(),
      };
      gpus.set(key, g);
    }
    let byTime = g.values.get(field);
    if (!byTime) {
      byTime = new Map();
      g.values.set(field, byTime);
    }
    for (const [t, v] of s.values) {
      if (!byTime.has(t)) byTime.set(t, v * scale);
      any = true;
    }
  }
  return any;
}

const byGpu = (a: GpuAcc, b: GpuAcc) =>
  (a.index ?? 1e9) - (b.index ?? 1e9) ||
  (a.mig?.id ?? -1) - (b.mig?.id ?? -1) ||
  (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);

function windowGpu(
  g: GpuAcc,
  w: { fromMs: number; toMs: number; step: number; label: string; points: number },
): WindowGpu {
  const vals = (f: StatField) => {
    const m = g.values.get(f);
    return m ? [...m.values()] : null;
  };
  const stat = (f: StatField): SeriesStats | null => {
    const v = vals(f);
    return v ? seriesStats(v) : null;
  };
  const idle = idleOf(vals('smActive'), vals('util'), w.step, vals('grEngineActive'));
  const window: GpuWindow = {
    from: new Date(w.fromMs).toISOString(),
    to: new Date(w.toMs).toISOString(),
    stepSec: w.step,
    label: w.label.slice(0, 40),
    expectedSamples: w.points,
    smActive: stat('smActive'),
    tensorActive: stat('tensorActive'),
    dramActive: stat('dramActive'),
    util: stat('util'),
    grEngineActive: stat('grEngineActive'),
    fbUsedMiB: stat('fbUsedMiB'),
    fbFreeMiB: stat('fbFreeMiB'),
    pcieTxBytesPerSec: stat('pcieTxBytesPerSec'),
    pcieRxBytesPerSec: stat('pcieRxBytesPerSec'),
    nvlinkBytesPerSec: stat('nvlinkBytesPerSec'),
    idleSeconds: idle.idleSeconds,
    idleBasis: idle.idleBasis,
  };
  return { uuid: g.uuid, index: g.index, migInstance: g.mig, window };
}

/* ------------------------------------------------------------------------------------------------ */
/* HTTP                                                                                             */
/* ------------------------------------------------------------------------------------------------ */

interface PromSeries {
  metric: Record<string, string>;
  /** [unix ms, value] */
  values: [number, number][];
}

type Fail = (kind: SourceErrorKind, en: string, ko: string) => SourceError;

interface Client {
  instant(query: string, timeSec?: number): Promise<PromSeries[]>;
  range(query: string, startSec: number, endSec: number, stepSec: number): Promise<PromSeries[]>;
  /** aborts the requests in flight (the first failure of a batch stops the others). */
  abort: () => void;
  close(): void;
}

function baseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`the Prometheus URL is not a URL: '${String(url).slice(0, 100)}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ConfigError(`the Prometheus URL must be http or https: ${u.protocol}`);
  if (u.username || u.password)
    throw new ConfigError(`the Prometheus URL ${u.host} carries credentials: give them as auth instead`);
  if (u.search || u.hash) throw new ConfigError(`the Prometheus URL ${u.host} has a query or fragment`);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

const shownUrl = (u: URL) => `${u.origin}${u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '')}`;

function labelNames(given: PrometheusSource['labels']): Labels {
  const out = { ...DEFAULT_LABELS } as Labels;
  for (const k of Object.keys(DEFAULT_LABELS) as (keyof Labels)[]) {
    const v = given?.[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !LABEL_NAME.test(v) || v.length > 100)
      throw new ConfigError(
        `the label name for ${k} must match ${LABEL_NAME.source}: '${String(v).slice(0, 40)}'`,
      );
    out[k] = v;
  }
  return out;
}

function authHeaders(auth: PrometheusSource['auth']): Record<string, string> {
  if (!auth) return {};
  if ('bearer' in auth) {
    if (!auth.bearer || /[\r\n]/.test(auth.bearer))
      throw new ConfigError('the bearer token is empty or not one line');
    return { authorization: `Bearer ${auth.bearer}` };
  }
  const { user, password } = auth.basic;
  if (!user || user.includes(':') || /[\r\n]/.test(user + password))
    throw new ConfigError('the basic-auth user must be one line without a colon');
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function secretsOf(auth: PrometheusSource['auth']): string[] {
  if (!auth) return [];
  const s =
    'bearer' in auth
      ? [auth.bearer]
      : [auth.basic.password, Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')];
  return s.filter((x) => x.length >= 4);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/** A host name or path as shown in a message: one line, capped. */
const shown = (s: string) => s.replace(CONTROL, ' ').slice(0, 80);

/** Text from the server, made one short line with no credential in it. */
function cleaner(secrets: readonly string[]) {
  return (s: string, max = 200) => {
    let t = s;
    for (const x of secrets) t = t.split(x).join('***');
    t = t.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
    return t.length > max ? `${t.slice(0, max - 1)}…` : t;
  };
}

function failure(host: string, source: string, secrets: readonly string[], auth: PrometheusSource['auth']) {
  const clean = cleaner(secrets);
  const h = shown(host);
  const fail: Fail = (kind, en, ko) =>
    new SourceError(kind, clean(`${h}: ${source}: ${en}`, 600), {
      host: h,
      source,
      messageKo: clean(`${h}: ${source}: ${ko}`, 600),
    });
  return Object.assign(fail, {
    clean,
    authHint: !auth
      ? {
          en: 'it wants credentials: configure a bearer token or basic auth',
          ko: '인증이 필요합니다: bearer 토큰이나 basic 인증을 설정하세요',
        }
      : 'bearer' in auth
        ? { en: 'check the bearer token', ko: 'bearer 토큰을 확인하세요' }
        : { en: 'check the basic-auth user and password', ko: 'basic 인증 사용자와 비밀번호를 확인하세요' },
  });
}
type Failure = ReturnType<typeof failure>;

async function readCa(path: string, fail: Fail): Promise<Buffer> {
  let buf: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      buf = Buffer.alloc(CA_MAX + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n > CA_MAX) break;
      }
      buf = buf.subarray(0, n);
    } finally {
      await fh.close().catch(() => {});
    }
  } catch (e) {
    const code = String((e as NodeJS.ErrnoException)?.code ?? 'error').slice(0, 20);
    throw fail(
      'tls',
      `cannot read the CA file ${shown(path)} (${code})`,
      `CA 파일 ${shown(path)}을 읽을 수 없습니다 (${code})`,
    );
  }
  if (buf.length > CA_MAX)
    throw fail(
      'tls',
      `the CA file ${shown(path)} is over 1 MiB: is it a PEM bundle?`,
      `CA 파일 ${shown(path)}이 1 MiB를 넘습니다: PEM 묶음이 맞나요?`,
    );
  if (!buf.includes('-----BEGIN CERTIFICATE-----'))
    throw fail(
      'tls',
      `the CA file ${shown(path)} holds no PEM certificate`,
      `CA 파일 ${shown(path)}에 PEM 인증서가 없습니다`,
    );
  return buf;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** A network error's code, which undici (fetch) keeps on `cause`. */
function codeOf(e: unknown): string {
  const own = (e as { code?: unknown })?.code;
  const cause = (e as { cause?: { code?: unknown } })?.cause?.code;
  const code = typeof cause === 'string' ? cause : typeof own === 'string' ? own : '';
  return code.replace(/[^\w.-]/g, '').slice(0, 40);
}

interface Answer {
  status: number;
  statusText: string;
  contentType: string;
  body: string;
}

function makeClient(c: {
  base: URL;
  headers: Record<string, string>;
  ca: Buffer | undefined;
  timeoutMs: number;
  deadline: AbortSignal;
  fail: Failure;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}): Client {
  const https = c.base.protocol === 'https:';
  const agent = c.fetch
    ? undefined
    : https
      ? new HttpsAgent({ keepAlive: true, maxSockets: CONCURRENCY, ...(c.ca ? { ca: c.ca } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const batch = new AbortController();
  const headers = { accept: 'application/json', 'user-agent': 'infralens', ...c.headers };
  const secs = Math.round(c.timeoutMs / 100) / 10;

  /** GET url: the answer with its body (capped), or a SourceError; the caller's abort rethrows its reason. */
  async function get(url: URL): Promise<Answer> {
    const perRequest = AbortSignal.timeout(c.timeoutMs);
    const signals = [perRequest, c.deadline, batch.signal, ...(c.signal ? [c.signal] : [])];
    const signal = AbortSignal.any(signals);
    try {
      return c.fetch
        ? await viaFetch(c.fetch, url, headers, signal)
        : await viaNode(url, headers, agent!, signal);
    } catch (e) {
      if (c.signal?.aborted) throw c.signal.reason;
      if (e instanceof SourceError) throw e;
      if (batch.signal.aborted && !perRequest.aborted && !c.deadline.aborted) throw batch.signal.reason;
      const code = codeOf(e);
      if (perRequest.aborted || TIMEOUT_CODES.has(code))
        throw c.fail('timeout', `no answer within ${secs} s`, `${secs}초 안에 응답이 없습니다`);
      if (c.deadline.aborted)
        throw c.fail(
          'timeout',
          `the queries took over ${secs * 4} s in all`,
          `쿼리가 모두 합쳐 ${secs * 4}초를 넘었습니다`,
        );
      if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(String((e as Error)?.message)))
        throw c.fail(
          'tls',
          `the TLS certificate is not trusted (${code || 'TLS error'}) — ${c.ca ? 'is caFile the CA that signed it?' : 'set caFile to the CA that signed it'}`,
          `TLS 인증서를 신뢰할 수 없습니다 (${code || 'TLS 오류'}) — ${c.ca ? 'caFile이 서명한 CA가 맞나요?' : 'caFile에 서명한 CA를 설정하세요'}`,
        );
      throw c.fail(
        'unreachable',
        `cannot connect (${code || 'network error'}) — is Prometheus running, and is the URL right?`,
        `연결할 수 없습니다 (${code || '네트워크 오류'}) — Prometheus가 실행 중이고 URL이 맞나요?`,
      );
    }
  }

  /** An API call: the `data.result` array of a success, or the SourceError for anything else. */
  async function api(path: string, params: Record<string, string>, resultType: 'matrix' | 'vector') {
    const url = new URL(path, c.base);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const a = await get(url);
    const status = `${a.status}${a.statusText ? ` ${c.fail.clean(a.statusText, 40)}` : ''}`;
    if (a.status === 401)
      throw c.fail('auth', `${status} — ${c.fail.authHint.en}`, `${status} — ${c.fail.authHint.ko}`);
    if (a.status === 403)
      throw c.fail(
        'auth',
        `${status} — the credentials may not query this Prometheus`,
        `${status} — 이 자격 증명으로는 이 Prometheus를 조회할 수 없습니다`,
      );
    const json = /json/i.test(a.contentType) || /^\s*\{/.test(a.body) ? parseJson(a.body) : null;
    if (json?.status === 'error') {
      const type = typeof json.errorType === 'string' ? c.fail.clean(json.errorType, 40) : 'error';
      const msg = typeof json.error === 'string' ? c.fail.clean(json.error) : '';
      if (type === 'timeout')
        throw c.fail(
          'timeout',
          `Prometheus gave up on the query (${msg})`,
          `Prometheus가 쿼리를 중단했습니다 (${msg})`,
        );
      throw c.fail(
        'bad_response',
        `the query failed: ${type}: ${msg}`,
        `쿼리가 실패했습니다: ${type}: ${msg}`,
      );
    }
    if (a.status === 400 && /http request to an https server/i.test(a.body))
      throw c.fail(
        'tls',
        `${status}: the server speaks https — use an https:// URL`,
        `${status}: 서버가 https로 응답합니다 — https:// URL을 쓰세요`,
      );
    if (a.status < 200 || a.status > 299 || !json) {
      if (a.status === 429 || a.status === 502 || a.status === 503 || a.status === 504)
        throw c.fail(
          'refused',
          `${status} — Prometheus (or a proxy in front of it) is not taking queries now`,
          `${status} — Prometheus(또는 앞단 프록시)가 지금 쿼리를 받지 않습니다`,
        );
      if (a.status >= 300 && a.status < 400)
        throw c.fail(
          'bad_response',
          `${status}: a redirect — give the URL Prometheus answers on`,
          `${status}: 리다이렉트입니다 — Prometheus가 직접 응답하는 URL을 주세요`,
        );
      if (a.status === 404)
        throw c.fail(
          'bad_response',
          `${status} — is the URL Prometheus' base URL (without /api/v1)?`,
          `${status} — URL이 Prometheus 기본 URL(/api/v1 제외)이 맞나요?`,
        );
      const what = /^\s*</.test(a.body) ? 'HTML' : a.body.trim() === '' ? 'an empty body' : 'text';
      throw c.fail(
        'bad_response',
        `${status}: ${what} where the API answers JSON — is the URL right?`,
        `${status}: API의 JSON 대신 ${what === 'HTML' ? 'HTML' : '다른 내용'}이 왔습니다 — URL이 맞나요?`,
      );
    }
    const data = json.data as { resultType?: unknown; result?: unknown } | undefined;
    if (json.status !== 'success' || data?.resultType !== resultType || !Array.isArray(data.result))
      throw c.fail(
        'bad_response',
        'the answer is not a Prometheus query result',
        'Prometheus 쿼리 결과가 아닌 응답입니다',
      );
    if (data.result.length > MAX_SERIES_PER_QUERY)
      throw c.fail(
        'bad_response',
        `the answer has over ${MAX_SERIES_PER_QUERY} series`,
        `응답에 시리즈가 ${MAX_SERIES_PER_QUERY}개를 넘습니다`,
      );
    return data.result as unknown[];
  }

  const bad = () =>
    c.fail('bad_response', 'a series in the answer is malformed', '응답의 시리즈 형식이 잘못되었습니다');
  const metricOf = (m: unknown): Record<string, string> => {
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw bad();
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) if (typeof v === 'string') out[k] = v;
    return out;
  };
  const point = (p: unknown): [number, number] => {
    if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'string') throw bad();
    // Prometheus writes NaN and ±Inf as "NaN", "+Inf", "-Inf": Number() makes the infinities NaN, and
    // seriesStats drops every non-finite value anyway.
    return [Math.round(p[0] * 1000), Number(p[1])];
  };

  return {
    async instant(query, timeSec) {
      const params: Record<string, string> = { query };
      if (timeSec !== undefined) params.time = timeSec.toFixed(3);
      const result = await api('api/v1/query', params, 'vector');
      return result.map((r) => {
        const o = r as { metric?: unknown; value?: unknown };
        return { metric: metricOf(o.metric), values: [point(o.value)] };
      });
    },
    async range(query, startSec, endSec, stepSec) {
      const result = await api(
        'api/v1/query_range',
        { query, start: startSec.toFixed(3), end: endSec.toFixed(3), step: String(stepSec) },
        'matrix',
      );
      return result.map((r) => {
        const o = r as { metric?: unknown; values?: unknown };
        if (!Array.isArray(o.values) || o.values.length > PROMETHEUS_MAX_POINTS + 1) throw bad();
        return { metric: metricOf(o.metric), values: o.values.map(point) };
      });
    },
    abort: () => batch.abort(new Error('another query of the batch failed')),
    close() {
      agent?.destroy();
    },
  };

  async function viaNode(
    url: URL,
    hdrs: Record<string, string>,
    ag: HttpAgent,
    signal: AbortSignal,
  ): Promise<Answer> {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: 'GET', headers: hdrs, agent: ag, signal },
        resolve,
      );
      req.once('error', reject);
      req.end();
    });
    try {
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > BODY_MAX) throw tooBig();
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > BODY_MAX) throw tooBig();
        chunks.push(chunk);
      }
      return {
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        contentType: String(res.headers['content-type'] ?? ''),
        body: Buffer.concat(chunks).toString('utf8'),
      };
    } finally {
      res.destroy();
    }
  }

  async function viaFetch(
    f: typeof fetch,
    url: URL,
    hdrs: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Answer> {
    const res = await f(url, { headers: hdrs, signal, redirect: 'manual' });
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > BODY_MAX) {
      await res.body?.cancel().catch(() => {});
      throw tooBig();
    }
    const chunks: Uint8Array[] = [];
    if (res.body) {
      const reader = res.body.getReader();
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > BODY_MAX) {
          await reader.cancel().catch(() => {});
          throw tooBig();
        }
        chunks.push(value);
      }
    }
    return {
      status: res.status,
      statusText: res.statusText,
      contentType: res.headers.get('content-type') ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
    };
  }

  function tooBig() {
    const mib = BODY_MAX / 1048576;
    return c.fail('bad_response', `an answer is over ${mib} MiB`, `응답이 ${mib} MiB를 넘습니다`);
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Runs `fn` over `items`, at most `limit` at once; the first failure aborts the others and is thrown. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  abort: () => void,
  fn: (item: T) => Promise<void>,
) {
  let next = 0;
  let failed: { e: unknown } | null = null;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        if (!failed) {
          failed = { e };
          abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw (failed as { e: unknown }).e;
}
