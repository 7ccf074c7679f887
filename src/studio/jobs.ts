// Long work the Studio starts — training a reward model on the labels, its full audit, a post-training run with it — runs in a
// worker process (./worker.ts), never in the server: libtorch work would stall every request. One job at a time (a
// laptop's cores are the budget). The worker prints one JSON object per line ({ type: 'log' | 'progress' | 'result' });
// a run's curves reach the run page from its store like any other run's.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Acquisition } from './active.js';
import type { LabelDb } from './label-db.js';
import { checkLaunch, checkRewardModel } from './launch-check.js';

export type JobSpec =
  | { kind: 'reward-model'; name: string; members?: number; steps?: number; seed?: number; heldOutFraction?: number; splitSeed?: number; acquisition?: Acquisition }
  | { kind: 'audit'; rewardModel: string }
  /** `pessimism` λ: the run optimises the ensemble's mean − λ·std (rewards/preference/conservative.ts). */
  | { kind: 'train'; rewardModel: string; config: string; out: string; iterations?: number; pessimism?: number };

export interface JobInfo {
  id: number;
  spec: JobSpec;
  status: 'running' | 'finished' | 'failed';
  startedAt: string;
  log: string[];
  progress: { iteration: number; of: number } | null;
  result: unknown;
}

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');
const MAX_LOG = 50;

export class Jobs {
  readonly #jobs: JobInfo[] = [];
  readonly #procs = new Map<number, ChildProcess>();

  constructor(
    readonly runsDir: string,
    readonly db: LabelDb,
  ) {}

  list(): JobInfo[] {
    return [...this.#jobs].reverse();
  }

  get(id: number): JobInfo | undefined {
    return this.#jobs.find((j) => j.id === id);
  }

  /** Starts `spec` in a worker; throws (409) while another job runs. */
  start(spec: JobSpec): JobInfo {
    if (this.#jobs.some((j) => j.status === 'running')) {
      throw Object.assign(new Error('a job must finish before the next starts, got one still running — wait for it'), { statusCode: 409 });
    }
    if (spec.kind === 'train') checkLaunch(this.runsDir, this.db, spec);
    if (spec.kind === 'audit') checkRewardModel(this.db, spec.rewardModel);
    const job: JobInfo = { id: this.#jobs.length + 1, spec, status: 'running', startedAt: new Date().toISOString(), log: [], progress: null, result: null };
    this.#jobs.push(job);
    const child = spawn(process.execPath, [WORKER, JSON.stringify({ ...spec, runsDir: this.runsDir })], {
      env: { ...process.env, REFRACT_THREADS: process.env['REFRACT_THREADS'] ?? '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#procs.set(job.id, child);
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        this.#line(job, buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => this.#log(job, chunk.toString('utf8').trim()));
    child.on('exit', (code) => {
      this.#procs.delete(job.id);
      job.status = code === 0 ? 'finished' : 'failed';
    });
    return job;
  }

  /** Resolves when job `id` ends. */
  async wait(id: number, pollMs = 100): Promise<JobInfo> {
    for (;;) {
      const j = this.get(id);
      if (j === undefined || j.status !== 'running') return j!;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  stopAll(): void {
    for (const p of this.#procs.values()) p.kill('SIGTERM');
  }

  #line(job: JobInfo, line: string): void {
    let msg: { type?: string; message?: string; iteration?: number; of?: number; result?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.#log(job, line);
      return;
    }
    if (msg.type === 'progress' && typeof msg.iteration === 'number') job.progress = { iteration: msg.iteration, of: msg.of ?? 0 };
    else if (msg.type === 'result') job.result = msg.result;
    else if (typeof msg.message === 'string') this.#log(job, msg.message);
  }

  #log(job: JobInfo, text: string): void {
    if (text === '') return;
    job.log.push(...text.split('\n').map((l) => l.slice(0, 300)));
    if (job.log.length > MAX_LOG) job.log.splice(0, job.log.length - MAX_LOG);
  }
}
