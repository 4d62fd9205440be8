/**
 * A TrueType reader for the fonts the PDF renderer embeds whole (`subset: false`): the part of fontkit's
 * `Font` that pdf-lib 1.17 reads when it embeds such a font (CustomFontEmbedder: metrics, the character
 * set, glyph ids and advances, the PostScript name, three flags), registered with `doc.registerFontkit`.
 *
 * No shaping: one glyph per code point through the cmap. The fonts are subset with no layout features, so
 * there is nothing to shape (Hangul syllables need none), and pdf-lib only reads glyph ids when it encodes
 * text. Loading fontkit itself took 150–290 ms of a fresh process; reading a subset font here takes well
 * under a millisecond, and a font's bytes are read once per process (cached by identity).
 */

export interface TtfGlyph {
  id: number;
  /** in font units. */
  advanceWidth: number;
  /** the code points drawn with this glyph (the lowest one: for the PDF's ToUnicode map). */
  codePoints: number[];
}

export interface TtfFont {
  postscriptName: string | undefined;
  unitsPerEm: number;
  ascent: number;
  descent: number;
  capHeight: number;
  xHeight: number;
  italicAngle: number;
  bbox: { minX: number; minY: number; maxX: number; maxY: number };
  /** a TrueType (glyf) font: never CFF. */
  cff: false;
  head: { macStyle: { italic: boolean } };
  post: { isFixedPitch: boolean };
  'OS/2': { sFamilyClass: number } | undefined;
  /** every code point the cmap maps to a glyph, ascending. */
  characterSet: number[];
  hasCodePoint(cp: number): boolean;
  glyphForCodePoint(cp: number): TtfGlyph;
  layout(text: string): { glyphs: TtfGlyph[] };
}

export class FontFormatError extends Error {
  readonly code = 'font_format';
}

interface Tables {
  view: DataView;
  table(tag: string): { offset: number; length: number } | undefined;
}

function tables(bytes: Uint8Array): Tables {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new FontFormatError('not a font: too short');
  const version = view.getUint32(0);
  if (version === 0x4f54544f) throw new FontFormatError('a CFF (OTTO) font: only TrueType outlines are read');
  if (version !== 0x00010000 && version !== 0x74727565)
    throw new FontFormatError(`not a TrueType font (version 0x${version.toString(16)})`);
  const count = view.getUint16(4);
  const dir = new Map<string, { offset: number; length: number }>();
  for (let i = 0; i < count; i++) {
    const at = 12 + i * 16;
    const tag = String.fromCharCode(...bytes.subarray(at, at + 4));
    const offset = view.getUint32(at + 8);
    const length = view.getUint32(at + 12);
    if (offset + length > bytes.length)
      throw new FontFormatError(`table ${tag} runs past the end of the font`);
    dir.set(tag, { offset, length });
  }
  return { view, table: (tag) => dir.get(tag) };
}

function need(t: Tables, tag: string): number {
  const e = t.table(tag);
  if (!e) throw new FontFormatError(`no ${tag} table`);
  return e.offset;
}

/** code point → glyph id from the best Unicode subtable (format 12, else format 4). */
function readCmap(t: Tables): Map<number, number> {
  const v = t.view;
  const base = need(t, 'cmap');
  const n = v.getUint16(base + 2);
  let best: { rank: number; offset: number } | null = null;
  for (let i = 0; i < n; i++) {
    const at = base + 4 + i * 8;
    const platform = v.getUint16(at);
    const encoding = v.getUint16(at + 2);
    const offset = base + v.getUint32(at + 4);
    const format = v.getUint16(offset);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode || (format !== 4 && format !== 12)) continue;
    const rank = (format === 12 ? 2 : 0) + (platform === 3 ? 1 : 0);
    if (!best || rank > best.rank) best = { rank, offset };
  }
  if (!best) throw new FontFormatError('no Unicode cmap (format 4 or 12)');
  const map = new Map<number, number>();
  const o = best.offset;
  if (v.getUint16(o) === 12) {
    const groups = v.getUint32(o + 12);
    for (let i = 0; i < groups; i++) {
      const g = o + 16 + i * 12;
      const start = v.getUint32(g);
      const end = v.getUint32(g + 4);
      const gid = v.getUint32(g + 8);
      for (let c = start; c <= end; c++) if (gid + c - start !== 0) map.set(c, gid + c - start);
    }
    return map;
  }
  const segs = v.getUint16(o + 6) / 2;
  const ends = o + 14;
  const starts = ends + segs * 2 + 2;
  const deltas = starts + segs * 2;
  const ranges = deltas + segs * 2;
  for (let i = 0; i < segs; i++) {
    const end = v.getUint16(ends + i * 2);
    const start = v.getUint16(starts + i * 2);
    const delta = v.getInt16(deltas + i * 2);
    const rangeAt = ranges + i * 2;
    const range = v.getUint16(rangeAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let gid: number;
      if (range === 0) gid = (c + delta) & 0xffff;
      else {
        gid = v.getUint16(rangeAt + range + (c - start) * 2);
        if (gid !== 0) gid = (gid + delta) & 0xffff;
      }
      if (gid !== 0) map.set(c, gid);
    }
  }
  return map;
}

