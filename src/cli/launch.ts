// `refract train CONFIG --nproc N`: a torchrun-like launcher for one machine. It runs N copies of the same command
// (without --nproc) as ranks 0..N−1 with torchrun's environment — RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT — so the same command with those variables set by hand runs one rank per machine (docs/scaling.md).
// Rank 0 keeps the terminal (progress, evaluation lines, report); the others' stderr is shown prefixed with their
// rank. Ctrl-C/SIGTERM go to rank 0, which checkpoints and tells the others to end. When a rank dies, the launcher
// says which one at once; the others stop by themselves within the run's timeout (src/train/distributed/).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CliError, EXIT } from './errors.js';

/** A free TCP port on 127.0.0.1 for rank 0's store (MASTER_PORT when set wins). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

export function parseNproc(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new CliError('train', `--nproc must be an integer in 1..64, got "${value}" — e.g. --nproc 2`);
  return n;
}

/** The command line of a rank: this one without --nproc. */
function rankArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc') i++;
    else if (!argv[i]!.startsWith('--nproc=')) out.push(argv[i]!);
  }
  return out;
}

interface RankExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the ranks to their end; resolves with the exit code the launcher should end with. */
export async function launchRanks(nproc: number): Promise<number> {
  const port = process.env['MASTER_PORT'] ? Number(process.env['MASTER_PORT']) : await freePort();
  const args = [...process.execArgv, process.argv[1]!, ...rankArgs(process.argv.slice(2))];
  const children: ChildProcess[] = [];
  let interrupted = false;
  const exits = Array.from({ length: nproc }, (_, rank) =>
    new Promise<RankExit>((resolve) => {
      const child = spawn(process.execPath, args, {
        env: { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
        stdio: rank === 0 ? 'inherit' : ['ignore', 'ignore', 'pipe'],
      });
      children[rank] = child;
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(prefixLines(`[rank ${rank}] `, d.toString())));
      child.on('exit', (code, signal) => {
        // after Ctrl-C/SIGTERM rank 0 ends with 130/143 on purpose and says so itself
        const asked = interrupted && rank === 0 && (code === 130 || code === 143);
        if (!asked && (signal !== null || (code !== 0 && code !== null))) reportExit(rank, child.pid, code, signal, children);
        resolve({ rank, code, signal });
      });
    }),
  );
  const forward = (signal: NodeJS.Signals): void => {
    interrupted = true;
    children[0]?.kill(signal); // rank 0 checkpoints and ends the others
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return exitCodeOf(await Promise.all(exits));
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

function reportExit(rank: number, pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, children: ChildProcess[]): void {
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null).length;
  if (signal === null && alive === 0) return; // the last rank's own message said why
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  process.stderr.write(
    `refract train: rank ${rank} (pid ${pid ?? '?'}) ${how}` +
      (alive > 0 ? ` — the other ${alive} rank(s) stop within the run's distributed.timeoutMs; continue with --resume\n` : '\n'),
  );
}

function prefixLines(prefix: string, text: string): string {
  return text
    .split('\n')
    .map((l, i, all) => (i === all.length - 1 && l === '' ? '' : `${prefix}${l}`))
    .join('\n');
}

/** Rank 0's code when every rank ended normally; else the first failure's (a killed rank: the runtime error code). */
function exitCodeOf(exits: RankExit[]): number {
  const killed = exits.find((e) => e.signal !== null);
  if (killed) return EXIT.runtime;
  const failed = exits.find((e) => e.code !== 0);
  return failed?.code ?? 0;
}
