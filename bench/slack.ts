/**
 * The Slack bench (issue 11), one run, with the bot as it runs in production: `./bin/infralens bot` (from
 * the build in dist/, as after `npm ci`: the front door on its main thread, the workers in a thread of their
 * own; offline analyst, demo data, real Redis and BullMQ) as a process of its own, against the fake Slack
 * on loopback, beside a bare Bolt app (bench/bare-bolt.ts, also a process of its own) that acks and does
 * nothing. The load generator and the fake Slack run in this process.
 *
 * - Ack: 50 concurrent signed `app_mention` POSTs to `/slack/events` (each in its own channel and thread,
 *   so per-channel pacing serialises nothing), the time until the HTTP 200; the bare app acks the same 50.
 * - First visible reply: the first message in the mention's thread arriving at the fake (the placeholder
 *   `chat.postMessage` the front door posts once the job is queued), from when the request was sent.
 * - Full answer: the `chat.update` that turns the placeholder into the answer arriving at the fake (or the
 *   answer's own `chat.postMessage` when it got there before the placeholder).
 * - One mention on an idle bot: the first after start, alone, measured the same three ways.
 *
 * `npm run bench` runs it as its "Slack bot" section (bench/run.ts); `npx tsx bench/slack.ts` runs it alone
 * (`--turns N` adds a second run with INFRALENS_TURN_CONCURRENCY=N). Percentiles are nearest-rank: p99 of
 * 50 is the slowest. Both processes are stopped with SIGTERM (the bot must exit 0), and the bench's Redis
 * keys (`<prefix>:*`) are deleted at the end, also when it fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { placeholder } from '../bot/slack/texts.ts';
import { eventEnvelope, FakeSlack, mention, postSigned, slackTs } from '../test/fakes/slack.ts';
import { REDIS_URL } from '../test/helpers/redis.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const SECRET = 'bench-signing-secret-1234';
const BURST = 50;
const QUESTION = 'why is training slow?';
/** INFRALENS_TURN_CONCURRENCY's default (bot/config.ts). */
const DEFAULT_TURNS = 4;

/** One line of `npm run bench` (the shape bench/run.ts prints). */
export interface BenchResult {
  name: string;
  /** the measured figure: milliseconds unless `unit` says otherwise (then `budgetMs` is in that unit). */
  ms: number;
  budgetMs: number;
  note: string;
  unit?: string;
}

export interface Spread {
  p50: number;
  p99: number;
}

export interface SlackFigures {
  ack: Spread;
  bareAck: Spread;
  firstReply: Spread;
  answer: Spread;
  /** from the ack to the first visible reply, per mention (the front door posts the placeholder once the
   * job is queued, after the ack: this is how long that post takes). */
  afterAck: Spread;
  /** from the first visible reply to the answer, per mention. */
  turn: Spread;
  /** mentions whose answer came before the placeholder (which the bot then deleted). */
  late: number;
  idle: { ack: number; firstReply: number; answer: number };
  turnConcurrency: number;
  /** spawn → `/readyz` 200, ms. */
  botStartMs: number;
  /** SIGTERM → exit (code 0), ms. */
  botStopMs: number;
  /** what the bot wrote besides its SIGTERM notice: warn and error log lines (LOG_LEVEL=warn), stack traces. */
  botLog: string[];
  /** the 1-minute load average before the bench started and when the burst ended. */
  load: { before: number; after: number };
  /** `<prefix>:*` keys left in Redis after clean-up (0 expected). */
  keysLeft: number;
}

export interface SlackBenchOptions {
  redisUrl?: string;
  /** INFRALENS_TURN_CONCURRENCY for the bot (default: unset, the bot's default of 4). */
  turnConcurrency?: number;
}

/** Nearest-rank percentile. */
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}
const spread = (xs: number[]): Spread => ({ p50: pct(xs, 50), p99: pct(xs, 99) });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The build and the processes
// ---------------------------------------------------------------------------------------------

