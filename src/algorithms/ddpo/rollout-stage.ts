// DDPO stage 1 — sample: roll out the groups' prompts with DDIM(η) on the flow policy seen as a VP ε-predictor
// (generate/flow-vp.ts), recording the trajectory for replay. The rollout runs under noGrad.
import * as torch from '../../torch/index.js';
import { sampleDdim } from '../../generate/sample-ddim.js';
import { flowVpAlphasCumprod, vpEpsilonModelOfFlow } from '../../generate/flow-vp.js';
import type { EpsilonModel } from '../../generate/types.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PolicyCondition, ImagePolicy } from '../../models/index.js';
import { sampleShape } from '../../pipeline/text-to-image.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import type { DdpoSection } from './config.js';
import type { PromptGroups } from '../prompt-groups.js';
import type { ReferenceModel } from '../algorithm.js';

/** ddimSchedule options of the flow → VP grid: 'trailing' starts at the noisiest level; the last step ends at σ = 0. */
export const FLOW_VP_SCHEDULE = Object.freeze({ spacing: 'trailing', setAlphaToOne: true } as const);

/** A flow model's ε-predictor on VP variables (the policy's: what rollout and replay run; the reference's: its KL). */
export function ddpoEpsilonModel(model: ReferenceModel, sampler: Readonly<DdpoSection['sampler']>): EpsilonModel<PolicyCondition> {
  return vpEpsilonModelOfFlow(model.denoiser(), sampler.numTimesteps);
}

export function ddpoRollout(
  policy: ImagePolicy,
  groups: PromptGroups,
  sampler: Readonly<DdpoSection['sampler']>,
  vocabulary: WordVocabulary = SHAPES_VOCABULARY,
): Trajectory<PolicyCondition> {
  const texts = groups.prompts.map((p) => p.text);
  return torch.noGrad(() =>
    torch.scope(() => {
      const cond = policy.encode(vocabulary.tokenizeBatch(texts));
      const uncond = sampler.guidance !== 1 ? policy.encodeNull(texts.length, vocabulary.maxTokens) : undefined;
      return sampleDdim<PolicyCondition>({
        model: ddpoEpsilonModel(policy, sampler),
        cond,
        uncond,
        guidance: sampler.guidance,
        alphasCumprod: flowVpAlphasCumprod(sampler.numTimesteps),
        steps: sampler.steps,
        eta: sampler.eta,
        ...FLOW_VP_SCHEDULE,
        seeds: groups.seeds,
        shape: sampleShape(policy),
      });
    }),
  );
}
