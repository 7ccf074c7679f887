// The error vocabulary every layer shares (STYLE §7): a user error reads
//   "refract <command>: <what> must be <expected>, got <actual> — <how to fix>"
// and quotes outside values through `quoteValue`, so a 50 MB prompt becomes 80 characters and a length, never 50 MB
// of stderr. The CLI (src/cli/main.ts) maps a UsageError to exit code 2 and prints it as one line without a stack.

/** The most characters of an outside value (a prompt, a path, a config value) an error message quotes. */
export const MAX_QUOTED_CHARS = 80;

/**
 * `value` as it should appear in an error message: JSON-quoted and cut to `max` characters, with its full length
 * when cut (`"aaaa…" (52428800 chars)`). Control characters are escaped, so the message stays one line.
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_CHARS): string {
  let s: string;
  if (typeof value === 'string') {
    const head = value.length > max ? value.slice(0, max) : value;
    s = JSON.stringify(head);
    return value.length > max ? `${s.slice(0, -1)}…" (${value.length} chars)` : s;
  }
  if (value === undefined) return 'nothing';
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value); // BigInt, cycles
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/**
 * An error in what the user gave (arguments, config, input files), found before anything was written: the CLI
 * prints its message as is and exits 2. `message` must already read "refract <command>: … — <fix>".
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
