import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { ConfigError } from '../../src/config';
import { createKeyRing, developmentKeyFile, loadKeyRing } from '../../src/tokens/keyRing';
import { createTestApp, type TestApp } from '../helpers/app';
import { p256Key, patronGrant, rsaKeyPem, testIssuer } from './tokenKit';

describe('the JWKS publishes the keys that verify access tokens', () => {
  const signing = p256Key();
  const retired = p256Key();
  let t: TestApp;
  let keysFile: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-jwks-'));
    keysFile = join(dir, 'retired.pem');
    writeFileSync(
      keysFile,
      createPublicKey(retired.privateKey).export({ format: 'pem', type: 'spki' }).toString(),
    );
    t = await createTestApp({ env: { JWT_SIGNING_KEY: signing.pem, JWT_VERIFY_KEYS_FILE: keysFile } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the active and the retired key, public members only, with cache and cross-origin headers', async () => {
    const res = await request(t.app)
      .get('/.well-known/jwks.json')
      .expect(200)
      .expect('Cache-Control', 'public, max-age=300')
      .expect('Cross-Origin-Resource-Policy', 'cross-origin');
    expect(res.body.keys.map((k: { kid: string }) => k.kid)).toEqual([signing.kid, retired.kid]);
    for (const key of res.body.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('names each key by its RFC 7638 thumbprint, as jose computes it', async () => {
    const res = await request(t.app).get('/.well-known/jwks.json').expect(200);
    for (const key of res.body.keys) expect(await calculateJwkThumbprint(key, 'sha256')).toBe(key.kid);
  });

  it('lets an independent library (jose) verify a token with nothing but the published JWKS', async () => {
    const { body: jwks } = await request(t.app).get('/.well-known/jwks.json').expect(200);
    const issued = testIssuer(signing.pem, t.clock, t.config).issueAccessToken(patronGrant(t.clock));
    const { payload, protectedHeader } = await jwtVerify(issued.token, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      issuer: 'https://support.example.fr',
      audience: 'reader-support',
      typ: 'JWT',
      currentDate: new Date(t.clock.now()),
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: signing.kid });
    expect(payload).toEqual({
      iss: 'https://support.example.fr',
      aud: 'reader-support',
      sub: 'sup_test123',
      iat: Math.floor(t.clock.now() / 1000),
      exp: Math.floor(t.clock.now() / 1000) + 3600,
      ent: ['hide_support_asks', 'ad_free', 'read_premium'],
      tier: 'patron',
      recurring: true,
    });
  });

  it('still accepts tokens signed by a retired key after a rotation', async () => {
    const siteKey = 'site-key-for-rotation';
    const hash = createHash('sha256').update(siteKey).digest('hex');
    const withKeys = await createTestApp({
      env: { JWT_SIGNING_KEY: signing.pem, JWT_VERIFY_KEYS_FILE: keysFile, API_KEYS: `s:site:${hash}` },
    });
    try {
      const oldToken = testIssuer(retired.pem, withKeys.clock, withKeys.config).issueAccessToken(
        patronGrant(withKeys.clock),
      ).token;
      expect(decodeProtectedHeader(oldToken).kid).toBe(retired.kid);
      await request(withKeys.app)
        .post('/v1/tokens/verify')
        .set('Authorization', `Bearer ${siteKey}`)
        .send({ token: oldToken })
        .expect(200);
    } finally {
      await withKeys.close();
    }
  });
});

describe('access token lifetime', () => {
  const signing = p256Key();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { JWT_SIGNING_KEY: signing.pem, ACCESS_TOKEN_TTL_S: '900' } });
  });
  afterAll(() => t.close());

  it('lasts ACCESS_TOKEN_TTL_S when the entitlement runs longer', () => {
    const { claims, expiresAtMs } = testIssuer(signing.pem, t.clock, t.config).issueAccessToken(
      patronGrant(t.clock),
    );
    expect(claims.exp - claims.iat).toBe(900);
    expect(expiresAtMs).toBe(claims.exp * 1000);
  });

  it('never outlives the entitlement that ends sooner', () => {
    const endsAt = t.clock.now() + 120_000;
    const { claims } = testIssuer(signing.pem, t.clock, t.config).issueAccessToken(
      patronGrant(t.clock, { validUntilMs: endsAt }),
    );
    expect(claims.exp).toBe(Math.floor(endsAt / 1000));
  });

  it('is not issued at all for an entitlement that has ended', () => {
    const issuer = testIssuer(signing.pem, t.clock, t.config);
    expect(() => issuer.issueAccessToken(patronGrant(t.clock, { validUntilMs: t.clock.now() - 1 }))).toThrow(
      /has ended/,
    );
  });
});

