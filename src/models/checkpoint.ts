// Checkpoints of the generator networks: a folder holding `model.safetensors` (the state dict, float32 or float16)
// and `config.json` (format version, model kind, the full architecture config, and caller metadata). Loading
// validates the config with the architecture's schema before building anything, then loads the weights strictly
// (every key present, no key extra, shapes equal), so a checkpoint loads into exactly the network that wrote it.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.js';
import { loadSafetensors, saveStateDict } from '../torch/safetensors.js';
import { quoteValue } from '../config/errors.js';
import { TextToImageModel, parseTextToImageConfig } from './text-to-image.js';
import { TextToVideoModel, parseTextToVideoConfig } from './text-to-video.js';
import { ScriptGenerator } from './torchscript/generator.js';
import { parseScriptGeneratorConfig } from './torchscript/config.js';
import type { ImagePolicy } from './image-policy.js';

export const CHECKPOINT_FORMAT = 'refract.checkpoint';
export const CHECKPOINT_VERSION = 1;
export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/** The model kinds a checkpoint can hold: a typed registry, not string dispatch spread over the code. */
// A 'torchscript-generator' folder (issue #15) holds the TorchScript archive(s) its config names; its
// model.safetensors is optional (a folder a user writes by hand has only the archive, whose weights are then used).
const KINDS = {
  'text-to-image': {
    build: (raw: unknown, where: string, _dir: string) => new TextToImageModel(parseTextToImageConfig(raw, where)),
    is: (m: unknown): m is TextToImageModel => m instanceof TextToImageModel,
    weightsOptional: false,
  },
  'text-to-video': {
    build: (raw: unknown, where: string, _dir: string) => new TextToVideoModel(parseTextToVideoConfig(raw, where)),
    is: (m: unknown): m is TextToVideoModel => m instanceof TextToVideoModel,
    weightsOptional: false,
  },
  'torchscript-generator': {
    build: (raw: unknown, where: string, dir: string) => ScriptGenerator.load(dir, parseScriptGeneratorConfig(raw, where), where),
    is: (m: unknown): m is ScriptGenerator => m instanceof ScriptGenerator,
    weightsOptional: true,
  },
} as const;

export type CheckpointKind = keyof typeof KINDS;
export type CheckpointModel = TextToImageModel | TextToVideoModel | ScriptGenerator;

export type LoadedCheckpoint =
  | { kind: 'text-to-image'; model: TextToImageModel; extra: Record<string, JsonValue> }
  | { kind: 'text-to-video'; model: TextToVideoModel; extra: Record<string, JsonValue> }
  | { kind: 'torchscript-generator'; model: ScriptGenerator; extra: Record<string, JsonValue> };

/** An image policy as a model a checkpoint can hold (every ImagePolicy Refract builds is one). */
export function asCheckpointModel(policy: ImagePolicy): CheckpointModel {
  if (policy instanceof TextToImageModel || policy instanceof ScriptGenerator) return policy;
  throw new Error(`refract saveCheckpoint: model must be a TextToImageModel or a ScriptGenerator, got ${policy.constructor.name}`);
}

/** The image policies a checkpoint folder can hold: Refract's text-to-image model or a TorchScript generator. */
export function loadImagePolicy(dir: string, where = 'refract'): { model: TextToImageModel | ScriptGenerator; kind: CheckpointKind; extra: Record<string, JsonValue> } {
  const ck = loadCheckpoint(dir);
  if (ck.kind === 'text-to-video') {
    ck.model.dispose();
    throw new Error(`${where}: ${dir} must hold an image model, got a text-to-video checkpoint — use an image checkpoint`);
  }
  return ck;
}

export interface SaveCheckpointOptions {
  /** Weights dtype on disk; 'float16' halves the file (loading converts back to float32). Default 'float32'. */
  dtype?: 'float32' | 'float16';
}

/** What config.json holds. */
interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: CheckpointKind;
  config: unknown;
  weights: { file: string; dtype: 'float32' | 'float16'; parameters: number };
  extra: Record<string, JsonValue>;
  createdAt: string;
}

function kindOf(model: CheckpointModel): CheckpointKind {
  for (const k of Object.keys(KINDS) as CheckpointKind[]) if (KINDS[k].is(model)) return k;
  throw new Error(
    `refract saveCheckpoint: model must be one of ${Object.keys(KINDS).join(', ')}, got ${model.constructor.name}`,
  );
}

/**
 * Writes `dir/model.safetensors` and `dir/config.json` (creating `dir`). The architecture config comes from
 * `model.config`, so it cannot disagree with the weights; `extra` is free metadata (step, data, notes).
 * Each file is replaced atomically (temp file + rename); config.json is written last.
 */
