// The Teams app icons (manifests/teams/color.png 192×192, outline.png 32×32), drawn from a few shapes and
// written as PNG by hand (signature, IHDR, IDAT, IEND; CRC32 from node:zlib, Node ≥ 20.15), so the
// committed images can be remade byte for byte with no image library: `node scripts/teams-icons.mjs`.
// The glyph is a lens over three utilisation bars. Teams' rules: the colour icon is full-bleed (Teams
// rounds the corners itself) with the symbol in the middle; the outline icon is white on transparent only.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

const ACCENT = [0x1e, 0x5a, 0xa8]; // manifests/teams/manifest.json accentColor #1E5AA8
const out = new URL('../manifests/teams/', import.meta.url);

/** Is the point (unit square, y down) inside the glyph? */
function inGlyph(x, y) {
  const dx = x - 0.42;
  const dy = y - 0.42;
  const r = Math.hypot(dx, dy);
  if (r <= 0.3 && r >= 0.22) return true; // the lens's rim
  // the handle: a capsule from the rim outwards, at 45°
  const t = Math.max(0, Math.min(1, ((x - 0.63) * 0.23 + (y - 0.63) * 0.23) / (2 * 0.23 * 0.23)));
  if (Math.hypot(x - (0.63 + 0.23 * t), y - (0.63 + 0.23 * t)) <= 0.065) return true;
  // three bars inside the lens, bottoms aligned
  const bars = [
    [0.29, 0.46],
    [0.39, 0.34],
    [0.49, 0.4],
  ];
  return bars.some(([left, top]) => x >= left && x <= left + 0.06 && y >= top && y <= 0.54);
}

/** The glyph's coverage of pixel (px, py) when the glyph's unit square is `box` pixels from `offset`. */
function coverage(px, py, box, offset) {
  const N = 8; // 8×8 samples a pixel: smooth edges at 32 px
  let hits = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++)
      if (inGlyph((px + (i + 0.5) / N - offset) / box, (py + (j + 0.5) / N - offset) / box)) hits++;
  return hits / (N * N);
}

/** An RGBA image (8 bits a channel) as PNG bytes; every row with filter type 0. */
function png(width, height, pixel) {
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (1 + width * 4) + 1 + x * 4);
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit, RGBA, deflate, no filter method variants, not interlaced
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// colour: white glyph (128 px box, centred) over the accent colour, opaque everywhere
const color = png(192, 192, (x, y) => {
  const c = coverage(x, y, 128, 32);
  return [...ACCENT.map((v) => Math.round(v + (255 - v) * c)), 255];
});
// outline: white, the coverage as alpha; fully transparent pixels all zero
const outline = png(32, 32, (x, y) => {
  const a = Math.round(255 * coverage(x, y, 32, 0));
  return a === 0 ? [0, 0, 0, 0] : [255, 255, 255, a];
});
writeFileSync(new URL('color.png', out), color);
writeFileSync(new URL('outline.png', out), outline);
console.log(`teams-icons: color.png ${color.length} B, outline.png ${outline.length} B → manifests/teams/`);
