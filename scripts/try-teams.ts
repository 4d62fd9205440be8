/**
 * Try the Teams bot without a Microsoft tenant: `npx tsx scripts/try-teams.ts [--bot URL]`.
 *
 * Starts the fake Teams of the tests (test/fakes/teams.ts: Entra's keys and token endpoint, the Bot
 * Framework connector, OneDrive upload sessions, file downloads) on a fixed loopback port, prints the
 * settings to start `infralens bot` with, then sends what you type to the bot as Teams would (activities
 * signed with the fake's key, so the bot's real JWT check runs) and prints what the bot posts back, its
 * Adaptive Cards as plain text. The printed credential is the fake's own, public in the fake's defaults.
 *
 * The fake listens on 127.0.0.1:0; a TCP forwarder on the fixed port (3978 unless `--port`) stands in
 * front of it, so the printed settings stay the same from one run to the next. Every URL the bot is told
 * (the authority, the service URL, the token's issuer and `serviceurl` claim) names the forwarder; the
 * upload and download URLs the fake makes name the fake itself, which the bot reaches as well.
 *
 * Every wait is bounded (60 s for an answer, 30 s for `--wait-bot`), every read is capped in bytes, and
 * what the bot posts is shown with its control characters replaced.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CARD_ACTIONS } from '../bot/teams/cards.ts';
import { safeInline, safeText } from '../scoring/text-safety.ts';
import {
  type Activity,
  type FakeTeams,
  FILE_CONSENT_CARD,
  startFakeTeams,
  TEAMS_FAKE_DEFAULTS,
} from '../test/fakes/teams.ts';

const USAGE = `usage: npx tsx scripts/try-teams.ts [--port N] [--bot URL] [--wait-bot] [--do 'COMMAND']...

A fake Microsoft Teams on 127.0.0.1 (Entra, the Bot Framework connector, OneDrive uploads) to try the
InfraLens Teams bot without a Microsoft tenant. It prints the settings to start the bot with, then sends
each command to the bot as Teams would and prints what the bot posts back.

options:
  --port N       the fake's port (default 3978; when taken, or 0: any free port)
  --bot URL      where the bot listens (default http://127.0.0.1:3000)
  --wait-bot     before the first command, wait up to 30 s for the bot's /healthz
  --do COMMAND   run COMMAND instead of reading commands (repeat it: they run in order), then exit;
                 exit 1 when one fails or the bot does not answer one within 60 s
  -h, --help     this text
`;

const COMMANDS = `commands:
  say TEXT             a message in your personal chat with the bot
  channel TEXT         a mention of the bot (<at>InfraLens</at> TEXT) in a new channel thread
  reply TEXT           a follow-up in the last channel thread
  file PATH [TEXT]     upload a local file in the personal chat (16 MiB at most)
  accept | decline     answer the last file-consent card (accepted: the PDF is saved to a temp file)
  click ACTION [HOST]  press a card button in the last conversation: ${CARD_ACTIONS.join(', ')}
  install              add the bot to the team (daily posts and alerts need it; prints the channel's id)
  watch                print what the bot posts to the team's channel (daily posts, alerts) for 60 s
  help                 this list
  quit                 stop (also Ctrl-D)
`;

const DEFAULT_PORT = 3978;
const DEFAULT_BOT = 'http://127.0.0.1:3000';
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';
/** How long the first message of an answer may take (a turn with the model is a few seconds). */
const ANSWER_MS = 60_000;
/** After a message, how long to wait for the next one of the same answer (the send queue spaces them 1.1 s). */
const QUIET_MS = 3_500;
const WATCH_MS = 60_000;
const HEALTH_WAIT_MS = 30_000;
const POLL_MS = 100;
/** The bot's own limit on an uploaded file (tools/ingest MAX_INPUT_BYTES). */
const FILE_MAX = 16 * 1024 * 1024;
/** The most of a report link's PDF that is read. */
const PDF_MAX = 64 * 1024 * 1024;
/** How deep a card's containers are followed when rendering. */
const CARD_DEPTH = 24;

