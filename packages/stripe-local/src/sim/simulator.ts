import type Stripe from 'stripe';
import { type StandInClock, secondsOf } from '../core/clock';
import { type EmitOptions, EventLog } from '../core/events';
import { type StandInEvent, StandInStore, type StoredObject } from '../core/store';

export interface DunningOptions {
  /** Retries of a failed renewal, in days after the first failure (default [3, 5, 7]). */
  retryAfterDays: number[];
  /** What happens when the last retry fails: cancel (reason `payment_failed`, the default) or mark `unpaid`. */
  whenExhausted: 'cancel' | 'unpaid';
}

export interface SimulatorOptions {
  /** Days before a payment's balance transaction is available for payout (default 2). */
  payoutDelayDays: number;
  /** Pay out available balance at every UTC midnight the clock passes (default true). */
  automaticPayouts: boolean;
  dunning: DunningOptions;
}

/** The stand-in's state and time: every state change goes through here so it can emit its events. */
export class Simulator {
  readonly store = new StandInStore();
  readonly events: EventLog;
  /** The stand-in's own public URL (hosted checkout and portal pages); set once it listens. */
  baseUrl = '';
  private virtualNow: number | null = null;
  /** The last invoice number given (`SL-000001`…); kept in a state file. */
  invoiceSequence = 0;

  constructor(
    readonly clock: StandInClock,
    readonly options: SimulatorOptions,
    pendingWebhooks: () => number,
    deliver: (event: StandInEvent) => void,
  ) {
    this.events = new EventLog(this.store, () => this.now(), pendingWebhooks, deliver);
    this.store.lastPayoutRun = this.now();
  }

  /** Now, in unix seconds (while catching up, the time of the task being run). */
  now(): number {
    return this.virtualNow ?? secondsOf(this.clock.now());
  }

  /** Runs `task` as if the clock read `at` (renewals due in the past happen at their own time). */
  at<T>(at: number, task: () => T): T {
    const previous = this.virtualNow;
    this.virtualNow = at;
    try {
      return task();
    } finally {
      this.virtualNow = previous;
    }
  }

  emit(type: Stripe.Event.Type, object: StoredObject, options?: EmitOptions): StandInEvent {
    return this.events.emit(type, object, options);
  }

  nextInvoiceNumber(): number {
    this.invoiceSequence += 1;
    return this.invoiceSequence;
  }
}

export const defaultSimulatorOptions: SimulatorOptions = {
  payoutDelayDays: 2,
  automaticPayouts: true,
  dunning: { retryAfterDays: [3, 5, 7], whenExhausted: 'cancel' },
};
