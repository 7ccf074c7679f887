// Layer forward values and default initialisation against Python PyTorch (fixture: test/fixtures/make_nn_ref.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import * as nn from '../../src/torch/nn/index.js';
import { assertClose } from '../helpers.js';
import { nnRef, fromJson, stateFromJson, type StateJson } from './nn-fixture.js';

type Tensor = torch.Tensor;

/** Loads the case's weights into `m`, runs `run` on its inputs in eval mode and compares with PyTorch's output. */
function checkLayer(name: string, m: nn.Module, run: (inputs: Tensor[], mask: Tensor | null) => Tensor): void {
  const c = nnRef().layers[name]!;
  torch.scope(() => {
    m.loadStateDict(stateFromJson(c.state));
    m.eval();
    const mask = c.mask ? torch.tensor(c.mask) : null;
    const y = torch.noGrad(() => run(c.inputs.map(fromJson), mask));
    assert.deepEqual(y.shape, c.output.shape, `${name}: output shape`);
    assertClose(y.toArray(), c.output.data, 1e-5, 1e-5, name);
  });
  m.dispose();
}

const unary = (m: nn.UnaryModule) => (xs: Tensor[]) => m.forward(xs[0]!);

test('Linear matches PyTorch', () => {
  const m = new nn.Linear(5, 3);
  checkLayer('linear', m, unary(m));
});

test('Conv1d (stride 2, padding 1, groups 2) matches PyTorch', () => {
  const m = new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
  checkLayer('conv1d', m, unary(m));
});

test('Conv2d (stride 2, padding 1, groups 2) matches PyTorch', () => {
  const m = new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
  checkLayer('conv2d', m, unary(m));
});

test('Conv2d (dilation 2, no bias) matches PyTorch', () => {
  const m = new nn.Conv2d(3, 5, 3, { padding: 2, dilation: 2, bias: false });
  assert.equal(m.bias, null);
  checkLayer('conv2d_dilated', m, unary(m));
});

test('Conv3d (per-dim stride) matches PyTorch', () => {
  const m = new nn.Conv3d(2, 4, 3, { stride: [1, 2, 2], padding: 1 });
  checkLayer('conv3d', m, unary(m));
});

test('ConvTranspose2d (stride 2, padding 1, outputPadding 1, groups 2) matches PyTorch', () => {
  const m = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
  assert.deepEqual(m.weight.shape, [4, 3, 3, 3]);
  checkLayer('conv_transpose2d', m, unary(m));
});

test('GroupNorm and LayerNorm match PyTorch', () => {
  const g = new nn.GroupNorm(2, 6);
  checkLayer('group_norm', g, unary(g));
  const l = new nn.LayerNorm(8);
  checkLayer('layer_norm', l, unary(l));
});

test('Embedding matches PyTorch', () => {
  const c = nnRef().layers.embedding!;
  const m = new nn.Embedding(10, 4, { paddingIdx: 0 });
  torch.scope(() => {
    m.loadStateDict(stateFromJson(c.state));
    const idx = torch.tensor(c.indices!, { dtype: 'int64' }).reshape(c.indexShape!);
    const y = m.forward(idx);
    assert.deepEqual(y.shape, c.output.shape);
    assertClose(y.toArray(), c.output.data, 1e-6, 0, 'embedding');
  });
  m.dispose();
});

test('Attention (self) matches PyTorch and nn.MultiheadAttention', () => {
  const m = new nn.Attention(8, { heads: 2 });
  checkLayer('attention_self', m, (xs) => m.forward(xs[0]!));
});

test('Attention (cross, key padding mask) matches PyTorch', () => {
  const m = new nn.Attention(8, { heads: 2, contextDim: 6 });
  checkLayer('attention_cross', m, (xs, mask) => m.forward(xs[0]!, xs[1]!, { keyPaddingMask: mask }));
});

