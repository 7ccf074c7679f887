// The run config: defaults, the registry-driven algorithm list and sections, errors that name the field, and the
// committed configs parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RUN_CONFIG, loadRunConfig, parseRunConfig } from '../../src/train/config.js';
import { ALGORITHM_NAMES, ALGORITHMS } from '../../src/train/registry.js';
import { ConfigError } from '../../src/config/load.js';
import { buildPromptSource } from '../../src/train/prompt-sources.js';
import { Rng } from '../../src/data/rng.js';
import { makePrompt } from '../../src/data/shapes/grammar.js';

test('defaults: GRPO on the Shapes base with the gold reward, a section per registered algorithm', () => {
  assert.equal(DEFAULT_RUN_CONFIG.algorithm, 'grpo');
  assert.equal(DEFAULT_RUN_CONFIG.base, 'assets/base/shapes');
  assert.deepEqual(DEFAULT_RUN_CONFIG.rewards, [{ kind: 'shapes_gold', weight: 1 }]);
  assert.deepEqual(DEFAULT_RUN_CONFIG.prompts, { source: 'shapes', heldOut: 'include' });
  assert.equal(DEFAULT_RUN_CONFIG.stopOnNonFinite.maxConsecutive, 3);
  assert.ok(ALGORITHM_NAMES.includes('grpo'));
  for (const name of ALGORITHM_NAMES) {
    assert.deepEqual(DEFAULT_RUN_CONFIG[name], ALGORITHMS[name].schema.parse({}), `${name} section defaults`);
  }
  assert.ok(Object.isFrozen(DEFAULT_RUN_CONFIG.grpo));
});

