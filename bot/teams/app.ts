/**
 * The Teams front door: `POST /api/messages`, served with the Microsoft 365 Agents SDK
 * (@microsoft/agents-hosting) on the bot's port, beside Slack's routes or on a plain server of its own
 * (`serveRoutes`). Like the Slack front door it does one thing per activity — turn it into a queued job and
 * answer — and no model, tool or download work runs in a request.
 *
 * Authentication is always on: the SDK's `authorizeJWT` checks the Bot Framework service's RS256 token
 * (signature against the authority's keys, audience = the app id, issuer, expiry) before anything else,
 * and the adapter refuses an activity whose serviceUrl is not the one the token's `serviceurl` claim
 * names, so a stored conversation reference only ever points where the service vouched for.
 *
 * Durability: the request answers only after the job is queued; when Redis cannot take it the answer is a
 * 500 and the service delivers the activity again. A redelivered activity maps to the same job id (the
 * conversation and activity ids) and adds nothing. A request's Redis work is bounded (`inTime`).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Activity, ActivityTypes } from '@microsoft/agents-activity';
import {
  type AuthConfiguration,
  authorizeJWT,
  CloudAdapter,
  ConnectorClient,
  type HeaderPropagationCollection,
  type Request as SdkRequest,
  type TurnContext,
  type UserTokenClient,
  type WebResponse,
} from '@microsoft/agents-hosting';
import { z } from 'zod';
import type { Logger } from '../../jobs/log.ts';
import type { Backbone } from '../../jobs/queue/backbone.ts';
import { jobId, type SendJob, type TurnJob } from '../../jobs/queue/contracts.ts';
import type { Lang } from '../../scoring/report.ts';
import type { TeamsConfig } from '../config.ts';
import { M, type Metrics } from '../metrics.ts';
import { allowed, inTime } from '../rate.ts';
import type { Route } from '../routes.ts';
import { cardAction, textCards } from './cards.ts';
import { parseCommand } from './commands.ts';
import { teamsAttachments } from './download.ts';
import { baseConversationId, ConversationRef, saveRef } from './refs.ts';
import { fileDeclined, filesOnlyInPersonal, rateLimited, teamsHelp, welcome, working } from './texts.ts';
import type { TokenSource } from './token.ts';
import { sendTyping } from './transport.ts';

export interface TeamsFrontDeps {
  teams: TeamsConfig;
  backbone: Backbone;
  /** the bot's connector token (the typing indicator). */
  tokens: TokenSource;
  log: Logger;
  metrics: Metrics;
  rate: { userPerMin: number; channelPerMin: number };
  /** how long conversation references are kept (the conversations' retention). */
  retentionSec: number;
  fetch?: typeof fetch;
}

export const MESSAGES_PATH = '/api/messages';
/** The most an activity may weigh (Teams' own are a few KiB; a message is capped near 28 KB). */
export const MAX_ACTIVITY_BYTES = 1024 * 1024;
/** How long a request may take to deliver its body. */
const BODY_MS = 10_000;
/** Beyond this a body over the cap is not even drained: the connection is dropped. */
const DRAIN_MAX = 16 * 1024 * 1024;
/** What a bare mention or an empty personal message asks for. */
export const OVERVIEW_QUESTION = 'How are my servers?';
/** Longest conversation key kept as written (contracts.ts allows 300; the rest is a hash). */
const MAX_KEY = 290;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** `teams-<id>`, or `teams-<sha256>` for an id too long to be a key. */
const keyOf = (id: string) => {
  const k = `teams-${id}`;
  return k.length <= MAX_KEY ? k : `teams-${sha256(id)}`;
};
/** The conversation of a Teams conversation id (a channel thread is its own conversation). */
export const teamsConversationKey = (conversationId: string) => keyOf(conversationId);
/** The channel a conversation belongs to: a thread's channel, else the conversation itself. */
export const teamsChannelKey = (conversationId: string) => keyOf(baseConversationId(conversationId));
/** The job id of an activity: a redelivery (same conversation and activity) maps to the same job. */
export const activityJobId = (conversationId: string, activityId: string) =>
  jobId('teams', sha256(`${conversationId}|${activityId}`).slice(0, 40));

