/**
 * What checkout needs from supporter state: who a proved reader is, and the Stripe customer they already pay
 * with, so a returning supporter keeps one customer (one billing portal, one email on file) instead of gaining
 * one per contribution. Supporter state implements it; checkout only reads through it.
 */
export interface SupporterCustomers {
  /** The supporter of a site user id the site vouched for, indexed now if the site user has none yet. */
  supporterForSiteUser(siteUserId: string): Promise<string>;
  /** Whether a token's supporter still acts as itself (false once merged into another supporter). */
  actsAsItself(supporterId: string): Promise<boolean>;
  /** The customer a supporter pays with (its running subscription's, else the latest), or null. */
  customerOf(supporterId: string): Promise<string | null>;
}
