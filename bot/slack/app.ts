/**
 * The Slack front door: Bolt's own receivers (HTTP with signature verification on `POST /slack/events`,
 * or Socket Mode with an app-level token), the health routes, and listeners that do one thing — turn what
 * Slack delivered into a turn job and acknowledge. No model, tool or download work runs in a request.
 *
 * Durability: the HTTP receiver answers only after the listener has queued the job
 * (`processBeforeResponse`), so when Redis cannot take it Slack gets a 500 and delivers the event again;
 * a retry or a duplicate event maps to the same job id and adds nothing. Redis commands wait through a
 * reconnect, so a request's Redis work is bounded (`inTime`): a Redis that is down fails the request
 * instead of leaving it hanging.
 */
import type { Server } from 'node:http';
import {
  App,
  type CustomRoute,
  HTTPReceiver,
  type Receiver,
  type SlackCommandMiddlewareArgs,
  SocketModeReceiver,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../jobs/log.ts';
import type { Backbone } from '../../jobs/queue/backbone.ts';
import { jobId, type RemoteFile, type TurnJob } from '../../jobs/queue/contracts.ts';
import type { Lang } from '../../scoring/report.ts';
import { languageOf } from '../agent/lang.ts';
import type { SlackConfig } from '../config.ts';
import { M, type Metrics } from '../metrics.ts';
import { allowed, inTime } from '../rate.ts';
import { healthRoutes, type Route } from '../routes.ts';
import { ACTIONS } from './blocks.ts';
import { isCandidateFile } from './download.ts';
import {
  helpText,
  loadingMessages,
  placeholder,
  rateLimited,
  statusText,
  suggestedPrompts,
} from './texts.ts';

export { REQUEST_REDIS_MS } from '../rate.ts';

export interface SlackAppDeps {
  slack: SlackConfig;
  port: number;
  backbone: Backbone;
  /** the Web API client (its base URL from SLACK_API_URL). */
  client: WebClient;
  log: Logger;
  metrics: Metrics;
  rate: { userPerMin: number; channelPerMin: number };
  retentionSec: number;
  /** the bot's own user id once auth.test answered (mentions of it are stripped from questions). */
  identity: () => { userId: string | null; botId: string | null };
  /** `GET /readyz`: null when ready, else why not (when `routes` is not given). */
  notReady?: () => Promise<string | null>;
  /** every route besides Slack's own (bot/main.ts: health, metrics, Teams, report links). */
  routes?: Route[];
}

export interface SlackFrontDoor {
  app: App;
  /** the port the HTTP server listens on (HTTP mode, or Socket Mode's health server). */
  port: number;
  stop(): Promise<void>;
}

type SlackFile = {
  id?: string;
  name?: string;
  title?: string;
  size?: number;
  mimetype?: string;
  filetype?: string;
  url_private?: string;
  url_private_download?: string;
  mode?: string;
};

/** The conversation of a Slack thread: one per (team, channel, thread parent). */
export const conversationKey = (team: string, channel: string, thread: string) =>
  `slack-${team}-${channel}-${thread}`;
export const channelKeyOf = (team: string, channel: string) => `slack-${team}-${channel}`;
const assistantKey = (channel: string, thread: string) => `assistant-${channel}-${thread}`;
/** Set by the turn worker once the bot has answered in a thread: later messages there are for it. */
export const activeKey = (conversation: string) => `active-${conversation}`;
/** Where the front door records the placeholder of a turn job (see Destination.progressKey). */
export const progressKey = (job: string) => `progress-${job}`;
export const PROGRESS_TTL_SEC = 2 * 86_400;

/** Split a message's files into the ones to read and the names of the others. */
export function splitFiles(files: readonly SlackFile[] | undefined): {
  read: RemoteFile[];
  ignored: string[];
} {
  const read: RemoteFile[] = [];
  const ignored: string[] = [];
  for (const f of files ?? []) {
    const name = (f.name || f.title || f.id || 'file').slice(0, 255);
    const url = f.url_private_download ?? f.url_private;
    // external or tombstoned files have no bytes to fetch
    if (!f.id || !url || f.mode === 'external' || f.mode === 'tombstone') {
      ignored.push(name);
      continue;
    }
    const candidate = {
      name,
      size: f.size ?? 0,
      ...(f.mimetype ? { mimetype: f.mimetype } : {}),
      ...(f.filetype ? { filetype: f.filetype } : {}),
    };
    if (!isCandidateFile(candidate)) {
      ignored.push(name);
      continue;
    }
    read.push({ id: f.id, name, size: f.size ?? 0, url, ...(f.mimetype ? { mimetype: f.mimetype } : {}) });
  }
  return { read: read.slice(0, 20), ignored: ignored.slice(0, 50) };
}

/** The question without mentions of the bot (`<@U123>`), other mentions kept as written. */
export function questionText(text: string | undefined, botUserId: string | null): string {
  let t = (text ?? '').slice(0, 40_000);
  if (botUserId) t = t.split(`<@${botUserId}>`).join(' ');
  else t = t.replace(/^\s*<@[UW][A-Z0-9]+>/, ' ');
  return t.replace(/\s+/g, ' ').trim();
}

const SLASH = /^\s*(help|hosts|score|report|ask)\b\s*(.*)$/is;
const PUBLIC_FLAG = /(?:^|\s)(?:--public|--channel|public)\s*$/i;

/** Parse `/infralens …`: the subcommand, its argument, and whether the answer is for the whole channel. */
export function parseSlash(text: string): {
  sub: 'help' | 'hosts' | 'score' | 'report' | 'ask';
  arg: string;
  inChannel: boolean;
} {
  let t = text.trim();
  const inChannel = PUBLIC_FLAG.test(t);
  if (inChannel) t = t.replace(PUBLIC_FLAG, '').trim();
  const m = SLASH.exec(t);
  if (!m) return { sub: t === '' ? 'help' : 'ask', arg: t, inChannel };
  return { sub: m[1]!.toLowerCase() as 'help', arg: m[2]!.trim(), inChannel };
}

export async function startSlackApp(deps: SlackAppDeps): Promise<SlackFrontDoor> {
  const { log, metrics } = deps;
  // the bot's other routes (health, metrics, Teams, report links) on Slack's port; without them, health
  const routes = (deps.routes ??
    healthRoutes({ metrics, notReady: deps.notReady ?? (async () => null) })) as CustomRoute[];
  const boltLogger = {
    debug: (...m: unknown[]) => log.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => log.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => log.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => log.error(m.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => 'info' as never,
    setName: () => {},
  };
  const clientOptions = deps.slack.apiUrl ? { slackApiUrl: deps.slack.apiUrl } : {};
  let receiver: Receiver;
  let socket: SocketModeReceiver | null = null;
  if (deps.slack.appToken) {
    socket = new SocketModeReceiver({
      appToken: deps.slack.appToken,
      logger: boltLogger,
      customRoutes: routes,
      installerOptions: { port: deps.port, clientOptions },
    });
    receiver = socket;
  } else {
    receiver = new HTTPReceiver({
      signingSecret: deps.slack.signingSecret ?? '',
      endpoints: '/slack/events',
      customRoutes: routes,
      processBeforeResponse: true,
      logger: boltLogger,
    });
  }
  const app = new App({
    // one workspace, one token: authorised from what auth.test told bot/main.ts, with no call per event
    // (Bolt's single-token mode without ids calls auth.test for every request it receives)
    authorize: async () => {
      const id = deps.identity();
      return {
        botToken: deps.slack.botToken,
        ...(id.botId ? { botId: id.botId } : {}),
        ...(id.userId ? { botUserId: id.userId } : {}),
      };
    },
    receiver,
    logger: boltLogger,
    clientOptions: { ...clientOptions, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true },
    ignoreSelf: false,
  });
  registerListeners(app, deps);
  const started = (await app.start(deps.port)) as unknown;
  let port = deps.port;
  const server = (socket ? (socket as unknown as { httpServer?: Server }).httpServer : started) as
    | Server
    | undefined;
  const addr = server?.address?.();
  if (addr && typeof addr === 'object') port = addr.port;
  if (socket && server && !server.listening)
    await new Promise<void>((r) => server.once('listening', () => r()));
  const a2 = server?.address?.();
  if (a2 && typeof a2 === 'object') port = a2.port;
  log.info('slack: listening', { mode: socket ? 'socket' : 'http', port });
  return {
    app,
    port,
    stop: async () => {
      await app.stop().catch(() => {});
      if (socket && server?.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function registerListeners(app: App, deps: SlackAppDeps): void {
  const { backbone, log, metrics } = deps;

  const enqueue = async (data: TurnJob, id: string, kind: string) => {
    const r = await inTime(backbone.enqueueTurn(data, id));
    metrics.inc(M.events[0], M.events[1], { kind, outcome: r.added ? 'queued' : 'duplicate' });
    if (!r.added) log.info('slack: duplicate delivery ignored', { job: id });
    return r.added;
  };

  /**
   * Progress within a second, whatever the queue holds: once the job is queued (not awaited by the
   * request), the assistant's status or a placeholder in the thread. The placeholder is recorded under
   * the job's progress key; if the answer got there first (it marked the key answered), the late
   * placeholder is deleted.
   */
  const showProgress = (client: WebClient, data: TurnJob, id: string, lang: Lang | null) => {
    const to = data.to;
    const t0 = data.receivedAt;
    const seen = () =>
      metrics.observe(M.firstReplySeconds[0], M.firstReplySeconds[1], (Date.now() - t0) / 1000);
    const text = lang ? placeholder(lang) : `${placeholder('en')} / ${placeholder('ko')}`;
    const work = async () => {
      if (to.assistant && to.thread) {
        await client.assistant.threads.setStatus({
          channel_id: to.channel,
          thread_ts: to.thread,
          status: statusText(lang ?? 'en'),
          loading_messages: loadingMessages(lang ?? 'en'),
        });
        seen();
        return;
      }
      const r = await client.chat.postMessage({
        channel: to.channel,
        ...(to.thread ? { thread_ts: to.thread } : {}),
        text,
        unfurl_links: false,
        unfurl_media: false,
      });
      if (typeof r.ts !== 'string') return;
      seen();
      const prior = await backbone.kv.claim(progressKey(id), r.ts, PROGRESS_TTL_SEC);
      if (prior !== null) await client.chat.delete({ channel: to.channel, ts: r.ts });
    };
    void work().catch((e: unknown) => {
      // progress is a courtesy: the answer still comes, as a new message
      const code = (e as { data?: { error?: string } }).data?.error ?? (e as Error).message;
      metrics.inc(M.slackErrors[0], M.slackErrors[1], {
        method: 'progress',
        error: String(code).slice(0, 60),
      });
      log.warn('slack: progress not shown', { job: id, error: String(code) });
    });
  };

  const refuse = async (client: WebClient, channel: string, user: string, thread: string, lang: Lang) => {
    metrics.inc(M.rateLimited[0], M.rateLimited[1]);
    // one notice per user per minute, only they see it
    const minute = Math.floor(Date.now() / 60_000);
    if (!(await inTime(backbone.kv.once(`rl-notice-${user}-${minute}`, 120)))) return;
    await client.chat
      .postEphemeral({ channel, user, thread_ts: thread, text: rateLimited(lang) })
      .catch((e: unknown) => log.warn('slack: rate-limit notice failed', { error: String(e) }));
  };

  interface Incoming {
    team: string;
    channel: string;
    user: string;
    text: string;
    ts: string;
    thread: string | null;
    files?: SlackFile[] | undefined;
    eventId: string;
    addressed: boolean;
    assistant: boolean;
  }

  const question = async (q: Incoming, client: WebClient, kind: string) => {
    const root = q.thread ?? q.ts;
    const { read, ignored } = splitFiles(q.files);
    let text = questionText(q.text, deps.identity().userId);
    // an upload in a channel that the bot was not asked about: only files it can read get an answer
    if (!q.addressed && read.length === 0) return;
    // a bare mention ("@infralens") asks for the overview
    if (q.addressed && text === '' && read.length === 0 && ignored.length === 0) {
      if (kind !== 'app_mention') return;
      text = 'How are my servers?';
    }
    if (!(await allowed(deps, q.user, q.channel))) {
      await refuse(client, q.channel, q.user, root, languageOf(text));
      return;
    }
    const id = jobId('slack', 'ev', q.eventId);
    const data: TurnJob = {
      conversationId: conversationKey(q.team, q.channel, root),
      channelKey: channelKeyOf(q.team, q.channel),
      text,
      user: { id: q.user },
      files: read,
      ignored,
      addressed: q.addressed,
      intent: 'ask',
      to: {
        surface: 'slack',
        channel: q.channel,
        thread: root,
        progressKey: progressKey(id),
        ...(q.assistant ? { assistant: true } : {}),
      },
      receivedAt: Date.now(),
    };
    // an upload nobody asked about gets no placeholder: it may hold nothing readable
    if ((await enqueue(data, id, kind)) && q.addressed)
      showProgress(client, data, id, text ? languageOf(text) : null);
  };

  app.event('app_mention', async ({ event, body, client }) => {
    const e = event as unknown as Record<string, unknown>;
    if (e.bot_id || e.subtype === 'bot_message') return;
    await question(
      {
        team: String((body as { team_id?: string }).team_id ?? e.team ?? 'T'),
        channel: String(e.channel),
        user: String(e.user ?? ''),
        text: String(e.text ?? ''),
        ts: String(e.ts),
        thread: typeof e.thread_ts === 'string' ? e.thread_ts : null,
        files: e.files as SlackFile[] | undefined,
        eventId: String((body as { event_id?: string }).event_id ?? e.event_ts ?? e.ts),
        addressed: true,
        assistant: false,
      },
      client,
      'app_mention',
    );
  });

  app.event('message', async ({ event, body, client }) => {
    const e = event as unknown as Record<string, unknown>;
    // only people's messages and their file shares; edits, deletions, joins and bots (us) are not questions
    if (e.subtype !== undefined && e.subtype !== 'file_share' && e.subtype !== 'thread_broadcast') return;
    if (e.bot_id || !e.user) return;
    const me = deps.identity().userId;
    if (me && e.user === me) return;
    const channelType = String(e.channel_type ?? '');
    const text = String(e.text ?? '');
    const isDm = channelType === 'im';
    // a mention in a channel also arrives as app_mention: answer it once, there
    if (!isDm && me && text.includes(`<@${me}>`)) return;
    const channel = String(e.channel);
    const thread = typeof e.thread_ts === 'string' ? e.thread_ts : null;
    const team = String((body as { team_id?: string }).team_id ?? e.team ?? 'T');
    const hasFiles = Array.isArray(e.files) && e.files.length > 0;
    // in a channel: a file share, or a follow-up in a thread the bot has answered (the thread is the
    // conversation, no new mention needed); other channel chatter is not for the bot
    const followUp =
      !isDm &&
      thread !== null &&
      text.trim() !== '' &&
      (await inTime(backbone.kv.getJson(activeKey(conversationKey(team, channel, thread))))) !== null;
    if (!isDm && !hasFiles && !followUp) return;
    const assistant =
      isDm && thread !== null && (await inTime(backbone.kv.getJson(assistantKey(channel, thread)))) !== null;
    await question(
      {
        team,
        channel,
        user: String(e.user),
        text: isDm || followUp ? text : '',
        ts: String(e.ts),
        thread,
        files: e.files as SlackFile[] | undefined,
        eventId: String((body as { event_id?: string }).event_id ?? e.ts),
        addressed: isDm || followUp,
        assistant,
      },
      client,
      isDm ? 'dm' : followUp ? 'follow_up' : 'file_share',
    );
  });

  app.event('assistant_thread_started', async ({ event, client }) => {
    const t = (event as unknown as { assistant_thread?: { channel_id?: string; thread_ts?: string } })
      .assistant_thread;
    if (!t?.channel_id || !t.thread_ts) return;
    await inTime(
      backbone.kv.setJson(assistantKey(t.channel_id, t.thread_ts), { at: Date.now() }, deps.retentionSec),
    );
    metrics.inc(M.events[0], M.events[1], { kind: 'assistant_thread_started', outcome: 'ok' });
    await client.assistant.threads
      .setSuggestedPrompts({ channel_id: t.channel_id, thread_ts: t.thread_ts, prompts: suggestedPrompts() })
      .catch((e: unknown) => log.warn('slack: suggested prompts failed', { error: String(e) }));
  });
  app.event('assistant_thread_context_changed', async () => {
    // the context (the channel the user is looking at) is not used: hosts come from the thread's inputs
  });

  app.command(/^\/infralens/, async (args: SlackCommandMiddlewareArgs) => {
    const { command, ack } = args;
    const { sub, arg, inChannel } = parseSlash(command.text ?? '');
    const lang = languageOf(arg || command.text || '');
    if (sub === 'help' || (sub === 'ask' && arg === '')) {
      await ack({ response_type: 'ephemeral', text: helpText(lang) });
      metrics.inc(M.events[0], M.events[1], { kind: 'slash', outcome: 'help' });
      return;
    }
    if (!(await allowed(deps, command.user_id, command.channel_id))) {
      await ack({ response_type: 'ephemeral', text: rateLimited(lang) });
      metrics.inc(M.rateLimited[0], M.rateLimited[1]);
      return;
    }
    const team = command.team_id;
    const data: TurnJob = {
      // a user's commands in a channel are one conversation (follow-ups with `ask` keep the history)
      conversationId: conversationKey(team, command.channel_id, `cmd-${command.user_id}`),
      channelKey: channelKeyOf(team, command.channel_id),
      text: sub === 'ask' ? arg : '',
      user: { id: command.user_id },
      files: [],
      ignored: [],
      addressed: true,
      intent: sub,
      // `/infralens score` has no words to judge: the command's language (English unless the argument is Korean)
      ...(sub !== 'ask' ? { lang } : {}),
      ...(sub !== 'ask' && sub !== 'hosts' && arg ? { host: arg.split(/\s+/)[0]!.slice(0, 200) } : {}),
      to: {
        surface: 'slack',
        channel: command.channel_id,
        thread: null,
        responseUrl: command.response_url,
        ephemeral: !inChannel,
      },
      receivedAt: Date.now(),
    };
    // the id Slack gives a command invocation (trigger_id) makes a resent command one job
    await enqueue(
      data,
      jobId('slack', 'cmd', command.trigger_id || `${command.user_id}-${Date.now()}`),
      'slash',
    );
    await ack({ response_type: inChannel ? 'in_channel' : 'ephemeral', text: placeholder(lang) });
  });

  app.action(new RegExp(`^(${Object.values(ACTIONS).join('|')})$`), async ({ action, body, ack, client }) => {
    await ack();
    const a = action as { action_id: string; value?: string; action_ts?: string };
    const b = body as unknown as {
      team?: { id?: string };
      user?: { id?: string };
      channel?: { id?: string };
      message?: { ts?: string; thread_ts?: string };
      container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
      trigger_id?: string;
    };
    const channel = b.channel?.id ?? b.container?.channel_id;
    const msgTs = b.message?.ts ?? b.container?.message_ts;
    if (!channel || !msgTs || !b.user?.id) return;
    const root = b.message?.thread_ts ?? b.container?.thread_ts ?? msgTs;
    const team = b.team?.id ?? 'T';
    const id = jobId('slack', 'act', b.trigger_id ?? `${a.action_ts}-${b.user.id}`);
    const intent = (Object.entries(ACTIONS).find(([, v]) => v === a.action_id)?.[0] ??
      'ask') as TurnJob['intent'];
    if (!(await allowed(deps, b.user.id, channel))) {
      await refuse(client, channel, b.user.id, root, 'en');
      return;
    }
    const data: TurnJob = {
      conversationId: conversationKey(team, channel, root),
      channelKey: channelKeyOf(team, channel),
      text: '',
      user: { id: b.user.id },
      files: [],
      ignored: [],
      addressed: true,
      intent,
      ...(a.value ? { host: a.value.slice(0, 200) } : {}),
      to: { surface: 'slack', channel, thread: root, progressKey: progressKey(id) },
      receivedAt: Date.now(),
    };
    if (await enqueue(data, id, 'action')) showProgress(client, data, id, null);
  });

  app.error(async (e) => {
    log.error('slack: listener failed', { error: String((e as Error).message ?? e) });
    // rethrown: the HTTP receiver answers 500 and Slack delivers the event again
    throw e;
  });
}
