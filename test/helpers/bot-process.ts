/**
 * Real processes for the bot's reliability tests: `./bin/infralens bot|worker` spawned with an
 * environment of the test's own (nothing inherited but PATH and HOME, so no developer's key leaks in),
 * their stderr collected line by line, waits for a log line, an HTTP status or the exit, and a kill.
 * Also a private `redis-server` (its own port and AOF directory) that a test shuts down and starts again.
 *
 * Every spawned child is remembered: `killAll()` (call it in afterEach/afterAll) SIGKILLs whatever is still
 * running, so a failed test leaves no process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, pong } from './net.ts';

export { freePort };

const ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = join(ROOT, 'bin/infralens');

const living = new Set<ChildProcess>();

/** Resolve after ms. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `check` gives something truthy (every 50 ms); throws naming `what` after timeoutMs. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`,
      );
    await sleep(50);
  }
}

/** A TCP port free on 127.0.0.1 right now. */
/** The HTTP status of a GET, or 0 when nothing answers. */
export async function statusOf(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `infralens bot|worker` process. */
export class BotProcess {
  private readonly chunks: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => this.chunks.push(d));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.chunks.push(d));
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        living.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Start `./bin/infralens <mode>` with exactly `env` (plus PATH and HOME). */
  static start(mode: 'bot' | 'worker', env: Record<string, string>): BotProcess {
    const child = spawn(CLI, [mode], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    living.add(child);
    return new BotProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Everything the process wrote to stderr (and stdout) so far. */
  output(): string {
    return this.chunks.join('');
  }

  /** The non-empty lines written so far. */
  lines(): string[] {
    return this.output()
      .split('\n')
      .filter((l) => l.trim() !== '');
  }

  /** The JSON log lines written so far (other lines skipped). */
  logs(): Record<string, unknown>[] {
    return this.lines().flatMap((l) => {
      try {
        const v = JSON.parse(l) as unknown;
        return typeof v === 'object' && v !== null ? [v as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  /**
   * Wait until a log line's `msg` matches and it carries `fields` (or the process exits: an error with its
   * output).
   */
  async waitForLog(
    msg: RegExp,
    fields: Record<string, unknown> = {},
    timeoutMs = 60_000,
  ): Promise<Record<string, unknown>> {
    const wanted = Object.entries(fields);
    return until(
      `log line ${msg} ${JSON.stringify(fields)} from pid ${this.pid}`,
      () => {
        const hit = this.logs().find(
          (l) => typeof l.msg === 'string' && msg.test(l.msg) && wanted.every(([k, v]) => l[k] === v),
        );
        if (hit) return hit;
        if (this.exit)
          throw new Error(`the process exited (${JSON.stringify(this.exit)}) before: ${this.output()}`);
        return undefined;
      },
      timeoutMs,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n--- output of pid ${this.pid} ---\n${this.output()}`);
    });
  }

  /** The exit, waiting at most timeoutMs (an error with the output otherwise). */
  async waitForExit(timeoutMs = 60_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`pid ${this.pid} did not exit within ${timeoutMs} ms\n${this.output()}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send a signal (nothing when the process has exited). */
  kill(signal: NodeJS.Signals): void {
    if (!this.exit) this.child.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async destroy(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}

/** SIGKILL every spawned process still running (cleanup after a failed test). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...living].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** Delete every key under `${prefix}:` (the queues, state and blobs a test's bot left behind). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A redis-server of the test's own: a free port, a fresh data directory, AOF fsynced on every write, no
 * RDB. `shutdown()` stops it the way an operator would (SHUTDOWN, the AOF kept); `start()` again restarts
 * it on the same port and directory, with the data of the AOF.
 */
export class PrivateRedis {
  readonly dir: string;
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'infralens-redis-'));
  }

  static async create(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the server process is up. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(
      '/usr/bin/redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    living.add(child);
    child.once('exit', () => living.delete(child));
    this.child = child;
    await until(`redis-server on port ${this.port}`, () => pong(this.port), 20_000);
  }

  /** `redis-cli shutdown` (the AOF is kept); resolves once the server has exited. */
  async shutdown(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const cli = spawn('redis-cli', ['-p', String(this.port), 'shutdown'], { stdio: 'ignore' });
    await new Promise<void>((r) => cli.once('exit', () => r()));
    await exited;
    this.child = null;
  }

  /** Stop the server (if running) and remove its directory. */
  async close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    }
    this.child = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
