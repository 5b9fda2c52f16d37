import { periodBoundary } from '../src/core/periods';
import { parseStripeForm } from '../src/http/form';

const at = (iso: string): number => Date.parse(iso) / 1000;

describe("Stripe's form encoding", () => {
  test.each([
    ['mode=payment', { mode: 'payment' }],
    [
      'metadata[campaign]=spring&metadata[frequency]=once',
      { metadata: { campaign: 'spring', frequency: 'once' } },
    ],
    [
      'line_items[0][price_data][currency]=eur&line_items[0][quantity]=1&line_items[1][quantity]=2',
      { line_items: [{ price_data: { currency: 'eur' }, quantity: '1' }, { quantity: '2' }] },
    ],
    [
      'expand[]=customer&expand[]=payment_intent.latest_charge',
      { expand: ['customer', 'payment_intent.latest_charge'] },
    ],
    ['expand[0]=subscription', { expand: ['subscription'] }],
    ['created[gte]=1700000000', { created: { gte: '1700000000' } }],
    ['email=ada%2Breader%40example.fr&name=Ada+L', { email: 'ada+reader@example.fr', name: 'Ada L' }],
    ['', {}],
  ])('%s decodes to the nested parameters Stripe reads', (text, expected) => {
    expect(parseStripeForm(text)).toEqual(expected);
  });
});

describe('billing periods', () => {
  test.each([
    [
      'monthly from 31 January ends on 28 February, then 31 March',
      '2026-01-31T12:00:00Z',
      'month',
      1,
      '2026-02-28T12:00:00Z',
    ],
    [
      'two months from 31 January end on 31 March',
      '2026-01-31T12:00:00Z',
      'month',
      2,
      '2026-03-31T12:00:00Z',
    ],
    ['a leap year keeps 29 February', '2028-01-31T00:00:00Z', 'month', 1, '2028-02-29T00:00:00Z'],
    [
      'annual from 29 February ends on 28 February',
      '2028-02-29T08:00:00Z',
      'year',
      1,
      '2029-02-28T08:00:00Z',
    ],
    ['monthly across a year end', '2026-12-15T00:00:00Z', 'month', 1, '2027-01-15T00:00:00Z'],
    ['weekly', '2026-03-01T00:00:00Z', 'week', 1, '2026-03-08T00:00:00Z'],
  ] as const)('%s (%s + %s × %i → %s)', (_name, anchor, interval, n, end) => {
    expect(periodBoundary(at(anchor), interval, 1, n)).toBe(at(end));
  });
});
