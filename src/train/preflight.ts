// Everything about a run that can be checked before anything is written (issue #12: validate before writing): the
// run folder's state (fresh, or a run to resume with its store), that the prompts the run will draw can be encoded
// by the base's tokenizer, and that an offline DPO preference file's prompts can too. A failed check throws a
// ConfigError (exit 2 from the CLI) or a one-line Error; either way the run folder is left as it was.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.js';
import { quoteValue } from '../config/errors.js';
import { Rng, deriveSeed } from '../data/rng.js';
import { SHAPES_VOCABULARY } from '../data/shapes/vocab.js';
import type { WordVocabulary } from '../data/vocabulary.js';
import type { PromptSource } from '../algorithms/algorithm.js';
import { preferencePrompts } from '../store/preference-pairs.js';
import type { RunConfig } from './config.js';
import { checkpointDir, latestRunCheckpoint } from './run-checkpoint.js';

export const RUN_STORE_FILE = 'runs.sqlite';

/** Prompts drawn from the source to check its vocabulary (the grammars are small: a few hundred draws cover them). */
export const PREFLIGHT_DRAWS = 400;

/**
 * The iteration of the checkpoint a resume continues from (null: a fresh run). Refuses a folder holding a run
 * without --resume, and a resume whose store is missing.
 */
export function checkRunFolder(config: Readonly<RunConfig>, resume: boolean): number | null {
  const latest = latestRunCheckpoint(checkpointDir(config.out));
  if (latest !== null && !resume) {
    throw new ConfigError('refract train', [
      `out must be a fresh folder or a run to resume, got ${quoteValue(config.out)} which holds a run (checkpoint at iteration ${latest}) — pass --resume, or set another out`,
    ]);
  }
  const store = path.join(config.out, RUN_STORE_FILE);
  if (latest !== null && !existsSync(store)) {
    throw new Error(
      `refract train: ${store} must exist to resume the run in ${config.out} (checkpoint at iteration ${latest}), got no such file — restore it, or start a new run in another out folder`,
    );
  }
  return latest;
}

/**
 * Every prompt of `PREFLIGHT_DRAWS` seeded draws from the run's source must be encodable by the policy's tokenizer
 * (`vocabulary`; undefined is the Shapes vocabulary): known words, at most maxTokens of them.
 */
export function checkPromptSource(source: PromptSource, vocabulary: WordVocabulary | undefined, config: Readonly<RunConfig>): void {
  const vocab = vocabulary ?? SHAPES_VOCABULARY;
  const rng = new Rng(deriveSeed(config.seed, 0, 0x9f1));
  for (let i = 0; i < PREFLIGHT_DRAWS; i++) {
    const problem = promptProblem(source.sample(rng).text, vocab);
    if (problem !== null) {
      throw new ConfigError('refract train', [
        `field "prompts" must draw prompts the base's ${vocab.name} tokenizer knows, got ${problem} from the ${source.name} source — ` +
          `use a base trained on ${source.name} prompts, or set prompts.source to match ${quoteValue(config.base)}`,
      ]);
    }
  }
}

/** Offline DPO from a preferences file: every prompt in it must be encodable (read before any pair is trained on). */
export function checkPreferenceFile(config: Readonly<RunConfig>, vocabulary: WordVocabulary | undefined): void {
  const source = config.algorithm === 'dpo' && config.dpo.mode === 'offline' ? config.dpo.offline.source : null;
  if (source === null || source.kind !== 'file') return;
  const vocab = vocabulary ?? SHAPES_VOCABULARY;
  preferencePrompts(source.path).forEach((text, i) => {
    const problem = promptProblem(text, vocab);
    if (problem !== null) {
      throw new ConfigError('refract train', [
        `field "dpo.offline.source.path" must name preferences whose prompts the base's ${vocab.name} tokenizer knows, got ${problem} in preference ${i + 1} of ${quoteValue(source.path)} — fix or remove that line`,
      ]);
    }
  });
}

/** Why `text` cannot be tokenized (a phrase for a message), or null. */
export function promptProblem(text: string, vocab: WordVocabulary): string | null {
  const words = vocab.split(text);
  if (words.length === 0) return `the empty prompt ${quoteValue(text)}`;
  if (words.length > vocab.maxTokens) return `a prompt of ${words.length} words (at most ${vocab.maxTokens}): ${quoteValue(text)}`;
  const unknown = vocab.unknownWords(text);
  if (unknown.length > 0) return `unknown word ${quoteValue(unknown[0], 40)} in ${quoteValue(text)}`;
  return null;
}
