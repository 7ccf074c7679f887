// Who is asking, and may they? One hook before every route:
//   - the token comes from `Authorization: Bearer <token>` (or `?token=`, for <img> and EventSource, which cannot set
//     headers); the admin token is the server's, a labeler's is looked up by its SHA-256 in the label database;
//   - a mutating request (POST, PUT, PATCH, DELETE) needs a token and, when the browser sent an Origin, that Origin
//     must be the Studio's own (a page elsewhere cannot make a logged-in browser label or launch runs: CSRF);
//   - when the server listens beyond loopback (`--host`), every /api request needs a token, reads included.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LabelDb, Role } from './label-db.js';

export interface Identity {
  readonly name: string;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
  }
}

export interface AuthOptions {
  adminToken: string;
  /** Origins a mutating request may come from (the Studio's own URLs). */
  origins: readonly string[];
  /** Every /api request needs a token (the server listens beyond loopback). */
  tokenForReads: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function tokenOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.startsWith('Bearer ')) return h.slice(7).trim() || null;
  const q = (req.query as Record<string, unknown> | undefined)?.['token'];
  return typeof q === 'string' && q.length > 0 ? q : null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function identify(token: string | null, db: LabelDb, adminToken: string): Identity | null {
  if (token === null || token.length > 200) return null;
  if (sameSecret(token, adminToken)) return { name: 'admin', role: 'admin' };
  return db.labelerOfToken(token);
}

/** The onRequest hook: sets req.identity and answers 401/403 for requests the rules refuse. */
export function authHook(db: LabelDb, o: AuthOptions) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    req.identity = identify(tokenOf(req), db, o.adminToken);
    const isApi = req.url.startsWith('/api/');
    if (MUTATING.has(req.method)) {
      const origin = req.headers.origin;
      if (origin !== undefined && !o.origins.includes(origin)) {
        await reply.code(403).send({ error: `Origin must be the Studio's own (${o.origins[0]}), got ${origin.slice(0, 100)}` });
        return;
      }
      if (req.identity === null) {
        await reply.code(401).send({ error: 'a labeler or admin token must be sent (Authorization: Bearer <token>)' });
        return;
      }
    } else if (isApi && o.tokenForReads && req.identity === null) {
      await reply.code(401).send({ error: 'a token must be sent: this Studio listens beyond loopback' });
    }
  };
}

/** Throws a 403 unless the request comes from the admin. */
export function requireAdmin(req: FastifyRequest): Identity {
  if (req.identity?.role !== 'admin') throw Object.assign(new Error('this needs the admin token'), { statusCode: 403 });
  return req.identity;
}

export function requireLabeler(req: FastifyRequest): Identity {
  if (req.identity === null) throw Object.assign(new Error('a labeler or admin token must be sent'), { statusCode: 401 });
  return req.identity;
}
