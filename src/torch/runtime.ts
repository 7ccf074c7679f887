// Threads, determinism, versions and live-memory statistics.
import { native, type NativeStats } from './native.js';

/** Sets libtorch's intra-op thread count (torch.set_num_threads). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** torch.use_deterministic_algorithms: ops without a deterministic implementation then throw. */
export function useDeterministicAlgorithms(on: boolean): void {
  native.setDeterministic(on);
}

export function areDeterministicAlgorithmsEnabled(): boolean {
  return native.getDeterministic();
}

/** Live native tensors and their bytes: what the memory tests watch. */
export function memoryStats(): NativeStats {
  return native.stats();
}

export function versions(): { torch: string; node: string; parallel: string } {
  const v = native.versions();
  return { torch: v.torch, node: process.version, parallel: v.parallel };
}