const SOURCE_DIRS = ['bin', 'bot', 'jobs', 'tools', 'scoring'];
const SOURCE_EXT = /\.(ts|md|sh|ttf)$/;

/** bin/infralens's own test: dist/ is used when its stamp is newer than every source. */
function distFresh(): boolean {
  const stamp = join(ROOT, 'dist/.stamp');
  if (!existsSync(stamp) || !existsSync(join(ROOT, 'dist/bin/cli.js'))) return false;
  const built = statSync(stamp).mtimeMs;
  for (const dir of SOURCE_DIRS)
    for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }))
      if (SOURCE_EXT.test(f) && statSync(join(ROOT, dir, f)).mtimeMs > built) return false;
  return true;
}

/** Build dist/ (`npm run build`) unless it is fresh, so the launcher runs the build, not the sources. */
function ensureBuild(): void {
  if (distFresh()) return;
  execFileSync('node', [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  if (!distFresh()) throw new Error('bench: dist/ is still older than the sources after `npm run build`');
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A child process with its output kept, its exit awaited, and a bounded SIGTERM. */
class Proc {
  private out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    for (const s of [child.stdout, child.stderr]) {
      s?.setEncoding('utf8');
      s?.on('data', (d: string) => {
        this.out += d;
      });
    }
    this.exited = new Promise((ok) =>
      child.once('exit', (code, signal) => {
        this.done = true;
        ok({ code, signal });
      }),
    );
  }

  /** Start `command args` in the project root with exactly `env` (plus PATH and HOME). */
  static start(name: string, command: string, args: string[], env: Record<string, string>): Proc {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Proc(name, child);
  }

  output(): string {
    return this.out;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Poll `check` every 20 ms until truthy; fails when the process exits first or after timeoutMs. */
  async until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (this.done || Date.now() > end)
        throw new Error(
          `bench: ${this.name} ${this.done ? 'exited' : 'timed out'} waiting for ${what}\n${this.out.slice(-4000)}`,
        );
      await sleep(20);
    }
  }

  /** SIGTERM, then SIGKILL after timeoutMs; the exit and how long it took. */
  async stop(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const t0 = performance.now();
    if (this.done) return { ...(await this.exited), ms: 0 };
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, ms: performance.now() - t0 };
  }
}

async function httpStatus(url: string): Promise<number> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Mentions and what the fake saw of them
// ---------------------------------------------------------------------------------------------

interface Sent {
  channel: string;
  ts: string;
  /** Date.now() just before the POST (the fake stamps calls with Date.now()). */
  sentAt: number;
  ackMs: number;
  status: number;
}

/** POST one signed mention in its own channel and thread. */
async function sendMention(url: string, channel: string): Promise<Sent> {
  const ts = slackTs();
  const body = eventEnvelope(mention(QUESTION, { channel, user: 'UBENCH', ts }));
  const sentAt = Date.now();
  const r = await postSigned(url, SECRET, body);
  return { channel, ts, sentAt, ackMs: r.ms, status: r.status };
}

function checkAcks(who: string, sent: Sent[]): void {
  const bad = sent.filter((s) => s.status !== 200);
  if (bad.length > 0)
    throw new Error(
      `bench: ${who} answered ${bad.map((s) => s.status).join(', ')} to ${bad.length} mention(s)`,
    );
}

interface Reply {
  firstReply: number;
  answer: number;
  /** the answer got there before the front door's placeholder (which was then deleted). */
  late: boolean;
}

const PLACEHOLDERS = [placeholder('en'), placeholder('ko')];
const isPlaceholder = (text: unknown) =>
  typeof text === 'string' && PLACEHOLDERS.some((p) => text.includes(p));

/**
 * The first visible reply and the answer of each mention, as arrival times at the fake minus the send time:
 * the first message in the mention's thread, and the `chat.update` that turns the placeholder into the
 * answer (or, when the answer beat the placeholder, the answer posted as a message of its own). One poller
 * every 25 ms: the times are the fake's own stamps, so polling adds nothing to them and takes little CPU.
 */
