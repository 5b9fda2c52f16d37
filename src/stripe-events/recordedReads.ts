import { AppError } from '../platform/errors';
import type { ReadTape } from '../platform/readTape';
import type { StripeReads } from './reads';

export type { ReadTape };

const readNames = [
  'subscription',
  'invoicePayments',
  'checkoutSession',
  'chargeRefunds',
  'paymentCharge',
  'refundWithBalance',
] as const satisfies readonly (keyof StripeReads)[];

const askedFor = (name: string, args: unknown[]) => `${name} ${JSON.stringify(args)}`;

type AnyRead = (...args: unknown[]) => Promise<unknown>;

function eachRead(build: (name: (typeof readNames)[number]) => AnyRead): StripeReads {
  return Object.fromEntries(readNames.map((name) => [name, build(name)])) as unknown as StripeReads;
}

/** Reads through `inner` and notes every answer and failure on a tape. */
export function recordingReads(inner: StripeReads, at: number): { reads: StripeReads; tape: ReadTape } {
  const tape: ReadTape = { at, answers: {} };
  const reads = eachRead((name) => async (...args) => {
    const read = inner[name] as AnyRead;
    try {
      const value = await read(...args);
      tape.answers[askedFor(name, args)] = { value: value ?? null };
      return value;
    } catch (error) {
      tape.answers[askedFor(name, args)] = {
        failed: error instanceof Error ? error.message : String(error),
      };
      throw error;
    }
  });
  return { reads, tape };
}

/**
 * Answers from a tape: the value it kept, or the failure again (as a 503, like the original). A read the tape
 * does not hold (the event was applied by a version that kept no tape, or today's code reads more) goes to
 * `fallback` — Stripe now — and is counted by `onReread`; with no fallback it fails naming the read.
 */
export function replayedReads(
  tape: ReadTape | null,
  fallback: StripeReads | null,
  onReread: (asked: string) => void = () => undefined,
): StripeReads {
  return eachRead((name) => async (...args) => {
    const asked = askedFor(name, args);
    const kept = tape?.answers[asked];
    if (kept && 'value' in kept) return kept.value;
    if (kept) throw new AppError('unavailable', kept.failed);
    if (!fallback) {
      throw new AppError('unavailable', `No kept answer for the Stripe read ${asked}, and no Stripe to ask.`);
    }
    onReread(asked);
    return (fallback[name] as AnyRead)(...args);
  });
}
