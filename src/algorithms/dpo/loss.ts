// The Diffusion-DPO objective (Wallace et al., arXiv 2311.12908, eq. 14; DESIGN §3), flow-matching form.
//
// Notation: for a pair (winner w, loser l) noised at one shared σ with one shared ε, L^w_θ, L^l_θ are the policy's
// per-sample flow-matching losses ‖v_θ(x_σ, σ, c) − (ε − x₀)‖² (mean over elements) and L^w_ref, L^l_ref the frozen
// reference's; β is the KL strength of the DPO objective.
//   inside = (L^w_θ − L^l_θ) − (L^w_ref − L^l_ref)
//   loss   = −log σ(−(β/2)·inside)            averaged over pairs
// The implicit reward of an image is r(x) = −(β/2)·(L_θ(x) − L_ref(x)) (eq. 14 up to the weight ω(λ) and T, which
// the paper folds into β), so the implicit margin r(w) − r(l) = −(β/2)·inside, and the implicit accuracy is the
// fraction of pairs with a positive margin (ties count half, as preference accuracies do).
// As in the paper's code (SalesforceAIResearch/DiffusionDPO, train.py), losses are element means, so β carries
// over between resolutions only up to that convention; the paper's β of 2500–5000 is for SD latents.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

export interface DpoLossInput {
  /** L^w_θ, [N], with grad. */
  policyWinner: Tensor;
  /** L^l_θ, [N], with grad. */
  policyLoser: Tensor;
  /** L^w_ref, [N] (no grad needed). */
  referenceWinner: Tensor;
  /** L^l_ref, [N]. */
  referenceLoser: Tensor;
  /** β > 0. */
  beta: number;
}

export interface DpoLoss {
  /** Scalar loss to minimise (mean over pairs). */
  loss: Tensor;
  /** Implicit reward margin r(w) − r(l) = −(β/2)·inside per pair, [N] (detached). */
  margin: Tensor;
  /** Fraction of pairs whose implicit margin is positive (ties count half). */
  accuracy: number;
  /** Mean implicit margin. */
  meanMargin: number;
}

export function diffusionDpoLoss(input: DpoLossInput): DpoLoss {
  const { policyWinner, policyLoser, referenceWinner, referenceLoser, beta } = input;
  const n = policyWinner.shape.join();
  for (const [what, t] of [
    ['policyLoser', policyLoser],
    ['referenceWinner', referenceWinner],
    ['referenceLoser', referenceLoser],
  ] as const) {
    if (policyWinner.ndim !== 1 || t.shape.join() !== n) {
      throw new Error(
        `refract diffusionDpoLoss: ${what} must be [N] like policyWinner [${n}], got [${t.shape.join(', ')}] — pass per-sample losses`,
      );
    }
  }
  if (!(beta > 0)) throw new Error(`refract diffusionDpoLoss: beta must be > 0, got ${beta} — Diffusion-DPO uses 2500–5000`);
  return torch.scope(() => {
    const policyDiff = policyWinner.sub(policyLoser); // L^w_θ − L^l_θ
    const referenceDiff = referenceWinner.sub(referenceLoser).detach(); // L^w_ref − L^l_ref
    const logits = policyDiff.sub(referenceDiff).mul(-beta / 2); // −(β/2)·inside
    const loss = torch.F.logSigmoid(logits).mean().neg(); // −log σ(·), mean over pairs
    const margin = logits.detach();
    const m = margin.toArray();
    const accuracy = m.reduce((s, v) => s + (v > 0 ? 1 : v === 0 ? 0.5 : 0), 0) / Math.max(1, m.length);
    const meanMargin = m.reduce((s, v) => s + v, 0) / Math.max(1, m.length);
    return { loss, margin, accuracy, meanMargin };
  });
}