/** The caller's verified token claims, as the SDK passes them around. */
type Identity = NonNullable<SdkRequest['user']>;

/** An activity the front door cannot take (answered 400; the service does not retry a 4xx). */
class BadActivity extends Error {
  override name = 'BadActivity';
}

// ---------------------------------------------------------------------------------------------
// The SDK: authentication and the adapter
// ---------------------------------------------------------------------------------------------

/**
 * The SDK's authentication settings for the bot's Entra app: one explicit connection (so the SDK's own
 * environment variables, `connections__…`, are not consulted for it), issuer validation on, with the
 * issuers the SDK would default to for the tenant (its getDefaultIssuers, which an explicit list replaces)
 * plus the configured ones. The SDK always adds Microsoft's first-party issuers, e.g. the Bot Framework
 * service's `https://api.botframework.com`, whose keys it fetches from login.botframework.com; other
 * issuers' keys come from `{authority}/{tenant}/discovery/v2.0/keys`.
 */
export function teamsAuthConfig(teams: TeamsConfig): AuthConfiguration {
  const authority = teams.authority.replace(/\/+$/, '');
  const tenantBase = `${authority}/${teams.tenantId}`;
  const issuers = [
    /login\.microsoftonline\.us/i.test(authority)
      ? 'https://api.botframework.us'
      : 'https://api.botframework.com',
    `https://sts.windows.net/${teams.tenantId}/`,
    `${tenantBase}/v2.0`,
    ...teams.issuers,
  ];
  const connection: AuthConfiguration = {
    clientId: teams.appId,
    tenantId: teams.tenantId,
    ...(teams.secret ? { clientSecret: teams.secret } : {}),
    ...(teams.cert ? { certPemFile: teams.cert.certFile, certKeyFile: teams.cert.keyFile } : {}),
    authority,
    authorityEndpoint: authority,
    issuers: [...new Set(issuers)],
    validateIssuer: true,
  };
  return {
    ...connection,
    connections: new Map([['serviceConnection', connection]]),
    connectionsMap: [{ serviceUrl: '*', connection: 'serviceConnection' }],
  };
}

/**
 * The SDK's adapter without its token machinery: the front door sends nothing through the turn context
 * (the only answer is an invoke response, which the adapter returns in the HTTP response), so its
 * connector client carries no token and nothing asks MSAL for one — replies and typing go through
 * bot/teams/connector.ts with the bot's own token (bot/teams/token.ts).
 */
class FrontDoorAdapter extends CloudAdapter {
  protected override async createConnectorClientWithIdentity(
    _identity: Identity,
    activity: Activity,
    headers?: HeaderPropagationCollection,
  ): Promise<ConnectorClient> {
    return ConnectorClient.createClientWithToken(activity.serviceUrl ?? '', '', headers);
  }

  protected override createUserTokenClient(
    _identity: Identity,
    tokenServiceEndpoint?: string,
    scope?: string,
    audience?: string,
    headers?: HeaderPropagationCollection,
  ): Promise<UserTokenClient> {
    // no `aud`: the SDK's anonymous client, which holds no credential and makes no call until used
    return super.createUserTokenClient({}, tokenServiceEndpoint, scope, audience, headers);
  }
}

