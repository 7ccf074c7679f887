// Progress bars with ETA for long jobs (cli-progress). Off a terminal (CI, logs) a plain line is printed every
// few seconds instead: cli-progress redraws on a timer there, and our training loops are synchronous, so the
// timer would never fire until the job ends.
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Show only the percentage (the value counts abstract units, e.g. thousandths of a budget), not value/total. */
  percentOnly?: boolean;
}

export function progressBar(label: string, total: number, fieldsFormat = '', start = 0, opts: ProgressOptions = {}): Progress {
  if (process.stdout.isTTY !== true) return lineProgress(label, total, start, opts);
  const count = opts.percentOnly === true ? '' : '{value}/{total} ';
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| ${count}{percentage}% ETA {eta_formatted} ${fieldsFormat}`,
      barsize: 24,
      hideCursor: process.stdout.isTTY === true,
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

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

function lineProgress(label: string, total: number, start: number, opts: ProgressOptions, everyMs = 10_000): Progress {
  const t0 = Date.now();
  let last = 0;
  const print = (value: number, fields: Record<string, string | number>): void => {
    const elapsed = (Date.now() - t0) / 1000;
    const rate = (value - start) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - value) / rate : NaN;
    const extra = Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('  ');
    const pct = `${((100 * value) / total).toFixed(1)}%`;
    const done = opts.percentOnly === true ? pct : `${value}/${total} (${pct})`;
    process.stdout.write(`${label} ${done} elapsed ${formatSeconds(elapsed)} ETA ${formatSeconds(eta)}  ${extra}\n`);
  };
  let lastFields: Record<string, string | number> = {};
  let lastValue = start;
  let printedValue = -1;
  return {
    update: (value, fields) => {
      lastValue = value;
      lastFields = fields ?? lastFields;
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        printedValue = value;
        print(value, lastFields);
      }
    },
    stop: () => {
      if (printedValue !== lastValue) print(lastValue, lastFields);
    },
  };
}
