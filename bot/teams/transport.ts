/**
 * Delivering one message of a reply to Teams, for the send queue (jobs/queue/outbox.ts paces it per
 * conversation and resumes a retried job after the messages already delivered). Every post goes through
 * the connector (bot/teams/connector.ts) to the service URL of the conversation's stored reference
 * (bot/teams/refs.ts): without one the bot cannot reach the conversation at all.
 *
 * - a message: its text (markdown) and its Adaptive Card, in the conversation and reply chain;
 * - a PDF (`file`): in a personal chat, a file-consent card (bots may upload there once the user
 *   accepts; the bytes stay in the blob store until then); in a channel or group chat, where bots cannot
 *   upload, a message with a signed, expiring link (bot/reports.ts), or, with no public URL configured,
 *   one saying to ask in a personal chat;
 * - an accepted consent (`upload`): the bytes PUT to the upload session Teams opened, then the file-info
 *   card. The PUT is recorded before the card is posted, so a retry after a failed post does not upload
 *   the file a second time.
 *
 * Errors are sorted for the queue like the connector sorts them: 429 waits its Retry-After; a 401 drops
 * the token and tries once more, a second 401 stops the job; 400/403/404 and a refused credential stop
 * the job with the reason; anything else (network, 5xx) is retried with backoff.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../jobs/log.ts';
import type { BlobStore } from '../../jobs/queue/blobs.ts';
import type { Destination, OutMessage } from '../../jobs/queue/contracts.ts';
import type { Kv } from '../../jobs/queue/kv.ts';
import { PermanentSendError, RateLimited, type Transport } from '../../jobs/queue/outbox.ts';
import { safeInline, safeText } from '../../scoring/text-safety.ts';
import { languageOf } from '../agent/lang.ts';
import type { LinkConfig } from '../config.ts';
import { M, type Metrics } from '../metrics.ts';
import { reportLink } from '../reports.ts';
import { postActivity, Unauthorized } from './connector.ts';
import { cardFromSlack, mrkdwnToMarkdown } from './from-slack.ts';
import { type ConversationRef, refOf } from './refs.ts';
import * as texts from './texts.ts';
import type { TokenSource } from './token.ts';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

/** How long an upload is remembered as done (a retried job within this resends only the card). */
const UPLOADED_TTL_SEC = 2 * 86_400;
const UPLOAD_TIMEOUT_MS = 30_000;

/** The Kv key that records an upload session as filled (the URL itself is a credential: only its hash). */
export const uploadedKey = (uploadUrl: string) =>
  `teams-uploaded-${createHash('sha256').update(uploadUrl).digest('hex')}`;

export interface TeamsTransportDeps {
  kv: Kv;
  blobs: BlobStore;
  tokens: TokenSource;
  links: LinkConfig;
  metrics: Metrics;
  log: Logger;
  fetch?: typeof fetch;
}

type FileMsg = Extract<OutMessage, { kind: 'file' }>;
type UploadMsg = Extract<OutMessage, { kind: 'upload' }>;

const isLoopback = (u: URL) => u.hostname === '127.0.0.1' || u.hostname === 'localhost';

export class TeamsTransport implements Transport {
  private readonly log: Logger;
  constructor(private readonly deps: TeamsTransportDeps) {
    this.log = deps.log.child({ surface: 'teams' });
  }

  async deliver(to: Destination, msg: OutMessage, index: number, receivedAt?: number): Promise<void> {
    const ref = await refOf(this.deps.kv, to.channel);
    if (!ref)
      throw new PermanentSendError(
        `the bot has no conversation reference for the Teams conversation ${safeInline(to.channel, 120)} yet: add the InfraLens app to the team or channel, or message it once, so that Teams introduces the conversation`,
      );
    try {
      if (msg.kind === 'message') await this.message(ref, to, msg);
      else if (msg.kind === 'file') await this.file(ref, to, msg);
      else await this.upload(ref, to, msg);
      if (index === 0 && receivedAt)
        this.deps.metrics.observe(M.answerSeconds[0], M.answerSeconds[1], (Date.now() - receivedAt) / 1000);
    } catch (e) {
      this.deps.metrics.inc(M.teamsErrors[0], M.teamsErrors[1], {
        kind: msg.kind,
        error: e instanceof Error ? e.name : 'error',
      });
      this.log.warn('teams: delivery failed', {
        kind: msg.kind,
        message: index + 1,
        error: e instanceof Error ? e.name : 'error',
        detail: (e as Error)?.message ?? String(e),
      });
      throw e;
    }
  }

  private async message(
    ref: ConversationRef,
    to: Destination,
    msg: Extract<OutMessage, { kind: 'message' }>,
  ): Promise<void> {
    // a fleet post (digest, alert) is written as Block Kit for every surface: shown here as a card
    const card = msg.card ?? (msg.blocks ? cardFromSlack(msg.blocks) : null);
    const text = safeText(msg.card || !msg.blocks ? msg.text : mrkdwnToMarkdown(msg.text));
    // with a card, the text is only the notification's summary: as `text` Teams would show it above the
    // card, saying the first line twice
    await this.post(ref, to, {
      type: 'message',
      ...(card ? { summary: text.slice(0, 500) } : { text }),
      textFormat: 'markdown',
      attachments: card ? [{ contentType: ADAPTIVE_CARD, content: card }] : [],
    });
  }

