// LoRA adapters (nn/lora.ts): the adapted model equals the base at initialisation bit for bit, the switch gives the
// base back exactly, gradients reach only A and B, merge() folds W₀ + (α/r)·B·A into the weights, and the adapters
// are saved, loaded and freed with the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import * as nn from '../../src/torch/nn/index.js';
import { assertClose } from '../helpers.js';

/** Linear, strided 3×3 conv and pointwise conv1d, named like the U-Net's layers (res.conv1, attn.query.conv). */
class Net extends nn.Module {
  readonly res: { conv1: nn.Conv2d };
  readonly attn: { query: nn.Conv1d };
  readonly head: nn.Linear;
  constructor() {
    super();
    const res = this.registerModule('res', new Holder());
    this.res = { conv1: res.registerModule('conv1', new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 })) };
    const attn = this.registerModule('attn', new Holder());
    this.attn = { query: attn.registerModule('query', new nn.Conv1d(4, 4, 1)) };
    this.head = this.registerModule('head', new nn.Linear(16, 5));
  }
  /** x [N, 3, 8, 8] → [N, 4, 5]. */
  forward(x: torch.Tensor): torch.Tensor {
    return torch.scope(() => {
      const h = this.res.conv1.forward(x).silu(); // [N, 4, 4, 4]
      const q = this.attn.query.forward(h.flatten(2)); // [N, 4, 16]
      return this.head.forward(q); // [N, 4, 5]
    });
  }
}

class Holder extends nn.Module {}

const TARGETS = ['res.conv1', 'attn', 'head'];

function setup(seed = 1): { net: Net; x: torch.Tensor; base: number[] } {
  torch.manualSeed(seed);
  const net = new Net();
  const x = torch.randn([2, 3, 8, 8]);
  const base = torch.noGrad(() => torch.scope(() => net.forward(x).toArray()));
  return { net, x, base };
}

function out(net: Net, x: torch.Tensor): number[] {
  return torch.noGrad(() => torch.scope(() => net.forward(x).toArray()));
}

/** Bit-exact equality (=== also equates −0 and +0). */
function assertExact(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, what);
  const bad = a.findIndex((v, i) => v !== b[i]);
  assert.equal(bad, -1, `${what}: index ${bad} differs (${a[bad]} vs ${b[bad]})`);
}

/** Gives every B random values, so the adapters change the output. */
function randomiseB(lora: nn.LoraAdapters): void {
  torch.noGrad(() =>
    torch.scope(() => {
      for (const [k, t] of lora.stateDict()) if (k.endsWith('.B')) t.copy_(torch.randnLike(t).mul(0.5));
    }),
  );
}

