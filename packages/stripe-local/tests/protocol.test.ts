import Stripe from 'stripe';
import { standInApiVersion } from '../src/index';
import { type Harness, oneOffSessionParams, startHarness } from './helpers/harness';

describe("the stand-in speaks Stripe's HTTP conventions", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test('a wrong API key is refused with 401 in Stripe’s error shape', async () => {
    const wrong = new Stripe('sk_test_wrong_key_123456', {
      apiVersion: standInApiVersion,
      ...h.standIn.sdkConfig,
      maxNetworkRetries: 0,
    });
    await expect(wrong.customers.create({ email: 'a@example.fr' })).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
    });
    expect(h.standIn.store.customers.all()).toHaveLength(0);
  });

  test('a request without a key is refused with 401 and a message saying how to authenticate', async () => {
    const answer = await fetch(`${h.standIn.url}/v1/customers`);
    expect(answer.status).toBe(401);
    const body = (await answer.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/did not provide an API key/);
  });

  test('an unknown parameter on a create call is refused with parameter_unknown naming it', async () => {
    const params = { ...oneOffSessionParams(), submit_typ: 'donate' } as Stripe.Checkout.SessionCreateParams;
    await expect(h.stripe.checkout.sessions.create(params)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'submit_typ',
      message: 'Received unknown parameter: submit_typ',
    });
    const nested = oneOffSessionParams({
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: 'eur',
            unit_amount: 500,
            product_data: { name: 'x' },
            recurrin: { interval: 'month' },
          } as never,
        },
      ],
    });
    await expect(h.stripe.checkout.sessions.create(nested)).rejects.toMatchObject({
      code: 'parameter_unknown',
      param: 'line_items[0][price_data][recurrin]',
    });
    expect(h.standIn.store.checkoutSessions.all()).toHaveLength(0);
  });

  test('a real Stripe parameter the stand-in does not implement is refused and says so', async () => {
    await expect(
      h.stripe.checkout.sessions.create(oneOffSessionParams({ allow_promotion_codes: true })),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'allow_promotion_codes',
      message: expect.stringMatching(/does not implement/),
    });
  });

  test('a missing or malformed parameter answers parameter_missing or an invalid-value error', async () => {
    const { mode: _mode, ...withoutMode } = oneOffSessionParams();
    await expect(h.stripe.checkout.sessions.create(withoutMode)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'mode',
    });
    await expect(
      h.stripe.checkout.sessions.create(oneOffSessionParams({ locale: 'xx' as 'fr' })),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'locale',
    });
  });

  test('the same idempotency key with the same body replays the first session', async () => {
    const first = await h.stripe.checkout.sessions.create(oneOffSessionParams(), {
      idempotencyKey: 'checkout-abc',
    });
    const again = await h.stripe.checkout.sessions.create(oneOffSessionParams(), {
      idempotencyKey: 'checkout-abc',
    });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(h.standIn.store.checkoutSessions.all()).toHaveLength(1);
  });

  test('the same idempotency key with another body is a 400 idempotency_error', async () => {
    await h.stripe.checkout.sessions.create(oneOffSessionParams(), { idempotencyKey: 'checkout-xyz' });
    await expect(
      h.stripe.checkout.sessions.create(oneOffSessionParams({ client_reference_id: 'someone-else' }), {
        idempotencyKey: 'checkout-xyz',
      }),
    ).rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
    expect(h.standIn.store.checkoutSessions.all()).toHaveLength(1);
  });

  test('events caused by a request name its id and idempotency key', async () => {
    const customer = await h.stripe.customers.create(
      { email: 'ada@example.fr' },
      { idempotencyKey: 'customer-1' },
    );
    const events = await h.stripe.events.list({ types: ['customer.created'] });
    expect(events.data[0]?.request).toEqual({
      id: customer.lastResponse.requestId,
      idempotency_key: 'customer-1',
    });
  });

  test('lists page newest first with limit, starting_after and has_more, and auto-pagination sees everything once', async () => {
    for (let i = 0; i < 25; i++) await h.stripe.customers.create({ email: `reader${i}@example.fr` });
    const first = await h.stripe.customers.list({ limit: 10 });
    expect(first.data).toHaveLength(10);
    expect(first.has_more).toBe(true);
    expect(first.data[0]?.email).toBe('reader24@example.fr');
    const second = await h.stripe.customers.list({ limit: 10, starting_after: first.data.at(-1)?.id });
    expect(second.data[0]?.email).toBe('reader14@example.fr');
    const all = await h.stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 100 });
    expect(new Set(all.map((c) => c.id)).size).toBe(25);
    await expect(h.stripe.customers.list({ limit: 101 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'limit',
    });
  });

  test('the events list filters by created[gte] and types[], and pages with has_more', async () => {
    await h.stripe.customers.create({ email: 'early@example.fr' });
    h.standIn.control.advanceClock({ seconds: 60 });
    const later = h.standIn.control.now();
    const customer = await h.stripe.customers.create({ email: 'late@example.fr' });
    await h.stripe.customers.update(customer.id, { name: 'Late Reader' });
    await h.stripe.customers.update(customer.id, { metadata: { site_user: '9' } });

    const recent = await h.stripe.events.list({
      created: { gte: later },
      types: ['customer.created', 'customer.updated'],
      limit: 2,
    });
    expect(recent.data.map((e) => e.type)).toEqual(['customer.updated', 'customer.updated']);
    expect(recent.has_more).toBe(true);
    const rest = await h.stripe.events.list({
      created: { gte: later },
      limit: 2,
      starting_after: recent.data[1]?.id,
    });
    expect(rest.data.map((e) => e.type)).toEqual(['customer.created']);
    expect(rest.has_more).toBe(false);
    const wildcard = await h.stripe.events.list({ type: 'customer.*' });
    expect(wildcard.data).toHaveLength(4);
    const update = recent.data[1];
    expect(update?.data.previous_attributes).toEqual({ name: null });
    expect(await h.stripe.events.retrieve(String(update?.id))).toMatchObject({
      id: update?.id,
      type: 'customer.updated',
    });
  });

  test('an unknown id answers 404 resource_missing, and a deleted customer answers its stub', async () => {
    await expect(h.stripe.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such subscription: 'sub_missing'",
    });
    const customer = await h.stripe.customers.create({ email: 'gone@example.fr' });
    const deleted = await h.stripe.customers.del(customer.id);
    expect(deleted).toMatchObject({ id: customer.id, deleted: true });
    expect(await h.stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    expect(await h.deliveredTypes()).toEqual(['customer.created', 'customer.deleted']);
  });

  test('another API version than the pinned one is refused rather than answered in the wrong shape', async () => {
    const other = new Stripe(h.standIn.apiKey, {
      apiVersion: '2024-06-20' as never,
      ...h.standIn.sdkConfig,
      maxNetworkRetries: 0,
    });
    await expect(other.customers.list()).rejects.toMatchObject({
      statusCode: 400,
      code: 'api_version_unsupported',
    });
  });
});
