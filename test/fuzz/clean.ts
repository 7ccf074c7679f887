// The contract every parser of outside input keeps under property-based testing (issue #12 §5): for any input it
// returns, or throws an error of its documented kind with a bounded one-line-able message — never a TypeError or
// RangeError from inside, never a hang (a time budget per case), never a message that echoes the input unbounded.
import assert from 'node:assert/strict';

/** fast-check runs per property: enough to find the shallow crashes, few enough to keep each file in seconds. */
export const RUNS = 200;

/** Per-case time budget (ms): generous for a loaded 2-core machine, far below a hang. */
export const CASE_BUDGET_MS = 1500;

/** The longest error message a parser may produce (values are quoted at 80 characters). */
export const MAX_MESSAGE = 1000;

/** The longest line of a message (a ConfigError lists up to ten problems, one per line). */
export const MAX_LINE = 700;

/** A message listing several config problems (ConfigError): ten lines at most. */
export const MAX_CONFIG_MESSAGE = 6000;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Runs `parse`; an error must satisfy `expected` (its class), have a message under `maxMessage` characters that
 * starts with `prefix`; the call must finish within CASE_BUDGET_MS.
 */
export function clean<T>(parse: () => T, expected: (e: unknown) => boolean, prefix: RegExp, maxMessage = MAX_MESSAGE): Outcome<T> {
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    out = { ok: true, value: parse() };
  } catch (err) {
    assert.ok(expected(err), `unexpected error kind: ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}\n${err.stack ?? ''}` : String(err)}`);
    const e = err as Error;
    assert.ok(e.message.length <= maxMessage, `message of ${e.message.length} characters: ${e.message.slice(0, 200)}…`);
    assert.match(e.message, prefix);
    for (const line of e.message.split('\n')) assert.ok(line.length <= MAX_LINE, `a message line of ${line.length} characters: ${line.slice(0, 200)}…`);
    out = { ok: false, error: e };
  }
  const ms = performance.now() - t0;
  assert.ok(ms < CASE_BUDGET_MS, `took ${ms.toFixed(0)} ms`);
  return out;
}
