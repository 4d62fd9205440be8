/**
 * The PDF renderer: lays out a report model (scoring/report.ts) on A4 pages with pdf-lib.
 *
 * Fonts: Pretendard (OFL, jobs/report/fonts/), embedded whole with `subset: false` (pdf-lib's own
 * subsetting drops Korean glyphs) and read by a small TrueType reader (ttf.ts) instead of fontkit. A report
 * whose characters all lie in the pre-subset Latin fonts (InfraLensLatin-*.ttf, made by
 * scripts/make-latin-fonts.ts: every English report of ASCII names) embeds those as they are; any other
 * (Korean) is subset at run time with harfbuzz (`subset-font`, WebAssembly), loaded on first need. Fonts,
 * the shaper and pdf-lib are loaded once per process, so a process that renders again renders warm. Output
 * is deterministic for the same analysis and date (fixed metadata, no random ids).
 *
 * Every string is drawn through `pdfText` (control characters replaced, tabs as spaces; the model already
 * caps field lengths), and wrapping is linear in the text's length: character advances are measured once
 * per font and character, and words longer than a line are broken by accumulated width.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import type { PDFFont, PDFPage } from 'pdf-lib';
import type { Block, ReportModel } from '../../scoring/report.ts';
import { reportText } from '../../scoring/report.ts';
import { ELLIPSIS, mapStrings, REPLACEMENT, safeText } from '../../scoring/text-safety.ts';
import { readTtf, ttfKit } from './ttf.ts';

// pdf-lib's one-file build: its ~140 CommonJS modules (the package's main) took 200–400 ms to load in a
// fresh process, the one file 35–60 ms (the ES one-file build costs more: Node parses it twice to detect
// its module format)
const { PDFContentStream, PDFDocument, PDFRawStream, rgb, typedArrayFor }: typeof import('pdf-lib') =
  createRequire(import.meta.url)('pdf-lib/dist/pdf-lib.min.js');
type PDFDocument = import('pdf-lib').PDFDocument;

const A4: [number, number] = [595.28, 841.89];
const M = { left: 48, right: 48, top: 56, bottom: 56 };
const W = A4[0] - M.left - M.right;

const C = {
  text: rgb(0.12, 0.13, 0.16),
  muted: rgb(0.42, 0.45, 0.5),
  rule: rgb(0.85, 0.87, 0.9),
  shade: rgb(0.95, 0.96, 0.97),
  accent: rgb(0.11, 0.31, 0.85),
  accent2: rgb(0.55, 0.36, 0.96),
  critical: rgb(0.8, 0.13, 0.15),
  warning: rgb(0.85, 0.47, 0.04),
  info: rgb(0.2, 0.45, 0.75),
  NV: rgb(0.55, 0.8, 0.55),
  PIX: rgb(0.6, 0.75, 0.95),
  NODE: rgb(0.98, 0.83, 0.45),
  SYS: rgb(0.95, 0.55, 0.52),
  white: rgb(1, 1, 1),
};
const GRADE_COLOR = {
  A: rgb(0.1, 0.6, 0.3),
  B: rgb(0.35, 0.65, 0.2),
  C: rgb(0.85, 0.6, 0.05),
  D: rgb(0.9, 0.4, 0.1),
  F: rgb(0.8, 0.13, 0.15),
};

const FONT_DIR = new URL('./fonts/', import.meta.url);
interface Fonts {
  regular: Uint8Array;
  bold: Uint8Array;
}
const readFonts = (family: string): Fonts => ({
  regular: readFileSync(new URL(`${family}-Regular.ttf`, FONT_DIR)),
  bold: readFileSync(new URL(`${family}-Bold.ttf`, FONT_DIR)),
});

/** How this process has drawn its reports' fonts: with the pre-subset Latin fonts, or subset at run time
 * (and whether the harfbuzz shaper has been loaded). For tests and the bench. */
const stats = { latin: 0, subset: 0, shaperLoaded: false };
export function fontStats(): Readonly<typeof stats> {
  return { ...stats };
}

