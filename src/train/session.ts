// One training run's state between iterations and the per-iteration work around `algorithm.step`: logging to the
// run store, evaluation, the monitor's actions, the NaN/Inf stop policy, the divergence rule and checkpoints.
// ./trainer.ts drives it.
import { capSpent } from './budget.js';
import * as torch from '../torch/index.js';
import path from 'node:path';
import { writeLabelledGridPng } from '../eval/report/labelled-grid.js';
import { GRID_AFTER, GRID_BEFORE } from '../eval/report/training-report.js';
import type { RunStore } from '../store/run-store.js';
import type { Algorithm, AlgorithmContext, AlgorithmStepLog } from '../algorithms/algorithm.js';
import type { RunConfig } from './config.js';
import type { EvalSnapshot } from './monitor.js';
import type { TrainingHooks, TrainingResult } from './trainer.js';
import { emptySince, evaluatePolicy, type EvalTrajectories } from './evaluation.js';
import { storedSample } from './sample-reward.js';
import { applyMonitorActions } from './monitor-actions.js';
import {
  checkpointDir,
  evalCheckpointDir,
  hasEvalCheckpoint,
  latestRunCheckpoint,
  loadRunCheckpoint,
  saveEvalCheckpoint,
  saveRunCheckpoint,
  type CheckpointState,
  type LoopState,
} from './run-checkpoint.js';
import { assertResumable } from './resume-check.js';
import { checkpointSteps } from '../store/training-checkpoint.js';
import { judgeIteration, weightNorm, type DivergenceState } from './divergence.js';
import { divergedMessage, nonFiniteMessage } from './stop-messages.js';

export interface IterationOutcome {
  stop?: { status: TrainingResult['status']; reason: string };
}

export class TrainingSession {
  started = false;
  lastEval: EvalSnapshot | undefined;
  #loop: LoopState = { runId: -1, samplesUsed: 0, consecutiveSkips: 0, skippedTotal: 0, since: emptySince(), best: null, klScale: 1, monitors: {} };
  /** Steps, evaluations and checkpoints already in the store (a resumed crash recomputes them; they are not re-logged). */
  #loggedSteps = -1;
  #loggedEvals = new Set<number>();
  #loggedCheckpoint = -1;
  /**
   * Iteration of the latest saved checkpoint: the "last good" one the stop messages name. Every checkpoint is written
   * only after its iteration passed the divergence rule, so it was checked before any damage was detected.
   */
  #lastCheckpoint = -1;

  constructor(
    readonly config: Readonly<RunConfig>,
    readonly ctx: AlgorithmContext,
    readonly algorithm: Algorithm,
    readonly store: RunStore,
    readonly hooks: TrainingHooks,
  ) {}

  get runId(): number {
    return this.#loop.runId;
  }

  get samplesUsed(): number {
    return this.#loop.samplesUsed;
  }

  get secondsUsed(): number {
    return this.#loop.secondsUsed ?? 0;
  }

