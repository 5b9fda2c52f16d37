import { pino } from 'pino';
import request from 'supertest';
import { systemClock } from '../../src/platform/clock';
import { proveEmail } from '../../src/supporters/proveEmail';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { barrier } from '../helpers/barrier';

/**
 * Merges under the worst interleavings, forced with barriers around the real repository: every fact ends in
 * exactly one supporter, and a merge that loses the race leaves no trace in its target.
 */

let t: TestApp;
useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp();
});
afterEach(() => t.close());

const repository = () => supporterRepository(t.redis, t.prefix);
const pay = (o: Parameters<typeof checkoutSession>[0]) =>
  deliver(t, event('checkout.session.completed', checkoutSession(o)));

it('a guest who typed two e-mails, proved at the same moment by their two owners, ends in exactly one of them', async () => {
  // Two readers, each the proved owner of an address; a guest paid €60 typing one address, then the other.
  await pay({
    supporterId: 'sup_ownerone0000000000',
    email: 'one@example.fr',
    paymentIntent: 'pi_one',
    amount: 300,
  });
  await pay({
    supporterId: 'sup_ownertwo0000000000',
    email: 'two@example.fr',
    paymentIntent: 'pi_two',
    amount: 300,
  });
  for (const [owner, email] of [
    ['sup_ownerone0000000000', 'one@example.fr'],
    ['sup_ownertwo0000000000', 'two@example.fr'],
  ] as const) {
    expect(
      await proveEmail(
        {
          repository: repository(),
          logger: t.deps.logger,
          clock: systemClock,
          revokeRefreshFamilies: async () => 0,
        },
        email,
        owner,
      ),
    ).toBe(owner);
  }
  await pay({
    supporterId: 'sup_guest000000000000',
    email: 'one@example.fr',
    paymentIntent: 'pi_guest',
    amount: 6000,
  });
  await pay({
    supporterId: 'sup_guest000000000000',
    email: 'two@example.fr',
    paymentIntent: 'pi_guest2',
    amount: 300,
  });

  // Both proofs have judged the guest mergeable before either marks it.
  const beforeMarks = barrier(2);
  const racing = {
    ...repository(),
    markMerged: async (...args: Parameters<ReturnType<typeof repository>['markMerged']>) => {
      await beforeMarks();
      return repository().markMerged(...args);
    },
  };
  const deps = {
    repository: racing,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    revokeRefreshFamilies: async () => 0,
  };
  await Promise.all([
    proveEmail(deps, 'one@example.fr', 'sup_ownerone0000000000'),
    proveEmail(deps, 'two@example.fr', 'sup_ownertwo0000000000'),
  ]);

  const [one, two] = await Promise.all([
    repository().load('sup_ownerone0000000000'),
    repository().load('sup_ownertwo0000000000'),
  ]);
  const holders = [one, two].filter((s) => s.record?.payments.pi_guest !== undefined);
  expect(holders).toHaveLength(1);
  const ledgers = await Promise.all([
    repository().ledger('sup_ownerone0000000000'),
    repository().ledger('sup_ownertwo0000000000'),
  ]);
  expect(ledgers.flat().filter((e) => e.stripe.paymentIntentId === 'pi_guest')).toHaveLength(1);
  const guest = await repository().loadFollowingMerges('sup_guest000000000000');
  expect(guest.state.record?.payments.pi_guest?.amount).toBe(6000);
});

it('a crash between marking a merge and copying its facts is repaired by the next reader that follows it', async () => {
  await pay({
    supporterId: 'sup_owner00000000000000',
    email: 'o@example.fr',
    paymentIntent: 'pi_owner',
    amount: 300,
  });
  await pay({
    supporterId: 'sup_crashed0000000000',
    email: 'o@example.fr',
    paymentIntent: 'pi_crashed',
    amount: 900,
  });
  const source = await repository().load('sup_crashed0000000000');
  // The merge marked the source, then the process died before copying.
  expect(
    await repository().markMerged('sup_crashed0000000000', source.version, 'sup_owner00000000000000'),
  ).toBe('ok');
  expect((await repository().load('sup_owner00000000000000')).record?.payments.pi_crashed).toBeUndefined();

  // A refund of the crashed payment, say, finds it through its payment intent, which still names the source.
  const followed = await repository().loadFollowingMerges('sup_crashed0000000000');
  expect(followed.owner).toBe('sup_owner00000000000000');
  expect(followed.state.record?.payments.pi_crashed?.amount).toBe(900);
  const after = await repository().load('sup_crashed0000000000');
  expect(after.mergePending).toBe(false);
  expect(await repository().ledger('sup_crashed0000000000')).toEqual([]);
  expect(
    (await repository().ledger('sup_owner00000000000000')).map((e) => e.stripe.paymentIntentId).sort(),
  ).toEqual(['pi_crashed', 'pi_owner']);
});

it('a merge cycle left by an earlier version is repaired where it is met: the smallest id survives with every fact', async () => {
  await pay({ supporterId: 'sup_cyclea00000000000', paymentIntent: 'pi_cycle_a', amount: 300 });
  await pay({ supporterId: 'sup_cycleb00000000000', paymentIntent: 'pi_cycle_b', amount: 900 });
  // What two crossing merges of the old code left: A → B and B → A.
  await t.redis.hset(`${t.prefix}{sup_cyclea00000000000}:record`, 'mergedInto', 'sup_cycleb00000000000');
  await t.redis.hset(`${t.prefix}{sup_cycleb00000000000}:record`, 'mergedInto', 'sup_cyclea00000000000');

  const seen = await entitlementsOf(t, { supporterId: 'sup_cycleb00000000000' });
  expect(seen.supporterId).toBe('sup_cyclea00000000000');
  const survivor = await repository().load('sup_cyclea00000000000');
  expect(survivor.mergedInto).toBeNull();
  expect(Object.keys(survivor.record?.payments ?? {}).sort()).toEqual(['pi_cycle_a', 'pi_cycle_b']);
  expect((await entitlementsOf(t, { supporterId: 'sup_cyclea00000000000' })).supporterId).toBe(
    'sup_cyclea00000000000',
  );
});

it('a checkout started with a supporter’s token just before it was merged away pays the owner, and its claim opens nothing', async () => {
  await pay({
    supporterId: 'sup_typedby000000000',
    email: 'mine@example.fr',
    paymentIntent: 'pi_before',
    amount: 300,
  });
  const owner = await proveEmail(
    {
      repository: repository(),
      logger: t.deps.logger,
      clock: systemClock,
      revokeRefreshFamilies: async () => 0,
    },
    'mine@example.fr',
    null,
  );
  expect(owner).not.toBe('sup_typedby000000000');
  // The session was created before the merge, so it names the supporter that is gone now.
  await pay({
    id: 'cs_test_late',
    supporterId: 'sup_typedby000000000',
    paymentIntent: 'pi_late',
    amount: 4500,
  });
  expect(Object.keys((await repository().load(owner as string)).record?.payments ?? {}).sort()).toEqual([
    'pi_before',
    'pi_late',
  ]);
  const claimed = await request(t.app)
    .post('/v1/tokens')
    .set('Origin', 'https://www.example.fr')
    .send({ checkoutSessionId: 'cs_test_late' });
  expect(claimed.status).toBe(410);
});