describe('RS256 when the operator configures an RSA key', () => {
  it('signs with RS256, publishes the RSA key and verifies with jose', async () => {
    const pem = rsaKeyPem(2048);
    const t = await createTestApp({ env: { JWT_SIGNING_KEY: pem } });
    try {
      const { body: jwks } = await request(t.app).get('/.well-known/jwks.json').expect(200);
      expect(jwks.keys).toHaveLength(1);
      expect(Object.keys(jwks.keys[0]).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(await calculateJwkThumbprint(jwks.keys[0], 'sha256')).toBe(jwks.keys[0].kid);

      const issued = testIssuer(pem, t.clock, t.config).issueAccessToken(patronGrant(t.clock));
      expect(decodeProtectedHeader(issued.token)).toEqual({
        alg: 'RS256',
        typ: 'JWT',
        kid: jwks.keys[0].kid,
      });
      await jwtVerify(issued.token, createLocalJWKSet(jwks), {
        algorithms: ['RS256'],
        issuer: t.config.publicUrl,
        audience: 'reader-support',
        currentDate: new Date(t.clock.now()),
      });
    } finally {
      await t.close();
    }
  });

  it('refuses an RSA key under 2048 bits, naming the variable', () => {
    expect(() => createKeyRing(rsaKeyPem(1024))).toThrow(ConfigError);
    expect(() => createKeyRing(rsaKeyPem(1024))).toThrow(/JWT_SIGNING_KEY.*1024-bit RSA key/);
  });

  it('refuses an EC key on another curve, and keys of other types', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const ed25519 = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(() => createKeyRing(p384)).toThrow(/JWT_SIGNING_KEY.*secp384r1.*P-256/);
    expect(() => createKeyRing(ed25519)).toThrow(/JWT_SIGNING_KEY.*ed25519 key/);
    expect(() => createKeyRing('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).toThrow(
      /JWT_SIGNING_KEY.*not a PEM private key/,
    );
  });

  it('refuses a retired key that is not usable, naming JWT_VERIFY_KEYS_FILE', () => {
    const small = createPublicKey(rsaKeyPem(1024)).export({ format: 'pem', type: 'spki' }).toString();
    expect(() => createKeyRing(p256Key().pem, [small])).toThrow(/JWT_VERIFY_KEYS_FILE: key #1 is a 1024-bit/);
  });
});

describe('the development signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rs-devkey-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const devConfig = (dataDir: string) => ({
    env: 'development' as const,
    dataDir,
    jwt: { signingKeyPem: null, verifyKeyPems: [], accessTokenTtlS: 3600, refreshTokenTtlS: 86_400 },
  });

  it('is generated once as P-256, kept with mode 0600, and reused on the next start', () => {
    const first = loadKeyRing(devConfig(dir));
    const path = join(dir, developmentKeyFile);
    expect(first.active.alg).toBe('ES256');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = loadKeyRing(devConfig(dir));
    expect(second.active.kid).toBe(first.active.kid);
    expect(readFileSync(path, 'utf8')).toContain('BEGIN PRIVATE KEY');
  });

  it('is what an app without JWT_SIGNING_KEY signs with, and survives a restart of the app', async () => {
    const t = await createTestApp();
    try {
      const config = { ...t.config, dataDir: dir };
      const firstApp = buildApp({ ...t.deps, config });
      const secondApp = buildApp({ ...t.deps, config });
      const first = await request(firstApp).get('/.well-known/jwks.json').expect(200);
      const second = await request(secondApp).get('/.well-known/jwks.json').expect(200);
      expect(second.body).toEqual(first.body);
      expect(first.body.keys[0].kid).toBe(
        createKeyRing(readFileSync(join(dir, developmentKeyFile), 'utf8')).active.kid,
      );
    } finally {
      await t.close();
    }
  });

  it('is never generated in production', () => {
    expect(() => loadKeyRing({ ...devConfig(dir), env: 'production' })).toThrow(/JWT_SIGNING_KEY.*required/);
  });
});
