#!/usr/bin/env node
/**
 * Draws the app icons (a white video-camera glyph with a red record dot on a teal rounded square)
 * and writes real PNGs with zlib, no image library:
 *   resources/icon-512.png, resources/icon-256.png (app icons), resources/drag-icon.png (64×64).
 * Run: node resources/make-icons.mjs   (the PNGs are committed; rerun only to change the design)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** RGBA8 pixels (row-major) → PNG bytes. */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const inTriangle = (x, y, [ax, ay], [bx, by], [cx, cy]) => {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by);
  const d2 = s(x, y, bx, by, cx, cy);
  const d3 = s(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};

const TEAL = [17, 122, 139];
const WHITE = [255, 255, 255];
const RED = [226, 58, 52];
const DARK = [12, 40, 48];

/** Colour at a point of the unit square (0..1), or null for transparent. */
function shade(u, v, { background }) {
  const lens = inCircle(u, v, 0.4, 0.5, 0.12);
  const lensRing = inCircle(u, v, 0.4, 0.5, 0.155);
  const body = inRoundRect(u, v, 0.16, 0.32, 0.64, 0.68, 0.06);
  const viewfinder = inTriangle(u, v, [0.62, 0.5], [0.85, 0.34], [0.85, 0.66]);
  const record = inCircle(u, v, 0.215, 0.385, 0.032);
  if (record) return RED;
  if (lens) return DARK;
  if (lensRing) return WHITE;
  if (body || viewfinder) return WHITE;
  if (background && inRoundRect(u, v, 0.04, 0.04, 0.96, 0.96, 0.2)) return TEAL;
  return null;
}

/** Render with 4×4 supersampling for smooth edges. */
export function renderIcon(size, opts = { background: true }) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = shade((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size, opts);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) {
        px[i] = Math.round(r / a);
        px[i + 1] = Math.round(g / a);
        px[i + 2] = Math.round(b / a);
      }
      px[i + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return encodePng(size, size, px);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dirname(fileURLToPath(import.meta.url));
  writeFileSync(join(dir, 'icon-512.png'), renderIcon(512));
  writeFileSync(join(dir, 'icon-256.png'), renderIcon(256));
  writeFileSync(join(dir, 'drag-icon.png'), renderIcon(64));
  console.log('wrote icon-512.png, icon-256.png, drag-icon.png');
}
