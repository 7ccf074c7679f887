// The audit gate before training (#5 §3): a run config may name a reward card written by `refract audit`; a reward
// whose card fails the thresholds blocks the run unless `override: true` (the failure is then printed and logged).
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/load.js';
import { auditThresholdsSchema } from '../reliability/audit/config.js';
import { auditGate, type GateResult } from '../reliability/audit/gate.js';
import type { RewardCard } from '../reliability/audit/card.js';

export const auditGateConfigSchema = z
  .object({
    /** reward-cards.json written by `refract audit` (its `cards` list). */
    cards: z.string().min(1),
    /** The card (the audit entry's `name`) that certifies the reward this run optimises. */
    reward: z.string().min(1),
    thresholds: auditThresholdsSchema.prefault({}),
    /** Train even when the card fails: the failure is printed, not thrown. */
    override: z.boolean().default(false),
  })
  .strict();

export type AuditGateConfig = z.infer<typeof auditGateConfigSchema>;

/** Reads the card and applies the gate; throws AuditGateError (every failed metric named) unless overridden. */
export function checkRewardCard(config: Readonly<AuditGateConfig>, warn: (message: string) => void): GateResult {
  const where = 'refract train';
  if (!existsSync(config.cards)) {
    throw new ConfigError(where, [`field "audit.cards" must be a reward-cards.json written by \`refract audit\`, got "${config.cards}" (no such file) — run the audit first`]);
  }
  const parsed = JSON.parse(readFileSync(config.cards, 'utf8')) as { cards?: RewardCard[] };
  const cards = parsed.cards ?? [];
  const card = cards.find((c) => c.name === config.reward);
  if (card === undefined) {
    throw new ConfigError(where, [`field "audit.reward" must name a card in ${config.cards}, got "${config.reward}" — one of ${cards.map((c) => `"${c.name}"`).join(', ')}`]);
  }
  return auditGate(card, config.thresholds, { override: config.override, onOverride: warn });
}
