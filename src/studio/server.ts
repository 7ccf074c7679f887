// The Studio's HTTP server (Fastify): the browser app, the read API over the run stores under the runs folder, live
// run updates over SSE, the labeling API and the jobs that close the loop (reward model, post-training run).
// Security rules (issue #13 §6), each tested in test/studio/security.test.ts:
//   - listens on 127.0.0.1 unless a host is given, and then a token is required for every request (auth.ts);
//   - mutating requests need a labeler or admin token, and a browser's Origin must be the Studio's own;
//   - every body is validated by a JSON schema, with a 16 KiB limit;
//   - file paths resolve inside the runs folder (paths.ts);
//   - requests are rate-limited per token (or per address without one);
//   - errors answer `{ error }` with a one-line message; a 500 never carries a stack trace or an internal message.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { authHook, tokenOf } from './auth.js';
import { LabelDb } from './label-db.js';
import { DEFAULT_QUEUE, LabelQueue, type QueueOptions } from './queue.js';
import { ensureWebBundle } from './web-bundle.js';
import { registerRunRoutes } from './routes-runs.js';
import { registerLabelRoutes } from './routes-labels.js';
import { registerJobRoutes } from './routes-jobs.js';
import { Jobs } from './jobs.js';
import { PAGE_HTML } from './page.js';

export interface StudioOptions {
  runsDir: string;
  port: number;
  host: string;
  /** The admin token; a random one is made when absent (required when host is not loopback). */
  token?: string;
  /** Requests per minute and token. */
  rateLimit: number;
  bodyLimit: number;
  queue: Readonly<QueueOptions>;
  /** Poll interval of the live run updates (ms). */
  pollMs: number;
}

export const DEFAULT_STUDIO: Readonly<StudioOptions> = Object.freeze({
  runsDir: 'runs',
  port: 4177,
  host: '127.0.0.1',
  rateLimit: 1200,
  bodyLimit: 16 * 1024,
  queue: DEFAULT_QUEUE,
  pollMs: 500,
});

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface Studio {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly adminToken: string;
  readonly db: LabelDb;
  readonly jobs: Jobs;
  close(): Promise<void>;
}

/** Builds and starts the Studio; resolves once it listens. */
export async function startStudio(opts: Partial<StudioOptions> = {}): Promise<Studio> {
  const o = { ...DEFAULT_STUDIO, ...opts };
  const exposed = !LOOPBACK.has(o.host);
  if (exposed && (o.token === undefined || o.token.length < 16)) {
    throw new Error(`refract studio: --token must be given (at least 16 characters) with --host ${o.host}, got ${o.token === undefined ? 'none' : 'a shorter one'} — a Studio reachable from other machines needs a secret`);
  }
  const runsDir = path.resolve(o.runsDir);
  const studioDir = path.join(runsDir, 'studio');
  mkdirSync(studioDir, { recursive: true });
  const bundle = await ensureWebBundle();
  const db = LabelDb.open(studioDir);
  const adminToken = o.token ?? randomBytes(18).toString('base64url');
  const app = Fastify({ bodyLimit: o.bodyLimit, logger: false, ajv: { customOptions: { removeAdditional: false, allErrors: false } } });
  const jobs = new Jobs(runsDir, db);
  const origins: string[] = [];
  app.decorateRequest('identity', null);
  app.addHook('onRequest', authHook(db, { adminToken, origins, tokenForReads: exposed }));
  await app.register(rateLimit, {
    max: o.rateLimit,
    timeWindow: 60_000,
    keyGenerator: (req) => tokenOf(req) ?? req.ip,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: `rate limit: at most ${ctx.max} requests per minute and token — slow down` }),
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      process.stderr.write(`refract studio: ${err.stack ?? err.message}\n`);
      return reply.code(500).send({ error: 'internal error (see the server log)' });
    }
    return reply.code(status).send({ error: err.validation ? `request ${err.message}` : err.message.split('\n')[0] });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'no such page or API route' }));
  const js = readFileSync(bundle);
  app.get('/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(js));
  for (const page of ['/', '/runs', '/run', '/samples', '/compare', '/cards', '/label', '/loop']) {
    app.get(page, async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML));
  }
  const queue = new LabelQueue(db, o.queue);
  registerRunRoutes(app, runsDir, o.pollMs);
  registerLabelRoutes(app, db, queue);
  registerJobRoutes(app, jobs);
  await app.listen({ port: o.port, host: o.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${shownHost}:${port}`;
  origins.push(url, `http://localhost:${port}`, `http://127.0.0.1:${port}`);
  return {
    app,
    url,
    adminToken,
    db,
    jobs,
    close: async () => {
      jobs.stopAll();
      await app.close();
      db.close();
    },
  };
}
