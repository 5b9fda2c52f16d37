import { createSiteTestApp } from '../fixtures/site';
import { customer, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

/** A signed event is Stripe's, but the ids in it are still data: none may reach into the objects that hold them. */

let t: TestApp;
useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp();
});
afterEach(() => t.close());

describe('ids that are the names of JavaScript’s own properties', () => {
  it.each(['__proto__', 'constructor', 'toString'])(
    'a customer named %s is kept as a plain key, answered 200',
    async (id) => {
      const res = await deliver(t, event('customer.updated', customer({ id, email: 'odd@example.fr' })));
      expect(res.status).toBe(200);
      const again = await deliver(t, event('customer.updated', customer({ id, email: 'odder@example.fr' })));
      expect(again.status).toBe(200);
      const stored = JSON.parse((await t.redis.hget(`${t.prefix}{${id}}:record`, 'json')) ?? '{}');
      expect(Object.keys(stored.customers)).toEqual([id]);
      expect(stored.customers[id].email.value).toBe('odder@example.fr');
    },
  );
});
