/**
 * Slack and Teams in one process: with both configured, `infralens bot` serves Slack's `/slack/events`
 * and Teams' `/api/messages` on the same port, and each surface's question is answered on its own
 * surface (the send queue picks the transport by the destination).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botConfigFrom } from '../../bot/config.ts';
import { type BotHandle, startBot } from '../../bot/main.ts';
import { silentLogger } from '../../jobs/log.ts';
import { eventEnvelope, FakeSlack, mention, postSigned, slackTs } from '../fakes/slack.ts';
import { type FakeTeams, startFakeTeams } from '../fakes/teams.ts';
import { REDIS_URL, testPrefix } from '../helpers/redis.ts';

const SECRET = 'test-signing-secret-1234';
let slack: FakeSlack;
let teams: FakeTeams;
let bot: BotHandle;

beforeAll(async () => {
  slack = await FakeSlack.start();
  teams = await startFakeTeams();
  const config = botConfigFrom(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      TEAMS_APP_ID: teams.appId,
      TEAMS_APP_PASSWORD: teams.secret,
      TEAMS_TENANT_ID: teams.tenantId,
      TEAMS_AUTHORITY: teams.authority,
      PORT: '0',
      REDIS_URL,
      INFRALENS_DEMO: '1',
      INFRALENS_QUEUE_PREFIX: testPrefix('both'),
      LOG_LEVEL: 'silent',
    },
    'bot',
  );
  expect(config.slack).not.toBeNull();
  expect(config.teams).not.toBeNull();
  bot = await startBot(config, { model: null, log: silentLogger });
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  await teams?.close();
});

describe('Slack and Teams in one process', () => {
  it('answers each surface on its own surface, from one port', async () => {
    const base = `http://127.0.0.1:${bot.port}`;
    const ts = slackTs();
    const s = await postSigned(
      `${base}/slack/events`,
      SECRET,
      eventEnvelope(mention('why is training slow?', { channel: 'CBOTH', user: 'U1', ts })),
    );
    expect(s.status).toBe(200);
    const a = teams.activity('personal', {
      conversation: { id: `a:1both-${Date.now()}`, conversationType: 'personal', tenantId: teams.tenantId },
      text: 'why is training slow?',
    });
    expect((await teams.post(base, a)).status).toBe(200);
    const conv = (a.conversation as { id: string }).id;
    await teams.waitFor(() => teams.activitiesTo(conv).some((b) => b.type === 'message'), 30_000);
    await slack.waitFor(
      () => slack.messages('CBOTH').find((m) => m.thread_ts === ts && !/Looking into it/.test(m.text ?? '')),
      30_000,
    );
    // nothing crossed over: no Teams conversation id reached Slack, no Slack channel reached Teams
    expect(slack.messages(conv)).toHaveLength(0);
    expect(teams.activitiesTo('CBOTH')).toHaveLength(0);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 60_000);
});
