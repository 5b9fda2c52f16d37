import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError } from '../config';

/** The algorithms access tokens are signed with: ES256 by default, RS256 when the operator's key is RSA. */
export type SigningAlgorithm = 'ES256' | 'RS256';

/** A public key as published in the JWKS: public members only, with its thumbprint, algorithm and use. */
export type PublicJwk =
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' }
  | { kty: 'RSA'; n: string; e: string; kid: string; alg: 'RS256'; use: 'sig' };

/** A key that verifies tokens: the active key or a retired one from `JWT_VERIFY_KEYS_FILE`. */
export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

/** The key that signs new tokens. */
export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
}

export interface KeyRing {
  /** Signs every new token. */
  readonly active: SigningKey;
  /** The active key and every retired one, by `kid`; undefined for a `kid` we never published. */
  verificationKey(kid: string): VerificationKey | undefined;
  /** The JSON Web Key Set published at `/.well-known/jwks.json`. */
  jwks(): { keys: PublicJwk[] };
}

/** Where the development key is kept, under `config.dataDir`. */
export const developmentKeyFile = 'jwt-signing-key.pem';

const minimumRsaBits = 2048;

/**
 * Builds the key ring from the configuration: the operator's signing key, or in development and test a P-256 key
 * generated once and kept under `dataDir`; plus the retired public keys. Throws a ConfigError naming the variable.
 */
export function loadKeyRing(config: Pick<Config, 'env' | 'jwt' | 'dataDir'>): KeyRing {
  const signingPem = config.jwt.signingKeyPem ?? developmentSigningKeyPem(config);
  return createKeyRing(signingPem, config.jwt.verifyKeyPems);
}

/** Builds a key ring from PEM text: one private signing key and any number of retired public (or private) keys. */
export function createKeyRing(signingKeyPem: string, retiredKeyPems: readonly string[] = []): KeyRing {
  const active = signingKey(signingKeyPem);
  const byKid = new Map<string, VerificationKey>([[active.kid, active]]);
  retiredKeyPems.forEach((pem, index) => {
    const key = verificationKey(pem, `JWT_VERIFY_KEYS_FILE`, `key #${index + 1}`);
    // The active key listed again among the retired ones is harmless; publish it once.
    if (!byKid.has(key.kid)) byKid.set(key.kid, key);
  });
  const published = { keys: [...byKid.values()].map((key) => key.jwk) };
  return {
    active,
    verificationKey: (kid) => byKid.get(kid),
    jwks: () => published,
  };
}

/** The RFC 7638 thumbprint of a public key: base64url SHA-256 of its required members in lexicographic order. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  // Hand-written JSON so that member order and spacing are exactly RFC 7638's, whatever Node's export order.
  const canonical =
    jwk.kty === 'EC'
      ? `{"crv":${JSON.stringify(jwk.crv)},"kty":"EC","x":${JSON.stringify(jwk.x)},"y":${JSON.stringify(jwk.y)}}`
      : `{"e":${JSON.stringify(jwk.e)},"kty":"RSA","n":${JSON.stringify(jwk.n)}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

function signingKey(pem: string): SigningKey {
  const variable = 'JWT_SIGNING_KEY (or JWT_SIGNING_KEY_FILE)';
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw configError(
      variable,
      'is not a PEM private key Node can read (PKCS#8 or SEC1/PKCS#1, unencrypted)',
    );
  }
  return { ...describePublicKey(createPublicKey(privateKey), variable, 'the signing key'), privateKey };
}

function verificationKey(pem: string, variable: string, which: string): VerificationKey {
  let publicKey: KeyObject;
  try {
    // createPublicKey also accepts a private key or a certificate and keeps only the public half.
    publicKey = createPublicKey(pem);
  } catch {
    throw configError(variable, `${which} is not a PEM public key Node can read`);
  }
  return describePublicKey(publicKey, variable, which);
}

/** Decides the algorithm from the key itself, refusing every key type and size we do not sign with. */
function describePublicKey(publicKey: KeyObject, variable: string, which: string): VerificationKey {
  const kid = jwkThumbprint(publicKeyOrThrow(publicKey, variable, which));
  const jwk = publicKey.export({ format: 'jwk' });
  if (publicKey.asymmetricKeyType === 'ec') {
    return {
      kid,
      alg: 'ES256',
      publicKey,
      jwk: { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y), kid, alg: 'ES256', use: 'sig' },
    };
  }
  return {
    kid,
    alg: 'RS256',
    publicKey,
    jwk: { kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid, alg: 'RS256', use: 'sig' },
  };
}

function publicKeyOrThrow(publicKey: KeyObject, variable: string, which: string): KeyObject {
  const type = publicKey.asymmetricKeyType;
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    if (details.namedCurve !== 'prime256v1') {
      throw configError(
        variable,
        `${which} is an EC key on ${details.namedCurve ?? 'an unknown curve'}; ES256 needs P-256 (prime256v1)`,
      );
    }
    return publicKey;
  }
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < minimumRsaBits) {
      throw configError(
        variable,
        `${which} is a ${bits}-bit RSA key; RS256 needs at least ${minimumRsaBits} bits`,
      );
    }
    return publicKey;
  }
  throw configError(
    variable,
    `${which} is a ${type ?? 'unknown'} key; use a P-256 EC key (ES256) or an RSA key of at least ${minimumRsaBits} bits (RS256)`,
  );
}

/**
 * The development key: read from `dataDir` when a previous start made it, else generated and stored (mode 0600).
 * Several processes may start at once (WEB_CONCURRENCY, parallel test workers): the key is written to a private
 * temporary file and hard-linked into place, which fails if another process won, so everyone ends up reading the
 * one complete key.
 */
function developmentSigningKeyPem(config: Pick<Config, 'env' | 'dataDir'>): string {
  if (config.env === 'production') {
    // loadConfig already refuses this; kept so the key ring can never mint a throwaway key in production.
    throw configError('JWT_SIGNING_KEY (or JWT_SIGNING_KEY_FILE)', 'is required when NODE_ENV=production');
  }
  const path = join(config.dataDir, developmentKeyFile);
  const existing = readIfExists(path);
  if (existing !== null) return existing;

  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(path, 'utf8');
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function configError(variable: string, message: string): ConfigError {
  return new ConfigError(`invalid configuration:\n  ${variable}: ${message}`);
}
