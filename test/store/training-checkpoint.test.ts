// Training checkpoint folders (issue #12 defects 4 and 5): latest.json damaged, missing or pointing at an
// incomplete folder gives one clean line or the newest complete folder; temporaries of dead writers are removed,
// a live writer's are kept; a failed save leaves the previous checkpoint and no temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  checkpointSteps,
  latestCheckpointStep,
  loadTrainingCheckpoint,
  removeStaleTemps,
  saveTrainingCheckpoint,
} from '../../src/store/training-checkpoint.js';

function save(dir: string, step: number, value = step): string {
  const t = torch.tensor([value]);
  try {
    return saveTrainingCheckpoint(dir, { step, tensors: { model: new Map([['w', t]]) }, state: { step } }, 5);
  } finally {
    t.dispose();
  }
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-ckpt-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('latest.json: damaged gives one clean line; missing falls back to the newest complete folder', () => {
  withDir((dir) => {
    save(dir, 1);
    save(dir, 2);
    writeFileSync(path.join(dir, 'latest.json'), '{"step": 2, "pa');
    assert.throws(() => latestCheckpointStep(dir), (e: unknown) => {
      assert.ok(!(e instanceof SyntaxError));
      assert.match((e as Error).message, /^refract checkpoint: .*latest\.json must be JSON like \{"step": 20, "path": "step-000020"\}, got "\{\\"step\\": 2, \\"pa" — .*delete it to resume from the newest complete step folder$/);
      return true;
    });
    writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ step: 2, path: '../../etc' }));
    assert.throws(() => latestCheckpointStep(dir), /must be JSON like/, 'a path that is not the step folder is refused');
    rmSync(path.join(dir, 'latest.json'));
    mkdirSync(path.join(dir, 'step-000009')); // incomplete: no state.json
    assert.equal(latestCheckpointStep(dir), 2);
    assert.deepEqual(checkpointSteps(dir), [1, 2]);
    const ck = loadTrainingCheckpoint<{ step: number }>(dir);
    assert.equal(ck.step, 2);
    torch.disposeAll([...ck.tensors['model']!.values()]);
    writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ step: 9, path: 'step-000009' }));
    assert.throws(() => latestCheckpointStep(dir), /latest\.json must point at a complete checkpoint, got "step-000009", which is incomplete — delete latest\.json/);
  });
});

test('temporaries of dead writers are removed by the next save; a live writer\'s are kept', () => {
  withDir((dir) => {
    mkdirSync(dir, { recursive: true });
    const dead = 2 ** 22 + 777; // above the default pid_max
    mkdirSync(path.join(dir, `.step-000003.tmp-${dead}`));
    writeFileSync(path.join(dir, `latest.json.tmp-${dead}`), '{');
    mkdirSync(path.join(dir, `.step-000004.tmp-${process.ppid}`)); // our parent: alive
    assert.deepEqual(removeStaleTemps(dir).sort(), [`.step-000003.tmp-${dead}`, `latest.json.tmp-${dead}`]);
    save(dir, 5);
    assert.deepEqual(readdirSync(dir).sort(), [`.step-000004.tmp-${process.ppid}`, 'latest.json', 'step-000005']);
  });
});

test('a failed save leaves the previous checkpoint and no temporary folder', () => {
  withDir((dir) => {
    save(dir, 1);
    const gone = torch.tensor([1]);
    gone.dispose();
    assert.throws(() => saveTrainingCheckpoint(dir, { step: 2, tensors: { model: new Map([['w', gone]]) }, state: {} }));
    assert.deepEqual(readdirSync(dir).sort(), ['latest.json', 'step-000001']);
    assert.equal(latestCheckpointStep(dir), 1);
  });
});
