/**
 * The jobs backbone's contracts: queue names and the payload of every job, written once in zod. A job's
 * data is validated when a worker takes it (a payload of another version fails at once, with the reason,
 * instead of half-running). Job ids are derived from what the chat platform delivered (Slack `event_id`,
 * file id, Teams activity id), so a platform retry or a duplicate event adds nothing: BullMQ returns the
 * job that already has the id.
 */
import { z } from 'zod';

/** Queue names (BullMQ prefix: `infralens` unless configured). */
export const QUEUES = {
  /** one conversation turn: question in, reply out (bot/ processes it). */
  turns: 'turns',
  /** one tool call of a turn (jobs/tools.ts processes it, on any worker). */
  tools: 'tools',
  /** the messages of one reply, delivered in order and paced per channel. */
  send: 'send',
} as const;

/** A BullMQ job id from parts: no `:` (BullMQ reserves it), never all digits, at most 200 characters. */
export function jobId(...parts: (string | number)[]): string {
  const id = parts
    .map((p) => String(p).replace(/[^\w.-]/g, '_'))
    .join('-')
    .slice(0, 200);
  return /^\d+$/.test(id) ? `j-${id}` : id;
}

/** A file of a turn as a job carries it: by content hash; the bytes live in the blob store. */
export const BlobRef = z.object({
  name: z.string().min(1).max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** an explicit Proxmox VM id the caller gave the file (`InputFile.vmid`), kept across the queue. */
  vmid: z.number().int().positive().optional(),
});
export type BlobRef = z.infer<typeof BlobRef>;

/** A remote file the turn worker downloads (a Slack `url_private_download`, a Teams download URL). */
export const RemoteFile = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(255),
  /** the size the platform announced, bytes (checked before the download). */
  size: z.number().int().nonnegative(),
  url: z.string().url(),
  mimetype: z.string().max(200).optional(),
});
export type RemoteFile = z.infer<typeof RemoteFile>;

/** Where a reply goes: the surface, the channel and the thread (Slack: the parent `ts`). */
export const Destination = z.object({
  surface: z.enum(['slack', 'teams']),
  /** Slack: the channel id; Teams: the conversation id (`19:…@thread.tacv2[;messageid=…]`, `a:…`). */
  channel: z.string().min(1).max(400),
  /** the thread's parent message (Slack `thread_ts`; Teams: the activity replied to); null: a new
   * top-level message. */
  thread: z.string().max(200).nullable(),
  /** a Slack `response_url` (slash commands): replies go there instead of chat.postMessage. */
  responseUrl: z.string().url().optional(),
  /** ephemeral (slash commands unless asked in channel). */
  ephemeral: z.boolean().optional(),
  /** the Slack assistant thread (status is set while working, cleared by the reply). */
  assistant: z.boolean().optional(),
  /** the placeholder message to replace with the first message of the reply. */
  placeholder: z.string().max(100).optional(),
  /**
   * where the front door records the placeholder it posted (a Kv key): the first message of the reply
   * claims it and replaces that placeholder, or marks it answered so a late placeholder is deleted.
   */
  progressKey: z.string().max(300).optional(),
});
export type Destination = z.infer<typeof Destination>;

export const TurnJob = z.object({
  /** the conversation key (Slack: `slack-<team>-<channel>-<thread ts>`). */
  conversationId: z.string().min(1).max(300),
  /** where uploads of this channel are kept (the channel's own hosts), null for none. */
  channelKey: z.string().max(300).nullable(),
  text: z.string().max(40_000),
  user: z.object({ id: z.string().max(100), name: z.string().max(200).optional() }).nullable(),
  files: z.array(RemoteFile).max(20).default([]),
  /** files of the message that are not a format InfraLens reads (named in the reply when addressed). */
  ignored: z.array(z.string().max(255)).max(50).default([]),
  /** the bot was addressed (a mention, a DM, a command): false for an upload in a channel, which is
   * answered only when one of its files is readable. */
  addressed: z.boolean().default(true),
  /** what the user asked for beyond words: a button or a slash subcommand. */
  intent: z.enum(['ask', 'report', 'plan', 'commands', 'recheck', 'score', 'hosts', 'help']).default('ask'),
  /** the language the request itself implies (a slash subcommand's words), over the conversation's. */
  lang: z.enum(['en', 'ko']).optional(),
  /** the host a slash command or button named. */
  host: z.string().max(200).optional(),
  to: Destination,
  /** when the platform delivered it (ms since epoch), for the latency metrics. */
  receivedAt: z.number(),
});
export type TurnJob = z.infer<typeof TurnJob>;

export const ToolJob = z.object({
  name: z.string().min(1).max(100),
  input: z.unknown(),
  /** the conversation's inputs for this turn (a tools worker builds the same Session from them). */
  inputs: z.array(BlobRef).max(200),
  conversationId: z.string().max(300),
  timeoutMs: z.number().int().positive().max(600_000),
});
export type ToolJob = z.infer<typeof ToolJob>;

/** One outgoing message of a reply, as the surface renders it (Slack: `{text, blocks}`; a PDF upload). */
export const OutMessage = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('message'),
    text: z.string(),
    blocks: z
      .array(z.looseObject({ type: z.string() }))
      .max(50)
      .optional(),
    /** Teams: the message as an Adaptive Card (1.5); `text` is its plain fallback. */
    card: z.looseObject({ type: z.literal('AdaptiveCard') }).optional(),
  }),
  z.object({
    kind: z.literal('file'),
    filename: z.string().min(1).max(255),
    title: z.string().max(255),
    /** the file's bytes in the blob store. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    comment: z.string().max(4000).optional(),
  }),
  /**
   * Teams, personal chat: the user accepted a file-consent card, so the file's bytes are PUT to the
   * upload session Teams opened (`uploadUrl`) and a file-info card is posted (bot/teams/transport.ts).
   */
  z.object({
    kind: z.literal('upload'),
    filename: z.string().min(1).max(255),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    uploadUrl: z.string().url().max(4000),
    contentUrl: z.string().url().max(4000),
    uniqueId: z.string().max(200),
    fileType: z.string().max(20),
    /** the language of the note that follows the upload (the consent card's). */
    lang: z.enum(['en', 'ko']).optional(),
  }),
]);
export type OutMessage = z.infer<typeof OutMessage>;

export const SendJob = z.object({
  to: Destination,
  messages: z.array(OutMessage).min(1).max(50),
  /** how many messages were already delivered (a retried job resumes after them: nothing twice). */
  done: z.number().int().nonnegative().default(0),
  /** the turn it answers, for the metrics (time to the answer). */
  receivedAt: z.number().optional(),
});
export type SendJob = z.infer<typeof SendJob>;