/** A failure of one command, said in one line. */
class Failure extends Error {}

type Body = Record<string, unknown>;
type Conversation = { id: string } & Record<string, unknown>;
/** A card the bot posted with buttons: its activity id and each button's Action.Submit data. */
type PostedCard = { activityId: string; buttons: Map<string, Body> };

// ---------------------------------------------------------------------------------------------
// Rendering what the bot posts
// ---------------------------------------------------------------------------------------------

const obj = (v: unknown): Body => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Body) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/**
 * Teams markdown as plain text: `**` dropped, backslash escapes undone; links (`[label](url)`) are kept as
 * written, so their URLs can be copied.
 */
export function plain(md: string): string {
  let out = '';
  for (let i = 0; i < md.length; i++) {
    const c = md[i]!;
    const next = md[i + 1];
    if (c === '\\' && next !== undefined && /[!-/:-@[-`{-~]/.test(next)) {
      out += next;
      i++;
    } else if (c === '*' && next === '*') {
      i++;
    } else out += c;
  }
  return safeText(out);
}

const isMono = (e: Body) =>
  e.fontType === 'Monospace' || arr(e.inlines).some((r) => obj(r).fontType === 'Monospace');

/** Card elements as lines: TextBlocks' text, FactSets as `title: value`, monospace indented. */
function elementLines(items: unknown[], depth: number): string[] {
  if (depth > CARD_DEPTH) return ['…'];
  const out: string[] = [];
  for (const item of items) {
    const e = obj(item);
    const lines = elementOf(e, depth);
    if (lines.length === 0) continue;
    if ((e.separator === true || e.spacing === 'Large') && out.length > 0 && out.at(-1) !== '') out.push('');
    out.push(...lines);
  }
  return out;
}

function elementOf(e: Body, depth: number): string[] {
  switch (e.type) {
    case 'TextBlock':
    case 'RichTextBlock': {
      const raw =
        e.type === 'TextBlock'
          ? str(e.text)
          : arr(e.inlines)
              .map((r) => str(obj(r).text))
              .join('');
      if (raw.trim() === '') return [];
      // monospace is verbatim (a command to copy): not read as markdown
      return isMono(e)
        ? safeText(raw)
            .split('\n')
            .map((l) => `    ${l}`)
        : plain(raw).split('\n');
    }
    case 'FactSet':
      return arr(e.facts).map((f) => `${plain(str(obj(f).title))}: ${plain(str(obj(f).value))}`);
    case 'ColumnSet': {
      const cols = arr(e.columns).map((c) => elementLines(arr(obj(c).items), depth + 1));
      const filled = cols.filter((c) => c.length > 0);
      // a label column beside a text column (a finding's severity and title): one line
      if (filled.length > 1 && filled.slice(0, -1).every((c) => c.length === 1)) {
        const last = filled.at(-1)!;
        return [
          [...filled.slice(0, -1).map((c) => c[0]!), last[0]!].join('  '),
          ...last.slice(1).map((l) => `  ${l}`),
        ];
      }
      return filled.flat();
    }
    case 'Table':
      return arr(e.rows).map((r) =>
        arr(obj(r).cells)
          .map((c) => elementLines(arr(obj(c).items), depth + 1).join(' '))
          .join(' | '),
      );
    case 'ActionSet':
      return actionsLine(arr(e.actions));
    case 'Image':
      return [`[image${e.altText ? `: ${plain(str(e.altText))}` : ''}]`];
    default:
      return elementLines(arr(e.items), depth + 1);
  }
}

/** Buttons as `[Title]`; a link button with its URL. */
function actionsLine(actions: unknown[]): string[] {
  const titles = actions.map((a) => {
    const x = obj(a);
    const title = `[${safeInline(str(x.title), 80)}]`;
    return x.type === 'Action.OpenUrl' && x.url ? `${title} ${safeInline(str(x.url), 2000)}` : title;
  });
  return titles.length > 0 ? [titles.join(' ')] : [];
}

export function cardLines(card: unknown): string[] {
  const c = obj(card);
  return [...elementLines(arr(c.body), 0), ...actionsLine(arr(c.actions))];
}

// ---------------------------------------------------------------------------------------------
// The session
// ---------------------------------------------------------------------------------------------

interface Options {
  port: number;
  bot: string;
  waitBot: boolean;
  commands: string[] | null;
}

class Session {
  /** messages already printed, per conversation (indexes into `activitiesTo`). */
  private readonly seen = new Map<string, number>();
  private thread: { conversation: Conversation; channelData: unknown } | null = null;
  /** where `click` goes: the conversation last written to, and its last card with buttons. */
  private last: { kind: 'personal' | 'channel'; conversation: Conversation; card: PostedCard | null } | null =
    null;
  private consent: { body: Body; conversation: string } | null = null;
  private saveDir: string | null = null;
  private installed = false;
  /** a Ctrl-C while waiting stops the wait. */
  stop: AbortController | null = null;

  constructor(
    private readonly fake: FakeTeams,
    /** the forwarder's URL: what the bot is told the fake is. */
    private readonly front: string,
    private readonly bot: string,
    private readonly out: (line: string) => void,
  ) {}

  private get serviceUrl(): string {
    return `${this.front}/connector/`;
  }

  /** A token as the Bot Framework service signs it, vouching for the forwarder's service URL. */
  private token(): string {
    return this.fake.sign({ iss: `${this.front}/${this.fake.tenantId}/v2.0`, serviceurl: this.serviceUrl });
  }

  /** Run one command line; true when it asks to quit. */
  async run(line: string): Promise<boolean> {
    const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(line);
    if (!m) return false;
    const [cmd, rest] = [m[1]!.toLowerCase(), m[2]!];
    switch (cmd) {
      case 'say':
        await this.say(need(rest, 'say TEXT'));
        break;
      case 'channel':
        await this.channel(need(rest, 'channel TEXT'));
        break;
      case 'reply':
        await this.reply(need(rest, 'reply TEXT'));
        break;
      case 'file':
        await this.file(need(rest, 'file PATH [TEXT]'));
        break;
      case 'accept':
      case 'decline':
        await this.answerConsent(cmd);
        break;
      case 'click':
        await this.click(need(rest, `click ACTION [HOST] (ACTION: ${CARD_ACTIONS.join(', ')})`));
        break;
      case 'install':
        await this.install();
        break;
      case 'watch':
        await this.watch();
        break;
      case 'help':
      case '?':
        this.out(COMMANDS.trimEnd());
        break;
      case 'quit':
      case 'exit':
        return true;
      default:
        throw new Failure(`unknown command ${safeInline(cmd, 40)}: type help for the list`);
    }
    return false;
  }

  /** Wait until the bot answers /healthz (or the time is up). */
  async waitForBot(ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      try {
        const res = await fetch(`${this.bot}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel().catch(() => {});
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Failure(notListening(this.bot));
      await sleep(250, this.stop?.signal);
    }
  }

  private personalActivity(partial: Body = {}): Activity {
    return this.fake.activity('personal', { serviceUrl: this.serviceUrl, ...partial });
  }

  private async say(text: string): Promise<void> {
    const a = this.personalActivity({ text });
    await this.exchange(a, 'personal');
  }

  private async channel(text: string): Promise<void> {
    const a = this.fake.activity('channel', { serviceUrl: this.serviceUrl, text: mention(text) });
    this.thread = { conversation: a.conversation as Conversation, channelData: a.channelData };
    await this.exchange(a, 'channel');
  }

  private async reply(text: string): Promise<void> {
    if (!this.thread) throw new Failure('no channel thread yet: start one with `channel TEXT`');
    const a = this.fake.activity('channel', {
      serviceUrl: this.serviceUrl,
      text: mention(text),
      conversation: this.thread.conversation,
      channelData: this.thread.channelData,
    });
    await this.exchange(a, 'channel');
  }

  private async file(rest: string): Promise<void> {
    const [path = '', ...words] = rest.split(/\s+/);
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Failure(`${safeInline(path, 200)} is not a file`);
      size = st.size;
    } catch (e) {
      if (e instanceof Failure) throw e;
      throw new Failure(`cannot read ${safeInline(path, 200)}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    if (size > FILE_MAX) throw new Failure(`${safeInline(path, 200)} is over 16 MiB, the bot's limit`);
    const bytes = readFileSync(path).subarray(0, FILE_MAX);
    const a = this.fake.fileActivity(basename(path), bytes, {
      serviceUrl: this.serviceUrl,
      text: words.join(' '),
    });
    await this.exchange(a, 'personal');
  }

  private async answerConsent(action: 'accept' | 'decline'): Promise<void> {
    const c = this.consent;
    if (!c) throw new Failure('no file-consent card to answer: ask for a report first (say report)');
    const invoke = this.fake.consentInvoke(c.body, action);
    invoke.serviceUrl = this.serviceUrl;
    this.consent = null;
    await this.send(invoke, c.conversation);
  }

  private async click(rest: string): Promise<void> {
    const [action = '', host] = rest.split(/\s+/);
    if (!(CARD_ACTIONS as readonly string[]).includes(action))
      throw new Failure(`no button ${safeInline(action, 40)}: one of ${CARD_ACTIONS.join(', ')}`);
    const last = this.last;
    if (!last) throw new Failure('no conversation yet: start one with `say TEXT` or `channel TEXT`');
    // the button's own data (the host the card is about) unless HOST names another
    const data = { ...(last.card?.buttons.get(action) ?? { infralens: action }), ...(host ? { host } : {}) };
    // a pressed Action.Submit: a message with the button's data as its value, no words and no mention
    const a = this.fake.activity(last.kind, {
      serviceUrl: this.serviceUrl,
      conversation: last.conversation,
      ...(last.kind === 'channel' && this.thread ? { channelData: this.thread.channelData } : {}),
      ...(last.card?.activityId ? { replyToId: last.card.activityId } : {}),
      value: data,
      attachments: [],
    });
    delete a.text;
    a.entities = arr(a.entities).filter((e) => obj(e).type !== 'mention');
    await this.exchange(a, last.kind);
  }

  private async install(): Promise<void> {
    const a = this.fake.activity('channel', {
      type: 'conversationUpdate',
      serviceUrl: this.serviceUrl,
      membersAdded: [{ id: `28:${this.fake.appId}` }],
      conversation: {
        id: this.fake.channelConversationId,
        conversationType: 'channel',
        isGroup: true,
        tenantId: this.fake.tenantId,
      },
      attachments: [],
    });
    delete a.text;
    a.entities = arr(a.entities).filter((e) => obj(e).type !== 'mention');
    await this.post(a);
    this.installed = true;
    const id = this.fake.channelConversationId;
    this.out(`the bot was added to the team Platform; its channel gpu-ops has the conversation id\n  ${id}`);
    this.out("for daily posts and alerts there, add it to the inventory's channels (INFRALENS_CONFIG):");
    this.out(`  channels:\n    - { surface: teams, id: '${id}', groups: ['*'] }\n`);
  }

  private async watch(): Promise<void> {
    if (!this.installed)
      this.out('(the bot posts to the channel only after `install` and with the channel in its inventory)');
    this.out(`watching the channel for ${WATCH_MS / 1000} s (Ctrl-C stops)…`);
    const conv = this.fake.channelConversationId;
    const until = Date.now() + WATCH_MS;
    while (Date.now() < until && !this.stop?.signal.aborted) {
      await this.printNew(conv);
      await sleep(POLL_MS * 5, this.stop?.signal).catch(() => {});
    }
    await this.printNew(conv);
  }

  /** Deliver an activity and print the answer posted to its conversation. */
  private async exchange(a: Activity, kind: 'personal' | 'channel'): Promise<void> {
    const conversation = a.conversation as Conversation;
    // a new conversation has no card to click yet; the same one keeps its last card
    const same = this.last?.conversation.id === conversation.id;
    this.last = { kind, conversation, card: same ? (this.last?.card ?? null) : null };
    await this.send(a, conversation.id);
  }

  private async send(a: Activity, conv: string): Promise<void> {
    // anything still unprinted from before (a late message) first, so it is not taken for this answer
    await this.printNew(conv);
    await this.post(a);
    await this.awaitAnswer(conv);
  }

  private async post(a: Activity): Promise<void> {
    let r: { status: number; body: string };
    try {
      r = await this.fake.post(this.bot, a, { token: this.token() });
    } catch (e) {
      if ((e as Error).name === 'TimeoutError')
        throw new Failure(`the bot at ${this.bot} did not answer the request within 10 s`);
      throw new Failure(notListening(this.bot));
    }
    if (r.status === 401)
      throw new Failure('the bot refused the token: did you start it with the env lines printed above?');
    if (r.status < 200 || r.status >= 300)
      throw new Failure(`the bot answered HTTP ${r.status}${r.body ? `: ${safeInline(r.body, 200)}` : ''}`);
  }

  /** Wait for the bot's first message (60 s), then print until it has been quiet for a moment. */
  private async awaitAnswer(conv: string): Promise<void> {
    const signal = this.stop?.signal;
    let typing = false;
    let got = 0;
    let deadline = Date.now() + ANSWER_MS;
    while (Date.now() < deadline && !signal?.aborted) {
      const { messages, typed } = await this.printNew(conv, !typing);
      typing ||= typed;
      if (messages > 0) {
        got += messages;
        deadline = Date.now() + QUIET_MS;
      }
      await sleep(POLL_MS, signal).catch(() => {});
    }
    if (signal?.aborted) return this.out('(stopped waiting)');
    if (got === 0) throw new Failure(`the bot did not answer within ${ANSWER_MS / 1000} s`);
  }

  /** Print the activities posted to `conv` since the last look; typing once when asked to. */
  private async printNew(conv: string, showTyping = false): Promise<{ messages: number; typed: boolean }> {
    const all = this.fake.activitiesTo(conv);
    const from = this.seen.get(conv) ?? 0;
    this.seen.set(conv, all.length);
    let messages = 0;
    let typed = false;
    for (const b of all.slice(from)) {
      if (b.type === 'typing') {
        if (showTyping && !typed) this.out('(typing…)');
        typed = true;
        continue;
      }
      if (b.type !== 'message') continue;
      messages++;
      await this.printMessage(b, conv);
    }
    return { messages, typed };
  }

  private async printMessage(b: Body, conv: string): Promise<void> {
    const lines: string[] = [];
    const text = str(b.text);
    if (text.trim() !== '') lines.push(...plain(text).split('\n'));
    let saved: string | null = null;
    for (const att of arr(b.attachments)) {
      const x = obj(att);
      const name = safeInline(str(x.name), 200);
      if (x.contentType === ADAPTIVE_CARD) lines.push(...cardLines(x.content));
      else if (x.contentType === FILE_CONSENT_CARD) {
        const size = str(obj(x.content).sizeInBytes);
        lines.push(`[file consent: ${name}, ${size} bytes] type \`accept\` or \`decline\``);
        this.consent = { body: b, conversation: conv };
      } else if (x.contentType === FILE_INFO_CARD) {
        const uniqueId = str(obj(x.content).uniqueId);
        const upload = [...this.fake.uploads.values()].find((u) => u.uniqueId === uniqueId);
        lines.push(
          upload
            ? `[file: ${name} uploaded, ${upload.bytes.length} bytes${upload.complete ? '' : ' (incomplete)'}]`
            : `[file: ${name}]`,
        );
        if (upload?.complete) saved = this.save(upload.name, upload.bytes);
      } else if (x.contentType !== 'text/html')
        lines.push(`[attachment: ${safeInline(str(x.contentType), 100)}]`);
    }
    if (lines.length === 0) lines.push(str(b.summary) ? plain(str(b.summary)) : '(an empty message)');
    this.out(lines.map((l) => (l === '' ? '' : `  ${l}`)).join('\n'));
    if (saved) this.out(`  saved the uploaded file to ${saved}`);
    this.rememberCard(b, conv);
    for (const url of reportLinks(text)) this.out(`  ${await checkPdfLink(url)}`);
    this.out('');
  }

  /** The last card with buttons is what `click` presses (its activity id and data, as Teams sends them). */
  private rememberCard(b: Body, conv: string): void {
    if (this.last?.conversation.id !== conv) return;
    const buttons = new Map<string, Body>();
    for (const att of arr(b.attachments)) {
      const x = obj(att);
      if (x.contentType !== ADAPTIVE_CARD) continue;
      for (const a of arr(obj(x.content).actions)) {
        const data = obj(obj(a).data);
        if (obj(a).type === 'Action.Submit' && typeof data.infralens === 'string')
          buttons.set(data.infralens, data);
      }
    }
    if (buttons.size === 0) return;
    // the id the connector gave this message (what Teams puts in a submitted card's replyToId)
    const call = this.fake.sent.find((c) => c.body === b);
    this.last.card = { activityId: call?.newId ?? '', buttons };
  }

  /** The uploaded file, written to a temp folder of this session; its path. */
  private save(name: string, bytes: Buffer): string {
    this.saveDir ??= mkdtempSync(join(tmpdir(), 'infralens-try-teams-'));
    const safe =
      basename(name)
        .replace(/[^\w.-]+/g, '_')
        .slice(0, 100) || 'report.pdf';
    const path = join(this.saveDir, safe);
    writeFileSync(path, bytes);
    return path;
  }
}

/** The URLs of report links (GET /reports/:token) in a message. */
function reportLinks(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s()<>[\]]+\/reports\/[^\s()<>[\]]+/g) ?? [])].slice(0, 4);
}