test('TransformerBlock (self only) matches PyTorch', () => {
  const m = new nn.TransformerBlock(8, { heads: 2 });
  checkLayer('block_self', m, (xs) => m.forward(xs[0]!));
});

test('TransformerBlock (with cross-attention and context mask) matches PyTorch', () => {
  const m = new nn.TransformerBlock(8, { heads: 2, contextDim: 6 });
  checkLayer('block_cross', m, (xs, mask) => m.forward(xs[0]!, xs[1]!, { contextKeyPaddingMask: mask }));
});

test('Attention ignores padded context positions', () => {
  const m = new nn.Attention(4, { heads: 2, contextDim: 3 });
  torch.scope(() => {
    const x = torch.randn([1, 2, 4]);
    const ctx = torch.randn([1, 3, 3]);
    const mask = torch.tensor([[false, false, true]]);
    const other = torch.cat([ctx.narrow(1, 0, 2), torch.randn([1, 1, 3]).mul(100)], 1);
    const a = m.forward(x, ctx, { keyPaddingMask: mask });
    const b = m.forward(x, other, { keyPaddingMask: mask });
    assertClose(a.toArray(), b.toArray(), 1e-6, 0, 'masked output');
  });
  m.dispose();
});

// ---------- default initialisation: same seed, same values as PyTorch ----------

function assertState(m: nn.Module, expected: StateJson, what: string): void {
  torch.scope(() => {
    const sd = m.stateDict();
    assert.deepEqual([...sd.keys()], Object.keys(expected), `${what}: keys`);
    for (const [k, v] of sd) assertClose(v.toArray(), expected[k]!.data, 1e-7, 0, `${what}.${k}`);
  });
  m.dispose();
}

test('default initialisation draws what PyTorch draws for the same seed', () => {
  const ref = nnRef().init;
  torch.manualSeed(7);
  assertState(new nn.Linear(5, 3), ref.linear!, 'Linear');
  torch.manualSeed(8);
  assertState(new nn.Conv2d(4, 6, 3, { groups: 2 }), ref.conv2d!, 'Conv2d');
  torch.manualSeed(9);
  assertState(new nn.ConvTranspose2d(4, 6, 3, { groups: 2 }), ref.conv_transpose2d!, 'ConvTranspose2d');
  torch.manualSeed(10);
  assertState(new nn.Embedding(10, 4, { paddingIdx: 1 }), ref.embedding!, 'Embedding');
  using g = new torch.Generator(11);
  assertState(new nn.Linear(5, 3, { generator: g }), ref.linear_generator!, 'Linear(generator)');
});

test('init functions match torch.nn.init for the same seed', () => {
  const ref = nnRef().init.init!;
  const cases: [string, number, number[], (t: Tensor) => Tensor][] = [
    ['trunc_normal', 12, [40, 30], (t) => nn.init.truncNormal_(t, { std: 0.5, a: -1, b: 0.75 })],
    ['xavier_uniform', 13, [6, 4, 3], (t) => nn.init.xavierUniform_(t, 1.5)],
    ['xavier_normal', 14, [6, 4], (t) => nn.init.xavierNormal_(t)],
    ['kaiming_uniform', 15, [6, 4, 3, 3], (t) => nn.init.kaimingUniform_(t, { mode: 'fan_out', nonlinearity: 'relu' })],
    ['kaiming_normal', 16, [6, 4], (t) => nn.init.kaimingNormal_(t, { a: 0.2 })],
  ];
  for (const [name, seed, shape, init] of cases) {
    torch.scope(() => {
      torch.manualSeed(seed);
      const t = init(torch.empty(shape));
      assertClose(t.toArray(), ref[name]!.data, 1e-6, 0, name);
    });
  }
  torch.scope(() => {
    const t = nn.init.truncNormal_(torch.empty([2000]), { std: 1, a: -0.5, b: 0.5 });
    assert.ok(t.abs().max().item() <= 0.5, 'truncNormal_ stays within [a, b]');
  });
});
