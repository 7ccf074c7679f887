/**
 * Contradicting prompts, for measuring the gold evaluator's true-negative rate: a prompt of the same category
 * that a scene drawn for the original cannot satisfy. Each change targets what the category tests — the
 * binding of colours to shapes for color_attr, the direction for position — so a lenient evaluator cannot pass
 * it by noticing only that the right words' objects are present.
 */
import { makePrompt } from '../../data/shapes/grammar.js';
import type { Rng } from '../../data/rng.js';
import { COLORS, MAX_COUNT, RELATIONS, SHAPES, type ShapesPrompt } from '../../data/shapes/types.js';

export function contradictPrompt(prompt: ShapesPrompt, rng: Rng): ShapesPrompt {
  const objs = prompt.objects.map((o) => ({ ...o }));
  const [a, b] = objs;
  const otherShape = (): (typeof SHAPES)[number] => rng.choice(SHAPES.filter((s) => !objs.some((o) => o.shape === s)));
  switch (prompt.category) {
    case 'single_object':
      return makePrompt('single_object', [{ shape: otherShape(), count: 1 }]);
    case 'two_objects':
      objs[rng.int(0, 1)].shape = otherShape();
      return makePrompt('two_objects', objs);
    case 'counting': {
      const counts = Array.from({ length: MAX_COUNT }, (_, i) => i + 1).filter((n) => n !== a.count);
      return makePrompt('counting', [{ shape: a.shape, count: rng.choice(counts) }]);
    }
    case 'colors':
      // Half wrong colour on the right shape, half right colour on a wrong shape.
      if (rng.uniform() < 0.5) a.color = rng.choice(COLORS.filter((c) => c !== a.color));
      else a.shape = otherShape();
      return makePrompt('colors', objs);
    case 'position':
      return makePrompt('position', objs, rng.choice(RELATIONS.filter((r) => r !== prompt.relation)));
    case 'color_attr':
      // Swapped colours: every mentioned shape and colour is present, only the binding is wrong.
      [a.color, b.color] = [b.color, a.color];
      return makePrompt('color_attr', objs);
  }
}
