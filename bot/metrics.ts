/**
 * The bot's metrics in Prometheus text format (`GET /metrics`): counters and histograms kept in this
 * process, gauges (queue depth) read when scraped. Label values are escaped; label sets are bounded by
 * construction (surfaces, tool names, error codes from a fixed vocabulary), never user text.
 */

type Labels = Record<string, string>;

/** One recording, as data (a worker thread forwards these to the main thread's registry). */
export type MetricOp =
  | { t: 'inc'; name: string; help: string; labels: Labels; by: number }
  | { t: 'observe'; name: string; help: string; labels: Labels; seconds: number };

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const MAX_SERIES = 500;

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const key = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${esc(l[k] ?? '')}"`)
    .join(',');

interface Series {
  labels: string;
  value: number;
}
interface Hist {
  labels: string;
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly counters = new Map<string, { help: string; series: Map<string, Series> }>();
  private readonly hists = new Map<string, { help: string; series: Map<string, Hist> }>();
  private readonly gauges = new Map<string, { help: string; read: () => Promise<[Labels, number][]> }>();

  /** add to a counter (created on first use). */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.apply({ t: 'inc', name, help, labels, by });
  }

  /** record an observation in seconds. */
  observe(name: string, help: string, seconds: number, labels: Labels = {}): void {
    this.apply({ t: 'observe', name, help, labels, seconds });
  }

  /** record one operation (a subclass may send it elsewhere). */
  apply(op: MetricOp): void {
    if (op.t === 'inc') this.addCounter(op.name, op.help, op.labels, op.by);
    else this.addObservation(op.name, op.help, op.seconds, op.labels);
  }

  private addCounter(name: string, help: string, labels: Labels, by: number): void {
    let c = this.counters.get(name);
    if (!c) {
      c = { help, series: new Map() };
      this.counters.set(name, c);
    }
    const k = key(labels);
    const s = c.series.get(k);
    if (s) s.value += by;
    else if (c.series.size < MAX_SERIES) c.series.set(k, { labels: k, value: by });
  }

  private addObservation(name: string, help: string, seconds: number, labels: Labels): void {
    let h = this.hists.get(name);
    if (!h) {
      h = { help, series: new Map() };
      this.hists.set(name, h);
    }
    const k = key(labels);
    let s = h.series.get(k);
    if (!s) {
      if (h.series.size >= MAX_SERIES) return;
      s = { labels: k, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      h.series.set(k, s);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.counts[i]! += 1;
    });
    s.sum += seconds;
    s.count += 1;
  }

  /** a gauge read at scrape time (queue depth). */
  gauge(name: string, help: string, read: () => Promise<[Labels, number][]>): void {
    this.gauges.set(name, { help, read });
  }

  /** the value of a counter series (tests and the bench read it). */
  counter(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.series.get(key(labels))?.value ?? 0;
  }

  async render(): Promise<string> {
    const out: string[] = [];
    const withLabels = (name: string, labels: string) => (labels ? `${name}{${labels}}` : name);
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const s of c.series.values()) out.push(`${withLabels(name, s.labels)} ${s.value}`);
    }
    for (const [name, h] of this.hists) {
      out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const s of h.series.values()) {
        const sep = s.labels ? `${s.labels},` : '';
        BUCKETS.forEach((b, i) => {
          out.push(`${name}_bucket{${sep}le="${b}"} ${s.counts[i]}`);
        });
        out.push(`${name}_bucket{${sep}le="+Inf"} ${s.count}`);
        out.push(`${withLabels(`${name}_sum`, s.labels)} ${s.sum}`);
        out.push(`${withLabels(`${name}_count`, s.labels)} ${s.count}`);
      }
    }
    for (const [name, g] of this.gauges) {
      let rows: [Labels, number][] = [];
      try {
        rows = await g.read();
      } catch {
        continue; // Redis down: the gauge is absent, /readyz says why
      }
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`);
      for (const [l, v] of rows) out.push(`${withLabels(name, key(l))} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}

/** Metric names, written once. */
export const M = {
  events: ['infralens_slack_events_total', 'Slack requests accepted, by kind and outcome'],
  teamsEvents: ['infralens_teams_events_total', 'Teams activities accepted, by kind and outcome'],
  turns: ['infralens_turns_total', 'Conversation turns finished, by surface, mode and outcome'],
  turnSeconds: [
    'infralens_turn_seconds',
    'From the platform delivering a question to its reply being queued',
  ],
  firstReplySeconds: [
    'infralens_first_reply_seconds',
    'From the platform delivering a question to the first visible sign (status or placeholder)',
  ],
  answerSeconds: [
    'infralens_answer_seconds',
    'From the platform delivering a question to the first message of the answer being delivered',
  ],
  toolJobs: ['infralens_tool_jobs_total', 'Tool calls run, by tool and outcome'],
  slackErrors: ['infralens_slack_errors_total', 'Slack Web API errors, by method and error'],
  teamsErrors: ['infralens_teams_errors_total', 'Teams connector and upload errors, by kind and error'],
  modelErrors: ['infralens_model_errors_total', 'Turns where the model could not answer, by reason'],
  rateLimited: ['infralens_rate_limited_total', 'Questions refused by the per-user or per-channel limit'],
  queueDepth: ['infralens_queue_jobs', 'Jobs in the queues, by queue and state'],
} as const satisfies Record<string, readonly [string, string]>;
