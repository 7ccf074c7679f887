// Fine-tuning from a checkpoint (`init:` in a pretrain config, e.g. assets/base/shapes): the run's architecture and
// starting weights come from an exported model instead of the testbed's default and a random init. The config's
// `model:` section may only repeat the checkpoint's own values (so the file cannot claim an architecture the weights
// do not have), and the config's testbed must be the one the checkpoint was trained on (so the prompt vocabulary and
// the data the weights were fitted to match). A resumed run takes only the architecture from here: its weights come
// from its own training checkpoint (../loop.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.js';
import { CONFIG_FILE, loadCheckpoint, readCheckpointMetadata } from '../models/checkpoint.js';
import { testbedOfCheckpoint } from './testbeds/of-checkpoint.js';
import type { PretrainConfig } from './config.js';
import type { PretrainModel, TrainingTestbed } from './testbeds/index.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface FieldDifference {
  field: string;
  expected: unknown;
  got: unknown;
}

/** The first field (dotted path from `field`) where `over` gives a value other than `base`'s; null when none. */
export function firstDifference(over: unknown, base: unknown, field: string): FieldDifference | null {
  if (isPlainObject(over) && isPlainObject(base)) {
    for (const [k, v] of Object.entries(over)) {
      const d = firstDifference(v, base[k], `${field}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return JSON.stringify(over) === JSON.stringify(base) ? null : { field, expected: base, got: over };
}

/**
 * The architecture config of a run with `init` set: the checkpoint's own, after checking that the checkpoint exists,
 * was trained on `testbed`, and that every field of the config's `model:` section equals the checkpoint's value.
 * Reads config.json only (no weights).
 */
export function initModelConfig(config: Readonly<PretrainConfig>, testbed: TrainingTestbed): unknown {
  const dir = config.init;
  if (dir === undefined) throw new Error('refract pretrain: initModelConfig needs config.init — check it first');
  if (!existsSync(path.join(dir, CONFIG_FILE))) {
    throw new Error(
      `refract pretrain: init must be a checkpoint folder (${CONFIG_FILE} + model.safetensors), got "${dir}" — ` +
        'point init at an exported model such as assets/base/shapes, or remove it to train from scratch',
    );
  }
  const { kind, config: architecture, extra } = readCheckpointMetadata(dir);
  if (kind === 'torchscript-generator') {
    throw new Error(`refract pretrain: init must be a Refract model checkpoint, got a TorchScript generator in "${dir}" — pretrain it in PyTorch, then post-train it with refract train`);
  }
  const recorded = testbedOfCheckpoint(kind, extra).name;
  if (recorded !== testbed.name) {
    throw new Error(
      `refract pretrain: testbed must match the init checkpoint (${dir} was trained on "${recorded}"), got ` +
        `"${testbed.name}" — set testbed: ${recorded}, or point init at a ${testbed.name} checkpoint`,
    );
  }
  const d = firstDifference(config.model, architecture, 'model');
  if (d !== null) {
    throw new Error(
      `refract pretrain: ${d.field} must be absent or equal the init checkpoint's value ` +
        `(${JSON.stringify(d.expected) ?? 'nothing'}), got ${JSON.stringify(d.got)} — with init set the ` +
        `architecture comes from ${dir}; remove the model section (or that field)`,
    );
  }
  return architecture;
}

/** Copies the init checkpoint's weights into `model` (strictly: same keys, same shapes; float16 files widen). */
export function loadInitWeights(model: PretrainModel, dir: string): void {
  const source = loadCheckpoint(dir).model;
  try {
    torch.scope(() => {
      model.loadStateDict(source.stateDict(), { strict: true });
    });
  } catch (err) {
    throw new Error(`refract pretrain: init (${dir}): ${(err as Error).message}`);
  } finally {
    source.dispose();
  }
}
