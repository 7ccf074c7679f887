// Rank 0's state to every rank, as DistributedDataParallel broadcasts the module's state from rank 0 when it is
// built: the policy's parameters and buffers, then the algorithm's state (optimizer moments, EMA weights, KL weight,
// counters). Sent at the start (fresh or resumed: only rank 0 reads the checkpoint, so the run folder need not be
// shared between machines) and after anything replaced rank 0's state between iterations (a monitor's rollback).
import * as torch from '../../torch/index.js';
import type { Tensor, DType } from '../../torch/index.js';
import { broadcast } from '../../torch/distributed/index.js';
import type { ImagePolicy } from '../../models/index.js';
import type { Algorithm } from '../../algorithms/algorithm.js';
import type { JsonValue } from '../../models/checkpoint.js';
import type { DistributedRun } from './run-group.js';
import type { ControlMessage } from './control.js';

/** Broadcasts `t` from rank 0 into `t` (through a contiguous copy when it is a strided view). */
function broadcastInto(t: Tensor, run: DistributedRun): void {
  const c = t.contiguous();
  broadcast(c, 0, { group: run.group });
  if (run.env.rank !== 0) t.copy_(c);
}

/** Rank 0: posts the 'sync' message and broadcasts the policy and the algorithm state. */
export function sendState(run: DistributedRun, policy: ImagePolicy, algorithm: Algorithm): void {
  torch.scope(() =>
    torch.noGrad(() => {
      const weights = policy.stateDict();
      const state = algorithm.stateDict();
      const names = Object.keys(state.tensors);
      run.control.post({
        kind: 'sync',
        policy: [...weights.keys()],
        algorithm: names.map((name) => ({ name, shape: state.tensors[name]!.shape, dtype: state.tensors[name]!.dtype })),
        json: state.json as Record<string, JsonValue>,
      });
      for (const t of weights.values()) broadcastInto(t, run);
      for (const name of names) broadcastInto(state.tensors[name]!, run);
    }),
  );
}

/** The other ranks: takes the state announced by `message` (a 'sync' read from the control channel). */
export function receiveState(run: DistributedRun, message: Extract<ControlMessage, { kind: 'sync' }>, policy: ImagePolicy, algorithm: Algorithm): void {
  torch.scope(() =>
    torch.noGrad(() => {
      const weights = policy.stateDict();
      const mine = [...weights.keys()];
      if (mine.length !== message.policy.length || mine.some((n, i) => n !== message.policy[i])) {
        throw new Error(
          `refract train: the policy of rank ${run.env.rank} must have rank 0's tensors (${message.policy.length}), got ${mine.length} ` +
            'different ones — give every rank the same base and lora settings',
        );
      }
      for (const t of weights.values()) broadcastInto(t, run);
      const tensors = Object.fromEntries(
        message.algorithm.map((m) => {
          const t = torch.zeros(m.shape, { dtype: m.dtype as DType });
          broadcastInto(t, run);
          return [m.name, t];
        }),
      );
      algorithm.loadStateDict({ tensors, json: message.json });
    }),
  );
}
