import { type Harness, monthlySessionParams, oneOffSessionParams, startHarness } from './helpers/harness';

const form = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body,
  redirect: 'manual',
});

describe('the stand-in’s hosted pages', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  describe('checkout', () => {
    test('a French session is shown in French: amount, frequency, the three ways to pay, a way back', async () => {
      const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
      const html = await (await fetch(String(session.url))).text();
      expect(html).toContain('<html lang="fr">');
      expect(html).toContain('5,00\u00a0€');
      expect(html).toContain('par mois');
      expect(html).toContain('Monthly contribution');
      for (const outcome of ['card_paid', 'card_declined', 'sepa_pending']) {
        expect(html).toContain(`value="${outcome}"`);
      }
      expect(html).toContain('Faire un don');
      expect(html).toContain('href="https://www.example.fr/soutenir"');
    });

    test('an English or `auto` session follows the locale, then the browser’s language', async () => {
      const english = await h.stripe.checkout.sessions.create(oneOffSessionParams({ locale: 'en' }));
      const html = await (await fetch(String(english.url))).text();
      expect(html).toContain('<html lang="en">');
      expect(html).toMatch(/<p class="amount">€10\.00<\/p>/);
      expect(html).toContain('<p class="frequency">once</p>');

      const auto = await h.stripe.checkout.sessions.create(oneOffSessionParams({ locale: 'auto' }));
      const french = await fetch(String(auto.url), {
        headers: { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' },
      });
      expect(await french.text()).toContain('<html lang="fr">');
    });

    test('a declined card keeps the session open and says so in the reader’s language (402)', async () => {
      const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
      const answer = await fetch(`${session.url}/pay`, form('outcome=card_declined'));
      expect(answer.status).toBe(402);
      expect(await answer.text()).toContain('Votre carte a été refusée');
      expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    });

    test('a SEPA debit completes the session unpaid and still returns to success_url', async () => {
      const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
      const answer = await fetch(`${session.url}/pay`, form('outcome=sepa_pending'));
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe(`https://www.example.fr/merci?session_id=${session.id}`);
      expect(await h.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
        status: 'complete',
        payment_status: 'unpaid',
      });
    });

    test('a form posted from another site is refused, and nothing is paid', async () => {
      const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
      const answer = await fetch(
        `${session.url}/pay`,
        form('outcome=card_paid', { origin: 'https://evil.example' }),
      );
      expect(answer.status).toBe(400);
      expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    });
  });

  describe('billing portal', () => {
    async function subscribed() {
      const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
      const paid = h.standIn.control.completeCheckout(session.id, 'card_paid');
      const subscription = String(paid.subscription);
      const portal = await h.stripe.billingPortal.sessions.create({
        customer: String(paid.customer),
        return_url: 'https://www.example.fr/compte',
        locale: 'fr',
      });
      return { subscription, portal };
    }

    test('shows the subscription in the portal session’s locale, with a way back', async () => {
      const { portal } = await subscribed();
      const html = await (await fetch(portal.url)).text();
      expect(html).toContain('5,00\u00a0€ par mois');
      expect(html).toContain('Prochain prélèvement le 28 février 2026');
      expect(html).toContain('href="https://www.example.fr/compte"');
    });

    test('cancels at once, or at the period end and then keeps it after all', async () => {
      const { subscription, portal } = await subscribed();
      const body = (at: string) => `subscription=${subscription}&at=${at}`;

      expect((await fetch(`${portal.url}/cancel`, form(body('period_end')))).status).toBe(303);
      expect((await h.stripe.subscriptions.retrieve(subscription)).cancel_at_period_end).toBe(true);
      expect(await (await fetch(portal.url)).text()).toContain('Prend fin le 28 février 2026');

      expect((await fetch(`${portal.url}/resume`, form(`subscription=${subscription}`))).status).toBe(303);
      expect((await h.stripe.subscriptions.retrieve(subscription)).cancel_at_period_end).toBe(false);

      expect((await fetch(`${portal.url}/cancel`, form(body('now')))).status).toBe(303);
      expect(await h.stripe.subscriptions.retrieve(subscription)).toMatchObject({
        status: 'canceled',
        cancellation_details: { reason: 'cancellation_requested' },
      });
      expect(await h.deliveredTypes()).toEqual(
        expect.arrayContaining(['customer.subscription.updated', 'customer.subscription.deleted']),
      );
    });

    test('another customer’s subscription cannot be cancelled through this portal session', async () => {
      const { portal } = await subscribed();
      const other = await subscribed();
      const answer = await fetch(`${portal.url}/cancel`, form(`subscription=${other.subscription}&at=now`));
      expect(answer.status).toBe(400);
      expect((await h.stripe.subscriptions.retrieve(other.subscription)).status).toBe('active');
    });
  });

  describe('control page (/_control)', () => {
    const control = () => `${h.standIn.url}/_control`;
    const act = (action: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${control()}/forms/${action}`, form(body, headers));

    test('lists recent sessions, payments and subscriptions with their levers', async () => {
      const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
      const paid = h.standIn.control.completeCheckout(session.id, 'card_paid');
      const html = await (await fetch(control())).text();
      expect(html).toContain(session.id);
      expect(html).toContain(String(paid.subscription));
      expect(html).toContain('action="/_control/forms/refund"');
      expect(html).toContain('action="/_control/forms/dispute"');
      expect(html).toContain('action="/_control/forms/fail-renewal"');
      expect(html).toContain('action="/_control/forms/advance"');
    });

    test('refunds, opens and closes a dispute, and says what it did', async () => {
      const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
      h.standIn.control.completeCheckout(session.id, 'card_paid');
      const [charge] = h.standIn.store.charges.all();
      expect((await act('dispute', `charge=${charge?.id}`)).status).toBe(303);
      const [dispute] = h.standIn.store.disputes.all();
      expect((await act('close-dispute', `dispute=${dispute?.id}&outcome=lost`)).status).toBe(303);
      expect(h.standIn.store.disputes.get(String(dispute?.id))?.status).toBe('lost');
      expect(await (await fetch(control())).text()).toContain(`Dispute ${dispute?.id} lost.`);

      const second = await h.stripe.checkout.sessions.create(oneOffSessionParams());
      h.standIn.control.completeCheckout(second.id, 'card_paid');
      const refundable = h.standIn.store.charges.all().find((c) => c.id !== charge?.id);
      expect((await act('refund', `charge=${refundable?.id}`)).status).toBe(303);
      expect(h.standIn.store.charges.get(String(refundable?.id))?.refunded).toBe(true);
    });

    test('fails the next renewal and moves the clock to it: the renewal fails', async () => {
      const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
      const subscription = String(h.standIn.control.completeCheckout(session.id, 'card_paid').subscription);
      await act('fail-renewal', `subscription=${subscription}`);
      await act('to-period-end', `subscription=${subscription}`);
      expect((await h.stripe.subscriptions.retrieve(subscription)).status).toBe('past_due');
      expect(await h.deliveredTypes()).toContain('invoice.payment_failed');
    });

    test('an error is shown on the page, and a form from another site is refused', async () => {
      await act('refund', 'charge=ch_missing');
      expect(await (await fetch(control())).text()).toContain('class="error"');
      const before = h.standIn.control.now();
      const answer = await act('advance', 'days=3', { 'sec-fetch-site': 'cross-site' });
      expect(answer.status).toBe(403);
      expect(h.standIn.control.now()).toBe(before);
    });
  });
});
