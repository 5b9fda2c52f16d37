import request from 'supertest';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { financeKey } from '../fixtures/site';
import { checkoutSession, event, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { feeReadsFail } from '../fixtures/stripe/fakeBooks';
import { createTestApp, type TestApp } from '../helpers/app';
import { adminKey, balanceTxn, financeApiKeys, stripeHasBooks } from './stripeBooks';

/**
 * A difference stays until it is explained: the ledger recorded 10 € from the event, Stripe's books say 5 €.
 * Reconciliation reports it on every run (never "repairs" it by copying Stripe's figure into the ledger) until
 * an admin acknowledges it with a reason, and the acknowledgement holds only for the difference as it was.
 */
describe('a difference between the ledger and Stripe', () => {
  let t: TestApp;
  useFakeStripeApi();
  const day = '2026-11-10';
  const paidAt = `${day}T10:00:00Z`;
  const stripeCharge = (amount: number) =>
    balanceTxn({
      id: 'txn_half',
      source: 'ch_half',
      type: 'charge',
      amount,
      currency: 'eur',
      fee: 25,
      created: paidAt,
      paymentIntent: 'pi_half',
    });
  const booksSay = (amount: number) => {
    clearStripeApi();
    stripeHasBooks({ transactions: [stripeCharge(amount)] });
  };
  const reconcile = async () => {
    const res = await request(t.app)
      .get('/v1/admin/reconciliation')
      .query({ from: day, to: day })
      .set('Authorization', `Bearer ${financeKey}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const acknowledge = (body: object, key = adminKey) =>
    request(t.app)
      .post('/v1/admin/reconciliation/acknowledgements')
      .set('Authorization', `Bearer ${key}`)
      .send(body);
  const differenceId = 'amount_differs/payment:pi_half/txn_half';

  beforeEach(async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
    // Recorded while Stripe could not be asked for its fee: reconciliation is the first to see Stripe's figures.
    feeReadsFail();
    const paid = await deliver(
      t,
      event('checkout.session.completed', checkoutSession({ amount: 1000, paymentIntent: 'pi_half' }), {
        created: unix(paidAt),
      }),
    );
    expect(paid.status).toBe(200);
    booksSay(500);
  });
  afterEach(async () => {
    await t.close();
  });

  it('is reported on the first, second, third and tenth run, and the ledger keeps its own amount', async () => {
    for (let run = 1; run <= 10; run++) {
      const report = await reconcile();
      if ([1, 2, 3, 10].includes(run)) {
        expect(report.differences).toEqual([
          expect.objectContaining({
            id: differenceId,
            kind: 'amount_differs',
            ledger: { amount: 1000, currency: 'eur', fee: null },
            stripe: { amount: 500, currency: 'eur', fee: 25 },
            acknowledgement: null,
          }),
        ]);
        expect(report.unexplained).toBe(1);
        // Stripe's figures were not copied over the ledger's: the day's net is the ledger's own.
        expect(report.filledIn).toBe(0);
        expect(report.days).toEqual([
          expect.objectContaining({ gross: 1000, fees: 0, net: 1000, feesUnknown: 1 }),
        ]);
      }
    }
    const repository = supporterRepository(t.redis, t.prefix);
    const owner = (await repository.lookup('payment-intent', 'pi_half')) as string;
    expect((await loadSupporterLedger(repository, owner))[0]).toMatchObject({
      amount: 1000,
      settlement: null,
    });
  });

  it('an admin acknowledges it with a reason: still listed, shown as acknowledged, audited, 0 unexplained', async () => {
    const [shown] = (await reconcile()).differences;
    t.clock.set(Date.parse('2026-11-12T09:00:00Z'));
    const res = await acknowledge({
      date: day,
      differenceId,
      fingerprint: shown.fingerprint,
      reason: 'Half refunded by hand in the Dashboard, ticket 4521',
    });
    expect(res.status).toBe(200);
    const acknowledgement = {
      by: 'boss',
      at: Date.parse('2026-11-12T09:00:00Z'),
      reason: 'Half refunded by hand in the Dashboard, ticket 4521',
    };
    expect(res.body).toMatchObject({ id: differenceId, acknowledgement });

    for (let run = 0; run < 3; run++) {
      const report = await reconcile();
      expect(report.differences).toEqual([expect.objectContaining({ id: differenceId, acknowledgement })]);
      expect(report.unexplained).toBe(0);
    }
    const audit = await request(t.app).get('/v1/admin/audit').set('Authorization', `Bearer ${adminKey}`);
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'boss',
      action: 'difference.acknowledge',
      target: differenceId,
      outcome: 'ok',
      details: { date: day, kind: 'amount_differs', reason: acknowledgement.reason },
    });
  });

  it('is open again once its figures change, and gone once the books agree', async () => {
    const [shown] = (await reconcile()).differences;
    const acknowledged = await acknowledge({
      date: day,
      differenceId,
      fingerprint: shown.fingerprint,
      reason: 'known, ticket 4521',
    });
    expect(acknowledged.status).toBe(200);
    expect((await reconcile()).unexplained).toBe(0);

    booksSay(400);
    const changed = await reconcile();
    expect(changed.differences).toEqual([
      expect.objectContaining({
        id: differenceId,
        stripe: expect.objectContaining({ amount: 400 }),
        acknowledgement: null,
      }),
    ]);
    expect(changed.unexplained).toBe(1);

    booksSay(1000);
    const repaired = await reconcile();
    expect(repaired.differences).toEqual([]);
    expect(repaired.unexplained).toBe(0);
    // Now that the amounts agree, Stripe's fee is written into the entry.
    expect(repaired.filledIn).toBe(1);
    expect(repaired.days).toEqual([
      expect.objectContaining({ gross: 1000, fees: 25, net: 975, feesUnknown: 0 }),
    ]);
  });

  it('refuses what it cannot stand behind: a changed difference, an unknown one, bad fields, a finance key', async () => {
    const stale = await acknowledge({
      date: day,
      differenceId,
      fingerprint: 'a'.repeat(64),
      reason: 'known',
    });
    expect(stale.status).toBe(409);
    const unknown = await acknowledge({
      date: day,
      differenceId: 'amount_differs/payment:pi_x/txn_x',
      fingerprint: 'a'.repeat(64),
      reason: 'known',
    });
    expect(unknown.status).toBe(404);
    const bad = await acknowledge({ date: '2026-11-31', reason: '', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'date',
      'differenceId',
      'extra',
      'fingerprint',
      'reason',
    ]);
    const finance = await acknowledge({ date: day, differenceId, reason: 'known' }, financeKey);
    expect(finance.status).toBe(403);
    // Nothing was acknowledged by any of them.
    expect((await reconcile()).unexplained).toBe(1);
  });
});
