// The key-value stores ranks meet through, as torch.distributed names them: TCPStore (one rank hosts it, the others
// connect over TCP; torchrun's MASTER_ADDR:MASTER_PORT) and FileStore (a file on a filesystem every rank sees).
// Values are strings here (torch's are bytes); every blocking call is bounded by the store's timeout.
import { dist } from './binding.js';

/** Default for every distributed wait: long enough for a slow evaluation on rank 0, short enough to end a hang. */
export const DEFAULT_TIMEOUT_MS = 300_000;

export abstract class Store {
  #id: number;
  protected constructor(id: number) {
    this.#id = id;
  }

  /** The native handle; throws once destroyed. */
  get id(): number {
    if (this.#id < 0) throw new Error('Store: used after destroy()');
    return this.#id;
  }

  set(key: string, value: string): void {
    dist.distStoreSet(this.id, key, value);
  }

  /** The value of `key`, waiting for it to be set (up to the store's timeout). */
  get(key: string): string {
    return dist.distStoreGet(this.id, key);
  }

  /** Adds `amount` to the integer at `key` (0 when unset); returns the new value. */
  add(key: string, amount: number): number {
    return dist.distStoreAdd(this.id, key, amount);
  }

  /** Whether every key is set, without waiting. */
  check(keys: string[]): boolean {
    return dist.distStoreCheck(this.id, keys);
  }

  /** Waits until every key is set; throws after `timeoutMs`. */
  wait(keys: string[], timeoutMs: number): void {
    dist.distStoreWait(this.id, keys, timeoutMs);
  }

  deleteKey(key: string): boolean {
    return dist.distStoreDelete(this.id, key);
  }

  /** Drops this handle (the native store lives on while a process group still uses it). */
  destroy(): void {
    if (this.#id < 0) return;
    dist.distStoreFree(this.#id);
    this.#id = -1;
  }
}

export interface TCPStoreOptions {
  host: string;
  /** 0 on the server picks a free port (read it back from `port`). */
  port: number;
  /** True on the rank that hosts the store (rank 0 under torchrun). */
  isServer: boolean;
  worldSize: number;
  timeoutMs?: number;
}

export class TCPStore extends Store {
  /** The port the store listens on (the server's real port when it was asked for 0). */
  readonly port: number;
  constructor(options: TCPStoreOptions) {
    const made = dist.distTcpStore(options.host, options.port, options.isServer, options.worldSize, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    super(made.id);
    this.port = made.port;
  }
}

export class FileStore extends Store {
  constructor(file: string, worldSize: number, timeoutMs = DEFAULT_TIMEOUT_MS) {
    super(dist.distFileStore(file, worldSize, timeoutMs));
  }
}