/** The PostScript name (name ID 6): Windows (UTF-16BE) or Macintosh (ASCII) record. */
function readPostscriptName(t: Tables, bytes: Uint8Array): string | undefined {
  const e = t.table('name');
  if (!e) return undefined;
  const v = t.view;
  const count = v.getUint16(e.offset + 2);
  const strings = e.offset + v.getUint16(e.offset + 4);
  for (let i = 0; i < count; i++) {
    const at = e.offset + 6 + i * 12;
    const platform = v.getUint16(at);
    if (v.getUint16(at + 6) !== 6) continue;
    const length = v.getUint16(at + 8);
    const start = strings + v.getUint16(at + 10);
    if (platform === 3) {
      let s = '';
      for (let k = 0; k + 1 < length; k += 2) s += String.fromCharCode(v.getUint16(start + k));
      return s;
    }
    if (platform === 1) return String.fromCharCode(...bytes.subarray(start, start + length));
  }
  return undefined;
}

const CACHE = new WeakMap<Uint8Array, TtfFont>();

/** Read a TrueType font (throws FontFormatError on anything else). Cached per byte array. */
export function readTtf(bytes: Uint8Array): TtfFont {
  const cached = CACHE.get(bytes);
  if (cached) return cached;
  const t = tables(bytes);
  const v = t.view;
  const head = need(t, 'head');
  const hhea = need(t, 'hhea');
  const hmtx = need(t, 'hmtx');
  const numGlyphs = v.getUint16(need(t, 'maxp') + 4);
  const hMetrics = v.getUint16(hhea + 34);
  if (hMetrics === 0) throw new FontFormatError('hhea has no horizontal metrics');
  const advance = (gid: number) => v.getUint16(hmtx + 4 * Math.min(gid, hMetrics - 1));
  const post = t.table('post');
  const os2 = t.table('OS/2');
  const os2Version = os2 ? v.getUint16(os2.offset) : 0;
  const ascent = v.getInt16(hhea + 4);

  const cmap = readCmap(t);
  const characterSet = [...cmap.keys()].sort((a, b) => a - b);
  const lowest = new Map<number, number>(); // glyph id → its lowest code point
  for (const cp of characterSet) {
    const gid = cmap.get(cp)!;
    if (gid < numGlyphs && !lowest.has(gid)) lowest.set(gid, cp);
  }
  const glyphs = new Map<number, TtfGlyph>();
  const glyph = (gid: number, cp: number): TtfGlyph => {
    let g = glyphs.get(gid);
    if (!g) {
      g = { id: gid, advanceWidth: advance(gid), codePoints: [lowest.get(gid) ?? cp] };
      glyphs.set(gid, g);
    }
    return g;
  };
  const glyphForCodePoint = (cp: number) => {
    const gid = cmap.get(cp) ?? 0;
    return glyph(gid < numGlyphs ? gid : 0, cp);
  };

  const font: TtfFont = {
    postscriptName: readPostscriptName(t, bytes),
    unitsPerEm: v.getUint16(head + 18),
    ascent,
    descent: v.getInt16(hhea + 6),
    capHeight: os2 && os2Version >= 2 ? v.getInt16(os2.offset + 88) : ascent,
    xHeight: os2 && os2Version >= 2 ? v.getInt16(os2.offset + 86) : 0,
    italicAngle: post ? v.getInt32(post.offset + 4) / 65536 : 0,
    bbox: {
      minX: v.getInt16(head + 36),
      minY: v.getInt16(head + 38),
      maxX: v.getInt16(head + 40),
      maxY: v.getInt16(head + 42),
    },
    cff: false,
    head: { macStyle: { italic: (v.getUint16(head + 44) & 2) !== 0 } },
    post: { isFixedPitch: post ? v.getUint32(post.offset + 12) !== 0 : false },
    'OS/2': os2 ? { sFamilyClass: v.getInt16(os2.offset + 30) } : undefined,
    characterSet,
    hasCodePoint: (cp) => cmap.has(cp),
    glyphForCodePoint,
    layout(text) {
      const out: TtfGlyph[] = [];
      for (const ch of text) out.push(glyphForCodePoint(ch.codePointAt(0)!));
      return { glyphs: out };
    },
  };
  CACHE.set(bytes, font);
  return font;
}

/** What `doc.registerFontkit` takes: pdf-lib calls `create(bytes)` for every font it embeds. */
export const ttfKit = { create: (bytes: Uint8Array) => readTtf(bytes) };
