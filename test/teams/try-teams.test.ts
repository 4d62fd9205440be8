/**
 * scripts/try-teams.ts as a new user runs it: the script is its own process (`node --import tsx`), starts
 * the fake Teams and prints the bot's settings; the test reads them from its output and only then starts
 * the real bot in-process with them (`startBot`, offline analyst, the demo servers, real Redis under a
 * prefix of its own), as a user would paste them into another terminal. `--wait-bot` makes the script's
 * first command wait for the bot's /healthz. Then the script's own output is checked: the answer, the
 * file-consent card, and the accepted PDF saved to a file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { silentLogger } from '../../jobs/log.ts';
import { dropPrefix, until } from '../helpers/bot-process.ts';
import { freePort } from '../helpers/net.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const prefix = testPrefix('try-teams');
const children = new Set<ChildProcess>();
const savedDirs: string[] = [];
let bot: BotHandle | null = null;

/** The script as a process with only PATH and HOME from this environment; its output as it comes. */
function script(args: string[]): { output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/try-teams.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { output: () => out, exit };
}

/** The `NAME=value` lines the script printed for the bot. */
function printedEnv(out: string): Record<string, string> | null {
  const env = Object.fromEntries([...out.matchAll(/^([A-Z][A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return env.PORT ? env : null;
}

async function exitWithin(run: { output: () => string; exit: Promise<number | null> }, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the script did not exit:\n${run.output()}`)), ms);
  });
  try {
    return await Promise.race([run.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await bot?.stop();
  await dropPrefix(REDIS_URL, prefix);
  for (const d of savedDirs) rmSync(d, { recursive: true, force: true });
});

describe('scripts/try-teams.ts', () => {
  it('prints the settings, then drives the bot started with them: an answer, a consent card, the PDF saved', async () => {
    const botUrl = `http://127.0.0.1:${await freePort()}`;
    const run = script([
      '--port',
      '0',
      '--bot',
      botUrl,
      '--wait-bot',
      '--do',
      'say why is training slow?',
      '--do',
      'say report',
      '--do',
      'accept',
    ]);
    const env = await until('the settings the script prints', () => printedEnv(run.output()), 30_000);
    expect(Object.keys(env).sort()).toEqual([
      'INFRALENS_PUBLIC_URL',
      'PORT',
      'TEAMS_APP_ID',
      'TEAMS_APP_PASSWORD',
      'TEAMS_AUTHORITY',
      'TEAMS_TENANT_ID',
    ]);
    expect(env.INFRALENS_PUBLIC_URL).toBe(botUrl);
    expect(run.output()).toContain(`${env.PORT} INFRALENS_DEMO=1 ./bin/infralens bot`);

    bot = await startBot(
      botConfigFrom(
        { ...env, REDIS_URL, INFRALENS_DEMO: '1', INFRALENS_QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' },
        'bot',
      ),
      { model: null, log: silentLogger },
    );
    const code = await exitWithin(run, 150_000);
    const out = run.output();
    expect(code, out).toBe(0);

    // the answer: typing, then the card as text (its findings and buttons)
    const answer = out.slice(
      out.indexOf('teams> say why is training slow?'),
      out.indexOf('teams> say report'),
    );
    expect(answer).toContain('(typing…)');
    expect(answer).toMatch(/train/i);
    expect(answer).toMatch(/^ {2}(Critical|Warning) {2}\S/m);
    expect(answer).toContain('[Plan] [Commands] [PDF report] [Re-check]');

    const consent =
      /\[file consent: (infralens-report-[\w.-]+\.pdf), (\d+) bytes\] type `accept` or `decline`/.exec(out);
    expect(consent, out).not.toBeNull();
    const [, name, size] = consent!;
    expect(out).toContain(`[file: ${name} uploaded, ${size} bytes]`);
    const saved = /saved the uploaded file to (\S+\.pdf)$/m.exec(out);
    expect(saved, out).not.toBeNull();
    savedDirs.push(dirname(saved![1]!));
    const pdf = readFileSync(saved![1]!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBe(Number(size));
  }, 180_000);

  it('says in one line why nothing can be sent: no bot listening, or a bot started with other settings', async () => {
    const gone = `http://127.0.0.1:${await freePort()}`;
    const none = script(['--port', '0', '--bot', gone, '--do', 'say hello']);
    expect(await exitWithin(none, 60_000), none.output()).toBe(1);
    expect(none.output()).toContain(`nothing answers at ${gone}: start the bot with the env lines above\n`);

    // a new fake (its own signing key and port) against the bot still set up for the first one
    expect(bot).not.toBeNull();
    const other = script(['--port', '0', '--bot', `http://127.0.0.1:${bot!.port}`, '--do', 'say hello']);
    expect(await exitWithin(other, 60_000), other.output()).toBe(1);
    expect(other.output()).toContain(
      'the bot refused the token: did you start it with the env lines printed above?\n',
    );
  }, 120_000);
});
