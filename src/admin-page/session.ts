import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { ApiCaller } from '../platform/apiKeys';
import type { RedisClient } from '../platform/redis';

/**
 * The finance page's sessions: a random id in an HttpOnly, Secure, SameSite=Strict `__Host-` cookie;
 * Redis keeps, under the id's hash (a dump of Redis gives no usable cookie), the key's name and role and the
 * session's CSRF token. The key itself is never stored.
 */

/** `__Host-`: Secure, Path=/, no Domain, so no sibling subdomain of the site can plant or shadow it. */
export const adminCookieName = '__Host-rs_admin';
export const adminSessionTtlS = 8 * 3600;

export interface AdminSession {
  id: string;
  caller: ApiCaller;
  csrf: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Compares a presented CSRF token with the session's in constant time (hashes first: lengths may differ). */
export function csrfMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  return timingSafeEqual(sha256(expected), sha256(presented));
}

export function adminSessions(redis: RedisClient, prefix: string) {
  // The session and its flash message share one hash tag, so signing out deletes both in one command on Cluster too.
  const keyOf = (id: string) => `${prefix}admin-session:{${sha256(id).toString('hex')}}`;

  return {
    /** Starts a session for a caller and sets its cookie; a new id each time (no fixation). */
    async start(res: Response, caller: ApiCaller): Promise<void> {
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      await redis
        .multi()
        .hset(keyOf(id), 'name', caller.name, 'role', caller.role, 'csrf', csrf)
        .expire(keyOf(id), adminSessionTtlS)
        .exec();
      res.cookie(adminCookieName, id, {
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        path: '/',
        maxAge: adminSessionTtlS * 1000,
      });
    },

    /** The session the request's cookie names, or null. */
    async find(req: Request): Promise<AdminSession | null> {
      const id = parseCookie(req.headers.cookie ?? '')[adminCookieName];
      if (!id || id.length > 100) return null;
      const [name, role, csrf] = await redis.hmget(keyOf(id), 'name', 'role', 'csrf');
      if (!name || !csrf || (role !== 'finance' && role !== 'admin')) return null;
      return { id, caller: { name, role }, csrf };
    },

    async end(res: Response, session: AdminSession | null): Promise<void> {
      if (session) await redis.del(keyOf(session.id), `${keyOf(session.id)}:flash`);
      res.clearCookie(adminCookieName, { httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
    },

    /** A message shown once, on the next page. */
    async flash(session: AdminSession, message: FlashMessage): Promise<void> {
      await redis.set(`${keyOf(session.id)}:flash`, JSON.stringify(message), 'EX', 300);
    },

    async takeFlash(session: AdminSession): Promise<FlashMessage | null> {
      const text = await redis.getdel(`${keyOf(session.id)}:flash`);
      return text ? (JSON.parse(text) as FlashMessage) : null;
    },
  };
}

export type AdminSessions = ReturnType<typeof adminSessions>;

/** A message for the next page, in its language; `detail`: technical text in English (a problem's detail). */
export interface FlashMessage {
  ok: boolean;
  text: string;
  detail?: string;
}
