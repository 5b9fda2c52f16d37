import type { StripeEventEnvelope } from '../../stripe-events/shapes';
import type { AppliedChange } from '../../supporters/applyChange';
import type { CheckoutSessionDeps } from '../../supporters/applyCheckoutSession';

/** What a handler needs: supporter state, Stripe (to re-read objects), the clock and a logger. */
export type WebhookContext = CheckoutSessionDeps;

/** Applies one event type; throws an AppError (503) when Stripe cannot be read, and any error to fail it. */
export type StripeEventHandler = (ctx: WebhookContext, event: StripeEventEnvelope) => Promise<AppliedChange>;

export const ignored: AppliedChange = { outcome: 'ignored', ownerId: null, supporterId: null, record: null };
