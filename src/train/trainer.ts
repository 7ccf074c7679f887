// The one training loop every post-training algorithm runs in (STYLE §4): it builds the AlgorithmContext, then for
// each iteration calls `algorithm.step` and does everything around it — the SQLite run store, periodic evaluation
// (gold ShapesEval + proxy), the monitor's actions, the NaN/Inf stop policy, atomic checkpoints and exact resume.
//
// Exact resume: every random draw of iteration `it` derives from (seed, it) — the algorithms' contract, plus the
// global torch seed set here before each step — and a checkpoint holds all state that carries across iterations
// (policy, algorithm state, monitor states, loop counters), so a run resumed from iteration k repeats iterations
// k+1.. bit for bit. Steps a crashed run logged after its last checkpoint are recomputed identically and not logged
// twice.
//
// Reliability (issue #12, docs/reliability.md): the run folder is locked for the run (one process per folder);
// everything checkable is checked before anything is written; the divergence rule (./divergence.ts) stops a broken
// run without writing final/; SIGINT/SIGTERM (options.stop) end the run between iterations as 'interrupted'.
import { loraTargets } from './lora.js';
import path from 'node:path';
import * as torch from '../torch/index.js';
import { deriveSeed } from '../data/rng.js';
import { asCheckpointModel, saveCheckpoint, readCheckpointMetadata, type JsonValue } from '../models/checkpoint.js';
import { TextToImageModel } from '../models/text-to-image.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { checkRewardCard } from './audit-gate.js';
import { RunStore } from '../store/run-store.js';
import type { RunStatus } from '../store/run-store-types.js';
import type { RewardModel } from '../rewards/types.js';
import type { Algorithm, AlgorithmStepLog } from '../algorithms/algorithm.js';
import type { RunConfig } from './config.js';
import type { EvalSnapshot, MonitorAction, TrainingMonitor } from './monitor.js';
import { buildContext, type TrainingContext } from './setup.js';
import { createAlgorithm } from './registry.js';
import { TrainingSession } from './session.js';
import { buildMonitors } from './monitors.js';
import { RunFolder } from './run-folder.js';
import { RUN_STORE_FILE, checkPreferenceFile, checkPromptSource, checkRunFolder } from './preflight.js';
import type { StopRequest } from './interrupt.js';
import type { DistributedRun } from './distributed/run-group.js';
import { LeaderAlgorithm } from './distributed/leader.js';
import { checkDataParallel } from './distributed/check.js';
import { checkDevice } from './device.js';

export interface TrainingHooks {
  /** Monitors observing every evaluation besides the config's `monitor` (their actions are applied by the loop). */
  monitors?: readonly TrainingMonitor[];
  /** Replaces the config's reward (tests, custom rewards). */
  reward?: RewardModel;
  onStart?(info: { runId: number; firstIteration: number; resumed: boolean; samplesUsed: number; secondsUsed: number }): void;
  onStep?(
    iteration: number,
    log: AlgorithmStepLog,
    progress: { samplesUsed: number; secondsUsed: number; consecutiveSkips: number },
  ): void;
  onEval?(snapshot: EvalSnapshot): void;
  onCheckpoint?(iteration: number, folder: string): void;
  onMonitorAction?(iteration: number, monitor: string, action: MonitorAction, outcome: string): void;
}

export interface TrainingOptions {
  /** Continue from the latest checkpoint in `<out>/checkpoints` (a fresh run when there is none). */
  resume?: boolean;
  /** Polled between iterations: once it holds a signal, the run checkpoints and ends as 'interrupted'. */
  stop?: StopRequest;
  /**
   * This process is rank 0 of a data-parallel run (src/train/distributed/): the other ranks follow it
   * (followTraining) and rank 0 alone writes the store, checkpoints and report.
   */
  distributed?: DistributedRun;
}

