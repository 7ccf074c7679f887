// A generator trained in PyTorch and exported with torch.jit.script/trace, as a Refract policy (issue #15).
// Its parameters are registered (./parameter-tree.ts) so every algorithm trains them like a Refract model's; its
// forward is translated to the flow velocity the samplers need (./parameterisation.ts); a deep copy is the frozen
// KL reference; `saveArchives` writes the post-trained module back as TorchScript that Python's torch.jit.load reads.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../torch/index.js';
import { ScriptModule, setJitOptimize, type Tensor } from '../../torch/index.js';
import { Module } from '../../torch/nn/module.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import type { ImagePolicy, PolicyCondition, PolicyDenoiser, ScriptCondition } from '../image-policy.js';
import type { ScriptGeneratorConfig } from './config.js';
import { ddpmAlphasCumprod, networkFrame, velocityOfOutput } from './parameterisation.js';
import { ParameterTree, globToRegExp, registerScriptTensors } from './parameter-tree.js';
import { probeGenerator, scriptFailure } from './probe.js';

/** The file names a saved generator folder uses for its archives. */
export const GENERATOR_ARCHIVE = 'generator.pt';
export const ENCODER_ARCHIVE = 'encoder.pt';

export class ScriptGenerator extends Module implements ImagePolicy {
  readonly config: ScriptGeneratorConfig;
  /** The frozen embedding module's parameters (conditioning `embedding`), else empty; never in the state dict. */
  readonly encoder: Module;
  readonly vocabulary: WordVocabulary;
  readonly #script: ScriptModule;
  readonly #encoderScript: ScriptModule | null;
  readonly #alphasCumprod: number[] | null;

  private constructor(config: ScriptGeneratorConfig, script: ScriptModule, encoderScript: ScriptModule | null) {
    super();
    this.config = config;
    this.#script = script;
    this.#encoderScript = encoderScript;
    this.vocabulary = SHAPES_VOCABULARY;
    this.#alphasCumprod = config.time.kind === 'timestep' ? ddpmAlphasCumprod(config.time) : null;
    registerScriptTensors(this, script.namedParameters(), script.namedBuffers());
    this.encoder = new ParameterTree();
    if (encoderScript) registerScriptTensors(this.encoder, encoderScript.namedParameters(), new Map());
    this.encoder.requiresGrad_(false);
  }

  /**
   * Loads `config.file` (and the encoder) from `folder`, registers the parameters as trainable (only those matching
   * `config.train` when given), and probes forward with a dummy batch: a wrong signature, dtype, shape or condition
   * fails here with one line naming the config field. `where` prefixes messages ("refract train").
   */
  static load(folder: string, config: ScriptGeneratorConfig, where = 'refract'): ScriptGenerator {
    // Op-by-op execution: replaying a trajectory must recompute its log-probs bit for bit (DESIGN §2).
    setJitOptimize(false);
    const script = loadArchive(folder, config.file, 'file', where);
    let encoder: ScriptModule | null = null;
    try {
      if (config.conditioning.kind === 'embedding') encoder = loadArchive(folder, config.conditioning.encoder, 'conditioning.encoder', where);
      const model = new ScriptGenerator(config, script, encoder);
      try {
        model.#freezeByPattern(where);
        probeGenerator(model, script, where);
      } catch (err) {
        model.dispose();
        throw err;
      }
      return model;
    } catch (err) {
      script.dispose();
      encoder?.dispose();
      throw err;
    }
  }

