import { seededRandom } from '@reader-support/stripe-local/random';
import Stripe from 'stripe';

/**
 * Stripe's side of webhook delivery, made hostile: each event sent `copies` times, in a shuffled order, spread over
 * several instances, `inFlight` at once, re-sent (as Stripe retries) until one copy is acknowledged 2xx. Every
 * copy is signed when it is sent, with the time it is sent.
 */

export interface Delivery {
  /** The event's JSON as Stripe would post it. */
  payload: string;
  id: string;
}

export interface DeliveryTally {
  sent: number;
  acknowledged: number;
  /** Answers other than 2xx (each retried), by status; `0` for no answer (connection refused or reset). */
  refused: Record<number, number>;
  /** Events never acknowledged after every retry. */
  unacknowledged: string[];
}

export interface DeliveryOptions {
  /** Where to post, picked at random per attempt; a function so a test can swap instances mid-run. */
  targets: () => string[];
  secret: string;
  random: () => number;
  copies: (random: () => number) => number;
  inFlight: number;
  /** Attempts per copy before it is given up (Stripe retries for three days; here about two minutes). */
  maxAttempts?: number;
  /** Called before each send (a fault scenario strikes here). */
  beforeSend?: (sent: number) => Promise<void> | void;
  onAcknowledged?: (id: string) => void;
}

/** A seeded generator: the same seed gives the same shuffle and copies, run after run. */
export const seeded = seededRandom;

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function deliverHostilely(
  deliveries: Delivery[],
  options: DeliveryOptions,
): Promise<DeliveryTally> {
  const { random, maxAttempts = 40 } = options;
  const tally: DeliveryTally = { sent: 0, acknowledged: 0, refused: {}, unacknowledged: [] };
  const copies = shuffle(
    deliveries.flatMap((delivery) => Array.from({ length: options.copies(random) }, () => delivery)),
    random,
  );
  const acknowledged = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < copies.length) {
      const delivery = copies[next++] as Delivery;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        await options.beforeSend?.(tally.sent);
        const targets = options.targets();
        const target = targets[Math.floor(random() * targets.length)] as string;
        tally.sent++;
        const status = await post(target, delivery.payload, options.secret);
        if (status >= 200 && status < 300) {
          tally.acknowledged++;
          acknowledged.add(delivery.id);
          options.onAcknowledged?.(delivery.id);
          break;
        }
        tally.refused[status] = (tally.refused[status] ?? 0) + 1;
        // Backing off as Stripe does, so a lock a crashed instance left (60 s) expires before the copy gives up.
        await new Promise((done) => setTimeout(done, Math.min(100 * 2 ** attempt, 5000)));
      }
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, worker));
  tally.unacknowledged = deliveries.map((d) => d.id).filter((id) => !acknowledged.has(id));
  return tally;
}

/** One signed POST; the HTTP status, or 0 when nothing answered. */
export async function post(baseUrl: string, payload: string, secret: string): Promise<number> {
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    timestamp: Math.floor(Date.now() / 1000),
  });
  try {
    const res = await fetch(`${baseUrl}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
