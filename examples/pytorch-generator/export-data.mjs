// Writes Shapes-world training pairs (rendered images + prompt token ids) for train.py.
// Run from the repository root after `npx tsc -p tsconfig.json`:
//   node examples/pytorch-generator/export-data.mjs /tmp/shapes-pairs 40000 [seed]
import { writeShapesPairs } from '../../dist/src/data/shapes/pairs-file.js';

const [stem, count, seed] = process.argv.slice(2);
if (!stem || !count) {
  console.error('usage: node examples/pytorch-generator/export-data.mjs <stem> <count> [seed]');
  process.exit(2);
}
const header = writeShapesPairs(stem, Number(count), Number(seed ?? 0));
console.log(`wrote ${header.count} pairs ${header.imageShape.join('×')} + ${header.maxTokens} tokens to ${stem}.{json,images.u8,tokens.i32}`);
