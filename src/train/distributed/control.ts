// What rank 0 tells the other ranks, in order, through the TCPStore: `refract/control/<n>` holds message n as JSON.
// Rank 0 alone decides everything around the iteration (evaluation, stop rules, monitor actions, checkpoints); the
// others only need to know which iteration to step next, when to take rank 0's state, when to raise the KL weight
// and when to end. A follower waits for each message up to the store's timeout.
import type { TCPStore } from '../../torch/distributed/index.js';
import type { JsonValue } from '../../models/checkpoint.js';

/** A tensor of the algorithm state that follows a 'sync' message (by broadcast from rank 0, in this order). */
export interface TensorMeta {
  name: string;
  shape: number[];
  dtype: string;
}

export type ControlMessage =
  | { kind: 'sync'; policy: string[]; algorithm: TensorMeta[]; json: Record<string, JsonValue> }
  | { kind: 'step'; iteration: number }
  | { kind: 'scaleKl'; factor: number }
  | { kind: 'end'; status: string }
  | { kind: 'abort'; message: string };

export class ControlChannel {
  #sent = 0;
  #read = 0;
  constructor(private readonly store: TCPStore) {}

  post(message: ControlMessage): void {
    this.store.set(`refract/control/${this.#sent++}`, JSON.stringify(message));
  }

  /** The next message (waits up to the store's timeout for rank 0 to post it). */
  next(): ControlMessage {
    return JSON.parse(this.store.get(`refract/control/${this.#read++}`)) as ControlMessage;
  }
}
