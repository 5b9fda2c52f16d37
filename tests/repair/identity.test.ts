import request from 'supertest';
import { systemClock } from '../../src/platform/clock';
import { linkSupporters } from '../../src/supporters/linkSupporters';
import { loadSupporter } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { RefreshTokens } from '../../src/tokens/refreshTokens';
import { entitlementsOf } from '../fixtures/site';
import { checkoutSession, event, supporterOfSiteUser } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { barrier } from '../helpers/barrier';
import { adminKey, adminKeyName, createAdminTestApp, financeKey, withKey } from './adminApp';

/** Identity repairs for readers who write in: link two supporters, revoke sessions, and the review list. */

let t: TestApp;
useFakeStripeApi();
beforeEach(async () => {
  t = await createAdminTestApp();
});
afterEach(() => t.close());

const repository = () => supporterRepository(t.redis, t.prefix);
const tokens = () => new RefreshTokens(t.redis, t.prefix, t.config.jwt.refreshTokenTtlS * 1000);
const pay = (o: Parameters<typeof checkoutSession>[0]) =>
  deliver(t, event('checkout.session.completed', checkoutSession(o)));
const link = (id: string, into: string) =>
  withKey(request(t.app).post(`/v1/admin/supporters/${id}/link`), adminKey).send({ into });

describe('linking two supporters a reader proved to be one', () => {
  it('moves the guest’s payments into the site user, revokes the guest’s sessions, and is audited', async () => {
    await pay({ supporterId: 'sup_guestxxxxxxxxxxxx', paymentIntent: 'pi_guest', amount: 3000 });
    await pay({ siteUserId: 'reader-9', paymentIntent: 'pi_site', amount: 500 });
    const siteUser = supporterOfSiteUser('reader-9');
    const guestSession = await tokens().issue('sup_guestxxxxxxxxxxxx', t.clock.now());

    const res = await link('sup_guestxxxxxxxxxxxx', siteUser);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      source: 'sup_guestxxxxxxxxxxxx',
      target: siteUser,
      refreshFamiliesRevoked: 1,
    });
    const record = await loadSupporter(repository(), siteUser);
    expect(Object.keys(record?.payments ?? {}).sort()).toEqual(['pi_guest', 'pi_site']);
    expect((await entitlementsOf(t, { siteUserId: 'reader-9' })).tier).toBe('patron');
    expect(await tokens().holder(guestSession.token, t.clock.now())).toBeNull();

    const audit = await withKey(request(t.app).get('/v1/admin/audit'), financeKey);
    expect(audit.body.entries[0]).toMatchObject({
      actor: adminKeyName,
      action: 'supporter.link',
      target: 'sup_guestxxxxxxxxxxxx',
      outcome: 'ok',
    });
  });

  it('never makes two site users one', async () => {
    await pay({ siteUserId: 'parent', paymentIntent: 'pi_p' });
    await pay({ siteUserId: 'child', paymentIntent: 'pi_c' });
    const res = await link(supporterOfSiteUser('child'), supporterOfSiteUser('parent'));
    expect(res.status).toBe(409);
    expect((await entitlementsOf(t, { siteUserId: 'child' })).supporterId).toBe(supporterOfSiteUser('child'));
  });

  it('two opposite links at the same moment: at most one wins, and no cycle forms', async () => {
    await pay({ supporterId: 'sup_aaaaaaaaaaaaaaaa', paymentIntent: 'pi_a' });
    await pay({ supporterId: 'sup_bbbbbbbbbbbbbbbb', paymentIntent: 'pi_b' });
    // The worst interleaving, forced: both links mark their targets, then both judge their sources, then both
    // try to mark them merged. Without the rule "a link's source is no link's target" this made A→B and B→A.
    const afterCommits = barrier(2);
    const beforeMarks = barrier(2);
    const racing = {
      ...repository(),
      commit: async (...args: Parameters<ReturnType<typeof repository>['commit']>) => {
        const done = await repository().commit(...args);
        if (args[1].linkedFrom) await afterCommits();
        return done;
      },
      markMerged: async (...args: Parameters<ReturnType<typeof repository>['markMerged']>) => {
        await beforeMarks();
        return repository().markMerged(...args);
      },
    };
    const deps = {
      repository: racing,
      logger: t.deps.logger,
      clock: systemClock,
      revokeRefreshFamilies: async () => 0,
    };
    const outcomes = await Promise.allSettled([
      linkSupporters(deps, 'sup_aaaaaaaaaaaaaaaa', 'sup_bbbbbbbbbbbbbbbb'),
      linkSupporters(deps, 'sup_bbbbbbbbbbbbbbbb', 'sup_aaaaaaaaaaaaaaaa'),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    const [a, b] = await Promise.all([
      repository().loadFollowingMerges('sup_aaaaaaaaaaaaaaaa'),
      repository().loadFollowingMerges('sup_bbbbbbbbbbbbbbbb'),
    ]);
    const live = new Map([a, b].map((found) => [found.owner, found.state.record]));
    expect([...live.values()].flatMap((r) => Object.keys(r?.payments ?? {})).sort()).toEqual([
      'pi_a',
      'pi_b',
    ]);
  });
});

describe('the identity review and revoking sessions', () => {
  it('lists supporters with several customers or merged supporters, ids and counts only; finance may read it', async () => {
    await pay({ supporterId: 'sup_twocustomersxxxx', customer: 'cus_one', paymentIntent: 'pi_1' });
    await pay({ supporterId: 'sup_twocustomersxxxx', customer: 'cus_two', paymentIntent: 'pi_2' });
    await pay({ supporterId: 'sup_plainxxxxxxxxxxx', customer: 'cus_three', paymentIntent: 'pi_3' });
    const res = await withKey(request(t.app).get('/v1/admin/identity-review'), financeKey);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      supporters: [
        {
          supporterId: 'sup_twocustomersxxxx',
          customers: 2,
          mergedFrom: [],
          siteUser: false,
          provedEmails: 0,
        },
      ],
    });
    expect(JSON.stringify(res.body)).not.toContain('@');
  });

  it('revokes every refresh token of a supporter, the ones issued before families were listed too', async () => {
    const first = await tokens().issue('sup_revokedxxxxxxxxx', t.clock.now());
    // A token of an earlier version: its family is not in the supporter's list.
    await t.redis.del(`${t.prefix}{sup_revokedxxxxxxxxx}:refresh-families`);
    const second = await tokens().issue('sup_revokedxxxxxxxxx', t.clock.now());
    const res = await withKey(
      request(t.app).post('/v1/admin/supporters/sup_revokedxxxxxxxxx/revoke-sessions'),
      adminKey,
    );
    expect(res.body).toEqual({ supporterId: 'sup_revokedxxxxxxxxx', refreshTokensRevoked: 2 });
    for (const { token } of [first, second]) expect(await tokens().holder(token, t.clock.now())).toBeNull();
    expect(
      (await withKey(request(t.app).post('/v1/admin/supporters/sup_x1/revoke-sessions'), financeKey)).status,
    ).toBe(403);
  });
});
