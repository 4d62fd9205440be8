/**
 * manifests/teams/ against the code and against Teams' rules: the manifest's command lists are exactly
 * bot/teams/commands.ts TEAMS_COMMANDS (in order, one list per scope the bot has), every field within the
 * v1.22 schema's limits, the icons real PNGs of the sizes Teams asks for (the outline white on transparent),
 * the Korean strings one per command. Then `infralens teams-app` builds the package, and the zip is read
 * back here (and by `unzip -t` where installed): placeholders replaced, the files byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { hostProblem, tableCrc32, teamsAppCommand, zipArchive } from '../../bin/teams-app.ts';
import { parseCommand, TEAMS_COMMANDS } from '../../bot/teams/commands.ts';

const root = new URL('../../', import.meta.url);
const teamsDir = new URL('manifests/teams/', root);
const read = (name: string) => readFileSync(new URL(name, teamsDir));

interface Command {
  title: string;
  description: string;
}
interface Manifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full?: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  accentColor: string;
  bots: {
    botId: string;
    scopes: string[];
    supportsFiles: boolean;
    isNotificationOnly: boolean;
    commandLists: { scopes: string[]; commands: Command[] }[];
  }[];
  permissions: string[];
  validDomains: string[];
  localizationInfo: {
    defaultLanguageTag: string;
    additionalLanguages: { languageTag: string; file: string }[];
  };
}

const manifest = JSON.parse(read('manifest.json').toString('utf8')) as Manifest;
const bot = manifest.bots[0]!;
const expected = TEAMS_COMMANDS.map(({ title, description }) => ({ title, description }));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Characters as Teams counts them (code points). */
const len = (s: string) => Array.from(s).length;

describe('the Teams manifest matches the code', () => {
  it('is a v1.22 manifest with the placeholders the package fills', () => {
    expect(manifest.$schema).toBe(
      'https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json',
    );
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.id).toBe('{{TEAMS_APP_ID}}');
    expect(manifest.bots).toHaveLength(1); // Teams allows one bot per app
    expect(bot.botId).toBe('{{TEAMS_APP_ID}}');
    expect(manifest.validDomains).toEqual(['{{PUBLIC_HOST}}']);
    for (const url of [
      manifest.developer.websiteUrl,
      manifest.developer.privacyUrl,
      manifest.developer.termsOfUseUrl,
    ])
      expect(url).toMatch(/^https:\/\/\{\{PUBLIC_HOST\}\}\//);
    expect(manifest.developer.name).toBe('InfraLens');
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
  });

  it('its version is the product’s (Teams refuses an update that does not raise it)', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
  });

  it('the bot: files on, conversational, in personal chats, teams and group chats', () => {
    expect(bot.supportsFiles).toBe(true);
    expect(bot.isNotificationOnly).toBe(false);
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    expect(manifest.permissions).toEqual(['identity', 'messageTeamMembers']);
  });

  it('one command list per scope of the bot, each exactly TEAMS_COMMANDS in order', () => {
    const listed = bot.commandLists.flatMap((l) => l.scopes);
    expect([...listed].sort()).toEqual([...bot.scopes].sort());
    expect(new Set(listed).size).toBe(listed.length);
    for (const list of bot.commandLists) expect(list.commands).toEqual(expected);
  });

  it('every command title is a word the bot parses as that command', () => {
    for (const c of TEAMS_COMMANDS) expect(parseCommand(c.title)?.intent).toBe(c.intent);
  });

  it('within the schema’s limits', () => {
    expect(len(manifest.name.short)).toBeLessThanOrEqual(30);
    expect(len(manifest.name.full ?? '')).toBeLessThanOrEqual(100);
    expect(len(manifest.description.short)).toBeLessThanOrEqual(80);
    expect(len(manifest.description.full)).toBeLessThanOrEqual(4000);
    expect(len(manifest.developer.name)).toBeLessThanOrEqual(32);
    expect(manifest.accentColor).toMatch(/^#[0-9a-fA-F]{6}$/);
    expect(manifest.version).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
    expect(bot.commandLists.length).toBeLessThanOrEqual(3);
    for (const list of bot.commandLists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const c of list.commands) {
        expect(len(c.title), c.title).toBeLessThanOrEqual(32);
        expect(len(c.description), c.title).toBeLessThanOrEqual(128);
      }
    }
  });
});

