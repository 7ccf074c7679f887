// The CLI's one error policy (docs/reliability.md): every error prints one line,
//   refract <command>: <what> must be <expected>, got <actual> — <how to fix>
// and the process exits with
//   2  usage or config error: bad arguments, config or input, found before anything was written
//   1  runtime error: something failed while the command ran (I/O, a damaged file met mid-run, libtorch)
//   3  the job ran to its end but its result is a failure (a NaN/Inf stop, a diverged run, a failed audit gate)
//   130 / 143  interrupted by Ctrl-C (SIGINT) / SIGTERM
// A stack trace is printed only with --debug or REFRACT_DEBUG=1.
import { UsageError, quoteValue } from '../config/errors.js';

export const EXIT = Object.freeze({ ok: 0, runtime: 1, usage: 2, failedRun: 3, sigint: 130, sigterm: 143 });

/** The longest line an error prints (a safety net: values are already cut by quoteValue at their source). */
export const MAX_ERROR_LINE = 600;

/** A user-facing error: printed as is ("refract <command>: <what> must be <expected>, got <actual> — <fix>"). */
export class CliError extends UsageError {
  constructor(command: string, message: string) {
    super(`refract ${command}: ${message}`);
    this.name = 'CliError';
  }
}

export function parseThreadList(command: string, value: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new CliError(command, `--threads must be a comma-separated list of positive integers, got ${quoteValue(value)} — e.g. --threads 1,2`);
  }
  return xs;
}

/** Whether stacks are wanted: --debug anywhere on the command line, or REFRACT_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return argv.includes('--debug') || env['REFRACT_DEBUG'] === '1';
}

export interface FormattedError {
  /** What goes to stderr (one line, newline-terminated; with the stack after it in debug mode). */
  text: string;
  exitCode: number;
}

/**
 * The one line an error prints, and the exit code. A message that already starts with "refract <command>" is kept;
 * one prefixed by a component ("refract checkpoint: …", "refract RunStore.open: …") gets the command the user ran;
 * an unprefixed one (a raw Node or libtorch error) gets the command and a pointer to --debug.
 */
export function formatCliError(command: string, err: unknown, debug: boolean, exitCode = exitCodeOf(err)): FormattedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const first = oneLine(e);
  const prefix = command === '' ? 'refract' : `refract ${command}`;
  let line: string;
  if (first.startsWith(`${prefix}:`) || first.startsWith(`${prefix} `)) line = first;
  else {
    const m = /^refract [^:]{1,60}: /.exec(first);
    const body = m ? first.slice(m[0].length) : `${e.name === 'Error' ? '' : `${e.name}: `}${first}`;
    line = `${prefix}: ${body}${m || body.includes(' — ') ? '' : ' — rerun with --debug for the stack trace'}`;
  }
  if (line.length > MAX_ERROR_LINE) line = `${line.slice(0, MAX_ERROR_LINE - 1)}…`;
  const stack = debug && e.stack ? `${e.stack}\n` : '';
  return { text: `${line}\n${stack}`, exitCode };
}

/** 2 for a UsageError (ConfigError, CliError, RunLockError are ones) or anything marked usage, else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof Error && (err as { exitCode?: unknown }).exitCode === EXIT.usage) return EXIT.usage;
  return EXIT.runtime;
}

/**
 * An error's message as one line: a ConfigError with several issues joins them with "; " (each names its field);
 * any other multi-line message keeps its first line.
 */
function oneLine(e: Error): string {
  const issues = (e as { issues?: unknown }).issues;
  const lines = e.message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (Array.isArray(issues) && issues.length > 1) {
    const head = (lines[0] ?? '').replace(/invalid config:$/, '').trim();
    return `${head} invalid config (${issues.length} problems): ${issues.map(String).join('; ')}`;
  }
  return lines[0] ?? e.name;
}
