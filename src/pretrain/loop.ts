// The pretraining loop of a base flow model (image or video): batch → flow-matching loss → AdamW → EMA, with
// checkpoints, exact resume and periodic evaluation. Every step's randomness is derived from (seed, step), so a
// run resumed from step k continues exactly as the uninterrupted run would have. What is trained on — data, model,
// benchmark — comes from the config's testbed (./testbeds/), so one loop serves every testbed.
import { SHAPES_DIT_CONFIG } from '../models/dit-config.js';
import type { UNetSkeletonConfig } from '../models/unet-config.js';
import * as torch from '../torch/index.js';
import { AdamW, EMA, LRScheduler, clipGradNorm_, warmupCosine } from '../torch/optim/index.js';
import { Rng, deriveSeed } from '../data/rng.js';
import { flowMatchingLoss } from '../generate/flow-matching-loss.js';
import { saveTrainingCheckpoint, loadTrainingCheckpoint, latestCheckpointStep } from '../store/training-checkpoint.js';
import type { PretrainConfig } from './config.js';
import { initModelConfig, loadInitWeights } from './init.js';
import { GroundingHeads, groundingEnabled, groundingLoss } from './grounding.js';
import { TESTBEDS, type PretrainModel, type TrainingTestbed } from './testbeds/index.js';

export interface StepMetrics {
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
  skipped: boolean;
  /** The auxiliary grounding terms (unweighted), when the run has them. */
  grounding?: { position: number; color: number };
}

export interface PretrainHooks {
  onStep?: (m: StepMetrics) => void;
  /** Called every `eval.every` steps with the EMA model (weights swapped in for the call). */
  onEval?: (step: number, emaModel: PretrainModel) => void;
  onCheckpoint?: (step: number, folder: string) => void;
}

export interface PretrainState {
  optimizer: ReturnType<AdamW['stateDict']>['scalars'];
  ema: ReturnType<EMA['stateDict']>['scalars'];
  scheduler: ReturnType<LRScheduler['stateDict']>;
  config: PretrainConfig;
  modelConfig: unknown;
  versions: ReturnType<typeof torch.versions>;
  skippedSteps: number;
}

export interface PretrainRun {
  testbed: TrainingTestbed;
  model: PretrainModel;
  ema: EMA;
  optimizer: AdamW;
  scheduler: LRScheduler;
  /** The auxiliary grounding heads (config.training.grounding), or null; trained, checkpointed, never exported. */
  grounding: GroundingHeads | null;
  /** The next step to run (1-based). */
  startStep: number;
  skippedSteps: number;
}

/**
 * Builds model, optimizer, schedule and EMA — fresh (or from `config.init`'s weights), or restored from the latest
 * checkpoint in checkpoint.dir when resuming (a resumed init-run continues from its own checkpoint, not from init).
 */
