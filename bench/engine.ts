// `refract bench engine`: the same training steps through Refract and through Python PyTorch (Debian's
// python3-torch running bench/engine_pytorch.py, when installed). Prints one JSON object per case and thread
// count: { case, threads, refract_ms, pytorch_ms, ratio, CPU ms of both }. Targets (issue #11): ratio ≤ 1.05 for
// model cases, ≤ 1.3 for per-op overhead. Each case runs in alternating rounds (Refract, then PyTorch, three times) so
// that slow phases of a shared machine hit both sides; rows report the medians of the rounds and their ranges.
// Within a round: median step time after warm-up; the per-op case takes the best of three loops.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as torch from '../src/torch/index.js';
import { Adam } from '../src/torch/optim/index.js';
import { unetAttnLoss } from './unet-attn.js';
import { shapesBaseCase } from './shapes-base.js';

const { F } = torch;
type Tensor = torch.Tensor;

export interface EngineBenchRow {
  case: string;
  threads: number;
  refract_ms: number;
  pytorch_ms: number | null;
  ratio: number | null;
  /** Alternating rounds (Refract, then PyTorch) whose medians are reported; the spread shows the machine's noise. */
  rounds: number;
  refract_range: [number, number];
  pytorch_range: [number, number] | null;
  /** Medians of the rounds' process CPU ms (user + system, all threads) for the same work. */
  refract_cpu_ms: number;
  pytorch_cpu_ms: number | null;
  cpu_ratio: number | null;
  /** Model cases with shared weights and inputs: the first step's loss on each side (a correctness guard). */
  refract_loss?: number;
  pytorch_loss?: number | null;
}

/**
 * One timing: median wall ms per step (or the per-op loop's best), the process CPU ms of the same (user + system,
 * all threads: on a loaded machine wall time is mostly waiting for a core, CPU time is the work), and the first
 * step's loss where there is one.
 */
interface Timing {
  ms: number;
  cpuMs: number;
  loss?: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

export function he(o: number, i: number, k = 3): Tensor {
  return torch.scope(() => torch.randn([o, i, k, k]).mul(Math.sqrt(2 / (i * k * k))).requiresGrad_()).keep();
}

export function zerosParam(n: number): Tensor {
  return torch.zeros([n], { requiresGrad: true }).keep();
}

function conv5(size: number): { params: Tensor[]; loss: () => Tensor } {
  const p = [he(32, 3), zerosParam(32), he(64, 32), zerosParam(64), he(64, 64), zerosParam(64), he(32, 64), zerosParam(32), he(3, 32), zerosParam(3)];
  const x = torch.randn([32, 3, size, size]).keep();
  const y = torch.randn([32, 3, size, size]).keep();
  const loss = (): Tensor => {
    let h = F.conv2d(x, p[0]!, p[1]!, { padding: 1 }).silu();
    h = F.conv2d(h, p[2]!, p[3]!, { stride: 2, padding: 1 }).silu();
    h = F.conv2d(h, p[4]!, p[5]!, { padding: 1 });
    h = F.interpolate(h, { scaleFactor: 2, mode: 'nearest' });
    h = F.conv2d(h, p[6]!, p[7]!, { padding: 1 });
    h = F.conv2d(h, p[8]!, p[9]!, { padding: 1 });
    return F.mseLoss(h, y);
  };
  return { params: p, loss };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeSteps(params: Tensor[], loss: () => Tensor, iters: number, lr = 1e-3, dispose?: () => void): Timing {
  const opt = new Adam(params, { lr });
  const ts: number[] = [];
  const cs: number[] = [];
  let first = NaN;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    torch.scope(() => {
      opt.zeroGrad();
      const l = loss();
      l.backward();
      opt.step();
      if (i === 0) first = l.item(); // after the step, outside the timed work of later steps
    });
    ts.push(performance.now() - t0);
    cs.push(cpuMs(c0));
  }
  opt.dispose();
  if (dispose) dispose();
  else for (const p of params) p.dispose();
  const skip = Math.max(1, Math.floor(iters / 5));
  return { ms: median(ts.slice(skip)), cpuMs: median(cs.slice(skip)), loss: first };
}

function timeOnly(c: { params: Tensor[]; loss: () => Tensor }, iters: number): Timing {
  const t = timeSteps(c.params, c.loss, iters);
  return { ms: t.ms, cpuMs: t.cpuMs };
}

function shapesBase(iters: number): Timing {
  const c = shapesBaseCase();
  return timeSteps(c.params, c.loss, iters, 1e-4, c.dispose);
}

function opOverhead(iters: number): Timing {
  const a = torch.randn([4]);
  const b = torch.randn([4]);
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < iters; i++) a.add(b).dispose();
    best = Math.min(best, performance.now() - t0);
    bestCpu = Math.min(bestCpu, cpuMs(c0));
  }
  a.dispose();
  b.dispose();
  return { ms: best, cpuMs: bestCpu };
}

