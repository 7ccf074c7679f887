/**
 * Temporal consistency and physical plausibility for the moving-shapes world, from the gold physics evaluator
 * (src/eval/physics/evaluate.ts): `pass` (1 when every prompted object persists and moves by its law), `score`
 * (mean per-frame plausibility) and dense `frame_score` [B, F] for per-frame credit (DESIGN §2). Total = `score`
 * by default: a whole-clip pass/fail is too sparse a signal early in training (`total: 'pass'` picks it).
 */
import { parseMovingPrompt, type MovingPrompt } from '../data/moving-shapes/grammar.js';
import { evaluateClip, type PhysicsEvalOptions } from '../eval/physics/evaluate.js';
import { batchClips } from './batch.js';
import { frameMap } from './result.js';
import type { RewardBatch, RewardModel, RewardPrompt, RewardResult } from './types.js';

export interface PhysicsRewardOptions {
  eval: Partial<PhysicsEvalOptions>;
  total: 'score' | 'pass';
}

export const DEFAULT_PHYSICS_REWARD: Readonly<PhysicsRewardOptions> = Object.freeze({ eval: {}, total: 'score' });

function movingPromptOf(p: RewardPrompt): MovingPrompt {
  return p.moving ?? parseMovingPrompt(p.text);
}

export class PhysicsReward implements RewardModel {
  readonly name = 'physics';
  readonly version = '1';
  readonly components = ['pass', 'score'] as const;
  readonly differentiable = false;
  readonly options: Readonly<PhysicsRewardOptions>;

  constructor(opts: Partial<PhysicsRewardOptions> = {}) {
    this.options = { ...DEFAULT_PHYSICS_REWARD, ...opts };
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const clips = batchClips(batch, 'reward physics');
    const verdicts = clips.map((frames, i) =>
      evaluateClip(frames, movingPromptOf(batch.prompts[i]!), this.options.eval),
    );
    const pass = Float32Array.from(verdicts, (v) => (v.pass ? 1 : 0));
    const score = Float32Array.from(verdicts, (v) => v.score);
    return {
      total: Float32Array.from(this.options.total === 'pass' ? pass : score),
      components: { pass, score },
      dense: { frame_score: frameMap(verdicts.map((v) => v.perFrame)) },
      meta: { name: this.name, version: this.version, model: 'gold-physics' },
    };
  }
}

export function physicsReward(opts: Partial<PhysicsRewardOptions> = {}): PhysicsReward {
  return new PhysicsReward(opts);
}
