import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { decodeGraph, encodeGraph } from '../src/core/persistence';
import { FrozenClock, OffsetClock, StateFileError, standInApiVersion, startStripeLocal } from '../src/index';
import { playSampleMonth } from '../src/sample/month';
import { monthlySessionParams, startReceiver, type WebhookReceiver, webhookSecret } from './helpers/harness';

const start = Date.UTC(2026, 0, 31, 12, 0, 0);
const sdk = (standIn: { apiKey: string; sdkConfig: { host: string; port: number; protocol: 'http' } }) =>
  new Stripe(standIn.apiKey, {
    apiVersion: standInApiVersion,
    ...standIn.sdkConfig,
    maxNetworkRetries: 0,
    telemetry: false,
  });

describe('the state file (stateFile): a restarted stand-in keeps what it made', () => {
  let dir: string;
  let stateFile: string;
  let receiver: WebhookReceiver;
  let clock: FrozenClock;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stripe-local-state-'));
    stateFile = join(dir, 'stripe-local', 'state.json');
    clock = new FrozenClock(start);
    receiver = await startReceiver(() => clock.now());
  });
  afterEach(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a checkout and its subscription made before a restart are retrievable after it, and renew', async () => {
    const before = await startStripeLocal({ clock, webhookUrl: receiver.url, webhookSecret, stateFile });
    expect(before.stateFile).toEqual({ path: stateFile, restored: false });
    const stripe = sdk(before);
    const session = await stripe.checkout.sessions.create(monthlySessionParams());
    before.control.completeCheckout(session.id, 'card_paid');
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    const subscription = paid.subscription as Stripe.Subscription;
    const sessionBefore = await stripe.checkout.sessions.retrieve(session.id);
    const invoicesBefore = (await stripe.invoices.list({ subscription: subscription.id })).data;
    await before.webhooks.idle();
    const eventsBefore = before.events().map((event) => event.id);
    await before.close();

    // Written whole (no temporary file left), readable by its owner only.
    expect(readdirSync(join(dir, 'stripe-local'))).toEqual(['state.json']);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    // Another process, another clock object starting earlier: the saved time is taken back.
    const laterClock = new FrozenClock(start - 86_400_000);
    const after = await startStripeLocal({
      clock: laterClock,
      webhookUrl: receiver.url,
      webhookSecret,
      stateFile,
    });
    try {
      expect(after.stateFile).toEqual({ path: stateFile, restored: true });
      expect(laterClock.now()).toBe(start);
      const again = sdk(after);
      expect(await again.checkout.sessions.retrieve(session.id)).toEqual(sessionBefore);
      const retrieved = await again.subscriptions.retrieve(subscription.id);
      expect(retrieved).toEqual(subscription);
      expect(await again.customers.retrieve(String(subscription.customer))).toMatchObject({
        email: 'grace@example.fr',
      });
      expect((await again.invoices.list({ subscription: subscription.id })).data).toEqual(invoicesBefore);
      expect((await again.checkout.sessions.listLineItems(session.id)).data).toHaveLength(1);
      expect(after.events().map((event) => event.id)).toEqual(eventsBefore);

      // The renewal at the period's end: the next invoice, numbered after the first.
      receiver.received.length = 0;
      const periodEnd = retrieved.items.data[0]?.current_period_end ?? 0;
      after.control.advanceClock({ to: periodEnd + 60 });
      await after.webhooks.idle();
      const renewed = receiver.received.find((event) => event.type === 'invoice.paid')?.data
        .object as Stripe.Invoice;
      expect(renewed).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 500 });
      expect(invoicesBefore[0]?.number).toBe('SL-000001');
      expect(renewed.number).toBe('SL-000002');
      expect(receiver.rejected).toBe(0);
      const current = await again.subscriptions.retrieve(subscription.id);
      expect(current.items.data[0]?.current_period_start).toBe(periodEnd);
    } finally {
      await after.close();
    }
  });

  test('without a webhookSecret, a random one is made once and kept', async () => {
    const first = await startStripeLocal({ stateFile });
    const secret = first.webhookSecret;
    await first.close();
    expect(secret).toMatch(/^whsec_local_[0-9a-f]{32}$/);
    const second = await startStripeLocal({ stateFile });
    await second.close();
    expect(second.webhookSecret).toBe(secret);
    // Given explicitly, the option wins (and is kept from then on).
    const third = await startStripeLocal({ stateFile, webhookSecret: 'whsec_mine' });
    await third.close();
    expect(third.webhookSecret).toBe('whsec_mine');
  });

  test('an OffsetClock keeps its offset from real time: a moved clock stays moved', async () => {
    const first = await startStripeLocal({ stateFile, clock: new OffsetClock() });
    first.control.advanceClock({ days: 10 });
    await first.close();
    const clockAfter = new OffsetClock();
    const second = await startStripeLocal({ stateFile, clock: clockAfter });
    await second.close();
    expect(clockAfter.offset).toBeGreaterThanOrEqual(10 * 86_400_000 - 5_000);
    expect(clockAfter.offset).toBeLessThanOrEqual(10 * 86_400_000 + 5_000);
  });

  test('changes are written a moment later without waiting for close()', async () => {
    const standIn = await startStripeLocal({ stateFile, clock });
    try {
      const session = await sdk(standIn).checkout.sessions.create(monthlySessionParams());
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        if (existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes(session.id)) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      expect(readFileSync(stateFile, 'utf8')).toContain(session.id);
    } finally {
      await standIn.close();
    }
  });

  test('events not delivered before the restart are delivered after it', async () => {
    receiver.failNext(1_000);
    const before = await startStripeLocal({
      clock,
      webhookUrl: receiver.url,
      webhookSecret,
      stateFile,
      retry: { attempts: 1 },
    });
    const session = await sdk(before).checkout.sessions.create(monthlySessionParams());
    before.control.completeCheckout(session.id, 'card_paid');
    await before.webhooks.idle();
    const undelivered = before.events().map((event) => event.id);
    expect(before.webhooks.givenUp).toHaveLength(undelivered.length);
    await before.close();

    receiver.failNext(0);
    const after = await startStripeLocal({ clock, webhookUrl: receiver.url, webhookSecret, stateFile });
    await after.webhooks.idle();
    await after.close();
    expect(receiver.received.map((event) => event.id)).toEqual(undelivered);
    expect(after.events().every((event) => event.pending_webhooks === 0)).toBe(true);
  });

  test('a file that is not a state file is refused, naming it', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"version": 99}');
    await expect(startStripeLocal({ stateFile: join(dir, 'broken.json') })).rejects.toThrow(StateFileError);
    writeFileSync(join(dir, 'garbage.json'), 'not json');
    await expect(startStripeLocal({ stateFile: join(dir, 'garbage.json') })).rejects.toThrow(/garbage\.json/);
  });

  test('a sample month survives the round trip: the same store, shared objects shared again', async () => {
    const first = await startStripeLocal({ clock: new FrozenClock(Date.UTC(2026, 10, 1, 9)), stateFile });
    await playSampleMonth(first, sdk(first));
    await first.close();
    const second = await startStripeLocal({ clock: new FrozenClock(0), stateFile });
    await second.close();
    for (const [name, table] of Object.entries(first.store)) {
      const other = (second.store as unknown as Record<string, unknown>)[name];
      if (table && typeof table === 'object' && 'all' in table) {
        expect([name, (other as typeof table).all()]).toStrictEqual([name, table.all()]);
      } else {
        expect([name, other]).toStrictEqual([name, table]);
      }
    }
    // A subscription's price is the prices table's row, as in the store it came from.
    const subscription = second.store.subscriptions.all()[0];
    const price = subscription?.items.data[0]?.price;
    expect(price).toBe(second.store.prices.get(String(price?.id)));
  });
});

describe('the graph encoding', () => {
  test('shared objects, cycles and non-finite numbers come back as they were', () => {
    const shared = { id: 'price_1', amount: 5 };
    const cyclic: Record<string, unknown> = { name: 'self' };
    cyclic.self = cyclic;
    const graph = {
      a: [shared, shared],
      b: { price: shared },
      n: Number.POSITIVE_INFINITY,
      cyclic,
      u: undefined,
    };
    const back = decodeGraph(JSON.parse(JSON.stringify(encodeGraph(graph)))) as typeof graph;
    expect(back.a[0]).toBe(back.a[1]);
    expect(back.b.price).toBe(back.a[0]);
    expect(back.a[0]).toEqual(shared);
    expect(back.n).toBe(Number.POSITIVE_INFINITY);
    expect(back.cyclic.self).toBe(back.cyclic);
    expect('u' in back).toBe(false);
  });

  test('refuses what it cannot write back (a Map inside a row)', () => {
    expect(() => encodeGraph({ m: new Map() })).toThrow(/Map/);
  });
});
