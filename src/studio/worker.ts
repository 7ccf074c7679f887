// The Studio's worker process (./jobs.ts): `node worker.js '<job spec JSON>'`. It trains a reward model on the labels
// or runs a post-training run with one, printing one JSON object per line for the server. Errors end it with exit
// code 1 and their one-line message on stderr (the server shows it in the job's log).
import path from 'node:path';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { parseRunConfig } from '../train/config.js';
import { runTraining } from '../train/trainer.js';
import { LabelDb } from './label-db.js';
import type { JobSpec } from './jobs.js';
import { resolveInside } from './paths.js';
import { loadLabelReward, trainLabelReward } from './reward-model.js';
import { launchConfigFile } from './launch-check.js';
import { auditLabelReward } from './audit-card.js';

const say = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

/**
 * The hacking monitor a Studio run gets when its config names none: warnings when diversity or colour saturation of
 * the evaluation images fall below 0.8× the base's (the signature of DESIGN §3's hacks), which appear as alarms on
 * the run page.
 */
export const STUDIO_MONITOR = {
  warmup: 1,
  rules: [
    { kind: 'below', signal: 'diversity', value: 0.8, unit: 'initial_ratio', action: { kind: 'warn' } },
    { kind: 'below', signal: 'saturation', value: 0.8, unit: 'initial_ratio', action: { kind: 'warn' } },
  ],
};

async function main(spec: JobSpec & { runsDir: string }): Promise<void> {
  torch.setNumThreads(Number(process.env['REFRACT_THREADS'] ?? 1));
  const db = LabelDb.open(path.join(spec.runsDir, 'studio'));
  try {
    if (spec.kind === 'reward-model') {
      const { kind: _k, name, runsDir: _r, ...opts } = spec;
      const card = await trainLabelReward(db, name, opts, (message) => say({ type: 'log', message }));
      say({ type: 'result', result: card });
      return;
    }
    if (spec.kind === 'audit') {
      const report = await auditLabelReward(db, spec.rewardModel, (message) => say({ type: 'log', message }));
      say({ type: 'result', result: { ranking: report.ranking, passed: report.cards.map((c) => [c.name, c.passed]) } });
      return;
    }
    const raw = YAML.parse(readFileSync(launchConfigFile(spec.runsDir, spec.config), 'utf8')) as Record<string, unknown>;
    const out = resolveInside(spec.runsDir, spec.out);
    const config = parseRunConfig({
      ...raw,
      out,
      ...(spec.iterations !== undefined ? { iterations: spec.iterations } : {}),
      monitor: raw['monitor'] ?? STUDIO_MONITOR,
    }, 'refract studio');
    const reward = loadLabelReward(db, spec.rewardModel, { pessimism: spec.pessimism ?? 0 });
    const objective = reward.pessimism > 0 ? ` (conservative: mean − ${reward.pessimism}·std over its members)` : '';
    say({ type: 'log', message: `post-training with reward model ${spec.rewardModel}${objective} into ${spec.out}` });
    const result = await runTraining(config, {
      reward,
      onStep: (iteration) => say({ type: 'progress', iteration, of: config.iterations }),
      onMonitorAction: (it, name, a, outcome) => say({ type: 'log', message: `monitor ${name} at iteration ${it}: ${a.kind} — ${a.reason} → ${outcome}` }),
    });
    say({ type: 'result', result: { runId: result.runId, status: result.status, lastIteration: result.lastIteration, out: spec.out } });
  } finally {
    db.close();
  }
}

try {
  await main(JSON.parse(process.argv[2] ?? '{}') as JobSpec & { runsDir: string });
} catch (err) {
  process.stderr.write(`${(err as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
