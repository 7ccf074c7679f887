// torch.distributed's process-group API on c10d (native/distributed.cc): initProcessGroup, allReduce, allGather,
// broadcast, barrier, destroyProcessGroup — PyTorch's names, camelCased. Collectives run on a default group set by
// initProcessGroup (or on one passed as `group`), in place where PyTorch's are, and each is bounded by a timeout:
// a peer that died or hangs becomes a TorchError naming the op, never a hang.
import { Tensor } from '../tensor.js';
import { TorchError } from '../native.js';
import { dist } from './binding.js';
import { DEFAULT_TIMEOUT_MS, type Store } from './store.js';

export type Backend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'max' | 'min' | 'product';

export interface InitOptions {
  /** 'gloo' (CPU tensors) or 'nccl' (CUDA tensors; needs a CUDA libtorch build). */
  backend: Backend;
  rank: number;
  worldSize: number;
  store: Store;
  /** Rendezvous and default collective timeout. */
  timeoutMs?: number;
}

export interface CollectiveOptions {
  group?: ProcessGroup;
  timeoutMs?: number;
}

export class ProcessGroup {
  readonly backend: Backend;
  readonly rank: number;
  readonly worldSize: number;
  readonly timeoutMs: number;
  #id: number;

  constructor(options: InitOptions) {
    const { backend, rank, worldSize } = options;
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new TorchError(`worldSize must be a positive integer, got ${worldSize}`, 'initProcessGroup');
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new TorchError(`rank must be an integer in [0, ${worldSize}), got ${rank}`, 'initProcessGroup');
    }
    this.backend = backend;
    this.rank = rank;
    this.worldSize = worldSize;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#id = dist.distNewGroup(backend, options.store.id, rank, worldSize, this.timeoutMs);
  }

  get id(): number {
    if (this.#id < 0) throw new TorchError('the process group was used after destroyProcessGroup()', 'ProcessGroup');
    return this.#id;
  }

  /** Frees the native group (its worker threads end once their current collective does). */
  destroy(): void {
    if (this.#id < 0) return;
    dist.distGroupFree(this.#id);
    this.#id = -1;
  }
}

let defaultGroup: ProcessGroup | null = null;

/** Joins the group (every rank must call it with the same worldSize and store); it becomes the default group. */
export function initProcessGroup(options: InitOptions): ProcessGroup {
  if (defaultGroup !== null) throw new TorchError('the default process group is already initialized (destroyProcessGroup() first)', 'initProcessGroup');
  defaultGroup = new ProcessGroup(options);
  return defaultGroup;
}

export function isInitialized(): boolean {
  return defaultGroup !== null;
}

function groupOf(op: string, options: CollectiveOptions | undefined): ProcessGroup {
  const g = options?.group ?? defaultGroup;
  if (g === null) throw new TorchError('no process group: call initProcessGroup first', op);
  return g;
}

export function getRank(group?: ProcessGroup): number {
  return groupOf('getRank', { group }).rank;
}

export function getWorldSize(group?: ProcessGroup): number {
  return groupOf('getWorldSize', { group }).worldSize;
}

/** Reduces `tensor` across ranks in place (torch.distributed.all_reduce); default op 'sum'. */
export function allReduce(tensor: Tensor, options: CollectiveOptions & { op?: ReduceOp } = {}): void {
  const g = groupOf('allReduce', options);
  dist.distAllReduce(g.id, tensor.id, options.op ?? 'sum', options.timeoutMs ?? g.timeoutMs);
}

/** Every rank's `tensor` (same shape on all), in rank order: new tensors the caller owns. */
export function allGather(tensor: Tensor, options: CollectiveOptions = {}): Tensor[] {
  const g = groupOf('allGather', options);
  return dist.distAllGather(g.id, tensor.id, options.timeoutMs ?? g.timeoutMs).map((id) => new Tensor(id));
}

/** Copies rank `src`'s `tensor` into every rank's `tensor`, in place. */
export function broadcast(tensor: Tensor, src: number, options: CollectiveOptions = {}): void {
  const g = groupOf('broadcast', options);
  dist.distBroadcast(g.id, tensor.id, src, options.timeoutMs ?? g.timeoutMs);
}

/** Returns once every rank has called it. */
export function barrier(options: CollectiveOptions = {}): void {
  const g = groupOf('barrier', options);
  dist.distBarrier(g.id, options.timeoutMs ?? g.timeoutMs);
}

/** Destroys `group` (default: the default group, which is then unset). */
export function destroyProcessGroup(group?: ProcessGroup): void {
  const g = group ?? defaultGroup;
  g?.destroy();
  if (g === defaultGroup) defaultGroup = null;
}

/** The backends this build of the addon has ('gloo' always; 'nccl' with a CUDA libtorch). */
export function availableBackends(): Backend[] {
  return dist.distBackends() as Backend[];
}