async function replyTimes(fake: FakeSlack, sent: Sent[], timeoutMs = 180_000): Promise<Reply[]> {
  const byChannel = new Map(sent.map((s) => [s.channel, s]));
  const first = new Map<string, number>();
  const answer = new Map<string, { at: number; late: boolean }>();
  let seen = 0;
  const end = Date.now() + timeoutMs;
  while (answer.size < sent.length) {
    for (; seen < fake.calls.length; seen++) {
      const c = fake.calls[seen]!;
      const s = byChannel.get(String(c.args.channel));
      if (!s || answer.has(s.channel)) continue;
      if (c.method === 'chat.postMessage' && c.args.thread_ts === s.ts) {
        if (!first.has(s.channel)) first.set(s.channel, c.at);
        if (!isPlaceholder(c.args.text)) answer.set(s.channel, { at: c.at, late: true });
      } else if (c.method === 'chat.update') answer.set(s.channel, { at: c.at, late: false });
    }
    if (Date.now() > end)
      throw new Error(
        `bench: after ${timeoutMs} ms, ${first.size} first replies and ${answer.size} answers of ${sent.length} mentions`,
      );
    if (answer.size < sent.length) await sleep(25);
  }
  // every call of the bench's threads must have succeeded (a status is known once the fake answered)
  await sleep(50);
  const failed = fake.calls.filter((c) => byChannel.has(String(c.args.channel)) && c.status !== 200);
  if (failed.length > 0)
    throw new Error(`bench: the fake answered ${failed.map((c) => `${c.method} ${c.error}`).join(', ')}`);
  return sent.map((s) => {
    const a = answer.get(s.channel)!;
    return { firstReply: first.get(s.channel)! - s.sentAt, answer: a.at - s.sentAt, late: a.late };
  });
}