/** Node's response as the SDK writes it (Express-like: `status().send()` finishes the response). */
class SdkResponse implements WebResponse {
  private code = 200;
  /** what the SDK sent as the body (the JWT check's reason for a 401). */
  sent: unknown;
  constructor(private readonly res: ServerResponse) {}
  get headersSent(): boolean {
    return this.res.headersSent;
  }
  get writableEnded(): boolean {
    return this.res.writableEnded;
  }
  status(code: number): this {
    this.code = code;
    return this;
  }
  setHeader(name: string, value: string): this {
    if (!this.res.headersSent) this.res.setHeader(name, value);
    return this;
  }
  send(body?: unknown): this {
    if (this.res.writableEnded) return this;
    this.sent = body;
    let text = '';
    if (typeof body === 'string') text = body;
    else if (body !== undefined && body !== null) {
      text = JSON.stringify(body);
      if (!this.res.headersSent) this.res.setHeader('Content-Type', 'application/json; charset=utf-8');
    }
    this.res.statusCode = this.code;
    this.res.end(text);
    return this;
  }
  end(): this {
    if (!this.res.writableEnded) {
      this.res.statusCode = this.code;
      this.res.end();
    }
    return this;
  }
}

// ---------------------------------------------------------------------------------------------
// The request: body, authentication, adapter
// ---------------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body, at most `max` bytes and BODY_MS; a longer one is drained (up to DRAIN_MAX) and refused. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const declared = Number(req.headers['content-length'] ?? '0');
    let over = Number.isFinite(declared) && declared > max;
    const done = (e: Error | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve(body!);
    };
    const timer = setTimeout(() => {
      done(new HttpError(over ? 413 : 408, 'the request body did not arrive in time'));
    }, BODY_MS);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      if (over) {
        chunks.length = 0;
        if (size > DRAIN_MAX) done(new HttpError(413, 'the activity is too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over) done(new HttpError(413, 'the activity is too large'));
      else done(null, Buffer.concat(chunks));
    });
    req.on('error', (e) => done(new HttpError(400, `the request failed: ${e.message}`)));
    req.on('close', () => done(new HttpError(400, 'the request was cut short')));
  });
}

function answer(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(`${text}\n`);
}

/** The Teams route(s), in Bolt's `CustomRoute` shape (bot/routes.ts). */
export function teamsRoutes(deps: TeamsFrontDeps): Route[] {
  const { log, metrics } = deps;
  const authConfig = teamsAuthConfig(deps.teams);
  const authorize = authorizeJWT(authConfig);
  const adapter = new FrontDoorAdapter(authConfig, undefined, undefined, {
    validateServiceUrl: true,
    emitStackTrace: false,
  });
  // a failed turn must fail the request (500: the service redelivers), not post an apology through the
  // connector as the SDK's default handler does
  adapter.onTurnError = async (_context, error) => {
    throw error;
  };
  const logic = activityLogic(deps);
  const count = (kind: string, outcome: string) =>
    metrics.inc(M.teamsEvents[0], M.teamsEvents[1], { kind, outcome });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_ACTIVITY_BYTES);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 400;
      count('teams_request', status === 413 ? 'too_large' : 'unreadable');
      answer(res, status, (e as Error).message, true);
      if (status === 413 || status === 408) res.once('finish', () => req.destroy());
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = null;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      count('teams_request', 'invalid');
      return answer(res, 400, 'the body is not an activity');
    }
    const sreq: SdkRequest = {
      body: body as Record<string, unknown>,
      headers: req.headers as SdkRequest['headers'],
      method: req.method ?? 'POST',
    };
    const sres = new SdkResponse(res);
    let authorized = false;
    await authorize(sreq, sres, () => {
      authorized = true;
    });
    if (!authorized) {
      // the SDK answered (401, or 405) with its reason: "jwt expired", "invalid signature", …
      count('teams_request', 'unauthorized');
      const why = obj(sres.sent)['jwt-auth-error'];
      log.info('teams: request refused', {
        status: res.statusCode,
        reason: typeof why === 'string' ? oneLine(why, 200) : 'unknown',
      });
      if (!res.writableEnded) answer(res, 401, 'unauthorized');
      return;
    }
    let reached = false;
    try {
      await adapter.process(sreq, sres, async (context) => {
        reached = true;
        await logic(context);
      });
      if (!reached && res.statusCode === 400) count('teams_request', 'invalid');
    } catch (e) {
      const bad = e instanceof BadActivity || !reached;
      count('teams_request', bad ? 'invalid' : 'failed');
      if (bad) log.info('teams: activity refused', { error: safeError(e) });
      else log.error('teams: activity not queued', { error: safeError(e) });
      answer(res, bad ? 400 : 500, bad ? 'invalid activity' : 'not queued, try again');
    }
  };

  return [
    {
      path: MESSAGES_PATH,
      method: ['POST'],
      handler: (req, res) => {
        void handle(req, res).catch((e: unknown) => {
          log.error('teams: request failed', { error: safeError(e) });
          answer(res, 500, 'internal error');
        });
      },
    },
  ];
}