export function saveCheckpoint(
  dir: string,
  model: CheckpointModel,
  extra: Record<string, JsonValue> = {},
  opts: SaveCheckpointOptions = {},
): void {
  const kind = kindOf(model);
  const dtype = opts.dtype ?? 'float32';
  mkdirSync(dir, { recursive: true });
  const config = model instanceof ScriptGenerator ? model.saveArchives(dir) : model.config;
  torch.scope(() => {
    const sd = model.stateDict();
    saveStateDict(path.join(dir, WEIGHTS_FILE), sd, { dtype, metadata: { refract_kind: kind } });
  });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind,
    config,
    weights: { file: WEIGHTS_FILE, dtype, parameters: model.numParameters().total },
    extra,
    createdAt: new Date().toISOString(),
  };
  const file = path.join(dir, CONFIG_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temp, file);
}

/** Reads a checkpoint folder written by saveCheckpoint into a new model (in training mode, float32). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const file = path.join(dir, CONFIG_FILE);
  const where = `refract loadCheckpoint (${file})`;
  const m = readManifest(file, where);
  const weights = path.join(dir, WEIGHTS_FILE);
  const hasWeights = existsSync(weights);
  if (!hasWeights && !KINDS[m.kind].weightsOptional)
    throw new Error(`${where}: ${weights} must exist, got no such file — copy the whole checkpoint folder`);
  const model = KINDS[m.kind].build(m.config, `${where} field "config"`, dir);
  try {
    if (hasWeights) loadWeights(model, weights);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { kind: m.kind, model, extra: m.extra } as LoadedCheckpoint;
}

/**
 * A checkpoint's kind, architecture config (as written, not yet validated by the architecture's schema) and free
 * metadata, read from config.json without loading the weights.
 */
export function readCheckpointMetadata(dir: string): {
  kind: CheckpointKind;
  config: unknown;
  extra: Record<string, JsonValue>;
} {
  const file = path.join(dir, CONFIG_FILE);
  const m = readManifest(file, `refract readCheckpointMetadata (${file})`);
  return { kind: m.kind, config: m.config, extra: m.extra };
}

/** loadCheckpoint, requiring a text-to-image model. */
export function loadTextToImageCheckpoint(dir: string): TextToImageModel {
  const c = loadCheckpoint(dir);
  if (c.kind !== 'text-to-image') {
    c.model.dispose();
    throw new Error(
      `refract loadCheckpoint (${dir}): kind must be "text-to-image", got "${c.kind}" — load it with loadCheckpoint`,
    );
  }
  return c.model;
}

function readManifest(file: string, where: string): CheckpointManifest {
  if (!existsSync(file))
    throw new Error(`${where}: ${CONFIG_FILE} must exist, got no such file — is this a checkpoint folder?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${where}: file must be valid JSON, got ${(err as Error).message}`);
  }
  const fail = (field: string, must: string, got: unknown): never => {
    throw new Error(`${where}: field "${field}" must be ${must}, got ${got === undefined ? 'nothing' : quoteValue(got)}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('(top level)', 'an object', raw);
  const r = raw as Record<string, unknown>;
  if (r.format !== CHECKPOINT_FORMAT) fail('format', `"${CHECKPOINT_FORMAT}"`, r.format);
  if (r.version !== CHECKPOINT_VERSION) fail('version', `${CHECKPOINT_VERSION} (this build's format)`, r.version);
  if (typeof r.kind !== 'string' || !Object.hasOwn(KINDS, r.kind)) fail('kind', `one of ${Object.keys(KINDS).join(', ')}`, r.kind);
  const w = r.weights as Record<string, unknown> | undefined;
  if (w?.dtype !== 'float32' && w?.dtype !== 'float16') fail('weights.dtype', '"float32" or "float16"', w?.dtype);
  const extra = r.extra ?? {};
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) fail('extra', 'an object', extra);
  return { ...(r as unknown as CheckpointManifest), extra: extra as Record<string, JsonValue> };
}

/** Loads the safetensors file into `model` strictly, converting half-precision weights back to float32. */
function loadWeights(model: CheckpointModel, file: string): void {
  const { tensors } = loadSafetensors(file);
  try {
    torch.scope(() => {
      const sd = new Map([...tensors].map(([k, t]) => [k, t.dtype === 'float32' ? t : t.to('float32')]));
      try {
        model.loadStateDict(sd, { strict: true });
      } catch (err) {
        throw new Error(`refract loadCheckpoint (${file}): ${(err as Error).message}`);
      }
    });
  } finally {
    torch.disposeAll(tensors);
  }
}
