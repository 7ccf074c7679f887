/**
 * The hacking monitor's config (STYLE §5): type, frozen default, strict schema. Rules name a signal measured at
 * every evaluation (./signals.ts), a condition, and the action the training loop takes when it holds:
 *
 *   monitor:
 *     smoothing: 3                      # trailing mean over this many evaluations before any rule looks
 *     rollbackBy: heldOut               # the signal whose best evaluation a rollback returns to
 *     rules:
 *       - { kind: drop_from_best, signal: heldOut, drop: 0.3, unit: gain_fraction, action: { kind: rollback, then: stop } }
 *       - { kind: below, signal: diversity, value: 0.5, unit: initial_ratio, action: { kind: warn } }
 *       - { kind: above, signal: kl, value: 0.05, action: { kind: raise_kl, factor: 2 } }
 *
 * Each rule fires at most once (latched), at the first evaluation where it holds after its warm-up.
 */
import { z } from 'zod';
import { parseConfig, loadConfigFile, deepFreeze } from '../../config/load.js';
import { SIGNAL_NAMES } from './signals.js';

const signal = z.enum(SIGNAL_NAMES);
const posInt = z.number().int().positive();

export const monitorActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('warn') }).strict(),
  z.object({ kind: z.literal('raise_kl'), factor: z.number().gt(1).default(2) }).strict(),
  z.object({ kind: z.literal('stop') }).strict(),
  /** Return to the best evaluation by `rollbackBy`; `then: stop` ends the run there (early stopping). */
  z.object({ kind: z.literal('rollback'), then: z.enum(['continue', 'stop']).default('stop') }).strict(),
]);

/** Fields every rule has: a display name, evaluations to wait before it may fire, the action. */
const common = {
  name: z.string().min(1).optional(),
  /** Evaluations (counting the base's, iteration 0) that must exist before the rule may fire. */
  warmup: posInt.optional(),
  action: monitorActionSchema.default({ kind: 'warn' }),
};

export const monitorRuleSchema = z.discriminatedUnion('kind', [
  /**
   * The signal falls more than `drop` below its running best — in its own units (absolute), as a fraction of the
   * best (relative), or as a fraction of its gain from the baseline to the best (gain_fraction, scale-free: for
   * learned rewards whose scale is arbitrary). With `whileProxyRises`, only while the proxy is above its value
   * at the signal's best: Gao et al.'s overoptimisation signature (gold peaks and falls, proxy keeps rising).
   */
  z
    .object({
      kind: z.literal('drop_from_best'),
      signal,
      drop: z.number().positive(),
      unit: z.enum(['absolute', 'relative', 'gain_fraction']).default('absolute'),
      whileProxyRises: z.boolean().default(true),
      ...common,
    })
    .strict(),
  /** Proxy and signal trend apart: least-squares slopes over the last `window` evaluations, proxy's > 0, signal's < 0, for `patience` evaluations in a row. */
  z
    .object({
      kind: z.literal('divergence'),
      signal,
      window: z.number().int().min(2).default(4),
      patience: posInt.default(1),
      ...common,
    })
    .strict(),
  /** The signal is above `value` (absolute) or above `value` × its baseline (initial_ratio). */
  z
    .object({
      kind: z.literal('above'),
      signal,
      value: z.number(),
      unit: z.enum(['absolute', 'initial_ratio']).default('absolute'),
      ...common,
    })
    .strict(),
  /** The signal is below `value` (absolute) or below `value` × its baseline (initial_ratio). */
  z
    .object({
      kind: z.literal('below'),
      signal,
      value: z.number(),
      unit: z.enum(['absolute', 'initial_ratio']).default('absolute'),
      ...common,
    })
    .strict(),
]);

export const monitorConfigSchema = z
  .object({
    /** Trailing mean over this many evaluations (1 = raw values) for every rule. */
    smoothing: posInt.default(1),
    /** Evaluations averaged into a signal's baseline (for initial_ratio and gain_fraction). */
    baseline: posInt.default(1),
    /** Default warm-up of rules that give none. */
    warmup: posInt.default(2),
    /** The proxy that `whileProxyRises` and `divergence` watch: on the evaluation images, or on the training samples. */
    proxySignal: z.enum(['proxy', 'trainProxy']).default('proxy'),
    /** The signal whose best evaluation a rollback returns to (gold when there is one; else held-out rewards). */
    rollbackBy: signal.default('gold'),
    /** Half-width of the centred mean used to pick the rollback evaluation (0 = raw values). */
    rollbackHalfWidth: z.number().int().nonnegative().default(1),
    /** Feature pooling of the diversity measure (src/eval/stats/diversity.ts). */
    diversityPool: posInt.default(8),
    rules: z.array(monitorRuleSchema).default([]),
  })
  .strict();

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
export type MonitorRule = MonitorConfig['rules'][number];
export type MonitorRuleAction = z.infer<typeof monitorActionSchema>;

export const DEFAULT_MONITOR_CONFIG: Readonly<MonitorConfig> = deepFreeze(monitorConfigSchema.parse({}));

export function parseMonitorConfig(raw: unknown, where = 'refract monitor'): Readonly<MonitorConfig> {
  return parseConfig(monitorConfigSchema, raw, where);
}

export function loadMonitorConfig(file: string, where = 'refract monitor'): Readonly<MonitorConfig> {
  return loadConfigFile(monitorConfigSchema, file, where);
}

/** The rule's display name: its own, or kind(signal). */
export function ruleName(rule: MonitorRule): string {
  return rule.name ?? `${rule.kind}(${rule.signal})`;
}
