/**
 * The InfraLens command line. Entry point: the only place (with the bot and worker mains) that reads
 * files, argv and the environment, prints, and exits.
 *
 * Exit codes: 0 ok · 2 bad input or usage (message on stderr naming the file and the problem) · 1 internal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
// Heavy modules (the analysis, the PDF renderer, the Anthropic SDK) are imported inside the commands that
// use them, so `formats` or `analyze` of one file start fast. Type-only imports cost nothing.
import type { Reply } from '../bot/conversation/reply.ts';
import type { Analysis } from '../scoring/analyze.ts';
import { safeInline, safeText } from '../scoring/text-safety.ts';
import type { Services } from '../tools/agent/types.ts';
import { ConfigError, InputError, UsageError } from '../tools/errors.ts';
import type { InputFile } from '../tools/ingest/index.ts';
import { projectRoot } from '../tools/paths.ts';
import type { Lang } from '../tools/render/text.ts';
import { SCENARIOS, scenarioFiles } from '../tools/scenarios.ts';

export { SCENARIOS, scenarioFiles };

const COLLECT_SCRIPT = new URL('tools/collect/infralens-collect.sh', projectRoot());

const USAGE = `InfraLens — why are your GPU servers under-used?

Usage:
  infralens analyze [--workloads FILE] [--lang ko|en] [--json] [--pdf FILE] [--host NAME] [--vmid [FILE=]ID]... [--keep-going] [--no-plan] FILE...
                                        score, grade, findings with evidence, and the placement plan
                                        (--json: the JSON contract)
  infralens demo [--scenario h200|l40s] [--lang ko|en] [--json] [--pdf FILE | --no-pdf]
                                        a demo server end to end (no network, no keys, no Redis);
                                        writes the PDF report to infralens-report.pdf unless told otherwise
  infralens plan [--pin NAME]... [--reserve GPU]... [--lang ko|en] [--json] [--host NAME] [--vmid [FILE=]ID]... FILE...
                                        only the placement plan: moves, gains and commands (never run)
  infralens ask "QUESTION" [--input FILE]... [--scenario h200|l40s] [--pdf FILE]
                                        one question to the assistant (Claude with ANTHROPIC_API_KEY, else
                                        the offline analyst); answers in the question's language
  infralens chat [--input FILE]... [--scenario h200|l40s]   an interactive conversation
  infralens parse [--host NAME] [--vmid [FILE=]ID]... [--keep-going] FILE...
                                        merged host snapshot as JSON (schemaVersion 1)
  infralens bot                                           the Slack bot (HTTP on PORT, or Socket Mode with
                                        SLACK_APP_TOKEN) and its workers; settings from the environment
  infralens worker                                        workers only (more machines on the same Redis)
  infralens collect-script                                print the read-only collector script (POSIX sh)
  infralens hosts [HOST|GROUP] [--json]                   the fleet inventory (INFRALENS_CONFIG) and each
                                        host's last collection
  infralens collect [HOST|GROUP] [--out DIR] [--json]     collect now over SSH (the collector on one exec
                                        channel), recorded in the history when Redis answers; exit 0 all
                                        ok, 1 some host failed, 2 usage/inventory
  infralens history HOST [--days N] [--lang ko|en] [--json]
                                        a host's score trend from the history in Redis (REDIS_URL): one
                                        line per day (grade, score, change, top finding), a sparkline
  infralens digest --now [CHANNEL] [--pdf FILE]           post the daily score post now (SLACK_BOT_TOKEN);
                                        without a token a dry run: the post printed, the PDF to --pdf
  infralens window HOST [--window 24h|7d|yesterday|this week] [--lang ko] [--json] [--out FILE]
                                        a host's GPU window from its Prometheus (INFRALENS_CONFIG): idle
                                        hours, SM active mean and p95 per GPU, and the findings with it
  infralens proxmox-map [CLUSTER] [--json]
                                        a Proxmox cluster's VM ↔ GPU ↔ NUMA map from its API (no SSH)
  infralens teams-app --app-id GUID --host HOST [--out FILE]
                                        the Microsoft Teams app package (zip) to upload in Teams;
                                        defaults: TEAMS_APP_ID, the host of INFRALENS_PUBLIC_URL
  infralens formats                                       the input formats InfraLens reads and recognises
  infralens help

FILE is any command output InfraLens reads (format auto-detected) or a bundle from collect-script; at most
16 MiB, read within 10 s (pipes and devices too). --vmid gives the Proxmox VM id of a VM config that does
not carry one (qm config output): --vmid 102 with one FILE, --vmid FILE=102 with several.
Several files for one host are merged; conflicting values are reported in "conflicts".
Exit codes: 0 ok, 2 bad input or usage, 1 internal error.`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** a prompt printed without a newline (chat); none in tests. */
  prompt?: (s: string) => void;
  /** the lines chat reads (default: stdin). */
  lines?: () => AsyncIterable<string>;
  /**
   * The fleet's history store (Redis), built by the entry point (`fleetHooks`): `hosts` reads each host's
   * last collection from it ("unknown" without it), `collect` records into it, `history` and `digest`
   * need it.
   */
  fleet?: import('./fleet.ts').FleetHooks;
}

