// Writes fixed inputs and Refract's outputs of a generator folder's network, for reproduce.py to check in Python.
// Run from the repository root after `npx tsc -p tsconfig.json`:
//   node examples/pytorch-generator/write-cases.mjs runs/byo-grpo/final /tmp/cases.json
//   /usr/bin/python3 examples/pytorch-generator/reproduce.py runs/byo-grpo/final /tmp/cases.json
import { writeFileSync } from 'node:fs';
import * as torch from '../../dist/src/torch/index.js';
import { loadCheckpoint } from '../../dist/src/models/checkpoint.js';
import { SHAPES_VOCABULARY } from '../../dist/src/data/shapes/vocab.js';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node examples/pytorch-generator/write-cases.mjs <generator folder> <cases.json>');
  process.exit(2);
}
torch.setNumThreads(1);
const { kind, model } = loadCheckpoint(dir);
if (kind !== 'torchscript-generator') {
  console.error(`write-cases: ${dir} must hold a torchscript-generator, got ${kind}`);
  process.exit(2);
}
const prompts = ['a red circle', 'two blue squares', 'a triangle to the left of a cross', ''];
torch.scope(() => {
  const g = new torch.Generator(123);
  const x = torch.randn([prompts.length, ...model.sampleShape], { generator: g });
  const sigma = torch.tensor([1.0, 0.7, 0.4, 0.1]);
  const tokens = SHAPES_VOCABULARY.tokenizeBatch(prompts);
  const output = torch.noGrad(() => model.script.forwardTensor(x, sigma, tokens));
  writeFileSync(out, JSON.stringify({ x: x.toArray(), t: sigma.toArray(), tokens: tokens.toArray(), xShape: x.shape, tokensShape: tokens.shape, output: output.toArray(), tolerance: 1e-4, prompts }));
  g.dispose();
});
model.dispose();
console.log(`wrote ${prompts.length} cases of ${dir} to ${out}`);