/** Fetch a report link and say whether it serves a PDF. */
async function checkPdfLink(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: 'manual' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return `[PDF link failed: HTTP ${res.status}]`;
    }
    const bytes = await readCapped(res, PDF_MAX);
    if (bytes === null) return `[PDF link: more than ${PDF_MAX / 1024 / 1024} MiB]`;
    if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') return '[PDF link failed: not a PDF]';
    return `[PDF link works: ${bytes.length} bytes]`;
  } catch (e) {
    return `[PDF link failed: ${safeInline((e as Error).message, 200)}]`;
  }
}

/** A response body, or null past `max` bytes. */
async function readCapped(res: Response, max: number): Promise<Buffer | null> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
}

const mention = (text: string) =>
  text.includes('<at>') ? text : `<at>${TEAMS_FAKE_DEFAULTS.botName}</at> ${text}`;

const notListening = (bot: string) => `nothing answers at ${bot}: start the bot with the env lines above`;

function need(rest: string, usage: string): string {
  if (rest === '') throw new Failure(`usage: ${usage}`);
  return rest;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('stopped'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('stopped'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// The forwarder: a fixed port in front of the fake
// ---------------------------------------------------------------------------------------------

/** Listen on 127.0.0.1:port and pass every connection through to the fake; null when the port is taken. */
async function forwarder(
  port: number,
  target: number,
): Promise<{ server: NetServer; port: number; close(): void } | null> {
  const sockets = new Set<Socket>();
  const server = createNetServer({ allowHalfOpen: true }, (client) => {
    const up = connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
    for (const s of [client, up]) sockets.add(s);
    const drop = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    client.pipe(up);
    up.pipe(client);
  });
  const ok = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EADDRINUSE' ? resolve(false) : reject(e),
    );
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!ok) return null;
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      bot: { type: 'string' },
      'wait-bot': { type: 'boolean' },
      do: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n${COMMANDS}`);
    process.exit(0);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Failure('--port: a port number, 0–65535');
  let bot: URL;
  try {
    bot = new URL(values.bot ?? DEFAULT_BOT);
  } catch {
    throw new Failure('--bot: a URL, e.g. http://127.0.0.1:3000');
  }
  if (bot.protocol !== 'http:' && bot.protocol !== 'https:')
    throw new Failure('--bot: an http:// or https:// URL');
  return {
    port,
    bot: bot.origin,
    waitBot: values['wait-bot'] === true,
    commands: values.do ?? null,
  };
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = options(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`try-teams: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const fake = await startFakeTeams();
  const innerPort = Number(new URL(fake.url).port);
  let front = await forwarder(o.port, innerPort);
  if (!front) {
    out(`(port ${o.port} is taken: the fake listens on a free port instead)`);
    front = (await forwarder(0, innerPort))!;
  }
  const frontUrl = `http://127.0.0.1:${front.port}`;
  const botPort = new URL(o.bot).port || (o.bot.startsWith('https:') ? '443' : '80');
  const env = [
    `TEAMS_APP_ID=${fake.appId}`,
    `TEAMS_APP_PASSWORD=${fake.secret}`,
    `TEAMS_TENANT_ID=${fake.tenantId}`,
    `TEAMS_AUTHORITY=${frontUrl}`,
    `INFRALENS_PUBLIC_URL=${o.bot}`,
    `PORT=${botPort}`,
  ];
  out(`fake Microsoft Teams on ${frontUrl} (Entra, the Bot Framework connector, OneDrive uploads)`);
  out('the bot needs these settings (Redis at REDIS_URL, default redis://127.0.0.1:6379):');
  out('');
  for (const line of env) out(line);
  out('');
  out('for example, in another terminal:');
  out(`  env ${env.join(' ')} INFRALENS_DEMO=1 ./bin/infralens bot`);
  out('');

  const session = new Session(fake, frontUrl, o.bot, out);
  let code = 0;
  try {
    if (o.waitBot) {
      try {
        await session.waitForBot(HEALTH_WAIT_MS);
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        out(e.message);
        if (o.commands) return 1;
      }
    }
    if (o.commands) {
      for (const c of o.commands) {
        out(`teams> ${c}`);
        try {
          if (await session.run(c)) break;
        } catch (e) {
          if (!(e instanceof Failure)) throw e;
          out(e.message);
          code = 1;
          break;
        }
      }
      return code;
    }
    out(`${COMMANDS}`);
    await interactive(session, out);
    return 0;
  } finally {
    front.close();
    await fake.close();
  }
}

async function interactive(session: Session, out: (line: string) => void): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'teams> ' });
  let busy = false;
  // Ctrl-C stops a wait; at the prompt it quits
  rl.on('SIGINT', () => {
    if (busy && session.stop) session.stop.abort();
    else rl.close();
  });
  rl.prompt();
  for await (const line of rl) {
    if (line.trim() !== '') {
      busy = true;
      session.stop = new AbortController();
      try {
        if (await session.run(line)) break;
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        out(e.message);
      } finally {
        busy = false;
        session.stop = null;
      }
    }
    rl.prompt();
  }
  rl.close();
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`try-teams: ${safeInline(String((e as Error)?.stack ?? e), 4000)}\n`);
    process.exit(1);
  },
);
