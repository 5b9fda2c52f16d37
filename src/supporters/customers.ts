import type { Clock } from '../platform/clock';
import { newSupporterId } from './identity';
import { runningStandings, type SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

/**
 * What checkout needs from supporter state: who a proved reader is, and the Stripe customer they already pay
 * with, so a returning supporter keeps one customer (one billing portal, one email on file) instead of gaining
 * one per contribution. Supporter state implements it; checkout only reads through it.
 */
export interface SupporterCustomers {
  /** The supporter of a site user id the site vouched for, indexed now if the site user has none yet. */
  supporterForSiteUser(siteUserId: string): Promise<string>;
  /**
   * The customer a supporter itself pays with (its running subscription's, else the latest; null for none), read
   * from its own record in one read; null when the supporter was merged into another and acts as itself no more.
   */
  ownCustomer(supporterId: string): Promise<{ customer: string | null } | null>;
}

/**
 * The Stripe customer to use for a supporter (checkout reuse, billing portal): the customer of a running
 * subscription, else the one that paid most recently. Deleted customers never qualify.
 */
export function preferredCustomer(record: SupporterRecord): string | null {
  const usable = (id: string | null): id is string => id !== null && record.customers[id]?.deleted !== true;
  const running = Object.values(record.subscriptions)
    .filter((s) => runningStandings.has(s.standing))
    .sort((a, b) => b.currentPeriodStart - a.currentPeriodStart)
    .map((s) => s.customerId)
    .find(usable);
  if (running) return running;
  const latestPaying = Object.values(record.payments)
    .filter((p) => p.paidAt !== null)
    .sort((a, b) => (b.paidAt ?? 0) - (a.paidAt ?? 0))
    .map((p) => p.customerId)
    .find(usable);
  return latestPaying ?? Object.keys(record.customers).find(usable) ?? null;
}

/** Checkout's view of supporter state: who a proved reader is, and which customer a returning supporter keeps. */
export function supporterCustomers(repository: SupporterRepository, clock: Clock): SupporterCustomers {
  return {
    async supporterForSiteUser(siteUserId) {
      const candidate = newSupporterId();
      const claimed = await repository.claim('site-user', siteUserId, candidate);
      // No event names this supporter until a payment comes: kept, so a rebuild gives the site user the same one.
      if (claimed === candidate) {
        await repository.journal.append({
          kind: 'site-user',
          at: clock.now(),
          siteUserId,
          supporterId: claimed,
        });
      }
      return (await repository.loadFollowingMerges(claimed)).owner;
    },
    async ownCustomer(supporterId) {
      const { mergedInto, record } = await repository.load(supporterId);
      if (mergedInto) return null;
      return { customer: record ? preferredCustomer(record) : null };
    },
  };
}
