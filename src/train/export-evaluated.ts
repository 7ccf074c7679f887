// The model an evaluation judged, as a plain checkpoint (saveCheckpoint format): a run keeps the training state of
// every evaluation (<out>/checkpoints/evals/step-N, run-checkpoint.ts) while only the last iterate becomes final/.
// Shipping the model of iteration N — the one whose ShapesEval a report quotes — is then one command, not a rerun.
// The weights are those the evaluation saw: the algorithm's evaluated EMA when it kept one (nft.evaluatedEma),
// otherwise the policy. LoRA runs are refused (their final/ folds the adapters in; an evaluation checkpoint would
// need the same merge).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.js';
import { asCheckpointModel, readCheckpointMetadata, saveCheckpoint } from '../models/checkpoint.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { checkpointSteps, loadTrainingCheckpoint, stepFolderName } from '../store/training-checkpoint.js';
import { evalCheckpointDir, type CheckpointState } from './run-checkpoint.js';
import { loadBase } from './setup.js';
import { UsageError } from '../config/errors.js';

/** The prefix of the evaluated EMA's tensors in an algorithm's state (nft.evaluatedEma, algorithms/nft). */
const EVALUATED_PREFIX = 'evaluated.';

/** The iterations of `out` that have an evaluation checkpoint. */
export function evaluatedIterations(out: string): number[] {
  return checkpointSteps(evalCheckpointDir(out));
}

/**
 * Writes the model evaluated at `iteration` of the run in `out` to `dest` (which must not exist or be empty).
 * Returns what it wrote. Errors name what is wrong and how to fix it; nothing is written before all checks pass.
 */
export function exportEvaluatedModel(out: string, iteration: number, dest: string): { dest: string; iteration: number; evaluatedEma: boolean } {
  const where = 'refract export';
  const steps = evaluatedIterations(out);
  if (!steps.includes(iteration)) {
    const have = steps.length === 0 ? `none in ${evalCheckpointDir(out)} (a run keeps them while a monitor is attached)` : steps.join(', ');
    throw new UsageError(`${where}: --iteration must be an evaluated iteration of ${out}, got ${iteration} — evaluated: ${have}`);
  }
  if (existsSync(dest) && readdirSync(dest).length > 0) {
    throw new UsageError(`${where}: --out must be a new or empty folder, got ${dest}, which holds files — choose another folder or empty it`);
  }
  const ck = loadTrainingCheckpoint<CheckpointState>(evalCheckpointDir(out), iteration);
  try {
    const config = ck.state.config;
    if (config.lora) throw new UsageError(`${where}: the run must fully fine-tune its policy, got lora ${JSON.stringify(config.lora)} — use ${path.join(out, 'final')} (adapters merged)`);
    const model = ck.tensors['model'];
    if (model === undefined) throw new Error(`${where}: ${path.join(evalCheckpointDir(out), stepFolderName(iteration))} must hold model.safetensors — it is damaged`);
    const { model: policy } = loadBase(config.base);
    try {
      const evaluated = [...(ck.tensors['algorithm'] ?? new Map())].filter(([k]) => k.startsWith(EVALUATED_PREFIX));
      torch.noGrad(() => {
        policy.loadStateDict(model);
        const params = new Map(policy.namedParameters());
        for (const [k, t] of evaluated) params.get(k.slice(EVALUATED_PREFIX.length))?.copy_(t);
      });
      const { kind, extra } = readCheckpointMetadata(config.base);
      saveCheckpoint(dest, asCheckpointModel(policy), {
        algorithm: config.algorithm,
        iteration,
        testbed: testbedOfCheckpoint(kind, extra).name,
        exportedFrom: path.join(evalCheckpointDir(out), stepFolderName(iteration)),
        evaluatedEma: evaluated.length > 0,
      });
      return { dest, iteration, evaluatedEma: evaluated.length > 0 };
    } finally {
      policy.dispose();
    }
  } finally {
    for (const group of Object.values(ck.tensors)) torch.disposeAll([...group.values()]);
  }
}
