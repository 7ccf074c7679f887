// The one training loop every post-training algorithm runs in (STYLE §4): it builds the AlgorithmContext, then for
// each iteration calls `algorithm.step` and does everything around it — the SQLite run store, periodic evaluation
// (gold ShapesEval + proxy), the monitor's actions, the NaN/Inf stop policy, atomic checkpoints and exact resume.
//
// Exact resume: every random draw of iteration `it` derives from (seed, it) — the algorithms' contract, plus the
// global torch seed set here before each step — and a checkpoint holds all state that carries across iterations
// (policy, algorithm state, monitor states, loop counters), so a run resumed from iteration k repeats iterations
// k+1.. bit for bit. Steps a crashed run logged after its last checkpoint are recomputed identically and not logged
// twice.
import path from 'node:path';
import * as torch from '../torch/index.js';
import { deriveSeed } from '../data/rng.js';
import { saveCheckpoint, readCheckpointMetadata, type JsonValue } from '../models/checkpoint.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { checkRewardCard } from './audit-gate.js';
import { RunStore } from '../store/run-store.js';
import type { RunStatus } from '../store/run-store-types.js';
import type { RewardModel } from '../rewards/types.js';
import type { AlgorithmStepLog } from '../algorithms/algorithm.js';
import type { RunConfig } from './config.js';
import type { EvalSnapshot, MonitorAction, TrainingMonitor } from './monitor.js';
import { buildContext } from './setup.js';
import { createAlgorithm } from './registry.js';
import { TrainingSession } from './session.js';
import { buildMonitors } from './monitors.js';

export interface TrainingHooks {
  /** Monitors observing every evaluation besides the config's `monitor` (their actions are applied by the loop). */
  monitors?: readonly TrainingMonitor[];
  /** Replaces the config's reward (tests, custom rewards). */
  reward?: RewardModel;
  onStart?(info: { runId: number; firstIteration: number; resumed: boolean; samplesUsed: number }): void;
  onStep?(iteration: number, log: AlgorithmStepLog, progress: { samplesUsed: number; consecutiveSkips: number }): void;
  onEval?(snapshot: EvalSnapshot): void;
  onCheckpoint?(iteration: number, folder: string): void;
  onMonitorAction?(iteration: number, monitor: string, action: MonitorAction, outcome: string): void;
}

export interface TrainingOptions {
  /** Continue from the latest checkpoint in `<out>/checkpoints` (a fresh run when there is none). */
  resume?: boolean;
}

export interface TrainingResult {
  runId: number;
  /** 'finished': ran to the end (or the sample budget); 'stopped': a monitor stopped it; 'failed': NaN/Inf stop. */
  status: Exclude<RunStatus, 'running'>;
  /** Why the run stopped early (monitor reason, NaN/Inf message). */
  reason?: string;
  lastIteration: number;
  samplesUsed: number;
  seconds: number;
  /** The run store file and the folder of the final model (saveCheckpoint format). */
  storeFile: string;
  finalModel: string;
  lastEval?: EvalSnapshot;
}

export function runStoreFile(out: string): string {
  return path.join(out, 'runs.sqlite');
}

/** Runs (or resumes) the training run `config` describes. Throws on errors; a NaN/Inf stop returns status 'failed'. */
export async function runTraining(config: Readonly<RunConfig>, hooks: TrainingHooks = {}, options: TrainingOptions = {}): Promise<TrainingResult> {
  const t0 = performance.now();
  // A reward earns trust before training (#5 §3): a failing card stops here, before anything is loaded or written.
  if (config.audit) checkRewardCard(config.audit, (m) => process.stderr.write(`refract train: audit gate overridden — ${m}\n`));
  if (config.threads) torch.setNumThreads(config.threads);
  torch.manualSeed(deriveSeed(config.seed, 0));
  const ctx = await buildContext(config, hooks.reward);
  let algorithm: ReturnType<typeof createAlgorithm>;
  try {
    algorithm = createAlgorithm(config.algorithm, ctx, config[config.algorithm]);
  } catch (err) {
    ctx.policy.dispose();
    ctx.reference.dispose();
    await ctx.reward.close?.();
    throw err;
  }
  const built = await buildMonitors(config);
  const store = RunStore.open(runStoreFile(config.out));
  const monitors = [...built.monitors, ...(hooks.monitors ?? [])];
  const session = new TrainingSession(config, ctx, algorithm, store, { ...hooks, monitors });
  try {
    const first = await session.open(options.resume === true);
    let end: { status: TrainingResult['status']; reason?: string } = { status: 'finished' };
    let it = first;
    for (; it <= config.iterations && !session.budgetSpent(); it++) {
      torch.manualSeed(deriveSeed(config.seed, it, 0x51ed)); // anything drawing from the global generator
      const outcome = await session.iterate(it);
      if (outcome.stop) {
        end = outcome.stop;
        break;
      }
    }
    const last = end.status === 'finished' ? it - 1 : it;
    if (end.status !== 'failed') {
      ctx.lora?.merge(); // LoRA: W₀ + (α/r)·B·A folded in, so the final model is a plain checkpoint of the base's shape
      const lora: Record<string, JsonValue> = config.lora ? { lora: { ...config.lora, merged: true } } : {};
      saveCheckpoint(path.join(config.out, 'final'), ctx.policy, { algorithm: config.algorithm, iteration: last, testbed: baseTestbed(config.base), ...lora }); // the testbed names the tokenizer of a later `refract sample`
    }
    store.setStatus(session.runId, end.status);
    return {
      runId: session.runId,
      ...end,
      lastIteration: last,
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
    store.close();
    algorithm.dispose();
    ctx.policy.dispose();
    ctx.reference.dispose();
    await ctx.reward.close?.();
    await built.close();
  }
}

/** The testbed of the base checkpoint (its prompts' vocabulary), recorded in the final model's metadata. */
function baseTestbed(base: string): string {
  const { kind, extra } = readCheckpointMetadata(base);
  return testbedOfCheckpoint(kind, extra).name;
}
