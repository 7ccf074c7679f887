// `refract train CONFIG.yaml [--resume]`: post-train a model with any registered algorithm (src/train/registry.ts)
// in the shared loop (src/train/trainer.ts). The run is recorded in <out>/runs.sqlite, checkpointed in
// <out>/checkpoints, and summarised by a report at the end.
import type { Command } from 'commander';
import { loadRunConfig, type RunConfig } from '../train/config.js';
import { runTraining, type TrainingHooks, type TrainingResult } from '../train/trainer.js';
import type { EvalSnapshot, TrainingMonitor } from '../train/monitor.js';
import { ALGORITHM_NAMES } from '../train/registry.js';
import { progressBar, type Progress } from './progress.js';
import { budgetFraction, type BudgetUsed } from '../train/budget.js';
import { writeTrainingReport } from '../eval/report/training-report.js';
import { CliError, EXIT } from './errors.js';
import { DEFAULT_TIMEOUT_MS } from '../torch/distributed/index.js';
import { catchStopSignals, exitCodeOfSignal } from './interrupt.js';
import { launchRanks, parseNproc } from './launch.js';
import { rankEnvFrom, type RankEnv } from '../train/distributed/rank-env.js';
import { joinRun, type DistributedRun } from '../train/distributed/run-group.js';
import { followTraining } from '../train/distributed/follower.js';
import { checkDataParallel } from '../train/distributed/check.js';
import { backendFor, checkDevice } from '../train/device.js';

const BUDGET_UNITS = 1000;

/** Progress bar (reward, KL, ETA), evaluation lines and monitor actions on stdout. */
export function consoleHooks(config: Readonly<RunConfig>, label = config.algorithm): TrainingHooks & { stop(): void } {
  let bar: Progress | undefined;
  const units = (used: BudgetUsed): number => Math.round(BUDGET_UNITS * budgetFraction(config, used));
  return {
    onStart: (s) => {
      if (s.resumed) process.stdout.write(`resuming run ${s.runId} at iteration ${s.firstIteration} (${s.samplesUsed} samples so far)\n`);
      // progress in thousandths of the binding budget (iterations, samples or wall time), so the ETA is the run's
      const used = { iterations: s.firstIteration - 1, samples: s.samplesUsed, seconds: s.secondsUsed };
      bar = progressBar(label, BUDGET_UNITS, 'iteration {it}  reward {reward} kl {kl} samples {samples} {skipped}', units(used), {
        percentOnly: true,
      });
    },
    onStep: (it, log, p) => {
      bar?.update(units({ iterations: it, samples: p.samplesUsed, seconds: p.secondsUsed }), {
        it,
        reward: fmt(log.reward, 3),
        kl: Number.isFinite(log.klToReference) ? log.klToReference.toExponential(2) : '—',
        samples: p.samplesUsed,
        skipped: log.skippedUpdate ? `SKIPPED(${p.consecutiveSkips} in a row)` : '',
      });
    },
    onEval: (s) => process.stdout.write(`\n${evalLine(s)}\n`),
    onMonitorAction: (it, name, a, outcome) => process.stdout.write(`\nmonitor ${name} at iteration ${it}: ${a.kind} — ${a.reason} → ${outcome}\n`),
    stop: () => bar?.stop(),
  };
}

export function evalLine(s: EvalSnapshot): string {
  const gold = s.gold
    ? `ShapesEval ${pct(s.gold.overall)} (held-out ${pct(s.gold.heldOut)}) ` +
      Object.entries(s.gold.categories).map(([c, v]) => `${c} ${pct(v)}`).join(' ')
    : '';
  return `iteration ${s.iteration}: ${gold}${gold ? '  ' : ''}proxy ${fmt(s.proxy, 3)}`;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'NaN';
}

/**
 * Runs `config` with console progress, then the report. Ctrl-C / SIGTERM end the run after the current iteration
 * (exit code 130 / 143, resumable); a failed or diverged run sets exit code 3 and prints why.
 */
