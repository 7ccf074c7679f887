// The tiny TorchScript generator's Python-computed reference values (test/fixtures/make_script_generator.py).
import { readFileSync } from 'node:fs';
import { fixture } from './files.js';

export interface GeneratorFixture {
  x: number[];
  t: number[];
  tokens: number[];
  w: number[];
  output: number[];
  grads: Record<string, number[]>;
  inputGrad: number[];
  stateDict: string[];
  parameters: string[];
}

export const generatorFixture = (): GeneratorFixture => JSON.parse(readFileSync(fixture('tiny_generator.json'), 'utf8')) as GeneratorFixture;
