// What a post-training launch names, checked before a worker starts: the run config (inside the runs folder, or one
// of the package's configs/) and a reward model trained in this Studio. A bad name fails the request (400/404) or the
// command (exit 2) instead of a worker that dies a second later.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LabelDb } from './label-db.js';
import { resolveInside } from './paths.js';
import { rewardModelDir } from './reward-model.js';
import { STUDIO_CARD_FILE } from './runs-index.js';
import { PACKAGE_ROOT } from './web-bundle.js';

export class LaunchError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The config file `name` names: inside the runs folder first, then under the package's configs/. */
export function launchConfigFile(runsDir: string, name: string): string {
  const inRuns = resolveInside(runsDir, name);
  if (existsSync(inRuns)) return inRuns;
  const shipped = resolveInside(path.join(PACKAGE_ROOT, 'configs'), name);
  if (existsSync(shipped)) return shipped;
  throw new LaunchError(404, `config must name a run config inside the runs folder or under configs/, got ${JSON.stringify(name)} (no such file) — e.g. grpo-shapes.yaml`);
}

export function checkLaunch(runsDir: string, db: LabelDb, spec: { config: string; rewardModel: string }): void {
  launchConfigFile(runsDir, spec.config);
  checkRewardModel(db, spec.rewardModel);
}

/** `name` is a reward model trained in this Studio (a launch or an audit names one). */
export function checkRewardModel(db: LabelDb, name: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !existsSync(path.join(rewardModelDir(db, name), STUDIO_CARD_FILE))) {
    throw new LaunchError(404, `reward model must be one trained in this Studio, got ${JSON.stringify(name)} — train one first (refract studio reward-model)`);
  }
}
