/**
 * Delivering one message of a reply to Slack, for the send queue (jobs/queue/outbox.ts paces it per
 * channel and resumes a retried job after the messages already delivered). The first message replaces
 * the placeholder (`chat.update`); the others are posted in the thread; a slash command's answer goes to
 * its `response_url`; a PDF goes up with the three-call upload into the thread.
 *
 * Errors are sorted for the queue: a 429 waits its `Retry-After` and retries the same message; errors
 * that a retry cannot fix (the channel is gone, the bot is not in it, the token is revoked) stop the job
 * with the reason; anything else (a network error, a 5xx) is retried with backoff.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../jobs/log.ts';
import type { BlobStore } from '../../jobs/queue/blobs.ts';
import type { Destination, OutMessage } from '../../jobs/queue/contracts.ts';
import type { Kv } from '../../jobs/queue/kv.ts';
import { PermanentSendError, RateLimited, type Transport } from '../../jobs/queue/outbox.ts';
import { M, type Metrics } from '../metrics.ts';
import { slackError } from './turns.ts';

const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'msg_too_long',
  'invalid_blocks',
  'invalid_arguments',
  'restricted_action',
  'used_url',
  'expired_url',
]);

/** The value of a progress key once the answer claimed it before any placeholder. */
const ANSWERED = 'answered';

export interface SlackTransportDeps {
  client: WebClient;
  kv: Kv;
  blobs: BlobStore;
  metrics: Metrics;
  log: Logger;
  /** POST to a response_url (global fetch in production). */
  fetch?: typeof fetch;
}

export class SlackTransport implements Transport {
  constructor(private readonly deps: SlackTransportDeps) {}

  async deliver(to: Destination, msg: OutMessage, index: number, receivedAt?: number): Promise<void> {
    const { client, metrics } = this.deps;
    // the placeholder the first message replaces, claimed once (from the job, or the front door's record)
    let placeholder: string | null = null;
    try {
      if (index === 0 && msg.kind === 'message' && !to.responseUrl)
        placeholder = to.placeholder ?? (await this.placeholderOf(to, msg));
      if (msg.kind === 'upload') throw new PermanentSendError('a Teams file upload cannot go to Slack');
      if (msg.kind === 'file') await this.upload(to, msg);
      else if (to.responseUrl) await this.respond(to, msg, index);
      else if (placeholder)
        await client.chat.update({
          channel: to.channel,
          ts: placeholder,
          text: msg.text,
          ...(msg.blocks ? { blocks: msg.blocks as never } : {}),
        });
      else
        await client.chat.postMessage({
          channel: to.channel,
          ...(to.thread ? { thread_ts: to.thread } : {}),
          text: msg.text,
          ...(msg.blocks ? { blocks: msg.blocks as never } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
      if (index === 0 && receivedAt)
        metrics.observe(M.answerSeconds[0], M.answerSeconds[1], (Date.now() - receivedAt) / 1000);
    } catch (e) {
      if (e instanceof RateLimited || e instanceof PermanentSendError) throw e;
      const code = slackError(e);
      const x = e as { code?: string; retryAfter?: number };
      metrics.inc(M.slackErrors[0], M.slackErrors[1], { method: msg.kind, error: code });
      if (x.code === 'slack_webapi_rate_limited_error') throw new RateLimited((x.retryAfter ?? 1) * 1000);
      // the placeholder was deleted: post the answer instead
      if (placeholder && code === 'message_not_found' && msg.kind === 'message')
        return this.deliver(
          { ...to, placeholder: undefined, progressKey: undefined } as Destination,
          msg,
          index,
          receivedAt,
        );
      if (PERMANENT.has(code)) throw new PermanentSendError(`Slack refused the message: ${code}`);
      throw e;
    }
  }

  /**
   * The placeholder the front door posted for this reply, claimed for the answer: its ts, or null when
   * there is none yet (the key is then marked answered, so a placeholder posted later is deleted).
   */
  private async placeholderOf(to: Destination, msg: OutMessage): Promise<string | null> {
    if (!to.progressKey || msg.kind !== 'message') return null;
    const prior = await this.deps.kv.claim(to.progressKey, ANSWERED, 2 * 86_400);
    return prior !== null && prior !== ANSWERED ? prior : null;
  }

  private async respond(
    to: Destination,
    msg: Extract<OutMessage, { kind: 'message' }>,
    index: number,
  ): Promise<void> {
    const res = await (this.deps.fetch ?? fetch)(to.responseUrl!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        text: msg.text,
        ...(msg.blocks ? { blocks: msg.blocks } : {}),
        response_type: to.ephemeral === false ? 'in_channel' : 'ephemeral',
        // the first message takes the place of the command's "Looking into it…" acknowledgement
        ...(index === 0 ? { replace_original: true } : {}),
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 429) throw new RateLimited(Number(res.headers.get('retry-after') ?? 1) * 1000);
    // a response_url takes 5 posts in 30 minutes; past that the answer cannot be delivered there
    if (res.status === 404 || res.status === 410)
      throw new PermanentSendError(`response_url refused: ${res.status}`);
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
  }

  private async upload(to: Destination, msg: Extract<OutMessage, { kind: 'file' }>): Promise<void> {
    const bytes = await this.deps.blobs.get(msg.sha256);
    if (!bytes) throw new PermanentSendError(`${msg.filename} expired before it could be sent`);
    const args = {
      channel_id: to.channel,
      file: Buffer.from(bytes),
      filename: msg.filename,
      title: msg.title,
    } as Parameters<WebClient['filesUploadV2']>[0] & { thread_ts?: string; initial_comment?: string };
    if (to.thread) args.thread_ts = to.thread;
    if (msg.comment) args.initial_comment = msg.comment;
    await this.deps.client.filesUploadV2(args);
  }
}
