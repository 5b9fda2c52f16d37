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

export interface EventFields {
  id?: string;
  type: Stripe.Event.Type;
  object: StoredObject;
  /** The attributes an update changed, as they were. */
  previous?: Record<string, unknown> | undefined;
  origin?: EventOrigin | undefined;
  /** Default the pinned version; null as Stripe renders an event of an account without a default version. */
  apiVersion?: string | null;
  livemode?: boolean;
  pendingWebhooks: number;
}

/** An event as Stripe renders it: a snapshot of the object (and of what an update changed). */
export function buildEvent(fields: EventFields, created: number): StandInEvent {
  const origin = fields.origin ?? automatic;
  const previous = fields.previous;
  return {
    id: fields.id ?? newId('evt'),
    object: 'event',
    api_version: fields.apiVersion === undefined ? standInApiVersion : fields.apiVersion,
    created,
    data: {
      object: structuredClone(fields.object),
      ...(previous && Object.keys(previous).length > 0
        ? { previous_attributes: structuredClone(previous) }
        : {}),
    },
    livemode: fields.livemode ?? false,
    pending_webhooks: fields.pendingWebhooks,
    request: { id: origin.requestId, idempotency_key: origin.idempotencyKey },
    type: fields.type,
  };
}

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
    const event = buildEvent(
      {
        type,
        object,
        previous: options.previous,
        origin: options.origin,
        pendingWebhooks: this.pendingWebhooks(),
      },
      this.nowSeconds(),
    );
    this.store.events.insert(event);
    this.deliver(event);
    return event;
  }
}
