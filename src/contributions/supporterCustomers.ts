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