describe('the Korean strings', () => {
  const lang = manifest.localizationInfo;
  const ko = JSON.parse(read('ko-kr.json').toString('utf8')) as Record<string, string>;

  it('are named by the manifest', () => {
    expect(lang.defaultLanguageTag).toBe('en-us');
    expect(lang.additionalLanguages).toEqual([{ languageTag: 'ko-kr', file: 'ko-kr.json' }]);
    expect(ko.$schema).toBe(
      'https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.Localization.schema.json',
    );
  });

  it('carry the required fields, in Korean, within the limits', () => {
    const hangul = /[\uac00-\ud7a3]/;
    expect(len(ko['name.short']!)).toBeLessThanOrEqual(30);
    expect(len(ko['name.full']!)).toBeLessThanOrEqual(100);
    expect(ko['description.short']).toMatch(hangul);
    expect(len(ko['description.short']!)).toBeLessThanOrEqual(80);
    expect(ko['description.full']).toMatch(hangul);
    expect(len(ko['description.full']!)).toBeLessThanOrEqual(4000);
  });

  it('describe every command of every list, and nothing else; the titles stay the words the bot parses', () => {
    const keys = Object.keys(ko).filter((k) => k.startsWith('bots['));
    const want = bot.commandLists.flatMap((l, i) =>
      l.commands.map((_, j) => `bots[0].commandLists[${i}].commands[${j}].description`),
    );
    expect(keys.sort()).toEqual(want.sort());
    for (let i = 0; i < bot.commandLists.length; i++) {
      const count = keys.filter((k) => k.startsWith(`bots[0].commandLists[${i}].`)).length;
      expect(count).toBe(TEAMS_COMMANDS.length);
    }
    for (const k of keys) {
      expect(ko[k], k).toMatch(/[\uac00-\ud7a3]/);
      expect(len(ko[k]!), k).toBeLessThanOrEqual(128);
    }
  });
});

/** A PNG's header and pixels (RGBA, 8 bits), its chunks' CRCs checked; any of the five row filters. */
function decodePng(bytes: Buffer) {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(
      crc32(bytes.subarray(at + 4, at + 8 + length)),
    );
    chunks.push({ type, data });
    at += 12 + length;
  }
  expect(chunks[0]!.type).toBe('IHDR');
  expect(chunks.at(-1)!.type).toBe('IEND');
  const ihdr = chunks[0]!.data;
  const header = {
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    bitDepth: ihdr[8],
    colorType: ihdr[9],
    interlace: ihdr[12],
  };
  expect(header).toMatchObject({ bitDepth: 8, colorType: 6, interlace: 0 });
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const { width: w, height: h } = header;
  const stride = w * 4;
  expect(raw.length).toBe(h * (1 + stride));
  const px = Buffer.alloc(h * stride);
  for (let y = 0; y < h; y++) {
    const filter = raw[y * (1 + stride)]!;
    expect(filter, `row ${y}: filter type`).toBeLessThanOrEqual(4);
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (1 + stride) + 1 + x]!;
      const a = x >= 4 ? px[y * stride + x - 4]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? px[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      px[y * stride + x] = (v + pred!) & 0xff;
    }
  }
  const at = (x: number, y: number) => [...px.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];
  return { ...header, at };
}

