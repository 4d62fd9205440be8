/**
 * `infralens teams-app`: the Microsoft Teams app package, the zip an admin uploads in Teams (Apps → Manage
 * your apps → Upload an app). It holds manifests/teams/manifest.json with the bot's Entra app id and public
 * host filled in for `{{TEAMS_APP_ID}}` and `{{PUBLIC_HOST}}`, and the files the manifest names (its two
 * icons, its language files). An entry-point module: it reads the files and the environment it is given
 * (the CLI passes process.env: TEAMS_APP_ID and INFRALENS_PUBLIC_URL stand in for the options), writes the
 * zip and returns the exit code.
 *
 * The zip is written here (local headers, deflate-raw or stored entries, central directory, CRC32) rather
 * than with a dependency: four small files. Entries carry a fixed date, so the same inputs make the same
 * bytes.
 *
 * Exit codes: 0 written · 2 usage (one line naming the option and what it takes) or the file cannot be
 * written · 1 the checkout's manifests/teams/ is incomplete or broken.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { mapStrings, safeInline } from '../scoring/text-safety.ts';
import { UsageError } from '../tools/errors.ts';
import { projectRoot } from '../tools/paths.ts';

type Env = Readonly<Record<string, string | undefined>>;

interface TeamsAppIo {
  out(s: string): void;
  err(s: string): void;
}

const USAGE = 'usage: infralens teams-app --app-id GUID --host HOST [--out FILE]';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** No file of the package comes near this (Teams' own limits are far smaller); a bigger one is not ours. */
const MAX_FILE = 1 << 20;

/** Why `host` is not a public host name (bot.example.com), or null when it is one. */
export function hostProblem(host: string): string | null {
  const shown = safeInline(host, 80);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(host);
  if (scheme) return `--host takes the bot's host name, not a URL: drop '${safeInline(scheme[0], 20)}'`;
  if (/[/?#]/.test(host)) return `--host takes the bot's host name without a path, not '${shown}'`;
  if (/:\d*$/.test(host)) return `--host takes the bot's host name without a port, not '${shown}'`;
  const labels = host.replace(/\.$/, '').split('.');
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
  if (
    host.length > 253 ||
    labels.length < 2 ||
    !labels.every((l) => label.test(l)) ||
    /^\d+$/.test(labels.at(-1)!)
  )
    return `--host '${shown}' is not a public host name like bot.example.com`;
  return null;
}

/** The package's files: manifest.json first, then what it names (icons, language files), each once. */
function packageFiles(manifest: Record<string, unknown>): string[] {
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  const loc = (manifest.localizationInfo ?? {}) as {
    defaultLanguageFile?: unknown;
    additionalLanguages?: unknown;
  };
  const languages = Array.isArray(loc.additionalLanguages) ? loc.additionalLanguages : [];
  const named = [
    icons.color,
    icons.outline,
    loc.defaultLanguageFile,
    ...languages.map((l) => (l as { file?: unknown }).file),
  ].filter((f): f is string => typeof f === 'string');
  for (const f of named)
    if (!/^[\w.-]+$/.test(f) || f.startsWith('.'))
      throw new Error(
        `manifests/teams/manifest.json names '${safeInline(f, 80)}': the package holds plain file names only`,
      );
  return ['manifest.json', ...new Set(named)];
}

function readTeamsFile(name: string): Buffer {
  const url = new URL(`manifests/teams/${name}`, projectRoot());
  let size: number;
  try {
    size = statSync(url).size;
  } catch {
    throw new Error(`manifests/teams/${name} is missing: the checkout is incomplete`);
  }
  if (size > MAX_FILE)
    throw new Error(`manifests/teams/${name} is ${size} bytes, over ${MAX_FILE}: not ours`);
  return readFileSync(url);
}

/** A JSON file of the package with the placeholders filled; one left over is a broken template. */
function fill(name: string, bytes: Buffer, values: Record<string, string>): Buffer {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new Error(`manifests/teams/${name} is not JSON: ${(e as Error).message}`);
  }
  const filled = mapStrings(json, (s) =>
    s.replace(/\{\{([A-Z_]+)\}\}/g, (m, key: string) => values[key] ?? m),
  );
  const text = `${JSON.stringify(filled, null, 2)}\n`;
  const left = /\{\{[^}]*\}\}/.exec(text);
  if (left) throw new Error(`manifests/teams/${name} has an unknown placeholder ${safeInline(left[0], 40)}`);
  return Buffer.from(text, 'utf8');
}

