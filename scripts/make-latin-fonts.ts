/**
 * Builds the pre-subset Latin fonts of the PDF report (run explicitly: `npx tsx scripts/make-latin-fonts.ts`,
 * then commit jobs/report/fonts/InfraLensLatin-*.ttf; offline, harfbuzz WebAssembly through subset-font).
 *
 * A report whose characters all lie in these fonts (every English report of ASCII names) embeds them as
 * they are: no harfbuzz, no subsetting at run time (jobs/report/pdf.ts). Anything else (Korean, a name in
 * another script) is subset from the full Pretendard at run time.
 *
 * The fonts are a Modified Version of Pretendard under the SIL Open Font License 1.1 (OFL.txt). Pretendard
 * reserves its name, so they are renamed "InfraLens Latin"; copyright, trademark, designer, description
 * of origin and licence records are kept from the original.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import subsetFont from 'subset-font';
import { readTtf } from '../jobs/report/ttf.ts';

const DIR = new URL('../jobs/report/fonts/', import.meta.url);
const range = (a: number, b: number) =>
  Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i));

/** ASCII, Latin-1, Latin Extended-A, and the punctuation, arrows and signs the reports and names use. */
export const LATIN_CHARS = [
  ...range(0x20, 0x7e),
  ...range(0xa0, 0x17f),
  ...range(0x2010, 0x2027), // dashes, quotes, bullet, ellipsis
  ...'‰′″‹›€™',
  ...range(0x2190, 0x2195), // arrows
  ...'⇒−√∞≈≠≤≥▶●■✓',
].join('');

/** The name records of the derived font: renamed (Reserved Font Name), the rest kept from Pretendard. */
const KEPT = [0, 5, 7, 8, 9, 11, 12, 13, 14];

function nameTable(original: Uint8Array, weight: string): Uint8Array {
  const v = new DataView(original.buffer, original.byteOffset, original.byteLength);
  const at = tableOf(original, 'name');
  const count = v.getUint16(at + 2);
  const strings = at + v.getUint16(at + 4);
  const kept = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const r = at + 6 + i * 12;
    const [platform, encoding, language, id] = [0, 2, 4, 6].map((k) => v.getUint16(r + k));
    if (platform !== 3 || encoding !== 1 || language !== 0x409 || !KEPT.includes(id!)) continue;
    const length = v.getUint16(r + 8);
    const start = strings + v.getUint16(r + 10);
    let s = '';
    for (let k = 0; k < length; k += 2) s += String.fromCharCode(v.getUint16(start + k));
    kept.set(id!, s);
  }
  const version = (kept.get(5) ?? '').replace(/^Version /, '');
  const records = new Map<number, string>([
    ...kept,
    [1, 'InfraLens Latin'],
    [2, weight],
    [3, `${version};InfraLens;InfraLensLatin-${weight}`],
    [4, `InfraLens Latin ${weight}`],
    [6, `InfraLensLatin-${weight}`],
    [
      10,
      `A Latin subset of Pretendard ${version} (orioncactus/pretendard), renamed, for InfraLens PDF reports; made by scripts/make-latin-fonts.ts.`,
    ],
  ]);
  const ids = [...records.keys()].sort((a, b) => a - b);
  const encoded = ids.map((id) => {
    const s = records.get(id)!;
    const b = new Uint8Array(s.length * 2);
    for (let k = 0; k < s.length; k++) {
      b[2 * k] = s.charCodeAt(k) >> 8;
      b[2 * k + 1] = s.charCodeAt(k) & 0xff;
    }
    return b;
  });
  const head = 6 + ids.length * 12;
  const out = new Uint8Array(head + encoded.reduce((a, b) => a + b.length, 0));
  const w = new DataView(out.buffer);
  w.setUint16(2, ids.length);
  w.setUint16(4, head);
  let offset = 0;
  ids.forEach((id, i) => {
    const r = 6 + i * 12;
    w.setUint16(r, 3);
    w.setUint16(r + 2, 1);
    w.setUint16(r + 4, 0x409);
    w.setUint16(r + 6, id);
    w.setUint16(r + 8, encoded[i]!.length);
    w.setUint16(r + 10, offset);
    out.set(encoded[i]!, head + offset);
    offset += encoded[i]!.length;
  });
  return out;
}

function tableOf(font: Uint8Array, tag: string): number {
  const v = new DataView(font.buffer, font.byteOffset, font.byteLength);
  for (let i = 0; i < v.getUint16(4); i++) {
    const r = 12 + i * 16;
    if (String.fromCharCode(...font.subarray(r, r + 4)) === tag) return v.getUint32(r + 8);
  }
  throw new Error(`no ${tag} table`);
}

function checksum(b: Uint8Array): number {
  const padded = new Uint8Array((b.length + 3) & ~3);
  padded.set(b);
  const v = new DataView(padded.buffer);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + v.getUint32(i)) >>> 0;
  return sum;
}

/** The font with one table replaced: tables in tag order, 4-byte aligned, checksums recomputed. */
function replaceTable(font: Uint8Array, tag: string, body: Uint8Array): Uint8Array {
  const v = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const n = v.getUint16(4);
  const tables = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const r = 12 + i * 16;
    const t = String.fromCharCode(...font.subarray(r, r + 4));
    const offset = v.getUint32(r + 8);
    tables.set(t, font.slice(offset, offset + v.getUint32(r + 12)));
  }
  tables.set(tag, body);
  const tags = [...tables.keys()].sort();
  const head = tables.get('head')!;
  new DataView(head.buffer).setUint32(8, 0); // checkSumAdjustment, set below
  let size = 12 + tags.length * 16;
  const offsets = tags.map((t) => {
    const o = size;
    size += (tables.get(t)!.length + 3) & ~3;
    return o;
  });
  const out = new Uint8Array(size);
  const w = new DataView(out.buffer);
  out.set(font.subarray(0, 12));
  w.setUint16(4, tags.length);
  tags.forEach((t, i) => {
    const r = 12 + i * 16;
    const body = tables.get(t)!;
    for (let k = 0; k < 4; k++) out[r + k] = t.charCodeAt(k);
    w.setUint32(r + 4, checksum(body));
    w.setUint32(r + 8, offsets[i]!);
    w.setUint32(r + 12, body.length);
    out.set(body, offsets[i]!);
  });
  w.setUint32(offsets[tags.indexOf('head')]! + 8, (0xb1b0afba - checksum(out)) >>> 0);
  return out;
}

for (const weight of ['Regular', 'Bold']) {
  const original = readFileSync(new URL(`Pretendard-${weight}.ttf`, DIR));
  // no layout features, as at run time: each character is one glyph (see jobs/report/pdf.ts)
  const subset = await subsetFont(original, LATIN_CHARS, { targetFormat: 'sfnt', keepFeatures: [] });
  const font = replaceTable(subset, 'name', nameTable(original, weight));
  const read = readTtf(font);
  const missing = [...LATIN_CHARS].filter((c) => !read.hasCodePoint(c.codePointAt(0)!));
  const file = new URL(`InfraLensLatin-${weight}.ttf`, DIR);
  writeFileSync(file, font);
  console.log(
    `${file.pathname}: ${font.length} bytes, ${read.characterSet.length} characters, ${read.postscriptName}` +
      (missing.length ? `; not in Pretendard: ${missing.join('')}` : ''),
  );
}
