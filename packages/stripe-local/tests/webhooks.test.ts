import { type Harness, monthlySessionParams, startHarness, startReceiver } from './helpers/harness';

/** A monthly contribution paid, renewed twice and refunded: a few dozen events of many types. */
async function runScenario(h: Harness): Promise<void> {
  const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
  h.standIn.control.completeCheckout(session.id, 'card_paid');
  // Deliveries in flight are signed with the old time: let them land before moving the (shared) clock.
  await h.standIn.webhooks.idle();
  h.standIn.control.advanceClock({ days: 62 });
  const [charge] = (await h.stripe.charges.list({ limit: 1 })).data;
  await h.stripe.refunds.create({ charge: String(charge?.id) });
  await h.standIn.webhooks.idle();
}

describe('webhook delivery', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  test('each event is delivered once, signed so that constructEvent accepts it, and stops being pending', async () => {
    h = await startHarness();
    await runScenario(h);
    const events = h.standIn.events();
    expect(h.receiver.rejected).toBe(0);
    expect(h.receiver.received.map((e) => e.id)).toEqual(events.map((e) => e.id));
    const last = await h.stripe.events.retrieve(String(events.at(-1)?.id));
    expect(last.pending_webhooks).toBe(0);
  });

  test('a receiver holding another secret refuses every delivery, which is given up after the last retry', async () => {
    h = await startHarness({ retry: { attempts: 2, baseDelayMs: 1 } });
    const other = await startReceiver(() => h.clock.now(), 'whsec_another_secret');
    h.standIn.webhooks.setEndpoint(other.url);
    await h.stripe.customers.create({ email: 'ada@example.fr' });
    await h.standIn.webhooks.idle();
    expect(other.received).toHaveLength(0);
    expect(other.rejected).toBe(2);
    expect(h.standIn.webhooks.givenUp.map((e) => e.type)).toEqual(['customer.created']);
    await other.close();
  });

  test('a delivery answered 500 is retried with backoff until the endpoint accepts it', async () => {
    h = await startHarness({ retry: { baseDelayMs: 5 } });
    h.receiver.failNext(2, 500);
    const customer = await h.stripe.customers.create({ email: 'ada@example.fr' });
    await h.standIn.webhooks.idle();

    expect(h.standIn.webhooks.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(h.receiver.received).toHaveLength(1);
    expect(h.receiver.received[0]?.data.object).toMatchObject({ id: customer.id });
  });

  test('an unreachable endpoint is retried a bounded number of times; the event stays listed as undelivered', async () => {
    h = await startHarness({ retry: { attempts: 3, baseDelayMs: 1 } });
    const gone = await startReceiver();
    await gone.close();
    h.standIn.webhooks.setEndpoint(gone.url);
    await h.stripe.customers.create({ email: 'ada@example.fr' });
    await h.standIn.webhooks.idle();

    expect(h.standIn.webhooks.attempts.map((a) => a.status)).toEqual([0, 0, 0]);
    const undelivered = await h.stripe.events.list({ delivery_success: false });
    expect(undelivered.data.map((e) => [e.type, e.pending_webhooks])).toEqual([['customer.created', 1]]);
  });

  test('with chaos on (duplicates, shuffled order, delays) every event arrives at least once and some twice', async () => {
    h = await startHarness({ chaos: { seed: 7, duplicateRate: 0.3, shuffle: true, maxDelayMs: 20 } });
    await runScenario(h);
    const emitted = h.standIn.events().map((e) => e.id);
    const arrived = h.receiver.received.map((e) => e.id);

    expect(emitted.length).toBeGreaterThan(20);
    expect(new Set(arrived)).toEqual(new Set(emitted));
    expect(arrived.length).toBeGreaterThan(emitted.length);
    expect(h.receiver.rejected).toBe(0);
    expect(h.standIn.webhooks.attempts.filter((a) => a.duplicate).length).toBe(
      arrived.length - emitted.length,
    );
  });

  test('the same chaos seed duplicates the same events', async () => {
    const duplicatedTypes = async (): Promise<string[]> => {
      h = await startHarness({ chaos: { seed: 42, duplicateRate: 0.3 } });
      await runScenario(h);
      const types = h.standIn.webhooks.attempts.filter((a) => a.duplicate).map((a) => a.type);
      await h.close();
      return types.sort();
    };
    const first = await duplicatedTypes();
    const second = await duplicatedTypes();
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
    h = await startHarness();
  });

  test('dropped deliveries are still in the events list, for a backfill to find', async () => {
    h = await startHarness({ chaos: { seed: 3, dropRate: 0.5 } });
    await runScenario(h);
    const arrived = new Set(h.receiver.received.map((e) => e.id));
    const listed = await h.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    const missing = listed.filter((e) => !arrived.has(e.id));
    expect(missing.length).toBeGreaterThan(0);
    expect(listed).toHaveLength(h.standIn.events().length);
    expect(missing.every((e) => e.pending_webhooks === 1)).toBe(true);
  });
});
