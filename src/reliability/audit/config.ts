/**
 * The audit config (STYLE §5): which rewards to audit, the held-out preference pairs, the probes and the
 * thresholds. configs/audit-shapes.yaml is the worked example.
 *
 *   rewards:
 *     - { name: gold, reward: [{ kind: shapes_gold, options: { mode: strict, total: partial } }] }
 *     - { name: weak_rm, preference: { pairs: 64, labelNoise: 0.1 } }      # a BT ensemble trained here
 *     - { name: gold_left_half, reward: [...], demoFlaw: left_half }      # a planted flaw the audit must catch
 *
 * Each entry gives exactly one of `reward` (reward specs, rewards/config.ts — several build a composite) or
 * `preference` (a Bradley–Terry ensemble trained on synthetic gold-labelled pairs, cached under `out`).
 */
import { z } from 'zod';
import { loadConfigFile, parseConfig } from '../../config/load.js';
import { PAIR_KINDS } from '../../rewards/preference/pairs.js';
import { rewardsConfigSchema } from '../../rewards/config.js';
import { DEMO_FLAWS } from './demo-flaws.js';
import { DEFAULT_AUDIT_THRESHOLDS } from './gate.js';
import { DEFECT_KINDS } from './perturb.js';

export const auditThresholdsSchema = z
  .object({
    minPairwiseAccuracy: z.number().min(0).max(1).default(DEFAULT_AUDIT_THRESHOLDS.minPairwiseAccuracy),
    maxEce: z.number().min(0).max(1).default(DEFAULT_AUDIT_THRESHOLDS.maxEce),
    maxArtifactBlindness: z.number().min(0).max(1).default(DEFAULT_AUDIT_THRESHOLDS.maxArtifactBlindness),
    maxTemplateBias: z.number().min(0).max(1).default(DEFAULT_AUDIT_THRESHOLDS.maxTemplateBias),
    maxShiftSensitivity: z.number().min(0).default(DEFAULT_AUDIT_THRESHOLDS.maxShiftSensitivity),
    maxCoverageGap: z.number().min(0).max(1).default(DEFAULT_AUDIT_THRESHOLDS.maxCoverageGap),
    maxRelativeDisagreement: z.number().min(0).optional(),
  })
  .strict();

const pairKinds = z.array(z.enum(PAIR_KINDS)).min(1);

/** A Bradley–Terry ensemble trained inside the audit (tiny nets: seconds per member on one thread). */
const preferenceRmSchema = z
  .object({
    pairs: z.number().int().min(2),
    labelNoise: z.number().min(0).max(1).default(0),
    kinds: pairKinds.default(['contradict', 'extra']),
    seed: z.number().int().default(1),
    members: z.number().int().min(1).default(3),
    steps: z.number().int().min(1).default(600),
    batchSize: z.number().int().min(1).default(32),
    lr: z.number().positive().default(3e-3),
    net: z
      .object({
        channels: z
          .tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)])
          .default([8, 16, 16]),
        hidden: z.number().int().min(1).default(32),
        tokenDim: z.number().int().min(1).default(16),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const entrySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . or -'),
    description: z.string().optional(),
    reward: rewardsConfigSchema.optional(),
    preference: preferenceRmSchema.optional(),
    demoFlaw: z.enum(DEMO_FLAWS).optional(),
    /** Per-entry overrides of the audit's thresholds. */
    thresholds: auditThresholdsSchema.partial().optional(),
  })
  .strict()
  .refine((e) => (e.reward === undefined) !== (e.preference === undefined), {
    message: 'must give exactly one of `reward` (reward specs) or `preference` (a BT model to train)',
  });

const preferencesSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('synthetic'),
      count: z.number().int().min(4).default(300),
      seed: z.number().int().default(999),
      kinds: pairKinds.default(['contradict', 'extra']),
      labelNoise: z.number().min(0).max(1).default(0),
    })
    .strict(),
  z
    .object({
      source: z.literal('file'),
      /** A preferences JSONL file (run-store format, image paths relative to it) or a runs.sqlite. */
      path: z.string().min(1),
    })
    .strict(),
]);

export const auditConfigSchema = z
  .object({
    seed: z.number().int().default(0),
    out: z.string().min(1).default('runs/audit'),
    preferences: preferencesSchema.default({
      source: 'synthetic',
      count: 300,
      seed: 999,
      kinds: ['contradict', 'extra'],
      labelNoise: 0,
    }),
    calibration: z
      .object({ bins: z.number().int().min(1).default(10) })
      .strict()
      .prefault({}),
    probes: z
      .object({
        count: z.number().int().min(1).default(48),
        seed: z.number().int().default(7),
        shift: z.number().int().min(1).default(1),
        defectKinds: z
          .array(z.enum(DEFECT_KINDS))
          .min(1)
          .default([...DEFECT_KINDS]),
      })
      .strict()
      .prefault({}),
    thresholds: auditThresholdsSchema.prefault({}),
    rewards: z
      .array(entrySchema)
      .min(1)
      .refine((es) => new Set(es.map((e) => e.name)).size === es.length, { message: 'names must be unique' }),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditConfigSchema>;
export type AuditRewardEntry = AuditConfig['rewards'][number];
export type PreferenceRmOptions = NonNullable<AuditRewardEntry['preference']>;

export function parseAuditConfig(raw: unknown): Readonly<AuditConfig> {
  return parseConfig(auditConfigSchema, raw, 'refract audit');
}

export function loadAuditConfig(file: string): Readonly<AuditConfig> {
  return loadConfigFile(auditConfigSchema, file, 'refract audit');
}
