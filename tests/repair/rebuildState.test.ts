import { createHash } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import { scanKeys } from '../../src/platform/redis';
import { rebuildState } from '../../src/repair/rebuildState';
import type { JournalLine } from '../../src/supporters/journal';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { proveEmail } from '../../src/supporters/proveEmail';
import type { SupporterRecord } from '../../src/supporters/record';
import { supporterRepository } from '../../src/supporters/repository';
import { statusIndexKey } from '../../src/webhooks/eventLog';
import { seeded } from '../faults/deliveries';
import { buildWorld, observer, type World } from '../faults/world';
import { apiKeysEnv, createSiteTestApp, entitlementsOf, financeKey } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver } from '../fixtures/stripe/deliver';
import { sharedRedisEnv, type TestApp } from '../helpers/app';
import { runTool } from '../helpers/tool';

/**
 * `npm run rebuild-state` after a month of a site's readers — payments, renewals, refunds, disputes, token claims,
 * e-mail proofs that merge guests, an admin's link, reconciliation's fees, an erasure — then every supporter key
 * wiped: the command makes the same state again from the event log and the journal alone.
 */

jest.setTimeout(240_000);

const adminKey = 'admin-key-for-the-rebuild-test';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const prefix = `test:rebuild:${process.pid}:`;

/** No Stripe key: everything an event's application read must come from what the log kept. */
const rebuildCommand = () => runTool('tools/rebuildState.ts', [], { REDIS_KEY_PREFIX: prefix });

/** What the site, the reader and finance are told: per supporter, site user, e-mail and Stripe customer. */
async function snapshot(t: TestApp, world: World, customers: string[]) {
  const repository = supporterRepository(t.redis, t.prefix);
  const seen: Record<string, unknown> = {};
  for (const reader of world.readers) {
    const ledger = await loadSupporterLedger(repository, reader.supporterId);
    seen[`supporter ${reader.name}`] = {
      entitlements: await entitlementsOf(t, { supporterId: reader.supporterId }),
      ledger,
    };
    if (reader.siteUserId)
      seen[`site user ${reader.siteUserId}`] = await entitlementsOf(t, { siteUserId: reader.siteUserId });
    seen[`e-mail ${reader.email}`] = await entitlementsOf(t, { email: reader.email });
  }
  for (const customer of customers) {
    const owner = await repository.lookup('customer', customer);
    seen[`customer ${customer}`] = owner ? await entitlementsOf(t, { supporterId: owner }) : null;
  }
  const holders: string[] = [];
  for (const key of await scanKeys(t.redis, `${t.prefix}{*}:ledger`)) {
    for (const entry of Object.keys(await t.redis.hgetall(key))) holders.push(`${entry} @ ${key}`);
  }
  seen.holders = holders.sort();
  return seen;
}

