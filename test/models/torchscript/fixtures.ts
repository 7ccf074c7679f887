// Generator folders for tests: the committed tiny TorchScript generator (test/fixtures/make_script_generator.py)
// with a config.json naming it, as a user would write one.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, tempDir } from '../../torch/files.js';
import { ScriptGenerator } from '../../../src/models/torchscript/generator.js';
import { parseScriptGeneratorConfig } from '../../../src/models/torchscript/config.js';

/** The generator config of tiny_generator.pt: velocity, σ, tokens, 3×8×8, plus `overrides`. */
export function tinyGeneratorConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { file: 'generator.pt', prediction: 'velocity', time: { kind: 'sigma' }, conditioning: { kind: 'tokens' }, sampleShape: [3, 8, 8], ...overrides };
}

/** A temp folder holding `archive` (a fixture) as generator.pt and config.json (kind torchscript-generator). */
export function generatorFolder(config: Record<string, unknown> = tinyGeneratorConfig(), archive = 'tiny_generator.pt'): { dir: string; cleanup: () => void } {
  const tmp = tempDir();
  copyFileSync(fixture(archive), path.join(tmp.dir, String(config.file ?? 'generator.pt')));
  const manifest = { format: 'refract.checkpoint', version: 1, kind: 'torchscript-generator', config, weights: { file: 'model.safetensors', dtype: 'float32', parameters: 0 }, extra: {} };
  writeFileSync(path.join(tmp.dir, 'config.json'), JSON.stringify(manifest));
  return tmp;
}

/** Loads tiny_generator.pt as a ScriptGenerator (no folder written: the archive is read in place). */
export function tinyGenerator(overrides: Record<string, unknown> = {}, archive = 'tiny_generator.pt'): ScriptGenerator {
  const config = parseScriptGeneratorConfig(tinyGeneratorConfig({ file: archive, ...overrides }));
  return ScriptGenerator.load(path.dirname(fixture(archive)), config, 'refract test');
}
