// What every algorithm does to the policy it is handed before training it: eval mode (no dropout, so rollouts and
// replays see the same network), the prompt encoder frozen (conditions are encoded under noGrad and stay the base's,
// as Flow-GRPO keeps its text encoders), and AdamW without weight decay on what still requires grad — all of the
// denoiser, or only the LoRA adapters (src/train/lora.ts).
import { AdamW } from '../torch/optim/index.js';
import type { AlgorithmContext } from './algorithm.js';
import { shareGradients } from './data-parallel.js';

export function policyOptimizer(ctx: AlgorithmContext, lr: number): AdamW {
  ctx.policy.eval();
  ctx.policy.encoder.requiresGrad_(false);
  const optimizer = new AdamW(ctx.policy.parameters().filter((p) => p.requiresGrad), { lr, weightDecay: 0 });
  if (ctx.dataParallel) shareGradients(optimizer, ctx.dataParallel); // averaged before every clipped step
  return optimizer;
}