test('lora: A and B have peft shapes, A is kaiming-uniform, B = 0, and the adapted net equals the base bit for bit', () => {
  const { net, x, base } = setup();
  const lora = nn.applyLora(net, { rank: 2, alpha: 4, targets: TARGETS });
  try {
    assert.deepEqual(lora.layerNames, ['res.conv1', 'attn.query', 'head']);
    const sd = lora.stateDict();
    const shapes = Object.fromEntries([...sd].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(shapes, {
      'res.conv1.lora.A': [2, 3, 3, 3],
      'res.conv1.lora.B': [4, 2, 1, 1],
      'attn.query.lora.A': [2, 4, 1],
      'attn.query.lora.B': [4, 2, 1],
      'head.lora.A': [2, 16],
      'head.lora.B': [5, 2],
    });
    const a = sd.get('res.conv1.lora.A')!.toArray();
    const bound = 1 / Math.sqrt(3 * 9); // kaiming_uniform_(a=√5): U(±1/√fan_in), fan_in = in·k·k
    assert.ok(a.every((v) => Math.abs(v) <= bound) && a.some((v) => Math.abs(v) > bound / 2), 'A ~ U(±1/√fan_in)');
    for (const [k, t] of sd) if (k.endsWith('.B')) assert.ok(t.toArray().every((v) => v === 0), `${k} = 0`);
    torch.disposeAll([...sd.values()]);
    assert.equal((net.head.adapter.current as nn.LoraAdapter).scale, 2, 'α/r');
    assertExact(out(net, x), base, 'adapted at init vs base');
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('lora: with B ≠ 0 the output moves; withAdaptersDisabled gives the base back exactly and restores the switch', () => {
  const { net, x, base } = setup();
  const lora = nn.applyLora(net, { rank: 2, alpha: 2, targets: TARGETS });
  try {
    randomiseB(lora);
    const adapted = out(net, x);
    assert.ok(adapted.some((v, i) => Math.abs(v - base[i]!) > 1e-3), 'adapters change the output');
    assertExact(lora.withAdaptersDisabled(() => out(net, x)), base, 'adapters off vs base');
    assert.equal(lora.enabled, true);
    assert.throws(() => lora.withAdaptersDisabled(() => { throw new Error('boom'); }), /boom/);
    assert.equal(lora.enabled, true, 'restored after a throw');
    lora.enabled = false;
    assertExact(out(net, x), base, 'enabled = false vs base');
    lora.enabled = true;
    assertExact(out(net, x), adapted, 'back on');
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('lora: the base is frozen and gradients reach only A and B', () => {
  const { net, x } = setup();
  const lora = nn.applyLora(net, { rank: 2, alpha: 2, targets: TARGETS });
  try {
    randomiseB(lora);
    const adapterParams = new Set(lora.parameters());
    assert.equal(adapterParams.size, 6);
    const counts = net.numParameters();
    assert.equal(counts.trainable, lora.numParameters());
    assert.equal(lora.numParameters(), 2 * (27 + 4) + 2 * (4 + 4) + 2 * (16 + 5)); // Σ r·(in·∏k + out)
    torch.scope(() => net.forward(x).square().sum().backward());
    for (const [name, p] of net.namedParameters()) {
      const g = p.grad;
      if (adapterParams.has(p)) {
        assert.ok(g !== null && g.abs().sum().item() > 0, `${name} has a gradient`);
      } else {
        assert.equal(p.requiresGrad, false, `${name} frozen`);
        assert.equal(g, null, `${name} has no gradient`);
      }
      g?.dispose();
    }
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('lora: the adapted linear is x·(W₀ + (α/r)·B·A)ᵀ + b, checked in float64 against the weights', () => {
  torch.manualSeed(4);
  const lin = new nn.Linear(6, 3);
  const lora = nn.applyLora(lin, { rank: 2, alpha: 3, targets: ['*'] }).stateDict();
  try {
    torch.noGrad(() => lora.get('lora.B')!.copy_(torch.scope(() => torch.randn([3, 2]))));
    torch.scope(() => {
      const x = torch.randn([4, 6]);
      const d = (t: torch.Tensor): torch.Tensor => t.to('float64');
      const w = d(lin.weight).add(d(lora.get('lora.B')!).mm(d(lora.get('lora.A')!)).mul(3 / 2)); // W₀ + (α/r)·B·A
      const expected = d(x).mm(w.t()).add(d(lin.bias!)); // x·W'ᵀ + b
      assertClose(torch.noGrad(() => lin.forward(x)).toArray(), expected.toArray(), 1e-5, 1e-5, 'adapted linear');
    });
  } finally {
    torch.disposeAll([...lora.values()]);
    lin.dispose();
  }
});

test('lora: merge() folds the adapters into the weights — same outputs, the base keys only, adapters freed', () => {
  const { net, x, base } = setup();
  const keys = torch.scope(() => [...net.stateDict().keys()]);
  const before = torch.memoryStats().liveTensors;
  const lora = nn.applyLora(net, { rank: 3, alpha: 5, targets: TARGETS });
  try {
    randomiseB(lora);
    const adapted = out(net, x);
    lora.merge();
    assertClose(out(net, x), adapted, 1e-5, 1e-5, 'merged vs adapted');
    assert.ok(out(net, x).some((v, i) => Math.abs(v - base[i]!) > 1e-3), 'merged is not the base');
    const sd = net.stateDict();
    assert.deepEqual([...sd.keys()], keys, 'a plain state dict after merge');
    torch.disposeAll([...sd.values()]);
    assert.equal(torch.memoryStats().liveTensors, before, 'the adapters were freed');
    assert.throws(() => lora.merge(), /adapters must not be merged yet/);
    assert.throws(() => lora.withAdaptersDisabled(() => 0), /merge\(\) already called/);
    assert.equal(net.res.conv1.adapter.current, null);
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('lora: adapters are in the module state dict and round-trip through LoraAdapters.stateDict', () => {
  const { net, x } = setup();
  const lora = nn.applyLora(net, { rank: 2, alpha: 2, targets: TARGETS });
  torch.manualSeed(9);
  const other = new Net();
  const nets = [net, other, new Net(), new Net()];
  randomiseB(lora);
  const saved = lora.stateDict({ clone: true });
  try {
    const adapted = out(net, x);
    const moduleKeys = [...net.stateDict()].map(([k, t]) => (t.dispose(), k));
    for (const k of saved.keys()) assert.ok(moduleKeys.includes(k), `${k} in the module's state dict`);
    nn.applyLora(other, { rank: 2, alpha: 2, targets: TARGETS }).loadStateDict(saved);
    assert.ok(out(other, x).some((v, i) => v !== adapted[i]), 'other base weights: a different output');
    torch.scope(() => other.loadStateDict(net.stateDict(), { strict: true })); // base + adapters, the module's own keys
    assertExact(out(other, x), adapted, 'loaded through the module state dict');
    const wrongRank = nn.applyLora(nets[2]!, { rank: 1, alpha: 2, targets: TARGETS });
    assert.throws(() => wrongRank.loadStateDict(saved), /must be float32 \[1, 3, 3, 3\], got float32 \[2, 3, 3, 3\] — apply LoRA with the same rank/);
    const fewer = nn.applyLora(nets[3]!, { rank: 2, alpha: 2, targets: ['head'] });
    assert.throws(() => fewer.loadStateDict(saved), /0 missing \[\] and 4 unexpected/);
  } finally {
    torch.disposeAll([...saved.values()]);
    for (const m of nets) m.dispose();
    x.dispose();
  }
});

test('lora: dispose() of the module frees base and adapters alike', () => {
  const before = torch.memoryStats().liveTensors;
  torch.manualSeed(2);
  const net = new Net();
  nn.applyLora(net, { rank: 2, alpha: 2, targets: TARGETS });
  net.dispose();
  assert.equal(torch.memoryStats().liveTensors, before);
});

test('lora: targets match runs of name segments; bad options are refused with the field named', () => {
  assert.ok(nn.matchesTarget('core.downBlocks.1.attn.query.conv', 'attn'));
  assert.ok(nn.matchesTarget('core.downBlocks.1.res.conv1', 'res.conv1'));
  assert.ok(nn.matchesTarget('core.downBlocks.1.res.conv1', 'downBlocks.*.res'));
  assert.ok(!nn.matchesTarget('core.downBlocks.1.res.conv1', 'conv'));
  assert.ok(!nn.matchesTarget('core.downsamplers.0.conv', 'res.conv1'));
  torch.manualSeed(2);
  const net = new Net();
  try {
    assert.throws(() => nn.applyLora(net, { rank: 0, alpha: 1, targets: TARGETS }), /rank must be a positive integer, got 0/);
    assert.throws(() => nn.applyLora(net, { rank: 2, alpha: 0, targets: TARGETS }), /alpha must be a positive number, got 0/);
    assert.throws(() => nn.applyLora(net, { rank: 2, alpha: 1, targets: ['to_q'] }), /target "to_q" must match a Linear or Conv layer's name, got none — names look like res.conv1/);
    assert.equal(net.numParameters().trainable, net.numParameters().total, 'a refused call changes nothing');
    nn.applyLora(net, { rank: 2, alpha: 1, targets: ['head'] });
    assert.throws(() => nn.applyLora(net, { rank: 2, alpha: 1, targets: ['head'] }), /layer "head" must have no adapter yet/);
  } finally {
    net.dispose();
  }
});
