/**
 * What checkout needs from supporter state: the Stripe customer to reuse, so a returning supporter keeps one
 * customer (one billing portal, one email on file) instead of gaining one per contribution. Supporter state
 * implements it; checkout only reads through it.
 */
export interface SupporterCustomers {
  /** The customer of a supporter known by id (from a verified access token), or null. */
  customerForSupporter(supporterId: string): Promise<string | null>;
  /**
   * The customer of the supporter with this site user id, only when `email` is theirs too, else null. A site user
   * id comes from the browser unauthenticated: reusing its customer on the id alone would let anyone who guesses
   * one open a Checkout pre-filled with another reader's e-mail.
   */
  customerForSiteUser(siteUserId: string, email: string): Promise<string | null>;
}
