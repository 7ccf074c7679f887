// Handing a post-trained generator back to PyTorch (issue #15): after an optimizer step in Refract, the saved
// checkpoint's generator.pt (torch.jit.load) and its model.safetensors (load_state_dict, strict) reproduce Refract's
// outputs in Python PyTorch (examples/pytorch-generator/reproduce.py). Skips where /usr/bin/python3 lacks torch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../../src/torch/index.js';
import { AdamW } from '../../../src/torch/optim/index.js';
import { saveCheckpoint } from '../../../src/models/checkpoint.js';
import { tempDir } from '../../torch/files.js';
import { tinyGenerator } from './fixtures.js';

const PYTHON = '/usr/bin/python3';

/** Why Python cannot run the check, or null when it can. */
export function pythonTorchMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} has no torch (${(r.stderr ?? '').trim().split('\n').pop()})`;
}

/** examples/pytorch-generator/reproduce.py, from test/… (source) or dist/test/… (compiled). */
export function reproduceScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../examples', '../../../../examples']) {
    const p = path.resolve(here, up, 'pytorch-generator', 'reproduce.py');
    if (existsSync(p)) return p;
  }
  throw new Error('examples/pytorch-generator/reproduce.py is missing');
}

test('Python loads the post-trained archive and state dict and reproduces Refract\'s outputs', (t) => {
  const missing = pythonTorchMissing();
  if (missing) {
    t.skip(`${missing}: the Python round trip is optional`);
    return;
  }
  const tmp = tempDir();
  try {
    using g = tinyGenerator();
    const opt = new AdamW(g.parameters(), { lr: 0.05 });
    torch.scope(() => {
      const x = torch.randn([4, 3, 8, 8], { generator: new torch.Generator(3) });
      const tokens = torch.tensor([2, 25, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0], { dtype: 'int64' }).reshape([1, 12]).expand([4, 12]).contiguous();
      const sigma = torch.tensor([0.1, 0.4, 0.7, 1.0]);
      g.forward(x, sigma, tokens).square().mean().backward();
      opt.step();
      const out = torch.noGrad(() => g.script.forwardTensor(x, sigma, tokens));
      const dir = path.join(tmp.dir, 'final');
      saveCheckpoint(dir, g);
      const cases = path.join(tmp.dir, 'cases.json');
      writeFileSync(cases, JSON.stringify({ x: x.toArray(), t: sigma.toArray(), tokens: tokens.toArray(), xShape: x.shape, tokensShape: tokens.shape, output: out.toArray(), tolerance: 1e-5 }));
      const r = spawnSync(PYTHON, [reproduceScript(), dir, cases], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
      assert.equal(r.status, 0, `reproduce.py failed: ${r.stdout}${r.stderr}`);
      const result = JSON.parse(r.stdout) as { ok: boolean; archiveMaxAbsDiff: number; stateDictMaxAbsDiff: number; keys: number };
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.keys, g.stateDict().size);
    });
  } finally {
    tmp.cleanup();
  }
});
