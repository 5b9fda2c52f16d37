/**
 * What one application of a Stripe event (or a claim) read from Stripe, kept with it so that a rebuild applies it
 * again with the same answers (Stripe's objects have moved on since): each read by what it asked, and its answer or
 * the failure it met. `at` is the application's time, the clock the translation read. See
 * `stripe-events/recordedReads.ts`.
 */
export interface ReadTape {
  at: number;
  answers: Record<string, { value: unknown } | { failed: string }>;
}