/** Delete every key under the prefix (BullMQ's queues and the bot's own keys share it); the count left. */
async function dropKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };
  try {
    await redis.connect();
    const found = await keys();
    for (let i = 0; i < found.length; i += 500) await redis.unlink(...found.slice(i, i + 500));
    return (await keys()).length;
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// The bench
// ---------------------------------------------------------------------------------------------

/** Run the Slack bench once; the figures in ms. */
export async function slackBench(opts: SlackBenchOptions = {}): Promise<SlackFigures> {
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const loadBefore = loadavg()[0]!;
  ensureBuild();
  const prefix = `bench-slack-${randomBytes(4).toString('hex')}`;
  const fake = await FakeSlack.start();
  let bot: Proc | null = null;
  let bare: Proc | null = null;
  let figures: Omit<SlackFigures, 'keysLeft' | 'botStopMs' | 'botLog'>;
  let botStop: { code: number | null; signal: NodeJS.Signals | null; ms: number } | null = null;
  let keysLeft: number;
  try {
    const port = await freePort();
    const t0 = performance.now();
    bot = Proc.start('infralens bot', join(ROOT, 'bin/infralens'), ['bot'], {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
      REDIS_URL: redisUrl,
      INFRALENS_DEMO: '1',
      INFRALENS_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      INFRALENS_USER_RATE: '1000',
      INFRALENS_CHANNEL_RATE: '10000',
      ...(opts.turnConcurrency ? { INFRALENS_TURN_CONCURRENCY: String(opts.turnConcurrency) } : {}),
    });
    const botBase = `http://127.0.0.1:${port}`;
    await bot.until('GET /readyz 200', async () => (await httpStatus(`${botBase}/readyz`)) === 200);
    const botStartMs = performance.now() - t0;
    const botUrl = `${botBase}/slack/events`;

    bare = Proc.start(
      'bare Bolt app',
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/bare-bolt.ts')],
      {
        SLACK_BOT_TOKEN: fake.token,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: '0',
      },
    );
    const barePort = await bare.until(
      '"listening <port>"',
      () => /listening (\d+)/.exec(bare!.output())?.[1],
    );
    const bareUrl = `http://127.0.0.1:${barePort}/slack/events`;

    // one mention on the idle bot, the first after start: ack, placeholder and answer
    const first = await sendMention(botUrl, 'CIDLE');
    checkAcks('the bot', [first]);
    const [idleReply] = await replyTimes(fake, [first]);
    const idle = { ack: first.ackMs, firstReply: idleReply!.firstReply, answer: idleReply!.answer };

    // the bare app (one warm-up, as the bot had its idle mention), then the bot's burst
    checkAcks('the bare app', [await sendMention(bareUrl, 'CWARM')]);
    const bareSent = await Promise.all(
      Array.from({ length: BURST }, (_, i) => sendMention(bareUrl, `CBARE${i}`)),
    );
    checkAcks('the bare app', bareSent);

    const sent = await Promise.all(
      Array.from({ length: BURST }, (_, i) => sendMention(botUrl, `CBENCH${i}`)),
    );
    checkAcks('the bot', sent);
    const replies = await replyTimes(fake, sent);
    if (fake.problems.length > 0) throw new Error(`bench: the fake Slack saw: ${fake.problems.join('; ')}`);

    figures = {
      ack: spread(sent.map((s) => s.ackMs)),
      bareAck: spread(bareSent.map((s) => s.ackMs)),
      firstReply: spread(replies.map((r) => r.firstReply)),
      answer: spread(replies.map((r) => r.answer)),
      afterAck: spread(replies.map((r, i) => r.firstReply - sent[i]!.ackMs)),
      turn: spread(replies.map((r) => r.answer - r.firstReply)),
      late: replies.filter((r) => r.late).length,
      idle,
      turnConcurrency: opts.turnConcurrency ?? DEFAULT_TURNS,
      botStartMs,
      load: { before: loadBefore, after: loadavg()[0]! },
    };
  } finally {
    // the apps first, then the fake they call (bot/main.ts: SIGTERM waits for running jobs, 25 s by default)
    const [b] = await Promise.all([bot?.stop(40_000), bare?.stop(10_000)]);
    botStop = b ?? null;
    await fake.close();
    keysLeft = await dropKeys(redisUrl, prefix);
  }
  if (!bot || botStop?.code !== 0)
    throw new Error(
      `bench: infralens bot exited ${JSON.stringify(botStop)} on SIGTERM, not 0\n${bot?.output().slice(-4000)}`,
    );
  const botLog = bot
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^infralens: SIGTERM: /.test(l));
  return { ...figures, botStopMs: botStop.ms, botLog, keysLeft };
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

/** The figures as `npm run bench` lines; `label` tells a second configuration apart. */
export function slackResults(f: SlackFigures, label = ''): BenchResult[] {
  const tag = label ? ` [${label}]` : '';
  const cpus = availableParallelism();
  return [
    {
      name: `Slack${tag}: ack p99, ${BURST} concurrent mentions`,
      ms: f.ack.p99,
      budgetMs: 100,
      note: `p50 ${ms(f.ack.p50)}; a bare Bolt app (own process) acking the same ${BURST}: p50 ${ms(f.bareAck.p50)}, p99 ${ms(f.bareAck.p99)} (the bot ${(f.ack.p99 / f.bareAck.p99).toFixed(1)}× at p99, ${(f.ack.p50 / f.bareAck.p50).toFixed(1)}× at p50)`,
    },
    {
      name: `Slack${tag}: first visible reply p99, ${BURST} mentions`,
      ms: f.firstReply.p99,
      budgetMs: 1000,
      note: `p50 ${ms(f.firstReply.p50)}; placeholder chat.postMessage at the fake, from the request sent; the front door posts it once the job is queued (no turn slot needed): ack → placeholder p50 ${ms(f.afterAck.p50)}, p99 ${ms(f.afterAck.p99)}, so it follows the ack; ${f.late} answers beat their placeholder; load average ${f.load.before.toFixed(1)} before, ${f.load.after.toFixed(1)} after the burst on ${cpus} CPUs`,
    },
    {
      name: `Slack${tag}: full offline answer p99, ${BURST} mentions`,
      ms: f.answer.p99,
      budgetMs: 3000,
      note: `p50 ${ms(f.answer.p50)}; the placeholder's chat.update at the fake, from the request sent; placeholder → answer p50 ${ms(f.turn.p50)}, p99 ${ms(f.turn.p99)}; ${f.turnConcurrency} turn workers, all in the bot's one workers' thread`,
    },
    {
      name: `Slack${tag}: one mention on an idle bot (first after start)`,
      ms: f.idle.answer,
      budgetMs: 3000,
      note: `full answer; ack ${ms(f.idle.ack)}, first visible reply ${ms(f.idle.firstReply)}; bot ready ${ms(f.botStartMs)} after spawn, exited 0 ${ms(f.botStopMs)} after SIGTERM, ${f.botLog.length} other lines on its stderr (warnings, errors); ${f.keysLeft} bench keys left in Redis`,
    },
  ];
}

/** The figures as a Markdown table the README can quote. */
export function slackTable(f: SlackFigures): string {
  const row = (what: string, s: Spread | string, goal: string) =>
    typeof s === 'string'
      ? `| ${what} | ${s} | ${goal} |`
      : `| ${what} | ${ms(s.p50)} / ${ms(s.p99)} | ${goal} |`;
  return [
    `Slack bot, ${BURST} concurrent mentions on loopback (fake Slack, real Redis, offline analyst, ${f.turnConcurrency} turn workers;`,
    `\`infralens bot\` from dist/ and a bare Bolt app each in a process of their own, the fake and the sender in a third;`,
    `Node ${process.versions.node}, ${availableParallelism()} CPUs, load average ${f.load.before.toFixed(1)} before, ${f.load.after.toFixed(1)} after the burst):`,
    '',
    '| measure | p50 / p99 | goal |',
    '| --- | --- | --- |',
    row('ack (HTTP 200), the bot', f.ack, 'p99 < 100 ms'),
    row('ack, a bare Bolt app', f.bareAck, '—'),
    row('first visible reply (placeholder)', f.firstReply, '< 1 s'),
    row('full offline answer', f.answer, '< 3 s'),
    row(
      'one mention on an idle bot: ack / reply / answer',
      `${ms(f.idle.ack)} / ${ms(f.idle.firstReply)} / ${ms(f.idle.answer)}`,
      '< 100 ms / 1 s / 3 s',
    ),
  ].join('\n');
}

// `npx tsx bench/slack.ts [--turns N]`: this section alone, printed as bench/run.ts prints it
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--turns');
  const more = i > 0 ? Number(process.argv[i + 1]) : undefined;
  const runs: [string, SlackFigures][] = [['', await slackBench()]];
  if (more) runs.push([`INFRALENS_TURN_CONCURRENCY=${more}`, await slackBench({ turnConcurrency: more })]);
  let failed = false;
  for (const [label, f] of runs)
    for (const r of slackResults(f, label)) {
      const ok = r.ms <= r.budgetMs;
      failed ||= !ok;
      console.log(
        `${ok ? 'ok  ' : 'SLOW'} ${r.name}: ${r.ms.toFixed(2)} ms (budget ${r.budgetMs} ms, ${((r.ms / r.budgetMs) * 100).toFixed(0)}% of it) — ${r.note}`,
      );
    }
  for (const [, f] of runs) {
    console.log(`\n${slackTable(f)}`);
    for (const l of f.botLog) console.log(`bot: ${l}`);
  }
  process.exitCode = failed ? 1 : 0;
}
