/**
 * `infralens digest --now [CHANNEL]` on a real Redis (a test prefix) against fake SSH hosts: with
 * SLACK_BOT_TOKEN (and SLACK_API_URL at the fake Slack) the digest and its fleet PDF are posted through the
 * send queue, processed in-process by the bot's Slack transport; without a token a dry run prints the post
 * and writes the PDF with --pdf. Redis not answering is one line and exit 1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.ts';
import { fleetHooks } from '../../bin/fleet.ts';
import { HistoryStore } from '../../jobs/fleet/history.ts';
import { analyzeFleet } from '../../scoring/analyze.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { FakeSlack, validateBlocks } from '../fakes/slack.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { closedPort, type FakeFleet, recorded, startFakeFleet } from '../helpers/ssh-server.ts';
import { dropPrefix, plainRedis } from '../jobs/helpers.ts';

const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0;
const readBack = hasPoppler || process.env.CI === 'true';
const redis = plainRedis();
const prefix = testPrefix('cli-digest');
const tmp = mkdtempSync(join(tmpdir(), 'infralens-cli-digest-'));
let fleet: FakeFleet;
let fake: FakeSlack;
let config: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  fleet = await startFakeFleet([
    { name: 'gpu-node-01', extra: { groups: ['lab'] } },
    { name: 'bad-auth', mode: 'auth-fail', extra: { groups: ['lab'] } },
    { name: 'other-01', extra: { groups: ['other'] } },
  ]);
  config = join(tmp, 'inventory.yaml');
  const inv = JSON.parse(fleet.inventoryYaml());
  inv.channels = [
    { surface: 'slack', id: 'CDIGEST', groups: ['lab'], digest: false },
    { surface: 'slack', id: 'CDAILY', groups: ['*'] },
  ];
  writeFileSync(config, JSON.stringify(inv, null, 2));
});
afterAll(async () => {
  await fleet?.close();
  await fake?.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});
afterEach(() => vi.unstubAllEnvs());

function stubEnv(extra: Record<string, string> = {}) {
  vi.stubEnv('INFRALENS_CONFIG', config);
  vi.stubEnv('REDIS_URL', REDIS_URL);
  vi.stubEnv('INFRALENS_QUEUE_PREFIX', prefix);
  vi.stubEnv('SLACK_BOT_TOKEN', '');
  vi.stubEnv('SLACK_API_URL', '');
  for (const [k, v] of Object.entries(extra)) vi.stubEnv(k, v);
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const hooks = fleetHooks(process.env);
  try {
    const status = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), fleet: hooks });
    return { status, stdout: out.join('\n'), stderr: err.join('\n'), out, err };
  } finally {
    await hooks.close();
  }
}

describe('infralens digest --now', () => {
  it('without SLACK_BOT_TOKEN: a dry run prints the post and writes the fleet PDF', async () => {
    stubEnv();
    // a collection yesterday: with today's, the fleet PDF charts gpu-node-01's trend
    const a = analyzeFleet(
      ingestHosts([{ name: 'b.txt', content: recorded('baremetal-h200.txt') }], { host: 'gpu-node-01' })
        .snapshots,
    ).hosts[0]!;
    await new HistoryStore(redis, prefix).record('gpu-node-01', a, Date.now() - 86_400_000);
    const pdf = join(tmp, 'fleet.pdf');
    const r = await cli(['digest', '--now', 'CDIGEST', '--pdf', pdf]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out[0]).toBe('— slack:CDIGEST (dry run: not posted) —');
    expect(r.out[1]).toMatch(/^Daily GPU score — \d{4}-\d{2}-\d{2}$/);
    expect(r.out[2]).toMatch(/^2 hosts · mean score \*\d+\.\d\* · 1 not answering$/);
    expect(r.stdout).toMatch(/:warning: \*bad-auth\* — not answering \(auth\)/);
    expect(r.stdout).toMatch(/\*gpu-node-01\* — [A-F] \d+\.\d \(±0\.0\) — \S/);
    expect(r.stdout).not.toContain('other-01');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    if (readBack) {
      const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain('Score over the last 7 days');
      expect(text).toMatch(/Score trend over the last 7 days: (\d+\.\d) → \1 \(no change\), 2 collections\./);
    }
    expect(r.err).toEqual([
      `infralens: fleet PDF written to ${pdf}`,
      'infralens: dry run: no SLACK_BOT_TOKEN, nothing was posted',
    ]);
    expect(fake.messages('CDIGEST')).toEqual([]);
  });

  it('with SLACK_BOT_TOKEN: the post and the PDF arrive in Slack through the send queue', async () => {
    stubEnv({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl });
    const r = await cli(['digest', '--now']);
    expect(r.status, r.stderr).toBe(0);
    // every channel with a daily post: CDAILY (CDIGEST's is off)
    expect(r.out).toEqual([
      expect.stringMatching(
        /^digest posted to slack:CDAILY: 3 hosts \(\d collected now\), mean score \d+\.\d, fleet PDF attached$/,
      ),
    ]);
    const post = fake.messages('CDAILY').find((m) => /Daily GPU score/.test(m.text));
    expect(post).toBeDefined();
    expect(validateBlocks(post!.blocks ?? [])).toEqual([]);
    const blocks = JSON.stringify(post!.blocks);
    for (const h of ['gpu-node-01', 'bad-auth', 'other-01']) expect(blocks).toContain(`*${h}*`);
    const upload = fake.uploads.find((u) => u.channel_id === 'CDAILY');
    expect(upload?.filename).toMatch(/^infralens-fleet-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(upload!.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // alerts belong to the bot's worker: bad-auth failing again posted none
    expect(fake.messages('CDAILY')).toHaveLength(1);
  });

  it('exits 1 with one line when Redis does not answer, 2 for usage', async () => {
    stubEnv({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const down = await cli(['digest', '--now', 'CDIGEST']);
    expect(down.status).toBe(1);
    expect(down.err).toEqual([
      expect.stringMatching(/^infralens: Redis not reachable at .*: the digest is built from the history/),
    ]);
    stubEnv();
    const noNow = await cli(['digest']);
    expect(noNow.status).toBe(2);
    expect(noNow.stderr).toMatch(/^infralens: digest posts one daily score post at once: give --now/);
    const nosuch = await cli(['digest', '--now', 'CNOPE']);
    expect(nosuch.status).toBe(2);
    expect(nosuch.stderr).toMatch(
      /^infralens: no channel 'CNOPE' in the inventory \(channels: CDIGEST, CDAILY\)/,
    );
  });
});
