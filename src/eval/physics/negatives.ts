/**
 * Implausible clips, made from a gold sample by breaking exactly one thing, to measure how often the physics
 * evaluator rejects them (and to test it). Each kind applies only where it is a violation: reversing gravity
 * means nothing for a constant-velocity object, and a mid-air bounce needs an object in the air.
 */
import type { RGBImage } from '../../data/image.js';
import type { Rng } from '../../data/rng.js';
import { renderScene } from '../../data/shapes/render.js';
import { COLORS, type Scene, type SceneObject } from '../../data/shapes/types.js';
import { clipScenes } from '../../data/moving-shapes/render.js';
import { simulate } from '../../data/moving-shapes/physics.js';
import type { MovingSample } from '../../data/moving-shapes/sampler.js';
import { GRAVITY, MOVING_SHAPES, frameTime, lawOf, type MovingObject } from '../../data/moving-shapes/types.js';

export const NEGATIVE_KINDS = [
  'teleport',
  'glitch-frame',
  'flicker',
  'color-flicker',
  'shape-change',
  'size-change',
  'frozen',
  'shuffled-frames',
  'wrong-direction',
  'reversed-gravity',
  'no-gravity',
  'energy-gain',
  'mid-air-bounce',
] as const;
export type NegativeKind = (typeof NEGATIVE_KINDS)[number];

/** The broken clip's frames, or null when the kind does not apply to this sample. */
export function makeNegative(kind: NegativeKind, s: MovingSample, rng: Rng): RGBImage[] | null {
  const F = s.clip.frames;
  const i = rng.int(0, s.clip.objects.length - 1);
  const o = s.clip.objects[i];
  const k = rng.int(2, F - 2);
  const scenes = clipScenes(s.clip, s.trajectories);
  const edit = (from: number, to: number, f: (obj: SceneObject) => SceneObject | null): RGBImage[] =>
    render(scenes.map((sc, j) => (j < from || j > to ? sc : replace(sc, i, f))));
  switch (kind) {
    case 'teleport':
    case 'glitch-frame': {
      const jump = jumpFor(scenes[k].objects[i], s.clip.width, rng);
      return edit(k, kind === 'teleport' ? F - 1 : k, (ob) => ({ ...ob, cx: ob.cx + jump[0], cy: ob.cy + jump[1] }));
    }
    case 'flicker':
      return edit(k, k, () => null);
    case 'color-flicker':
      return edit(k, k, (ob) => ({
        ...ob,
        color: rng.choice(COLORS.filter((c) => !s.clip.objects.some((x) => x.color === c))),
      }));
    case 'shape-change':
      return edit(k, k, (ob) => ({ ...ob, shape: rng.choice(MOVING_SHAPES.filter((sh) => sh !== ob.shape)) }));
    case 'size-change':
      return edit(k, F - 1, (ob) => ({ ...ob, size: ob.size * 1.6 }));
    case 'frozen':
      return edit(k, F - 1, () => scenes[k - 1].objects[i]);
    case 'shuffled-frames': {
      const order = rng.shuffle(scenes.map((_, j) => j));
      if (order.every((v, j) => v === j)) order.reverse();
      return render(order.map((j) => scenes[j]));
    }
    case 'wrong-direction':
      // The object's own path played backwards: same speed and straightness, opposite heading.
      if (lawOf(o.motion) !== 'constant') return null;
      return render(scenes.map((sc, j) => replace(sc, i, () => scenes[F - 1 - j].objects[i])));
    case 'reversed-gravity':
      return lawOf(o.motion) === 'gravity' ? resimulate(s, i, o, -GRAVITY) : null;
    case 'no-gravity':
      return lawOf(o.motion) === 'gravity' ? resimulate(s, i, o, 0) : null;
    case 'energy-gain':
      return o.motion === 'bouncing' ? resimulate(s, i, { ...o, restitution: 1.6 }) : null;
    case 'mid-air-bounce':
      return midAirBounce(s, i, scenes, k);
  }
}

function render(scenes: readonly Scene[]): RGBImage[] {
  return scenes.map((sc) => renderScene(sc));
}

/** The scene with object i replaced by f(object), or removed when f returns null. */
function replace(sc: Scene, i: number, f: (o: SceneObject) => SceneObject | null): Scene {
  const objects = sc.objects.flatMap((ob, j) => {
    if (j !== i) return [ob];
    const r = f(ob);
    return r ? [r] : [];
  });
  return { ...sc, objects };
}

/** A jump of 6–10 px in a random direction that keeps the object inside the frame. */
function jumpFor(ob: SceneObject, side: number, rng: Rng): [number, number] {
  for (let t = 0; t < 100; t++) {
    const a = rng.range(0, 2 * Math.PI);
    const d = rng.range(6, 10);
    const [dx, dy] = [d * Math.cos(a), d * Math.sin(a)];
    const [x, y] = [ob.cx + dx, ob.cy + dy];
    if (x - ob.size >= 0 && x + ob.size <= side && y - ob.size >= 0 && y + ob.size <= side) return [dx, dy];
  }
  return [ob.cx < side / 2 ? 8 : -8, 0];
}

/** Frames with object i re-simulated from `o` (optionally under another gravity). */
function resimulate(s: MovingSample, i: number, o: MovingObject, gravity?: number): RGBImage[] {
  const trajectories = s.trajectories.slice();
  trajectories[i] = simulate(o, s.clip.frames, s.clip.width, s.clip.height, gravity);
  return render(clipScenes({ ...s.clip, objects: s.clip.objects.map((x, j) => (j === i ? o : x)) }, trajectories));
}

/**
 * From frame k on, object i flies as if it had bounced at frame k's height while falling: its vertical velocity
 * is reversed there, in mid-air (gravity continues). Only where it is falling and stays clear of the walls.
 */
function midAirBounce(s: MovingSample, i: number, scenes: readonly Scene[], k: number): RGBImage[] | null {
  const o = s.clip.objects[i];
  if (lawOf(o.motion) !== 'gravity') return null;
  const y = s.trajectories[i].y;
  const t = (j: number): number => frameTime(j, s.clip.frames);
  if (!(y[k] - y[k - 1] > 0.5 && y[k + 1] - y[k] > 0.5)) return null;
  // Central difference: exact velocity at t_k for a parabola (no collision between frames k − 1 and k + 1).
  const vk = (y[k + 1] - y[k - 1]) / (t(k + 1) - t(k - 1));
  const bounced = Array.from(y, (v, j) =>
    j <= k ? v : y[k] - vk * (t(j) - t(k)) + (GRAVITY / 2) * (t(j) - t(k)) ** 2,
  );
  const clear = (v: number): boolean => v - o.size >= 3 && v + o.size <= s.clip.height - 3;
  if (!bounced.every(clear)) return null;
  return render(scenes.map((sc, j) => replace(sc, i, (ob) => ({ ...ob, cy: bounced[j] }))));
}