  #freezeByPattern(where: string): void {
    if (this.config.train.length === 0) return;
    const patterns = this.config.train.map(globToRegExp);
    let matched = 0;
    for (const [name, p] of this.namedParameters()) {
      const trains = patterns.some((r) => r.test(name));
      p.requiresGrad_(trains);
      if (trains) matched++;
    }
    if (matched === 0) {
      const names = this.namedParameters().slice(0, 6).map(([n]) => n);
      throw scriptFailure(where, 'train', `patterns matching some parameter (e.g. ${names.join(', ')})`, JSON.stringify(this.config.train), 'use * for any run of characters, as in "*.attn.*"');
    }
  }

  /** One sample's shape [C, H, W]. */
  get sampleShape(): number[] {
    return [...this.config.sampleShape];
  }

  /** tokens [B, L] int64 → the tensor forward takes third. */
  encode(tokens: Tensor): ScriptCondition {
    const c = this.config.conditioning;
    if (c.kind === 'tokens') return { input: tokens.long() };
    if (c.kind === 'class') return { input: this.#classIds(tokens, c.classes, c.nullClass) };
    const encoder = this.#encoderScript!;
    return { input: torch.noGrad(() => encoder.forwardTensor(tokens.long())) };
  }

  encodeNull(batch: number, length: number): ScriptCondition {
    return torch.scope(() => this.encode(torch.zeros([batch, length], { dtype: 'int64' })));
  }

  #classIds(tokens: Tensor, classes: readonly string[], nullClass: number): Tensor {
    const [b, l] = tokens.shape as [number, number];
    const ids = torch.scope(() => tokens.toArray());
    const out = Array.from({ length: b }, (_, i) => {
      const text = this.vocabulary.detokenize(ids.slice(i * l, (i + 1) * l));
      if (text === '') return nullClass;
      const k = classes.indexOf(text);
      if (k < 0) throw new Error(`refract: prompt must be one of conditioning.classes [${classes.join(', ')}], got "${text}" — add it to the list`);
      return k;
    });
    return torch.tensor(out, { dtype: 'int64' });
  }

  /** The flow velocity at (x_σ, σ): the network run in its own frame, its output converted (./parameterisation.ts). */
  predict(x: Tensor, t: Tensor, cond: PolicyCondition): Tensor {
    if (!('input' in cond)) {
      throw new Error('refract ScriptGenerator: cond must come from this generator\'s encode(), got a Refract prompt encoder\'s — encode the prompts with the model you sample');
    }
    const sigmas = torch.scope(() => t.toArray());
    const frame = networkFrame(sigmas, this.config.time, this.#alphasCumprod);
    return torch.scope(() => {
      const z = frame.s.every((s) => s === 1) ? x : x.div(torch.tensor(frame.s, { dtype: x.dtype }).reshape([sigmas.length, ...x.shape.slice(1).map(() => 1)]));
      const time = torch.tensor(frame.time, { dtype: 'float32' });
      const y = this.#script.forwardTensor(z, time, cond.input);
      return velocityOfOutput(y, z, frame, this.config.prediction, this.config.time.kind);
    });
  }

  forward(x: Tensor, t: Tensor, tokens: Tensor): Tensor {
    return torch.scope(() => this.predict(x, t, this.encode(tokens)));
  }

  denoiser(): PolicyDenoiser {
    return (x, t, cond) => this.predict(x, t, cond);
  }

  /** Train/eval mode here and in the TorchScript module (its dropout and norms read it). */
  override train(mode = true): this {
    super.train(mode);
    this.#script.train(mode);
    this.#encoderScript?.train(false);
    return this;
  }

  /** A deep copy (no storage shared), frozen and in eval mode: the KL / DPO reference. */
  frozenCopy(): ScriptGenerator {
    const copy = new ScriptGenerator(this.config, this.#script.clone(), this.#encoderScript?.clone() ?? null);
    copy.requiresGrad_(false);
    copy.eval();
    return copy;
  }

  /** Runs a method of the underlying TorchScript module (tests, Python round trips). */
  get script(): ScriptModule {
    return this.#script;
  }

  /**
   * Writes the module with its current weights as `dir/generator.pt` (torch.jit.save: Python's torch.jit.load reads
   * it) and the encoder beside it; returns the config that names them.
   */
  saveArchives(dir: string): ScriptGeneratorConfig {
    this.#script.save(path.join(dir, GENERATOR_ARCHIVE));
    const c = this.config.conditioning;
    if (c.kind === 'embedding') this.#encoderScript!.save(path.join(dir, ENCODER_ARCHIVE));
    return { ...this.config, file: GENERATOR_ARCHIVE, ...(c.kind === 'embedding' ? { conditioning: { ...c, encoder: ENCODER_ARCHIVE } } : {}) };
  }

  override dispose(): void {
    super.dispose();
    this.encoder.dispose();
    this.#script.dispose();
    this.#encoderScript?.dispose();
  }
}

function loadArchive(folder: string, file: string, field: string, where: string): ScriptModule {
  const full = path.resolve(folder, file);
  if (!existsSync(full)) {
    throw scriptFailure(where, field, 'a TorchScript file in the model folder', `"${file}" (no such file in ${folder})`, 'export the model with torch.jit.save and put it beside config.json');
  }
  try {
    return ScriptModule.load(full);
  } catch (err) {
    throw scriptFailure(where, field, 'a TorchScript archive', `"${file}" (${(err as Error).message.split('\n')[0]})`, 'save it with torch.jit.save(torch.jit.script(model), path)');
  }
}
