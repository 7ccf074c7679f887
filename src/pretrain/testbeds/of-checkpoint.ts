// Which testbed a saved model belongs to — so `refract sample` / `refract eval` tokenize prompts with the right
// vocabulary. Exported checkpoints record it (extra.testbed, or the pretrain config's testbed); older Shapes
// checkpoints record nothing and fall back by kind: images → shapes, video → moving_shapes.
import type { CheckpointKind, JsonValue } from '../../models/checkpoint.js';
import { TESTBEDS, TESTBED_NAMES, type TestbedName, type TrainingTestbed } from './index.js';

function isTestbedName(v: unknown): v is TestbedName {
  return typeof v === 'string' && (TESTBED_NAMES as readonly string[]).includes(v);
}

export function testbedOfCheckpoint(kind: CheckpointKind, extra: Readonly<Record<string, JsonValue>>): TrainingTestbed {
  const pretrain = extra.pretrain;
  const named =
    extra.testbed ??
    (typeof pretrain === 'object' && pretrain !== null && !Array.isArray(pretrain)
      ? (pretrain as Record<string, JsonValue>).testbed
      : undefined);
  if (isTestbedName(named)) return TESTBEDS[named];
  return kind === 'text-to-video' ? TESTBEDS.moving_shapes : TESTBEDS.shapes;
}
