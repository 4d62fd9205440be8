/**
 * The Slack bench's yardstick (bench/slack.ts starts it as a process of its own): a bare Bolt app on the
 * HTTP receiver whose `app_mention` listener does nothing, so its ack time is what Bolt itself costs on
 * this machine. Authorised with a static token and ids (no `auth.test`, at start or per event), like the bot.
 *
 * Environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL (the fake Slack), PORT (0: any free
 * one). Prints `listening <port>` on stdout once it takes requests; SIGTERM stops it and exits 0.
 */
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const env = process.env;
const token = env.SLACK_BOT_TOKEN;
const secret = env.SLACK_SIGNING_SECRET;
if (!token || !secret) {
  console.error('bare-bolt: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are required');
  process.exit(2);
}

const app = new App({
  authorize: async () => ({ botToken: token, botId: 'BBOT', botUserId: 'UBOT' }),
  receiver: new HTTPReceiver({ signingSecret: secret, endpoints: '/slack/events', logLevel: LogLevel.ERROR }),
  ...(env.SLACK_API_URL ? { clientOptions: { slackApiUrl: env.SLACK_API_URL } } : {}),
  logLevel: LogLevel.ERROR,
});
app.event('app_mention', async () => {});

const server = (await app.start(Number(env.PORT ?? 0))) as unknown as { address(): AddressInfo };
console.log(`listening ${server.address().port}`);

process.once('SIGTERM', () => {
  void app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