let latin: Fonts | undefined;
let full: Fonts | undefined;
let shaper: typeof import('subset-font').default | undefined;

/** Whether both pre-subset fonts have every character of the text (line breaks are not drawn). */
function covers(fonts: Fonts, text: string): boolean {
  const r = readTtf(fonts.regular);
  const b = readTtf(fonts.bold);
  for (const ch of new Set(text)) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && !(r.hasCodePoint(cp) && b.hasCodePoint(cp))) return false;
  }
  return true;
}

/** harfbuzz (subset-font, WebAssembly) and the full fonts, loaded on first need. */
async function loadShaper(): Promise<{ subset: NonNullable<typeof shaper>; full: Fonts }> {
  if (!shaper) {
    shaper = (await import('subset-font')).default;
    stats.shaperLoaded = true;
  }
  full ??= readFonts('Pretendard');
  return { subset: shaper, full };
}

/** The two fonts for a report with these characters. */
async function fontsFor(text: string): Promise<Fonts> {
  latin ??= readFonts('InfraLensLatin');
  if (covers(latin, text)) {
    stats.latin++;
    return latin;
  }
  const { subset, full } = await loadShaper();
  stats.subset++;
  const [regular, bold] = await Promise.all(
    // no layout features: contextual alternates (e.g. a hyphen between digits) would map characters to
    // glyphs pdf-lib cannot give a ToUnicode entry, and Hangul syllables need no shaping
    [full.regular, full.bold].map((f) => subset(f, text, { targetFormat: 'sfnt', keepFeatures: [] })),
  );
  return { regular: regular!, bold: bold! };
}

/**
 * Load now what a first render would load: the Latin fonts and, with `shaper`, harfbuzz (compiled by one
 * small subset) and the full fonts, for Korean reports. For a long-lived process (the bot) to render its
 * first report warm; renders never need it.
 */
export async function warmUp(options: { shaper?: boolean } = {}): Promise<void> {
  latin ??= readFonts('InfraLensLatin');
  covers(latin, 'A');
  if (!options.shaper) return;
  const { subset, full } = await loadShaper();
  await subset(full.regular, '가A', { targetFormat: 'sfnt', keepFeatures: [] });
}

/** Text as drawn: control characters replaced by `?` (the font has no U+FFFD), tabs as spaces. */
export function pdfText(s: string): string {
  return safeText(s).replaceAll(REPLACEMENT, '?').replaceAll('\t', ' ');
}

/** Per font: each character's advance at size 1, measured once (no kerning: the subset keeps no layout
 * features), so measuring and wrapping text costs one lookup per character. */
const ADVANCE = new WeakMap<PDFFont, Map<string, number>>();
function advances(font: PDFFont): (ch: string) => number {
  let cache = ADVANCE.get(font);
  if (!cache) {
    cache = new Map();
    ADVANCE.set(font, cache);
  }
  const c = cache;
  return (ch) => {
    let a = c.get(ch);
    if (a === undefined) {
      a = font.widthOfTextAtSize(ch, 1);
      c.set(ch, a);
    }
    return a;
  };
}

export function textWidth(font: PDFFont, s: string, size: number): number {
  const adv = advances(font);
  let w = 0;
  for (const ch of s) w += adv(ch);
  return w * size;
}

const WIDE = '\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef';
// tokens: single wide (Hangul/CJK) characters, runs of spaces, and runs of other characters
const TOKEN = new RegExp(`[${WIDE}]|\\s+|[^\\s${WIDE}]+`, 'g');

