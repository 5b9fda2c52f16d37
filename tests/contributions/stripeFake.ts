import nock from 'nock';

/** The body Stripe received, as the flat `a[b][0]=c` keys of its form encoding: exact and readable in a diff. */
export type StripeForm = Record<string, string>;

export interface SessionCall {
  body: StripeForm;
  idempotencyKey: string | undefined;
}

/**
 * Fakes `POST /v1/checkout/sessions` for `times` calls, recording each body and `Idempotency-Key` header. Like
 * Stripe, it answers the same session to a repeated idempotency key.
 */
export function fakeCheckoutSessions(times = 1): { calls: SessionCall[]; scope: nock.Scope } {
  const calls: SessionCall[] = [];
  const byKey = new Map<string, string>();
  const scope = nock('https://api.stripe.com')
    .post('/v1/checkout/sessions', (body: StripeForm) => {
      calls.push({ body, idempotencyKey: undefined });
      return true;
    })
    .times(times)
    .reply(function reply() {
      const header = this.req.headers['idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      const call = calls[calls.length - 1];
      if (call) call.idempotencyKey = key;
      const id =
        (key && byKey.get(key)) ?? `cs_test_${calls.length}${Math.random().toString(36).slice(2, 8)}`;
      if (key) byKey.set(key, id);
      return [200, { id, object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${id}` }];
    });
  return { calls, scope };
}

/** No network but loopback: a request to a Stripe we did not fake fails loudly instead of leaving the machine. */
export function isolateNetwork(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());
}
