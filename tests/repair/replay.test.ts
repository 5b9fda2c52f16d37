import request from 'supertest';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { stripeEventLog } from '../../src/webhooks/eventLog';
import { entitlementsOf } from '../fixtures/site';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import {
  failThenSubscribe,
  type MonthlyInvoice,
  monthlyInvoice,
  stripeSubscriptionDown,
} from '../fixtures/stripe/failedRenewal';
import type { TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp, withKey } from './adminApp';

describe('replaying a stored event', () => {
  let t: TestApp;
  let scenario: MonthlyInvoice;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createAdminTestApp();
    scenario = monthlyInvoice('pi_replayed', 'u-replay');
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  const replay = (id: string) => withKey(request(t.app).post(`/v1/admin/events/${id}/replay`), adminKey);

  const paymentsOf = async (supporterId: string) =>
    (await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId))
      .filter((e) => e.kind === 'payment')
      .map((e) => [e.amount, e.currency, e.stripe.paymentIntentId]);
  const appliedLines = async (id: string) =>
    (await stripeEventLog(t.redis, t.prefix).history(id)).filter((h) => h.outcome === 'applied').length;

  it('a failed event is applied once Stripe answers again, and a second replay is a no-op that says so', async () => {
    await failThenSubscribe(t, scenario, 'u-replay');
    const id = String(scenario.paid.id);
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-replay' });
    expect(await paymentsOf(String(supporterId))).toEqual([]);

    const first = await replay(id);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      eventId: id,
      before: 'failed',
      after: 'applied',
      changed: true,
      error: null,
    });
    expect(await paymentsOf(String(supporterId))).toEqual([[500, 'eur', 'pi_replayed']]);
    expect(await entitlementsOf(t, { siteUserId: 'u-replay' })).toMatchObject({
      tier: 'supporter',
      recurring: true,
      validUntil: '2026-12-02T10:00:00.000Z',
    });

    const second = await replay(id);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      eventId: id,
      before: 'applied',
      after: 'applied',
      changed: false,
      error: null,
    });
    expect(await paymentsOf(String(supporterId))).toEqual([[500, 'eur', 'pi_replayed']]);
    expect(await appliedLines(id)).toBe(1);
  });

  it('two replays racing a webhook delivery of the same failed event apply it exactly once', async () => {
    await failThenSubscribe(t, scenario, 'u-replay');
    const id = String(scenario.paid.id);
    const answers = await Promise.all([
      replay(id),
      deliver(t, scenario.paid),
      replay(id),
      deliver(t, scenario.paid),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-replay' });
    expect(await paymentsOf(String(supporterId))).toEqual([[500, 'eur', 'pi_replayed']]);
    expect(await appliedLines(id)).toBe(1);
    const logged = await stripeEventLog(t.redis, t.prefix).get(id);
    expect(logged).toMatchObject({ status: 'applied', supporterId });
    // One attempt failed (Stripe down), one applied it; the others waited for it or found it done.
    expect(logged?.attempts).toBe(2);
  });

  it('a replay that still fails says so with the reason, and the event stays failed', async () => {
    stripeSubscriptionDown(scenario.sub, { persist: true });
    await deliver(t, scenario.paid);
    const res = await replay(String(scenario.paid.id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ before: 'failed', after: 'failed', changed: true });
    expect(res.body.error).toMatch(/Could not read subscription/);
  });

  it('an event the log does not have answers 404', async () => {
    const res = await replay('evt_unknown123');
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
  });
});