/** Wrap text to a width: break at spaces, anywhere between wide (Hangul/CJK) characters, and inside
 * tokens longer than a line (commands, paths). `\n` forces a break. Linear in the length of the text:
 * every character is measured once per call (its advance comes from the font's cache). */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  const adv = advances(font);
  for (const para of pdfText(text).split('\n')) {
    const tokens = para.match(TOKEN) ?? [''];
    let line = '';
    let w = 0; // the advance of `line`
    for (const tok of tokens) {
      let tw = w;
      for (const ch of tok) tw += adv(ch);
      if (tw * size <= width) {
        line += tok;
        w = tw;
        continue;
      }
      if (/^\s+$/.test(tok)) {
        out.push(line);
        line = '';
        w = 0;
        continue;
      }
      if (line.trim() !== '') out.push(line.trimEnd());
      // the token on a line of its own; longer than a line: break it by accumulated width
      line = '';
      w = 0;
      for (const ch of tok) {
        const a = adv(ch);
        if ((w + a) * size > width && line !== '') {
          out.push(line);
          line = '';
          w = 0;
        }
        line += ch;
        w += a;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}

/** One line cut to a width with `…` (running headers and labels that must not wrap). */
export function fitLine(font: PDFFont, s: string, size: number, width: number): string {
  const text = pdfText(s).replace(/\s+/g, ' ');
  if (textWidth(font, text, size) <= width) return text;
  const adv = advances(font);
  const limit = width / size - adv(ELLIPSIS);
  let w = 0;
  let out = '';
  for (const ch of text) {
    w += adv(ch);
    if (w > limit) break;
    out += ch;
  }
  return `${out.trimEnd()}${ELLIPSIS}`;
}

class Layout {
  readonly pages: PDFPage[] = [];
  page!: PDFPage;
  y = 0;
  constructor(
    readonly doc: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {}

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.pages.push(this.page);
    this.y = A4[1] - M.top;
  }

  ensure(h: number): void {
    if (this.y - h < M.bottom) this.newPage();
  }

  /** Draw wrapped text at x within width; returns the height used. */
  text(
    s: string,
    o: {
      size?: number;
      bold?: boolean;
      color?: ReturnType<typeof rgb>;
      x?: number;
      width?: number;
      gap?: number;
    } = {},
  ): number {
    const size = o.size ?? 9.5;
    const font = o.bold ? this.bold : this.regular;
    const x = o.x ?? M.left;
    const width = o.width ?? W - (x - M.left);
    const lh = size * 1.38;
    let used = 0;
    for (const line of wrap(s, font, size, width)) {
      this.ensure(lh);
      this.page.drawText(line, { x, y: this.y - size, size, font, color: o.color ?? C.text });
      this.y -= lh;
      used += lh;
    }
    this.y -= o.gap ?? 0;
    return used + (o.gap ?? 0);
  }

  heightOf(s: string, size: number, width: number, bold = false): number {
    return wrap(s, bold ? this.bold : this.regular, size, width).length * size * 1.38;
  }
}

function sectionTitle(l: Layout, title: string): void {
  l.ensure(40);
  l.y -= 6;
  l.text(title, { size: 15, bold: true, color: C.accent, gap: 2 });
  l.page.drawLine({
    start: { x: M.left, y: l.y },
    end: { x: M.left + W, y: l.y },
    thickness: 0.8,
    color: C.rule,
  });
  l.y -= 10;
}

function drawScore(l: Layout, b: Extract<Block, { kind: 'score' }>, big: boolean): void {
  const r = big ? 46 : 34;
  const h = Math.max(2 * r + 12, b.components.length * 22 + 10);
  l.ensure(h);
  const cx = M.left + r + 4;
  const cy = l.y - r - 4;
  const color = GRADE_COLOR[b.grade];
  l.page.drawCircle({ x: cx, y: cy, size: r, color: C.shade, borderColor: color, borderWidth: big ? 6 : 4 });
  const g = b.grade;
  const gs = big ? 34 : 26;
  l.page.drawText(g, {
    x: cx - textWidth(l.bold, g, gs) / 2,
    y: cy - gs * 0.1,
    size: gs,
    font: l.bold,
    color,
  });
  const v = b.value.toFixed(1);
  const vs = big ? 11 : 9;
  l.page.drawText(v, {
    x: cx - textWidth(l.regular, v, vs) / 2,
    y: cy - gs * 0.1 - vs - 4,
    size: vs,
    font: l.regular,
    color: C.muted,
  });
  // components as bars
  const x0 = M.left + 2 * r + 30;
  const barW = W - (x0 - M.left) - 150;
  let y = l.y - 8;
  l.page.drawText(`${b.value.toFixed(1)} / 100 — ${b.grade} (${b.gradeText})`, {
    x: x0,
    y: y - 11,
    size: 11,
    font: l.bold,
    color: C.text,
  });
  y -= 26;
  for (const c of b.components) {
    l.page.drawText(c.label, { x: x0, y: y - 8, size: 8.5, font: l.regular, color: C.text });
    const bx = x0 + 105;
    const bw = barW - 105;
    l.page.drawRectangle({ x: bx, y: y - 9, width: bw, height: 8, color: C.shade });
    if (c.value !== null)
      l.page.drawRectangle({
        x: bx,
        y: y - 9,
        width: (bw * Math.max(0, Math.min(100, c.value))) / 100,
        height: 8,
        color: C.accent,
      });
    const label = `${c.value === null ? '—' : c.value.toFixed(1)}  ×${c.weight}  (${c.basis})`;
    l.page.drawText(label, { x: bx + bw + 8, y: y - 8, size: 8, font: l.regular, color: C.muted });
    y -= 20;
  }
  l.y -= h;
}

function drawBars(l: Layout, b: Extract<Block, { kind: 'bars' }>): void {
  l.ensure(40);
  l.text(b.title, { size: 10, bold: true, gap: 2 });
  // legend
  const ly = l.y - 8;
  l.page.drawRectangle({ x: M.left, y: ly - 1, width: 10, height: 6, color: C.accent });
  l.page.drawText(b.legend[0], { x: M.left + 14, y: ly - 1, size: 8, font: l.regular, color: C.muted });
  const lx = M.left + 30 + textWidth(l.regular, b.legend[0], 8);
  l.page.drawRectangle({ x: lx, y: ly - 1, width: 10, height: 6, color: C.accent2 });
  l.page.drawText(b.legend[1], { x: lx + 14, y: ly - 1, size: 8, font: l.regular, color: C.muted });
  l.y -= 18;
  const labelW = 170;
  const barW = W - labelW - 40;
  for (const row of b.rows) {
    l.ensure(22);
    const label = fitLine(l.regular, row.label, 8.5, labelW - 6);
    l.page.drawText(label, { x: M.left, y: l.y - 9, size: 8.5, font: l.regular, color: C.text });
    const bx = M.left + labelW;
    for (const [k, v, color] of [
      [0, row.a, C.accent],
      [1, row.b, C.accent2],
    ] as const) {
      const by = l.y - 6 - k * 8;
      l.page.drawRectangle({ x: bx, y: by - 5, width: barW, height: 6, color: C.shade });
      if (v !== null)
        l.page.drawRectangle({
          x: bx,
          y: by - 5,
          width: (barW * Math.max(0, Math.min(100, v))) / 100,
          height: 6,
          color,
        });
      l.page.drawText(v === null ? '—' : `${v}${b.unit ?? '%'}`, {
        x: bx + barW + 4,
        y: by - 5,
        size: 7,
        font: l.regular,
        color: C.muted,
      });
    }
    l.y -= 22;
  }
  l.y -= 6;
}

function drawTopology(l: Layout, b: Extract<Block, { kind: 'topology' }>): void {
  const n = b.gpus.length;
  const head = 44;
  const cell = Math.min(34, (W - head) / Math.max(1, n));
  l.ensure(head + cell * n + 60);
  const x0 = M.left + head;
  let y = l.y;
  // column headers: GPU label and NUMA node
  b.gpus.forEach((g, j) => {
    const x = x0 + j * cell + cell / 2;
    l.page.drawText(g.label, {
      x: x - textWidth(l.bold, g.label, 7) / 2,
      y: y - 8,
      size: 7,
      font: l.bold,
      color: C.text,
    });
    l.page.drawText(g.numa, {
      x: x - textWidth(l.regular, g.numa, 6) / 2,
      y: y - 17,
      size: 6,
      font: l.regular,
      color: C.muted,
    });
  });
  y -= 22;
  b.gpus.forEach((g, i) => {
    const ry = y - (i + 1) * cell;
    l.page.drawText(g.label, { x: M.left, y: ry + cell / 2 - 3, size: 7, font: l.bold, color: C.text });
    b.gpus.forEach((_, j) => {
      const k = b.kinds[i]![j];
      const code = b.cells[i]![j] ?? '';
      const color =
        k === 'X'
          ? C.white
          : k === 'NV'
            ? C.NV
            : k === 'PIX' || k === 'PXB'
              ? C.PIX
              : k === 'PHB' || k === 'NODE'
                ? C.NODE
                : k === 'SYS'
                  ? C.SYS
                  : C.shade;
      l.page.drawRectangle({
        x: x0 + j * cell,
        y: ry,
        width: cell - 1.5,
        height: cell - 1.5,
        color,
        borderColor: C.rule,
        borderWidth: 0.5,
      });
      const size = cell < 24 ? 5.5 : 7;
      l.page.drawText(code, {
        x: x0 + j * cell + (cell - 1.5) / 2 - textWidth(l.regular, code, size) / 2,
        y: ry + (cell - 1.5) / 2 - size / 3,
        size,
        font: l.regular,
        color: C.text,
      });
    });
  });
  l.y = y - n * cell - 10;
  // legend and workloads
  let lx = M.left;
  for (const item of b.legend) {
    const color = C[item.kind as 'NV' | 'PIX' | 'NODE' | 'SYS'];
    l.page.drawRectangle({ x: lx, y: l.y - 8, width: 10, height: 8, color });
    l.page.drawText(item.text, { x: lx + 13, y: l.y - 7, size: 7.5, font: l.regular, color: C.muted });
    lx += 26 + textWidth(l.regular, item.text, 7.5);
  }
  l.y -= 18;
  const held = b.gpus.filter((g) => g.workload).map((g) => `${g.label}: ${g.workload}`);
  if (held.length > 0) l.text(held.join('   ·   '), { size: 8, color: C.muted, gap: 4 });
}

function drawTable(l: Layout, b: Extract<Block, { kind: 'table' }>): void {
  const size = 8.5;
  const pad = 4;
  const lh = size * 1.38;
  const widths = b.columns.map((c) => c.width * W);
  const wrapRow = (cells: string[], bold: boolean, maxLines = Infinity) =>
    cells.map((c, i) => {
      const font = bold ? l.bold : l.regular;
      const width = widths[i]! - 2 * pad;
      const lines = wrap(c, font, size, width);
      if (lines.length <= maxLines) return lines;
      // a row is at most a page high: a longer cell is cut, and says so
      return [
        ...lines.slice(0, maxLines - 1),
        fitLine(font, `${lines[maxLines - 1]}${ELLIPSIS}`, size, width),
      ];
    });
  const heightOf = (cells: string[][]) => Math.max(...cells.map((c) => c.length)) * lh + 2 * pad;
  const drawRow = (cells: string[][], header: boolean) => {
    const h = heightOf(cells);
    l.ensure(h);
    if (header) l.page.drawRectangle({ x: M.left, y: l.y - h, width: W, height: h, color: C.shade });
    let x = M.left;
    cells.forEach((lines, i) => {
      lines.forEach((line, k) => {
        l.page.drawText(line, {
          x: x + pad,
          y: l.y - pad - k * lh - size,
          size,
          font: header ? l.bold : l.regular,
          color: C.text,
        });
      });
      x += widths[i]!;
    });
    l.y -= h;
    l.page.drawLine({
      start: { x: M.left, y: l.y },
      end: { x: M.left + W, y: l.y },
      thickness: 0.5,
      color: C.rule,
    });
  };
  const header = wrapRow(
    b.columns.map((c) => c.title),
    true,
  );
  const maxLines = Math.max(1, Math.floor((A4[1] - M.top - M.bottom - heightOf(header) - 2 * pad) / lh));
  const rows = b.rows.map((r) => wrapRow(r, false, maxLines));
  l.ensure(heightOf(header) + (rows[0] ? heightOf(rows[0]) : 0));
  drawRow(header, true);
  for (const row of rows) {
    if (l.y - heightOf(row) < M.bottom) {
      l.newPage();
      drawRow(header, true); // the header row again on the new page
    }
    drawRow(row, false);
  }
  l.y -= 8;
}

function drawFinding(l: Layout, b: Extract<Block, { kind: 'finding' }>): void {
  const color = b.severity === 'critical' ? C.critical : b.severity === 'warning' ? C.warning : C.info;
  const tag = b.severityText;
  const tagW = textWidth(l.bold, tag, 7.5) + 10;
  l.ensure(60);
  l.y -= 4;
  l.page.drawRectangle({ x: M.left, y: l.y - 12, width: tagW, height: 13, color });
  l.page.drawText(tag, { x: M.left + 5, y: l.y - 9, size: 7.5, font: l.bold, color: C.white });
  const top = l.y;
  l.text(b.title, { size: 10.5, bold: true, x: M.left + tagW + 8 });
  l.y = Math.min(l.y, top - 16);
  l.text(`${b.rule}`, { size: 7.5, color: C.muted, x: M.left + tagW + 8, gap: 2 });
  l.text(b.detail, { size: 9, gap: 3 });
  for (const e of b.evidence) l.text(`› ${e}`, { size: 7.5, color: C.muted, x: M.left + 8 });
  if (b.impact) l.text(b.impact, { size: 9, bold: true, color, gap: 1 });
  l.text(`→ ${b.recommendation}`, { size: 9, gap: 6 });
  l.page.drawLine({
    start: { x: M.left, y: l.y + 2 },
    end: { x: M.left + W, y: l.y + 2 },
    thickness: 0.4,
    color: C.rule,
  });
  l.y -= 4;
}

function drawCommands(l: Layout, b: Extract<Block, { kind: 'commands' }>): void {
  for (const c of b.items) {
    const cmdH = l.heightOf(c.command, 8, W - 34);
    l.ensure(cmdH + 24);
    const top = l.y;
    l.page.drawText(`${c.step}.`, { x: M.left, y: top - 10, size: 8.5, font: l.bold, color: C.text });
    l.page.drawRectangle({
      x: M.left + 20,
      y: top - cmdH - 6,
      width: W - 20,
      height: cmdH + 6,
      color: C.shade,
    });
    l.y = top - 3;
    l.text(c.command, { size: 8, x: M.left + 26, width: W - 34 });
    l.y -= 2;
    l.text(c.note, { size: 7.5, color: C.muted, x: M.left + 20, gap: 4 });
  }
}

/**
 * A host's score trend: a line chart on a fixed 0–100 scale over the grade bands (tinted in the grade's
 * colour, each boundary a labelled rule), one dot per collection, the line broken where a collection
 * failed (a red tick on the axis). Vector operations only.
 */
function drawTrend(l: Layout, b: Extract<Block, { kind: 'trend' }>): void {
  const chartH = 96;
  l.ensure(chartH + 44);
  l.text(b.title, { size: 10, bold: true, gap: 4 });
  const x0 = M.left + 22;
  const w = W - 22 - 16;
  const top = l.y - 4;
  const yOf = (v: number) => top - chartH + (Math.max(0, Math.min(100, v)) / 100) * chartH;
  const span = Math.max(1, b.to - b.from);
  const xOf = (at: number) => x0 + (Math.max(0, Math.min(span, at - b.from)) / span) * w;
  // grade bands, best first: each from its minimum to the one above
  let upper = 100;
  for (const band of b.bands) {
    const color = GRADE_COLOR[band.grade];
    l.page.drawRectangle({
      x: x0,
      y: yOf(band.min),
      width: w,
      height: yOf(upper) - yOf(band.min),
      color,
      opacity: 0.1,
    });
    l.page.drawText(band.grade, {
      x: x0 + w + 4,
      y: (yOf(upper) + yOf(band.min)) / 2 - 3,
      size: 7.5,
      font: l.bold,
      color,
    });
    if (band.min > 0) {
      l.page.drawLine({
        start: { x: x0, y: yOf(band.min) },
        end: { x: x0 + w, y: yOf(band.min) },
        thickness: 0.4,
        color: C.rule,
      });
      const label = String(band.min);
      l.page.drawText(label, {
        x: x0 - 4 - textWidth(l.regular, label, 7),
        y: yOf(band.min) - 2.5,
        size: 7,
        font: l.regular,
        color: C.muted,
      });
    }
    upper = band.min;
  }
  l.page.drawRectangle({ x: x0, y: yOf(0), width: w, height: chartH, borderColor: C.rule, borderWidth: 0.6 });
  // the line, broken at failed collections
  let prev: { x: number; y: number } | null = null;
  for (const p of b.points) {
    const x = xOf(p.at);
    if (p.score === null) {
      l.page.drawLine({
        start: { x, y: yOf(0) },
        end: { x, y: yOf(0) + 6 },
        thickness: 1,
        color: C.critical,
      });
      prev = null;
      continue;
    }
    const pt = { x, y: yOf(p.score) };
    if (prev) l.page.drawLine({ start: prev, end: pt, thickness: 1.3, color: C.accent });
    prev = pt;
  }
  if (b.points.length <= 60)
    for (const p of b.points)
      if (p.score !== null) l.page.drawCircle({ x: xOf(p.at), y: yOf(p.score), size: 1.8, color: C.accent });
  // the window's ends
  const below = yOf(0) - 10;
  l.page.drawText(b.fromLabel, { x: x0, y: below, size: 7, font: l.regular, color: C.muted });
  l.page.drawText(b.toLabel, {
    x: x0 + w - textWidth(l.regular, b.toLabel, 7),
    y: below,
    size: 7,
    font: l.regular,
    color: C.muted,
  });
  l.y = below - 10;
}

function drawBlock(l: Layout, b: Block): void {
  switch (b.kind) {
    case 'heading':
      l.ensure(30);
      l.y -= 4;
      l.text(b.text, { size: 11, bold: true, gap: 3 });
      return;
    case 'paragraph':
      l.text(b.text, { size: b.muted ? 8.5 : 9.5, ...(b.muted ? { color: C.muted } : {}), gap: 6 });
      return;
    case 'facts':
      for (const [k, v] of b.rows) {
        const h = Math.max(l.heightOf(k, 9, 130, true), l.heightOf(v, 9, W - 140));
        l.ensure(h + 2);
        const top = l.y;
        l.text(k, { size: 9, bold: true, width: 130 });
        l.y = top;
        l.text(v, { size: 9, x: M.left + 140 });
        l.y = top - h - 3;
      }
      l.y -= 6;
      return;
    case 'score':
      drawScore(l, b, false);
      l.y -= 8;
      return;
    case 'scoreMissing':
      l.text(b.text, { size: 10, color: C.muted, gap: 6 });
      return;
    case 'bars':
      drawBars(l, b);
      return;
    case 'topology':
      drawTopology(l, b);
      return;
    case 'table':
      drawTable(l, b);
      return;
    case 'finding':
      drawFinding(l, b);
      return;
    case 'commands':
      drawCommands(l, b);
      return;
    case 'list':
      for (const item of b.items) l.text(`• ${item}`, { size: 8.5, x: M.left + 6, gap: 1 });
      l.y -= 5;
      return;
    case 'trend':
      drawTrend(l, b);
      return;
  }
}

/**
 * Streams deflated by zlib (native) rather than pdf-lib's pako (JavaScript: ~70 ms of a first render in a
 * fresh process, ~10% of a warm one): the document's flate streams (fonts, the ToUnicode maps) as they are
 * made, and the pages' content streams once they are drawn (pdf-lib deflates those lazily, on save). The
 * object streams and the cross-reference stream stay pako's (small).
 */
function deflateNatively(doc: PDFDocument): () => void {
  const ctx = doc.context;
  ctx.flateStream = (contents, dict = {}) =>
    PDFRawStream.of(ctx.obj({ ...dict, Filter: 'FlateDecode' }), deflateSync(typedArrayFor(contents)));
  return () => {
    for (const [ref, obj] of ctx.enumerateIndirectObjects())
      if (obj instanceof PDFContentStream)
        // the dict already says /Filter /FlateDecode (pdf-lib set it for its own deflate)
        ctx.assign(ref, PDFRawStream.of(obj.dict, deflateSync(obj.getUnencodedContents())));
  };
}

/** Render a report model to PDF bytes. `now` sets the document dates (deterministic output). */
export async function renderPdf(input: ReportModel, now: Date): Promise<Uint8Array> {
  // the model is safe when buildReport made it; a hand-built one is cleaned here too
  const model = mapStrings(input, pdfText);
  const doc = await PDFDocument.create({ updateMetadata: false });
  const deflatePages = deflateNatively(doc);
  // pdf-lib reads only what ttf.ts provides of a fontkit font (see there)
  doc.registerFontkit(ttfKit as unknown as Parameters<PDFDocument['registerFontkit']>[0]);
  // the report's strings plus the marks this renderer adds
  const fonts = await fontsFor(`${reportText(model)}•›→—×?…`);
  const regular = await doc.embedFont(fonts.regular, { subset: false });
  const boldFont = await doc.embedFont(fonts.bold, { subset: false });
  doc.setTitle(model.title);
  doc.setSubject(model.subject);
  doc.setAuthor('InfraLens');
  doc.setCreator('InfraLens');
  doc.setProducer('InfraLens (pdf-lib)');
  doc.setLanguage(model.lang === 'ko' ? 'ko-KR' : 'en');
  doc.setCreationDate(now);
  doc.setModificationDate(now);

  const l = new Layout(doc, regular, boldFont);
  // cover
  l.newPage();
  l.y -= 60;
  l.text('InfraLens', { size: 12, bold: true, color: C.accent, gap: 4 });
  l.text(model.title.replace(/^InfraLens — /, ''), { size: 24, bold: true, gap: 6 });
  l.text(model.subject, { size: 13, color: C.muted, gap: 24 });
  for (const b of model.cover) {
    if (b.kind === 'score') {
      drawScore(l, b, true);
      l.y -= 16;
    } else drawBlock(l, b);
  }
  // sections
  for (const s of model.sections) {
    if (s.newPage) l.newPage();
    sectionTitle(l, s.title);
    for (const b of s.blocks) drawBlock(l, b);
  }
  // header and footer with page numbers (not on the cover)
  const total = l.pages.length;
  l.pages.forEach((p, i) => {
    const footer = `${model.labels.page} ${i + 1} ${model.labels.of} ${total}`;
    p.drawText(footer, {
      x: M.left + W - textWidth(regular, footer, 7.5),
      y: 28,
      size: 7.5,
      font: regular,
      color: C.muted,
    });
    p.drawText(model.labels.generated, { x: M.left, y: 28, size: 7.5, font: regular, color: C.muted });
    if (i === 0) return;
    p.drawText(fitLine(regular, model.header, 7.5, W), {
      x: M.left,
      y: A4[1] - 32,
      size: 7.5,
      font: regular,
      color: C.muted,
    });
    p.drawLine({
      start: { x: M.left, y: A4[1] - 38 },
      end: { x: M.left + W, y: A4[1] - 38 },
      thickness: 0.4,
      color: C.rule,
    });
  });
  deflatePages();
  return doc.save({ useObjectStreams: true });
}