export async function trainWithConsole(
  config: Readonly<RunConfig>,
  resume: boolean,
  monitors: readonly TrainingMonitor[] = [],
  distributed?: DistributedRun,
): Promise<TrainingResult> {
  const hooks = consoleHooks(config);
  const signals = catchStopSignals('train');
  let result: TrainingResult;
  try {
    result = await runTraining(config, { ...hooks, monitors }, { resume, stop: signals.stop, ...(distributed ? { distributed } : {}) });
  } finally {
    hooks.stop();
    signals.restore();
  }
  process.stdout.write(
    `\nrun ${result.runId} ${result.status} after iteration ${result.lastIteration} (${result.samplesUsed} samples, ${result.seconds.toFixed(0)} s); store ${result.storeFile}\n`,
  );
  const signal = signals.stop.requested;
  if (result.status === 'interrupted' && signal !== null) {
    process.stderr.write(`${result.reason ?? 'refract train: interrupted'}\n`);
    process.exitCode = exitCodeOfSignal(signal);
    return result;
  }
  if (result.status === 'failed' || result.status === 'diverged') {
    process.stderr.write(`${result.reason ?? `refract train: the run ${result.status}`}\n`);
    process.exitCode = EXIT.failedRun;
    return result;
  }
  if (result.reason) process.stdout.write(`${result.reason}\n`);
  await reportRun(config.out, result.runId);
  return result;
}

/** Writes the run's report (src/eval/report/training-report.ts); a report failure is printed, not thrown. */
export async function reportRun(out: string, runId: number): Promise<string | undefined> {
  try {
    const r = await writeTrainingReport(out, { runId });
    process.stdout.write(`report: ${r.html}\n`);
    return r.html;
  } catch (err) {
    process.stderr.write(`refract train: the run finished but its report could not be written: ${(err as Error).message}\n`);
    return undefined;
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      `post-train a model (${ALGORITHM_NAMES.join(', ')}) from a YAML run config; exit code 3 when a NaN/Inf stop failed the run or it diverged, 130/143 when Ctrl-C/SIGTERM interrupted it (resumable)`,
    )
    .argument('<config>', 'YAML run config, e.g. configs/grpo-shapes.yaml')
    .option('--resume', 'continue the run in the config\'s out folder from its latest checkpoint')
    .option('--nproc <n>', 'data parallel: run N ranks on this machine (torchrun\'s RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT; docs/scaling.md)')
    .action(async (file: string, o: { resume?: boolean; nproc?: string }) => {
      const config = loadRunConfig(file);
      checkDevice(config);
      const nproc = parseNproc(o.nproc);
      const env = rankEnvFrom(process.env);
      if (nproc > 1) {
        if (env) throw new CliError('train', `--nproc must not be given inside a rank (WORLD_SIZE=${env.worldSize} is set), got --nproc ${nproc} — unset WORLD_SIZE or drop --nproc`);
        checkDataParallel(config, nproc); // before any rank starts
        process.exitCode = await launchRanks(nproc);
        return;
      }
      if (env) await trainAsRank(config, env, o.resume === true);
      else await trainWithConsole(config, o.resume === true);
    });
}

/**
 * One rank of a data-parallel run: join the group at MASTER_ADDR:MASTER_PORT, then rank 0 runs the loop with the
 * console and the others follow it silently. Signals are rank 0's to act on: the others ignore Ctrl-C and SIGTERM
 * (rank 0 checkpoints and tells them to end).
 */
async function trainAsRank(config: Readonly<RunConfig>, env: RankEnv, resume: boolean): Promise<void> {
  checkDataParallel(config, env.worldSize);
  const run = joinRun(env, backendFor(config.device), config.distributed?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (env.rank === 0) {
    await trainWithConsole(config, resume, [], run);
    return;
  }
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  await followTraining(config, run);
  // A follower's process group may still hold Gloo threads: end now rather than join them (native/distributed.cc).
  process.exit(process.exitCode ?? 0);
}
