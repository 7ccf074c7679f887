// What every algorithm does to the policy it is handed before training it: eval mode (no dropout, so rollouts and
// replays see the same network), the prompt encoder frozen (conditions are encoded under noGrad and stay the base's,
// as Flow-GRPO keeps its text encoders), and AdamW without weight decay on what still requires grad — all of the
// denoiser, or only the LoRA adapters (src/train/lora.ts).
//
// `encoderLr` is the exception (nft.encoder): the prompt encoder trains too, in a parameter group of its own. Why:
// a frozen encoder fixes how far apart "A left of B" and "B left of A" are before the denoiser sees them (session 5
// measured cosine 0.967 between a noun's context vectors under the two relations), so RL can only move the denoiser
// within what the encoder already separates. The algorithm must then encode its prompts with grad (nft/update-stage.ts).
import { AdamW } from '../torch/optim/index.js';
import { UsageError } from '../config/errors.js';
import type { AlgorithmContext } from './algorithm.js';
import { shareGradients } from './data-parallel.js';

export function policyOptimizer(ctx: AlgorithmContext, lr: number, encoderLr?: number): AdamW {
  ctx.policy.eval();
  ctx.policy.encoder.requiresGrad_(false);
  const denoiser = ctx.policy.parameters().filter((p) => p.requiresGrad);
  let optimizer: AdamW;
  if (encoderLr === undefined) {
    optimizer = new AdamW(denoiser, { lr, weightDecay: 0 });
  } else {
    const encoder = ctx.policy.encoder.parameters();
    if (encoder.length === 0) {
      throw new UsageError('refract train: nft.encoder needs a policy with a prompt encoder, got one without (a TorchScript generator) — remove nft.encoder');
    }
    ctx.policy.encoder.requiresGrad_(true);
    optimizer = new AdamW([{ params: denoiser }, { params: encoder, lr: encoderLr }], { lr, weightDecay: 0 });
  }
  if (ctx.dataParallel) shareGradients(optimizer, ctx.dataParallel); // averaged before every clipped step
  return optimizer;
}
