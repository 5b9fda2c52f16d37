import { createHash } from 'node:crypto';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app';
import { forgeToken, p256Key, patronGrant, testIssuer } from './tokenKit';

const siteKey = 'site-key-for-verify-tests';
const financeKey = 'finance-key-for-verify-tests';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('POST /v1/tokens/verify refuses every forged, stale or foreign token', () => {
  const signing = p256Key();
  let t: TestApp;
  let now: number;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        JWT_SIGNING_KEY: signing.pem,
        API_KEYS: `site1:site:${sha256(siteKey)},fin1:finance:${sha256(financeKey)}`,
      },
    });
    now = Math.floor(t.clock.now() / 1000);
    claims = {
      iss: 'https://support.example.fr',
      aud: 'reader-support',
      sub: 'sup_test123',
      iat: now,
      exp: now + 600,
      ent: ['hide_support_asks'],
      tier: 'supporter',
      recurring: false,
    };
  });
  afterAll(() => t.close());

  const verify = (token: string) =>
    request(t.app).post('/v1/tokens/verify').set('Authorization', `Bearer ${siteKey}`).send({ token });
  const header = () => ({ alg: 'ES256', typ: 'JWT', kid: signing.kid });

  it('accepts a token signed by the active key and answers its claims', async () => {
    const issued = testIssuer(signing.pem, t.clock, t.config).issueAccessToken(patronGrant(t.clock));
    const res = await verify(issued.token).expect(200);
    expect(res.body).toEqual(issued.claims);
    expect(res.body).toMatchObject({ sub: 'sup_test123', tier: 'patron', recurring: true });
  });

  it('accepts a hand-built token with the right header, claims and signature (the matrix baseline)', async () => {
    await verify(forgeToken(header(), claims, { es256: signing.privateKey })).expect(200);
  });

  const attacks: [string, () => string, string][] = [
    ['alg none', () => forgeToken({ ...header(), alg: 'none' }, claims, 'none'), 'algorithm not allowed'],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      () =>
        forgeToken({ ...header(), alg: 'HS256' }, claims, {
          hs256: signing.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        }),
      'algorithm not allowed',
    ],
    [
      'an expired token',
      () =>
        forgeToken(header(), { ...claims, iat: now - 7200, exp: now - 3600 }, { es256: signing.privateKey }),
      'expired',
    ],
    [
      'a token without exp',
      () => {
        const { exp: _exp, ...noExp } = claims;
        return forgeToken(header(), noExp, { es256: signing.privateKey });
      },
      'missing exp',
    ],
    [
      'a token from another issuer',
      () => forgeToken(header(), { ...claims, iss: 'https://evil.example' }, { es256: signing.privateKey }),
      'wrong issuer',
    ],
    [
      'a token for another audience',
      () => forgeToken(header(), { ...claims, aud: 'another-service' }, { es256: signing.privateKey }),
      'wrong audience',
    ],
    [
      'a token of another type',
      () => forgeToken({ ...header(), typ: 'at+jwt' }, claims, { es256: signing.privateKey }),
      'wrong typ',
    ],
    [
      'a token without typ',
      () => forgeToken({ alg: 'ES256', kid: signing.kid }, claims, { es256: signing.privateKey }),
      'wrong typ',
    ],
    [
      'a token whose kid we never published, signed by that key',
      () => {
        const other = p256Key();
        return forgeToken({ ...header(), kid: other.kid }, claims, { es256: other.privateKey });
      },
      'unknown kid',
    ],
    [
      'a token without kid',
      () => forgeToken({ alg: 'ES256', typ: 'JWT' }, claims, { es256: signing.privateKey }),
      'unknown kid',
    ],
    [
      'a token whose payload was changed after signing',
      () => {
        const [h, , s] = forgeToken(header(), claims, { es256: signing.privateKey }).split('.');
        const raised = Buffer.from(
          JSON.stringify({
            ...claims,
            ent: ['hide_support_asks', 'ad_free', 'read_premium'],
            tier: 'patron',
          }),
        ).toString('base64url');
        return `${h}.${raised}.${s}`;
      },
      'bad signature',
    ],
    [
      'a token signed by another key under our kid',
      () => forgeToken(header(), claims, { es256: p256Key().privateKey }),
      'bad signature',
    ],
    [
      'a token whose claims have the wrong shape',
      () => forgeToken(header(), { ...claims, ent: 'everything' }, { es256: signing.privateKey }),
      'malformed claims',
    ],
    ['something that is not a JWT', () => 'not.a.jwt', 'malformed'],
  ];

  it.each(attacks)('refuses %s with 401 and the reason', async (_name, build, reason) => {
    const res = await verify(build())
      .expect(401)
      .expect('Content-Type', /application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, detail: `The access token is not valid: ${reason}.` });
  });

  it('refuses a token once the clock passes its exp', async () => {
    const issued = testIssuer(signing.pem, t.clock, t.config).issueAccessToken(patronGrant(t.clock));
    await verify(issued.token).expect(200);
    t.clock.advance(t.config.jwt.accessTokenTtlS * 1000 + 1000);
    try {
      await verify(issued.token).expect(401);
    } finally {
      t.clock.advance(-(t.config.jwt.accessTokenTtlS * 1000 + 1000));
    }
  });

  it('answers 401 to a caller without an API key', async () => {
    const res = await request(t.app).post('/v1/tokens/verify').send({ token: 'x.y.z' }).expect(401);
    expect(res.body.detail).toMatch(/API key/);
  });

  it('answers 403 to a key of another role', async () => {
    await request(t.app)
      .post('/v1/tokens/verify')
      .set('Authorization', `Bearer ${financeKey}`)
      .send({ token: 'x.y.z' })
      .expect(403);
  });

  it('lists the fields of a body that is not valid', async () => {
    const res = await request(t.app)
      .post('/v1/tokens/verify')
      .set('Authorization', `Bearer ${siteKey}`)
      .send({ token: '', extra: 1 })
      .expect(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'token' }),
        { field: 'extra', message: 'unknown field' },
      ]),
    );
  });
});