// CRC32 (the zip's and PNG's): node:zlib has it from Node 20.15; older 20.x computes it from a table
let table: Uint32Array | undefined;
export function tableCrc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of data) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
const crc32: (data: Uint8Array) => number =
  (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ?? tableCrc32;

/**
 * A zip archive (PKWARE APPNOTE 4.3): each entry deflated (method 8) unless that is no smaller (stored,
 * method 0), names ASCII, dated 1980-01-01 00:00, no ZIP64 (the package is kilobytes).
 */
export function zipArchive(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'ascii');
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const stored = deflated.length >= data.length;
    const body = stored ? Buffer.from(data) : deflated;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is read)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk number, internal attributes: 0
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8); // entries on this disk
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The host of INFRALENS_PUBLIC_URL, when it is a URL. */
function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

export async function teamsAppCommand(argv: string[], io: TeamsAppIo, env: Env = {}): Promise<number> {
  let appId: string;
  let host: string;
  let out: string;
  try {
    let values: { 'app-id'?: string | undefined; host?: string | undefined; out: string; help: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          'app-id': { type: 'string' },
          host: { type: 'string' },
          out: { type: 'string', default: 'infralens-teams.zip' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      }));
    } catch (e) {
      throw new UsageError(safeInline((e as Error).message, 200));
    }
    if (values.help) {
      io.out(USAGE);
      io.out("  --app-id  the bot's Entra application (client) id (default: TEAMS_APP_ID)");
      io.out(
        "  --host    the bot's public host name, e.g. bot.example.com (default: the host of INFRALENS_PUBLIC_URL)",
      );
      io.out('  --out     the package to write (default: infralens-teams.zip)');
      return 0;
    }
    const id = values['app-id'] ?? env.TEAMS_APP_ID;
    if (id === undefined || id === '')
      throw new UsageError(
        "--app-id is missing: give the bot's Entra application (client) id, a GUID (or set TEAMS_APP_ID)",
      );
    if (!GUID.test(id))
      throw new UsageError(
        `--app-id takes the bot's Entra application (client) id, a GUID like 0b7c1e2a-…, not '${safeInline(id, 80)}'`,
      );
    const h = values.host ?? hostOf(env.INFRALENS_PUBLIC_URL);
    if (h === undefined || h === '')
      throw new UsageError(
        "--host is missing: give the bot's public host name, e.g. bot.example.com (or set INFRALENS_PUBLIC_URL)",
      );
    const problem = hostProblem(h);
    if (problem) throw new UsageError(problem);
    if (values.out === '') throw new UsageError('--out takes a file name');
    appId = id.toLowerCase();
    host = h.toLowerCase().replace(/\.$/, '');
    out = resolve(values.out);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`infralens: teams-app: ${e.message} (${USAGE})`);
    return 2;
  }

  let archive: Buffer;
  let names: string[];
  try {
    const manifestBytes = readTeamsFile('manifest.json');
    const values = { TEAMS_APP_ID: appId, PUBLIC_HOST: host };
    const manifest = JSON.parse(fill('manifest.json', manifestBytes, values).toString('utf8')) as Record<
      string,
      unknown
    >;
    names = packageFiles(manifest);
    archive = zipArchive(
      names.map((name) => {
        const bytes = readTeamsFile(name);
        return { name, data: name.endsWith('.json') ? fill(name, bytes, values) : bytes };
      }),
    );
  } catch (e) {
    io.err(`infralens: teams-app: ${safeInline((e as Error).message, 300)}`);
    return 1;
  }
  try {
    writeFileSync(out, archive);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    io.err(`infralens: teams-app: cannot write ${safeInline(out, 300)} (${code})`);
    return 2;
  }
  io.out(
    `Teams app package written to ${safeInline(out, 300)}: ${names.join(', ')} (app id ${appId}, host ${host})`,
  );
  io.out('Upload it in Teams: Apps → Manage your apps → Upload an app (manifests/README.md).');
  return 0;
}