test('errors name the field, what it must be, and the fix', () => {
  const bad = (raw: unknown): string => {
    try {
      parseRunConfig(raw);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    assert.fail('expected a ConfigError');
  };
  assert.match(bad({ algorithm: 'ppo' }), /field "algorithm" .*got "ppo"/);
  assert.match(bad({ grpo: { groupSize: 1 } }), /field "grpo.groupSize" .*got 1 — fix it in the config/);
  assert.match(bad({ grpo: { lrr: 1 } }), /grpo: unknown field\(s\) "lrr"/);
  assert.match(bad({ prompts: { source: 'shapes', categories: ['colour'] } }), /field "prompts.categories.0"/);
  assert.match(bad({ prompts: { source: 'words' } }), /field "prompts.source"/);
  assert.match(bad({ rewards: [{ kind: 'shapes_gold', options: { total: 'all' } }] }), /field "rewards.0.options.total"/);
  assert.match(bad({ stopOnNonFinite: { maxConsecutive: 0 } }), /field "stopOnNonFinite.maxConsecutive"/);
  assert.match(bad({ checkpoint: 'assets/base/shapes' }), /field "checkpoint"/);
  assert.match(bad({ algorithm: 'nft', nft: { hindsight: {} } }), /field "nft.hindsight" .*needs a reward that relabels — add options: \{ hindsight: true \}/);
  assert.match(bad({ algorithm: 'nft', nft: { hindsight: { r: 1.5 } }, rewards: [{ kind: 'shapes_gold', options: { hindsight: true } }] }), /field "nft.hindsight.r"/);
  const relabelling = parseRunConfig({ algorithm: 'nft', nft: { hindsight: {} }, rewards: [{ kind: 'shapes_gold', options: { total: 'partial', hindsight: true } }] });
  assert.deepEqual(relabelling.nft.hindsight, { r: 1, maxPerIteration: 64, paired: false });
  assert.match(bad({ algorithm: 'nft', nft: { encoder: { lr: 1e-4 } }, lora: { rank: 4, alpha: 4 } }), /field "nft.encoder" .*must train a fully fine-tuned policy .*remove nft.encoder or lora/);
  assert.deepEqual(parseRunConfig({ algorithm: 'nft', nft: { encoder: { lr: 3e-5 } } }).nft.encoder, { lr: 3e-5 });
});

test('configs/headline-shapes-hindsight*.yaml: NFT relabels with the gold reward\'s hindsight prompts', () => {
  const files = [['configs/headline-shapes-hindsight.yaml', 1, false], ['configs/headline-shapes-hindsight-r075.yaml', 0.75, false], ['configs/headline-shapes-hindsight-paired.yaml', 0.75, true]] as const;
  for (const [file, r, paired] of files) {
    const c = loadRunConfig(file);
    assert.equal(c.algorithm, 'nft');
    assert.equal(c.nft.hindsight?.r, r);
    assert.equal(c.nft.hindsight?.paired, paired);
    assert.equal(c.nft.timesteps.gridEnd, 5);
    assert.deepEqual(c.rewards[0]!.options, { total: 'partial', mode: 'strict', hindsight: true });
  }
});

test('configs/headline-shapes-encoder*.yaml: the high-noise headline with the prompt encoder trained, one change each', () => {
  const base = loadRunConfig('configs/headline-shapes-highnoise.yaml');
  const files = [['1e4', 1e-4, 1], ['3e5', 3e-5, 1], ['3e4', 3e-4, 1], ['steps2', 1e-4, 2]] as const;
  for (const [tag, lr, steps] of files) {
    const c = loadRunConfig(`configs/headline-shapes-encoder-${tag}.yaml`);
    assert.deepEqual(c.nft.encoder, { lr });
    assert.equal(c.nft.stepsPerEpoch, steps);
    assert.equal(c.out, `runs/headline-shapes-encoder-${tag}`);
    const same = (x: typeof c): unknown => ({ ...x, out: '', nft: { ...x.nft, encoder: undefined, stepsPerEpoch: 1 } });
    assert.deepEqual(same(c), same(base), `${tag}: everything else (draws, lr, anchor, evaluation, monitor) is the high-noise headline's`);
  }
});

test('configs/grpo-shapes.yaml parses in the run-config format', () => {
  const c = loadRunConfig('configs/grpo-shapes.yaml');
  assert.equal(c.algorithm, 'grpo');
  assert.equal(c.grpo.groupSize, 8);
  assert.equal(c.out, 'runs/grpo-shapes');
});

test('prompt sources: Shapes prompts carry their structure, the category filter holds, class prompts their index', () => {
  const rng = new Rng(1);
  const shapes = buildPromptSource(parseRunConfig({ prompts: { source: 'shapes', categories: ['counting'] } }).prompts);
  for (let i = 0; i < 20; i++) {
    const p = shapes.sample(rng);
    assert.equal(p.shapes?.category, 'counting');
    assert.equal(p.text, p.shapes?.text);
  }
  // admits: what the source could draw — its categories, and no held-out combination when it excludes them
  const excluding = buildPromptSource(parseRunConfig({ prompts: { source: 'shapes', categories: ['position'], heldOut: 'exclude' } }).prompts);
  const pos = (subject: 'square' | 'circle', object: 'triangle' | 'square') => {
    const p = makePrompt('position', [{ shape: subject, count: 1 }, { shape: object, count: 1 }], 'above');
    return { text: p.text, shapes: p };
  };
  assert.equal(excluding.admits?.(pos('square', 'triangle')), false, 'square above triangle is held out (DEFAULT_HELD_OUT)');
  assert.equal(excluding.admits?.(pos('circle', 'square')), true);
  assert.equal(shapes.admits?.(pos('circle', 'square')), false, 'outside the counting-only source');
  assert.equal(excluding.admits?.({ text: 'a circle' }), false, 'a prompt without structure');
  const classes = buildPromptSource(parseRunConfig({ prompts: { source: 'classes', dataset: 'mnist' } }).prompts);
  const c = classes.sample(rng);
  assert.equal(c.text, `the digit ${c.classIndex}`);
});
