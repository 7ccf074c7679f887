// Loads the native addon (native/refract.cc) and gives it a typed face. Nothing above src/torch/ imports this.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { waitPolicyEnv } from './wait-policy.js';

/** An error raised by libtorch or by the binding: `op` names the operator, the message is libtorch's. */
export class TorchError extends Error {
  readonly op: string;
  constructor(message: string, op = 'torch') {
    super(`${op}: ${message}`);
    this.name = 'TorchError';
    this.op = op;
  }
}

export type NativeValue = number | boolean | string | null | undefined | NativeValue[];

export interface NativeStats {
  liveTensors: number;
  liveBytes: number;
  liveGenerators: number;
  liveModules: number;
  ops: number;
}

export interface NativeBinding {
  opResolve(name: string, overload: string): number;
  opSchema(id: number): string;
  opCall(id: number, ...args: NativeValue[]): unknown;
  opCallInplace(id: number, ...args: NativeValue[]): void;
  free(id: number): boolean;
  stats(): NativeStats;
  shape(id: number): number[];
  strides(id: number): number[];
  dtype(id: number): number;
  item(id: number): number | boolean;
  fromBytes(view: ArrayBufferView, shape: number[], dtype: number): number;
  toBytes(id: number): ArrayBuffer;
  requiresGrad(id: number): boolean;
  setRequiresGrad(id: number, value: boolean): void;
  isLeaf(id: number): boolean;
  grad(id: number): number | null;
  setGrad(id: number, grad: number | null): void;
  backward(outputs: number[], grads: (number | null)[], retainGraph: boolean | undefined, createGraph: boolean): void;
  autogradGrad(
    outputs: number[],
    inputs: number[],
    grads: (number | null)[],
    retainGraph: boolean | undefined,
    createGraph: boolean,
    allowUnused: boolean,
  ): (number | null)[];
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setDeterministic(on: boolean): void;
  getDeterministic(): boolean;
  manualSeed(seed: number): void;
  versions(): { torch: string; parallel: string };
  generatorNew(seed: number): number;
  generatorDefault(): number;
  generatorSeed(id: number, seed: number): void;
  generatorGetState(id: number): number;
  generatorSetState(id: number, state: number): void;
  generatorFree(id: number): boolean;
  jitLoad(file: string): number;
  jitCall(id: number, method: string, inputs: number[]): unknown;
  jitParameters(id: number): Record<string, number>;
  jitFree(id: number): boolean;
  jitTrain(id: number, mode: boolean): void;
  jitIsTraining(id: number): boolean;
  jitBuffers(id: number): Record<string, number>;
  jitClone(id: number): number;
  jitSave(id: number, file: string): void;
  jitSchema(id: number, method: string): { arguments: { name: string; type: string }[]; returns: string[] };
  jitSetOptimize(enabled: boolean): boolean;
  setErrorClass(ctor: new (message: string, op: string) => Error): void;
}

function addonPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/torch (tsx) or dist/src/torch (compiled): the build folder sits at the package root.
  for (const up of ['../..', '../../..']) {
    const candidate = path.resolve(here, up, 'build/Release/refract.node');
    if (existsSync(candidate)) return candidate;
  }
  throw new TorchError(
    'the native addon build/Release/refract.node is missing — run `npm run build:native` ' +
      '(needs libtorch: `apt-get install -y --no-install-recommends libtorch-dev`, or LIBTORCH=<folder>)',
    'refract',
  );
}

function load(): NativeBinding {
  const require = createRequire(import.meta.url);
  const file = addonPath();
  // libgomp reads its wait policy once, when libtorch loads it: a short spin on an idle machine, passive waiting
  // when the cores are shared (wait-policy.ts has the measurements).
  Object.assign(process.env, waitPolicyEnv(process.env, os.loadavg()[0]!, os.cpus().length));
  let binding: NativeBinding;
  try {
    binding = require(file) as NativeBinding;
  } catch (err) {
    throw new TorchError(
      `could not load ${file}: ${(err as Error).message} — is libtorch installed ` +
        '(`apt-get install -y --no-install-recommends libtorch-dev`) or LIBTORCH set to the folder it was built with?',
      'refract',
    );
  }
  binding.setErrorClass(TorchError);
  // Debian's libtorch runs one thread unless told; default to what the machine has, overridable by env.
  const threads = Number(process.env.REFRACT_THREADS ?? process.env.OMP_NUM_THREADS ?? 0);
  binding.setNumThreads(threads > 0 ? threads : Math.max(1, Math.min(os_cpus(), 8)));
  return binding;
}

function os_cpus(): number {
  const require = createRequire(import.meta.url);
  return (require('node:os') as typeof import('node:os')).availableParallelism();
}

export const native: NativeBinding = load();
