/**
 * The turn worker, for every surface: one turn job (the front door has already shown progress: a Slack
 * placeholder or the assistant's status, a Teams typing indicator) → the files are downloaded and checked,
 * the conversation core answers (tools run as tool jobs), and the reply — rendered by the job's surface:
 * Block Kit for Slack, Adaptive Cards for Teams — and the PDF are handed to the send queue for the thread.
 *
 * Exactly once: the reply of a job is stored in Redis together with the conversation's new state (one
 * MULTI) before it is sent; a job retried after a crash finds it and only (re)queues the send, whose id is
 * derived from the turn's, so nothing runs or is posted twice. One turn of a conversation runs at a time:
 * a conversation lock held under the job's own id (a stalled job taken over by another worker re-enters
 * it), and a job that finds another turn running waits as a delayed job.
 */

import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from '../jobs/log.ts';
import type { Backbone } from '../jobs/queue/backbone.ts';
import {
  type BlobRef,
  type Destination,
  jobId,
  type OutMessage,
  type RemoteFile,
  TurnJob,
} from '../jobs/queue/contracts.ts';
import { QueueToolRunner } from '../jobs/queue/tool-runner.ts';
import type { Lang } from '../scoring/report.ts';
import { FLEET_MANIFEST } from '../tools/agent/session.ts';
import { SessionCache } from '../tools/agent/session-cache.ts';
import type { Services } from '../tools/agent/types.ts';
import { InputError } from '../tools/errors.ts';
import { type InputFile, parseFile } from '../tools/ingest/index.ts';
import type { AgentConfig } from './agent/config.ts';
import { languageOf } from './agent/lang.ts';
import type { ModelPort } from './agent/model.ts';
import { BufferedStore, RedisStore, stateKey } from './conversation/redis-store.ts';
import type { Reply } from './conversation/reply.ts';
import { runTurn } from './conversation/turn.ts';
import { type FleetChat, RECHECK, recheckFilesNote } from './fleet-chat.ts';
import { M, type Metrics } from './metrics.ts';
import { activeKey } from './slack/app.ts';
import { DownloadError } from './slack/download.ts';
import { downloadError, failed, ignoredUpload, noHosts, unknownHost } from './slack/texts.ts';
import { baseConversationId } from './teams/refs.ts';

/** What a turn needs of the surface it answers on. */
export interface TurnSurface {
  /** fetch one file the user shared (capped); throws DownloadError. */
  download(f: RemoteFile): Promise<InputFile>;
  /** the reply as this surface's messages (the PDF is added after them as a `file` message). */
  replyMessages(reply: Reply, o: { intent: TurnJob['intent']; buttons: boolean }): OutMessage[];
  /** a fixed text as this surface's messages. */
  textMessages(text: string): OutMessage[];
  /** what the user is told about a file that could not be downloaded (default: Slack's wording). */
  downloadError?(lang: Lang, kind: DownloadError['kind'], name: string): string;
  /** while the turn runs, every few seconds (Teams: the typing indicator); failures are ignored. */
  working?(to: Destination): Promise<void>;
}

/** The channel a destination belongs to, as the inventory names channels (Teams: without the thread). */
export const fleetChannel = (to: Destination): string =>
  to.surface === 'teams' ? baseConversationId(to.channel) : to.channel;

/** How often `working` is repeated while a turn runs (Teams shows typing for a few seconds). */
const WORKING_EVERY_MS = 4_000;

export interface TurnWorkerDeps {
  backbone: Backbone;
  /** the surfaces this worker answers on; a job for another fails at once. */
  surfaces: Partial<Record<Destination['surface'], TurnSurface>>;
  model: ModelPort | null;
  agent: AgentConfig;
  services: Services;
  /** the demo servers (INFRALENS_DEMO=1), seen by every conversation; empty otherwise. */
  demoFiles: readonly InputFile[];
  retentionSec: number;
  metrics: Metrics;
  log: Logger;
  /** Sessions kept between turns, shared with the tools worker of this process. */
  sessions?: SessionCache;
  /** the fleet (INFRALENS_CONFIG) once started: inventory hosts in their channels, re-checks; null: none. */
  fleet?: () => FleetChat | null;
}