it('wiped after a mixed month, the supporter state is made again the same from the log and the journal', async () => {
  const redisEnv = sharedRedisEnv() as Record<string, string>;
  const world = await buildWorld({ readers: 24, mergeGroups: 3, random: seeded(14), redisEnv }, prefix);
  const { t, app, codeFor, prove } = await observer(world, prefix, {
    API_KEYS: `${apiKeysEnv},ops:admin:${sha256(adminKey)}`,
  });
  try {
    // Stripe's API fails the first fee reads: those payments are recorded without their fee, and reconciliation
    // fills it in below (journaled as fill-ins, which the rebuild must play).
    const failedFeeReads = nock(world.standIn.url, { allowUnmocked: true })
      .get(/^\/v1\/payment_intents\/pi_/)
      .query(true)
      .times(4)
      .reply(500, { error: { type: 'api_error', message: 'An unknown error occurred.' } });
    for (const { payload } of world.deliveries()) {
      const res = await deliver(t, JSON.parse(payload), { secret: world.standIn.webhookSecret });
      expect(res.status).toBe(200);
    }
    expect(failedFeeReads.isDone()).toBe(true);
    // Two payments from sessions made before supporters were chosen at checkout: each got a random supporter id.
    for (const n of [1, 2]) {
      const session = checkoutSession({
        amount: 1800,
        paymentIntent: `pi_legacy_${n}`,
        customer: `cus_legacy_${n}`,
        email: `legacy-${n}@example.org`,
      });
      const res = await deliver(t, event('checkout.session.completed', session), {
        secret: world.standIn.webhookSecret,
      });
      expect(res.status).toBe(200);
    }
    // Each group's first prover proves the guest's e-mail with a code: the guest joins them.
    for (const [g, group] of world.mergeGroups.entries()) {
      const address = `198.51.100.${g + 1}`;
      const code = await codeFor(group.email, address);
      expect((await prove(group.email, code, group.cookies[0], address)).status).toBe(200);
    }
    // An admin links two guests a reader proved to be one (wrote in).
    const guests = world.readers.filter((r) => r.siteUserId === null && r.mergeGroup === null);
    const [linked, into] = guests as [World['readers'][0], World['readers'][0]];
    const link = await request(app)
      .post(`/v1/admin/supporters/${linked.supporterId}/link`)
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ into: into.supporterId });
    expect(link.status).toBe(200);
    // A guest proves their own address on a new device: a new supporter owns it and holds the guest's payment; an
    // admin links that owner into another guest (a chain: guest → owner → other guest, the owner with no event).
    const [, , lone, other] = guests as World['readers'];
    const code = await codeFor(lone?.email as string, '198.51.100.40');
    expect((await prove(lone?.email as string, code, '', '198.51.100.40')).status).toBe(200);
    const newOwner = await supporterRepository(t.redis, prefix).emailOwner(lone?.email as string);
    expect(newOwner).not.toBe(lone?.supporterId);
    const chained = await request(app)
      .post(`/v1/admin/supporters/${newOwner}/link`)
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ into: other?.supporterId });
    expect(chained.status).toBe(200);
    // Reconciliation fills the fees in from Stripe's balance transactions.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const reconciliation = await request(app)
      .get('/v1/admin/reconciliation')
      .query({ from: day(world.endMs - 70 * 86_400_000), to: day(world.endMs) })
      .set('Authorization', `Bearer ${financeKey}`);
    expect(reconciliation.status).toBe(200);
    // The first group's prover (who gave once, and holds the guest's payment since the proof) asks to be forgotten.
    const forgotten = world.mergeGroups[0]?.provers[0] as World['readers'][0];
    const erasure = await request(app)
      .delete(`/v1/admin/supporters/${forgotten.supporterId}`)
      .set('Authorization', `Bearer ${adminKey}`);
    expect(erasure.status).toBe(200);
    // Their checkout's site user, their claim, their proof.
    expect(erasure.body.erased.journalLines).toBe(3);
    const erased = forgotten.supporterId;

    const journal = (await t.redis.lrange(`${prefix}journal`, 0, -1)).map(
      (l) => JSON.parse(l) as JournalLine,
    );
    const kinds = journal.map((line) => line.kind);
    expect(kinds.filter((k) => k === 'claim').length).toBe(2 * world.mergeGroups.length);
    expect(kinds.filter((k) => k === 'proof').length).toBe(world.mergeGroups.length + 1);
    expect(kinds.filter((k) => k === 'link').length).toBe(2);
    expect(kinds.filter((k) => k === 'fill-in').length).toBeGreaterThan(0);
    expect(kinds.filter((k) => k === 'erasure').length).toBe(1);

    // Nothing kept for the rebuild names them any more: not the journal (their claim, their proof), not the log.
    const theirs = [forgotten.email, world.mergeGroups[0]?.email as string];
    const kept = [
      JSON.stringify(journal),
      ...(await Promise.all(
        (
          await scanKeys(t.redis, `${prefix}event:{*}`)
        ).map(async (key) =>
          key.endsWith('}') ? JSON.stringify(await t.redis.hmget(key, 'raw', 'reads')) : '',
        ),
      )),
    ].join('\n');
    for (const email of theirs) expect(kept).not.toContain(email);

    const customers: string[] = [];
    for (const key of await scanKeys(t.redis, `${prefix}{sup_*}:record`)) {
      const json = await t.redis.hget(key, 'json');
      if (json) customers.push(...Object.keys((JSON.parse(json) as SupporterRecord).customers));
    }
    const before = await snapshot(t, world, customers.sort());
    const erasedBefore = await t.redis.hgetall(`${prefix}{${erased}}:record`);
    expect(erasedBefore.erasedAt).toBeDefined();

    // The disaster: every supporter key gone (records, ledgers, indexes), the event log and journal kept.
    for (const pattern of ['{*}:record', '{*}:events', '{*}:ledger', 'idx:*', 'ledger:*']) {
      for (const key of await scanKeys(t.redis, `${prefix}${pattern}`)) await t.redis.unlink(key);
    }
    expect(await snapshot(t, world, customers)).not.toEqual(before);

    const run = await rebuildCommand();
    expect(run.stderr).toContain('0 events failed');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      events: { failed: [] },
      journal: { claim: 6, proof: 4, link: 2, erasure: 1 },
      rereadFromStripe: 0,
      seeded: 0,
      resumed: false,
    });
    const settled = await Promise.all(
      (['applied', 'duplicate'] as const).map((status) => t.redis.zcard(statusIndexKey(prefix, status))),
    );
    expect(report.events.applied).toBe(Number(settled[0]) + Number(settled[1]));

    expect(await snapshot(t, world, customers)).toEqual(before);
    // The erased reader is erased again: marked as they were, no e-mail, no site user id.
    const erasedAfter = await t.redis.hgetall(`${prefix}{${erased}}:record`);
    expect(erasedAfter.erasedAt).toBe(erasedBefore.erasedAt);
    expect(JSON.parse(erasedAfter.json as string)).toMatchObject({
      email: null,
      emails: [],
      siteUserId: null,
    });

    // History made before the journal existed (or journal lines a crash lost): the rebuild keeps it from the state.
    await t.redis.unlink(`${prefix}journal`);
    const again = await rebuildCommand();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).seeded).toBeGreaterThan(0);
    expect(await snapshot(t, world, customers)).toEqual(before);
    expect((await t.redis.hgetall(`${prefix}{${erased}}:record`)).erasedAt).toBe(erasedBefore.erasedAt);
  } finally {
    await t.close();
    await world.close();
  }
});

