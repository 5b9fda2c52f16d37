import { recordSampleMonth, type SampleMonth } from '@reader-support/stripe-local/sample';
import type { ZodType } from 'zod';
import { balanceTransactionSchema } from '../../src/stripe-events/balance';
import { checkoutSessionSchema } from '../../src/stripe-events/checkout';
import { customerSchema } from '../../src/stripe-events/customers';
import { disputeSchema } from '../../src/stripe-events/disputes';
import { stripeEventHandlers } from '../../src/stripe-events/events';
import { invoicePaymentSchema, invoiceSchema } from '../../src/stripe-events/invoices';
import { chargeSchema, refundSchema } from '../../src/stripe-events/refunds';
import { eventEnvelopeSchema } from '../../src/stripe-events/shapes';
import { subscriptionSchema } from '../../src/stripe-events/subscriptions';

/**
 * The service's side of the stand-in's contract: every event of the stand-in's sample month that the service
 * applies, and every object in its answers, parses through the shapes the adapter reads it with. (The stand-in's
 * side, the same month against Stripe's published types, is packages/stripe-local/tests/contract.test.ts.)
 */
const shapeOf: Record<string, ZodType> = {
  'checkout.session': checkoutSessionSchema,
  subscription: subscriptionSchema,
  invoice: invoiceSchema,
  invoice_payment: invoicePaymentSchema,
  charge: chargeSchema,
  refund: refundSchema,
  dispute: disputeSchema,
  customer: customerSchema,
  balance_transaction: balanceTransactionSchema,
};

/** Types the service applies that the stand-in never renders (it neither voids invoices nor marks them uncollectible). */
const notRendered = [
  'invoice.voided',
  'invoice.marked_uncollectible',
  'charge.refund.updated',
  'refund.failed',
];

let month: SampleMonth;
beforeAll(async () => {
  month = await recordSampleMonth();
});

function problems(shape: ZodType, value: unknown): string[] {
  const parsed = shape.safeParse(value);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

test('every event the service applies parses: its envelope, and its object in the shape of its kind', () => {
  const applied = month.events.filter((event) => Object.hasOwn(stripeEventHandlers, event.type));
  const failures = applied.flatMap((event) => {
    const kind = String((event.data.object as { object?: unknown }).object);
    const shape = shapeOf[kind];
    const found = [
      ...problems(eventEnvelopeSchema, event),
      ...(shape ? problems(shape, event.data.object) : [`no shape for a ${kind}`]),
    ];
    return found.length ? [{ event: `${event.type} ${event.id}`, found }] : [];
  });
  expect(failures).toEqual([]);
  const rendered = new Set<string>(applied.map((event) => event.type));
  expect(Object.keys(stripeEventHandlers).filter((type) => !rendered.has(type))).toEqual(notRendered);
});

test("every object in the stand-in's answers parses in the service's shape of its kind, expanded ones included", () => {
  const failures: Array<{ where: string; found: string[] }> = [];
  const kinds = new Set<string>();
  const visit = (where: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(where, item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const kind = (value as { object?: unknown }).object;
    const shape = typeof kind === 'string' ? shapeOf[kind] : undefined;
    if (shape) {
      kinds.add(String(kind));
      const found = problems(shape, value);
      if (found.length) failures.push({ where: `${where}: ${String(kind)}`, found });
    }
    for (const field of Object.values(value)) visit(where, field);
  };
  for (const [what, answer] of month.answers) visit(what, answer);
  expect(failures).toEqual([]);
  expect([...kinds].sort()).toEqual(Object.keys(shapeOf).sort());
});
