// Reading and writing the preferences table, and its JSONL import/export (format in run-store-preferences.ts).
import type Database from 'better-sqlite3';
import {
  parsePreferenceLine,
  preferenceLine,
  type PreferenceInput,
  type PreferenceRow,
} from './run-store-preferences.js';
import { preferenceRow } from './run-store-rows.js';
import { now } from './run-store-types.js';

const INSERT = `INSERT INTO preferences (prompt, a_path, a_ref, b_path, b_ref, winner, source, labeler, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Inserts checked preferences in one transaction; returns their ids. */
export function insertPreferences(db: Database.Database, prefs: readonly PreferenceInput[]): number[] {
  const ins = db.prepare(INSERT);
  return db.transaction(() =>
    prefs.map((p) =>
      Number(
        ins.run(
          p.prompt,
          p.aPath ?? null,
          p.aRef ?? null,
          p.bPath ?? null,
          p.bRef ?? null,
          p.winner,
          p.source,
          p.labeler ?? null,
          p.createdAt ?? now(),
        ).lastInsertRowid,
      ),
    ),
  )();
}

export function readPreferences(db: Database.Database): PreferenceRow[] {
  return (db.prepare('SELECT * FROM preferences ORDER BY id').all() as Record<string, unknown>[]).map(preferenceRow);
}

/** Rows as JSONL text: one object per line, each line ending in a newline. */
export function preferencesToJsonl(rows: readonly PreferenceRow[]): string {
  return rows.map((r) => `${preferenceLine(r)}\n`).join('');
}

/** Parses and checks every line (blank lines skipped) before anything is written; throws on the first bad line. */
export function parsePreferencesJsonl(text: string, where: string): PreferenceInput[] {
  const parsed: PreferenceInput[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') parsed.push(parsePreferenceLine(line, i + 1, where));
  });
  return parsed;
}
