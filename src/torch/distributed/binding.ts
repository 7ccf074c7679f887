// The c10d half of the native addon (native/distributed.cc), typed. It is registered on the same addon object as
// the tensor binding; this file gives it its own interface so src/torch/native.ts stays the tensor core's.
import { native } from '../native.js';

export interface DistributedBinding {
  distTcpStore(host: string, port: number, isServer: boolean, worldSize: number, timeoutMs: number): { id: number; port: number };
  distFileStore(path: string, worldSize: number, timeoutMs: number): number;
  distStoreSet(store: number, key: string, value: string): void;
  distStoreGet(store: number, key: string): string;
  distStoreAdd(store: number, key: string, amount: number): number;
  distStoreCheck(store: number, keys: string[]): boolean;
  distStoreWait(store: number, keys: string[], timeoutMs: number): void;
  distStoreDelete(store: number, key: string): boolean;
  distStoreFree(store: number): boolean;
  distNewGroup(backend: string, store: number, rank: number, worldSize: number, timeoutMs: number): number;
  distBackends(): string[];
  distAllReduce(group: number, tensor: number, op: string, timeoutMs: number): void;
  distAllGather(group: number, tensor: number, timeoutMs: number): number[];
  distBroadcast(group: number, tensor: number, root: number, timeoutMs: number): void;
  distBarrier(group: number, timeoutMs: number): void;
  distGroupFree(group: number): boolean;
}

export const dist = native as unknown as DistributedBinding;