/** An error for the log: its name and message, no stack, no request data. */
function safeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 300);
  return String(e).slice(0, 300);
}

// ---------------------------------------------------------------------------------------------
// The logic: one activity → a job
// ---------------------------------------------------------------------------------------------

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v !== '' && v.length <= max ? v : undefined;
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const oneLine = (s: string, max: number) => s.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim().slice(0, max);

/** The answer's language from the words, else from the client's locale (`ko-KR`). */
function langOf(text: string, locale: string | undefined): Lang {
  if (/[\uac00-\ud7a3\u3131-\u318e]/.test(text)) return 'ko';
  return /^ko\b/i.test(locale ?? '') ? 'ko' : 'en';
}

/**
 * The question of a message: its text without the mentions of the bot (the `<at>…</at>` text of the
 * mention entities that name the recipient), other mentions kept as their names, control characters and
 * runs of spaces flattened.
 */
export function questionText(activity: {
  text?: string | undefined;
  entities?: unknown;
  recipient?: { id?: string | undefined } | undefined;
}): string {
  let t = (activity.text ?? '').slice(0, 40_000);
  const me = activity.recipient?.id;
  if (me && Array.isArray(activity.entities)) {
    for (const e of activity.entities.slice(0, 50)) {
      const m = obj(e);
      if (String(m.type).toLowerCase() !== 'mention' || obj(m.mentioned).id !== me) continue;
      const said = str(m.text, 1000);
      if (said) t = t.split(said).join(' ');
    }
  }
  // other mentions: their names, without Teams' tags
  t = t.replace(/<at\b[^>]*>([\s\S]*?)<\/at>/gi, '$1').replace(/&nbsp;/gi, ' ');
  return t.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

type ConversationType = ConversationRef['conversationType'];

/** The conversation reference of an activity; null when it lacks what a reply needs. */
function referenceOf(a: Activity, conversationType: ConversationType): ConversationRef | null {
  const data = obj(a.channelData);
  const tenant = str(a.conversation?.tenantId, 100) ?? str(obj(data.tenant).id, 100) ?? null;
  const parsed = ConversationRef.safeParse({
    serviceUrl: a.serviceUrl,
    conversationId: a.conversation?.id,
    conversationType,
    tenantId: tenant,
    bot: {
      id: a.recipient?.id,
      ...(a.recipient?.name ? { name: oneLine(a.recipient.name, 200) } : {}),
    },
    teamId: str(obj(data.team).id, 200) ?? null,
    at: Date.now(),
  });
  return parsed.success ? parsed.data : null;
}

function conversationTypeOf(a: Activity): ConversationType {
  const t = a.conversation?.conversationType;
  if (t === 'personal' || t === 'channel' || t === 'groupChat') return t;
  return a.conversation?.isGroup ? 'groupChat' : 'personal';
}

/** The value of a consent card's answer (`fileConsent/invoke`), as bot/teams/transport.ts sends the card. */
const ConsentContext = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  filename: z.string().min(1).max(255),
  /** the language the card was written in (the note after the upload speaks it too). */
  lang: z.enum(['en', 'ko']).optional(),
});
const ConsentValue = z.discriminatedUnion('action', [
  z.object({
    type: z.literal('fileUpload'),
    action: z.literal('accept'),
    context: ConsentContext,
    uploadInfo: z.object({
      name: z.string().min(1).max(255),
      uploadUrl: z.string().url().max(4000),
      contentUrl: z.string().url().max(4000),
      uniqueId: z.string().max(200),
      fileType: z.string().max(20),
    }),
  }),
  z.object({ type: z.literal('fileUpload'), action: z.literal('decline'), context: ConsentContext }),
]);