export interface TrainingResult {
  runId: number;
  /**
   * 'finished': ran to the end (or the sample budget); 'stopped': a monitor stopped it; 'failed': NaN/Inf stop;
   * 'diverged': the divergence rule stopped it; 'interrupted': SIGINT/SIGTERM (resumable).
   */
  status: Exclude<RunStatus, 'running'>;
  /** Why the run stopped early (monitor reason, NaN/Inf or divergence message, the signal). */
  reason?: string;
  lastIteration: number;
  samplesUsed: number;
  seconds: number;
  /** The run store file and the folder of the final model (saveCheckpoint format; written only when the run finished or a monitor stopped it). */
  storeFile: string;
  finalModel: string;
  lastEval?: EvalSnapshot;
}

export function runStoreFile(out: string): string {
  return path.join(out, RUN_STORE_FILE);
}

/** What a run is made of once everything was built and checked (nothing written yet). */
interface RunParts {
  ctx: TrainingContext;
  algorithm: Algorithm;
  monitors: TrainingMonitor[];
  dispose(): Promise<void>;
}

/**
 * Runs (or resumes) the training run `config` describes. The run folder is locked for the whole run, and everything
 * that can be checked is checked before anything is written. Throws on errors (a fresh run that fails before its
 * first checkpoint leaves its folder as it found it); a NaN/Inf stop, divergence or signal returns its status.
 */
export async function runTraining(config: Readonly<RunConfig>, hooks: TrainingHooks = {}, options: TrainingOptions = {}): Promise<TrainingResult> {
  const t0 = performance.now();
  // A reward earns trust before training (#5 §3): a failing card stops here, before anything is loaded or written.
  if (config.audit) checkRewardCard(config.audit, (m) => process.stderr.write(`refract train: audit gate overridden — ${m}\n`));
  if (config.threads) torch.setNumThreads(config.threads);
  checkDevice(config);
  const run = options.distributed;
  if (run) checkDataParallel(config, run.env.worldSize);
  const folder = RunFolder.claim(config.out, 'refract train');
  try {
    checkRunFolder(config, options.resume === true);
    torch.manualSeed(deriveSeed(config.seed, 0));
    const parts = await buildRun(config, hooks, run);
    try {
      const result = await drive(config, parts, hooks, options, folder, t0);
      run?.control.post({ kind: 'end', status: result.status });
      return result;
    } finally {
      await parts.dispose();
    }
  } catch (err) {
    folder.discardUnstarted();
    tellFollowers(run, err);
    throw err;
  } finally {
    folder.release();
  }
}

/** Rank 0 failed: the other ranks end with its message rather than a timeout (best effort: the store may be gone). */
function tellFollowers(run: DistributedRun | undefined, err: unknown): void {
  try {
    run?.control.post({ kind: 'abort', message: err instanceof Error ? err.message : String(err) });
  } catch {
    // the other ranks find out from their own collectives
  }
}

/** Context, preflight of the prompts, algorithm and monitors: everything freed again if a later part fails. */
async function buildRun(config: Readonly<RunConfig>, hooks: TrainingHooks, run?: DistributedRun): Promise<RunParts> {
  const own = await buildContext(config, hooks.reward);
  const ctx: TrainingContext = run ? { ...own, dataParallel: run.group } : own;
  const freeCtx = async (): Promise<void> => {
    ctx.policy.dispose();
    ctx.reference.dispose();
    await ctx.reward.close?.();
  };
  let algorithm: Algorithm;
  try {
    checkPromptSource(ctx.prompts, ctx.vocabulary, config);
    checkPreferenceFile(config, ctx.vocabulary);
    algorithm = createAlgorithm(config.algorithm, ctx, config[config.algorithm]);
    if (run) algorithm = new LeaderAlgorithm(algorithm, run, ctx.policy);
  } catch (err) {
    await freeCtx();
    throw err;
  }
  let built: Awaited<ReturnType<typeof buildMonitors>>;
  try {
    built = await buildMonitors(config);
  } catch (err) {
    algorithm.dispose();
    await freeCtx();
    throw err;
  }
  return {
    ctx,
    algorithm,
    monitors: [...built.monitors, ...(hooks.monitors ?? [])],
    dispose: async () => {
      algorithm.dispose();
      await freeCtx();
      await built.close();
    },
  };
}

