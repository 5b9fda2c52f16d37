import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import type { RedisClient } from '../platform/redis';

/**
 * The site's backend vouches for a signed-in reader with a short-lived token it signs with a secret it shares with
 * the service (`SITE_USER_TOKEN_SECRETS`): HS256 `{aud: "reader-support", sub: <site user id>, iat, exp, jti}`,
 * lifetime at most five minutes, each `jti` accepted once. The banner script fetches one from the site when the
 * reader clicks, so cached pages carry none. A bare `siteUserId` sent by a browser vouches for nothing.
 */

export const siteUserTokenAudience = 'reader-support';
export const siteUserTokenMaxLifetimeS = 300;
const siteUserIdPattern = /^[\x21-\x7e]{1,200}$/;

export interface SiteUserTokens {
  /** The site user id the token vouches for; a 400 naming the field when it does not verify or was used. */
  verify(token: string): Promise<string>;
}

export function siteUserTokens(deps: {
  config: Pick<Config, 'siteUserTokenSecrets' | 'redis'>;
  redis: RedisClient;
  clock: Clock;
}): SiteUserTokens {
  const { siteUserTokenSecrets: secrets, redis: redisConfig } = deps.config;
  const refuse = (why: string) =>
    new AppError('validation_failed', 'The request body has 1 invalid field(s).', {
      errors: [{ field: 'siteUserToken', message: why }],
    });

  return {
    async verify(token) {
      if (secrets.length === 0) throw refuse('this service is configured to accept no site user token');
      const nowS = Math.floor(deps.clock.now() / 1000);
      let claims: jwt.JwtPayload | null = null;
      for (const secret of secrets) {
        try {
          claims = jwt.verify(token, secret, {
            algorithms: ['HS256'],
            audience: siteUserTokenAudience,
            clockTimestamp: nowS,
            maxAge: siteUserTokenMaxLifetimeS,
          }) as jwt.JwtPayload;
          break;
        } catch (error) {
          // Another secret may still verify it (a rotation); an expired or foreign token fails with every one.
          if (!(error instanceof jwt.JsonWebTokenError)) throw error;
        }
      }
      if (!claims) throw refuse('not a valid site user token (signature, audience or lifetime)');
      const { sub, iat, exp, jti } = claims;
      if (typeof sub !== 'string' || !siteUserIdPattern.test(sub))
        throw refuse('`sub` must be the site user id');
      if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > siteUserTokenMaxLifetimeS) {
        throw refuse(`\`iat\` and \`exp\` are required, at most ${siteUserTokenMaxLifetimeS} s apart`);
      }
      if (typeof jti !== 'string' || jti.length < 8 || jti.length > 200) throw refuse('`jti` is required');
      const used = createHash('sha256').update(jti).digest('hex');
      const fresh = await deps.redis.set(
        `${redisConfig.keyPrefix}site-user-jti:${used}`,
        '1',
        'EX',
        Math.max(1, exp - nowS),
        'NX',
      );
      if (fresh !== 'OK') throw refuse('this site user token was already used');
      return sub;
    },
  };
}