/** Read input files, bounded in bytes and time (tools/ingest/read-file.ts); `--vmid` ids go to their files. */
async function readInputs(paths: readonly string[], vmids: readonly string[] = []): Promise<InputFile[]> {
  const { readInputFile } = await import('../tools/ingest/read-file.ts');
  const ids = vmidsFor(paths, vmids);
  return Promise.all(paths.map((p) => readInputFile(p, undefined, ids.has(p) ? { vmid: ids.get(p)! } : {})));
}

/** `--vmid 102` (one FILE) or `--vmid FILE=102` (any number): the Proxmox VM id of a VM config without one. */
function vmidsFor(paths: readonly string[], vmids: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of vmids) {
    const m = /^(?:(.+)=)?(\d{3,9})$/.exec(v);
    if (!m) throw new UsageError(`--vmid takes a Proxmox VM id (100–999999999) or FILE=ID, not '${v}'`);
    const file = m[1] ?? (paths.length === 1 ? paths[0]! : undefined);
    if (file === undefined)
      throw new UsageError(
        '--vmid ID names the VM of a single FILE; with several files write --vmid FILE=ID',
      );
    if (!paths.includes(file)) throw new UsageError(`--vmid ${v}: '${file}' is not one of the input files`);
    out.set(file, Number(m[2]));
  }
  return out;
}

async function parseCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      vmid: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('parse: give at least one FILE');
  const files = await readInputs(positionals, values.vmid);
  const { ingest } = await import('../tools/ingest/index.ts');
  const result = ingest(files, values.host === undefined ? {} : { host: values.host });
  for (const r of result.rejected) io.err(`infralens: ${r.error.describe()}`);
  if (result.rejected.length > 0 && !values['keep-going']) return 2;
  io.out(JSON.stringify(result.snapshot, null, 2));
  return 0;
}

function langOf(v: string | undefined): Lang {
  if (v === undefined || v === 'en' || v === 'ko') return v ?? 'en';
  throw new UsageError(`--lang must be ko or en, not '${v}'`);
}

interface ReportOptions {
  host?: string;
  lang: Lang;
  json: boolean;
  keepGoing: boolean;
  /** include the placement plan (analyze/demo: yes; `--no-plan` skips it). */
  plan: boolean;
  pin?: string[];
  reserve?: number[];
  /** print only the plan. */
  planOnly?: boolean;
  /** write the PDF report here. */
  pdf?: string;
  /** the report's date (tests pin it; the CLI uses the clock). */
  now?: Date;
}

