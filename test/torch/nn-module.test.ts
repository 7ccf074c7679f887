// Module bookkeeping: dotted names, counts, modes, freezing, state dicts and their errors, lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import * as nn from '../../src/torch/nn/index.js';
import { assertClose } from '../helpers.js';

class Block extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly norm: nn.GroupNorm;
  constructor() {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(2, 2, 3, { padding: 1 }));
    this.norm = this.registerModule('norm', new nn.GroupNorm(1, 2));
    this.registerBuffer('scale', torch.ones([2]));
    this.registerBuffer('cache', torch.zeros([1]), { persistent: false });
  }
  forward(x: torch.Tensor): torch.Tensor {
    return this.norm.forward(this.conv.forward(x)).silu();
  }
}

class Net extends nn.Module {
  readonly down = this.registerModule('down', new nn.ModuleList([new Block(), new Block()]));
  readonly head = this.registerModule('head', new nn.Linear(8, 2));
  forward(x: torch.Tensor): torch.Tensor {
    return torch.scope(() => {
      let h = x;
      for (const b of this.down) h = b.forward(h);
      return this.head.forward(h.flatten(1).narrow(1, 0, 8));
    });
  }
}

const PARAM_NAMES = [
  'down.0.conv.weight',
  'down.0.conv.bias',
  'down.0.norm.weight',
  'down.0.norm.bias',
  'down.1.conv.weight',
  'down.1.conv.bias',
  'down.1.norm.weight',
  'down.1.norm.bias',
  'head.weight',
  'head.bias',
];

test('parameters, buffers and modules have dotted names in registration order', () => {
  using net = new Net();
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    PARAM_NAMES,
  );
  assert.deepEqual(
    net.namedBuffers().map(([n]) => n),
    ['down.0.scale', 'down.0.cache', 'down.1.scale', 'down.1.cache'],
  );
  assert.deepEqual(
    net.namedModules().map(([n]) => n),
    ['', 'down', 'down.0', 'down.0.conv', 'down.0.norm', 'down.1', 'down.1.conv', 'down.1.norm', 'head'],
  );
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ['down', 'head'],
  );
  assert.equal(net.children()[1], net.head);
  assert.deepEqual(net.namedParameters({ prefix: 'model', recurse: false }), []);
  assert.deepEqual(
    net.head.namedParameters({ prefix: 'head' }).map(([n]) => n),
    ['head.weight', 'head.bias'],
  );
  torch.scope(() => {
    // Per module, pre-order: own parameters, own persistent buffers, then children (PyTorch's state_dict order);
    // the non-persistent `cache` is left out.
    assert.deepEqual(
      [...net.stateDict().keys()],
      [
        'down.0.scale',
        'down.0.conv.weight',
        'down.0.conv.bias',
        'down.0.norm.weight',
        'down.0.norm.bias',
        'down.1.scale',
        'down.1.conv.weight',
        'down.1.conv.bias',
        'down.1.norm.weight',
        'down.1.norm.bias',
        'head.weight',
        'head.bias',
      ],
    );
  });
});

test('numParameters counts totals and trainable; requiresGrad_ freezes', () => {
  using net = new Net();
  const perBlock = 2 * 2 * 9 + 2 + 2 + 2;
  assert.deepEqual(net.numParameters(), { total: 2 * perBlock + 8 * 2 + 2, trainable: 2 * perBlock + 18 });
  net.down.requiresGrad_(false);
  assert.deepEqual(net.numParameters(), { total: 2 * perBlock + 18, trainable: 18 });
  assert.equal(net.down.at(0).conv.weight.requiresGrad, false);
  net.requiresGrad_();
  assert.equal(net.numParameters().trainable, 2 * perBlock + 18);
});

test('parameters are kept leaves that require grad, even when built inside a scope', () => {
  const net = torch.scope(() => {
    torch.randn([3]); // a temporary, freed with the scope
    return new Net();
  });
  for (const p of net.parameters()) {
    assert.ok(!p.disposed && p.isLeaf && p.requiresGrad);
  }
  for (const b of net.buffers()) assert.ok(!b.disposed);
  net.dispose();
});

