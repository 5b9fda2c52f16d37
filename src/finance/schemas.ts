import { z } from '../zod';
import { isCalendarDate } from './days';

/** The finance API's requests and answers: the same zod objects validate and document them (OpenAPI). */

const isoInstant = z.iso.datetime({ offset: true }).openapi({ example: '2026-11-01T00:00:00Z' });
const isoOrNull = z.string().nullable().openapi({ format: 'date-time' });
const eventStatus = z.enum(['received', 'processing', 'applied', 'duplicate', 'ignored', 'failed']);

export const eventsQuerySchema = z
  .object({
    from: isoInstant.optional().openapi({ description: 'Stripe `created` at or after (ISO 8601)' }),
    to: isoInstant.optional().openapi({ description: 'Stripe `created` before (ISO 8601, exclusive)' }),
    type: z
      .string()
      .regex(/^[a-z0-9_.]{1,100}$/)
      .optional()
      .openapi({ example: 'charge.refunded' }),
    status: eventStatus.optional(),
    cursor: z.string().max(200).optional().openapi({ description: '`nextCursor` of the previous page' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: '`from` must be before `to`',
    path: ['to'],
  });

export const eventRowSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: eventStatus,
    created: z.string().openapi({ format: 'date-time', description: "Stripe's `created`" }),
    livemode: z.boolean(),
    apiVersion: z.string().nullable(),
    firstReceivedAt: isoOrNull,
    lastReceivedAt: isoOrNull,
    deliveries: z.number().int(),
    attempts: z.number().int(),
    error: z.string().nullable(),
    supporterId: z.string().nullable(),
    appliedAt: isoOrNull,
  })
  .openapi('LoggedEvent');

export const eventPageSchema = z
  .object({ data: z.array(eventRowSchema), nextCursor: z.string().nullable() })
  .openapi('LoggedEventPage');

export const eventIdParamsSchema = z.object({ id: z.string().regex(/^evt_[A-Za-z0-9_]{1,255}$/) }).strict();

export const eventDetailSchema = eventRowSchema
  .extend({
    raw: z.string().openapi({ description: 'The body exactly as Stripe sent it' }),
    history: z.array(
      z.object({
        at: z.string().openapi({ format: 'date-time' }),
        outcome: z.string(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi('LoggedEventDetail');

const calendarDate = z
  .string()
  .refine(isCalendarDate, 'expected a date YYYY-MM-DD')
  .openapi({ format: 'date', example: '2026-11-01' });

const bothDates = (q: { from: string; to: string }) => isCalendarDate(q.from) && isCalendarDate(q.to);

export const reconciliationQuerySchema = z
  .object({
    from: calendarDate,
    to: calendarDate,
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 code')
      .transform((c) => c.toLowerCase())
      .optional(),
  })
  .strict()
  // Only once both are dates: a field that is not one is reported once, as such.
  .refine((q) => !bothDates(q) || q.from <= q.to, { message: '`to` must not be before `from`', path: ['to'] })
  .refine((q) => !bothDates(q) || Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, {
    message: 'at most 367 days at a time',
    path: ['to'],
  });

const money = z.number().int().openapi({ description: 'integer minor units' });
const sideSchema = z.object({ amount: money, currency: z.string(), fee: money.nullable() });

const dayTotalsSchema = z.object({
  date: z.string(),
  currency: z.string(),
  count: z.number().int(),
  gross: money,
  refunds: money,
  disputes: money,
  fees: money,
  net: money,
  feesUnknown: z.number().int(),
});
const stripeDayTotalsSchema = z.object({
  date: z.string(),
  currency: z.string(),
  count: z.number().int(),
  amount: money,
  fees: money,
  net: money,
});

const acknowledgementSchema = z
  .object({
    by: z.string().openapi({ description: "The admin key's name" }),
    at: z.number().int().openapi({ description: 'ms since the epoch' }),
    reason: z.string(),
  })
  .openapi('Acknowledgement');

export const differenceSchema = z
  .object({
    id: z.string().openapi({
      description: 'What it is about, whatever its amounts: `kind/ledger entry/stripe transaction`',
      example: 'amount_differs/payment:pi_123/txn_456',
    }),
    fingerprint: z.string().openapi({ description: "SHA-256 of the id and both sides' figures (hex)" }),
    date: z.string(),
    kind: z.enum([
      'missing_in_ledger',
      'missing_in_stripe',
      'amount_differs',
      'currency_differs',
      'fee_differs',
    ]),
    source: z.string().nullable(),
    ledgerEntryId: z.string().nullable(),
    stripeTransactionId: z.string().nullable(),
    ledger: sideSchema.nullable(),
    stripe: sideSchema.nullable(),
    detail: z.string(),
    acknowledgement: acknowledgementSchema.nullable().openapi({
      description: 'Who explained it, when and why; null while unexplained (or since its figures changed)',
    }),
  })
  .openapi('Difference');

export const acknowledgementBodySchema = z
  .object({
    date: calendarDate.openapi({ description: 'The date the reconciliation lists the difference under' }),
    differenceId: z.string().min(3).max(300),
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the 64 hex digits of the difference shown')
      .openapi({
        description:
          "The difference's fingerprint as shown: refused (409) if it has changed since, so only figures someone looked at are explained",
      }),
    reason: z
      .string()
      .trim()
      .min(3)
      .max(500)
      .openapi({ description: 'Why it is explained; no personal data' }),
  })
  .strict();

export const reconciliationSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    currency: z.string().nullable(),
    start: z.string().openapi({ format: 'date-time' }),
    end: z.string().openapi({ format: 'date-time' }),
    days: z.array(dayTotalsSchema),
    stripeDays: z.array(stripeDayTotalsSchema),
    differences: z.array(differenceSchema),
    unexplained: z
      .number()
      .int()
      .openapi({ description: 'Differences without an acknowledgement that holds: a month closes at 0' }),
    payouts: z.array(
      z.object({
        id: z.string(),
        date: z.string(),
        amount: money,
        currency: z.string(),
        entries: z.array(z.string()),
        unmatched: z.array(z.string()),
      }),
    ),
    filledIn: z.number().int(),
    close: z
      .object({
        closedAt: z.number().int(),
        by: z.string(),
        sha256: z.string(),
        days: z.array(
          z.object({
            date: z.string(),
            currency: z.string(),
            atClose: dayTotalsSchema.nullable(),
            now: dayTotalsSchema.nullable(),
          }),
        ),
        newDifferences: z.array(z.string()),
      })
      .nullable()
      .openapi({
        description:
          'For exactly a closed month: when and by whom it was closed, and what changed since (restatements)',
      }),
  })
  .openapi('Reconciliation');

export const closeBodySchema = z
  .object({
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM')
      .openapi({ example: '2026-11' }),
  })
  .strict();

export const monthCloseSchema = z
  .object({
    month: z.string(),
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    closedAt: z.number().int(),
    by: z.string(),
    days: z.array(dayTotalsSchema),
    stripeDays: z.array(stripeDayTotalsSchema),
    acknowledged: z.array(differenceSchema),
    sha256: z.string(),
  })
  .openapi('MonthClose');
