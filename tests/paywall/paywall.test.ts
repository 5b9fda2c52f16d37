import request from 'supertest';
import { periodAt } from '../../src/paywall/period';
import { siteUserMeters } from '../../src/paywall/siteUserMeter';
import { scanKeys } from '../../src/platform/redis';
import { defaultPolicy } from '../../src/policy/policy';
import { createSiteTestApp, siteKey } from '../fixtures/site';
import { checkoutSession, event, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { forgeToken, p256Key, patronGrant, testIssuer } from '../tokens/tokenKit';

interface MeterAnswer {
  access: string;
  remaining: number | null;
  resetsAt: string;
  reason: string;
  meter?: string;
  tier?: string | null;
}

const signing = p256Key();

describe('the paywall', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp({ env: { JWT_SIGNING_KEY: signing.pem } });
    t.clock.set(Date.parse('2026-11-12T09:00:00Z'));
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  /** A premium page view as the banner script makes it. */
  const view = async (articleId: string, meter?: string) => {
    const res = await request(t.app)
      .post('/v1/meter')
      .set('Origin', 'https://www.example.fr')
      .send({ articleId, ...(meter === undefined ? {} : { meter }) });
    expect(res.status).toBe(200);
    return res.body as MeterAnswer;
  };
  /** Reads articles one after the other, carrying the meter as the browser does. */
  const readAll = async (articles: string[], start?: string) => {
    let meter = start;
    const answers: MeterAnswer[] = [];
    for (const id of articles) {
      const answer = await view(id, meter);
      answers.push(answer);
      meter = answer.meter;
    }
    return { answers, meter: meter as string };
  };
  /** What the site's backend asks. */
  const access = (query: Record<string, string>, headers: Record<string, string> = {}) => {
    const req = request(t.app).get('/v1/access').query(query).set('Authorization', `Bearer ${siteKey}`);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req;
  };
  // Every primary's keys (on Redis Cluster, KEYS sees one node's).
  const meterKeys = () => scanKeys(t.redis, `${t.prefix}paywall:meter:*`);

  describe('the browser meter (POST /v1/meter)', () => {
    it('opens three premium articles a month, then walls the fourth; a re-read does not count', async () => {
      const { answers, meter } = await readAll(['long-read-1', 'long-read-2', 'long-read-3', 'long-read-4']);
      expect(answers.map((a) => [a.access, a.remaining, a.reason])).toEqual([
        ['metered', 2, 'counted'],
        ['metered', 1, 'counted'],
        ['metered', 0, 'counted'],
        ['denied', 0, 'allowance_used'],
      ]);
      // Paris: December starts at 23:00 UTC on 30 November.
      expect(answers[0]?.resetsAt).toBe('2026-11-30T23:00:00.000Z');
      const again = await view('long-read-2', meter);
      expect([again.access, again.remaining, again.reason]).toEqual(['metered', 0, 'already_counted']);
      // Nothing of an anonymous reader is kept by the service.
      expect(await meterKeys()).toEqual([]);
    });

    it('treats an edited, re-signed or garbled meter as used up, never as fresh', async () => {
      const { meter } = await readAll(['a-1', 'a-2', 'a-3']);
      const [version, kid, body, signature] = meter.split('.') as [string, string, string, string];
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { p: string; a: string[] };
      const emptied = Buffer.from(JSON.stringify({ ...payload, a: [] })).toString('base64url');
      const forged = [
        `${version}.${kid}.${emptied}.${signature}`,
        `${version}.${kid}.${emptied}.${Buffer.alloc(32, 7).toString('base64url')}`,
        `${version}.${kid}.${body}.${signature.slice(0, -2)}`,
        `${version}.${kid}.${body}`,
        `${version}.${body}.${signature}`,
        'm2.e30.AAAA.AAAA',
        'not a meter',
        `${meter}${'A'.repeat(5000)}`,
      ];
      for (const bad of forged) {
        const answer = (
          await request(t.app)
            .post('/v1/meter')
            .send({ articleId: 'a-4', meter: bad.slice(0, 4096) })
        ).body as MeterAnswer;
        expect([bad, answer.access, answer.remaining, answer.reason]).toEqual([
          bad,
          'denied',
          0,
          'meter_invalid',
        ]);
        // The meter given back stays used up for the month, even on an article the reader had opened.
        expect((await view('a-1', answer.meter)).access).toBe('denied');
      }
    });

    it('starts afresh on a meter signed by a key the service no longer has (a rotation), and keeps the one still listed', async () => {
      const secret = (c: string) => c.repeat(32);
      const withSecrets = async (secrets: string) => {
        await t.close();
        t = await createSiteTestApp({
          env: { JWT_SIGNING_KEY: signing.pem, PAYWALL_METER_SECRETS: secrets },
        });
        t.clock.set(Date.parse('2026-11-12T09:00:00Z'));
      };
      await withSecrets(secret('a'));
      const { meter: old } = await readAll(['k-1', 'k-2', 'k-3']);
      await withSecrets(`${secret('b')},${secret('a')}`);
      expect((await view('k-4', old)).reason).toBe('allowance_used');
      const { meter: current } = await readAll(['k-1'], old);
      await withSecrets(secret('c'));
      expect(await view('k-4', current)).toMatchObject({
        access: 'metered',
        remaining: 2,
        reason: 'counted',
      });
    });

    it('starts afresh on a meter from a past month, and refuses one from a month to come', async () => {
      const { meter: november } = await readAll(['n-1', 'n-2', 'n-3', 'n-4']);
      t.clock.set(Date.parse('2026-12-01T08:00:00Z'));
      const december = await view('n-4', november);
      expect([december.access, december.remaining]).toEqual(['metered', 2]);
      t.clock.set(Date.parse('2026-11-20T08:00:00Z'));
      expect((await view('n-5', december.meter)).reason).toBe('meter_invalid');
    });

    it("counts a read at 23:30 UTC on the month's last day in the next month, in Paris", async () => {
      t.clock.set(Date.parse('2026-11-30T22:30:00Z'));
      const { answers, meter } = await readAll(['p-1', 'p-2', 'p-3', 'p-4']);
      expect(answers[3]?.access).toBe('denied');
      expect(answers[3]?.resetsAt).toBe('2026-11-30T23:00:00.000Z');
      t.clock.set(Date.parse('2026-11-30T23:30:00Z'));
      const next = await view('p-4', meter);
      expect([next.access, next.remaining, next.resetsAt]).toEqual([
        'metered',
        2,
        '2026-12-31T23:00:00.000Z',
      ]);
      expect(periodAt(Date.parse('2026-11-30T23:30:00Z'), 'Europe/Paris').id).toBe('2026-12');
      expect(periodAt(Date.parse('2026-11-30T23:30:00Z'), 'UTC').id).toBe('2026-11');
    });

    it('answers 400 listing every bad field', async () => {
      const res = await request(t.app)
        .post('/v1/meter')
        .send({ articleId: `${'x'.repeat(101)}<script>`, meter: 'm'.repeat(5000), extra: 1 });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['articleId', 'articleId', 'extra', 'meter']);
    });

    it('limits premium views per address, with Retry-After', async () => {
      await t.close();
      t = await createSiteTestApp({ env: { JWT_SIGNING_KEY: signing.pem, PAYWALL_RATE_LIMIT_PER_IP: '3' } });
      for (let i = 0; i < 3; i++) await view(`r-${i}`);
      const refused = await request(t.app).post('/v1/meter').send({ articleId: 'r-4' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('is answered to the site’s pages only (CORS), and the script learns the paywall from /v1/config', async () => {
      const foreign = await request(t.app)
        .post('/v1/meter')
        .set('Origin', 'https://evil.example')
        .send({ articleId: 'x' });
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      const config = await request(t.app).get('/v1/config').expect(200);
      expect(config.body.paywall).toEqual({
        allowance: 3,
        period: 'month',
        timeZone: 'Europe/Paris',
        opensWith: 'read_premium',
        previewParagraphs: 2,
        opensAtMonthly: 1000,
      });
    });
  });

  describe("the site's backend (GET /v1/access)", () => {
    const issuer = () => testIssuer(signing.pem, t.clock, t.config);

    it('opens for a token carrying read_premium, with no meter and nothing written', async () => {
      const { token } = issuer().issueAccessToken(patronGrant(t.clock));
      const res = await access({ articleId: 'premium-1' }, { 'X-Reader-Token': token }).expect(200);
      expect(res.body).toEqual({
        access: 'entitled',
        remaining: null,
        resetsAt: '2026-11-30T23:00:00.000Z',
        reason: 'token',
        tier: 'patron',
      });
      expect(await meterKeys()).toEqual([]);
    });

    it('meters a supporter below the opening tier, and a forged or expired token as no token', async () => {
      const supporter = issuer().issueAccessToken(
        patronGrant(t.clock, { tier: 'supporter', entitlements: ['hide_support_asks'] }),
      ).token;
      const below = await access({ articleId: 'premium-1' }, { 'X-Reader-Token': supporter }).expect(200);
      expect(below.body).toMatchObject({
        access: 'metered',
        remaining: 2,
        reason: 'counted',
        tier: 'supporter',
      });
      expect(typeof below.body.meter).toBe('string');

      const forged = forgeToken(
        { alg: 'ES256', typ: 'JWT', kid: signing.kid },
        { sub: 'sup_x', ent: ['read_premium'], exp: 4_102_444_800 },
        { es256: p256Key().privateKey },
      );
      const expired = issuer().issueAccessToken(patronGrant(t.clock)).token;
      t.clock.advance(2 * 3600_000);
      for (const token of [forged, expired, 'garbage']) {
        const res = await access({ articleId: 'premium-2' }, { 'X-Reader-Token': token }).expect(200);
        expect(res.body).toMatchObject({ access: 'metered', reason: 'counted', tier: null });
      }
    });

    it("counts an anonymous reader's meter from X-Reader-Meter and gives back the one to set as rs_meter", async () => {
      let meter = '';
      const seen: string[] = [];
      for (const id of ['b-1', 'b-2', 'b-1', 'b-3', 'b-4']) {
        const res = await access({ articleId: id }, meter ? { 'X-Reader-Meter': meter } : {}).expect(200);
        seen.push(`${res.body.access}/${res.body.remaining}`);
        meter = res.body.meter;
      }
      expect(seen).toEqual(['metered/2', 'metered/1', 'metered/1', 'metered/0', 'denied/0']);
      // The same meter the browser's own endpoint reads.
      expect((await view('b-5', meter)).access).toBe('denied');
    });

    it('opens for a site user whose support carries read_premium, looked up by the service', async () => {
      const paid = checkoutSession({ amount: 3000, siteUserId: 'user-premium', email: 'p@example.fr' });
      expect(
        (
          await deliver(
            t,
            event('checkout.session.completed', paid, { created: unix('2026-11-10T10:00:00Z') }),
          )
        ).status,
      ).toBe(200);
      const res = await access({ articleId: 'premium-1', siteUserId: 'user-premium' }).expect(200);
      expect(res.body).toMatchObject({ access: 'entitled', reason: 'site_user', tier: 'patron' });
      expect(await meterKeys()).toEqual([]);
    });

    it('meters a site user in Redis across devices, bounded, until the month ends in Paris', async () => {
      const answers: string[] = [];
      for (const id of ['s-1', 's-2', 's-3', 's-4', 's-2', 's-5', 's-6']) {
        // No meter header: another device each time.
        const res = await access({ articleId: id, siteUserId: 'user-42' }).expect(200);
        answers.push(`${res.body.access}/${res.body.remaining}`);
        expect(res.body.meter).toBeUndefined();
      }
      expect(answers).toEqual([
        'metered/2',
        'metered/1',
        'metered/0',
        'denied/0',
        'metered/0',
        'denied/0',
        'denied/0',
      ]);
      const key = siteUserMeters(t.redis, t.prefix, 'Europe/Paris').key(
        'user-42',
        periodAt(t.clock.now(), 'Europe/Paris'),
      );
      expect(key).not.toContain('user-42');
      expect(await t.redis.scard(key)).toBe(defaultPolicy.paywall.allowance);
      // It ends with the month in Paris (counted from the service's clock).
      const ttl = await t.redis.pttl(key);
      const untilMonthEnd = Date.parse('2026-11-30T23:00:00Z') - t.clock.now();
      expect(ttl).toBeLessThanOrEqual(untilMonthEnd);
      expect(ttl).toBeGreaterThan(untilMonthEnd - 60_000);
      // December in Paris: a new meter.
      t.clock.set(Date.parse('2026-11-30T23:30:00Z'));
      const december = await access({ articleId: 's-6', siteUserId: 'user-42' }).expect(200);
      expect([december.body.access, december.body.remaining]).toEqual(['metered', 2]);
    });

    it('gives the last free article to one of ten views arriving at once, never to more', async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          access({ articleId: `race-${i}`, siteUserId: 'user-racing' }).then(
            (res) => res.body.access as string,
          ),
        ),
      );
      expect(answers.filter((a) => a === 'metered')).toHaveLength(3);
      expect(answers.filter((a) => a === 'denied')).toHaveLength(7);
      const [key] = await meterKeys();
      expect(await t.redis.scard(key as string)).toBe(3);
    });

    it('needs the site key and answers 400 listing each bad parameter', async () => {
      expect((await request(t.app).get('/v1/access').query({ articleId: 'x' })).status).toBe(401);
      const res = await access({ articleId: 'bad id!', siteUserId: '', other: '1' });
      expect(res.status).toBe(400);
      expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
        'articleId',
        'other',
        'siteUserId',
      ]);
    });

    it("never answers 400 for what a reader's cookies hold: an oversized meter is used up, an oversized token is none", async () => {
      const meter = await access({ articleId: 'ok' }, { 'X-Reader-Meter': 'm'.repeat(5000) }).expect(200);
      expect(meter.body).toMatchObject({ access: 'denied', reason: 'meter_invalid' });
      const { token } = issuer().issueAccessToken(patronGrant(t.clock));
      const padded = await access(
        { articleId: 'ok' },
        { 'X-Reader-Token': `${token}${'A'.repeat(9000)}` },
      ).expect(200);
      expect(padded.body).toMatchObject({ access: 'metered', reason: 'counted', tier: null });
    });

    it('counts premium views by decision, and paid checkouts from the paywall, once each', async () => {
      await readAll(['m-1', 'm-2', 'm-3', 'm-4']);
      const { token } = issuer().issueAccessToken(patronGrant(t.clock));
      await access({ articleId: 'm-1' }, { 'X-Reader-Token': token }).expect(200);
      const paid = event(
        'checkout.session.completed',
        checkoutSession({ amount: 1000, campaign: 'paywall' }),
      );
      expect((await deliver(t, paid)).status).toBe(200);
      expect((await deliver(t, paid)).status).toBe(200);
      const metrics = (await request(t.app).get('/metrics')).text;
      expect(metrics).toContain('paywall_premium_views_total{via="meter",access="metered"} 3');
      expect(metrics).toContain('paywall_premium_views_total{via="meter",access="denied"} 1');
      expect(metrics).toContain('paywall_premium_views_total{via="access",access="entitled"} 1');
      expect(metrics).toContain('checkout_conversions_total{campaign="paywall",frequency="once"} 1\n');
    });
  });
});
