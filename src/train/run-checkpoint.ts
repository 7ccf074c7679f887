// Resumable checkpoints of a training run (src/store/training-checkpoint.ts does the atomic folders):
//   <out>/checkpoints/step-NNNNNN/{model,algorithm}.safetensors + state.json, latest.json
//   <out>/checkpoints/evals/step-NNNNNN/...  one per evaluation while a monitor is attached (rollback targets)
// state.json carries everything the loop needs to continue exactly: the iteration, the run id, the algorithm's
// JSON state, monitor states, the sample count, the NaN/Inf streak, the running means since the last eval and the
// divergence rule's memory (the base weight norm and recent gradient norms).
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { ImagePolicy } from '../models/image-policy.js';
import type { Algorithm, AlgorithmState } from '../algorithms/algorithm.js';
import {
  latestCheckpointStep,
  loadTrainingCheckpoint,
  saveTrainingCheckpoint,
  stepFolderName,
} from '../store/training-checkpoint.js';
import type { SinceLastEval } from './evaluation.js';
import type { RunConfig } from './config.js';
import type { DivergenceState } from './divergence.js';

/** The best evaluation so far: its score (gold overall, or proxy without gold) and iteration. */
export interface BestSoFar {
  score: number;
  iteration: number;
}

/** The loop's own state beside the policy and the algorithm. */
export interface LoopState {
  runId: number;
  samplesUsed: number;
  consecutiveSkips: number;
  skippedTotal: number;
  since: SinceLastEval;
  best: BestSoFar | null;
  /** Product of the monitor's KL raises so far (re-applied after a rollback, so a rollback keeps the raised KL). */
  klScale: number;
  monitors: Record<string, Record<string, unknown>>;
  /** The divergence rule's memory (./divergence.ts); absent in checkpoints written before it existed. */
  divergence?: DivergenceState;
  /** Wall seconds spent in iterations and evaluations so far (the `maxSeconds` budget; resumes keep counting). */
  secondsUsed?: number;
}

export interface CheckpointState {
  iteration: number;
  loop: LoopState;
  algorithm: { name: string; json: Record<string, unknown> };
  config: RunConfig;
  versions: Record<string, string>;
}

export function checkpointDir(out: string): string {
  return path.join(out, 'checkpoints');
}

/** Checkpoints of every evaluation (kept while a monitor is attached, so a rollback can return to any of them). */
export function evalCheckpointDir(out: string): string {
  return path.join(checkpointDir(out), 'evals');
}

/**
 * Saves policy + algorithm + loop state after `iteration` into `dir`; returns the folder written. The policy's state
 * dict includes its LoRA adapters (`<layer>.lora.A/B`) when the run has them, so resume restores them too.
 */
export function saveRunCheckpoint(dir: string, policy: ImagePolicy, algorithm: Algorithm, state: CheckpointState, keep: number): string {
  return torch.scope(() => {
    const algo = algorithm.stateDict();
    const s: CheckpointState = { ...state, algorithm: { name: algorithm.name, json: algo.json } };
    return saveTrainingCheckpoint(
      dir,
      { step: state.iteration, tensors: { model: policy.stateDict(), algorithm: new Map(Object.entries(algo.tensors)) }, state: s },
      keep,
    );
  });
}

/** The latest checkpoint's iteration in `dir`, or null. */
export function latestRunCheckpoint(dir: string): number | null {
  return latestCheckpointStep(dir);
}

/** Loads a checkpoint into the policy and the algorithm; returns its state. Tensors read are freed. */
export function loadRunCheckpoint(dir: string, policy: ImagePolicy, algorithm: Algorithm, step?: number): CheckpointState {
  const ck = loadTrainingCheckpoint<CheckpointState>(dir, step);
  try {
    if (ck.state.algorithm.name !== algorithm.name) {
      throw new Error(
        `refract train: algorithm must match the checkpoint in ${dir} ("${ck.state.algorithm.name}"), got "${algorithm.name}" — ` +
          'set another out folder, or drop --resume',
      );
    }
    const model = ck.tensors['model'];
    if (model === undefined) throw new Error(`refract train: checkpoint ${dir} step ${ck.step} has no model.safetensors — it is damaged`);
    try {
      torch.noGrad(() => policy.loadStateDict(model));
    } catch (err) {
      const saved = ck.state.config.lora ? `with lora ${JSON.stringify(ck.state.config.lora)}` : 'without lora';
      throw new Error(
        `refract train: the policy must match checkpoint ${dir} step ${ck.step} (saved ${saved}), got ${(err as Error).message} — ` +
          'resume with the same base and lora settings',
      );
    }
    const tensors: Record<string, Tensor> = Object.fromEntries(ck.tensors['algorithm'] ?? new Map<string, Tensor>());
    const state: AlgorithmState = { tensors, json: ck.state.algorithm.json };
    algorithm.loadStateDict(state);
    return ck.state;
  } finally {
    for (const group of Object.values(ck.tensors)) torch.disposeAll([...group.values()]);
  }
}

/** The evaluation checkpoint of `iteration`, if one was saved. */
export function hasEvalCheckpoint(out: string, iteration: number): boolean {
  return existsSync(path.join(evalCheckpointDir(out), stepFolderName(iteration), 'state.json'));
}

/** Saves the state at an evaluation (never pruned: any of them may become a rollback target). */
export function saveEvalCheckpoint(out: string, policy: ImagePolicy, algorithm: Algorithm, state: CheckpointState): string {
  return saveRunCheckpoint(evalCheckpointDir(out), policy, algorithm, state, Number.MAX_SAFE_INTEGER);
}
