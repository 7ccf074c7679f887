// What a data-parallel or GPU run is checked for before anything starts: torchrun's variables, the config's
// fitness for sharding, and the device/precision refusal — each error one line that says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankEnvFrom } from '../../src/train/distributed/rank-env.js';
import { checkDataParallel } from '../../src/train/distributed/check.js';
import { backendFor, checkDevice } from '../../src/train/device.js';
import { parseRunConfig } from '../../src/train/config.js';
import { cudaAvailability } from '../../src/torch/index.js';

test('torchrun variables: absent or WORLD_SIZE=1 is one process; otherwise every rank variable is read and checked', () => {
  assert.equal(rankEnvFrom({}), null);
  assert.equal(rankEnvFrom({ WORLD_SIZE: '1' }), null);
  assert.deepEqual(rankEnvFrom({ WORLD_SIZE: '3', RANK: '2', MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29500' }), {
    rank: 2,
    worldSize: 3,
    localRank: 2,
    masterAddr: '10.0.0.5',
    masterPort: 29500,
  });
  assert.equal(rankEnvFrom({ WORLD_SIZE: '2', RANK: '1', LOCAL_RANK: '0', MASTER_PORT: '1234' })!.localRank, 0);
  assert.throws(() => rankEnvFrom({ WORLD_SIZE: '2', MASTER_PORT: '1' }), /^UsageError: refract train: RANK must be set/);
  assert.throws(() => rankEnvFrom({ WORLD_SIZE: '2', RANK: '2', MASTER_PORT: '1' }), /RANK must be below WORLD_SIZE 2, got 2/);
  assert.throws(() => rankEnvFrom({ WORLD_SIZE: 'two' }), /WORLD_SIZE must be an integer ≥ 1, got "two"/);
  assert.throws(() => rankEnvFrom({ WORLD_SIZE: '2', RANK: '0', MASTER_PORT: '70000' }), /MASTER_PORT must be a TCP port/);
});

test('a data-parallel config: samples divisible by the ranks (online), any pair count (offline DPO)', () => {
  const grpo = (over: Record<string, unknown>) => parseRunConfig({ algorithm: 'grpo', grpo: { promptsPerIteration: 2, groupSize: 4, ...over } });
  checkDataParallel(grpo({}), 2);
  checkDataParallel(grpo({}), 8);
  assert.throws(() => checkDataParallel(grpo({}), 3), /grpo.promptsPerIteration × grpo.groupSize must be a multiple of the 3 ranks, got 2 × 4 = 8/);
  checkDataParallel(grpo({ skipZeroVarianceGroups: true, dense: { map: 'pixel_alignment' } }), 2); // decided on all rewards
  checkDataParallel(parseRunConfig({ algorithm: 'dpo' }), 2); // 8 × 8 online samples
  checkDataParallel(parseRunConfig({ algorithm: 'dpo', dpo: { mode: 'offline', offline: { pairsPerIteration: 5 } } }), 3); // any pair count
  assert.throws(
    () => checkDataParallel(parseRunConfig({ algorithm: 'dpo', dpo: { online: { promptsPerIteration: 3, groupSize: 3 } } }), 2),
    /^UsageError: refract train: dpo.online.promptsPerIteration × dpo.online.groupSize must be a multiple of the 2 ranks, got 3 × 3 = 9 — change them or --nproc$/,
  );
  checkDataParallel(parseRunConfig({ algorithm: 'rwr', rwr: { promptsPerIteration: 3, samplesPerPrompt: 2 } }), 2);
  assert.throws(
    () => checkDataParallel(parseRunConfig({ algorithm: 'nft', nft: { promptsPerIteration: 2, skipZeroVarianceGroups: true } }), 2),
    /nft.skipZeroVarianceGroups must be false with several ranks, got true/,
  );
  const relabelling = parseRunConfig({ algorithm: 'nft', nft: { promptsPerIteration: 2, hindsight: {} }, rewards: [{ kind: 'shapes_gold', options: { hindsight: true } }] });
  assert.throws(() => checkDataParallel(relabelling, 2), /nft.hindsight must be absent with several ranks, got a hindsight section/);
  checkDataParallel(parseRunConfig({ algorithm: 'reward_backprop', reward_backprop: { batchSize: 4 } }), 4);
  assert.throws(() => checkDataParallel(parseRunConfig({ algorithm: 'reward_backprop', reward_backprop: { batchSize: 6 } }), 4), /reward_backprop.batchSize must be a multiple of the 4 ranks, got 6/);
});

test('device cuda and bf16 parse but are refused with the reason; cpu and fp32 pass; NCCL is the CUDA backend', () => {
  checkDevice(parseRunConfig({}));
  checkDevice(parseRunConfig({ device: 'cpu', precision: 'fp32' }));
  // the reason depends on the machine: no CUDA in this libtorch (here), or CUDA but the loop not placed on it
  const reason = cudaAvailability().available
    ? /^UsageError: refract train: device must be cpu in this version, got cuda — CUDA is available, but the training loop is not placed on it yet .*remove `device`/
    : /^UsageError: refract train: device must be cpu on this machine, got cuda — this libtorch cannot use CUDA here \(.+\); .*or remove `device`$/;
  assert.throws(() => checkDevice(parseRunConfig({ device: 'cuda' })), reason);
  assert.throws(() => checkDevice(parseRunConfig({ precision: 'bf16' })), /precision must be fp32 in this version, got bf16/);
  assert.throws(() => parseRunConfig({ device: 'tpu' }), /device/);
  assert.equal(backendFor('cuda'), 'nccl');
  assert.equal(backendFor('cpu'), 'gloo');
  assert.equal(backendFor(undefined), 'gloo');
});
