// The animated-GIF writer: a valid GIF89a with one image per frame, looping, at the grid's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeClipGridGif, writeClipGridGif } from '../../src/eval/report/gif.js';
import type { RGBImage } from '../../src/data/image.js';

/** Walks the GIF's blocks (GIF89a spec §17–27): screen size, image count, and whether it loops (NETSCAPE2.0). */
function parseGif(b: Uint8Array): { width: number; height: number; frames: number; loops: boolean } {
  const u16 = (i: number): number => b[i]! | (b[i + 1]! << 8);
  const skipSubBlocks = (i: number): number => {
    while (b[i] !== 0) i += b[i]! + 1;
    return i + 1;
  };
  const width = u16(6);
  const height = u16(8);
  let i = 13 + (b[10]! & 0x80 ? 3 * 2 ** ((b[10]! & 7) + 1) : 0);
  let frames = 0;
  let loops = false;
  while (b[i] !== 0x3b) {
    if (b[i] === 0x21) {
      if (b[i + 1] === 0xff && String.fromCharCode(...b.slice(i + 3, i + 14)) === 'NETSCAPE2.0') loops = true;
      i = skipSubBlocks(i + 2);
    } else if (b[i] === 0x2c) {
      frames++;
      const packed = b[i + 9]!;
      i += 10 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
      i = skipSubBlocks(i + 1); // LZW minimum code size, then the data sub-blocks
    } else throw new Error(`unexpected block 0x${b[i]!.toString(16)} at ${i}`);
    if (i >= b.length) throw new Error('no trailer');
  }
  return { width, height, frames, loops };
}

/** A clip of F frames, W×H, with a white pixel walking to the right over a coloured background. */
function clip(F: number, W: number, H: number, hue: number): RGBImage[] {
  return Array.from({ length: F }, (_, k) => {
    const data = new Float32Array(3 * W * H);
    data.fill(0.2 * hue, 0, W * H);
    for (let c = 0; c < 3; c++) data[c * W * H + (k % W)] = 1;
    return { width: W, height: H, data };
  });
}

test('encodeClipGridGif: GIF89a header, one image per frame, grid size, loops forever', () => {
  const clips = [clip(5, 8, 6, 1), clip(5, 8, 6, 2), clip(5, 8, 6, 3)];
  const bytes = encodeClipGridGif(clips, { cols: 2, scale: 2, gap: 1 });
  assert.equal(String.fromCharCode(...bytes.slice(0, 6)), 'GIF89a');
  assert.equal(bytes[bytes.length - 1], 0x3b);
  const g = parseGif(bytes);
  assert.deepEqual(g, { width: 2 * 8 * 2 + 3, height: 2 * 6 * 2 + 3, frames: 5, loops: true });
});

test('encodeClipGridGif rejects ragged clips; writeClipGridGif writes the file', () => {
  assert.throws(() => encodeClipGridGif([clip(4, 8, 8, 1), clip(3, 8, 8, 1)]), /every clip must have 4 frames/);
  assert.throws(() => encodeClipGridGif([]), /non-empty/);
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-gif-'));
  try {
    const file = path.join(dir, 'sub', 'clips.gif');
    writeClipGridGif(file, [clip(8, 32, 32, 1)]);
    assert.equal(parseGif(new Uint8Array(readFileSync(file))).frames, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
