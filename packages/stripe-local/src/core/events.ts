import type Stripe from 'stripe';
import { newId } from './ids';
import type { StandInEvent, StandInStore, StoredObject } from './store';

/** The pinned API version every object and event is rendered in. */
export const standInApiVersion = '2026-10-28.endive' as const;

/** What caused an event: an API request (its id and idempotency key) or nothing (automatic, control API). */
export interface EventOrigin {
  requestId: string | null;
  idempotencyKey: string | null;
}

export const automatic: EventOrigin = { requestId: null, idempotencyKey: null };

export interface EmitOptions {
  previous?: Record<string, unknown>;
  origin?: EventOrigin;
}

/** Creates events, keeps them for `GET /v1/events`, and hands each to the webhook dispatcher. */
export class EventLog {
  constructor(
    private readonly store: StandInStore,
    private readonly nowSeconds: () => number,
    private readonly pendingWebhooks: () => number,
    private readonly deliver: (event: StandInEvent) => void,
  ) {}

  emit(type: Stripe.Event.Type, object: StoredObject, options: EmitOptions = {}): StandInEvent {
    const origin = options.origin ?? automatic;
    const previous = options.previous;
    const event: StandInEvent = {
      id: newId('evt'),
      object: 'event',
      api_version: standInApiVersion,
      created: this.nowSeconds(),
      data: {
        object: structuredClone(object),
        ...(previous && Object.keys(previous).length > 0
          ? { previous_attributes: structuredClone(previous) }
          : {}),
      },
      livemode: false,
      pending_webhooks: this.pendingWebhooks(),
      request: { id: origin.requestId, idempotency_key: origin.idempotencyKey },
      type,
    };
    this.store.events.insert(event);
    this.deliver(event);
    return event;
  }
}
