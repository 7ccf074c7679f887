// Images ↔ tensors. Models work in [-1, 1] (DDPM convention, Ho et al. 2006.11239 §3.3); RGBImage holds [0, 1].
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { assertImage, type RGBImage } from './image.js';

/** A batch of same-sized images → [B, 3, H, W] float32 in [-1, 1]. */
export function imagesToTensor(images: readonly RGBImage[]): Tensor {
  if (images.length === 0) throw new Error('refract imagesToTensor: images must be non-empty, got none');
  const { width, height } = images[0]!;
  const per = 3 * width * height;
  const data = new Float32Array(images.length * per);
  images.forEach((img, i) => {
    assertImage(img, `images[${i}]`);
    if (img.width !== width || img.height !== height) {
      throw new Error(`refract imagesToTensor: images[${i}] must be ${width}×${height} like images[0], got ${img.width}×${img.height}`);
    }
    for (let k = 0; k < per; k++) data[i * per + k] = img.data[k]! * 2 - 1;
  });
  return torch.fromTypedArray(data, [images.length, 3, height, width]);
}

/** [B, 3, H, W] (or greyscale [B, 1, H, W], replicated to RGB) in [-1, 1] → images in [0, 1] (clamped). */
export function tensorToImages(x: Tensor): RGBImage[] {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || (C !== 3 && C !== 1)) {
    throw new Error(`refract tensorToImages: x must be [B, 3 or 1, H, W], got [${x.shape.join(', ')}]`);
  }
  const flat = torch.scope(() => {
    const rgb = C === 1 ? x.expand(B, 3, H, W) : x;
    return rgb.detach().float().add(1).div(2).clamp(0, 1).toTypedArray();
  }) as Float32Array;
  const per = 3 * H * W;
  return Array.from({ length: B }, (_, i) => ({ width: W, height: H, data: flat.slice(i * per, (i + 1) * per) }));
}
