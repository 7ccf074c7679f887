// The config of a generator brought as a TorchScript file (issue #15): which file, what the network predicts, how it
// takes time, what it is conditioned on, and the shape of one sample. Refract's samplers speak flow matching
// (x_σ = (1−σ)·x₀ + σ·ε, velocity v = ε − x₀, DESIGN §3); these fields say how to translate (./parameterisation.ts).
import { z } from 'zod';
import { deepFreeze, parseConfig } from '../../config/load.js';

const posInt = z.number().int().positive();

/**
 * How the network takes time:
 * - `sigma`: the flow noise level σ ∈ [0, 1] times `scale` (1: t ∈ [0, 1] as in rectified flow; 1000: SD3's
 *   timestep = 1000·σ). The network sees x_σ itself.
 * - `timestep`: a DDPM-trained network (ε- or v-prediction on variance-preserving x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε) with
 *   its training schedule; Refract maps σ to the (fractional) timestep of equal signal-to-noise ratio and rescales x.
 */
export const timeInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sigma'), scale: z.number().positive().default(1) }).strict(),
  z
    .object({
      kind: z.literal('timestep'),
      trainTimesteps: posInt.default(1000),
      betaSchedule: z.enum(['linear', 'scaled_linear']).default('scaled_linear'),
      betaStart: z.number().positive().default(0.00085),
      betaEnd: z.number().positive().default(0.012),
    })
    .strict(),
]);

/**
 * What the network is conditioned on (its third forward argument):
 * - `tokens`: the prompt's token ids [B, L] int64 in the testbed's vocabulary (0 = pad; all-pad = the null prompt).
 * - `class`: one class id [B] int64 — the prompt must be one of `classes`; the null prompt is id `nullClass`.
 * - `embedding`: the output of a second TorchScript module (`encoder`, a file beside the generator) run on the token
 *   ids; it stays frozen, as Flow-GRPO keeps its text encoders.
 */
export const conditioningSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tokens') }).strict(),
  z
    .object({ kind: z.literal('class'), classes: z.array(z.string().min(1)).min(1), nullClass: z.number().int().nonnegative() })
    .strict(),
  z.object({ kind: z.literal('embedding'), encoder: z.string().min(1) }).strict(),
]);

export const scriptGeneratorConfigSchema = z
  .object({
    /** The TorchScript archive (torch.jit.script or torch.jit.trace, then torch.jit.save), relative to the folder. */
    file: z.string().min(1),
    /** What forward(x, time, condition) returns: the velocity ε − x₀, the noise ε, or the clean sample x₀. */
    prediction: z.enum(['velocity', 'epsilon', 'sample']),
    time: timeInputSchema,
    conditioning: conditioningSchema,
    /** One sample's shape [C, H, W] (pixels in [−1, 1]). */
    sampleShape: z.tuple([posInt, posInt, posInt]),
    /** The prompts' testbed (its vocabulary tokenizes the prompts). */
    testbed: z.enum(['shapes']).default('shapes'),
    /** Parameters to train, as glob patterns over state_dict names (`*` any run of characters); empty = all. */
    train: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type ScriptGeneratorConfig = z.infer<typeof scriptGeneratorConfigSchema>;
export type TimeInput = z.infer<typeof timeInputSchema>;
export type ScriptConditioning = z.infer<typeof conditioningSchema>;

/** A rectified-flow velocity model on 32×32 Shapes images taking σ and the prompt's tokens (examples/pytorch-generator). */
export const SHAPES_SCRIPT_GENERATOR_CONFIG: ScriptGeneratorConfig = deepFreeze({
  file: 'generator.pt',
  prediction: 'velocity',
  time: { kind: 'sigma', scale: 1 },
  conditioning: { kind: 'tokens' },
  sampleShape: [3, 32, 32],
  testbed: 'shapes',
  train: [],
});

export function parseScriptGeneratorConfig(raw: unknown, where = 'refract TorchScript generator config'): ScriptGeneratorConfig {
  return parseConfig(scriptGeneratorConfigSchema, raw, where) as ScriptGeneratorConfig;
}