const CASES: Record<string, { iters: number; run: (iters: number) => Timing }> = {
  // Random weights and inputs: only the time is comparable (the shapes_base case also compares the loss).
  conv5_16: { iters: 25, run: (n) => timeOnly(conv5(16), n) },
  conv5_32: { iters: 20, run: (n) => timeOnly(conv5(32), n) },
  unet_attn_32: { iters: 20, run: (n) => timeOnly(unetAttnLoss(), n) },
  shapes_base_b32: { iters: 12, run: shapesBase },
  op_overhead: { iters: 100_000, run: opOverhead },
};

export const ENGINE_CASES = Object.keys(CASES);

/** The Python with PyTorch to compare against (REFRACT_PYTHON or /usr/bin/python3), or null when there is none. */
export function pythonTorch(): string | null {
  const py = process.env.REFRACT_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(py)) return null;
  try {
    execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    return py;
  } catch {
    return null;
  }
}

function runPython(py: string, name: string, threads: number, iters: number): Timing | null {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/engine_pytorch.py');
  try {
    const out = execFileSync(py, [script, name, String(threads), String(iters)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { ms: number; cpu_ms: number; loss?: number | null };
    const t = { ms: r.ms, cpuMs: r.cpu_ms };
    return r.loss === undefined || r.loss === null ? t : { ...t, loss: r.loss };
  } catch {
    return null;
  }
}

/** Runs every case at each thread count, yielding rows as they finish. */
export function* runEngineBench(opts: { threads?: number[]; cases?: string[]; quick?: boolean } = {}): Generator<EngineBenchRow> {
  const py = pythonTorch();
  const before = torch.getNumThreads();
  for (const threads of opts.threads ?? [1, 2]) {
    for (const name of opts.cases ?? ENGINE_CASES) {
      const c = CASES[name];
      if (!c) throw new Error(`refract bench engine: case must be one of ${ENGINE_CASES.join(', ')}, got ${name}`);
      const iters = opts.quick ? Math.max(3, Math.ceil(c.iters / 5)) : c.iters;
      const rounds = opts.quick ? 1 : 3;
      const ours: number[] = [];
      const theirs: number[] = [];
      const oursCpu: number[] = [];
      const theirsCpu: number[] = [];
      let lossOurs: number | undefined;
      let lossTheirs: number | undefined;
      for (let r = 0; r < rounds; r++) {
        torch.setNumThreads(threads);
        torch.manualSeed(0);
        const o = c.run(iters);
        ours.push(o.ms);
        oursCpu.push(o.cpuMs);
        lossOurs ??= o.loss;
        const p = py ? runPython(py, name, threads, iters) : null;
        if (p !== null) {
          theirs.push(p.ms);
          theirsCpu.push(p.cpuMs);
          lossTheirs ??= p.loss;
        }
      }
      const refract = median(ours);
      const pytorch = theirs.length > 0 ? median(theirs) : null;
      yield {
        case: name,
        threads,
        refract_ms: round(refract),
        pytorch_ms: pytorch === null ? null : round(pytorch),
        ratio: pytorch === null ? null : round(refract / pytorch),
        rounds,
        refract_range: [round(Math.min(...ours)), round(Math.max(...ours))],
        pytorch_range: theirs.length > 0 ? [round(Math.min(...theirs)), round(Math.max(...theirs))] : null,
        refract_cpu_ms: round(median(oursCpu)),
        pytorch_cpu_ms: theirsCpu.length > 0 ? round(median(theirsCpu)) : null,
        cpu_ratio: theirsCpu.length > 0 ? round(median(oursCpu) / median(theirsCpu)) : null,
        ...(lossOurs === undefined ? {} : { refract_loss: lossOurs, pytorch_loss: lossTheirs ?? null }),
      };
    }
  }
  torch.setNumThreads(before);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
