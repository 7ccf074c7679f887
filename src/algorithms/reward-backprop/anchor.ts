// The reference anchor of reward back-propagation: mean ‖v_θ(x_σ, σ, c) − v_ref(x_σ, σ, c)‖² at one random σ per
// sample on the (detached) samples x₀, x_σ = (1−σ)·x₀ + σ·ε. For flow SDEs the KL between two processes that share
// the diffusion term is an integral of the squared drift difference (Girsanov), so this is a one-point Monte-Carlo
// estimate of that KL up to its time weighting — the flow counterpart of DDPO's / ReFL's pull towards the base.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { ImagePolicy } from '../../models/index.js';
import type { ReferenceModel } from '../algorithm.js';

/**
 * `rows`: under data parallelism x₀ holds rows [start, start + B) of the iteration's `total` samples; σ and ε are
 * drawn for all of them and narrowed, so each sample gets the draw it would get in one process.
 */
export function referenceAnchor(
  policy: ImagePolicy,
  reference: ReferenceModel,
  x0: Tensor,
  tokens: Tensor,
  seed: number,
  rows?: { start: number; total: number },
): Tensor {
  const gen = new torch.Generator(seed);
  try {
    return torch.scope(() => {
      const B = x0.shape[0]!;
      const total = rows?.total ?? B;
      const own = (t: Tensor): Tensor => (rows ? t.narrow(0, rows.start, B) : t);
      const sigma = own(torch.rand([total], { generator: gen })); // σ ~ U(0, 1)
      const noise = own(torch.randn([total, ...x0.shape.slice(1)], { generator: gen })); // ε
      const s = sigma.reshape([B, ...x0.shape.slice(1).map(() => 1)]);
      const xSigma = x0.detach().mul(s.rsub(1)).add(noise.mul(s)); // x_σ = (1−σ)·x₀ + σ·ε
      const vPolicy = policy.predict(xSigma, sigma, policy.encode(tokens));
      const vReference = torch.noGrad(() => reference.predict(xSigma, sigma, reference.encode(tokens)));
      return vPolicy.sub(vReference).square().mean(); // mean ‖v_θ − v_ref‖²
    });
  } finally {
    gen.dispose();
  }
}