  private async file(ref: ConversationRef, to: Destination, msg: FileMsg): Promise<void> {
    const lang = languageOf(`${msg.title} ${msg.comment ?? ''}`, 'en');
    const bytes = await this.deps.blobs.get(msg.sha256);
    if (!bytes) throw new PermanentSendError(`${msg.filename} expired before it could be sent`);
    const comment = msg.comment ? safeText(msg.comment) : '';
    if (ref.conversationType === 'personal') {
      const context = { sha256: msg.sha256, filename: msg.filename };
      await this.post(ref, to, {
        type: 'message',
        ...(comment ? { text: comment, textFormat: 'markdown' } : {}),
        attachments: [
          {
            contentType: FILE_CONSENT_CARD,
            name: msg.filename,
            content: {
              description: texts.consentDescription(lang, msg.filename),
              sizeInBytes: bytes.byteLength,
              acceptContext: context,
              declineContext: context,
            },
          },
        ],
      });
      return;
    }
    // channels and group chats: bots cannot upload there (that needs Graph), so the bot serves the PDF
    const url = reportLink(this.deps.links, { sha256: msg.sha256, filename: msg.filename }, Date.now());
    const hours = Math.max(1, Math.round(this.deps.links.ttlSec / 3600));
    const line = url ? texts.reportLink(lang, url, hours) : texts.noReportLink(lang);
    await this.post(ref, to, {
      type: 'message',
      text: comment ? `${comment}\n\n${line}` : line,
      textFormat: 'markdown',
    });
  }

  private async upload(ref: ConversationRef, to: Destination, msg: UploadMsg): Promise<void> {
    const key = uploadedKey(msg.uploadUrl);
    if ((await this.deps.kv.getJson(key)) === null) {
      await this.put(msg);
      // recorded before the card: if posting it fails, the retry posts the card without uploading again
      await this.deps.kv.setJson(key, { at: Date.now() }, UPLOADED_TTL_SEC);
    }
    const lang = msg.lang ?? languageOf(msg.filename, 'en');
    await this.post(ref, to, {
      type: 'message',
      text: texts.fileSent(lang, msg.filename),
      textFormat: 'markdown',
      attachments: [
        {
          contentType: FILE_INFO_CARD,
          contentUrl: msg.contentUrl,
          name: msg.filename,
          content: { uniqueId: msg.uniqueId, fileType: msg.fileType },
        },
      ],
    });
  }

  /** The file's bytes into the upload session: one PUT of the whole range, no token (the URL is one). */
  private async put(msg: UploadMsg): Promise<void> {
    let url: URL;
    try {
      url = new URL(msg.uploadUrl);
    } catch {
      throw new PermanentSendError(`the upload URL of ${msg.filename} is invalid`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
      throw new PermanentSendError(
        `refusing to upload ${msg.filename} to a ${url.protocol} URL (only https)`,
      );
    const bytes = await this.deps.blobs.get(msg.sha256);
    if (!bytes) throw new PermanentSendError(`${msg.filename} expired before it could be sent`);
    const n = bytes.byteLength;
    const res = await (this.deps.fetch ?? fetch)(url, {
      method: 'PUT',
      headers: {
        // Content-Length is the body's (fetch sets it; an explicit one is refused by newer undici)
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes 0-${n - 1}/${n}`,
      },
      body: Buffer.from(bytes.buffer, bytes.byteOffset, n),
      // an upload session does not redirect; following one would send the bytes elsewhere
      redirect: 'manual',
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return;
    if (res.status === 429 || res.status === 503) {
      const after = Number(res.headers.get('retry-after') ?? '');
      if (res.status === 429 || Number.isFinite(after))
        throw new RateLimited((Number.isFinite(after) && after > 0 ? after : 1) * 1000);
    }
    // a session that expired, was cancelled or refuses the range cannot be fixed by sending again
    if (res.status >= 300 && res.status < 500)
      throw new PermanentSendError(`the upload of ${msg.filename} was refused: HTTP ${res.status}`);
    throw new Error(`the upload of ${msg.filename} failed: HTTP ${res.status}`);
  }

  /** Post an activity with the bot's token; after a 401 once more with a fresh token. */
  private async post(
    ref: ConversationRef,
    to: Destination,
    activity: Record<string, unknown>,
  ): Promise<void> {
    const call = { replyToId: to.thread, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) };
    try {
      await postActivity(ref, activity, { ...call, token: await this.token() });
    } catch (e) {
      if (!(e instanceof Unauthorized)) throw e;
      this.deps.tokens.invalidate();
      try {
        await postActivity(ref, activity, { ...call, token: await this.token() });
      } catch (again) {
        if (again instanceof Unauthorized)
          throw new PermanentSendError(
            'the Teams connector refused a fresh token of the bot (401 twice): check TEAMS_APP_ID and the tenant',
          );
        throw again;
      }
    }
  }

  /** The bearer; a credential Entra refuses is permanent (an operator must fix it). */
  private async token(): Promise<string> {
    try {
      return await this.deps.tokens.get();
    } catch (e) {
      if ((e as { permanent?: unknown })?.permanent === true)
        throw new PermanentSendError((e as Error).message);
      throw e;
    }
  }
}

/** The typing indicator (Teams shows it for a few seconds); the caller ignores its errors. */
export async function sendTyping(
  ref: ConversationRef,
  tokens: TokenSource,
  fetchFn?: typeof fetch,
): Promise<void> {
  try {
    await postActivity(
      ref,
      { type: 'typing' },
      {
        token: await tokens.get(),
        timeoutMs: 5_000,
        ...(fetchFn ? { fetch: fetchFn } : {}),
      },
    );
  } catch (e) {
    // the next delivery then fetches a fresh token instead of meeting the same 401
    if (e instanceof Unauthorized) tokens.invalidate();
    throw e;
  }
}
