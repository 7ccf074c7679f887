// A pretraining run as the run store sees it (checkpoint.dir/runs.sqlite), so the Studio lists it, draws its loss and
// plays its evaluation clips: every step's loss, gradient norm and learning rate; each evaluation's metric; and its
// first eval.storeSamples samples — a video sample as an animated GIF 'clip' media file (gifenc, eval/report/gif.ts)
// beside a PNG of its first frame. A resumed run continues the same store row, logging only steps after its last.
import path from 'node:path';
import { RunStore } from '../store/run-store.js';
import type { SampleInput } from '../store/run-store-types.js';
import { encodeGridPng } from '../eval/report/png.js';
import { encodeClipGridGif } from '../eval/report/gif.js';
import type { StepMetrics } from './loop.js';
import type { PretrainConfig } from './config.js';
import type { TestbedEvalResult, TestbedSample } from './testbeds/types.js';

/** The store file inside checkpoint.dir (the name `refract train` uses in its run folder). */
export const PRETRAIN_STORE_FILE = 'runs.sqlite';
/** Frames per second of a stored clip: 4 (8 frames ≈ 2 s, slow enough to judge motion, as the preview GIFs). */
const CLIP_FPS = 4;

export class PretrainRunLog {
  #lastStep: number;

  private constructor(
    private readonly store: RunStore,
    readonly runId: number,
    private readonly config: Readonly<PretrainConfig>,
  ) {
    this.#lastStep = store.lastStep(runId) ?? 0;
  }

  /** Opens checkpoint.dir's store: a new run, or with `resume` the newest pretrain run there (a new one if none). */
  static open(config: Readonly<PretrainConfig>, resume: boolean): PretrainRunLog {
    const store = RunStore.open(path.join(config.checkpoint.dir, PRETRAIN_STORE_FILE));
    const previous = resume ? store.runs().filter((r) => r.kind === 'pretrain').pop() : undefined;
    const runId = previous?.id ?? store.createRun({ name: `pretrain-${config.testbed}`, kind: 'pretrain', config, seed: config.seed });
    if (previous) store.setStatus(runId, 'running');
    return new PretrainRunLog(store, runId, config);
  }

  step(m: StepMetrics): void {
    if (m.step <= this.#lastStep) return; // logged before the crash this run resumes from
    this.store.logStep(this.runId, m.step, { loss: m.loss, gradNorm: m.gradNorm, lr: m.lr, skipped: m.skipped ? 1 : 0 });
    this.#lastStep = m.step;
  }

  evaluation(step: number, r: TestbedEvalResult): void {
    if (this.store.evaluations(this.runId).some((e) => e.step === step && e.suite === r.metric)) return;
    this.store.logEvaluation(this.runId, { step, suite: r.metric, overall: r.overall, details: r.details });
    for (const s of (r.samples ?? []).slice(0, this.config.eval.storeSamples)) this.store.addSample(this.runId, storedSample(step, s));
  }

  close(status: 'finished' | 'failed'): void {
    try {
      this.store.setStatus(this.runId, status);
    } finally {
      this.store.close();
    }
  }
}

/** A sample row: the PNG of its (first) frame; a clip adds its animated GIF. `reward.gold` is the verdict. */
export function storedSample(step: number, s: TestbedSample): SampleInput {
  const clip = s.frames.length > 1;
  return {
    step,
    prompt: s.prompt,
    seed: s.seed,
    png: encodeGridPng([s.frames[0]!], { cols: 1, gap: 0 }),
    reward: { proxy: null, gold: s.pass ? 1 : 0, components: {} },
    ...(clip
      ? {
          media: [
            {
              kind: 'clip' as const,
              ext: 'gif' as const,
              bytes: encodeClipGridGif([s.frames], { cols: 1, gap: 0, scale: 4, delayMs: 1000 / CLIP_FPS }),
              meta: { frames: s.frames.length, fps: CLIP_FPS },
            },
          ],
        }
      : {}),
  };
}