function activityLogic(deps: TeamsFrontDeps): (context: TurnContext) => Promise<void> {
  const { backbone, log, metrics } = deps;
  const count = (kind: string, outcome: string) =>
    metrics.inc(M.teamsEvents[0], M.teamsEvents[1], { kind, outcome });

  const enqueueTurn = async (data: TurnJob, id: string, kind: string): Promise<boolean> => {
    const r = await inTime(backbone.enqueueTurn(data, id));
    count(kind, r.added ? 'queued' : 'duplicate');
    if (!r.added) log.info('teams: duplicate delivery ignored', { job: id });
    return r.added;
  };
  const enqueueSend = async (data: SendJob, id: string, kind: string, outcome: string) => {
    const r = await inTime(backbone.enqueueSend(data, id));
    count(kind, r.added ? outcome : 'duplicate');
    return r.added;
  };
  // fixed texts as cards too: lists and code render there as they do in answers
  const textMessage = (text: string): SendJob['messages'][number] => textCards(text)[0]!;

  /** The typing indicator once the job is queued: a courtesy, its failure only logged. */
  const showTyping = (ref: ConversationRef, receivedAt: number, job: string) => {
    void sendTyping(ref, deps.tokens, deps.fetch)
      .then(() =>
        metrics.observe(M.firstReplySeconds[0], M.firstReplySeconds[1], (Date.now() - receivedAt) / 1000),
      )
      .catch((e: unknown) => log.warn('teams: typing not shown', { job, error: safeError(e) }));
  };

  /** A question (typed, a command, a card's button): rate-limited, then one turn job. */
  const question = async (
    a: Activity,
    ref: ConversationRef,
    q: {
      text: string;
      intent: TurnJob['intent'];
      host?: string;
      lang?: Lang;
      files?: TurnJob['files'];
      ignored?: string[];
    },
    kind: string,
  ) => {
    const conversation = ref.conversationId;
    const activityId = str(a.id, 200) ?? sha256(JSON.stringify(a.timestamp ?? Date.now())).slice(0, 32);
    const user = str(a.from?.aadObjectId, 100) ?? str(a.from?.id, 400) ?? 'unknown';
    const lang = q.lang ?? langOf(q.text, a.locale);
    if (!(await allowed(deps, user, teamsChannelKey(conversation)))) {
      metrics.inc(M.rateLimited[0], M.rateLimited[1]);
      count(kind, 'rate_limited');
      // one notice per user per minute: the notice's job id says which
      const minute = Math.floor(Date.now() / 60_000);
      await enqueueSend(
        {
          to: { surface: 'teams', channel: conversation, thread: activityId },
          messages: [textMessage(rateLimited(lang))],
          done: 0,
        },
        jobId('teams', 'rl', sha256(user).slice(0, 24), minute),
        kind,
        'rate_notice',
      );
      return;
    }
    const id = activityJobId(conversation, activityId);
    const name = a.from?.name ? oneLine(a.from.name, 200) : '';
    const data: TurnJob = {
      conversationId: teamsConversationKey(conversation),
      channelKey: teamsChannelKey(conversation),
      text: q.text,
      user: { id: user.slice(0, 100), ...(name ? { name } : {}) },
      files: q.files ?? [],
      ignored: q.ignored ?? [],
      addressed: true,
      intent: q.intent,
      ...(q.lang ? { lang: q.lang } : {}),
      ...(q.host ? { host: q.host } : {}),
      to: { surface: 'teams', channel: conversation, thread: activityId },
      receivedAt: Date.now(),
    };
    if (await enqueueTurn(data, id, kind)) showTyping(ref, data.receivedAt, id);
  };

  const onMessage = async (a: Activity, ref: ConversationRef) => {
    // the bot's own messages (and other bots') are not questions
    if (a.from?.id === a.recipient?.id || a.from?.role === 'bot') return count('teams_message', 'ignored');
    const activityId = str(a.id, 200);
    if (!activityId) throw new BadActivity('a message without an id');
    const conversation = ref.conversationId;
    const to = { surface: 'teams' as const, channel: conversation, thread: activityId };
    const key = activityJobId(conversation, activityId);
    // a card's Action.Submit: the card's value, no words
    const value = obj(a.value);
    if ('infralens' in value) {
      const action = cardAction(value);
      if (!action) return count('teams_message', 'ignored');
      return question(
        a,
        ref,
        {
          text: '',
          intent: action.intent,
          ...(action.host ? { host: action.host } : {}),
          lang: langOf('', a.locale),
        },
        'teams_card',
      );
    }
    let text = questionText(a);
    const lang = langOf(text, a.locale);
    let { read, ignored } = teamsAttachments(a.attachments);
    if (ref.conversationType !== 'personal' && read.length + ignored.length > 0) {
      // bots read files only in personal chats: say so; a question with the files still runs
      await enqueueSend(
        { to, messages: [textMessage(filesOnlyInPersonal(lang))], done: 0 },
        jobId('teams', 'files', key),
        'teams_message',
        'files_note',
      );
      read = [];
      ignored = [];
      if (text === '') return;
    }
    const command = read.length === 0 ? parseCommand(text) : null;
    if (command?.intent === 'help') {
      await enqueueSend(
        { to, messages: [textMessage(teamsHelp(lang))], done: 0 },
        jobId('teams', 'help', key),
        'teams_message',
        'help',
      );
      return;
    }
    if (command) {
      return question(
        a,
        ref,
        { text: '', intent: command.intent, ...(command.host ? { host: command.host } : {}), lang },
        'teams_command',
      );
    }
    // nothing said and nothing shared: the overview, as a bare mention asks for in Slack
    if (text === '' && read.length === 0 && ignored.length === 0) {
      text = OVERVIEW_QUESTION;
      return question(a, ref, { text, intent: 'hosts', lang }, 'teams_message');
    }
    return question(a, ref, { text, intent: 'ask', files: read, ignored }, 'teams_message');
  };

  const onInvoke = async (context: TurnContext, a: Activity, ref: ConversationRef) => {
    const respond = (status: number, body?: unknown) =>
      context.sendActivity(
        Activity.fromObject({
          type: ActivityTypes.InvokeResponse,
          value: { status, ...(body ? { body } : {}) },
        }),
      );
    const activityId = str(a.id, 200) ?? sha256(JSON.stringify(a.value ?? null)).slice(0, 32);
    const conversation = ref.conversationId;
    if (a.name === 'fileConsent/invoke') {
      const v = ConsentValue.safeParse(a.value);
      if (!v.success) {
        count('teams_invoke', 'invalid');
        await respond(400);
        return;
      }
      const lang = v.data.context.lang ?? langOf('', a.locale);
      const to = { surface: 'teams' as const, channel: conversation, thread: null };
      const id = jobId('teams', 'consent', activityJobId(conversation, activityId));
      if (v.data.action === 'accept') {
        const u = v.data.uploadInfo;
        await enqueueSend(
          {
            to,
            messages: [
              {
                kind: 'upload',
                filename: u.name,
                sha256: v.data.context.sha256,
                uploadUrl: u.uploadUrl,
                contentUrl: u.contentUrl,
                uniqueId: u.uniqueId,
                fileType: u.fileType,
                lang,
              },
            ],
            done: 0,
          },
          id,
          'teams_invoke',
          'consent_accept',
        );
      } else {
        await enqueueSend(
          { to, messages: [textMessage(fileDeclined(lang, v.data.context.filename))], done: 0 },
          id,
          'teams_invoke',
          'consent_decline',
        );
      }
      await respond(200);
      return;
    }
    if (a.name === 'adaptiveCard/action') {
      // Action.Execute: the same as a submitted card, answered with a short message in place
      const data = obj(obj(obj(a.value).action).data);
      const action = 'infralens' in data ? cardAction(data) : null;
      if (!action) {
        count('teams_invoke', 'invalid');
        await respond(400);
        return;
      }
      const lang = langOf('', a.locale);
      await question(
        a,
        ref,
        { text: '', intent: action.intent, ...(action.host ? { host: action.host } : {}), lang },
        'teams_card',
      );
      await respond(200, {
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: working(lang),
      });
      return;
    }
    // other invokes (task modules, search, sign-in) are not offered: the SDK answers 501
    count('teams_invoke', 'unsupported');
  };

  /** The bot was added (to a personal chat, a team, a group chat): in a personal chat, a welcome. */
  const onAdded = async (a: Activity, ref: ConversationRef) => {
    if (ref.conversationType !== 'personal') return count('teams_install', 'saved');
    const lang = langOf('', a.locale);
    // Teams announces an install twice (conversationUpdate and installationUpdate): one welcome
    await enqueueSend(
      {
        to: { surface: 'teams', channel: ref.conversationId, thread: null },
        messages: [textMessage(welcome(lang))],
        done: 0,
      },
      jobId('teams', 'welcome', sha256(ref.conversationId).slice(0, 40)),
      'teams_install',
      'welcome',
    );
  };

  return async (context: TurnContext) => {
    const a = context.activity;
    const conversationType = conversationTypeOf(a);
    const ref = referenceOf(a, conversationType);
    if (!ref) throw new BadActivity('the activity lacks a service URL, conversation or recipient');
    // every authenticated activity refreshes the reference (replies, daily posts and alerts use it)
    await inTime(saveRef(backbone.kv, ref, deps.retentionSec));
    switch (a.type) {
      case ActivityTypes.Message:
        return onMessage(a, ref);
      case ActivityTypes.Invoke:
        return onInvoke(context, a, ref);
      case ActivityTypes.ConversationUpdate: {
        const me = a.recipient?.id;
        const added = Array.isArray(a.membersAdded) && a.membersAdded.some((m) => m?.id === me);
        return added ? onAdded(a, ref) : count('teams_update', 'saved');
      }
      case ActivityTypes.InstallationUpdate:
        return String(a.action ?? '') === 'add' ? onAdded(a, ref) : count('teams_update', 'saved');
      default:
        // typing, reactions, edits and the rest: acknowledged, nothing to do
        count('teams_other', 'ignored');
    }
  };
}

