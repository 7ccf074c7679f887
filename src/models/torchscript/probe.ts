// Load-time checks of a brought generator (issue #15): its forward's signature, its weights' dtype, and one dummy
// forward on a batch of the configured shape and condition. Every failure is one line naming the config field to
// fix, before any training starts (STYLE §7).
import * as torch from '../../torch/index.js';
import type { ScriptModule, Tensor } from '../../torch/index.js';
import { ConfigError } from '../../config/load.js';
import type { ScriptGeneratorConfig } from './config.js';

/** The minimal surface the probe needs (avoids importing the generator class). */
interface Probed {
  readonly config: ScriptGeneratorConfig;
  namedParameters(): [string, Tensor][];
  encodeNull(batch: number, length: number): { input: Tensor };
  predict(x: Tensor, t: Tensor, cond: { input: Tensor }): Tensor;
  readonly vocabulary: { maxTokens: number };
}

/** `<where>: field "<field>" must be <must>, got <got> — <fix>` as a ConfigError (exit 2, no stack). */
export function scriptFailure(where: string, field: string, must: string, got: string, fix: string): ConfigError {
  return new ConfigError(where, [`field "${field}" must be ${must}, got ${got} — ${fix}`]);
}

/** Argument fields in forward's order, for messages. */
const ARGUMENT_FIELDS = ['sampleShape', 'time', 'conditioning'] as const;

export function probeGenerator(model: Probed, script: ScriptModule, where: string): void {
  checkSignature(script, model.config.file, where);
  for (const [name, p] of model.namedParameters()) {
    if (p.dtype !== 'float32') {
      throw scriptFailure(where, 'file', 'a module with float32 parameters', `${p.dtype} parameter "${name}" in ${model.config.file}`, 'export after model.float()');
    }
  }
  const shape = model.config.sampleShape;
  torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.zeros([2, ...shape]);
      const sigma = torch.tensor([0.5, 0.75]);
      let out: Tensor;
      try {
        const cond = model.encodeNull(2, model.vocabulary.maxTokens);
        out = model.predict(x, sigma, cond);
      } catch (err) {
        const reason = (err as Error).message.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
        throw scriptFailure(
          where,
          'sampleShape',
          `a shape ${model.config.file} accepts with the configured time and conditioning`,
          `[${shape.join(', ')}] (forward on a dummy batch failed: ${reason.slice(0, 240)})`,
          'set sampleShape to [C, H, W] of one training sample, and check time.kind and conditioning.kind',
        );
      }
      const want = [2, ...shape];
      if (out.shape.length !== want.length || out.shape.some((d, i) => d !== want[i])) {
        throw scriptFailure(where, 'sampleShape', `the shape forward returns ([B, C, H, W] = [${want.join(', ')}])`, `an output of shape [${out.shape.join(', ')}]`, 'the network must predict one value per input value');
      }
      if (out.dtype !== 'float32') {
        throw scriptFailure(where, 'prediction', 'a float32 tensor', `a ${out.dtype} output`, 'return float32 from forward');
      }
      if (!Number.isFinite(out.abs().sum().item())) {
        throw scriptFailure(where, 'prediction', 'finite on a zero input', 'NaN or Inf', 'check the exported weights');
      }
    }),
  );
}

function checkSignature(script: ScriptModule, file: string, where: string): void {
  let schema;
  try {
    schema = script.schema('forward');
  } catch {
    throw scriptFailure(where, 'file', 'a module with a forward method', `${file} without one`, 'export the denoiser module itself');
  }
  const args = schema.arguments;
  const shown = `forward(${args.map((a) => `${a.name}: ${a.type}`).join(', ')}) -> ${schema.returns.join(', ')}`;
  if (args.length !== 3) {
    throw scriptFailure(where, 'file', 'a module whose forward takes (x, time, condition)', shown, 'wrap the network so forward takes exactly these three tensors');
  }
  args.forEach((a, i) => {
    if (a.type !== 'Tensor') {
      throw scriptFailure(where, ARGUMENT_FIELDS[i]!, `passed as a Tensor (argument ${i + 1} of forward)`, `"${a.name}: ${a.type}" in ${shown}`, 'take a Tensor in the exported forward');
    }
  });
  if (schema.returns.length !== 1 || schema.returns[0] !== 'Tensor') {
    throw scriptFailure(where, 'prediction', 'one Tensor returned by forward', shown, 'return only the prediction tensor');
  }
}
