import type { StandInEvent } from '../core/store';
import { seededRandom } from './random';
import { stripeSignatureHeader } from './sign';

/** Optional disorder, as real webhook delivery has it. Every rate is a probability per event. */
export interface ChaosOptions {
  /** Seed of the PRNG behind every random choice (default 1): the same seed gives the same choices. */
  seed?: number;
  /** Probability that an event is delivered twice. */
  duplicateRate?: number;
  /** Each delivery waits a random 0..maxDelayMs first (so deliveries overtake one another). */
  maxDelayMs?: number;
  /** Deliver queued events in random order rather than creation order. */
  shuffle?: boolean;
  /** Probability that an event is never delivered (only kept in the events list, for backfill). */
  dropRate?: number;
  /** Deliveries in flight at once (default 4 with chaos, 1 without). */
  concurrency?: number;
}

export interface RetryOptions {
  /** Attempts per delivery before giving up (default 6). */
  attempts?: number;
  /** Backoff before retry n is baseDelayMs · 2^(n-1), capped at maxDelayMs (defaults 20 ms and 2 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
}

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export interface DeliveryAttempt {
  eventId: string;
  type: string;
  attempt: number;
  /** The HTTP status, or 0 when the connection failed or timed out. */
  status: number;
  duplicate: boolean;
}

interface Job {
  event: StandInEvent;
  payload: string;
  attempt: number;
  duplicate: boolean;
}

/** Posts signed events to the configured endpoint, retrying with backoff; `idle()` waits until all are settled. */
export class WebhookDispatcher {
  readonly attempts: DeliveryAttempt[] = [];
  readonly givenUp: StandInEvent[] = [];
  private readonly queue: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly random: () => number;
  private outstanding = 0;
  private inFlight = 0;
  private closed = false;

  constructor(
    private endpoint: WebhookEndpoint | null,
    private readonly signAt: () => number,
    private readonly onDelivered: (event: StandInEvent) => void,
    private readonly chaos: ChaosOptions | null = null,
    private readonly retry: RetryOptions = {},
  ) {
    this.random = seededRandom(chaos?.seed ?? 1);
  }

  /** Where events go from now on (null: keep them for the events list only). */
  setEndpoint(endpoint: WebhookEndpoint | null): void {
    this.endpoint = endpoint;
  }

  get hasEndpoint(): boolean {
    return this.endpoint !== null;
  }

  enqueue(event: StandInEvent): void {
    if (!this.endpoint || this.closed) return;
    if (this.chaos?.dropRate && this.random() < this.chaos.dropRate) return;
    const payload = JSON.stringify(event, null, 2);
    const copies = this.chaos?.duplicateRate && this.random() < this.chaos.duplicateRate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      this.outstanding++;
      this.schedule({ event, payload, attempt: 1, duplicate: copy > 0 }, this.chaosDelay());
    }
  }

  /** Resolves once every delivery so far has succeeded or been given up. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.outstanding = 0;
    this.settleIdle();
  }

  private chaosDelay(): number {
    const max = this.chaos?.maxDelayMs ?? 0;
    return max > 0 ? Math.floor(this.random() * max) : 0;
  }

  private schedule(job: Job, delayMs: number): void {
    if (delayMs <= 0) {
      this.queue.push(job);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.queue.push(job);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  private pump(): void {
    const concurrency = this.chaos?.concurrency ?? (this.chaos ? 4 : 1);
    while (!this.closed && this.inFlight < concurrency && this.queue.length > 0) {
      const index = this.chaos?.shuffle ? Math.floor(this.random() * this.queue.length) : 0;
      const [job] = this.queue.splice(index, 1);
      if (!job) return;
      this.inFlight++;
      void this.send(job).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(job: Job): Promise<void> {
    const endpoint = this.endpoint;
    if (!endpoint || this.closed) return this.finish();
    const status = await this.post(endpoint, job.payload);
    if (this.closed) return;
    this.attempts.push({
      eventId: job.event.id,
      type: job.event.type,
      attempt: job.attempt,
      status,
      duplicate: job.duplicate,
    });
    if (status >= 200 && status < 300) {
      this.onDelivered(job.event);
      return this.finish();
    }
    if (job.attempt >= (this.retry.attempts ?? 6)) {
      this.givenUp.push(job.event);
      return this.finish();
    }
    const backoff = Math.min(
      (this.retry.baseDelayMs ?? 20) * 2 ** (job.attempt - 1),
      this.retry.maxDelayMs ?? 2000,
    );
    this.schedule({ ...job, attempt: job.attempt + 1 }, backoff);
  }

  private async post(endpoint: WebhookEndpoint, payload: string): Promise<number> {
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': stripeSignatureHeader(payload, endpoint.secret, this.signAt()),
        },
        body: payload,
        signal: AbortSignal.timeout(this.retry.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  private finish(): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.outstanding > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