test('train/eval propagate to every descendant', () => {
  using net = new Net();
  assert.ok(net.modules().every((m) => m.training));
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  net.down.train();
  assert.equal(net.training, false);
  assert.equal(net.down.at(1).norm.training, true);
});

test('zeroGrad drops gradients; apply visits children first', () => {
  using net = new Net();
  torch.scope(() =>
    net
      .forward(torch.randn([1, 2, 2, 2]))
      .sum()
      .backward(),
  );
  // The grad getter returns a new handle: read it inside a scope.
  torch.scope(() => assert.ok(net.parameters().every((p) => p.grad !== null)));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  const seen: string[] = [];
  net.head.apply((m) => seen.push(m.constructor.name));
  net.down.at(0).apply((m) => seen.push(m.constructor.name));
  assert.deepEqual(seen, ['Linear', 'Conv2d', 'GroupNorm', 'Block']);
});

test('a shared submodule is listed once', () => {
  class Tied extends nn.Module {
    readonly a = this.registerModule('a', new nn.Linear(2, 2));
    readonly b = this.registerModule('b', this.a);
  }
  using t = new Tied();
  assert.deepEqual(
    t.namedParameters().map(([n]) => n),
    ['a.weight', 'a.bias'],
  );
  assert.equal(t.numParameters().total, 6);
});

test('stateDict/loadStateDict round trip is exact; views share storage, clones do not', () => {
  using a = new Net();
  using b = new Net();
  torch.scope(() => {
    b.loadStateDict(a.stateDict());
    const sa = a.stateDict();
    for (const [k, v] of b.stateDict()) assert.deepEqual(v.toArray(), sa.get(k)!.toArray(), k);
    const view = a.stateDict().get('head.bias')!;
    const snap = a.stateDict({ clone: true }).get('head.bias')!;
    torch.noGrad(() => a.head.bias!.add_(1));
    assertClose(view.toArray(), a.head.bias!.toArray(), 0, 0, 'view');
    assertClose(snap.add(1).toArray(), a.head.bias!.toArray(), 1e-6, 0, 'snapshot');
    assert.equal(view.requiresGrad, false);
  });
});

test('strict loading lists missing and unexpected keys', () => {
  using net = new Net();
  torch.scope(() => {
    const sd = net.stateDict();
    sd.delete('head.bias');
    sd.delete('down.1.scale');
    sd.set('head.extra', torch.zeros([1]));
    assert.throws(
      () => net.loadStateDict(sd),
      /Net\.loadStateDict: state dict keys must match the module's, got 2 missing \[down\.1\.scale, head\.bias\] and 1 unexpected \[head\.extra\] — .*strict: false/,
    );
    const before = net.head.weight.toArray();
    sd.set('head.weight', torch.ones([2, 8]));
    const r = net.loadStateDict(sd, { strict: false });
    assert.deepEqual(r, { missingKeys: ['down.1.scale', 'head.bias'], unexpectedKeys: ['head.extra'] });
    assert.notDeepEqual(before, net.head.weight.toArray());
    assert.deepEqual(net.head.weight.toArray(), Array(16).fill(1));
  });
});

test('shape and dtype mismatches name the key and both sides, and load nothing', () => {
  using net = new Net();
  torch.scope(() => {
    const sd = net.stateDict({ clone: true });
    sd.get('head.bias')!.zero_();
    sd.set('head.weight', torch.zeros([8, 2]));
    const before = net.head.bias!.toArray();
    assert.throws(() => net.loadStateDict(sd), /"head\.weight" must have shape \[2, 8\], got \[8, 2\]/);
    assert.deepEqual(net.head.bias!.toArray(), before, 'nothing copied before the error');
    sd.set('head.weight', torch.zeros([2, 8], { dtype: 'float64' }));
    assert.throws(() => net.loadStateDict(sd), /"head\.weight" must have dtype float32, got float64/);
  });
});

