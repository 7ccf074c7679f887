// Progress bars with ETA for long jobs (cli-progress). Off a terminal they print a line every few seconds instead.
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(label: string, total: number, fieldsFormat = '', start = 0): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} {percentage}% ETA {eta_formatted} ${fieldsFormat}`,
      barsize: 24,
      hideCursor: process.stdout.isTTY === true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
      stream: process.stdout,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, {});
  return {
    update: (value, fields) => bar.update(value, fields ?? {}),
    stop: () => bar.stop(),
  };
}
