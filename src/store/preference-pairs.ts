// Preference pairs with their images, read from (or written to) the preferences interchange: a JSONL export or a
// runs.sqlite preferences table (run-store-preferences.ts), images as PNG files named by a_path / b_path (relative
// paths resolve against the file's folder). The offline source of Diffusion-DPO (algorithms/dpo/pair-source.ts),
// handed to it by the trainer so algorithms/ never imports store/.
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { createImage, type RGBImage } from '../data/image.js';
import { encodeGridPng } from '../eval/report/png.js';
import type { PreferencePair } from '../rewards/preference/pairs.js';
import { parsePreferencesJsonl, preferencesToJsonl } from './run-store-preference-io.js';
import type { PreferenceInput, PreferenceRow } from './run-store-preferences.js';
import { RunStore } from './run-store.js';
import { quoteValue } from '../config/errors.js';

const WHERE = 'preference pairs';

/** The largest preferences JSONL read (about 300 000 preferences); larger files are refused before reading. */
export const MAX_PREFERENCES_FILE_BYTES = 64 * 1024 * 1024;

/** A PNG file as an RGBImage in [0, 1] (alpha dropped). */
export function readPngImage(file: string): RGBImage {
  if (!existsSync(file)) throw new Error(`refract ${WHERE}: image ${file} must exist, got no such file — fix a_path / b_path`);
  const png = PNG.sync.read(readFileSync(file));
  const img = createImage(png.width, png.height);
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) img.data[c * n + i] = png.data[i * 4 + c]! / 255;
  return img;
}

function sideImage(row: PreferenceInput, side: 'a' | 'b', base: string, at: string): RGBImage {
  const p = side === 'a' ? row.aPath : row.bPath;
  if (p === undefined || p === null || p === '') {
    throw new Error(`refract ${WHERE}: ${at}${side}_path must name an image file, got ${JSON.stringify(p ?? null)} — DPO needs the images, not only refs`);
  }
  return readPngImage(path.resolve(base, p));
}

/** Rows (ties skipped) → pairs, chosen = the winner. `base` resolves relative image paths. */
export function rowsToPairs(rows: readonly PreferenceInput[], base: string): PreferencePair[] {
  const pairs: PreferencePair[] = [];
  rows.forEach((r, i) => {
    if (r.winner === 'tie') return;
    const at = `preference ${i + 1}: `;
    const a = sideImage(r, 'a', base, at);
    const b = sideImage(r, 'b', base, at);
    const [chosen, rejected] = r.winner === 'a' ? [a, b] : [b, a];
    pairs.push({ prompt: { text: r.prompt }, chosen, rejected, kind: 'contradict', flipped: false });
  });
  return pairs;
}

/** Pairs of a `.jsonl` export or a `.sqlite` / `.db` run store. */
export function loadPreferencePairs(file: string): PreferencePair[] {
  return rowsToPairs(preferenceRows(file), path.dirname(path.resolve(file)));
}

/** The prompts of a preferences file, in order (ties included): what preflight checks against a tokenizer. */
export function preferencePrompts(file: string): string[] {
  return preferenceRows(file).map((r) => r.prompt);
}

/** The checked rows of a `.jsonl` export or a `.sqlite` / `.db` run store. */
function preferenceRows(file: string): PreferenceInput[] {
  const name = quoteValue(file);
  if (!existsSync(file)) throw new Error(`refract ${WHERE}: file must exist, got ${name} (no such file) — pass a .jsonl export or a runs.sqlite`);
  if (file.endsWith('.jsonl')) {
    const size = statSync(file).size;
    if (size > MAX_PREFERENCES_FILE_BYTES) {
      throw new Error(`refract ${WHERE}: ${name} must be at most ${MAX_PREFERENCES_FILE_BYTES} bytes, got ${size} — split it, or import it into a runs.sqlite`);
    }
    return parsePreferencesJsonl(readFileSync(file, 'utf8'), `${WHERE} ${file}`);
  }
  if (file.endsWith('.sqlite') || file.endsWith('.db')) {
    const store = RunStore.open(file);
    try {
      return store.preferences();
    } finally {
      store.close();
    }
  }
  throw new Error(`refract ${WHERE}: file must end in .jsonl, .sqlite or .db, got ${name} — export the preferences as JSONL`);
}

/**
 * Writes pairs as PNGs (`<dir>/images/<i>-a.png`, chosen, and `-b.png`) and a JSONL file `<dir>/<name>` with
 * winner 'a'; returns the JSONL path. `source` records where the labels came from ('gold', 'human', ...).
 */
export function writePreferencePairs(dir: string, pairs: readonly PreferencePair[], source: string, name = 'preferences.jsonl'): string {
  mkdirSync(path.join(dir, 'images'), { recursive: true });
  const createdAt = new Date().toISOString();
  const rows: PreferenceRow[] = pairs.map((p, i) => {
    const a = `images/${i}-a.png`;
    const b = `images/${i}-b.png`;
    writeFileSync(path.join(dir, a), encodeGridPng([p.chosen], { scale: 1, gap: 0 }));
    writeFileSync(path.join(dir, b), encodeGridPng([p.rejected], { scale: 1, gap: 0 }));
    return { id: i + 1, prompt: p.prompt.text, aPath: a, aRef: null, bPath: b, bRef: null, winner: 'a', source, labeler: null, createdAt };
  });
  const file = path.join(dir, name);
  writeFileSync(file, preferencesToJsonl(rows));
  return file;
}
