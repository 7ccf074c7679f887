// The full reward audit (`refract audit`, reliability/audit/) of a reward model trained in the Studio: its held-out
// labels (the card's own seeded split, ./label-split.ts — never trained on) as the preference set, the perturbation
// probes and thresholds of the audit's defaults, and the strict gold evaluator audited beside it as the reference.
// Writes reward-cards.json + audit.html into the model's folder, where the Studio's reward-cards page finds them.
import { parseAuditConfig, runAudit, writeAuditOutputs, type AuditPair, type AuditReport } from '../reliability/audit/index.js';
import { loadPreferencePairs } from '../store/preference-pairs.js';
import { enumeratePrompts } from '../data/shapes/grammar.js';
import { CATEGORIES, type ShapesPrompt } from '../data/shapes/types.js';
import type { PreferencePair } from '../rewards/preference/pairs.js';
import type { LabelDb } from './label-db.js';
import { splitByPrompt } from './label-split.js';
import { loadLabelReward, readStudioCard, rewardModelDir } from './reward-model.js';

const GOLD_REFERENCE = {
  name: 'gold',
  description: 'the strict gold evaluator, partial credit — the reference the Studio model is read against',
  reward: [{ kind: 'shapes_gold', options: { mode: 'strict', total: 'partial', dense: false } }],
};

/** Held-out pairs with their Shapes prompt structure (the gold reference needs it) when the text is a Shapes prompt. */
function auditPairs(pairs: readonly PreferencePair[]): AuditPair[] {
  const index = new Map<string, ShapesPrompt>(CATEGORIES.flatMap((c) => enumeratePrompts(c).map((p) => [p.text, p] as const)));
  return pairs.map((p) => {
    const shapes = index.get(p.prompt.text);
    return { prompt: shapes ? { text: p.prompt.text, shapes } : { text: p.prompt.text }, chosen: p.chosen, rejected: p.rejected, kind: 'label' };
  });
}

/** Audits Studio reward model `name` on its card's held-out labels; returns the report (also written beside it). */
export async function auditLabelReward(db: LabelDb, name: string, log: (m: string) => void = () => {}): Promise<AuditReport> {
  const dir = rewardModelDir(db, name);
  const card = readStudioCard(db, name);
  const { heldOut } = splitByPrompt(loadPreferencePairs(db.file), card.heldOut.fraction, card.heldOut.splitSeed);
  if (heldOut.length === 0) throw new Error(`refract studio: reward model ${name} must have held-out labels to audit, got none — train it again`);
  const config = parseAuditConfig({ seed: 0, out: dir, preferences: { source: 'file', path: db.file }, rewards: [GOLD_REFERENCE] });
  const run = await runAudit(config, {
    pairs: auditPairs(heldOut),
    pairsSource: card.heldOut.source,
    extraRewards: [{ name, description: `Studio Bradley–Terry ensemble (${card.members} members) on ${card.labels} labelled pairs`, build: () => loadLabelReward(db, name) }],
    onStatus: log,
  });
  writeAuditOutputs(run, dir);
  return run.report;
}
