import type { RedisClient } from '../platform/redis';
import type { SupporterRecord } from '../supporters/record';

/**
 * What stays of an erased person: the Stripe ids of what they paid with and through (customers, payment intents,
 * Checkout Sessions, charges, invoices, subscriptions, refunds, disputes) and the pseudonymous supporter id they
 * lead to — no personal data. A Stripe event or a backfilled one that names any of them is stripped of personal
 * fields before it is stored or applied, so a late event brings nothing of them back, a guest checkout without a
 * customer included. One hash, `<prefix>erased:stripe-ids` (field = Stripe id).
 */

/** Stripe ids as they appear in an event's JSON. */
const stripeIdPattern = /"((?:cus|pi|cs|ch|py|in|sub|re|pyr|dp)_[A-Za-z0-9_]+)"/g;

/** Fields of Stripe objects (and our own metadata) that hold a person: emptied in an event that names the erased. */
const personalKeys = new Set([
  'email',
  'customer_email',
  'receipt_email',
  'name',
  'customer_name',
  'phone',
  'customer_phone',
  'address',
  'customer_address',
  'shipping',
  'customer_shipping',
  'shipping_details',
  'client_reference_id',
  'siteUserId',
  'tax_ids',
  'individual_name',
]);

/** The Stripe ids a supporter's records name. */
export function stripeIdsOf(records: SupporterRecord[]): string[] {
  const ids = new Set<string>();
  const add = (...values: (string | null | undefined)[]) => {
    for (const v of values) if (v) ids.add(v);
  };
  for (const r of records) {
    add(...Object.keys(r.customers));
    for (const p of Object.values(r.payments))
      add(
        p.id,
        p.paymentIntentId,
        p.chargeId,
        p.invoiceId,
        p.subscriptionId,
        p.checkoutSessionId,
        p.customerId,
      );
    for (const s of Object.values(r.subscriptions)) add(s.id, s.customerId);
    for (const f of Object.values(r.refunds)) add(f.id, f.chargeId, f.paymentIntentId);
    for (const d of Object.values(r.disputes)) add(d.id, d.chargeId, d.paymentIntentId);
  }
  return [...ids].filter((id) => /^(cus|pi|cs|ch|py|in|sub|re|pyr|dp)_/.test(id));
}

/** A JSON value with every personal field emptied (null), at any depth. */
export function withoutPersonalFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPersonalFields);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, personalKeys.has(k) ? null : withoutPersonalFields(v)]),
  );
}

export function tombstones(redis: RedisClient, prefix: string) {
  const key = `${prefix}erased:stripe-ids`;
  return {
    /** Keeps the erased supporter's Stripe ids (idempotent). */
    async bury(supporterId: string, ids: string[]): Promise<void> {
      if (ids.length > 0) await redis.hset(key, ...ids.flatMap((id) => [id, supporterId]));
    },

    /** The erased supporter an event's JSON names through a Stripe id, if any (one HMGET). */
    async erasedIn(raw: string): Promise<string | null> {
      const ids = [...new Set([...raw.matchAll(stripeIdPattern)].map((m) => m[1] as string))];
      if (ids.length === 0) return null;
      return (await redis.hmget(key, ...ids)).find((owner) => owner !== null) ?? null;
    },

    /** The event as it may be kept: as received, or without personal fields when it names an erased person. */
    async keepable(raw: string): Promise<string> {
      return (await this.erasedIn(raw)) === null
        ? raw
        : JSON.stringify(withoutPersonalFields(JSON.parse(raw)));
    },
  };
}

export type Tombstones = ReturnType<typeof tombstones>;
