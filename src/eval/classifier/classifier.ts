/**
 * ImageClassifier: a trained SmallCnn plus what it was trained on (class names, dataset), with the input
 * plumbing every caller would otherwise repeat. It is the gold-ish evaluator of the class-conditional real-data
 * testbed (DESIGN §4): "is this generated image the prompted Fashion-MNIST class?", scored as the prompted
 * class's probability.
 *
 * Accepted inputs (`prepare`): float [B, C, H, W] in [0, 1], C = 1 or 3 (RGB is averaged to grey, since the
 * classifier never saw colour), square H = W: 28 is padded by 2 black pixels on each side (exactly how the
 * training batches were made), 32 passes through, any other side is resized bilinearly. Inputs in [−1, 1] must
 * be mapped to [0, 1] by the caller ((x + 1) / 2): guessing the range from the values would be wrong on dark images.
 */
import * as torch from '../../torch/index.js';
import { assertImage, type RGBImage } from '../../data/image.js';
import { resizeBatch } from '../../data/labeled-images.js';
import { CNN_INPUT_SIZE, SmallCnn } from './model.js';

export interface ClassifierInfo {
  /** Short name, e.g. 'fashion-mnist'; also the asset folder name. */
  name: string;
  classNames: readonly string[];
}

export interface ClassifyResult {
  /** Arg-max class of each image. */
  labels: Int32Array;
  /** Softmax probabilities, one row of classNames.length values per image. */
  probs: Float32Array[];
}

/** Images per forward pass inside classify(): bounds peak memory on large calls. */
const CHUNK = 512;

export class ImageClassifier {
  constructor(
    readonly net: SmallCnn,
    readonly info: ClassifierInfo,
  ) {
    if (info.classNames.length !== net.config.numClasses) {
      throw new Error(
        `refract classifier: classNames must list ${net.config.numClasses} classes for this net, got ` +
          `${info.classNames.length} — the names and weights come from different classifiers`,
      );
    }
  }

  get numClasses(): number {
    return this.info.classNames.length;
  }

  /** Converts accepted inputs (see the file comment) to [B, 1, 32, 32]. Returns a new tensor. */
  prepare(x: torch.Tensor): torch.Tensor {
    const s = x.shape;
    if (s.length !== 4 || (s[1] !== 1 && s[1] !== 3) || s[2] !== s[3]) {
      throw new Error(
        `refract classifier: images must be [B, 1 or 3, S, S], got [${s.join(', ')}] — add a batch dim with ` +
          'unsqueeze(0) or crop to a square',
      );
    }
    return torch.scope(() => {
      const grey = s[1] === 3 ? x.mean(1, true) : x;
      const fit = s[2] === 28 ? 'pad' : 'resize';
      return resizeBatch(grey, CNN_INPUT_SIZE, fit);
    });
  }

  /** Differentiable logits [B, numClasses] for accepted inputs (for reward back-propagation). */
  logits(x: torch.Tensor): torch.Tensor {
    return torch.scope(() => this.net.forward(this.prepare(x)));
  }

  /** Labels and probabilities, without gradients, in eval mode. */
  classify(images: torch.Tensor | readonly RGBImage[]): ClassifyResult {
    const owned = !(images instanceof torch.Tensor);
    const x = images instanceof torch.Tensor ? images : imagesToTensor(images);
    const n = x.shape[0] ?? 0;
    const labels = new Int32Array(n);
    const probs: Float32Array[] = [];
    const wasTraining = this.net.training;
    this.net.eval();
    try {
      for (let start = 0; start < n; start += CHUNK) {
        const len = Math.min(CHUNK, n - start);
        const p = torch.scope(() => torch.noGrad(() => this.logits(x.narrow(0, start, len)).softmax(1)));
        const flat = p.toTypedArray() as Float32Array;
        p.dispose();
        const k = this.numClasses;
        for (let i = 0; i < len; i++) {
          const row = flat.slice(i * k, (i + 1) * k);
          probs.push(row);
          labels[start + i] = argmax(row);
        }
      }
    } finally {
      this.net.train(wasTraining);
      if (owned) x.dispose();
    }
    return { labels, probs };
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** RGBImages (CHW in [0, 1], all the same size) as a float tensor [B, 3, H, W]. */
export function imagesToTensor(images: readonly RGBImage[]): torch.Tensor {
  if (images.length === 0) throw new Error('refract classifier: images must be a non-empty list, got none');
  const { width: W, height: H } = images[0];
  const plane = 3 * W * H;
  const data = new Float32Array(images.length * plane);
  images.forEach((img, i) => {
    assertImage(img, `images[${i}]`);
    if (img.width !== W || img.height !== H) {
      throw new Error(
        `refract classifier: images must share one size, got ${W}×${H} and ${img.width}×${img.height} at ${i}`,
      );
    }
    data.set(img.data, i * plane);
  });
  return torch.fromTypedArray(data, [images.length, 3, H, W]);
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}
