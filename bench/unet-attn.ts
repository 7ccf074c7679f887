// The benchmark's small U-Net with one self-attention block at 32×32, written functionally so that
// bench/engine_pytorch.py can mirror it line for line (same parameter names, shapes and op order).
import * as torch from '../src/torch/index.js';
import { he, zerosParam } from './engine.js';

const { F } = torch;
type Tensor = torch.Tensor;

export function unetAttnLoss(): { params: Tensor[]; loss: () => Tensor } {
  const P = new Map<string, Tensor>();
  const conv = (name: string, o: number, i: number, k = 3): void => {
    P.set(`${name}.w`, he(o, i, k));
    P.set(`${name}.b`, zerosParam(o));
  };
  const norm = (name: string, c: number): void => {
    P.set(`${name}.g`, torch.ones([c], { requiresGrad: true }).keep());
    P.set(`${name}.b`, zerosParam(c));
  };
  const res = (name: string, i: number, o: number): void => {
    norm(`${name}.n1`, i);
    conv(`${name}.c1`, o, i);
    norm(`${name}.n2`, o);
    conv(`${name}.c2`, o, o);
    if (i !== o) conv(`${name}.skip`, o, i, 1);
  };
  conv('in', 32, 3); res('r1', 32, 32); conv('down1', 64, 32); res('r2', 64, 64);
  norm('attn.n', 64); conv('attn.qkv', 192, 64, 1); conv('attn.proj', 64, 64, 1);
  conv('down2', 64, 64); res('mid', 64, 64); conv('up1', 64, 64); res('r3', 128, 64);
  conv('up2', 32, 64); res('r4', 64, 32); norm('out.n', 32); conv('out', 3, 32);

  const g = (k: string): Tensor => P.get(k)!;
  const c = (name: string, h: Tensor, stride = 1): Tensor => {
    const k = g(`${name}.w`).shape[3]!;
    return F.conv2d(h, g(`${name}.w`), g(`${name}.b`), { stride, padding: Math.floor(k / 2) });
  };
  const gn = (name: string, h: Tensor): Tensor => F.groupNorm(h, 8, g(`${name}.g`), g(`${name}.b`));
  // Each block runs in its own scope so its temporaries are freed as soon as it returns — what Python's
  // reference counting does implicitly. Autograd keeps what backward needs; freeing the handles early lets the
  // allocator reuse memory within the step instead of touching fresh pages for every activation.
  const rb = (name: string, h: Tensor): Tensor =>
    torch.scope(() => {
      let r = c(`${name}.c1`, gn(`${name}.n1`, h).silu());
      r = c(`${name}.c2`, gn(`${name}.n2`, r).silu());
      return (P.has(`${name}.skip.w`) ? c(`${name}.skip`, h) : h).add(r);
    });
  const attn = (h: Tensor): Tensor => torch.scope(() => attnBlock(h));
  const attnBlock = (h: Tensor): Tensor => {
    const [b, ch, hh, ww] = h.shape as [number, number, number, number];
    const qkv = c('attn.qkv', gn('attn.n', h)).reshape([b, 3, 4, ch / 4, hh * ww]).permute([1, 0, 2, 4, 3]);
    const o = F.scaledDotProductAttention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2));
    return h.add(c('attn.proj', o.permute([0, 1, 3, 2]).reshape([b, ch, hh, ww])));
  };
  const x = torch.randn([16, 3, 32, 32]).keep();
  const y = torch.randn([16, 3, 32, 32]).keep();
  const loss = (): Tensor => {
    const h1 = rb('r1', c('in', x));
    const h2 = attn(rb('r2', c('down1', h1, 2)));
    let h = rb('mid', c('down2', h2, 2));
    h = c('up1', F.interpolate(h, { scaleFactor: 2, mode: 'nearest' }));
    h = rb('r3', torch.cat([h, h2], 1));
    h = c('up2', F.interpolate(h, { scaleFactor: 2, mode: 'nearest' }));
    h = rb('r4', torch.cat([h, h1], 1));
    return F.mseLoss(c('out', gn('out.n', h).silu()), y);
  };
  return { params: [...P.values()], loss };
}
