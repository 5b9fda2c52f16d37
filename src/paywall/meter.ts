import { createHash, createHmac, hkdfSync, type KeyObject, timingSafeEqual } from 'node:crypto';
import { z } from '../zod';
import type { MeterPeriod } from './period';

/**
 * The anonymous reader's meter: the period and the premium articles opened in it, signed by the service with
 * HMAC-SHA256 and kept by the browser (`localStorage`, and the `rs_meter` cookie for the site's backend). Editing
 * it breaks the signature, and a meter that does not verify counts as used up, never as fresh. Clearing storage
 * does reset it: a meter the browser keeps cannot be stronger than that.
 *
 * `m1.<key id>.<base64url JSON {p, a, x?}>.<base64url HMAC>`: `p` the period, `a` a short digest of each article
 * id (12 characters: the meter stays small whatever the site's ids), `x` set on a meter given for a refused one.
 * A meter signed by a key the service no longer has (a rotation) is no meter: fresh, never used up.
 */

export interface MeterState {
  period: string;
  articles: string[];
  /** Given in place of a meter that did not verify: nothing more opens this period. */
  exhausted: boolean;
}

/** What a meter sent by a reader turned out to be. */
export type ReceivedMeter = { kind: 'none' } | { kind: 'valid'; state: MeterState } | { kind: 'invalid' };

const version = 'm1';
/** Far above what a policy's allowance (≤ 100 articles) signs; a longer value is refused unread. */
export const maxMeterLength = 4096;

const payloadSchema = z
  .object({
    p: z.string().regex(/^\d{4}-\d{2}$/),
    a: z.array(z.string().regex(/^[A-Za-z0-9_-]{12}$/)).max(100),
    x: z.literal(1).optional(),
  })
  .strict();

/** The digest a meter keeps of an article id. */
export function articleDigest(articleId: string): string {
  return createHash('sha256').update(articleId).digest('base64url').slice(0, 12);
}

const keyId = (key: Buffer) => createHash('sha256').update(key).digest('base64url').slice(0, 8);

export interface MeterSigner {
  sign(state: MeterState): string;
  read(value: string | undefined): ReceivedMeter;
}

/**
 * Signs with the first secret and accepts any (two while rotating). Without `PAYWALL_METER_SECRETS`, one secret
 * is derived from the access tokens' signing key (HKDF), so rotating that key also resets every browser's meter.
 */
export function meterSigner(secrets: string[], signingKey: KeyObject): MeterSigner {
  const keys =
    secrets.length > 0
      ? secrets.map((secret) => Buffer.from(secret, 'utf8'))
      : [
          Buffer.from(
            hkdfSync(
              'sha256',
              signingKey.export({ format: 'der', type: 'pkcs8' }),
              'reader-support',
              'paywall meter v1',
              32,
            ),
          ),
        ];
  const byId = new Map(keys.map((key) => [keyId(key), key]));
  const signing = keys[0] as Buffer;
  const mac = (key: Buffer, signed: string) => createHmac('sha256', key).update(signed).digest();
  return {
    sign(state) {
      const payload = { p: state.period, a: state.articles, ...(state.exhausted ? { x: 1 } : {}) };
      const signed = `${version}.${keyId(signing)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${signed}.${mac(signing, signed).toString('base64url')}`;
    },
    read(value) {
      if (value === undefined || value === '') return { kind: 'none' };
      if (value.length > maxMeterLength) return { kind: 'invalid' };
      const [head, id, body, signature, ...rest] = value.split('.');
      if (head !== version || !id || !body || !signature || rest.length > 0) return { kind: 'invalid' };
      const key = byId.get(id);
      // Signed before a rotation dropped its key: the reader is not to blame, the meter starts afresh.
      if (!key) return { kind: 'none' };
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(key, `${head}.${id}.${body}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid' };
      let parsed: z.infer<typeof payloadSchema>;
      try {
        parsed = payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
      } catch {
        return { kind: 'invalid' };
      }
      return { kind: 'valid', state: { period: parsed.p, articles: parsed.a, exhausted: parsed.x === 1 } };
    },
  };
}

/** What the meter decided for one premium page view. */
export interface MeterDecision {
  access: 'metered' | 'denied';
  /** Premium articles still free this period, this one counted. */
  remaining: number;
  reason: 'counted' | 'already_counted' | 'allowance_used' | 'meter_invalid';
  /** Did this view spend one of the allowance? */
  counted: boolean;
}

/**
 * Counts a view on a browser's meter: a meter from a past period starts afresh, one from another (future) period
 * or that did not verify is used up; an article already opened this period does not count again.
 */
export function meterView(
  received: ReceivedMeter,
  articleId: string,
  period: MeterPeriod,
  allowance: number,
): { decision: MeterDecision; state: MeterState } {
  const fresh: MeterState = { period: period.id, articles: [], exhausted: false };
  let state = fresh;
  if (received.kind === 'invalid') state = { ...fresh, exhausted: true };
  else if (received.kind === 'valid' && received.state.period === period.id) state = received.state;
  else if (received.kind === 'valid' && received.state.period > period.id)
    state = { ...fresh, exhausted: true };
  if (state.exhausted) {
    return {
      decision: { access: 'denied', remaining: 0, reason: 'meter_invalid', counted: false },
      state,
    };
  }
  const article = articleDigest(articleId);
  const decision = countView(state.articles.includes(article), state.articles.length, allowance);
  return {
    decision,
    state: decision.counted ? { ...state, articles: [...state.articles, article] } : state,
  };
}

/**
 * The rule both meters share (the site user's meter applies its "add" half atomically in Redis): an article
 * already opened this period stays open, a new one opens while the allowance lasts.
 */
export function countView(known: boolean, opened: number, allowance: number): MeterDecision {
  if (known) {
    return {
      access: 'metered',
      remaining: Math.max(0, allowance - opened),
      reason: 'already_counted',
      counted: false,
    };
  }
  if (opened >= allowance)
    return { access: 'denied', remaining: 0, reason: 'allowance_used', counted: false };
  return { access: 'metered', remaining: allowance - opened - 1, reason: 'counted', counted: true };
}