// ---------------------------------------------------------------------------------------------
// A plain server for the routes (Teams without Slack)
// ---------------------------------------------------------------------------------------------

/** Split a route's path into segments; `:name` segments match anything and are kept as params. */
function matchPath(pattern: string[], path: string): Record<string, string> | null {
  const parts = path.split('/');
  if (parts.length !== pattern.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      if (v === '') return null;
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return null;
      }
    } else if (p !== v) return null;
  }
  return params;
}

/**
 * Serve routes on a node:http server (what a Teams-only deployment listens with; with Slack, Bolt's
 * receiver serves the same routes): by method and path, `:name` segments in `req.params`, 404 otherwise.
 */
export function serveRoutes(
  routes: readonly Route[],
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const table = routes.map((r) => ({
    route: r,
    pattern: r.path.split('/'),
    methods: r.method.map((m) => m.toUpperCase()),
  }));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = (req.method ?? 'GET').toUpperCase();
    for (const t of table) {
      if (!t.methods.includes(method)) continue;
      const params = matchPath(t.pattern, path);
      if (!params) continue;
      (req as IncomingMessage & { params?: Record<string, string> }).params = params;
      try {
        t.route.handler(req, res);
      } catch {
        answer(res, 500, 'internal error');
      }
      return;
    }
    req.resume();
    answer(res, 404, 'not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
