import request from 'supertest';
import { createSiteTestApp } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { signature } from '../fixtures/stripe/deliver';
import { type TestApp, testWebhookSecret } from '../helpers/app';

const rolledSecret = 'whsec_the_new_secret_being_rolled_in';

async function keysUnder(t: TestApp): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await t.redis.scan(cursor, 'MATCH', `${t.prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

describe('webhook signatures', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createSiteTestApp({ env: { STRIPE_WEBHOOK_SECRETS: `${testWebhookSecret},${rolledSecret}` } });
  });
  afterEach(() => t.close());

  // An unknown event type needs no Stripe read: acceptance shows in the answer alone.
  const payload = JSON.stringify(event('product.created', { id: 'prod_1', object: 'product' }));
  const now = () => Math.floor(t.clock.now() / 1000);
  const post = (body: string, header: string | null) => {
    const req = request(t.app).post('/v1/webhooks/stripe').set('Content-Type', 'application/json');
    return (header === null ? req : req.set('Stripe-Signature', header)).send(body);
  };

  const refused: [string, () => { body: string; header: string | null }][] = [
    ['a missing Stripe-Signature header', () => ({ body: payload, header: null })],
    ['a header without a v1 signature', () => ({ body: payload, header: `t=${now()}` })],
    [
      'a signature made with another secret',
      () => ({ body: payload, header: signature(payload, { timestamp: now(), secret: 'whsec_not_ours' }) }),
    ],
    [
      'a body changed by one byte after signing',
      () => ({
        body: payload.replace('product.created', 'product.createe'),
        header: signature(payload, { timestamp: now() }),
      }),
    ],
    [
      'a timestamp 301 s old',
      () => ({ body: payload, header: signature(payload, { timestamp: now() - 301 }) }),
    ],
    [
      'a timestamp 301 s ahead',
      () => ({ body: payload, header: signature(payload, { timestamp: now() + 301 }) }),
    ],
    [
      'two timestamps, the second an hour ahead and signed (the SDK reads the last one)',
      () => ({ body: payload, header: `t=${now()},${signature(payload, { timestamp: now() + 3600 })}` }),
    ],
    [
      'a timestamp that is not all digits',
      () => ({ body: payload, header: signature(payload, { timestamp: now() }).replace(/^t=/, 't=+') }),
    ],
    [
      'an element that is neither t, v1 nor v0',
      () => ({ body: payload, header: `${signature(payload, { timestamp: now() })},v2=abc` }),
    ],
    [
      'a signed body that is not JSON',
      () => ({ body: 'not json', header: signature('not json', { timestamp: now() }) }),
    ],
    [
      'a signed JSON body that is not a Stripe event',
      () => ({ body: '{"hello":"world"}', header: signature('{"hello":"world"}', { timestamp: now() }) }),
    ],
  ];

  it.each(refused)('%s is refused with 400 and nothing is written', async (_case, build) => {
    const { body, header } = build();
    const res = await post(body, header);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 400,
      type: expect.stringMatching(/^urn:reader-support:problem:/),
    });
    expect(await keysUnder(t)).toEqual([]);
  });

  it.each([
    ['the current secret', testWebhookSecret],
    ['the second secret of a roll', rolledSecret],
  ])('a signature made with %s is accepted', async (_case, secret) => {
    const res = await post(payload, signature(payload, { timestamp: now(), secret }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, status: 'ignored' });
  });

  it('timestamps 300 s old and 300 s ahead are still within the tolerance', async () => {
    expect((await post(payload, signature(payload, { timestamp: now() - 300 }))).status).toBe(200);
    expect((await post(payload, signature(payload, { timestamp: now() + 300 }))).status).toBe(200);
  });

  it('a body over 1 MiB is refused with 413 before anything is read', async () => {
    const big = JSON.stringify({
      ...event('product.created', { id: 'prod_1', object: 'product' }),
      padding: 'x'.repeat(1024 * 1024),
    });
    const res = await post(big, signature(big, { timestamp: now() }));
    expect(res.status).toBe(413);
    expect(await keysUnder(t)).toEqual([]);
  });

  it('an event whose livemode does not match the key is refused with 400 and logged', async () => {
    const live = event('checkout.session.completed', checkoutSession(), { livemode: true });
    const body = JSON.stringify(live);
    const res = await post(body, signature(body, { timestamp: now() }));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/live-mode/);
    expect(await t.redis.hget(`${t.prefix}event:{${String(live.id)}}`, 'status')).toBe('failed');
    // Kept in the event log for operators, and applied to nobody.
    expect((await keysUnder(t)).every((key) => key.startsWith(`${t.prefix}event`))).toBe(true);
  });

  it('problem answers never echo the signature or the secret', async () => {
    const header = signature(payload, { timestamp: now(), secret: 'whsec_not_ours' });
    const res = await post(payload, header);
    expect(res.text).not.toContain(header);
    expect(res.text).not.toContain(testWebhookSecret);
  });
});