export function setupPretrain(config: Readonly<PretrainConfig>, resume: boolean): PretrainRun {
  const testbed = TESTBEDS[config.testbed];
  const architecture =
    config.init === undefined ? architectureOf(testbed.defaultModelConfig, config.model) : initModelConfig(config, testbed);
  const resuming = resume && latestCheckpointStep(config.checkpoint.dir) !== null;
  torch.manualSeed(deriveSeed(config.seed, 0));
  const where = config.init === undefined ? 'refract pretrain: model' : `refract pretrain: init (${config.init})`;
  const model = testbed.createModel(architecture, where);
  if (config.init !== undefined && !resuming) {
    try {
      loadInitWeights(model, config.init); // before the EMA is built, so its shadow starts at these weights too
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  const t = config.training;
  const grounding = groundingEnabled(t.grounding) ? new GroundingHeads(model.config.encoder.dim) : null;
  const params = grounding === null ? model.parameters() : [...model.parameters(), ...grounding.parameters()];
  const optimizer = new AdamW(params, { lr: t.lr, weightDecay: t.weightDecay });
  const scheduler = new LRScheduler(optimizer, warmupCosine({ warmupSteps: t.warmupSteps, totalSteps: t.steps, minLrRatio: t.minLrRatio }));
  const ema = new EMA(model, t.emaDecay, { warmup: true });
  const run: PretrainRun = { testbed, model, ema, optimizer, scheduler, grounding, startStep: 1, skippedSteps: 0 };
  if (resuming) {
    const ck = loadTrainingCheckpoint<PretrainState>(config.checkpoint.dir);
    const saved = ck.state.config.testbed ?? 'shapes'; // checkpoints from before testbeds were all Shapes
    if (saved !== config.testbed) {
      for (const group of Object.values(ck.tensors)) torch.disposeAll(group);
      ema.dispose();
      optimizer.dispose();
      grounding?.dispose();
      model.dispose();
      throw new Error(
        `refract pretrain: testbed must match the checkpoint in ${config.checkpoint.dir} ("${saved}"), got ` +
          `"${config.testbed}" — set another checkpoint.dir, or drop --resume`,
      );
    }
    torch.scope(() => {
      model.loadStateDict(ck.tensors.model!);
      if (grounding !== null) loadGroundingHeads(grounding, ck.tensors.grounding, config.checkpoint.dir);
      optimizer.loadStateDict({ tensors: ck.tensors.optimizer ?? new Map(), scalars: ck.state.optimizer });
      ema.loadStateDict({ tensors: ck.tensors.ema!, scalars: ck.state.ema });
      for (const group of Object.values(ck.tensors)) for (const x of group.values()) x.dispose();
    });
    scheduler.loadStateDict(ck.state.scheduler);
    run.startStep = ck.step + 1;
    run.skippedSteps = ck.state.skippedSteps;
  }
  return run;
}

/** One optimisation step; returns its metrics. Non-finite losses or gradients skip the update (and are counted). */
export function pretrainStep(run: PretrainRun, config: Readonly<PretrainConfig>, step: number): StepMetrics {
  const t = config.training;
  const stepSeed = deriveSeed(config.seed, step);
  torch.manualSeed(stepSeed); // dropout and anything else drawing from the global generator
  const rng = new Rng(stepSeed);
  const generator = new torch.Generator(stepSeed);
  try {
    return torch.scope(() => {
      const batch = run.testbed.batch(rng, t.batchSize, config);
      run.optimizer.zeroGrad();
      const cond = run.model.encode(batch.tokens);
      const flow = flowMatchingLoss(run.model.denoiser(), batch.x, cond, { generator, sigmaSampling: t.sigmaSampling });
      let loss = flow.loss;
      let aux: StepMetrics['grounding'];
      if (run.grounding !== null && batch.grounding !== undefined) {
        const g = groundingLoss(cond.context, batch.grounding, run.grounding);
        loss = loss.add(g.position.mul(t.grounding.position)).add(g.color.mul(t.grounding.color));
        aux = { position: g.position.item(), color: g.color.item() };
      }
      const lossValue = flow.loss.item();
      const lr = run.scheduler.getLastLr()[0]!;
      if (!Number.isFinite(lossValue)) return { step, loss: lossValue, gradNorm: NaN, lr, skipped: true };
      loss.backward();
      const gradNorm = clipGradNorm_(run.model.parameters(), t.gradClip);
      if (!Number.isFinite(gradNorm)) {
        run.optimizer.zeroGrad();
        return { step, loss: lossValue, gradNorm, lr, skipped: true };
      }
      run.optimizer.step();
      run.scheduler.step();
      run.ema.update();
      return aux === undefined
        ? { step, loss: lossValue, gradNorm, lr, skipped: false }
        : { step, loss: lossValue, gradNorm, lr, skipped: false, grounding: aux };
    });
  } finally {
    generator.dispose();
  }
}

/** Writes a resumable checkpoint of the run after `step`. */
export function checkpointPretrain(run: PretrainRun, config: Readonly<PretrainConfig>, step: number): string {
  return torch.scope(() => {
    const opt = run.optimizer.stateDict();
    const ema = run.ema.stateDict();
    const state: PretrainState = {
      optimizer: opt.scalars,
      ema: ema.scalars,
      scheduler: run.scheduler.stateDict(),
      config: config as PretrainConfig,
      modelConfig: run.model.config,
      versions: torch.versions(),
      skippedSteps: run.skippedSteps,
    };
    return saveTrainingCheckpoint(
      config.checkpoint.dir,
      {
        step,
        tensors: {
          model: run.model.stateDict(),
          ema: ema.tensors,
          optimizer: opt.tensors,
          ...(run.grounding === null ? {} : { grounding: run.grounding.stateDict() }),
        },
        state,
      },
      config.checkpoint.keep,
    );
  });
}

function loadGroundingHeads(heads: GroundingHeads, saved: Map<string, torch.Tensor> | undefined, dir: string): void {
  if (saved === undefined) {
    throw new Error(
      `refract pretrain: the checkpoint in ${dir} must hold grounding heads when training.grounding is on, got none — ` +
        `resume with the grounding weights the run started with, or start a new checkpoint.dir`,
    );
  }
  heads.loadStateDict(saved);
}

/** A copy of the model carrying the EMA weights (the weights one ships and evaluates). */
export function emaModel(run: PretrainRun): PretrainModel {
  const m = run.testbed.createModel(run.model.config, 'refract pretrain: EMA model');
  run.ema.copyTo(m);
  m.eval();
  return m;
}

/** The last step a run takes: training.stopAfter when set (a snapshot of the longer schedule), else training.steps. */
export function lastPretrainStep(config: Readonly<PretrainConfig>): number {
  const t = config.training;
  return Math.min(t.steps, t.stopAfter ?? t.steps);
}

/** Runs steps startStep..lastPretrainStep(config), checkpointing and evaluating on schedule. */
export function runPretrain(run: PretrainRun, config: Readonly<PretrainConfig>, hooks: PretrainHooks = {}): void {
  const t = config.training;
  const last = lastPretrainStep(config);
  let consecutiveSkips = 0;
  for (let step = run.startStep; step <= last; step++) {
    const m = pretrainStep(run, config, step);
    if (m.skipped) {
      run.skippedSteps++;
      if (++consecutiveSkips >= 10) {
        throw new Error(
          `refract pretrain: 10 consecutive steps had a non-finite loss or gradient (last at step ${step}) — ` +
            `lower training.lr (${t.lr}) or training.gradClip; the last good checkpoint is in ${config.checkpoint.dir}`,
        );
      }
    } else consecutiveSkips = 0;
    hooks.onStep?.(m);
    if (step % config.checkpoint.every === 0 || step === last) {
      const folder = checkpointPretrain(run, config, step);
      hooks.onCheckpoint?.(step, folder);
    }
    if (config.eval.every > 0 && (step % config.eval.every === 0 || step === last) && hooks.onEval) {
      const m2 = emaModel(run);
      try {
        hooks.onEval(step, m2);
      } finally {
        m2.dispose();
      }
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `base` with `over`'s fields replacing its own, recursively (arrays replace whole). */
/**
 * The testbed's default architecture with the config's `model` overrides merged in. Naming the flow-transformer
 * backbone (`dit`) over a U-Net default replaces the U-Net with SHAPES_DIT_CONFIG fitted to the same images and
 * prompt width, then merges the overrides into that.
 */
export function architectureOf(base: object, over: Readonly<Record<string, unknown>>): unknown {
  if (!('dit' in over) || !('unet' in base)) return mergeDeep(base, over);
  const { unet, ...rest } = base as { unet: UNetSkeletonConfig };
  const fitted = {
    ...SHAPES_DIT_CONFIG,
    inChannels: unet.inChannels,
    outChannels: unet.outChannels,
    imageSize: unet.imageSize,
    contextDim: unet.contextDim,
  };
  return mergeDeep({ ...rest, dit: fitted }, over);
}

export function mergeDeep<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeDeep(out[k], v);
  return out as T;
}
