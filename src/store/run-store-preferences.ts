// Pairwise preferences (for Diffusion-DPO and reward-model training) and their JSONL interchange format.
//
// One JSON object per line, snake_case like the table:
//   {"prompt":"a red circle","a_path":"a.png","b_ref":"run3/step12/4","winner":"a","source":"gold","labeler":null,
//    "created_at":"2026-01-01T00:00:00.000Z"}
// Each side needs a path (an image file) or a ref (any id of an image elsewhere), or both. `labeler` is optional;
// `created_at` is optional on import (defaults to the import time). Unknown fields are rejected so a typo does not
// silently drop data.

import { quoteValue } from '../config/errors.js';

export type Winner = 'a' | 'b' | 'tie';

/** The longest prompt a preference may carry (the testbeds' prompts are a few words). */
export const MAX_PREFERENCE_PROMPT_CHARS = 1000;
/** The longest JSONL line read: a preference is a few hundred bytes; a longer line is refused before parsing. */
export const MAX_PREFERENCE_LINE_CHARS = 64 * 1024;

export interface PreferenceInput {
  readonly prompt: string;
  readonly aPath?: string | null;
  readonly aRef?: string | null;
  readonly bPath?: string | null;
  readonly bRef?: string | null;
  readonly winner: Winner;
  /** Where the label came from: 'gold', 'human', 'reward:<name>', ... */
  readonly source: string;
  readonly labeler?: string | null;
  /** ISO 8601; default now. */
  readonly createdAt?: string;
}

export interface PreferenceRow {
  readonly id: number;
  readonly prompt: string;
  readonly aPath: string | null;
  readonly aRef: string | null;
  readonly bPath: string | null;
  readonly bRef: string | null;
  readonly winner: Winner;
  readonly source: string;
  readonly labeler: string | null;
  readonly createdAt: string;
}

const FIELDS = ['prompt', 'a_path', 'a_ref', 'b_path', 'b_ref', 'winner', 'source', 'labeler', 'created_at'] as const;

/** Checks a preference; `at` prefixes the field in messages (e.g. "line 3: "). */
export function checkPreference(p: PreferenceInput, where: string, at = ''): void {
  const str = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
  const opt = (v: unknown): boolean => v === undefined || v === null || str(v);
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`refract ${where}: ${at}${field} must be ${expected}, got ${quoteValue(got)} — fix or remove the line`);
  };
  if (!str(p.prompt) || (p.prompt as string).trim() === '') fail('prompt', 'a non-empty string', p.prompt);
  if (p.prompt.length > MAX_PREFERENCE_PROMPT_CHARS) fail('prompt', `at most ${MAX_PREFERENCE_PROMPT_CHARS} characters`, p.prompt);
  for (const [field, v] of [
    ['a_path', p.aPath],
    ['a_ref', p.aRef],
    ['b_path', p.bPath],
    ['b_ref', p.bRef],
    ['labeler', p.labeler],
  ] as const) {
    if (!opt(v)) fail(field, 'a non-empty string or null', v);
  }
  if (!str(p.aPath) && !str(p.aRef)) fail('a_path or a_ref', 'given (side a needs an image)', null);
  if (!str(p.bPath) && !str(p.bRef)) fail('b_path or b_ref', 'given (side b needs an image)', null);
  if (p.winner !== 'a' && p.winner !== 'b' && p.winner !== 'tie') fail('winner', "'a', 'b' or 'tie'", p.winner);
  if (!str(p.source)) fail('source', "a non-empty string (e.g. 'gold' or 'human')", p.source);
  if (p.createdAt !== undefined && !(str(p.createdAt) && !Number.isNaN(Date.parse(p.createdAt)))) {
    fail('created_at', 'an ISO 8601 date', p.createdAt);
  }
}

/** One JSONL line → a checked PreferenceInput; errors name the line number and the field. */
export function parsePreferenceLine(line: string, lineNo: number, where: string): PreferenceInput {
  const at = `line ${lineNo}: `;
  if (line.length > MAX_PREFERENCE_LINE_CHARS) {
    throw new Error(
      `refract ${where}: ${at}must be at most ${MAX_PREFERENCE_LINE_CHARS} characters, got ${line.length} starting ${quoteValue(line, 40)} — fix or remove the line`,
    );
  }
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    throw new Error(
      `refract ${where}: ${at}must be a JSON object, got invalid JSON (${quoteValue((err as Error).message)}) — fix or remove the line`,
    );
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(
      `refract ${where}: ${at}must be a JSON object, got ${Array.isArray(obj) ? 'an array' : obj === null ? 'null' : typeof obj} — fix or remove the line`,
    );
  }
  const o = obj as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    throw new Error(
      `refract ${where}: ${at}field ${quoteValue(unknown, 40)} must be one of ${FIELDS.join(', ')} — rename or remove it`,
    );
  }
  const p = {
    prompt: o['prompt'],
    aPath: o['a_path'],
    aRef: o['a_ref'],
    bPath: o['b_path'],
    bRef: o['b_ref'],
    winner: o['winner'],
    source: o['source'],
    labeler: o['labeler'],
    createdAt: o['created_at'],
  } as PreferenceInput;
  checkPreference(p, where, at);
  return p;
}

/** A row as one JSONL line (no id: ids are local to a database). */
export function preferenceLine(r: PreferenceRow): string {
  return JSON.stringify({
    prompt: r.prompt,
    a_path: r.aPath,
    a_ref: r.aRef,
    b_path: r.bPath,
    b_ref: r.bRef,
    winner: r.winner,
    source: r.source,
    labeler: r.labeler,
    created_at: r.createdAt,
  });
}
