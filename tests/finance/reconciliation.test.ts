import request from 'supertest';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { financeKey } from '../fixtures/site';
import { checkoutSession, event, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { feeReadsFail } from '../fixtures/stripe/fakeBooks';
import { createTestApp, type TestApp } from '../helpers/app';
import { agreeingTransactions, expectedDaysUtc, monthEvents, stripeAnswersFeeReads } from './scenario';
import { balanceTxn, financeApiKeys, stripeHasBooks } from './stripeBooks';

describe('reconciliation', () => {
  let t: TestApp;
  useFakeStripeApi();
  afterEach(async () => {
    await t.close();
  });

  const reconciliation = (query: Record<string, string>, accept = 'application/json') =>
    request(t.app)
      .get('/v1/admin/reconciliation')
      .query(query)
      .set('Authorization', `Bearer ${financeKey}`)
      .set('Accept', accept);

  async function deliverMonth(): Promise<void> {
    stripeAnswersFeeReads();
    for (const e of monthEvents()) {
      const res = await deliver(t, e);
      expect(res.status).toBe(200);
    }
  }

  describe('with the ledger of a known month', () => {
    beforeEach(async () => {
      t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
      await deliverMonth();
    });

    it('payments in EUR and USD, a partial and a full refund, a dispute lost and one won give the exact per-day totals', async () => {
      stripeHasBooks({ transactions: agreeingTransactions() });
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30' });
      expect(res.status).toBe(200);
      expect(res.body.days).toEqual(expectedDaysUtc);
      expect(res.body).toMatchObject({
        from: '2026-11-01',
        to: '2026-11-30',
        timeZone: 'UTC',
        currency: null,
      });
      expect(res.body.start).toBe('2026-11-01T00:00:00.000Z');
      expect(res.body.end).toBe('2026-12-01T00:00:00.000Z');
    });

    it('the same events delivered a second time give the same totals', async () => {
      stripeHasBooks({ transactions: agreeingTransactions() });
      for (const e of monthEvents()) expect((await deliver(t, e)).status).toBe(200);
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30' });
      expect(res.body.days).toEqual(expectedDaysUtc);
    });

    it('after reconciliation each ledger entry carries the fee and net of its balance transaction, in the charge and the settlement currency', async () => {
      stripeHasBooks({ transactions: agreeingTransactions() });
      await reconciliation({ from: '2026-11-01', to: '2026-11-30' });
      const repository = supporterRepository(t.redis, t.prefix);
      const owner = await repository.lookup('site-user', 'fin-3');
      const [usd] = await loadSupporterLedger(repository, owner as string);
      expect(usd).toMatchObject({
        amount: 2000,
        currency: 'usd',
        fee: 58,
        net: 1942,
        settlement: {
          amount: 1840,
          currency: 'eur',
          fee: 53,
          net: 1787,
          exchangeRate: 0.92,
          source: 'ch_fin3',
        },
        stripe: expect.objectContaining({ chargeId: 'ch_fin3', paymentIntentId: 'pi_fin3' }),
      });
    });

    it('a currency filter keeps that currency only', async () => {
      stripeHasBooks({ transactions: agreeingTransactions() });
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30', currency: 'USD' });
      expect(res.body.days).toEqual(expectedDaysUtc.filter((d) => d.currency === 'usd'));
      expect(res.body.currency).toBe('usd');
    });

    it('when Stripe agrees line by line, there is no difference (Stripe listed page by page)', async () => {
      const books = stripeHasBooks({ transactions: agreeingTransactions() });
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30' });
      expect(res.body.differences).toEqual([]);
      expect(books.calls()).toBeGreaterThan(3);
      expect(res.body.stripeDays).toContainEqual({
        date: '2026-11-02',
        currency: 'eur',
        count: 3,
        amount: 5340,
        fees: 156,
        net: 5184,
      });
    });

    it('finds each kind of difference: missing in the ledger, missing in Stripe, amount, currency and fee', async () => {
      // A first run records Stripe's figures in the ledger; then Stripe's books change under it.
      stripeHasBooks({ transactions: agreeingTransactions() });
      expect((await reconciliation({ from: '2026-11-01', to: '2026-11-30' })).body.differences).toEqual([]);
      clearStripeApi();
      const txns = agreeingTransactions()
        .filter((t) => t.id !== 'txn_re_fin2')
        .map((t) => {
          if (t.id === 'txn_ch1') return { ...t, amount: 990, net: 950 };
          if (t.id === 'txn_ch2') return { ...t, currency: 'gbp' };
          if (t.id === 'txn_ch4') return { ...t, fee: 120, net: 4880 };
          return t;
        });
      txns.push(
        balanceTxn({
          id: 'txn_stranger',
          source: 'ch_stranger',
          type: 'charge',
          amount: 700,
          currency: 'eur',
          fee: 36,
          created: '2026-11-03T12:00:00Z',
        }),
      );
      stripeHasBooks({ transactions: txns });
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30' });
      const found = (res.body.differences as { kind: string; source: string; date: string }[]).map((d) => [
        d.date,
        d.kind,
        d.source,
      ]);
      expect(found).toEqual([
        ['2026-11-02', 'amount_differs', 'ch_fin1'],
        ['2026-11-02', 'currency_differs', 'ch_fin2'],
        ['2026-11-03', 'fee_differs', 'ch_fin4'],
        ['2026-11-03', 'missing_in_ledger', 'ch_stranger'],
        ['2026-11-03', 'missing_in_stripe', 're_fin2'],
      ]);
      expect(res.body.differences[0]).toMatchObject({
        ledgerEntryId: 'payment:pi_fin1',
        stripeTransactionId: 'txn_ch1',
        ledger: { amount: 1000, currency: 'eur', fee: 40 },
        stripe: { amount: 990, currency: 'eur', fee: 40 },
      });
      expect(res.body.differences[4]).toMatchObject({ ledgerEntryId: 'refund:re_fin2', stripe: null });
      // The API's detail is the English sentence it always was; the facts /admin explains it from stay out of the JSON.
      expect(res.body.differences.map((d: { detail: string }) => d.detail)).toEqual([
        'the ledger has 1000 eur, Stripe 990 eur',
        'the ledger has eur settled in eur, Stripe settled in gbp',
        'the ledger has a fee of 100 eur, Stripe 120 eur',
        'Stripe has a charge the ledger does not (a missed webhook? replay or backfill it)',
        "the ledger has a refund Stripe's balance does not",
      ]);
      expect(res.text).not.toContain('facts');
    });

    it('lists the ledger entries each payout carried, and what it carried that the ledger lacks', async () => {
      const txns = agreeingTransactions();
      const paidOut = txns.filter((t) => ['txn_ch1', 'txn_ch2', 'txn_re_fin1'].includes(String(t.id)));
      const stranger = balanceTxn({
        id: 'txn_other',
        source: 'ch_other',
        type: 'charge',
        amount: 100,
        currency: 'eur',
        fee: 27,
        created: '2026-10-30T12:00:00Z',
      });
      const payout = balanceTxn({
        id: 'txn_po1',
        source: 'po_1',
        type: 'payout',
        amount: -3170,
        currency: 'eur',
        created: '2026-11-05T00:00:00Z',
      });
      stripeHasBooks({ transactions: [...txns, payout], payouts: { po_1: [...paidOut, stranger, payout] } });
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30' });
      expect(res.body.payouts).toEqual([
        {
          id: 'po_1',
          date: '2026-11-05',
          amount: 3170,
          currency: 'eur',
          entries: expect.arrayContaining(['payment:pi_fin1', 'payment:pi_fin2', 'refund:re_fin1']),
          unmatched: ['txn_other'],
        },
      ]);
      expect(res.body.payouts[0].entries).toHaveLength(3);
      expect(res.body.differences).toEqual([]);
      // The payout is now known on the ledger entry too.
      const repository = supporterRepository(t.redis, t.prefix);
      const [entry] = await loadSupporterLedger(
        repository,
        (await repository.lookup('site-user', 'fin-1')) as string,
      );
      expect(entry?.settlement?.payoutId).toBe('po_1');
    });

    it('answers CSV with a section column: days, Stripe days, differences', async () => {
      stripeHasBooks({ transactions: agreeingTransactions().filter((t) => t.id !== 'txn_re_fin2') });
      const res = await reconciliation({ from: '2026-11-01', to: '2026-11-30' }, 'text/csv');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = res.text.trim().split('\r\n');
      expect(lines[0]).toMatch(
        /^section,date,currency,kind,count,gross,refunds,disputes,fees,net,fees_unknown,/,
      );
      // Every fee was read as its payment or refund was recorded: none is unknown.
      expect(lines).toContain('day,2026-11-03,eur,,2,6000,-2800,0,140,3060,0,,,,,,,,,,,,,,,');
      expect(lines.filter((l) => l.startsWith('difference,'))).toEqual([
        expect.stringMatching(
          /^difference,2026-11-03,eur,missing_in_stripe,.*refund:re_fin2,,re_fin2,-2500,eur,0,,,,/,
        ),
      ]);
    });
  });

  it('a payment recorded while Stripe could not give its fee is applied, and reconciliation fills the fee and charge in, once', async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
    feeReadsFail();
    const session = checkoutSession({ amount: 1500, paymentIntent: 'pi_nofee', siteUserId: 'nofee' });
    const res = await deliver(
      t,
      event('checkout.session.completed', session, { created: unix('2026-11-10T10:00:00Z') }),
    );
    expect(res.status).toBe(200);
    const repository = supporterRepository(t.redis, t.prefix);
    const owner = (await repository.lookup('site-user', 'nofee')) as string;
    expect((await loadSupporterLedger(repository, owner))[0]).toMatchObject({
      fee: null,
      net: null,
      settlement: null,
    });

    const txn = balanceTxn({
      id: 'txn_nofee',
      source: 'ch_nofee',
      type: 'charge',
      amount: 1500,
      currency: 'eur',
      fee: 48,
      created: '2026-11-10T09:59:00Z',
      paymentIntent: 'pi_nofee',
    });
    stripeHasBooks({ transactions: [txn] });
    const first = await reconciliation({ from: '2026-11-10', to: '2026-11-10' });
    expect(first.body.differences).toEqual([]);
    expect(first.body.filledIn).toBe(1);
    expect((await loadSupporterLedger(repository, owner))[0]).toMatchObject({
      fee: 48,
      net: 1452,
      stripe: expect.objectContaining({ chargeId: 'ch_nofee' }),
    });
    const second = await reconciliation({ from: '2026-11-10', to: '2026-11-10' });
    expect(second.body.days).toEqual([
      {
        date: '2026-11-10',
        currency: 'eur',
        count: 1,
        gross: 1500,
        refunds: 0,
        disputes: 0,
        fees: 48,
        net: 1452,
        feesUnknown: 0,
      },
    ]);
    expect(second.body.filledIn).toBe(0);
  });

  it('with RECONCILIATION_TZ=Europe/Paris, a payment at 23:30 UTC lands on the next day', async () => {
    const at = '2026-11-01T23:30:00Z';
    const txn = balanceTxn({
      id: 'txn_late',
      source: 'ch_late',
      type: 'charge',
      amount: 1000,
      currency: 'eur',
      fee: 40,
      created: at,
      paymentIntent: 'pi_late',
    });
    const pay = (app: TestApp) =>
      deliver(
        app,
        event('checkout.session.completed', checkoutSession({ amount: 1000, paymentIntent: 'pi_late' }), {
          created: unix(at),
        }),
      );

    t = await createTestApp({ env: { API_KEYS: financeApiKeys, RECONCILIATION_TZ: 'Europe/Paris' } });
    stripeHasBooks({ transactions: [txn] });
    expect((await pay(t)).status).toBe(200);
    const paris = await reconciliation({ from: '2026-11-02', to: '2026-11-02' });
    expect(paris.body.start).toBe('2026-11-01T23:00:00.000Z');
    expect(paris.body.days).toEqual([expect.objectContaining({ date: '2026-11-02', count: 1, gross: 1000 })]);
    expect(paris.body.differences).toEqual([]);
    expect((await reconciliation({ from: '2026-11-01', to: '2026-11-01' })).body.days).toEqual([]);
    await t.close();

    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
    expect((await pay(t)).status).toBe(200);
    expect((await reconciliation({ from: '2026-11-01', to: '2026-11-01' })).body.days).toEqual([
      expect.objectContaining({ date: '2026-11-01', count: 1 }),
    ]);
  });

  it('refuses dates that are not dates, and a span that ends before it starts, listing each field', async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
    const bad = await reconciliation({ from: '2026-02-30', to: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'to']);
    const backwards = await reconciliation({ from: '2026-11-30', to: '2026-11-01' });
    expect(backwards.status).toBe(400);
  });
});
