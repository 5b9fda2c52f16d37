import jwt from 'jsonwebtoken';
import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import { entitlementNames } from '../policy/policy';
import { z } from '../zod';
import type { KeyRing } from './keyRing';

/** The `aud` of every access token: the audience is this service's tokens, whoever verifies them. */
export const accessTokenAudience = 'reader-support';

/** The claims of an access token, exactly as the contract lists them; also the answer of `/v1/tokens/verify`. */
export const accessTokenClaimsSchema = z
  .object({
    iss: z.string().openapi({ description: 'PUBLIC_URL of the service that issued the token' }),
    aud: z.literal(accessTokenAudience),
    sub: z
      .string()
      .regex(/^sup_[A-Za-z0-9_-]+$/)
      .openapi({ description: 'The supporter id (opaque)' }),
    iat: z.number().int().openapi({ description: 'Issued at, seconds since the epoch' }),
    exp: z
      .number()
      .int()
      .openapi({ description: 'Expiry, seconds since the epoch; never later than the entitlement' }),
    ent: z.array(z.enum(entitlementNames)).openapi({ description: 'Entitlements the token grants' }),
    tier: z.string().openapi({ description: 'The highest tier in force, e.g. supporter or patron' }),
    recurring: z.boolean().openapi({ description: 'Whether a recurring contribution is in force' }),
  })
  .openapi('AccessTokenClaims');

export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/** What the supporter is entitled to right now, as the supporter state computes it. */
export interface AccessGrant {
  supporterId: string;
  entitlements: AccessTokenClaims['ent'];
  tier: string;
  recurring: boolean;
  /** When the entitlement ends (ms since the epoch): the token never outlives it. */
  validUntilMs: number;
}

export interface IssuedAccessToken {
  token: string;
  /** ms since the epoch, the token's `exp`. */
  expiresAtMs: number;
  claims: AccessTokenClaims;
}

/** Why a token was refused; the verify endpoint answers 401 with it, nothing more. */
export type AccessTokenRejection =
  | 'malformed'
  | 'wrong typ'
  | 'unknown kid'
  | 'algorithm not allowed'
  | 'bad signature'
  | 'missing exp'
  | 'expired'
  | 'not yet valid'
  | 'wrong issuer'
  | 'wrong audience'
  | 'malformed claims';

/** A refused access token: a 401 problem wherever it is not caught. */
export class InvalidAccessTokenError extends AppError {
  override name = 'InvalidAccessTokenError';
  constructor(readonly reason: AccessTokenRejection) {
    super('unauthorized', `The access token is not valid: ${reason}.`);
  }
}

export interface AccessTokens {
  readonly keyRing: KeyRing;
  /** Signs a token for a grant; throws when the grant has already ended (answer `accessToken: null` instead). */
  issueAccessToken(grant: AccessGrant): IssuedAccessToken;
  /** Verifies a token as every verifier must; throws InvalidAccessTokenError with the reason. */
  verifyAccessToken(token: string): AccessTokenClaims;
}

export interface AccessTokenSettings {
  keyRing: KeyRing;
  clock: Clock;
  config: Pick<Config, 'publicUrl' | 'jwt'>;
}

/** Binds the key ring, clock, issuer and lifetime once, for the routes that issue and verify tokens. */
export function createAccessTokens(settings: AccessTokenSettings): AccessTokens {
  return {
    keyRing: settings.keyRing,
    issueAccessToken: (grant) => issueAccessToken(settings, grant),
    verifyAccessToken: (token) => verifyAccessToken(settings, token),
  };
}

/** Signs an access token for a grant with the active key: `exp` = min(now + ACCESS_TOKEN_TTL_S, entitlement end). */
export function issueAccessToken(settings: AccessTokenSettings, grant: AccessGrant): IssuedAccessToken {
  const { keyRing, clock, config } = settings;
  const iat = Math.floor(clock.now() / 1000);
  const exp = Math.min(iat + config.jwt.accessTokenTtlS, Math.floor(grant.validUntilMs / 1000));
  if (exp <= iat) {
    throw new Error(`the grant of ${grant.supporterId} has ended: no access token to issue`);
  }
  const claims: AccessTokenClaims = {
    iss: config.publicUrl,
    aud: accessTokenAudience,
    sub: grant.supporterId,
    iat,
    exp,
    ent: [...grant.entitlements],
    tier: grant.tier,
    recurring: grant.recurring,
  };
  const { active } = keyRing;
  const token = jwt.sign(claims, active.privateKey, {
    algorithm: active.alg,
    // iat and exp come from our clock, in the claims: jsonwebtoken keeps a given iat (noTimestamp would delete it).
    header: { alg: active.alg, typ: 'JWT', kid: active.kid },
  });
  return { token, expiresAtMs: exp * 1000, claims };
}

/**
 * Verifies an access token: `typ` JWT, a `kid` we publish, the algorithm pinned to that key's type, the signature,
 * a present and unexpired `exp` on our clock, `iss` and `aud`, and claims of the right shape.
 */
export function verifyAccessToken(settings: AccessTokenSettings, token: string): AccessTokenClaims {
  const { keyRing, clock, config } = settings;
  const header = decodeHeader(token);
  // jsonwebtoken checks neither typ nor kid; both are ours to check before the signature.
  if (header.typ !== 'JWT') throw new InvalidAccessTokenError('wrong typ');
  const key = typeof header.kid === 'string' ? keyRing.verificationKey(header.kid) : undefined;
  if (!key) throw new InvalidAccessTokenError('unknown kid');
  if (header.alg !== key.alg) throw new InvalidAccessTokenError('algorithm not allowed');

  let payload: unknown;
  try {
    payload = jwt.verify(token, key.publicKey, {
      algorithms: [key.alg],
      issuer: config.publicUrl,
      audience: accessTokenAudience,
      clockTimestamp: Math.floor(clock.now() / 1000),
    });
  } catch (error) {
    throw new InvalidAccessTokenError(rejectionOf(error));
  }
  // jsonwebtoken accepts a token without exp; ours always have one, so one without is not ours.
  if (typeof payload !== 'object' || payload === null || !('exp' in payload)) {
    throw new InvalidAccessTokenError('missing exp');
  }
  const claims = accessTokenClaimsSchema.safeParse(payload);
  if (!claims.success) throw new InvalidAccessTokenError('malformed claims');
  return claims.data;
}

function decodeHeader(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === undefined) throw new InvalidAccessTokenError('malformed');
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (typeof header === 'object' && header !== null && !Array.isArray(header)) {
      return header as Record<string, unknown>;
    }
  } catch {
    // falls through: not JSON
  }
  throw new InvalidAccessTokenError('malformed');
}

function rejectionOf(error: unknown): AccessTokenRejection {
  if (error instanceof jwt.TokenExpiredError) return 'expired';
  if (error instanceof jwt.NotBeforeError) return 'not yet valid';
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('jwt audience invalid')) return 'wrong audience';
  if (message.startsWith('jwt issuer invalid')) return 'wrong issuer';
  if (message === 'invalid algorithm') return 'algorithm not allowed';
  if (message === 'invalid signature' || message === 'jwt signature is required') return 'bad signature';
  if (message === 'invalid exp value' || message === 'invalid nbf value') return 'malformed claims';
  return 'malformed';
}