  /** The sample budget (maxSamples) or the wall-time budget (maxSeconds) is used up. */
  budgetSpent(): boolean {
    return capSpent(this.config, { samples: this.#loop.samplesUsed, seconds: this.secondsUsed });
  }

  /** Adds the wall time since `since` (ms, performance.now) to the run's secondsUsed; returns now. */
  #clock(since: number): number {
    const now = performance.now();
    this.#loop.secondsUsed = this.secondsUsed + (now - since) / 1000;
    return now;
  }

  /**
   * Starts a fresh run (evaluation and checkpoint of iteration 0) or restores the latest checkpoint; returns the next
   * iteration. Whether the folder may be started or resumed was checked before (./preflight.ts checkRunFolder).
   */
  async open(resume: boolean): Promise<number> {
    const dir = checkpointDir(this.config.out);
    if (resume && latestRunCheckpoint(dir) !== null) return this.#resume(dir);
    this.#loop.runId = this.store.createRun({
      name: `${this.config.algorithm}-${this.ctx.prompts.name}`,
      kind: this.config.algorithm,
      config: this.config,
      seed: this.config.seed,
      versions: { ...torch.versions(), refract: '0.1.0' },
    });
    this.started = true;
    this.#loop.divergence = { baseNorm: weightNorm(this.ctx.policy.parameters()), gradNorms: [] };
    this.hooks.onStart?.({ runId: this.runId, firstIteration: 1, resumed: false, samplesUsed: 0, secondsUsed: 0 });
    if (this.config.eval.every > 0) await this.#evaluate(0, {});
    this.#checkpoint(0);
    return 1;
  }

  async #resume(dir: string): Promise<number> {
    const state = loadRunCheckpoint(dir, this.ctx.policy, this.algorithm);
    assertResumable(state.config, this.config);
    this.#loop = structuredClone(state.loop);
    // a checkpoint from before the divergence rule: its weights stand in for the base's norm
    this.#loop.divergence ??= { baseNorm: weightNorm(this.ctx.policy.parameters()), gradNorms: [] };
    for (const m of this.hooks.monitors ?? []) {
      const s = this.#loop.monitors[m.name];
      if (s !== undefined) m.loadStateDict?.(s);
    }
    this.store.setStatus(this.runId, 'running');
    this.started = true;
    this.#loggedSteps = this.store.lastStep(this.runId) ?? -1;
    this.#loggedEvals = new Set(this.store.evaluations(this.runId).map((e) => e.step));
    this.#loggedCheckpoint = this.store.latestCheckpoint(this.runId)?.step ?? -1;
    this.#lastCheckpoint = state.iteration;
    this.hooks.onStart?.({
      runId: this.runId,
      firstIteration: state.iteration + 1,
      resumed: true,
      samplesUsed: this.samplesUsed,
      secondsUsed: this.secondsUsed,
    });
    return state.iteration + 1;
  }

  /** One iteration: step, evaluation (when due) with the monitor's actions, logging, stop policy, checkpoint. */
  async iterate(it: number): Promise<IterationOutcome> {
    const started = performance.now();
    const log = await this.algorithm.step(it);
    const stepped = this.#clock(started);
    const loop = this.#loop;
    loop.samplesUsed += log.samples;
    if (log.skippedUpdate) {
      loop.consecutiveSkips++;
      loop.skippedTotal++;
    } else loop.consecutiveSkips = 0;
    if (Number.isFinite(log.klToReference)) {
      loop.since.klSum += log.klToReference;
      loop.since.klCount++;
    }
    if (Number.isFinite(log.reward)) {
      loop.since.rewardSum += log.reward;
      loop.since.rewardCount++;
    }
    this.hooks.onStep?.(it, log, { samplesUsed: loop.samplesUsed, secondsUsed: this.secondsUsed, consecutiveSkips: loop.consecutiveSkips });
    const health = this.#judge(it, log);
    if (health.stop) {
      this.#logStep(it, log, { weightNorm: health.norm });
      return { stop: health.stop };
    }
    const last = it === this.config.iterations || this.budgetSpent();
    const every = this.config.eval.every;
    const actionDiagnostics: Record<string, number> = { weightNorm: health.norm };
    let stop: IterationOutcome['stop'];
    if (every > 0 && (it % every === 0 || last)) {
      stop = await this.#evaluate(it, actionDiagnostics);
      this.#clock(stepped); // evaluations count against maxSeconds too
    }
    this.#logStep(it, log, actionDiagnostics);
    const max = this.config.stopOnNonFinite.maxConsecutive;
    if (loop.consecutiveSkips >= max) return { stop: { status: 'failed', reason: nonFiniteMessage(this.config, it, max, this.#lastCheckpoint) } };
    if (it % this.config.checkpoint.every === 0 || last || stop !== undefined) this.#checkpoint(it);
    return stop ? { stop } : {};
  }

  /**
   * The divergence rule (./divergence.ts) on the weights after iteration `it` and its gradient norm; a verdict stops
   * the run as 'diverged' before anything of this iteration is evaluated or checkpointed.
   */
  #judge(it: number, log: AlgorithmStepLog): { norm: number; stop?: NonNullable<IterationOutcome['stop']> } {
    const norm = weightNorm(this.ctx.policy.parameters());
    const gradNorm = log.skippedUpdate ? NaN : (log.metrics['gradNorm'] ?? NaN);
    const state: DivergenceState = this.#loop.divergence ?? { baseNorm: norm, gradNorms: [] };
    const { verdict, state: next } = judgeIteration(this.config.divergence, state, norm, gradNorm);
    this.#loop.divergence = next;
    if (verdict === null) return { norm };
    return { norm, stop: { status: 'diverged', reason: divergedMessage(this.config, it, verdict, this.#lastCheckpoint) } };
  }

  #logStep(it: number, log: AlgorithmStepLog, extra: Record<string, number>): void {
    if (it <= this.#loggedSteps) return;
    const components = Object.fromEntries(Object.entries(log.components).map(([k, v]) => [`reward/${k}`, v]));
    this.store.logStep(
      this.runId,
      it,
      {
        reward: log.reward,
        ...components,
        ...log.metrics,
        klToReference: log.klToReference,
        samples: log.samples,
        samplesUsed: this.#loop.samplesUsed,
        secondsUsed: this.secondsUsed, // the wall time counted against maxSeconds (training and evaluations)
        skippedUpdate: log.skippedUpdate ? 1 : 0,
      },
      { ...log.diagnostics, ...extra },
    );
  }

  /** Evaluates, logs, tracks the best checkpoint, lets the monitors act; returns a stop request if one asked. */
  async #evaluate(it: number, diagnostics: Record<string, number>): Promise<IterationOutcome['stop']> {
    const { policy, reward, prompts, vocabulary } = this.ctx;
    const inputs = { policy, reward, source: prompts, config: this.config, ...(vocabulary ? { vocabulary } : {}) };
    const restore = this.algorithm.swapInEvaluatedWeights?.(); // e.g. NFT's evaluatedEma; the trained weights come back
    const snapshot = await evaluatePolicy(inputs, it, this.#loop.since).finally(() => restore?.());
    this.#loop.since = emptySince();
    this.lastEval = snapshot;
    this.#logEvaluation(snapshot);
    this.#writeGrid(it === 0 ? GRID_BEFORE : GRID_AFTER, snapshot);
    this.hooks.onEval?.(snapshot);
    const score = snapshot.gold?.overall ?? snapshot.proxy;
    const best = this.#loop.best;
    if (Number.isFinite(score) && (best === null || score > best.score)) this.#loop.best = { score, iteration: it };
    if ((this.hooks.monitors ?? []).length === 0) return undefined;
    saveEvalCheckpoint(this.config.out, policy, this.algorithm, this.#state(it));
    return applyMonitorActions(this, it, snapshot, diagnostics);
  }

  #logEvaluation(s: EvalSnapshot & { seeds?: number[]; trajectories?: EvalTrajectories }): void {
    if (this.#loggedEvals.has(s.iteration)) return;
    this.#loggedEvals.add(s.iteration);
    if (s.gold) {
      const { overall, ...details } = s.gold;
      this.store.logEvaluation(this.runId, { step: s.iteration, suite: 'shapes_eval', overall, details });
    }
    this.store.logEvaluation(this.runId, {
      step: s.iteration,
      suite: 'proxy',
      overall: s.proxy,
      details: { components: s.proxyComponents, klToReference: nullIfNaN(s.klToReference), trainReward: nullIfNaN(s.trainReward) },
    });
    const n = Math.min(this.config.eval.storeSamples, s.images.length);
    for (let i = 0; i < n; i++) this.store.addSample(this.runId, storedSample(s, i));
  }

  /**
   * A sample grid of an evaluation in the run folder (the report shows grid-before/after): for ShapesEval one row
   * per category (its first 8 prompts), otherwise the first 32 images.
   */
  /** The evaluation's grid: up to 8 images per category row, each with its prompt and gold ✓/✗ (when judged). */
  #writeGrid(file: string, s: EvalSnapshot): void {
    const images = s.images;
    if (images.length === 0) return;
    const shapes = this.config.prompts.source === 'shapes';
    const cols = Math.min(8, shapes ? this.config.eval.perCategory : images.length);
    const stride = shapes ? this.config.eval.perCategory : cols; // where each row starts in `images`
    const rows = Math.min(shapes ? Infinity : 4, Math.ceil(images.length / stride));
    const picked = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, k) => r * stride + k)).flat();
    const verdicts = s.gold?.perPrompt;
    const cells = picked
      .filter((i) => i < images.length)
      .map((i) => ({ image: images[i]!, label: s.prompts[i]?.text ?? '', verdict: verdicts ? verdicts[i] === 1 : null }));
    writeLabelledGridPng(path.join(this.config.out, file), cells, { cols });
  }

  /** The loop state to checkpoint after iteration `it` (monitor states collected now). */
  #state(it: number): CheckpointState {
    const monitors = Object.fromEntries((this.hooks.monitors ?? []).flatMap((m) => (m.stateDict ? [[m.name, m.stateDict()]] : [])));
    return {
      iteration: it,
      loop: structuredClone({ ...this.#loop, monitors }),
      algorithm: { name: this.algorithm.name, json: {} },
      config: this.config as RunConfig,
      versions: { ...torch.versions() },
    };
  }

  #checkpoint(it: number): void {
    const c = this.config.checkpoint;
    const folder = saveRunCheckpoint(checkpointDir(this.config.out), this.ctx.policy, this.algorithm, this.#state(it), c.keep);
    this.#lastCheckpoint = it;
    if (it > this.#loggedCheckpoint) {
      this.store.addCheckpoint(this.runId, it, folder, { samplesUsed: this.#loop.samplesUsed });
      this.#loggedCheckpoint = it;
    }
    this.store.forgetCheckpointsExcept(this.runId, checkpointSteps(checkpointDir(this.config.out))); // pruned folders
    this.hooks.onCheckpoint?.(it, folder);
  }

  /** A checkpoint of iteration `it` unless it already has one (a run interrupted between checkpoints). */
  checkpointNow(it: number): void {
    if (this.#lastCheckpoint !== it) this.#checkpoint(it);
  }

  // ---------- used by the monitor actions ----------

  get loop(): LoopState {
    return this.#loop;
  }

  /**
   * Reloads the policy and algorithm state saved at the evaluation of `iteration` (default: the best one so far),
   * keeping the KL raises made since. Returns the iteration returned to, or null when there is no such checkpoint.
   */
  rollbackTo(iteration?: number): number | null {
    const to = iteration ?? this.#loop.best?.iteration;
    if (to === undefined || !hasEvalCheckpoint(this.config.out, to)) return null;
    const state = loadRunCheckpoint(evalCheckpointDir(this.config.out), this.ctx.policy, this.algorithm, to);
    const ratio = this.#loop.klScale / state.loop.klScale;
    if (ratio !== 1) this.algorithm.scaleKlCoefficient?.(ratio);
    return to;
  }
}

function nullIfNaN(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
