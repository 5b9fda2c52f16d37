import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { Config } from '../../src/config';
import type { Clock } from '../../src/platform/clock';
import { type AccessGrant, type AccessTokens, createAccessTokens } from '../../src/tokens/accessToken';
import { createKeyRing, jwkThumbprint } from '../../src/tokens/keyRing';

/** A fresh P-256 key pair as PEM and KeyObjects, with its RFC 7638 kid. */
export function p256Key(): { pem: string; privateKey: KeyObject; publicKey: KeyObject; kid: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    privateKey,
    publicKey,
    kid: jwkThumbprint(publicKey),
  };
}

/** A fresh RSA key pair of the given size, as PEM. */
export function rsaKeyPem(bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The same issuer the app under test uses, built from the same key and clock, to mint tokens in tests. */
export function testIssuer(pem: string, clock: Clock, config: Config): AccessTokens {
  return createAccessTokens({ keyRing: createKeyRing(pem), clock, config });
}

export function patronGrant(clock: Clock, overrides: Partial<AccessGrant> = {}): AccessGrant {
  return {
    supporterId: 'sup_test123',
    entitlements: ['hide_support_asks', 'ad_free', 'read_premium'],
    tier: 'patron',
    recurring: true,
    validUntilMs: clock.now() + 30 * 86_400_000,
    ...overrides,
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A JWT assembled by hand, so attacks jsonwebtoken would refuse to produce (alg none, HS256 keyed with a public
 * key, a forged kid) can be built exactly as an attacker would.
 */
export function forgeToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: { es256: KeyObject } | { hs256: string | Buffer } | 'none',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (signer === 'none') return `${input}.`;
  if ('hs256' in signer) {
    return `${input}.${createHmac('sha256', signer.hs256).update(input).digest('base64url')}`;
  }
  const signature = sign('sha256', Buffer.from(input), { key: signer.es256, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
