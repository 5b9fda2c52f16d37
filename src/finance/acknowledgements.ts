import { createHash } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import type { Difference } from './matching';

/**
 * An admin's explanation of a difference between the ledger and Stripe ("Stripe's fee was refunded by hand on
 * 2026-11-04, ticket 1234"): who, when, why. It holds for the difference exactly as it was acknowledged — its kind,
 * its ids and both sides' amounts, currencies and fees, summed up in a fingerprint. If any of them changes, the
 * difference is open again. Kept in one hash, `<prefix>finance:acknowledgements`, field = the difference's id.
 */

export interface Acknowledgement {
  /** The key's name (or `cli:<user>`). */
  by: string;
  at: number;
  reason: string;
  /** The difference's fingerprint when it was acknowledged. */
  fingerprint: string;
}

/** What a difference is about, whatever its amounts: its kind and the two sides' ids. */
export function differenceId(d: Pick<Difference, 'kind' | 'ledgerEntryId' | 'stripeTransactionId'>): string {
  return [d.kind, d.ledgerEntryId ?? '-', d.stripeTransactionId ?? '-'].join('/');
}

/** The difference as it is: its id, source and both sides' figures (SHA-256, hex). */
export function differenceFingerprint(
  d: Pick<Difference, 'kind' | 'ledgerEntryId' | 'stripeTransactionId' | 'source' | 'ledger' | 'stripe'>,
): string {
  const side = (s: Difference['ledger']) => (s ? [s.amount, s.currency, s.fee] : null);
  return createHash('sha256')
    .update(JSON.stringify([differenceId(d), d.source, side(d.ledger), side(d.stripe)]))
    .digest('hex');
}

const batch = 1000;

export function acknowledgementStore(redis: RedisClient, prefix: string) {
  const key = `${prefix}finance:acknowledgements`;
  return {
    async save(id: string, acknowledgement: Acknowledgement): Promise<void> {
      await redis.hset(key, id, JSON.stringify(acknowledgement));
    },

    /** The acknowledgements recorded for these difference ids (whatever their fingerprint), by id. */
    async find(ids: string[]): Promise<Map<string, Acknowledgement>> {
      const found = new Map<string, Acknowledgement>();
      for (let i = 0; i < ids.length; i += batch) {
        const slice = ids.slice(i, i + batch);
        const values = await redis.hmget(key, ...slice);
        for (const [j, json] of values.entries())
          if (json) found.set(slice[j] as string, JSON.parse(json) as Acknowledgement);
      }
      return found;
    },
  };
}

export type AcknowledgementStore = ReturnType<typeof acknowledgementStore>;