async function report(files: InputFile[], opts: ReportOptions, io: Io): Promise<number> {
  const [
    { ingestHosts },
    { analyzeFleet },
    { analyzeAndPlan, PlacementError },
    { renderAnalysis, renderPlan },
  ] = await Promise.all([
    import('../tools/ingest/index.ts'),
    import('../scoring/analyze.ts'),
    import('../scoring/placement/index.ts'),
    import('../tools/render/text.ts'),
  ]);
  const { snapshots, rejected } = ingestHosts(files, opts.host === undefined ? {} : { host: opts.host });
  for (const r of rejected) io.err(`infralens: ${r.error.describe()}`);
  if (rejected.length > 0 && !opts.keepGoing) return 2;
  const placementOptions = {
    ...(opts.pin ? { pin: opts.pin } : {}),
    ...(opts.reserve ? { reserve: opts.reserve } : {}),
  };
  let analysis: Analysis;
  try {
    analysis = opts.plan ? analyzeAndPlan(snapshots, placementOptions) : analyzeFleet(snapshots);
  } catch (e) {
    if (e instanceof PlacementError) throw new UsageError(e.message);
    throw e;
  }
  if (opts.planOnly) {
    if (opts.json) {
      const hosts = analysis.hosts.map((h) => ({
        host: h.host,
        placement: h.placement,
        placementReason: h.placementReason,
      }));
      io.out(JSON.stringify({ schemaVersion: 1, fleet: analysis.fleet.placement, hosts }, null, 2));
    } else
      io.out(
        analysis.hosts
          .map((h) =>
            [
              safeInline(`InfraLens — ${h.host ?? '(unnamed host)'}`),
              '',
              ...(h.placement ? renderPlan(h.placement, opts.lang) : [safeText(h.placementReason ?? '')]),
            ].join('\n'),
          )
          .join('\n\n'),
      );
    return 0;
  }
  io.out(opts.json ? JSON.stringify(analysis, null, 2) : renderAnalysis(analysis, opts.lang));
  if (opts.pdf !== undefined) {
    const now = opts.now ?? new Date();
    const { buildReport } = await import('../scoring/report.ts');
    const bytes = await SERVICES.renderReport(buildReport(analysis, opts.lang, now), now);
    const path = resolve(opts.pdf);
    try {
      writeFileSync(path, bytes);
    } catch (e) {
      throw new UsageError(
        `cannot write the PDF report to ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    io.err(`infralens: PDF report written to ${path} (${Math.round(bytes.length / 1024)} KiB)`);
  }
  return 0;
}

async function planCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      pin: { type: 'string', multiple: true },
      vmid: { type: 'string', multiple: true },
      reserve: { type: 'string', multiple: true },
      lang: { type: 'string' },
      json: { type: 'boolean', default: false },
      host: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('plan: give at least one FILE');
  const reserve = (values.reserve ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => {
      const n = Number(r.replace(/^GPU/i, ''));
      if (!Number.isInteger(n) || n < 0 || r.trim() === '')
        throw new UsageError(`--reserve takes GPU indexes (e.g. 4 or GPU4), not '${r}'`);
      return n;
    });
  const opts: ReportOptions = {
    lang: langOf(values.lang),
    json: values.json,
    keepGoing: values['keep-going'],
    plan: true,
    planOnly: true,
    pin: (values.pin ?? []).flatMap((p) => p.split(',')),
    reserve,
  };
  return report(
    await readInputs(positionals, values.vmid),
    values.host === undefined ? opts : { ...opts, host: values.host },
    io,
  );
}

async function analyzeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      workloads: { type: 'string' },
      lang: { type: 'string' },
      json: { type: 'boolean', default: false },
      host: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      'no-plan': { type: 'boolean', default: false },
      pdf: { type: 'string' },
      vmid: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('analyze: give at least one FILE');
  const files = await readInputs(positionals, values.vmid);
  if (values.workloads !== undefined) {
    const wl = (await readInputs([values.workloads]))[0]!;
    const { ingest } = await import('../tools/ingest/index.ts');
    const parsed = ingest([wl]).snapshot;
    if (!parsed.sources.some((s) => s.format === 'workloads'))
      throw new InputError(
        'INPUT_MALFORMED',
        'not a workloads file (YAML or JSON with a top-level `workloads:` list)',
        {
          file: values.workloads,
        },
      );
    files.push(wl);
  }
  const opts: ReportOptions = {
    lang: langOf(values.lang),
    json: values.json,
    keepGoing: values['keep-going'],
    plan: !values['no-plan'],
    ...(values.pdf !== undefined ? { pdf: values.pdf } : {}),
  };
  return report(files, values.host === undefined ? opts : { ...opts, host: values.host }, io);
}

async function demoCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: 'string', default: 'h200' },
      lang: { type: 'string' },
      json: { type: 'boolean', default: false },
      pdf: { type: 'string', default: 'infralens-report.pdf' },
      'no-pdf': { type: 'boolean', default: false },
    },
    strict: true,
  });
  return report(
    scenarioFiles(values.scenario),
    {
      lang: langOf(values.lang),
      json: values.json,
      keepGoing: false,
      plan: true,
      ...(values['no-pdf'] ? {} : { pdf: values.pdf }),
    },
    io,
  );
}

const SERVICES: Services = {
  renderReport: async (model, now) => (await import('../jobs/report/pdf.ts')).renderPdf(model, now),
  now: () => new Date(),
};

/** The conversation core as the CLI uses it: one conversation in memory, the files or a demo scenario. */
async function conversationSetup(
  values: { input?: string[] | undefined; scenario?: string | undefined },
  io: Io,
) {
  const { agentConfigFrom, modelFrom } = await import('../bot/agent/config.ts');
  const { LocalRunner } = await import('../tools/agent/runner.ts');
  const config = agentConfigFrom(process.env);
  let files: InputFile[];
  if (values.input && values.input.length > 0) files = await readInputs(values.input);
  else {
    const scenario = values.scenario ?? 'h200';
    if (!values.scenario) io.err(`infralens: no --input given: using the demo scenario '${scenario}'`);
    files = scenarioFiles(scenario);
  }
  const { runTurn } = await import('../bot/conversation/turn.ts');
  const { MemoryStore } = await import('../bot/conversation/store.ts');
  const deps = {
    store: new MemoryStore(),
    model: modelFrom(config),
    runner: new LocalRunner(config.toolTimeoutMs),
    services: SERVICES,
    baseInputs: files,
    redact: config.redact,
    thinking: config.thinking,
    limits: { deadlineMs: config.deadlineMs, maxTokens: config.maxTokens },
  };
  const conversationId = `cli-${process.pid}-${Date.now()}`;
  return { ask: (text: string) => runTurn({ conversationId, text }, deps).then((r) => r.reply) };
}

function deliver(r: Reply, pdf: string | undefined, io: Io): void {
  io.out(r.text);
  for (const n of r.notes) io.err(`infralens: ${n}`);
  const attached = r.attachments.find((a) => a.kind === 'pdf');
  if (attached) {
    const path = resolve(pdf ?? attached.filename);
    writeFileSync(path, attached.bytes);
    io.err(`infralens: PDF report written to ${path}`);
  }
  io.err(
    `infralens: ${r.mode === 'llm' ? 'answered by Claude' : `offline analyst${r.fallbackReason ? ` (${r.fallbackReason})` : ' (no ANTHROPIC_API_KEY)'}`}; tools: ${r.toolCalls.map((t) => `${t.name}${t.ok ? '' : ' (failed)'}`).join(', ') || 'none'}`,
  );
}

async function askCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      input: { type: 'string', multiple: true },
      scenario: { type: 'string' },
      pdf: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const question = positionals.join(' ').trim();
  if (!question) throw new UsageError('ask: give a QUESTION');
  const conversation = await conversationSetup(values, io);
  const r = await conversation.ask(question);
  // asked for a PDF without asking for the report: ask for it as the next turn would
  if (values.pdf && !r.attachments.some((a) => a.kind === 'pdf')) {
    const report = await conversation.ask(r.lang === 'ko' ? '보고서 만들어 줘' : 'make the PDF report');
    r.attachments.push(...report.attachments);
  }
  deliver(r, values.pdf, io);
  return 0;
}

async function chatCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { input: { type: 'string', multiple: true }, scenario: { type: 'string' } },
    strict: true,
  });
  const conversation = await conversationSetup(values, io);
  io.out('InfraLens chat — ask about your GPU servers (Korean or English). "exit" or Ctrl-D ends.');
  const prompt = () => io.prompt?.('> ');
  prompt();
  for await (const line of io.lines ? io.lines() : await stdinLines()) {
    const q = line.trim();
    if (/^(exit|quit|종료)$/i.test(q)) break;
    if (q !== '') deliver(await conversation.ask(q), undefined, io);
    prompt();
  }
  return 0;
}

/** Lines of stdin; the async iterator buffers lines typed (or piped) while an answer is being computed. */
async function stdinLines(): Promise<AsyncIterable<string>> {
  const { createInterface } = await import('node:readline');
  return createInterface({ input: process.stdin, terminal: false });
}

async function formatsCommand(io: Io): Promise<number> {
  const { PARSERS, UNSUPPORTED } = await import('../tools/parsers/index.ts');
  io.out('Reads (auto-detected):');
  for (const p of PARSERS) io.out(`  ${p.id.padEnd(22)} ${p.title}`);
  io.out('\nRecognised but not read (you are told what to send instead):');
  for (const u of UNSUPPORTED) io.out(`  ${u.id.padEnd(22)} ${u.title}`);
  return 0;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'parse':
        return await parseCommand(rest, io);
      case 'analyze':
        return await analyzeCommand(rest, io);
      case 'plan':
        return await planCommand(rest, io);
      case 'ask':
        return await askCommand(rest, io);
      case 'chat':
        return await chatCommand(rest, io);
      case 'demo':
        return await demoCommand(rest, io);
      case 'bot':
      case 'worker': {
        if (rest.length > 0)
          throw new UsageError(`${command} takes no arguments: it is configured by the environment`);
        const { runFromEnv } = await import('../bot/main.ts');
        const code = await runFromEnv(command, io.err);
        // a stopped bot exits even if a library left a handle open
        setTimeout(() => process.exit(code), 2000).unref();
        return code;
      }
      case 'hosts': {
        const { hostsCommand } = await import('./fleet.ts');
        return await hostsCommand(rest, io, process.env, io.fleet);
      }
      case 'collect': {
        const { collectCommand } = await import('./fleet.ts');
        return await collectCommand(rest, io, process.env, io.fleet);
      }
      case 'history': {
        const { historyCommand } = await import('./fleet.ts');
        return await historyCommand(rest, io, process.env, io.fleet);
      }
      case 'digest': {
        const { digestCommand } = await import('./fleet.ts');
        return await digestCommand(rest, io, process.env, io.fleet);
      }
      case 'window': {
        const { windowCommand } = await import('./live.ts');
        return await windowCommand(rest, io, process.env);
      }
      case 'proxmox-map': {
        const { proxmoxMapCommand } = await import('./live.ts');
        return await proxmoxMapCommand(rest, io, process.env);
      }
      case 'teams-app': {
        const { teamsAppCommand } = await import('./teams-app.ts');
        return await teamsAppCommand(rest, io, process.env);
      }
      case 'collect-script':
        io.out(readFileSync(COLLECT_SCRIPT, 'utf8').trimEnd());
        return 0;
      case 'formats':
        return await formatsCommand(io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`infralens: ${e.describe()}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      io.err(`infralens: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`infralens: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`infralens: internal error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

const isEntry =
  process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === new URL(import.meta.url).pathname;
if (isEntry) {
  // a closed pipe (`infralens demo | head`) is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  // the fleet's Redis (REDIS_URL, INFRALENS_QUEUE_PREFIX): connected only by a command that uses it
  const { fleetHooks } = await import('./fleet.ts');
  const fleet = fleetHooks(process.env);
  const code = await main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    // messages quote file names and placement reasons from the inputs: no control character reaches the terminal
    err: (s) => process.stderr.write(`${safeText(s)}\n`),
    prompt: (s) => process.stdout.write(s),
    fleet,
  });
  await fleet.close();
  process.exitCode = code;
}
