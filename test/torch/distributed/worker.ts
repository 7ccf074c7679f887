// One rank of the c10d binding tests (process-group.test.ts spawns 2 or 3 of these over 127.0.0.1). Reads its
// part from REFRACT_TEST_* variables, runs a scenario and prints one JSON line of what it saw.
import * as torch from '../../../src/torch/index.js';
import * as dist from '../../../src/torch/distributed/index.js';

// `node --test dist/test/` runs every file under a test folder: without a rank this is not a worker.
if (process.env['RANK'] === undefined) process.exit(0);
const rank = Number(process.env['RANK']);
const worldSize = Number(process.env['WORLD_SIZE']);
const scenario = process.env['REFRACT_TEST_SCENARIO'] ?? 'collectives';

function openStore(): dist.Store {
  const file = process.env['REFRACT_TEST_FILE_STORE'];
  if (file) return new dist.FileStore(file, worldSize, 20_000);
  return new dist.TCPStore({ host: '127.0.0.1', port: Number(process.env['MASTER_PORT']), isServer: rank === 0, worldSize, timeoutMs: 20_000 });
}

function errorOf(fn: () => void): string {
  try {
    fn();
    return '';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

function collectives(store: dist.Store): Record<string, unknown> {
  const sum = torch.tensor([rank + 1, 2 * (rank + 1)]);
  dist.allReduce(sum);
  const max = torch.tensor([rank, -rank]);
  dist.allReduce(max, { op: 'max' });
  const gathered = dist.allGather(torch.tensor([rank, rank * 10]));
  const root = worldSize - 1;
  const b = rank === root ? torch.tensor([42, 43]) : torch.zeros([2]);
  dist.broadcast(b, root);
  dist.barrier();
  store.set(`key${rank}`, `value of ${rank}`);
  const neighbour = store.get(`key${(rank + 1) % worldSize}`);
  const counter = store.add('counter', 1);
  dist.barrier();
  const nonContiguous = errorOf(() => dist.allReduce(torch.zeros([2, 3]).t()));
  return {
    sum: sum.toArray(),
    max: max.toArray(),
    gathered: gathered.map((t) => t.toArray()),
    broadcast: b.toArray(),
    neighbour,
    counterAfterBarrier: store.add('counter', 0),
    counterSeen: counter,
    nonContiguous,
  };
}

/** Rank 1 arrives late: rank 0's allReduce must fail after its own 500 ms, naming the op. */
function timeout(): Record<string, unknown> {
  if (rank !== 0) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    return {};
  }
  const t0 = performance.now();
  const error = errorOf(() => dist.allReduce(torch.ones([4]), { timeoutMs: 500 }));
  return { error, seconds: (performance.now() - t0) / 1000 };
}

const store = openStore();
dist.initProcessGroup({ backend: 'gloo', rank, worldSize, store, timeoutMs: 20_000 });
const result = scenario === 'timeout' ? timeout() : collectives(store);
process.stdout.write(`${JSON.stringify({ rank, ...result })}\n`);
// A rank whose peer may still be inside a collective exits without joining Gloo's threads (native/distributed.cc).
process.exit(0);
