import { applyCheckoutSession } from '../../supporters/applyCheckoutSession';
import { ignored, type StripeEventHandler } from './types';

/**
 * Checkout Sessions: a paid session grants; an unpaid one (SEPA and other delayed methods) records a pending
 * contribution that `async_payment_succeeded` pays or `async_payment_failed` fails. The same use case serves the
 * token claim, so whichever arrives first, the contribution is recorded once.
 */
const applySession: StripeEventHandler = (ctx, event) =>
  applyCheckoutSession(ctx, event.data.object, {
    eventId: event.id,
    reportedAt: event.created * 1000,
    apiVersion: event.api_version,
  });

export const checkoutEventHandlers: Record<string, StripeEventHandler> = {
  'checkout.session.completed': applySession,
  'checkout.session.async_payment_succeeded': applySession,
  'checkout.session.async_payment_failed': (ctx, event) =>
    applyCheckoutSession(ctx, event.data.object, {
      eventId: event.id,
      reportedAt: event.created * 1000,
      asyncPaymentFailed: true,
      apiVersion: event.api_version,
    }),
  // An abandoned checkout paid nothing and names nobody we need to know.
  'checkout.session.expired': async () => ignored,
};