test('registration rejects dotted and duplicate names', () => {
  class Bad extends nn.Module {}
  using m = new Bad();
  assert.throws(
    () => m.registerParameter('a.b', torch.zeros([1])),
    /Bad\.registerParameter: name must be non-empty and free of dots/,
  );
  m.registerBuffer('x', torch.zeros([1]));
  assert.throws(() => m.registerModule('x', new nn.Identity()), /name must be unique within the module, got "x" twice/);
});

test('dispose frees every parameter and buffer', () => {
  const before = torch.memoryStats().liveTensors;
  const net = new Net();
  assert.equal(torch.memoryStats().liveTensors - before, 10 + 4);
  net.dispose();
  assert.equal(torch.memoryStats().liveTensors, before);
  assert.ok(net.parameters().every((p) => p.disposed));
});

test('Sequential chains layers and names them by index', () => {
  using seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2), new nn.Identity());
  assert.deepEqual(
    seq.namedParameters().map(([n]) => n),
    ['0.weight', '0.bias', '2.weight', '2.bias'],
  );
  assert.equal(seq.length, 4);
  torch.scope(() => {
    const x = torch.randn([5, 3]);
    const l0 = seq.at(0) as nn.Linear;
    const l2 = seq.at(2) as nn.Linear;
    const manual = l2.forward(l0.forward(x).relu());
    assertClose(seq.forward(x).toArray(), manual.toArray(), 1e-6, 0, 'sequential');
  });
  assert.throws(() => seq.at(4), /Sequential\.at: index must be within \[-4, 4\), got 4/);
});

test('layer input checks say what shape was expected', () => {
  using lin = new nn.Linear(4, 2);
  using x = torch.zeros([3, 5]);
  assert.throws(() => lin.forward(x), /Linear\.forward: input's last dim must be inFeatures \(4\), got shape \[3, 5\]/);
  using conv = new nn.Conv2d(3, 4, 3);
  assert.throws(() => conv.forward(x), /Conv2d\.forward: input must be \[N, 3, \*, \*\], got \[3, 5\]/);
  assert.throws(
    () => new nn.Conv2d(3, 4, 3, { groups: 2 }),
    /inChannels \(3\) and outChannels \(4\) must be divisible by groups/,
  );
  assert.throws(() => new nn.GroupNorm(4, 6), /numChannels \(6\) must be divisible by numGroups, got numGroups=4/);
  using block = new nn.TransformerBlock(4, { heads: 2, contextDim: 3 });
  using tokens = torch.zeros([1, 2, 4]);
  assert.throws(() => block.forward(tokens), /context must be given for a block with cross-attention/);
});

test('Dropout: reproducible with its own generator, scaled in training, identity in eval', () => {
  torch.scope(() => {
    const x = torch.ones([4000]);
    using ga = new torch.Generator(5);
    using gb = new torch.Generator(5);
    const a = new nn.Dropout(0.25, { generator: ga });
    const b = new nn.Dropout(0.25, { generator: gb });
    const ya = a.forward(x);
    assert.deepEqual(ya.toArray(), b.forward(x).toArray());
    const kept = ya.ne(0).float().mean().item();
    assert.ok(Math.abs(kept - 0.75) < 0.03, `kept fraction ${kept}`);
    assertClose([ya.max().item()], [1 / 0.75], 1e-6, 0, 'survivor scale');
    a.eval();
    assert.deepEqual(a.forward(x).toArray(), x.toArray());
    assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be in \[0, 1\], got 1\.5/);
  });
});

test('layer forwards leave only their output alive', () => {
  using block = new nn.TransformerBlock(8, { heads: 2, contextDim: 6 });
  using drop = new nn.Dropout(0.5, { generator: new torch.Generator(1) });
  using x = torch.randn([2, 3, 8]);
  using ctx = torch.randn([2, 4, 6]);
  using mask = torch.tensor([
    [false, false, false, true],
    [false, false, false, false],
  ]);
  const before = torch.memoryStats().liveTensors;
  const y = block.forward(x, ctx, { contextKeyPaddingMask: mask });
  const z = drop.forward(y);
  assert.equal(torch.memoryStats().liveTensors, before + 2);
  y.dispose();
  z.dispose();
  drop.generator?.dispose();
});
