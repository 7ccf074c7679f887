// Parsers of command-line option values: each accepts exactly what its message promises and throws a CliError
// (exit 2) naming the flag, the bound and the value it got (cut to 80 characters). Commander hands every value
// over as a string; nothing is coerced silently ("abc" is not a seed, "" is not a prompt).
import { quoteValue } from '../config/errors.js';
import { CliError } from './errors.js';

export interface IntBounds {
  min?: number;
  max?: number;
  /** How to fix a value out of bounds (appended after " — "). */
  fix?: string;
}

/** A decimal integer in [min, max] (default [0, 2^53 − 1]). */
export function parseIntOption(command: string, flag: string, value: string, b: IntBounds = {}): number {
  const min = b.min ?? 0;
  const max = b.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(command, `${flag} must be an integer ${range}, got ${quoteValue(value)} — ${b.fix ?? `e.g. ${flag} ${Math.max(min, Math.min(max, 1))}`}`);
  }
  return n;
}

/** A finite number > 0 (or ≥ 0 with `allowZero`). */
export function parsePositiveNumber(command: string, flag: string, value: string, allowZero = false): number {
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new CliError(command, `${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${quoteValue(value)} — e.g. ${flag} 3`);
  }
  return n;
}

/** The longest prompt any testbed can encode is a few dozen words; longer text is refused before tokenizing. */
export const MAX_PROMPT_CHARS = 1000;

/** A prompt: non-empty after trimming, one line, at most MAX_PROMPT_CHARS characters. */
export function parsePromptOption(command: string, flag: string, value: string): string {
  const text = value.trim();
  if (text.length === 0) throw new CliError(command, `${flag} must be a non-empty prompt, got ${quoteValue(value)} — e.g. ${flag} "two red circles"`);
  if (text.length > MAX_PROMPT_CHARS) {
    throw new CliError(command, `${flag} must be at most ${MAX_PROMPT_CHARS} characters, got ${quoteValue(value)} — shorten the prompt`);
  }
  if (/[\r\n\0]/.test(text)) throw new CliError(command, `${flag} must be one line of text, got ${quoteValue(value)} — remove the line breaks`);
  return text;
}