/** The words a button or a slash subcommand stands for, in the conversation's language. */
export function intentText(intent: TurnJob['intent'], host: string | undefined, lang: Lang): string {
  const on = host ? (lang === 'ko' ? `${host} ` : ` for ${host}`) : '';
  const ko = lang === 'ko';
  switch (intent) {
    case 'plan':
      return ko ? `${on}배치 계획 보여줘` : `Show the placement plan${on}`;
    case 'commands':
      return ko ? `${on}배치 계획의 명령어 전부 보여줘` : `Give me all the commands of the plan${on}`;
    case 'report':
      return ko ? `${on}PDF 리포트 만들어 줘` : `Make the PDF report${on}`;
    case 'recheck':
      return ko
        ? `${on}지금 점수와 발견 사항 다시 확인해 줘`
        : `Check again: what are the score and findings now${on}?`;
    case 'score':
      return ko ? `${on}점수 알려줘` : `What is the score${on}?`;
    case 'hosts':
      // the overview names every host this conversation sees, worst first
      return ko ? '서버들 상태 요약해 줘' : 'How are my servers?';
    default:
      return '';
  }
}

/** A channel's latest upload set: a new conversation in the channel (a mention, a command) sees it. */
interface ChannelUploads {
  conversationId: string;
  files: BlobRef[];
  at: number;
}
const channelKey = (k: string) => `uploads-${k}`;
const replyKey = (job: string) => `reply-${job}`;
const lockKey = (conversation: string) => `turn-lock-${conversation}`;
/** the longest a turn holds its conversation (a crashed worker's lock lapses after it). */
const LOCK_MS = 5 * 60_000;

interface Planned {
  messages: OutMessage[];
  lang: Lang;
}

