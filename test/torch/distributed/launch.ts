// Test helpers: free TCP ports on 127.0.0.1 and running N copies of a compiled worker script as ranks.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RankExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` as ranks 0..n-1 (torchrun's env), each killed after `limitMs`; resolves when all have exited. */
export function runRanks(script: string, args: string[], n: number, env: Record<string, string>, limitMs = 60_000): Promise<RankExit[]> {
  return Promise.all(
    Array.from({ length: n }, (_, rank) =>
      new Promise<RankExit>((resolve) => {
        const child = spawn(process.execPath, [script, ...args], {
          env: { ...process.env, REFRACT_THREADS: '1', RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(n), MASTER_ADDR: '127.0.0.1', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          resolve({ rank, code, signal, stdout, stderr });
        });
      }),
    ),
  );
}

/** The last JSON line a rank printed. */
export function lastJson(exit: RankExit): Record<string, unknown> {
  const lines = exit.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  if (lines.length === 0) throw new Error(`rank ${exit.rank} printed no result (code ${exit.code}, signal ${exit.signal}): ${exit.stderr.slice(-2000)}`);
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}