describe('a rebuild that stops half-way', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('is run again on the seed it kept (the state it wiped is not seeded a second time), one rebuild at a time', async () => {
    const email = 'half-way@example.org';
    for (const n of [1, 2]) {
      const session = checkoutSession({ email, customer: `cus_half_${n}`, paymentIntent: `pi_half_${n}` });
      expect((await deliver(t, event('checkout.session.completed', session))).status).toBe(200);
    }
    const repository = supporterRepository(t.redis, t.prefix);
    const proofs = {
      repository,
      logger: t.deps.logger,
      clock: t.clock,
      revokeRefreshFamilies: async () => 0,
    };
    const owner = String(await proveEmail(proofs, email, null));
    // History from before the journal: only the state holds the proof and its merges.
    await t.redis.unlink(`${t.prefix}journal`);
    const seen = async () => ({
      byEmail: await entitlementsOf(t, { email }),
      ledger: await loadSupporterLedger(repository, owner),
    });
    const before = await seen();
    expect(before.ledger).toHaveLength(2);

    // The first run dies while it wipes (after two records are gone).
    let recordsWiped = 0;
    const dying = new Proxy(t.redis, {
      get(target, name) {
        if (name === 'unlink') {
          return async (key: string) => {
            if (key.endsWith(':record') && ++recordsWiped > 2) throw new Error('the process was killed');
            return target.unlink(key);
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const deps = { redis: t.redis, prefix: t.prefix, logger: t.deps.logger, stripe: null, clock: t.clock };
    await expect(rebuildState({ ...deps, redis: dying })).rejects.toThrow('killed');
    expect(await t.redis.exists(`${t.prefix}rebuild:running`)).toBe(1);

    // Another operator's run meanwhile is refused while the lock is held.
    await t.redis.set(`${t.prefix}rebuild:lock`, 'someone else');
    await expect(rebuildState(deps)).rejects.toThrow('another rebuild is running');
    await t.redis.unlink(`${t.prefix}rebuild:lock`);

    const report = await rebuildState(deps);
    expect(report).toMatchObject({ resumed: true, events: { failed: [] } });
    expect(await seen()).toEqual(before);
    for (const key of ['rebuild:running', 'journal:seed'])
      expect(await t.redis.exists(`${t.prefix}${key}`)).toBe(0);
  });
});
