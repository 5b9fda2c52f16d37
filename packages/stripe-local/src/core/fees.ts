/**
 * Stripe's fees as the stand-in charges them, in the payment's own currency and minor units (no conversion:
 * every balance transaction settles in the currency it was paid in).
 *
 * - card: 1.5 % + 25 (Stripe's standard EEA card price, €0.25 fixed), rounded half up;
 * - SEPA Direct Debit: 35 flat (€0.35);
 * - dispute: 2000 (€20), kept when the dispute is won;
 * - refunds: no fee, and the original fee is not returned.
 */
export type PaymentMethodKind = 'card' | 'sepa_debit';

export function processingFee(amount: number, method: PaymentMethodKind): number {
  if (method === 'sepa_debit') return 35;
  return Math.round(amount * 0.015) + 25;
}

export const disputeFee = 2000;
