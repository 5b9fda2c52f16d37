import type { Environment } from './environment';
import { callService } from './http';
import { readJson, storageKeys, writeItem } from './storage';

/** The claims the banner relies on (the contract's access token; `tier` is not needed here). */
export interface AccessClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  exp: number;
  nbf?: number;
  ent: string[];
  /** A subscription is behind it: the paywall offers to change it rather than to give a second time. */
  recurring?: boolean;
}

export type Rejection =
  | 'malformed'
  | 'wrong typ'
  | 'algorithm not allowed'
  | 'unknown kid'
  | 'bad signature'
  | 'no webcrypto'
  | 'wrong issuer'
  | 'wrong audience'
  | 'not yet valid'
  | 'expired';

/** `expired` is only ever said of a token that is otherwise genuine: its signature, issuer and audience are right. */
export type Verdict = { ok: true; claims: AccessClaims } | { ok: false; reason: Rejection };

interface PublicJwk {
  kty: string;
  kid: string;
  alg?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

interface CachedJwks {
  fetchedAt: number;
  keys: PublicJwk[];
}

export const audience = 'reader-support';

/**
 * How long the banner trusts its copy of the JWKS before fetching it again. Long, so that a supporter's page views
 * make no request at all; a new key is still picked up at once, since an unknown `kid` refetches.
 */
const jwksTtlMs = 24 * 60 * 60 * 1000;
/** An unknown `kid` refetches the keys at most this often, whatever tokens turn up. */
const jwksRefetchGapMs = 60 * 1000;
const jwksTimeoutMs = 4000;

const algorithms: Record<string, { kty: string; importAs: EcKeyImportParams | RsaHashedImportParams }> = {
  ES256: { kty: 'EC', importAs: { name: 'ECDSA', namedCurve: 'P-256' } },
  RS256: { kty: 'RSA', importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } },
};

/**
 * Verifies an access token in the browser as every verifier must: `typ` JWT, the algorithm pinned to the published
 * key's own, a `kid` from the service's JWKS, the signature (WebCrypto), then `iss`, `aud`, `nbf` and `exp`.
 */
export async function verifyAccessToken(token: string, env: Environment, nowMs: number): Promise<Verdict> {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  const signature = decodeBase64Url(signaturePart);
  if (!header || !claims || !signature) return { ok: false, reason: 'malformed' };
  if (header.typ !== 'JWT') return { ok: false, reason: 'wrong typ' };
  const algorithm = typeof header.alg === 'string' ? algorithms[header.alg] : undefined;
  if (!algorithm) return { ok: false, reason: 'algorithm not allowed' };
  if (typeof header.kid !== 'string') return { ok: false, reason: 'unknown kid' };

  const jwk = await publishedKey(header.kid, env, nowMs);
  if (!jwk) return { ok: false, reason: 'unknown kid' };
  // The key decides the algorithm, never the token: an RSA key cannot be made to verify "ES256", nor the reverse.
  if (jwk.kty !== algorithm.kty || (jwk.alg !== undefined && jwk.alg !== header.alg)) {
    return { ok: false, reason: 'algorithm not allowed' };
  }
  const subtle = globalThis.crypto?.subtle;
  // WebCrypto exists only in secure contexts (https, or localhost): elsewhere the token cannot be trusted.
  if (!subtle) return { ok: false, reason: 'no webcrypto' };
  let valid = false;
  try {
    const key = await subtle.importKey('jwk', publicMembers(jwk), algorithm.importAs, false, ['verify']);
    const verifyAs = algorithm.kty === 'EC' ? { name: 'ECDSA', hash: 'SHA-256' } : algorithm.importAs;
    valid = await subtle.verify(
      verifyAs,
      key,
      signature,
      new TextEncoder().encode(`${headerPart}.${payloadPart}`),
    );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };
  return checkClaims(claims, env, nowMs);
}

/** Whether the claims grant what the banner looks for. */
export function hidesAsks(claims: AccessClaims): boolean {
  return claims.ent.includes('hide_support_asks');
}

function checkClaims(claims: Record<string, unknown>, env: Environment, nowMs: number): Verdict {
  const { iss, aud, sub, exp, nbf, ent } = claims;
  if (typeof exp !== 'number' || typeof sub !== 'string' || !isStringArray(ent)) {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof iss !== 'string' || iss.replace(/\/$/, '') !== env.issuer)
    return { ok: false, reason: 'wrong issuer' };
  if (!(aud === audience || (isStringArray(aud) && aud.includes(audience)))) {
    return { ok: false, reason: 'wrong audience' };
  }
  const nowS = nowMs / 1000;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowS + 60))
    return { ok: false, reason: 'not yet valid' };
  if (exp <= nowS) return { ok: false, reason: 'expired' };
  const recurring = claims.recurring === true;
  return { ok: true, claims: { iss, aud: aud as string | string[], sub, exp, ent, recurring } };
}

/** The key the service publishes under a `kid`: from the cached JWKS, else refetched once. */
async function publishedKey(kid: string, env: Environment, nowMs: number): Promise<PublicJwk | undefined> {
  const cached = readCachedJwks();
  const found = cached?.keys.find((key) => key.kid === kid);
  const fresh = cached !== null && nowMs - cached.fetchedAt < jwksTtlMs && cached.fetchedAt <= nowMs;
  if (found && fresh) return found;
  if (fresh && nowMs - cached.fetchedAt < jwksRefetchGapMs) return undefined;
  const fetched = await fetchJwks(env);
  if (!fetched) return found; // service unreachable: a key we trusted yesterday still verifies today
  writeItem(storageKeys.jwks, JSON.stringify({ fetchedAt: nowMs, keys: fetched } satisfies CachedJwks));
  return fetched.find((key) => key.kid === kid);
}

async function fetchJwks(env: Environment): Promise<PublicJwk[] | null> {
  try {
    const answer = await callService(env, '.well-known/jwks.json', { timeoutMs: jwksTimeoutMs });
    if (answer.status !== 200) return null;
    return parseKeys(answer.body);
  } catch {
    return null;
  }
}

function readCachedJwks(): CachedJwks | null {
  const stored = readJson(storageKeys.jwks);
  if (typeof stored !== 'object' || stored === null) return null;
  const { fetchedAt, keys } = stored as { fetchedAt?: unknown; keys?: unknown };
  const parsed = parseKeys({ keys });
  return typeof fetchedAt === 'number' && parsed ? { fetchedAt, keys: parsed } : null;
}

function parseKeys(body: unknown): PublicJwk[] | null {
  const keys = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) return null;
  return keys.filter(
    (key): key is PublicJwk =>
      typeof key === 'object' && key !== null && typeof key.kid === 'string' && typeof key.kty === 'string',
  );
}

/** Only the members WebCrypto needs: a JWK's `use`, `key_ops` or private members must not steer the import. */
function publicMembers(jwk: PublicJwk): JsonWebKey {
  return jwk.kty === 'EC'
    ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true }
    : { kty: 'RSA', n: jwk.n, e: jwk.e, ext: true };
}

function decodeBase64Url(part: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return null;
  try {
    const binary = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function decodeJson(part: string): Record<string, unknown> | null {
  const bytes = decodeBase64Url(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
