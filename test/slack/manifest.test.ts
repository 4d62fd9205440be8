/**
 * manifests/slack/manifest.yaml against the code, both ways: every event the manifest subscribes to is
 * handled and every event the code handles is subscribed; the slash command and interactivity match; the
 * bot scopes are exactly what the Web API methods the code calls (and the file downloads) need.
 * The code side is read from the sources (`app.event('…')`, `client.x.y(…)`), so neither side can drift.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const manifest = parse(readFileSync(new URL('manifests/slack/manifest.yaml', root), 'utf8')) as {
  features: { slash_commands: { command: string; url: string }[]; assistant_view?: unknown };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
};
const slackDir = new URL('bot/slack/', root);
const sources = readdirSync(slackDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(new URL(f, slackDir), 'utf8'))
  .join('\n');

/** A manifest event (`message.im`) → the Bolt event name the code registers (`message`). */
const boltEvent = (e: string) => e.split('.')[0]!;
/** The scope each subscribed event needs. */
const EVENT_SCOPES: Record<string, string> = {
  app_mention: 'app_mentions:read',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  'message.im': 'im:history',
  'message.mpim': 'mpim:history',
  assistant_thread_started: 'assistant:write',
  assistant_thread_context_changed: 'assistant:write',
};
/** The scope each Web API method the code calls needs (docs.slack.dev method pages). */
const METHOD_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.delete': 'chat:write',
  'assistant.threads.setStatus': 'assistant:write',
  'assistant.threads.setSuggestedPrompts': 'assistant:write',
  filesUploadV2: 'files:write',
};

describe('the Slack manifest matches the code', () => {
  const handled = new Set([...sources.matchAll(/app\.event\('([a-z_]+)'/g)].map((m) => m[1]!));
  const subscribed = manifest.settings.event_subscriptions.bot_events;

  it('every subscribed event is handled, every handled event is subscribed', () => {
    for (const e of subscribed) expect(handled, `manifest event ${e}`).toContain(boltEvent(e));
    for (const e of handled) expect(subscribed.map(boltEvent), `handled event ${e}`).toContain(e);
  });

  it('the slash command and interactivity', () => {
    const commands = manifest.features.slash_commands.map((c) => c.command);
    expect(commands).toEqual(['/infralens']);
    expect(sources).toMatch(/app\.command\(\/\^\\\/infralens\//);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(sources).toMatch(/app\.action\(/);
    // one endpoint for everything, as the receiver serves it
    for (const u of [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c) => c.url),
    ])
      expect(new URL(u).pathname).toBe('/slack/events');
    expect(manifest.features.assistant_view).toBeDefined();
  });

  it('the bot scopes are exactly what the code needs', () => {
    const methods = new Set<string>();
    for (const m of sources.matchAll(/client\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g)) methods.add(m[1]!);
    if (/filesUploadV2\(/.test(sources)) methods.add('filesUploadV2');
    methods.add('auth.test'); // bot/main.ts
    const needed = new Set<string>();
    for (const m of methods) {
      expect(Object.keys(METHOD_SCOPES), `scope of ${m} is known`).toContain(m);
      const s = METHOD_SCOPES[m];
      if (s) needed.add(s);
    }
    for (const e of subscribed) needed.add(EVENT_SCOPES[e]!);
    needed.add('commands');
    // private file downloads (url_private_download with the bot token)
    if (/downloadSlackFile/.test(sources)) needed.add('files:read');
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});