describe('the icons', () => {
  it('color.png: 192×192, opaque (Teams shows it full-bleed), with a glyph on the accent colour', () => {
    const png = decodePng(read('color.png'));
    expect([png.width, png.height]).toEqual([192, 192]);
    const accent = [1, 3, 5].map((i) => Number.parseInt(manifest.accentColor.slice(i, i + 2), 16));
    const colours = new Set<string>();
    let translucent = 0;
    for (let y = 0; y < 192; y++)
      for (let x = 0; x < 192; x++) {
        const [r, g, b, a] = png.at(x, y);
        if (a !== 255) translucent++;
        colours.add(`${r},${g},${b}`);
      }
    expect(translucent).toBe(0);
    expect(png.at(0, 0).slice(0, 3)).toEqual(accent);
    expect(colours.has('255,255,255')).toBe(true);
  });

  it('outline.png: 32×32, white on transparent only', () => {
    const png = decodePng(read('outline.png'));
    expect([png.width, png.height]).toEqual([32, 32]);
    let opaque = 0;
    const coloured: string[] = [];
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const [r, g, b, a] = png.at(x, y);
        if (a! > 0 && (r !== 255 || g !== 255 || b !== 255)) coloured.push(`${x},${y}`);
        if (a === 255) opaque++;
      }
    expect(coloured, 'pixels neither white nor transparent').toEqual([]);
    expect(opaque).toBeGreaterThan(100);
    for (const [x, y] of [
      [0, 0],
      [31, 0],
      [0, 31],
    ])
      expect(png.at(x!, y!)[3]).toBe(0);
  });
});

/** A zip's entries, read from its end record and central directory, each checked against its local header and CRC. */
function unzipEntries(zip: Buffer): Map<string, Buffer> {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  expect(at + zip.readUInt32LE(end + 12)).toBe(end);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('ascii', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    expect(zip.readUInt32LE(local + 14), name).toBe(crc);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + size);
    expect([0, 8], name).toContain(method);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    expect(data.length).toBe(zip.readUInt32LE(at + 24));
    expect(crc32(data), name).toBe(crc);
    out.set(name, data);
    at += 46 + skip;
  }
  return out;
}

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
})();