/** Opens the store and the session, runs the iterations, writes the final model when the run earned one. */
async function drive(
  config: Readonly<RunConfig>,
  parts: RunParts,
  hooks: TrainingHooks,
  options: TrainingOptions,
  folder: RunFolder,
  t0: number,
): Promise<TrainingResult> {
  const store = RunStore.open(runStoreFile(config.out));
  const session = new TrainingSession(config, parts.ctx, parts.algorithm, store, { ...hooks, monitors: parts.monitors });
  // A second signal ends the process before the loop gets back: the run is still marked interrupted, the lock freed.
  const unforce = options.stop?.onForce(() => {
    if (session.started) store.setStatus(session.runId, 'interrupted');
    folder.release();
  });
  try {
    const first = await session.open(options.resume === true);
    folder.markStarted();
    const end = await iterate(session, config, first, options.stop);
    if (end.status === 'finished' || end.status === 'stopped') writeFinalModel(config, parts.ctx, parts.algorithm, end.last);
    store.setStatus(session.runId, end.status);
    return {
      runId: session.runId,
      status: end.status,
      ...(end.reason !== undefined ? { reason: end.reason } : {}),
      lastIteration: end.last,
      samplesUsed: session.samplesUsed,
      seconds: (performance.now() - t0) / 1000,
      storeFile: store.file,
      finalModel: path.join(config.out, 'final'),
      ...(session.lastEval ? { lastEval: session.lastEval } : {}),
    };
  } catch (err) {
    if (session.started) store.setStatus(session.runId, 'failed');
    throw err;
  } finally {
    unforce?.();
    store.close();
  }
}

interface LoopEnd {
  status: TrainingResult['status'];
  reason?: string;
  /** The last iteration that ran. */
  last: number;
}

/** Iterations `first`.. until the end, the sample budget, a stop outcome or a stop request. */
async function iterate(session: TrainingSession, config: Readonly<RunConfig>, first: number, stop: StopRequest | undefined): Promise<LoopEnd> {
  let it = first;
  for (; it <= config.iterations && !session.budgetSpent(); it++) {
    torch.manualSeed(deriveSeed(config.seed, it, 0x51ed)); // anything drawing from the global generator
    const outcome = await session.iterate(it);
    if (outcome.stop) return { ...outcome.stop, last: it };
    // An iteration may never reach the event loop (its awaits can all be resolved promises): yield to it once, so
    // a pending SIGINT/SIGTERM handler runs now rather than after the last iteration.
    if (stop) await new Promise((resolve) => setImmediate(resolve));
    const signal = stop?.requested ?? null;
    if (signal !== null) {
      session.checkpointNow(it);
      return { status: 'interrupted', reason: `refract train: ${signal} received — stopped after iteration ${it} with a checkpoint; resume with --resume`, last: it };
    }
  }
  return { status: 'finished', last: it - 1 };
}

/**
 * The final model in <out>/final: the weights the evaluations judged (the algorithm's evaluated EMA, when it keeps
 * one), LoRA merged into the base's shape.
 */
function writeFinalModel(config: Readonly<RunConfig>, ctx: TrainingContext, algorithm: Algorithm, last: number): void {
  algorithm.keepEvaluatedWeights?.();
  ctx.lora?.merge(); // LoRA: W₀ + (α/r)·B·A folded in, so the final model is a plain checkpoint of the base's shape
  const lora: Record<string, JsonValue> =
    config.lora && ctx.policy instanceof TextToImageModel
      ? { lora: { ...config.lora, targets: loraTargets(ctx.policy, config.lora), merged: true } }
      : {};
  // the testbed names the tokenizer of a later `refract sample`
  saveCheckpoint(path.join(config.out, 'final'), asCheckpointModel(ctx.policy), { algorithm: config.algorithm, iteration: last, testbed: baseTestbed(config.base), ...lora });
}

/** The testbed of the base checkpoint (its prompts' vocabulary), recorded in the final model's metadata. */
function baseTestbed(base: string): string {
  const { kind, extra } = readCheckpointMetadata(base);
  return testbedOfCheckpoint(kind, extra).name;
}
