import type { Clock } from '../platform/clock';
import type { AppliedChange, SupporterContext } from '../supporters/applyChange';
import type { StripeReads } from './reads';
import type { StripeEventEnvelope } from './shapes';

/**
 * What applying a Stripe object needs: supporter state, Stripe to read objects again (a recorded tape in a rebuild),
 * the application's clock, and a logger. The webhook pipeline, the token claim and the rebuild each build one.
 */
export interface StripeEventContext extends SupporterContext {
  reads: StripeReads;
  clock: Clock;
}

/** Applies one event type; throws an AppError (503) when Stripe cannot be read, and any error to fail it. */
export type StripeEventHandler = (
  ctx: StripeEventContext,
  event: StripeEventEnvelope,
) => Promise<AppliedChange>;

/** A type or an object that concerns no supporter: logged `ignored`. */
export const ignored: AppliedChange = { outcome: 'ignored', ownerId: null, supporterId: null, record: null };