describe('infralens teams-app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infralens-teams-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const APP_ID = '0B7C1E2A-5D3F-4A61-9C2E-7F18A4B9D0E3';

  async function run(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await teamsAppCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, env);
    return { code, out, err };
  }

  it('writes the package: the manifest filled in, the icons and the Korean strings as committed', async () => {
    const file = join(dir, 'app.zip');
    const r = await run(['--app-id', APP_ID, '--host', 'Bot.Example.com', '--out', file]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain(file);
    const entries = unzipEntries(readFileSync(file));
    expect([...entries.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png', 'ko-kr.json']);
    const text = entries.get('manifest.json')!.toString('utf8');
    expect(text).not.toContain('{{');
    const m = JSON.parse(text) as Manifest;
    expect(m.id).toBe(APP_ID.toLowerCase());
    expect(m.id).toMatch(GUID);
    expect(m.bots[0]!.botId).toBe(m.id);
    expect(m.validDomains).toEqual(['bot.example.com']);
    expect(m.developer.privacyUrl).toBe('https://bot.example.com/privacy');
    // everything else is the committed manifest
    const back = text
      .replaceAll(APP_ID.toLowerCase(), '{{TEAMS_APP_ID}}')
      .replaceAll('bot.example.com', '{{PUBLIC_HOST}}');
    expect(JSON.parse(back)).toEqual(manifest);
    expect(entries.get('color.png')!.equals(read('color.png'))).toBe(true);
    expect(entries.get('outline.png')!.equals(read('outline.png'))).toBe(true);
    expect(entries.get('ko-kr.json')!.toString('utf8')).not.toContain('{{');
    expect(JSON.parse(entries.get('ko-kr.json')!.toString('utf8'))).toEqual(
      JSON.parse(read('ko-kr.json').toString('utf8')),
    );
  });

  it.skipIf(!hasUnzip)('the package passes `unzip -t` and `unzip -l` lists its files', async () => {
    const file = join(dir, 'unzip.zip');
    expect((await run(['--app-id', APP_ID, '--host', 'bot.example.com', '--out', file])).code).toBe(0);
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8', timeout: 10_000 })).toContain(
      'No errors detected',
    );
    const listing = execFileSync('unzip', ['-l', file], { encoding: 'utf8', timeout: 10_000 });
    for (const name of ['manifest.json', 'color.png', 'outline.png', 'ko-kr.json'])
      expect(listing).toContain(name);
    const inside = execFileSync('unzip', ['-p', file, 'manifest.json'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(JSON.parse(inside).bots[0].botId).toBe(APP_ID.toLowerCase());
  });

  it('the same inputs make the same bytes', async () => {
    const a = join(dir, 'a.zip');
    const b = join(dir, 'b.zip');
    await run(['--app-id', APP_ID, '--host', 'bot.example.com', '--out', a]);
    await run(['--app-id', APP_ID, '--host', 'bot.example.com', '--out', b]);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('takes the app id and host from TEAMS_APP_ID and INFRALENS_PUBLIC_URL when not given', async () => {
    const file = join(dir, 'env.zip');
    const r = await run(['--out', file], {
      TEAMS_APP_ID: APP_ID,
      INFRALENS_PUBLIC_URL: 'https://infralens.corp.example:443/',
    });
    expect(r.code).toBe(0);
    const m = JSON.parse(unzipEntries(readFileSync(file)).get('manifest.json')!.toString('utf8')) as Manifest;
    expect(m.validDomains).toEqual(['infralens.corp.example']);
  });

  it.each([
    [['--app-id', 'not-a-guid', '--host', 'bot.example.com'], /--app-id takes .* a GUID/],
    [['--host', 'bot.example.com'], /--app-id is missing/],
    [['--app-id', APP_ID], /--host is missing/],
    [['--app-id', APP_ID, '--host', 'https://bot.example.com'], /not a URL: drop 'https:\/\/'/],
    [['--app-id', APP_ID, '--host', 'bot.example.com/api/messages'], /without a path/],
    [['--app-id', APP_ID, '--host', 'bot.example.com:8443'], /without a port/],
    [['--app-id', APP_ID, '--host', 'localhost'], /not a public host name/],
    [['--app-id', APP_ID, '--host', 'bot.example.com', '--colour', 'red'], /--colour/],
  ])('usage error %j: exit 2, one line, nothing written', async (argv, message) => {
    const file = join(dir, 'never.zip');
    const r = await run([...argv, '--out', file]);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(r.err[0]).not.toContain('\n');
    expect(existsSync(file)).toBe(false);
  });

  it('a file it cannot write: exit 2 naming it', async () => {
    const file = join(dir, 'no-such-dir', 'app.zip');
    const r = await run(['--app-id', APP_ID, '--host', 'bot.example.com', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toContain(file);
  });

  it('control characters in an argument do not reach the terminal', async () => {
    const r = await run(['--app-id', 'x\u001b[31mred', '--host', 'bot.example.com']);
    expect(r.code).toBe(2);
    expect(r.err[0]).not.toContain('\u001b');
  });

  it('host names', () => {
    expect(hostProblem('bot.example.com')).toBeNull();
    expect(hostProblem('infralens.gpu-lab.example.co.kr.')).toBeNull();
    expect(hostProblem('-bot.example.com')).not.toBeNull();
    expect(hostProblem('10.0.0.5')).not.toBeNull();
    expect(hostProblem('bot..example.com')).not.toBeNull();
    expect(hostProblem(`${'a'.repeat(64)}.example.com`)).not.toBeNull();
  });
});

describe('the zip writer', () => {
  it('stores what does not compress, deflates what does; the table CRC32 agrees with zlib’s', () => {
    const noise = randomBytes(4096);
    const text = Buffer.from('InfraLens '.repeat(500));
    const entries = unzipEntries(
      zipArchive([
        { name: 'noise.bin', data: noise },
        { name: 'text.txt', data: text },
        { name: 'empty', data: new Uint8Array(0) },
      ]),
    );
    expect(entries.get('noise.bin')!.equals(noise)).toBe(true);
    expect(entries.get('text.txt')!.equals(text)).toBe(true);
    expect(entries.get('empty')!.length).toBe(0);
    for (const data of [noise, text, Buffer.alloc(0)]) expect(tableCrc32(data)).toBe(crc32(data));
  });
});