export function turnProcessor(deps: TurnWorkerDeps) {
  const { backbone, log, metrics } = deps;
  const store = new RedisStore(backbone.kv, deps.retentionSec);
  // the same inputs (the demo servers, a thread's uploads) are parsed and analysed once, not every turn
  const sessions = deps.sessions ?? new SessionCache(16);

  const surfaceOf = (data: TurnJob): TurnSurface => {
    const s = deps.surfaces[data.to.surface];
    if (!s) throw new UnrecoverableError(`no ${data.to.surface} surface in this worker`);
    return s;
  };

  const download = async (data: TurnJob, lang: Lang) => {
    const files: InputFile[] = [];
    const notes: string[] = [];
    for (const f of data.files) {
      try {
        const file = await surfaceOf(data).download(f);
        // the inventory hosts' manifest is the bot's own input, never a user's
        if ((file.name.split(/[\\/]/).pop() ?? '') === FLEET_MANIFEST) {
          log.warn('turn: an upload named like the fleet manifest was ignored', { file: f.id });
          continue;
        }
        files.push(file);
      } catch (e) {
        if (!(e instanceof DownloadError)) throw e;
        notes.push((surfaceOf(data).downloadError ?? downloadError)(lang, e.kind, f.name));
        log.warn('turn: download failed', { surface: data.to.surface, file: f.id, kind: e.kind });
      }
    }
    return { files, notes };
  };

  const readable = (f: InputFile) => {
    try {
      return parseFile(f).length > 0;
    } catch (e) {
      if (e instanceof InputError) return false;
      throw e;
    }
  };

  /** Run the turn and store its reply with the conversation's state; null when there is nothing to say. */
  const answer = async (job: Job, data: TurnJob): Promise<Planned | null> => {
    const prior = await store.load(data.conversationId);
    const lang = data.lang ?? languageOf(data.text, prior?.lang ?? 'en');
    const { files, notes } = await download(data, lang);
    // an upload nobody asked about is answered when one of its files is readable, or when a file could not
    // be fetched (a missing files:read scope, a file over the limit): that needs an admin to know
    if (!data.addressed && !files.some(readable) && notes.length === 0) {
      log.info('turn: channel upload with nothing readable, not answered', { job: job.id });
      return null;
    }
    const fleet = deps.fleet?.() ?? null;
    const surface = surfaceOf(data);
    const where = { surface: data.to.surface, channel: fleetChannel(data.to) };
    // "re-check gpu-a", "gpu-a 다시 확인해줘", the Re-check button under an inventory host's answer: collect
    // it again now and answer before/after
    if (fleet) {
      const host =
        data.intent === 'recheck' && data.host
          ? (fleet
              .channelHosts(where.surface, where.channel)
              .find((h) => h.name.toLowerCase() === data.host!.trim().toLowerCase()) ?? null)
          : data.intent === 'ask' && RECHECK.test(data.text)
            ? fleet.namedHost(where.surface, where.channel, data.text)
            : null;
      if (host) {
        const text = await fleet.recheckText(host.name, lang);
        log.info('turn: re-check', { job: job.id, host: host.name });
        metrics.inc(M.turns[0], M.turns[1], { surface: where.surface, mode: 'recheck', outcome: 'answered' });
        const planned: Planned = { messages: surface.textMessages(text), lang };
        const writes: { key: string; value: unknown; ttlSec: number }[] = [
          { key: replyKey(String(job.id)), value: planned, ttlSec: 2 * 86_400 },
        ];
        if (data.to.thread && !data.to.responseUrl)
          writes.push({ key: activeKey(data.conversationId), value: 1, ttlSec: deps.retentionSec });
        await backbone.kv.multiSetJson(writes);
        return planned;
      }
    }
    // what this conversation sees: its own uploads; without any, the channel's latest uploads; without
    // those, the inventory hosts the channel's groups cover (their last collection); without those, the
    // demo servers (INFRALENS_DEMO=1) — real data is never mixed with the demo's
    const base: InputFile[] = [];
    const ownInputs = (prior?.inputs.length ?? 0) > 0 || files.length > 0;
    if (!ownInputs && data.channelKey) {
      const up = (await backbone.kv.getJson(channelKey(data.channelKey))) as ChannelUploads | null;
      if (up && up.conversationId !== data.conversationId && Array.isArray(up.files)) {
        try {
          base.push(...(await backbone.blobs.getFiles(up.files)));
        } catch (e) {
          log.warn('turn: channel uploads expired', { error: String((e as Error).message) });
        }
      }
    }
    if (fleet) {
      // inventory hosts: analysed when nothing else is; otherwise known by name (their score history)
      const namesOnly = ownInputs || base.length > 0;
      base.push(
        ...(await fleet.inputsFor(where.surface, where.channel, data.text || data.host || '', namesOnly)),
      );
    }
    if (!ownInputs && base.length === 0) base.push(...deps.demoFiles);
    const text = data.text || intentText(data.intent, data.host, lang);
    if (base.length === 0 && !ownInputs && !data.text && data.intent !== 'ask') {
      return { messages: surface.textMessages(noHosts(lang)), lang };
    }
    // a host named by a command or a button is checked first: never another host's answer in its place
    if (data.host && data.intent !== 'ask' && data.intent !== 'hosts') {
      const stored = (prior?.inputs ?? []).map((x) => ({
        name: x.name,
        content: Buffer.from(x.data, 'base64'),
      }));
      const session = sessions.of([...base, ...stored, ...files]);
      let known: string[] = [];
      try {
        known = session.hosts();
      } catch {
        // no data: the turn says so
      }
      if (known.length > 0 && !session.resolveHost(data.host))
        return { messages: surface.textMessages(unknownHost(lang, data.host, known)), lang };
    }
    const buffered = new BufferedStore(store);
    const t0 = performance.now();
    const { reply } = await runTurn(
      {
        conversationId: data.conversationId,
        text,
        files,
        ...(data.user
          ? { user: { id: data.user.id, ...(data.user.name ? { name: data.user.name } : {}) } }
          : {}),
      },
      {
        store: buffered,
        model: deps.model,
        runner: new QueueToolRunner({
          backbone,
          conversationId: data.conversationId,
          timeoutMs: deps.agent.toolTimeoutMs,
        }),
        services: deps.services,
        baseInputs: base,
        sessions,
        redact: deps.agent.redact,
        thinking: deps.agent.thinking,
        limits: { deadlineMs: deps.agent.deadlineMs, maxTokens: deps.agent.maxTokens },
        onTool: (c) =>
          metrics.inc(M.toolJobs[0], M.toolJobs[1], {
            tool: c.name,
            outcome: c.outcome.status,
          }),
      },
    );
    reply.notes.unshift(...notes);
    if (data.ignored.length > 0 && data.addressed) reply.notes.push(ignoredUpload(reply.lang, data.ignored));
    // the Re-check button on hosts from files: the files were analysed again, nothing was collected
    if (data.intent === 'recheck') reply.notes.push(recheckFilesNote(reply.lang, data.host));
    if (reply.fallbackReason)
      metrics.inc(M.modelErrors[0], M.modelErrors[1], { reason: reply.fallbackReason.slice(0, 40) });
    metrics.inc(M.turns[0], M.turns[1], { surface: where.surface, mode: reply.mode, outcome: 'answered' });
    log.info('turn answered', {
      job: job.id,
      mode: reply.mode,
      tools: reply.toolCalls.length,
      ms: Math.round(performance.now() - t0),
    });

    // an ephemeral slash answer gets no buttons: pressed, they would answer in public
    const messages: OutMessage[] = surface.replyMessages(reply, {
      intent: data.intent,
      buttons: !data.to.responseUrl,
    });
    for (const a of reply.attachments) {
      const sha256 = await backbone.blobs.put(a.bytes);
      messages.push({ kind: 'file', filename: a.filename, title: a.title, sha256 });
    }
    const planned: Planned = { messages: messages.slice(0, 50), lang: reply.lang };
    const writes: { key: string; value: unknown; ttlSec: number }[] = [
      { key: replyKey(String(job.id)), value: planned, ttlSec: 2 * 86_400 },
    ];
    // a thread the bot answered in: follow-ups there need no new mention
    if (data.to.thread && !data.to.responseUrl)
      writes.push({ key: activeKey(data.conversationId), value: 1, ttlSec: deps.retentionSec });
    if (buffered.saved)
      writes.push({ key: stateKey(data.conversationId), value: buffered.saved, ttlSec: deps.retentionSec });
    if (files.length > 0 && data.channelKey && buffered.saved) {
      const refs = await backbone.blobs.putFiles(
        buffered.saved.inputs.map((x) => ({ name: x.name, content: Buffer.from(x.data, 'base64') })),
      );
      const up: ChannelUploads = { conversationId: data.conversationId, files: refs, at: Date.now() };
      writes.push({ key: channelKey(data.channelKey), value: up, ttlSec: deps.retentionSec });
    }
    await backbone.kv.multiSetJson(writes);
    return planned;
  };

  return async (job: Job, token?: string): Promise<{ messages: number } | null> => {
    const parsed = TurnJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid turn job: ${parsed.error.issues[0]?.message}`);
    let data = parsed.data;
    const id = String(job.id);
    let planned = (await backbone.kv.getJson(replyKey(id))) as Planned | null;
    if (!planned) {
      // one turn of a conversation at a time; the lock is held under this job's id, so a retry or a
      // stalled job taken over elsewhere re-enters its own lock
      if (!(await backbone.kv.hold(lockKey(data.conversationId), id, LOCK_MS))) {
        await job.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      // the surface's "working" signal (Teams: typing) while the turn runs; a courtesy, never a failure
      const working = deps.surfaces[data.to.surface]?.working;
      const beat = working
        ? setInterval(() => void working(data.to).catch(() => {}), WORKING_EVERY_MS)
        : undefined;
      beat?.unref();
      try {
        planned = await answer(job, data);
      } catch (e) {
        const final = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (final) await sayFailed(job, (job.data as TurnJob) ?? data, e);
        throw e;
      } finally {
        clearInterval(beat);
        await backbone.kv.unlock(lockKey(data.conversationId), id).catch(() => {});
      }
      data = TurnJob.parse(job.data);
    }
    if (!planned) return null;
    await backbone.enqueueSend(
      { to: data.to, messages: planned.messages, done: 0, receivedAt: data.receivedAt },
      jobId('send', id),
    );
    metrics.observe(M.turnSeconds[0], M.turnSeconds[1], (Date.now() - data.receivedAt) / 1000);
    return { messages: planned.messages.length };
  };

  async function sayFailed(job: Job, data: TurnJob, e: unknown): Promise<void> {
    metrics.inc(M.turns[0], M.turns[1], {
      surface: data.to?.surface ?? 'slack',
      mode: 'none',
      outcome: 'failed',
    });
    log.error('turn failed', { job: job.id, error: String((e as Error).message ?? e) });
    const lang = languageOf(data.text);
    const reason = e instanceof UnrecoverableError ? (e as Error).message : 'internal error';
    await backbone
      .enqueueSend(
        {
          to: data.to,
          messages: deps.surfaces[data.to.surface]?.textMessages(failed(lang, reason)) ?? [
            { kind: 'message', text: failed(lang, reason) },
          ],
          done: 0,
        },
        jobId('fail', String(job.id)),
      )
      .catch(() => {});
  }
}
