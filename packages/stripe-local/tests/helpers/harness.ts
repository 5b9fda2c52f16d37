import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  FrozenClock,
  type StripeLocal,
  type StripeLocalOptions,
  standInApiVersion,
  startStripeLocal,
} from '../../src/index';

export const webhookSecret = 'whsec_stripe_local_tests';

/** A webhook endpoint that verifies each delivery's signature exactly as the service will. */
export interface WebhookReceiver {
  url: string;
  /** Verified events in arrival order, duplicates included. */
  received: Stripe.Event[];
  /** Deliveries whose signature did not verify. */
  rejected: number;
  /** The next `times` deliveries are answered with `status` (e.g. 500) instead of 200. */
  failNext(times: number, status?: number): void;
  close(): Promise<void>;
}

/** `nowMs` is the receiver's clock (the service shares the stand-in's clock in end-to-end tests). */
export async function startReceiver(
  nowMs: () => number = Date.now,
  secret = webhookSecret,
): Promise<WebhookReceiver> {
  const verifier = new Stripe('sk_test_unused', { apiVersion: standInApiVersion });
  let failures: { left: number; status: number } = { left: 0, status: 500 };
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    rejected: 0,
    failNext: (times, status = 500) => {
      failures = { left: times, status };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failures.left > 0) {
        failures.left -= 1;
        res.writeHead(failures.status).end();
        return;
      }
      try {
        const event = verifier.webhooks.constructEvent(
          Buffer.concat(chunks).toString('utf8'),
          String(req.headers['stripe-signature']),
          secret,
          300,
          undefined,
          nowMs(),
        );
        receiver.received.push(event);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      } catch {
        receiver.rejected += 1;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/stripe`;
  return receiver;
}

export interface Harness {
  standIn: StripeLocal;
  stripe: Stripe;
  receiver: WebhookReceiver;
  clock: FrozenClock;
  /** Waits for every webhook, then gives the types received, in arrival order. */
  deliveredTypes(): Promise<string[]>;
  close(): Promise<void>;
}

/** The stand-in on port 0 with a frozen clock, a real SDK client aimed at it, and a verifying receiver. */
export async function startHarness(
  options: Omit<StripeLocalOptions, 'webhookUrl' | 'webhookSecret'> = {},
): Promise<Harness> {
  const clock = new FrozenClock(Date.UTC(2026, 0, 31, 12, 0, 0));
  const receiver = await startReceiver(() => clock.now());
  const standIn = await startStripeLocal({
    port: 0,
    clock,
    webhookUrl: receiver.url,
    webhookSecret,
    ...options,
  });
  const stripe = new Stripe(standIn.apiKey, {
    apiVersion: standInApiVersion,
    ...standIn.sdkConfig,
    maxNetworkRetries: 0,
    telemetry: false,
  });
  return {
    standIn,
    stripe,
    receiver,
    clock,
    deliveredTypes: async () => {
      await standIn.webhooks.idle();
      return receiver.received.map((event) => event.type);
    },
    close: async () => {
      await standIn.close();
      await receiver.close();
    },
  };
}

/** The session the service creates for a one-off contribution (every parameter it uses). */
export function oneOffSessionParams(
  overrides: Partial<Stripe.Checkout.SessionCreateParams> = {},
): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    submit_type: 'donate',
    customer_creation: 'always',
    customer_email: 'ada@example.fr',
    client_reference_id: 'site-user-42',
    locale: 'fr',
    metadata: { campaign: 'spring', frequency: 'once' },
    payment_intent_data: { metadata: { campaign: 'spring', frequency: 'once' } },
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'eur', unit_amount: 1000, product_data: { name: 'Contribution' } },
      },
    ],
    success_url: 'https://www.example.fr/merci?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://www.example.fr/soutenir',
    ...overrides,
  };
}

/**
 * A monthly contribution paid through Checkout (card, or a SEPA debit left pending), its webhooks delivered, and the
 * receiver emptied: a test then sees only what follows.
 */
export async function subscribeMonthly(
  h: Harness,
  outcome: 'card_paid' | 'sepa_pending' = 'card_paid',
): Promise<Stripe.Subscription> {
  const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
  h.standIn.control.completeCheckout(session.id, outcome);
  const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
  await h.standIn.webhooks.idle();
  h.receiver.received.length = 0;
  return done.subscription as Stripe.Subscription;
}

/** The session the service creates for a monthly contribution. */
export function monthlySessionParams(
  overrides: Partial<Stripe.Checkout.SessionCreateParams> = {},
): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'subscription',
    submit_type: 'donate',
    customer_email: 'grace@example.fr',
    client_reference_id: 'site-user-7',
    locale: 'fr',
    metadata: { campaign: 'spring', frequency: 'monthly' },
    subscription_data: { metadata: { campaign: 'spring', frequency: 'monthly' } },
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: 'eur',
          unit_amount: 500,
          recurring: { interval: 'month' },
          product_data: { name: 'Monthly contribution' },
        },
      },
    ],
    success_url: 'https://www.example.fr/merci?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://www.example.fr/soutenir',
    ...overrides,
  };
}

/** The events of `type` received so far (verified), oldest first. */
export function receivedOfType<T extends Stripe.Event['type']>(
  receiver: WebhookReceiver,
  type: T,
): Array<Extract<Stripe.Event, { type: T }>> {
  return receiver.received.filter(
    (event): event is Extract<Stripe.Event, { type: T }> => event.type === type,
  );
}
