/**
 * Deliberately flawed rewards, for checking that the audit catches what it claims to — never for training.
 *   left_half   the wrapped reward sees only the left half of every image: the right half is painted with the
 *               background before scoring. The flaw of a reward that crops, pools or attends to part of the
 *               frame; the spatial-coverage probe must flag it (a right-half defect no longer lowers the score).
 */
import { cloneImage, type RGBImage } from '../../data/image.js';
import { batchImages } from '../../rewards/batch.js';
import type { RewardBatch, RewardModel, RewardResult } from '../../rewards/types.js';

export const DEMO_FLAWS = ['left_half'] as const;
export type DemoFlaw = (typeof DEMO_FLAWS)[number];

/** The image with columns x ≥ ⌊W/2⌋ set to the black background. */
export function blankRightHalf(img: RGBImage): RGBImage {
  const out = cloneImage(img);
  const { width: W, height: H } = img;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) out.data.fill(0, c * W * H + y * W + Math.floor(W / 2), c * W * H + (y + 1) * W);
  }
  return out;
}

/** A reward that only looks at the left half of the image (demo flaw; see the file comment). */
export class LeftHalfOnlyReward implements RewardModel {
  readonly name: string;
  readonly version: string;
  readonly components: readonly string[];
  readonly differentiable = false;

  constructor(readonly inner: RewardModel) {
    this.name = `${inner.name}+left_half_flaw`;
    this.version = `${inner.version}+left_half_flaw`;
    this.components = inner.components;
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const rgb = batchImages(batch, `reward ${this.name}`).map(blankRightHalf);
    const r = await this.inner.score({ rgb, prompts: batch.prompts });
    return { ...r, meta: { ...r.meta, name: this.name, version: this.version } };
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

export function withDemoFlaw(reward: RewardModel, flaw: DemoFlaw): RewardModel {
  switch (flaw) {
    case 'left_half':
      return new LeftHalfOnlyReward(reward);
  }
}
