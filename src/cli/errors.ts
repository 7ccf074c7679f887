/** A user-facing error: printed as is ("refract <command>: <what> must be <expected>, got <actual> — <fix>"). */
export class CliError extends Error {
  constructor(command: string, message: string) {
    super(`refract ${command}: ${message}`);
    this.name = 'CliError';
  }
}

export function parseThreadList(command: string, value: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new CliError(command, `--threads must be a comma-separated list of positive integers, got "${value}" — e.g. --threads 1,2`);
  }
  return xs;
}
